"""What the API shows of each published row. No user accounts, no editor-only fields."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from stories.models import (
    Actor,
    Citation,
    Claim,
    ClaimStatusChange,
    Correction,
    Event,
    EventParticipation,
    Source,
    Story,
    Update,
)


class StorySerializer(serializers.HyperlinkedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:story-detail", lookup_field="slug")
    page = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Story
        fields = [
            "url", "page", "slug", "title", "standfirst", "is_live", "coverage_start", "coverage_end",
            "timezone", "key_developments", "published_at", "update_sequence",
        ]


class CorrectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Correction
        fields = ["note", "corrected_at"]


class UpdateSerializer(serializers.ModelSerializer):
    story = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    page = serializers.CharField(source="get_absolute_url", read_only=True)
    corrections = CorrectionSerializer(many=True, read_only=True)

    class Meta:
        model = Update
        fields = [
            "id", "story", "page", "posted_at", "published_at", "headline", "body", "kind", "is_pinned",
            "sequence", "corrections",
        ]


class ActorSerializer(serializers.ModelSerializer):
    page = serializers.CharField(source="get_absolute_url", read_only=True)
    affiliation = serializers.SerializerMethodField()
    aliases = serializers.SlugRelatedField(slug_field="alias", many=True, read_only=True)

    class Meta:
        model = Actor
        fields = ["slug", "page", "name", "kind", "role_title", "affiliation", "aliases", "bio"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_affiliation(self, actor: Actor) -> str | None:
        # Only a published affiliation is named (the view prefetches it through published()).
        parent = getattr(actor, "published_affiliation", None)
        return parent.slug if parent else None


class ParticipationSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = EventParticipation
        fields = ["actor", "role"]


class CitationSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    relation_confirmed = serializers.BooleanField(
        read_only=True, help_text="Whether an editor set or confirmed how the words bear on the claim or event.",
    )

    class Meta:
        model = Citation
        fields = ["source", "excerpt", "start", "end", "relation", "relation_confirmed"]


class EventSerializer(serializers.ModelSerializer):
    story = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    page = serializers.CharField(source="get_absolute_url", read_only=True)
    when = serializers.CharField(source="when_display", read_only=True)
    participants = ParticipationSerializer(source="published_participations", many=True, read_only=True)
    citations = CitationSerializer(source="published_citations", many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id", "story", "page", "title", "description", "when", "occurred_at", "precision", "ends_at",
            "ends_precision", "place", "is_key_event", "participants", "citations",
        ]


class StatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimStatusChange
        fields = ["from_status", "to_status", "note", "changed_at"]


class ClaimSerializer(serializers.ModelSerializer):
    story = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    page = serializers.CharField(source="get_absolute_url", read_only=True)
    claimant = serializers.SerializerMethodField()
    citations = CitationSerializer(source="published_citations", many=True, read_only=True)
    status_history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "story", "page", "kind", "text", "claimant", "claimant_description", "made_at",
            "made_precision", "verification_status", "verification_note", "stat_measure", "stat_value",
            "stat_value_high", "stat_unit", "stat_period", "outcome", "citations", "status_history",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_claimant(self, claim: Claim) -> str | None:
        claimant = claim.visible_claimant
        return claimant.slug if claimant else None


class SourceSerializer(serializers.ModelSerializer):
    page = serializers.CharField(source="get_absolute_url", read_only=True)
    # A plain string: a blank URLField becomes a oneOf that an empty address matches twice.
    url = serializers.CharField(read_only=True, help_text="The source's web address, or empty.")

    class Meta:
        model = Source
        fields = [
            "slug", "page", "title", "publisher", "url", "author", "source_published_at", "kind",
            "content_group", "sha256",
        ]


class SourceDetailSerializer(SourceSerializer):
    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "text"]
