"""The desk's content: stories (the desk page), actors, sources, events and live updates."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from stories import merging, permissions, publishing
from stories.ingest import extracted
from stories.key_developments import stale_key_developments
from stories.models import (
    Actor,
    ActorAlias,
    Citation,
    Claim,
    Correction,
    Event,
    EventParticipation,
    PublicationStatus,
    ReviewState,
    Source,
    Story,
    Update,
    VerificationStatus,
    scheduled_for_readers,
    visible_to_readers,
)

from . import forms as desk_forms
from .base import DeskAdmin, DeskChildInline, ReadOnlyInline, add_citation_link, desk_time, list_time, short


# --- Inlines -----------------------------------------------------------------------------------


class ActorAliasInline(DeskChildInline, admin.TabularInline):
    model = ActorAlias
    extra = 1


class EventParticipationInline(DeskChildInline, admin.TabularInline):
    model = EventParticipation
    extra = 1
    autocomplete_fields = ["actor"]


class EventCitationInline(DeskChildInline, ReadOnlyInline):
    """Citations are shown here; they are added and edited on their own page, picking the words."""

    model = Citation
    fk_name = "event"
    fields = ["source", "excerpt", "start", "end", "is_stale"]
    related = ("source",)
    can_delete = True
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source__text")


class ClaimCitationInline(EventCitationInline):
    fk_name = "claim"


class CorrectionInline(ReadOnlyInline):
    model = Correction
    fields = ["corrected_at", "note", "corrected_by"]
    related = ("corrected_by",)


# --- Stories -----------------------------------------------------------------------------------


@admin.register(Story)
class StoryAdmin(DeskAdmin):
    form = desk_forms.StoryForm
    change_form_template = "admin/stories/story/change_form.html"
    list_display = ["title", "visibility", "is_live", "key_developments_check"]
    list_editable = ["is_live"]
    list_filter = ["status", "is_live"]
    search_fields = ["title", "standfirst"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    readonly_fields = ["image_preview"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "key_developments", "is_live"]}),
        ("Publishing", {"fields": ["status", "published_at", "timezone", "coverage_start", "coverage_end"]}),
        ("Lead image", {"fields": ["lead_image", "lead_image_alt", "lead_image_credit", "image_preview"]}),
    ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        story = Story.objects.filter(pk=unquote(object_id)).first()
        extra_context = dict(extra_context or {})
        if story is not None:
            extra_context["desk"] = self.desk_summary(request, story)
        return super().change_view(request, object_id, form_url, extra_context)

    def desk_summary(self, request, story: Story) -> dict:
        """What the story page shows an editor: counts and the latest of each kind, links to the rest."""
        published, scheduled = visible_to_readers(), scheduled_for_readers()
        drafts = Q(status=PublicationStatus.DRAFT)

        def counts(model, **extra):
            return model.objects.filter(story=story).aggregate(
                total=Count("pk"), published=Count("pk", filter=published),
                scheduled=Count("pk", filter=scheduled), drafts=Count("pk", filter=drafts), **extra,
            )

        def changelist(model, **params):
            query = "&".join(f"{k}={v}" for k, v in {"story__id__exact": story.pk, **params}.items())
            return reverse(f"admin:stories_{model._meta.model_name}_changelist") + "?" + query

        claim_counts = counts(
            Claim, candidates=Count("pk", filter=Q(review_state=ReviewState.CANDIDATE)),
            disputed=Count("pk", filter=Q(verification_status=VerificationStatus.DISPUTED)),
        )
        return {
            "zone": story.tzinfo,
            "updates": Update.objects.filter(story=story).select_related("author")
            .order_by("-is_pinned", "-posted_at", "-pk")[:8],
            "update_counts": counts(Update),
            "events": Event.objects.filter(story=story).order_by("-occurred_at", "-pk")[:8],
            "event_counts": counts(Event),
            "claims": Claim.objects.filter(story=story, review_state=ReviewState.ACCEPTED)
            .select_related("claimant").order_by("-updated_at", "-pk")[:8],
            "claim_counts": claim_counts,
            "post_update_url": reverse("admin:stories_update_add") + f"?story={story.pk}",
            "add_event_url": reverse("admin:stories_event_add") + f"?story={story.pk}",
            "add_claim_url": reverse("admin:stories_claim_add") + f"?story={story.pk}",
            "updates_url": changelist(Update),
            "events_url": changelist(Event),
            "claims_url": changelist(Claim, review_state="all"),
            "review_url": reverse("admin:stories_claim_review"),
            "can_add_update": self.admin_site._registry[Update].has_add_permission(request),
            "stale_key_developments": stale_key_developments(story),
        }

    @admin.display(description="Key developments")
    def key_developments_check(self, obj):
        stale = stale_key_developments(obj)
        if stale is None:
            return "—"
        return format_html('<span class="desk-state desk-stale" title="{}">Check: older than the newest {}</span>',
                           stale.message(), stale.newer_kind)


# --- Actors ------------------------------------------------------------------------------------


@admin.register(Actor)
class ActorAdmin(DeskAdmin):
    form = desk_forms.ActorForm
    list_display = ["name", "role", "claim_count", "visibility"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "aliases__alias", "role_title"]
    list_select_related = ["affiliation"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["affiliation"]
    inlines = [ActorAliasInline]
    actions = ["publish_now", "unpublish", "merge_selected"]
    readonly_fields = ["image_preview"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "role_title", "affiliation", "bio"]}),
        ("Photo", {"fields": ["photo", "photo_alt", "photo_credit", "image_preview"]}),
        ("Publishing", {"fields": ["status", "published_at"]}),
    ]

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering; say it again so autocomplete pages stay stable.
        return super().get_queryset(request).annotate(
            claims_total=Count("claims", distinct=True)
        ).order_by(*Actor._meta.ordering, "pk")

    @admin.display(description="Who", ordering="role_title")
    def role(self, obj):
        parts = [obj.get_kind_display(), obj.role_title, obj.affiliation.name if obj.affiliation_id else ""]
        return short(" · ".join(p for p in parts if p), 60)

    @admin.display(description="Claims", ordering="claims_total")
    def claim_count(self, obj):
        return obj.claims_total

    def has_merge_permission(self, request) -> bool:
        return request.user.has_perm("stories.merge_actors")

    @admin.action(description="Merge selected actors into one…", permissions=["merge"])
    def merge_selected(self, request, queryset):
        actors = queryset.annotate(
            events_total=Count("participations", distinct=True), mentions_total=Count("mentions", distinct=True),
        ).prefetch_related("aliases").order_by("name")
        if len(actors) < 2:
            self.message_user(request, "Select at least two actors to merge.", messages.WARNING)
            return None
        form = desk_forms.MergeActorsForm(request.POST if "apply" in request.POST else None, actors=actors)
        if form.is_valid():
            survivor = form.cleaned_data["survivor"]
            result = merging.merge_actors(
                survivor=survivor, duplicates=[a for a in actors if a.pk != survivor.pk], user=request.user
            )
            self.message_user(
                request,
                f"Merged {', '.join(result.merged_names)} into {result.survivor.name}: "
                f"{result.claims} claims, {result.events} events, {result.mentions} mentions and "
                f"{result.aliases} aliases moved.",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(request, "admin/stories/actor/merge.html", {
            **self.admin_site.each_context(request),
            "title": "Merge actors", "opts": self.opts, "actors": actors, "form": form,
            "action": "merge_selected", "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })


# --- Sources -----------------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(DeskAdmin):
    form = desk_forms.SourceForm
    list_display = ["short_title", "publisher", "published_display", "citation_total", "visibility"]
    list_filter = ["kind", "status", "publisher"]
    search_fields = ["title", "publisher", "text"]
    readonly_fields = ["sha256", "imported_from"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "publisher", "author", "url", "kind", "source_published_at", "content_group"]}),
        ("Text", {"fields": ["text", "review_for_story"], "description": "Citations point into this text by character "
                  "offsets; if you change it, they are moved to their words or flagged as stale."}),
        ("Publishing", {"fields": ["status", "published_at"]}),
        ("Import", {"fields": ["sha256", "imported_from"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            citations_total=Count("citations")
        ).order_by(*Source._meta.ordering, "pk")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if request.GET.get("story", "").isdigit():
            initial["review_for_story"] = request.GET["story"]
        return initial

    def save_model(self, request, obj, form, change):
        before = getattr(form, "locked_current", None)
        super().save_model(request, obj, form, change)
        if before is None or before.text != obj.text:
            # The same reading import_seeds gives an article: a source added here gets it too.
            report = extracted.extract_source(source=obj, story=form.cleaned_data.get("review_for_story"))
            found = report.counts.get("candidate claims", {}).get("created", 0)
            named = report.total("created") - found
            self.message_user(request, f"Read “{obj}”: {found} new quotes and figures for the review queue, "
                                       f"{named} new mentions of actors.", messages.INFO)

    def get_changelist(self, request, **kwargs):
        return SourceChangeList

    @admin.display(description="Source", ordering="title")
    def short_title(self, obj):
        return short(obj.title, 70)

    @admin.display(description="Appeared", ordering="source_published_at")
    def published_display(self, obj):
        return list_time(obj.source_published_at, obj.desk_tzinfo)

    @admin.display(description="Citations", ordering="citations_total")
    def citation_total(self, obj):
        return obj.citations_total


class SourceChangeList(admin.views.main.ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        # The list never shows the text; leave the (long) articles in the database.
        return super().get_queryset(request, exclude_parameters).defer("text")


# --- Events ------------------------------------------------------------------------------------


@admin.register(Event)
class EventAdmin(DeskAdmin):
    form = desk_forms.EventForm
    list_display = ["short_title", "when", "is_key_event", "visibility"]
    list_editable = ["is_key_event"]
    list_filter = ["status", "is_key_event", "precision", "story"]
    search_fields = ["title", "description", "place"]
    list_select_related = ["story"]
    autocomplete_fields = ["story"]
    inlines = [EventParticipationInline, EventCitationInline]
    readonly_fields = ["citation_tools"]
    fieldsets = [
        (None, {"fields": ["story", "title", "when", "ends", "place", "description", "is_key_event"]}),
        ("Sources", {"fields": ["citation_tools"]}),
        ("Publishing", {"fields": ["status", "published_at"]}),
    ]

    @admin.display(description="Event", ordering="title")
    def short_title(self, obj):
        return short(obj.title, 70)

    @admin.display(description="When", ordering="occurred_at")
    def when(self, obj):
        return obj.when_display()

    @admin.display(description="Citations")
    def citation_tools(self, obj):
        return add_citation_link(obj, "event")


# --- Updates -----------------------------------------------------------------------------------


@admin.register(Update)
class UpdateAdmin(DeskAdmin):
    form = desk_forms.UpdateForm
    list_display = ["short_headline", "posted", "is_pinned", "status", "visibility"]
    list_editable = ["is_pinned", "status"]
    list_filter = ["status", "kind", "is_pinned", "story"]
    search_fields = ["headline", "body"]
    list_select_related = ["story", "author"]
    autocomplete_fields = ["story", "events", "claims"]
    readonly_fields = ["image_preview"]
    inlines = [CorrectionInline]
    desk_hidden_fields = ("seen_version", "correction_note", "minor_fix")

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["story", "headline", "body", "kind", ("is_pinned", "keep_other_pins")]}),
            ("Links", {"fields": ["claims", "events"],
                       "description": "Claims and events of this story that the update is about."}),
            ("Image", {"fields": ["image", "image_alt", "image_credit", "image_preview"], "classes": ["collapse"]}),
            ("Publishing", {"fields": ["publication", "publish_at", "posted_at", "author"]}),
        ]
        if obj is not None and obj.status == PublicationStatus.PUBLISHED:
            fieldsets.insert(1, ("Correction", {
                "fields": ["correction_note", "minor_fix"],
                "description": "This update is published. If you change its words, readers see a correction note.",
            }))
        return fieldsets

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("author", request.user.pk)
        return initial

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        before = getattr(form, "locked_current", None)
        keep = bool(getattr(form, "cleaned_data", {}).get("keep_other_pins"))
        unpinning = list(publishing.updates_unpinned_by(update=obj, before=before, keep_other_pins=keep).only("headline"))
        super().save_model(request, obj, form, change)
        for other in unpinning:
            self.message_user(request, f"Unpinned “{other}”: “{obj}” is pinned now.", messages.INFO)

    def response_add(self, request, obj, post_url_continue=None):
        if request.GET.get("story") and not {"_continue", "_addanother", "_popup"} & set(request.POST):
            if obj.is_published():
                note = "It is live on the story page."
            elif obj.is_scheduled():
                note = f"It goes live {desk_time(obj.published_at, obj.desk_tzinfo)}."
            else:
                note = "It is saved as a draft for an editor to publish."
            self.message_user(request, f"Posted “{obj.headline}”. {note}", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:stories_story_change", args=[obj.story_id]))
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description="Update", ordering="headline")
    def short_headline(self, obj):
        return short(obj.headline, 60)

    @admin.display(description="Posted", ordering="posted_at")
    def posted(self, obj):
        return list_time(obj.posted_at, obj.desk_tzinfo)
