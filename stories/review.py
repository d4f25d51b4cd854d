"""Claims under review: the candidates the extractor proposes, and the verification status an
editor sets, each change kept as a dated step readers can follow."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .locking import lock_all, lock_for_edit, save_version
from .models import (
    Actor,
    Claim,
    ClaimStatusChange,
    PublicationStatus,
    ReviewState,
    Source,
    StatusChangeOrigin,
    Story,
    Update,
    VerificationStatus,
)
from .permissions import can_publish, can_review, can_verify, require


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
    story: Story | None = None,
    publish_now: bool = False,
) -> Claim:
    """Accept an extracted candidate as a claim of the story, with its speaker, kind and status."""
    require(can_review(user), "Only an editor can accept candidate claims.")
    claim = lock_for_edit(Claim, claim.pk)
    if claim.review_state != ReviewState.CANDIDATE:
        raise ValidationError("This candidate has already been reviewed.")
    old_status = claim.verification_status
    claim.review_state = ReviewState.ACCEPTED
    claim.reviewed_by, claim.reviewed_at = user, timezone.now()
    claim.kind = kind
    claim.claimant = claimant
    if claimant_description is not None:
        claim.claimant_description = claimant_description
    claim.story = story or claim.story
    claim.verification_status = verification_status
    if publish_now:
        require(can_publish(user, claim), "Only an editor can publish claims.")
        claim.status, claim.published_at = PublicationStatus.PUBLISHED, timezone.now()
    claim.full_clean(exclude=["natural_key"])
    save_version(claim, user=user, reason="Accepted from the review queue")
    record_status_change(
        claim=claim, from_status=old_status, user=user, note="Accepted from the review queue.",
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
