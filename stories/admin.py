"""The editors' desk: Django admin set up to run a developing story, not to browse tables.

Every write goes through `stories.publishing`, which holds the role rules, so the change form,
list_editable, bulk actions and revisions are all checked on the server the same way. Times are
entered and shown in the object's story zone (BST/GMT labelled) and stored in UTC.
"""

from __future__ import annotations

import zoneinfo

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, router, transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from . import forms as desk_forms
from . import images, merging, permissions, publishing, review
from .dates import Precision, format_moment
from .models import (
    Actor,
    ActorAlias,
    Citation,
    Claim,
    ClaimStatusChange,
    Correction,
    Event,
    EventParticipation,
    ImportRecord,
    Mention,
    PublicationStatus,
    Rendition,
    ReviewState,
    Source,
    SourceRevision,
    Story,
    Update,
    VerificationStatus,
)
from .preview import preview_url

IMAGE_FIELDS = {Story: "lead_image", Actor: "photo", Update: "image"}
DESK_ZONE_SOURCE = {Story: "timezone", Event: "story__timezone", Claim: "story__timezone", Update: "story__timezone"}


def desk_time(moment, tz) -> str:
    return format_moment(moment, Precision.MINUTE, tz) if moment else "—"


def preview_link(obj) -> str | None:
    """The signed preview link, or None while the preview page's URL is not routed."""
    try:
        return preview_url(obj)
    except (NoReverseMatch, ValueError):
        return None


def default_zone() -> zoneinfo.ZoneInfo:
    from django.conf import settings

    return zoneinfo.ZoneInfo(settings.NEWSROOM_DESK_TIME_ZONE)


# --- The base of every publishable model's admin -----------------------------------------------


class DeskAdmin(SimpleHistoryAdmin):
    """Roles, optimistic locking, story-zone times, publish actions and revisions for one model."""

    form = desk_forms.DeskForm
    actions = ["publish_now", "unpublish"]
    desk_hidden_fields = ("seen_version",)
    formfield_overrides = {
        models.ImageField: {"form_class": desk_forms.DeskImageField},
        models.DateTimeField: {"widget": desk_forms.StoryTimeWidget},
        models.URLField: {"assume_scheme": "https"},
    }
    history_list_display = ["history_change_reason"]

    # Permissions: what the roles allow is decided in publishing, per object.
    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_change(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_delete(request.user, obj))

    def has_publish_permission(self, request) -> bool:
        return permissions.can_publish(request.user, self.model)

    # Forms
    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return desk_forms.for_user(
            form, request.user, revert=getattr(request, "desk_revert", False),
            publish_now="_publish_now" in request.POST,
        )

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", desk_forms.DeskForm)
        return desk_forms.for_user(super().get_changelist_form(request, **kwargs), request.user)

    def get_fields(self, request, obj=None):
        return [f for f in super().get_fields(request, obj) if f not in self.desk_hidden_fields]

    def save_model(self, request, obj, form, change):
        extra = form.desk_save_kwargs() if hasattr(form, "desk_save_kwargs") else {}
        try:
            publishing.save_from_desk(
                obj=obj, user=request.user, before=getattr(form, "locked_current", None), **extra
            )
        except ValidationError as invalid:
            # The form checks the same rules first; reaching here means a rule changed under it.
            raise PermissionDenied("; ".join(invalid.messages)) from invalid
        image_field = IMAGE_FIELDS.get(type(obj))
        if image_field and getattr(obj, image_field):
            images.renditions(getattr(obj, image_field).name)

    # Times in the story's zone: the whole request, rendering included, runs in it.
    def desk_zone(self, request, object_id=None) -> zoneinfo.ZoneInfo:
        name = None
        lookup = DESK_ZONE_SOURCE.get(self.model)
        if object_id is not None and lookup:
            name = self.model.objects.filter(pk=object_id).values_list(lookup, flat=True).first()
        elif request.GET.get("story", "").isdigit():
            name = Story.objects.filter(pk=request.GET["story"]).values_list("timezone", flat=True).first()
        return zoneinfo.ZoneInfo(name) if name else default_zone()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        zone = self.desk_zone(request, unquote(object_id) if object_id else None)
        with timezone.override(zone):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.model.objects.filter(pk=unquote(object_id)).first()
        if obj is not None and not obj.is_published():
            extra_context["preview_link"] = preview_link(obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request.desk_revert = True
        with transaction.atomic(using=router.db_for_write(self.model)), timezone.override(
            self.desk_zone(request, unquote(object_id))
        ):
            response = super().history_form_view(request, object_id, version_id, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        # One transaction around validation and save, so list_editable's version check holds its lock.
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_published() else None

    # Columns
    @admin.display(description="On site", ordering="published_at")
    def visibility(self, obj):
        if obj.status == PublicationStatus.DRAFT:
            return format_html('<span class="{}">Draft</span>', "desk-state desk-draft")
        when = desk_time(obj.published_at, obj.desk_tzinfo)
        if obj.is_scheduled():
            return format_html('<span class="desk-state desk-scheduled">Scheduled {}</span>', when)
        return format_html('<span class="desk-state desk-live">Published {}</span>', when)

    # Actions
    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        result = publishing.publish(objects=queryset, user=request.user)
        self.report_bulk(request, result, "published")

    @admin.action(description="Unpublish (content and history are kept)", permissions=["publish"])
    def unpublish(self, request, queryset):
        result = publishing.unpublish(objects=queryset, user=request.user)
        self.report_bulk(request, result, "unpublished")

    def report_bulk(self, request, result, verb: str) -> None:
        noun = self.model._meta.verbose_name if result.changed == 1 else self.model._meta.verbose_name_plural
        self.message_user(request, f"{result.changed} {noun} {verb}.", messages.SUCCESS)
        for refusal in result.refused:
            self.message_user(request, f"Not {verb}: {refusal}", messages.WARNING)

    @admin.display(description="Image preview")
    def image_preview(self, obj):
        field = getattr(obj, IMAGE_FIELDS[type(obj)])
        if not field:
            return "—"
        card = Rendition.objects.filter(original=field.name, spec="card").first()
        if card is None:
            return format_html('<a href="{}">{}</a>', field.url, field.name)
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="" class="desk-image-preview">',
            card.file.url, card.width, card.height,
        )


# --- Inlines -----------------------------------------------------------------------------------


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    extra = 1


class EventParticipationInline(admin.TabularInline):
    model = EventParticipation
    extra = 1
    autocomplete_fields = ["actor"]


class EventCitationInline(admin.TabularInline):
    """Citations are shown here; they are added and edited on their own page, picking the words."""

    model = Citation
    fk_name = "event"
    fields = ["source", "excerpt", "start", "end", "is_stale"]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source").defer("source__text")


class ClaimCitationInline(EventCitationInline):
    fk_name = "claim"


class ClaimStatusChangeInline(admin.TabularInline):
    model = ClaimStatusChange
    fk_name = "claim"
    fields = ["changed_at", "from_status", "to_status", "changed_by", "note", "prompted_by_update", "prompted_by_source"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "changed_by", "prompted_by_update", "prompted_by_source"
        ).defer("prompted_by_source__text")


class CorrectionInline(admin.TabularInline):
    model = Correction
    fields = ["corrected_at", "note", "corrected_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("corrected_by")


def add_citation_link(obj, target: str) -> str:
    if obj is None or obj.pk is None:
        return "Save first, then add citations."
    url = reverse("admin:stories_citation_add") + f"?{target}={obj.pk}"
    return format_html('<a class="button" href="{}">Add a citation: pick the words in a source</a>', url)


# --- Stories -----------------------------------------------------------------------------------


@admin.register(Story)
class StoryAdmin(DeskAdmin):
    form = desk_forms.StoryForm
    change_form_template = "admin/stories/story/change_form.html"
    list_display = ["title", "visibility", "is_live", "timezone", "updated_at"]
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
        now = timezone.now()
        published = Q(status=PublicationStatus.PUBLISHED, published_at__lte=now)
        scheduled = Q(status=PublicationStatus.PUBLISHED, published_at__gt=now)
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
        }


# --- Actors ------------------------------------------------------------------------------------


@admin.register(Actor)
class ActorAdmin(DeskAdmin):
    form = desk_forms.ActorForm
    list_display = ["name", "kind", "role_title", "affiliation", "claim_count", "visibility"]
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
    list_display = ["title", "publisher", "kind", "published_display", "citation_total", "visibility"]
    list_filter = ["kind", "status", "publisher"]
    search_fields = ["title", "publisher", "text"]
    readonly_fields = ["sha256", "imported_from"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "publisher", "author", "url", "kind", "source_published_at", "content_group"]}),
        ("Text", {"fields": ["text"], "description": "Citations point into this text by character offsets; "
                  "if you change it, they are moved to their words or flagged as stale."}),
        ("Publishing", {"fields": ["status", "published_at"]}),
        ("Import", {"fields": ["sha256", "imported_from"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            citations_total=Count("citations")
        ).order_by(*Source._meta.ordering, "pk")

    def get_changelist(self, request, **kwargs):
        return SourceChangeList

    @admin.display(description="Source date", ordering="source_published_at")
    def published_display(self, obj):
        return desk_time(obj.source_published_at, obj.desk_tzinfo)

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
    list_display = ["title", "story", "when", "is_key_event", "visibility"]
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

    @admin.display(description="When", ordering="occurred_at")
    def when(self, obj):
        return obj.when_display()

    @admin.display(description="Citations")
    def citation_tools(self, obj):
        return add_citation_link(obj, "event")


# --- Claims ------------------------------------------------------------------------------------


class ReviewStateFilter(admin.SimpleListFilter):
    """Claims the desk works with by default; candidates have their own review queue."""

    title = "review"
    parameter_name = "review_state"

    def lookups(self, request, model_admin):
        return [*ReviewState.choices, ("all", "All")]

    def value(self):
        return super().value() or ReviewState.ACCEPTED

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        return queryset.filter(review_state=self.value())


class CitedSourceFilter(admin.SimpleListFilter):
    title = "source"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return list(Source.objects.filter(citations__claim__isnull=False).distinct()
                    .order_by("title").values_list("pk", "title"))

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(pk__in=Citation.objects.filter(source_id=self.value()).values("claim_id"))
        return queryset


def _verification_action(status: VerificationStatus):
    def action(modeladmin, request, queryset):
        return modeladmin.set_verification(request, queryset, status)

    action.__name__ = f"mark_{status.value}"
    return admin.action(description=f"Mark as {status.label.lower()}…", permissions=["verify"])(action)


@admin.register(Claim)
class ClaimAdmin(DeskAdmin):
    form = desk_forms.ClaimForm
    change_list_template = "admin/stories/claim/change_list.html"
    list_display = ["short_text", "speaker", "kind", "verification_status", "story", "visibility"]
    list_editable = ["verification_status"]
    list_filter = [
        "verification_status", "kind", ("claimant", admin.RelatedOnlyFieldListFilter), "story",
        CitedSourceFilter, ReviewStateFilter, "status",
    ]
    search_fields = ["text", "claimant__name", "claimant_description", "stat_measure"]
    list_select_related = ["claimant", "story"]
    autocomplete_fields = ["claimant", "event", "outcome_event", "story"]
    inlines = [ClaimCitationInline, ClaimStatusChangeInline]
    readonly_fields = ["review_state", "reviewed_by", "reviewed_at", "citation_tools"]
    actions = ["publish_now", "unpublish", *(
        _verification_action(s) for s in (
            VerificationStatus.CORROBORATED, VerificationStatus.DISPUTED,
            VerificationStatus.INACCURATE, VerificationStatus.RETRACTED,
        )
    )]
    fieldsets = [
        (None, {"fields": ["story", "text", "kind", "claimant", "claimant_description", "made", "event"]}),
        ("Sources", {"fields": ["citation_tools"]}),
        ("Verification", {"fields": [
            "verification_status", "verification_note", "status_note", "prompted_by_source", "prompted_by_update",
        ]}),
        ("Statistic", {"fields": ["stat_measure", "stat_value", "stat_value_high", "stat_unit", "stat_period"],
                       "classes": ["collapse"]}),
        ("Outcome", {"fields": ["outcome", "outcome_event"], "classes": ["collapse"]}),
        ("Publishing", {"fields": ["status", "published_at", "review_state", "reviewed_by", "reviewed_at"]}),
    ]

    def has_verify_permission(self, request) -> bool:
        return permissions.can_verify(request.user)

    @admin.display(description="Claim", ordering="text")
    def short_text(self, obj):
        return Truncator(obj.text).chars(90)

    @admin.display(description="Speaker", ordering="claimant__name")
    def speaker(self, obj):
        return obj.speaker_on_desk or "—"

    @admin.display(description="Citations")
    def citation_tools(self, obj):
        return add_citation_link(obj, "claim")

    def set_verification(self, request, queryset, status: VerificationStatus):
        form = desk_forms.VerificationForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            changed = review.set_verification_status(
                claims=queryset, status=status, user=request.user, note=form.cleaned_data["note"],
                prompted_by_source=form.cleaned_data["prompted_by_source"],
                prompted_by_update=form.cleaned_data["prompted_by_update"],
            )
            self.message_user(
                request, f"{changed} claim{'s' if changed != 1 else ''} marked {status.label.lower()}.",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(request, "admin/stories/claim/set_verification.html", {
            **self.admin_site.each_context(request),
            "title": f"Mark claims as {status.label.lower()}", "opts": self.opts,
            "claims": queryset.select_related("claimant"), "form": form, "status": status,
            "action": f"mark_{status.value}", "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "candidate_count": Claim.objects.candidates().count(),
            "can_review": permissions.can_review(request.user),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("review/", self.admin_site.admin_view(self.review_queue_view), name="stories_claim_review"),
            *super().get_urls(),
        ]

    def review_queue_view(self, request):
        """Candidates the import extracted, oldest first, each with its words in their context."""
        if not permissions.can_review(request.user):
            raise PermissionDenied
        bound = None
        if request.method == "POST":
            candidate = get_object_or_404(Claim, pk=request.POST.get("candidate"))
            response, bound = self.review_one(request, candidate)
            if response is not None:
                return response
        candidates = Claim.objects.candidates().select_related("claimant", "story").prefetch_related(
            Prefetch("citations", queryset=Citation.objects.select_related("source").defer("source__text")
                     .in_context(chars=240).order_by("start"))
        )
        page = Paginator(candidates, 15).get_page(request.GET.get("page"))
        entries = []
        for claim in page.object_list:
            form = bound if bound is not None and bound.candidate.pk == claim.pk else \
                desk_forms.AcceptCandidateForm(candidate=claim, admin_site=self.admin_site)
            entries.append({"claim": claim, "form": form, "contexts": claim.citations.all()})
        media = self.media
        for entry in entries:
            media += entry["form"].media
        return TemplateResponse(request, "admin/stories/claim/review_queue.html", {
            **self.admin_site.each_context(request),
            "title": "Review queue: candidate claims", "opts": self.opts, "page": page, "entries": entries,
            "media": media, "can_publish": permissions.can_publish(request.user, Claim),
            "recent": Claim.objects.filter(reviewed_at__isnull=False)
            .select_related("reviewed_by").order_by("-reviewed_at", "-pk")[:10],
        })

    def review_one(self, request, candidate: Claim):
        """Accept or reject one candidate; return (redirect, None) or (None, the bound form with errors)."""
        try:
            if "_reject" in request.POST:
                review.reject_candidate(claim=candidate, user=request.user)
                self.message_user(request, f"Rejected “{Truncator(candidate.text).chars(60)}”. "
                                  "It will not come back on re-import.", messages.SUCCESS)
                return HttpResponseRedirect(request.get_full_path()), None
            form = desk_forms.AcceptCandidateForm(request.POST, candidate=candidate, admin_site=self.admin_site)
            if not form.is_valid():
                return None, form
            data = form.cleaned_data
            claim = review.accept_candidate(
                claim=candidate, user=request.user, kind=data["kind"],
                verification_status=data["verification_status"], claimant=data["claimant"],
                claimant_description=data["claimant_description"], story=data["story"],
                publish_now=data["publish_now"] and permissions.can_publish(request.user, Claim),
            )
        except ValidationError as invalid:
            self.message_user(request, " ".join(invalid.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path()), None
        url = reverse("admin:stories_claim_change", args=[claim.pk])
        self.message_user(request, format_html('Accepted <a href="{}">“{}”</a>.', url, Truncator(claim.text).chars(60)),
                          messages.SUCCESS)
        return HttpResponseRedirect(request.get_full_path()), None


# --- Updates -----------------------------------------------------------------------------------


@admin.register(Update)
class UpdateAdmin(DeskAdmin):
    form = desk_forms.UpdateForm
    change_form_template = "admin/stories/update/change_form.html"
    list_display = ["headline", "story", "kind", "posted", "is_pinned", "status", "visibility", "author"]
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
            (None, {"fields": ["story", "headline", "body", "kind", "is_pinned"]}),
            ("Links", {"fields": ["claims", "events"],
                       "description": "Claims and events of this story that the update is about."}),
            ("Image", {"fields": ["image", "image_alt", "image_credit", "image_preview"], "classes": ["collapse"]}),
            ("Publishing", {"fields": ["status", "published_at", "posted_at", "author"]}),
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

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_publish_now"] = permissions.can_publish(request.user, Update) and (
            obj is None or obj.status == PublicationStatus.DRAFT or obj.is_scheduled()
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

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

    @admin.display(description="Posted", ordering="posted_at")
    def posted(self, obj):
        return desk_time(obj.posted_at, obj.desk_tzinfo)


# --- Citations ---------------------------------------------------------------------------------


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    form = desk_forms.CitationForm
    change_form_template = "admin/stories/citation/change_form.html"
    list_display = ["__str__", "source", "claim", "event", "start", "end", "is_stale"]
    list_filter = ["is_stale", "source"]
    list_select_related = ["source", "claim", "event"]
    autocomplete_fields = ["claim", "event"]
    search_fields = ["excerpt"]

    class Media:
        js = ["stories/admin/span_picker.js"]
        css = {"all": ["stories/admin/desk.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source__text")

    def get_urls(self):
        return [
            path("source-text/<int:pk>/", self.admin_site.admin_view(self.source_text_view),
                 name="stories_citation_source_text"),
            *super().get_urls(),
        ]

    def source_text_view(self, request, pk):
        """The verbatim text the span picker selects from (offsets are counted in code points)."""
        if not self.admin_site._registry[Source].has_view_permission(request):
            raise PermissionDenied
        source = get_object_or_404(Source, pk=pk)
        return JsonResponse({"title": source.title, "text": source.text})


# --- Supporting records ------------------------------------------------------------------------


@admin.register(ClaimStatusChange)
class ClaimStatusChangeAdmin(admin.ModelAdmin):
    """The verification history: kept, never edited."""

    list_display = ["claim", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status"]
    list_select_related = ["claim", "changed_by"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["note", "update", "corrected_by", "corrected_at"]
    list_select_related = ["update", "corrected_by"]
    search_fields = ["note"]

    def has_add_permission(self, request):
        return False  # a correction is made by editing a published update


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["actor", "source", "start", "end"]
    list_select_related = ["actor", "source"]
    autocomplete_fields = ["actor"]
    list_filter = ["source"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source__text")


@admin.register(ActorAlias)
class ActorAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "actor"]
    list_select_related = ["actor"]
    search_fields = ["alias", "actor__name"]
    autocomplete_fields = ["actor"]


@admin.register(EventParticipation)
class EventParticipationAdmin(admin.ModelAdmin):
    list_display = ["actor", "event", "role"]
    list_select_related = ["actor", "event"]
    autocomplete_fields = ["actor", "event"]


@admin.register(SourceRevision)
class SourceRevisionAdmin(admin.ModelAdmin):
    list_display = ["source", "sha256", "replaced_at"]
    list_select_related = ["source"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source__text")


@admin.register(Rendition)
class RenditionAdmin(admin.ModelAdmin):
    list_display = ["original", "spec", "width", "height"]
    list_filter = ["spec"]
    readonly_fields = ["original", "spec", "file", "width", "height"]

    def has_add_permission(self, request):
        return False


admin.site.register(ImportRecord, list_display=["key", "digest", "imported_at"])
admin.site.site_header = "Newsroom desk"
admin.site.site_title = "Newsroom"
admin.site.index_title = "The desk"
