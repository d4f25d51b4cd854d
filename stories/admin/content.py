"""The desk's content: stories (the desk page), actors, sources, events and live updates."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.contrib.admin.utils import unquote
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from stories import merging, permissions, publishing
from stories.citations import settle_relation
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
from .base import DeskAdmin, DeskChildInline, ReadOnlyInline, desk_time, list_time, short


# --- Inlines -----------------------------------------------------------------------------------


class ActorAliasInline(DeskChildInline, admin.TabularInline):
    model = ActorAlias
    extra = 1


class EventParticipationInline(DeskChildInline, admin.TabularInline):
    model = EventParticipation
    extra = 1
    autocomplete_fields = ["actor"]


class CitationFormSet(BaseInlineFormSet):
    """A claim's or event's citations, edited with it: what it will rest on once saved is checked
    against the publishing rule here, where the rows about to be saved are known."""

    def clean(self):
        super().clean()
        parent = self.instance
        if parent.status != PublicationStatus.PUBLISHED or any(form.errors for form in self.forms):
            return
        kept = [
            form.instance for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.instance.source_id
        ]
        was_published = parent.pk is not None and type(parent).objects.filter(
            pk=parent.pk, status=PublicationStatus.PUBLISHED
        ).exists()
        touched = self.deleted_forms or any(form.has_changed() for form in self.forms)
        if (not was_published or touched) and (problems := permissions.citation_blockers(parent, kept)):
            raise ValidationError(problems)


class CitationInline(DeskChildInline, admin.StackedInline):
    """The words a claim or event rests on, picked in the source text on the same page."""

    model = Citation
    form = desk_forms.CitationForm
    formset = CitationFormSet
    fields = ["source", "excerpt", "start", "end", "relation", "is_stale"]
    readonly_fields = ["is_stale"]
    autocomplete_fields = ["source"]  # searched, not a list of every source on the site
    extra = 0
    verbose_name_plural = "Citations: the exact words this rests on"

    class Media:
        js = ["stories/admin/span_picker.js"]
        css = {"all": ["stories/admin/desk.css"]}

    def get_extra(self, request, obj=None, **kwargs):
        # A new claim or event is created with its first citation; later ones are one click away.
        return 1 if obj is None or not obj.citations.exists() else 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source").defer("source__text")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["queryset"] = Source.objects.defer("text")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EventCitationInline(CitationInline):
    fk_name = "event"


class ClaimCitationInline(CitationInline):
    fk_name = "claim"


class CitedAdmin:
    """A claim's or event's admin: its citations are edited on its own form, checked together
    with it, and an editor choosing how a citation bears on it confirms that relation."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # The citation formset checks the publishing rule with the rows about to be saved (a
        # revert shows no formset, so its form checks the stored citations itself).
        form.citations_in_formset = self.has_change_permission(request, obj) and not getattr(
            request, "desk_revert", False
        )
        return form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, CitationInline) and request.method == "GET" and (picked := picked_words(request)):
            kwargs["initial"] = [picked]
        return kwargs

    def save_formset(self, request, form, formset, change):
        if formset.model is not Citation:
            return super().save_formset(request, form, formset, change)
        for citation in formset.save(commit=False):
            before = Citation.objects.filter(pk=citation.pk).first() if citation.pk else None
            settle_relation(citation=citation, before=before, user=request.user)
            citation.save()
        for citation in formset.deleted_objects:
            citation.delete()
        formset.save_m2m()
        return None


def picked_words(request) -> dict | None:
    """Words an editor selected in a source ("make a claim from these words"), from the query string."""
    source_id, start, end = (request.GET.get(k, "") for k in ("cite_source", "cite_start", "cite_end"))
    if not (source_id.isdigit() and start.isdigit() and end.isdigit()):
        return None
    text = Source.objects.filter(pk=source_id).values_list("text", flat=True).first()
    start, end = int(start), int(end)
    if text is None or not 0 <= start < end <= len(text):
        return None
    return {"source": int(source_id), "start": start, "end": end, "excerpt": text[start:end]}


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
            extra_context.setdefault("quick_update", desk_forms.QuickUpdateForm(
                initial={"publish_now": permissions.can_publish(request.user, Update)}
            ))
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path("<int:pk>/post-update/", self.admin_site.admin_view(self.post_update_view),
                 name="stories_story_post_update"),
            *super().get_urls(),
        ]

    def post_update_view(self, request, pk):
        """Post an update from the desk without leaving it, through the same service as the update form."""
        story = get_object_or_404(Story, pk=pk)
        if request.method != "POST" or not self.admin_site._registry[Update].has_add_permission(request):
            raise PermissionDenied
        form = desk_forms.QuickUpdateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            update = Update(story=story, headline=data["headline"], body=data["body"], author=request.user,
                            is_pinned=data["is_pinned"])
            if data["publish_now"] and permissions.can_publish(request.user, Update):
                update.status, update.published_at = PublicationStatus.PUBLISHED, timezone.now()
            try:
                update.full_clean(exclude=["sequence", "seed_key"])
                publishing.save_from_desk(obj=update, user=request.user, before=None)
            except ValidationError as invalid:
                form.add_error(None, invalid.messages)  # model fields the form does not have: as plain text
            except PermissionDenied as refused:
                form.add_error(None, str(refused))
            else:
                return self.back_to_desk(request, update, "Posted", story_id=story.pk)
        self.message_user(request, "The update was not posted: " + " ".join(
            f"{'' if name == '__all__' else form.fields[name].label + ': '}{' '.join(errors)}"
            for name, errors in form.errors.items()
        ), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:stories_story_change", args=[story.pk]))

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
            "can_publish_updates": permissions.can_publish(request.user, Update),
            "add_source_url": reverse("admin:stories_source_add") + f"?story={story.pk}",
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
    readonly_fields = ["sha256", "imported_from", "original_kept", "make_from_words"]
    prepopulated_fields = {"slug": ["title"]}

    class Media:
        js = ["stories/admin/make_from_words.js"]

    def get_search_fields(self, request):
        # Choosing a source on a claim, citation or status change (the admin's autocomplete), an
        # editor types its headline or publisher: searched in the articles' words as well, any
        # number or common word found nearly every source.
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            return ["title", "publisher"]
        return super().get_search_fields(request)

    def get_fieldsets(self, request, obj=None):
        details = ["title", "slug", "publisher", "author", "url", "kind", "source_published_at", "content_group"]
        if obj is None:
            return [
                ("Text", {"fields": ["url", "text", "upload"], "description": "Paste the article, upload it, or "
                          "give its address: headline, publisher, author and date fill in from the file or "
                          "page wherever you leave them empty."}),
                (None, {"fields": [f for f in details if f != "url"]}),
                ("Review", {"fields": ["review_for_story"]}),
                ("Publishing", {"fields": ["status", "published_at"]}),
            ]
        return [
            (None, {"fields": details}),
            ("Text", {"fields": ["text", "make_from_words", "review_for_story"], "description": "Citations point into this text by "
                      "character offsets; if you change it, they are moved to their words or flagged as stale."}),
            ("Publishing", {"fields": ["status", "published_at"]}),
            ("Original", {"fields": ["original_kept"], "classes": ["collapse"]}),
            ("Import", {"fields": ["sha256", "imported_from"], "classes": ["collapse"]}),
        ]

    @admin.display(description="From the selected words")
    def make_from_words(self, obj):
        """Select words in the text above, then make a claim or an event cited to them."""
        if obj is None or obj.pk is None:
            return "Save the source first."
        return format_html(
            '<span data-make-from-words data-source="{}">'
            '<button type="button" class="button" data-target="{}">Make a claim</button> '
            '<button type="button" class="button" data-target="{}">Make an event</button> '
            '<span class="help desk-make-status" aria-live="polite">Select words in the text, then choose.</span></span>',
            obj.pk, reverse("admin:stories_claim_add"), reverse("admin:stories_event_add"),
        )

    @admin.display(description="Original")
    def original_kept(self, obj):
        if not obj.original:
            return "None kept: the text was pasted or imported."
        where = f" from {obj.original_url}" if obj.original_url else " (uploaded)"
        return (f"{obj.original.name}, {obj.original_type or 'type unknown'}, kept "
                f"{desk_time(obj.original_retrieved_at, obj.desk_tzinfo)}{where}")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            citations_total=Count("citations")
        ).order_by(*Source._meta.ordering, "pk")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if request.GET.get("story", "").isdigit():
            initial["review_for_story"] = request.GET["story"]
        return initial

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is None and self.has_add_permission(request):
            # Fetch before admin opens its transaction: on SQLite that holds the write lock, and
            # every other editor's save would wait on a slow site for as long as the fetch takes.
            request.desk_fetched = desk_forms.SourceForm.fetch_ahead(request.POST, request.FILES)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        fetched = getattr(request, "desk_fetched", None)
        return type(form.__name__, (form,), {"fetched": fetched}) if fetched is not None else form

    def save_model(self, request, obj, form, change):
        before = getattr(form, "locked_current", None)
        super().save_model(request, obj, form, change)
        if getattr(form, "reading", None) is not None:
            self.message_user(request, found_on_page(form.reading), messages.INFO)
        if before is None or before.text != obj.text:
            # The same reading import_seeds gives an article: a source added here gets it too.
            report = extracted.extract_source(source=obj, story=form.cleaned_data.get("review_for_story"))
            created = {noun: report.counts.get(noun, {}).get("created", 0) for noun in (
                "candidate claims", "candidate events", "proposed citations", "mentions")}
            obj.proposals_found = sum(n for noun, n in created.items() if noun != "mentions")
            self.message_user(
                request,
                f"Read “{obj}”: {created['candidate claims']} quotes and figures, {created['candidate events']} "
                f"dated events and {created['proposed citations']} passages repeating the story's claims for the "
                f"review queue; {created['mentions']} mentions of actors.", messages.INFO,
            )

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(obj, "proposals_found", 0) and not {"_continue", "_addanother", "_popup"} & set(request.POST):
            # The next step is deciding what the source gave: straight to those proposals.
            self.message_user(request, format_html(
                'Added <a href="{}">“{}”</a> (check the details read from it there).',
                reverse("admin:stories_source_change", args=[obj.pk]), obj,
            ), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:stories_claim_review") + f"?source={obj.pk}")
        if obj.original and not {"_addanother", "_popup"} & set(request.POST):
            # Fetched or uploaded: show the editor what was filled in, on the source itself.
            self.message_user(request, f"Added “{obj}”. Check the details below.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:stories_source_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

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


def found_on_page(reading) -> str:
    found = [f"{label} “{value}”" for label, value in
             (("headline", reading.title), ("publisher", reading.publisher), ("author", reading.author)) if value]
    if reading.published:
        found.append(f"date {reading.published:%-d %B %Y}")
    words = len(reading.text.split())
    if not found:
        return f"Took {words:,} words of text; it gives no headline, publisher, author or date."
    return f"Took {words:,} words of text and found {', '.join(found)}; what you typed yourself was kept."


class SourceChangeList(admin.views.main.ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        # The list never shows the text; leave the (long) articles in the database.
        return super().get_queryset(request, exclude_parameters).defer("text")


# --- Events ------------------------------------------------------------------------------------


@admin.register(Event)
class EventAdmin(CitedAdmin, DeskAdmin):
    form = desk_forms.EventForm
    list_display = ["short_title", "when", "is_key_event", "visibility"]
    list_editable = ["is_key_event"]
    list_filter = ["status", "is_key_event", "precision", "story"]
    search_fields = ["title", "description", "place"]
    list_select_related = ["story"]
    autocomplete_fields = ["story"]
    inlines = [EventParticipationInline, EventCitationInline]
    fieldsets = [
        (None, {"fields": ["story", "title", "when", "ends", "place", "description", "is_key_event"]}),
        ("Publishing", {"fields": ["status", "published_at"]}),
    ]

    @admin.display(description="Event", ordering="title")
    def short_title(self, obj):
        return short(obj.title, 70)

    @admin.display(description="When", ordering="occurred_at")
    def when(self, obj):
        return obj.when_display()



# --- Updates -----------------------------------------------------------------------------------


@admin.register(Update)
class UpdateAdmin(DeskAdmin):
    form = desk_forms.UpdateForm
    desk_added_verb = "Posted"
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

    @admin.display(description="Update", ordering="headline")
    def short_headline(self, obj):
        return short(obj.headline, 60)

    @admin.display(description="Posted", ordering="posted_at")
    def posted(self, obj):
        return list_time(obj.posted_at, obj.desk_tzinfo)
