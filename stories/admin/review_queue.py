"""The review queue: everything the extractor proposed from the sources, decided in one page.

Three kinds of proposal, each with the words it came from highlighted in their context:
candidate claims (quotes and figures, whose words, speaker, kind and figure the editor can
correct), candidate events (dated sentences, dated against the source's own date), and
"also reported in this source" (words of a new source that repeat a claim the story has).
Editors accept or reject one, or tick several and decide them together; all of a decision is
saved, or none of it. Accepted claims and events are drafts unless the editor ticks
"Publish now".
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse

from stories import permissions, review
from stories.models import CandidateEvent, Citation, CitationProposal, Claim

from . import forms as desk_forms

SELECTED = re.compile(r"^([cep])(\d+)-selected$")
PAGE_SIZE = 20


class Kind:
    """One kind of proposal: its rows, the form an editor fills for each, and its two decisions."""

    prefix: str
    noun: str
    form: type

    def rows(self):
        raise NotImplementedError

    def from_source(self, rows, source_id: str):
        return rows.filter(source_id=source_id)

    def for_story(self, rows, story_id: str):
        return rows.filter(story_id=story_id)

    def contexts(self, row):
        return [row]

    def accept(self, *, row, form, user, can_publish: bool):
        raise NotImplementedError

    def reject(self, *, row, user):
        raise NotImplementedError


class CandidateClaims(Kind):
    prefix, noun, form = "c", "candidate claim", desk_forms.AcceptCandidateForm

    def rows(self):
        return Claim.objects.candidates().select_related("claimant", "story").prefetch_related(
            Prefetch("citations", queryset=Citation.objects.select_related("source").defer("source__text")
                     .in_context(chars=240).order_by("start"))
        )

    def from_source(self, rows, source_id):
        return rows.filter(citations__source_id=source_id)

    def contexts(self, row):
        return row.citations.all()

    def accept(self, *, row, form, user, can_publish):
        return review.accept_candidate(
            claim=row, user=user, publish_now=form.cleaned_data["publish_now"] and can_publish, **form.accept_kwargs()
        )

    def reject(self, *, row, user):
        return review.reject_candidate(claim=row, user=user)


class CandidateEvents(Kind):
    prefix, noun, form = "e", "candidate event", desk_forms.AcceptCandidateEventForm

    def rows(self):
        return CandidateEvent.objects.open().select_related("story")

    def accept(self, *, row, form, user, can_publish):
        data = form.cleaned_data
        return review.accept_candidate_event(
            candidate=row, user=user, title=data["title"], story=data["story"],
            publish_now=data["publish_now"] and can_publish,
        )

    def reject(self, *, row, user):
        return review.reject_candidate_event(candidate=row, user=user)


class ProposedCitations(Kind):
    prefix, noun, form = "p", "proposed citation", desk_forms.ConfirmCitationForm

    def rows(self):
        return CitationProposal.objects.open().select_related("claim__claimant")

    def for_story(self, rows, story_id):
        return rows.filter(claim__story_id=story_id)

    def accept(self, *, row, form, user, can_publish):
        return review.confirm_citation(proposal=row, user=user, relation=form.cleaned_data["relation"])

    def reject(self, *, row, user):
        return review.dismiss_citation(proposal=row, user=user)


# In the order the page shows them: matches for known claims first, they are the quickest to decide.
KINDS = {kind.prefix: kind for kind in (ProposedCitations(), CandidateEvents(), CandidateClaims())}


def _filtered(rows, request, kind: Kind):
    """Only the proposals from one source (?source=) or for one story (?story=), when asked."""
    source, story = request.GET.get("source", ""), request.GET.get("story", "")
    if source.isdigit():
        rows = kind.from_source(rows, source)
    if story.isdigit():
        rows = kind.for_story(rows, story)
    return rows


def _form(kind: Kind, row, data=None, admin_site=None):
    extra = {"admin_site": admin_site} if kind.prefix == "c" else {}
    return kind.form(data, candidate=row, **extra)


def _chosen(post) -> tuple[str | None, list[tuple[str, int]]]:
    """What the editor asked for: ("accept" | "reject", [(kind prefix, pk), …])."""
    for verb in ("accept", "reject"):
        if f"_{verb}_selected" in post:
            return verb, [(m[1], int(m[2])) for key in post if (m := SELECTED.match(key))]
        one = post.get(f"_{verb}", "")
        if len(one) > 1 and one[0] in KINDS and one[1:].isdigit():
            return verb, [(one[0], int(one[1:]))]
    return None, []


def review_queue_view(model_admin, request):
    if not permissions.can_review(request.user):
        raise PermissionDenied
    bound: dict[tuple[str, int], object] = {}
    if request.method == "POST":
        response, bound = _decide(model_admin, request)
        if response is not None:
            return response
    return _render(model_admin, request, bound)


def _decide(model_admin, request):
    verb, chosen = _chosen(request.POST)
    if not chosen:
        model_admin.message_user(request, "Tick the proposals to decide, or use the buttons beside one.", messages.WARNING)
        return HttpResponseRedirect(request.get_full_path()), {}
    # One query per kind, whatever was ticked; a proposal decided meanwhile (another tab, another
    # editor) is simply not among them.
    rows = []
    for prefix, kind in KINDS.items():
        wanted = [pk for chosen_prefix, pk in chosen if chosen_prefix == prefix]
        if wanted:
            rows += [(kind, row) for row in kind.rows().filter(pk__in=wanted)]
    forms = {}
    if verb == "accept":
        forms = {(kind.prefix, row.pk): _form(kind, row, request.POST, model_admin.admin_site) for kind, row in rows}
        if not all(form.is_valid() for form in forms.values()):
            model_admin.message_user(request, "Nothing was saved: correct the fields marked below.", messages.ERROR)
            return None, forms
    can_publish = permissions.can_publish(request.user, Claim)
    try:
        with transaction.atomic():
            for kind, row in rows:
                if verb == "accept":
                    kind.accept(row=row, form=forms[(kind.prefix, row.pk)], user=request.user, can_publish=can_publish)
                else:
                    kind.reject(row=row, user=request.user)
    except ValidationError as invalid:
        model_admin.message_user(request, "Nothing was saved: " + " ".join(invalid.messages), messages.ERROR)
        return None, forms
    counts = {}
    for kind, _ in rows:
        counts[kind.noun] = counts.get(kind.noun, 0) + 1
    done = ", ".join(f"{n} {noun}{'s' if n != 1 else ''}" for noun, n in counts.items()) or "nothing (already decided)"
    if verb == "accept":
        model_admin.message_user(request, f"Accepted {done}. Accepted claims and events are drafts unless you "
                                          "ticked “Publish now”.", messages.SUCCESS)
    else:
        model_admin.message_user(request, f"Rejected {done}. They will not come back when the source is read again.",
                                 messages.SUCCESS)
    return HttpResponseRedirect(request.get_full_path()), {}


def _render(model_admin, request, bound):
    sections, media = [], model_admin.media
    for kind in KINDS.values():
        rows = _filtered(kind.rows(), request, kind).distinct()
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get(f"{kind.prefix}page"))
        entries = []
        for row in page.object_list:
            form = bound.get((kind.prefix, row.pk)) or _form(kind, row, admin_site=model_admin.admin_site)
            media += form.media
            contexts = kind.contexts(row)
            entries.append({"row": row, "form": form, "contexts": contexts, "key": f"{kind.prefix}{row.pk}"})
        sections.append({"kind": kind, "page": page, "entries": entries})
    return TemplateResponse(request, "admin/stories/claim/review_queue.html", {
        **model_admin.admin_site.each_context(request),
        "title": "Review queue", "opts": model_admin.opts, "sections": sections, "media": media,
        "can_publish": permissions.can_publish(request.user, Claim),
        "total": sum(s["page"].paginator.count for s in sections),
        "filtered": bool(request.GET.get("source") or request.GET.get("story")),
        "recent": Claim.objects.filter(reviewed_at__isnull=False)
        .select_related("reviewed_by").order_by("-reviewed_at", "-pk")[:10],
    })
