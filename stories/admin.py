from django.contrib import admin

from .models import (
    Actor,
    ActorAlias,
    Citation,
    Claim,
    ClaimStatusChange,
    Event,
    EventParticipation,
    ImportRecord,
    Mention,
    Source,
    SourceRevision,
    Story,
    Update,
)


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    extra = 1


class EventParticipationInline(admin.TabularInline):
    model = EventParticipation
    extra = 1
    autocomplete_fields = ["actor"]


class EventCitationInline(admin.TabularInline):
    model = Citation
    fk_name = "event"
    fields = ["source", "excerpt", "start", "end", "is_stale"]
    readonly_fields = ["is_stale"]
    extra = 0


class ClaimCitationInline(EventCitationInline):
    fk_name = "claim"


class ClaimStatusChangeInline(admin.TabularInline):
    model = ClaimStatusChange
    fields = ["changed_at", "from_status", "to_status", "changed_by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "published_at", "is_live", "updated_at"]
    list_filter = ["status", "is_live"]
    search_fields = ["title", "standfirst"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "role_title", "affiliation", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "aliases__alias", "role_title"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["affiliation"]
    inlines = [ActorAliasInline]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "kind", "source_published_at", "imported_from"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "publisher", "text"]
    readonly_fields = ["sha256", "imported_from"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "story", "occurred_at", "precision", "is_key_event", "status"]
    list_filter = ["status", "is_key_event", "precision", "story"]
    search_fields = ["title", "description", "place"]
    list_select_related = ["story"]
    inlines = [EventParticipationInline, EventCitationInline]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["__str__", "claimant", "kind", "verification_status", "review_state", "status"]
    list_filter = ["verification_status", "review_state", "kind", "status", "story"]
    search_fields = ["text", "claimant__name", "claimant_description"]
    list_select_related = ["claimant", "story"]
    autocomplete_fields = ["claimant", "event"]
    inlines = [ClaimCitationInline, ClaimStatusChangeInline]


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    list_display = ["headline", "story", "kind", "posted_at", "is_pinned", "status"]
    list_filter = ["status", "kind", "is_pinned", "story"]
    search_fields = ["headline", "body"]
    list_select_related = ["story"]
    autocomplete_fields = ["events", "claims"]


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "source", "claim", "event", "start", "end", "is_stale"]
    list_filter = ["is_stale", "source"]
    list_select_related = ["source", "claim", "event"]
    raw_id_fields = ["claim", "event"]


admin.site.register(Mention, list_display=["actor", "source", "start", "end"], list_select_related=["actor", "source"])
admin.site.register(SourceRevision, list_display=["source", "sha256", "replaced_at"])
admin.site.register(ImportRecord, list_display=["key", "digest", "imported_at"])
admin.site.site_header = "Newsroom desk"
admin.site.site_title = "Newsroom"
