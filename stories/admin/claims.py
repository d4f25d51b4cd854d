"""Claims: the verification desk and the review queue of candidates the extractor proposed."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
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
from .base import DeskAdmin, ReadOnlyInline, add_citation_link, short
from .content import ClaimCitationInline
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
class ClaimAdmin(DeskAdmin):
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
        return Truncator(obj.text).chars(70)

    @admin.display(description="Speaker", ordering="claimant__name")
    def speaker(self, obj):
        return short(obj.speaker_on_desk, 30)

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
