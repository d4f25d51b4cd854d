"""The base of every publishable model's admin: roles, optimistic locking, story-zone times,
publish actions and revisions, the same on every path (change form, list edits, bulk actions,
revert). Every write goes through `stories.publishing.save_from_desk()`.
"""

from __future__ import annotations

import zoneinfo

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from stories import images, permissions, publishing
from stories.dates import Precision, format_moment
from stories.models import (
    Actor,
    Claim,
    Event,
    PublicationStatus,
    Rendition,
    Story,
    Update,
)
from stories.preview import preview_url

from . import forms as desk_forms
from .inputs import CheckedInputs

IMAGE_FIELDS = {Story: "lead_image", Actor: "photo", Update: "image"}
DESK_ZONE_SOURCE = {Story: "timezone", Event: "story__timezone", Claim: "story__timezone", Update: "story__timezone"}


def desk_time(moment, tz) -> str:
    return format_moment(moment, Precision.MINUTE, tz) if moment else "—"


def list_time(moment, tz) -> str:
    """A time short enough for a list column on a 1,280-pixel screen: "10 Jun 2025, 10:00 BST"."""
    if not moment:
        return "—"
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def short(text, chars: int) -> str:
    """Cut `text` for a list column; the change page shows it whole."""
    return Truncator(str(text or "")).chars(chars) or "—"


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


class DeskAdmin(CheckedInputs, SimpleHistoryAdmin):
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
    desk_added_verb = "Added"

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
            form, request.user, revert=getattr(request, "desk_revert", False), admin_site=self.admin_site,
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
                obj=obj, user=request.user, before=getattr(form, "locked_current", None),
                check_citations=not getattr(form, "citations_in_formset", False), **extra,
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

    # Back to the story desk: a page opened from the desk (?story=<pk>) returns there once saved.
    def response_add(self, request, obj, post_url_continue=None):
        return self.back_to_desk(request, obj, self.desk_added_verb) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        return self.back_to_desk(request, obj, "Saved") or super().response_change(request, obj)

    def back_to_desk(self, request, obj, verb: str, story_id: int | None = None):
        """Back to the story desk (the page was opened from it, or `story_id` says so), saying what
        readers now see."""
        if story_id is None:
            story_id = getattr(obj, "story_id", None)
            if (
                story_id is None or request.GET.get("story") != str(story_id)
                or {"_continue", "_addanother", "_popup", "_saveasnew"} & set(request.POST)
            ):
                return None
        if obj.is_published():
            note = "It is live on the story page."
        elif obj.is_scheduled():
            note = f"It goes live {desk_time(obj.published_at, obj.desk_tzinfo)}."
        else:
            note = "It is saved as a draft" + ("." if permissions.can_publish(request.user, obj) else
                                               " for an editor to publish.")
        self.message_user(request, f"{verb} “{obj}”. {note}", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:stories_story_change", args=[story_id]))

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_published() else None

    # Columns
    @admin.display(description="On site", ordering="published_at")
    def visibility(self, obj):
        if obj.status == PublicationStatus.DRAFT:
            return format_html('<span class="{}">Draft</span>', "desk-state desk-draft")
        when = list_time(obj.published_at, obj.desk_tzinfo)
        if obj.is_scheduled():
            return format_html('<span class="desk-scheduled">Scheduled</span><br><span class="desk-meta">{}</span>', when)
        return format_html('<span class="desk-live">Published</span><br><span class="desk-meta">{}</span>', when)

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


class ReadOnlyInline(admin.TabularInline):
    """Rows shown beside their parent that are made elsewhere (a correction by editing the
    update, a status step by verifying): listed, never added or edited here."""

    extra = 0
    can_delete = False
    related = ()

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.related)


class DeskChildAdmin(CheckedInputs, SimpleHistoryAdmin):
    """Rows readers see through a parent (citations, participations, aliases, corrections,
    mentions) follow their parent's desk rule on every path of their own admin: a reporter may
    add, change or delete them only under drafts (`permissions.check_child_change`)."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or permissions.can_change_child(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or (permissions.can_change_child(request.user, obj) and self.can_remove(obj))
        )

    @staticmethod
    def can_remove(obj) -> bool:
        """Whether deleting `obj` leaves its published claim or event with a citation to rest on."""
        try:
            permissions.check_citation_removal(before=obj, after=None)
        except ValidationError:
            return False
        return True

    def get_form(self, request, obj=None, change=False, **kwargs):
        return desk_forms.child_form(super().get_form(request, obj, change, **kwargs), request.user)

    def save_model(self, request, obj, form, change):
        # The form refused it already; this holds for any path that skips the form's errors.
        before = type(obj).objects.filter(pk=obj.pk).first() if change else None
        try:
            permissions.check_child_change(user=request.user, before=before, after=obj)
        except ValidationError as invalid:
            raise PermissionDenied(" ".join(invalid.messages)) from invalid
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        self.check_removal(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.check_removal(request, obj)
        super().delete_queryset(request, queryset)

    def check_removal(self, request, obj) -> None:
        try:
            permissions.check_child_change(user=request.user, before=obj, after=None)
        except ValidationError as invalid:
            raise PermissionDenied(" ".join(invalid.messages)) from invalid


class DeskChildInline:
    """An inline of rows under a parent: editable only by those who may change the parent."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or permissions.can_change(request.user, obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or permissions.can_change(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or permissions.can_change(request.user, obj))
