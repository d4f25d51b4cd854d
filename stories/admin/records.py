"""Records kept beside the content: citations (picked in the source text) and the supporting rows
(status history, corrections, mentions, aliases, participations, revisions, renditions, imports).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from stories.citations import settle_relation

from stories.models import (
    ActorAlias,
    Citation,
    ClaimStatusChange,
    Correction,
    EventParticipation,
    ImportRecord,
    Mention,
    Rendition,
    Source,
    SourceRevision,
)

from . import forms as desk_forms
from .base import DeskChildAdmin, short
from .inputs import CheckedInputs


# --- Citations ---------------------------------------------------------------------------------


@admin.register(Citation)
class CitationAdmin(DeskChildAdmin):
    form = desk_forms.CitationForm
    change_form_template = "admin/stories/citation/change_form.html"
    list_display = ["words", "short_source", "cites", "is_stale"]
    list_filter = ["is_stale", "source"]
    list_select_related = ["source", "claim", "event"]
    autocomplete_fields = ["source", "claim", "event"]
    search_fields = ["excerpt"]

    class Media:
        js = ["stories/admin/span_picker.js"]
        css = {"all": ["stories/admin/desk.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source__text")

    def save_model(self, request, obj, form, change):
        before = Citation.objects.filter(pk=obj.pk).first() if change else None
        settle_relation(citation=obj, before=before, user=request.user)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return self.back_to_parent(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self.back_to_parent(request, obj) or super().response_change(request, obj)

    def back_to_parent(self, request, obj):
        """A saved citation returns to the claim or event it backs, where the editor was working."""
        if {"_continue", "_addanother", "_popup", "_saveasnew"} & set(request.POST):
            return None
        parent = obj.claim or obj.event
        self.message_user(request, f"Cited “{obj.excerpt[:60]}” from {obj.source}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"admin:stories_{parent._meta.model_name}_change", args=[parent.pk]))

    @admin.display(description="Words", ordering="excerpt")
    def words(self, obj):
        return f"“{short(obj.excerpt, 60)}”"

    @admin.display(description="Source", ordering="source__title")
    def short_source(self, obj):
        return short(obj.source, 40)

    @admin.display(description="Backs")
    def cites(self, obj):
        return short(obj.claim or obj.event, 50)

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


class RecordAdmin(CheckedInputs, admin.ModelAdmin):
    """Kept by the system, never edited by hand: listed and viewable only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClaimStatusChange)
class ClaimStatusChangeAdmin(RecordAdmin):
    """The verification history: kept, never edited."""

    list_display = ["short_claim", "step", "origin", "changed_at"]
    list_filter = ["to_status", "via"]
    list_select_related = ["claim", "changed_by"]
    date_hierarchy = "changed_at"

    @admin.display(description="By")
    def origin(self, obj):
        return obj.origin()

    @admin.display(description="Claim", ordering="claim__text")
    def short_claim(self, obj):
        return short(obj.claim, 50)

    @admin.display(description="Status")
    def step(self, obj):
        return f"{obj.get_from_status_display()} → {obj.get_to_status_display()}"


@admin.register(Correction)
class CorrectionAdmin(DeskChildAdmin):
    list_display = ["note", "update", "corrected_by", "corrected_at"]
    list_select_related = ["update", "corrected_by"]
    search_fields = ["note"]

    def has_add_permission(self, request):
        return False  # a correction is made by editing a published update


@admin.register(Mention)
class MentionAdmin(DeskChildAdmin):
    list_display = ["actor", "short_source", "start", "end"]
    list_select_related = ["actor", "source"]
    autocomplete_fields = ["actor"]
    list_filter = ["source"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source__text")

    @admin.display(description="Source", ordering="source__title")
    def short_source(self, obj):
        return short(obj.source, 50)


@admin.register(ActorAlias)
class ActorAliasAdmin(DeskChildAdmin):
    list_display = ["alias", "actor"]
    list_select_related = ["actor"]
    search_fields = ["alias", "actor__name"]
    autocomplete_fields = ["actor"]


@admin.register(EventParticipation)
class EventParticipationAdmin(DeskChildAdmin):
    list_display = ["actor", "event", "role"]
    list_select_related = ["actor", "event"]
    autocomplete_fields = ["actor", "event"]


@admin.register(SourceRevision)
class SourceRevisionAdmin(RecordAdmin):
    """A source's earlier texts, kept when it changes."""

    list_display = ["source", "sha256", "replaced_at"]
    list_select_related = ["source"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source__text")


@admin.register(Rendition)
class RenditionAdmin(RecordAdmin):
    """Resized copies of uploaded images, made by the desk when an image is saved."""

    list_display = ["original", "spec", "width", "height"]
    list_filter = ["spec"]


@admin.register(ImportRecord)
class ImportRecordAdmin(RecordAdmin):
    """What the last import of each annotation entry said (its digest keeps editors' changes)."""

    list_display = ["key", "digest", "imported_at"]
