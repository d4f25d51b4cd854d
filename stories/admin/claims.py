"""Claims: the verification desk and the review queue of candidates the extractor proposed."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.text import Truncator

from stories import permissions, review
from stories.models import (
    Citation,
    Claim,
    ClaimStatusChange,
    ReviewState,
    Source,
    VerificationStatus,
)

from . import forms as desk_forms
from . import review_queue
from .base import DeskAdmin, ReadOnlyInline, short
from .content import CitedAdmin, ClaimCitationInline
from .inputs import BadInput, check_id


class ClaimStatusChangeInline(ReadOnlyInline):
    model = ClaimStatusChange
    fk_name = "claim"
    fields = ["changed_at", "from_status", "to_status", "origin", "note", "prompted_by_update", "prompted_by_source"]
    related = ("changed_by", "prompted_by_update", "prompted_by_source")

    @admin.display(description="By")
    def origin(self, obj):
        return obj.origin()

    def get_queryset(self, request):
        return super().get_queryset(request).defer("prompted_by_source__text")


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
        if self.value():
            try:
                check_id(self.value(), name="source")
            except BadInput as refused:
                raise IncorrectLookupParameters(refused) from None
            return queryset.filter(pk__in=Citation.objects.filter(source_id=self.value()).values("claim_id"))
        return queryset


def _verification_action(status: VerificationStatus):
    def action(modeladmin, request, queryset):
        return modeladmin.set_verification(request, queryset, status)

    action.__name__ = f"mark_{status.value}"
    return admin.action(description=f"Mark as {status.label.lower()}…", permissions=["verify"])(action)


@admin.register(Claim)
class ClaimAdmin(CitedAdmin, DeskAdmin):
    form = desk_forms.ClaimForm
    change_list_template = "admin/stories/claim/change_list.html"
    list_display = ["short_text", "speaker", "verification_status", "visibility"]
    list_filter = [
        "verification_status", "kind", ("claimant", admin.RelatedOnlyFieldListFilter), "story",
        CitedSourceFilter, ReviewStateFilter, "status",
    ]
    search_fields = ["text", "claimant__name", "claimant_description", "stat_measure"]
    list_select_related = ["claimant", "story"]
    autocomplete_fields = ["claimant", "event", "outcome_event", "story"]
    inlines = [ClaimCitationInline, ClaimStatusChangeInline]
    readonly_fields = ["review_state", "reviewed_by", "reviewed_at"]
    actions = ["publish_now", "unpublish", *(
        _verification_action(s) for s in (
            VerificationStatus.CORROBORATED, VerificationStatus.DISPUTED,
            VerificationStatus.INACCURATE, VerificationStatus.RETRACTED,
        )
    )]
    fieldsets = [
        (None, {"fields": ["story", "text", "kind", "claimant", "claimant_description", "made", "event"]}),
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
        return Truncator(obj.text).chars(70)

    @admin.display(description="Speaker", ordering="claimant__name")
    def speaker(self, obj):
        return short(obj.speaker_on_desk, 30)

    def set_verification(self, request, queryset, status: VerificationStatus):
        form = desk_forms.VerificationForm(request.POST if "apply" in request.POST else None, admin_site=self.admin_site)
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
        return review_queue.review_queue_view(self, request)
