"""Claims under review: the candidates the extractor proposes, and the verification status an
editor sets, each change kept as a dated step readers can follow."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .locking import lock_all, lock_for_edit, save_version
from .citations import settle_relation
from .models import (
    Actor,
    ActorKind,
    CandidateEvent,
    Citation,
    CitationProposal,
    CitationRelation,
    Claim,
    ClaimStatusChange,
    Event,
    PublicationStatus,
    ReviewState,
    Source,
    StatusChangeOrigin,
    Story,
    Update,
    VerificationStatus,
    unique_slug,
)
from .permissions import can_publish, can_review, can_verify, check_child_change, publish_blockers, require


def record_status_change(
    *,
    claim: Claim,
    from_status: str,
    user=None,
    note: str = "",
    prompted_by_update: Update | None = None,
    prompted_by_source: Source | None = None,
    imported_from: str = "",
) -> ClaimStatusChange | None:
    """Keep a dated step in `claim`'s verification history if its status moved from `from_status`.

    An importer names the file in `imported_from`, and the history shows the step as an import
    from it rather than as an editor's check.
    """
    if claim.verification_status == from_status:
        return None
    return ClaimStatusChange.objects.create(
        claim=claim, from_status=from_status, to_status=claim.verification_status, note=note,
        changed_by=user, prompted_by_update=prompted_by_update, prompted_by_source=prompted_by_source,
        via=StatusChangeOrigin.IMPORT if imported_from else StatusChangeOrigin.DESK, imported_from=imported_from,
    )


def check_status_note(*, before: Claim | None, after: Claim) -> None:
    """Refuse a new verification status under the note readers saw for the old one.

    The note is the reader-facing explanation of the status, so a change of status needs its own.
    """
    if before is None or before.verification_status == after.verification_status:
        return
    note = after.verification_note.strip()
    if not note or note == before.verification_note.strip():
        old = VerificationStatus(before.verification_status).label.lower()
        new = VerificationStatus(after.verification_status).label.lower()
        raise ValidationError(
            {"verification_note": f"You changed the status from {old} to {new}: write the note readers "
                                  f"see under the new status (the current one explains why it was {old})."},
            code="status_needs_note",
        )


@transaction.atomic
def set_verification_status(
    *,
    claims: Iterable[Claim],
    status: str,
    user,
    note: str = "",
    prompted_by_update: Update | None = None,
    prompted_by_source: Source | None = None,
) -> int:
    """Set the verification status of `claims` with `note` as the reader-facing note that replaces
    the old one, keeping a dated who/from/to entry for each change."""
    require(can_verify(user), "Only an editor can set a claim's verification status.")
    if status not in VerificationStatus.values:
        raise ValidationError(f"{status!r} is not a verification status.")
    if not note.strip():
        raise ValidationError("A new verification status needs the note readers see under it.")
    changed = 0
    for claim in lock_all(claims):
        if claim.verification_status == status:
            continue
        from_status, claim.verification_status = claim.verification_status, status
        claim.verification_note = note.strip()
        record_status_change(
            claim=claim, from_status=from_status, user=user, note=note,
            prompted_by_update=prompted_by_update, prompted_by_source=prompted_by_source,
        )
        save_version(claim, user=user, reason=f"Marked {VerificationStatus(status).label.lower()}")
        changed += 1
    return changed


@transaction.atomic
def accept_candidate(
    *,
    claim: Claim,
    user,
    kind: str,
    verification_status: str,
    claimant: Actor | None = None,
    claimant_description: str | None = None,
    new_speaker: str = "",
    story: Story | None = None,
    publish_now: bool = False,
    text: str | None = None,
    figure: dict | None = None,
    note: str = "",
) -> Claim:
    """Accept an extracted candidate as a claim of the story, with its speaker, kind and status.

    The editor may correct its words (`text`), name a speaker no actor stands for yet
    (`new_speaker`: the actor is created, published if this editor may publish actors) and set
    the figure's fields (`figure`: stat_value, stat_value_high, stat_unit, stat_measure, stat_period).
    It stays a draft unless `publish_now`.
    """
    require(can_review(user), "Only an editor can accept candidate claims.")
    claim = lock_for_edit(Claim, claim.pk)
    if claim.review_state != ReviewState.CANDIDATE:
        raise ValidationError("This candidate has already been reviewed.")
    old_status = claim.verification_status
    claim.review_state = ReviewState.ACCEPTED
    claim.reviewed_by, claim.reviewed_at = user, timezone.now()
    claim.kind = kind
    if new_speaker.strip():
        claimant = add_actor(name=new_speaker.strip(), user=user)
    claim.claimant = claimant
    if claimant_description is not None:
        claim.claimant_description = claimant_description
    if text is not None and text.strip():
        claim.text = text.strip()
    for name, value in (figure or {}).items():
        setattr(claim, name, value)
    claim.story = story or claim.story
    claim.verification_status = verification_status
    if note.strip():
        claim.verification_note = note.strip()
    elif verification_status != VerificationStatus.UNVERIFIED:
        # Any status but "not checked yet" is a finding readers are owed the reasons for.
        raise ValidationError({"verification_note": (
            f"Accepting it as {VerificationStatus(verification_status).label.lower()} is a finding: write the "
            "note readers see under that status."
        )})
    if publish_now:
        require(can_publish(user, claim), "Only an editor can publish claims.")
        claim.status, claim.published_at = PublicationStatus.PUBLISHED, timezone.now()
        if problems := publish_blockers(claim):
            raise ValidationError(problems)
    claim.full_clean(exclude=["natural_key"])
    save_version(claim, user=user, reason="Accepted from the review queue")
    record_status_change(
        claim=claim, from_status=old_status, user=user, note=note.strip() or "Accepted from the review queue.",
        prompted_by_source=Source.objects.filter(citations__claim=claim).first(),
    )
    return claim


@transaction.atomic
def reject_candidate(*, claim: Claim, user) -> Claim:
    """Reject a candidate; the row is kept so the importer's fingerprint never brings it back."""
    require(can_review(user), "Only an editor can reject candidate claims.")
    claim = lock_for_edit(Claim, claim.pk)
    if claim.review_state != ReviewState.CANDIDATE:
        raise ValidationError("This candidate has already been reviewed.")
    claim.review_state = ReviewState.REJECTED
    claim.reviewed_by, claim.reviewed_at = user, timezone.now()
    save_version(claim, user=user, reason="Rejected in the review queue")
    return claim


def add_actor(*, name: str, user) -> Actor:
    """An actor named on the desk while reviewing: the same name twice is the same actor."""
    existing = Actor.objects.filter(Q(name__iexact=name) | Q(aliases__alias__iexact=name)).first()
    if existing is not None:
        return existing
    actor = Actor(name=name, slug=unique_slug(Actor, name), kind=ActorKind.PERSON)
    if can_publish(user, Actor):
        actor.status, actor.published_at = PublicationStatus.PUBLISHED, timezone.now()
    actor.full_clean()
    save_version(actor, user=user, reason="Added from the review queue")
    return actor


# --- Candidate events and "also reported in this source" ----------------------------------------


def _take(model, pk: int):
    row = model.objects.select_for_update().get(pk=pk)
    if row.review_state != ReviewState.CANDIDATE:
        raise ValidationError("This has already been reviewed.")
    return row


def _decide(row, *, user, state: str, **fields) -> None:
    for name, value in {"review_state": state, "reviewed_by": user, "reviewed_at": timezone.now(), **fields}.items():
        setattr(row, name, value)
    row.save()


@transaction.atomic
def accept_candidate_event(
    *, candidate: CandidateEvent, user, title: str = "", story: Story | None = None, publish_now: bool = False,
) -> Event:
    """Make the dated sentence an event of the story, cited to that sentence; a draft unless `publish_now`."""
    require(can_review(user), "Only an editor can accept candidate events.")
    candidate = _take(CandidateEvent, candidate.pk)
    story = story or candidate.story
    if story is None:
        raise ValidationError("Choose the story this event belongs to.")
    event = Event(
        story=story, title=(title.strip() or candidate.title)[:300], occurred_at=candidate.occurred_at,
        precision=candidate.precision, ends_at=candidate.ends_at, ends_precision=candidate.ends_precision,
    )
    event.full_clean(exclude=["seed_key"])
    save_version(event, user=user, reason="Accepted from the review queue")
    citation = Citation(source=candidate.source, event=event, start=candidate.start, end=candidate.end,
                        excerpt=candidate.excerpt)
    settle_relation(citation=citation, before=None, user=user)
    citation.save()
    if publish_now:
        require(can_publish(user, event), "Only an editor can publish events.")
        event.status, event.published_at = PublicationStatus.PUBLISHED, timezone.now()
        if problems := publish_blockers(event):
            raise ValidationError(problems)
        save_version(event, user=user, reason="Published from the review queue")
    _decide(candidate, user=user, state=ReviewState.ACCEPTED, event=event)
    return event


@transaction.atomic
def reject_candidate_event(*, candidate: CandidateEvent, user) -> None:
    """Reject a candidate event; kept, so reading the source again does not bring it back."""
    require(can_review(user), "Only an editor can reject candidate events.")
    _decide(_take(CandidateEvent, candidate.pk), user=user, state=ReviewState.REJECTED)


@transaction.atomic
def confirm_citation(*, proposal: CitationProposal, user, relation: str = CitationRelation.REPORTS) -> Citation:
    """Cite the matching words of the new source for the claim, with the relation the editor chose."""
    require(can_review(user), "Only an editor can confirm proposed citations.")
    proposal = _take(CitationProposal, proposal.pk)
    check_child_change(user=user, before=None, after=Citation(claim=proposal.claim))
    citation = Citation(claim=proposal.claim, source=proposal.source, start=proposal.start, end=proposal.end,
                        excerpt=proposal.excerpt, relation=relation)
    settle_relation(citation=citation, before=None, user=user)
    citation.save()
    _decide(proposal, user=user, state=ReviewState.ACCEPTED, citation=citation)
    return citation


@transaction.atomic
def dismiss_citation(*, proposal: CitationProposal, user) -> None:
    require(can_review(user), "Only an editor can dismiss proposed citations.")
    _decide(_take(CitationProposal, proposal.pk), user=user, state=ReviewState.REJECTED)
