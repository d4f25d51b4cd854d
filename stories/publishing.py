"""Putting work in front of readers: saving from the desk, publishing, scheduling, unpublishing,
correcting, and the live poll's sequence.

Each is a keyword-only function wrapped in one transaction, called by admin, commands and tests
alike, so every road to a change follows the same rules (`permissions.check_desk_change()`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .citations import relocate_citations
from .locking import lock_all, lock_for_edit, save_version
from .models import (
    Claim,
    Correction,
    PublicationStatus,
    Publishable,
    Source,
    SourceRevision,
    Story,
    Update,
    VerificationStatus,
    visible_to_readers,
)
from .permissions import can_change, can_publish, check_desk_change, publish_blockers, require, unpublish_blockers
from .review import check_status_note, record_status_change

CORRECTION_PREFIX = "Correction: an earlier version of this update said "


@transaction.atomic
def record_update_change(*, update: Update) -> int:
    """Give a reader-visible change to `update` the story's next sequence number (the poll cursor).

    Call after every save that a reader could notice: publish, edit, correct, unpublish, delete.
    Sequence numbers only grow, per story, so `?after=<seq>` never misses a change.
    """
    Story.objects.filter(pk=update.story_id).update(update_sequence=F("update_sequence") + 1)
    sequence = Story.objects.values_list("update_sequence", flat=True).get(pk=update.story_id)
    Update.objects.filter(pk=update.pk).update(sequence=sequence)
    update.sequence = sequence
    return sequence


@transaction.atomic
def announce_due_updates(*, story_pk: int) -> int:
    """Give each scheduled update whose time has come a new sequence number, once; return how many.

    A scheduled update comes out with no write, so nothing gave it a sequence number when it
    did; the poll calls this when its state query sees one (no cron needed).
    """
    now = timezone.now()
    due = list(
        Update.objects.select_for_update()
        .filter(visible_to_readers(), story_id=story_pk, published_at__gt=F("updated_at"))
    )
    for update in due:
        # Moving updated_at past published_at marks the update as announced, so it is bumped once.
        Update.objects.filter(pk=update.pk).update(updated_at=now)
        record_update_change(update=update)
    return len(due)


# --- Saving from the desk ----------------------------------------------------------------------


@transaction.atomic
def save_from_desk(
    *,
    obj: Publishable,
    user,
    before: Publishable | None,
    correction_note: str = "",
    minor_fix: bool = False,
    status_note: str = "",
    prompted_by_update: Update | None = None,
    prompted_by_source: Source | None = None,
    check_citations: bool = True,
    keep_other_pins: bool = False,
) -> Publishable:
    """Save an edit made on the desk: check the roles, bump the version, keep every record it needs.

    `before` is the stored row as locked by `locking.lock_for_edit()` (None when adding). A claim
    whose verification status changed gets a status-history entry; a published update whose
    words changed gets its public correction note (unless it is a minor fix); a reader-visible
    change to an update moves the poll cursor; pinning an update unpins the story's other pinned
    updates unless `keep_other_pins`. `check_citations=False` only when the caller saves the row's
    citations with it in the same transaction and has checked them (an admin formset).
    """
    check_desk_change(user=user, before=before, after=obj, check_citations=check_citations)
    if isinstance(obj, Claim):
        check_status_note(before=before, after=obj)
    if obj.status == PublicationStatus.PUBLISHED and obj.published_at is None:
        obj.published_at = timezone.now()
    correcting = isinstance(obj, Update) and before is not None and is_correction(before, obj)
    if correcting and not minor_fix and not correction_note.strip():
        raise ValidationError("Correcting a published update needs a public correction note.")
    obj.version = before.version if before is not None else obj.version - 1
    save_version(obj, user=user, reason=("Minor fix" if minor_fix else "Correction") if correcting else None)
    if isinstance(obj, Source) and before is not None and before.text != obj.text:
        # Citations are offsets into the text: keep the old text, then move them to their words.
        SourceRevision.objects.create(source=obj, text=before.text, sha256=before.sha256)
        relocate_citations(obj)
    if isinstance(obj, Claim):
        record_status_change(
            claim=obj, from_status=before.verification_status if before else VerificationStatus.UNREVIEWED,
            user=user, note=status_note, prompted_by_update=prompted_by_update,
            prompted_by_source=prompted_by_source,
        )
    if isinstance(obj, Update):
        unpin_other_updates(update=obj, before=before, user=user, keep_other_pins=keep_other_pins)
        _record_update_save(update=obj, before=before, user=user, note=correction_note if correcting and not minor_fix else "")
    return obj


# --- Pinning -----------------------------------------------------------------------------------


def updates_unpinned_by(*, update: Update, before: Update | None, keep_other_pins: bool = False):
    """The story's other pinned updates that saving `update` unpins: pinning one unpins the rest
    (a story has one pinned update unless the editor keeps more), so none when it was already pinned."""
    if not update.is_pinned or keep_other_pins or (before is not None and before.is_pinned):
        return Update.objects.none()
    return Update.objects.filter(story_id=update.story_id, is_pinned=True).exclude(pk=update.pk).order_by("pk")


def check_unpinning(*, update: Update, before: Update | None, user, keep_other_pins: bool = False) -> None:
    """Refuse a pin that would unpin an update `user` may not change (a reporter and a published update)."""
    for other in updates_unpinned_by(update=update, before=before, keep_other_pins=keep_other_pins).defer("body"):
        require(
            can_change(user, other),
            f"Pinning this unpins “{other}”, which is published: only an editor can unpin it. "
            "Keep the other pinned updates pinned, or ask an editor.",
        )


def unpin_other_updates(*, update: Update, before: Update | None, user, keep_other_pins: bool = False) -> list[Update]:
    """Unpin the updates `updates_unpinned_by()` names, each a new version readers may notice."""
    check_unpinning(update=update, before=before, user=user, keep_other_pins=keep_other_pins)
    unpinned = lock_all(updates_unpinned_by(update=update, before=before, keep_other_pins=keep_other_pins))
    for other in unpinned:
        other.is_pinned = False
        save_version(other, user=user, reason=f"Unpinned: “{update}” was pinned")
        if other.status == PublicationStatus.PUBLISHED:
            record_update_change(update=other)
    return unpinned


def _record_update_save(*, update: Update, before: Update | None, user, note: str) -> None:
    """A public correction note when one is due; a new poll sequence when readers could notice."""
    if note:
        Correction.objects.create(update=update, note=note.strip(), corrected_by=user)
    if update.status == PublicationStatus.PUBLISHED or (
        before is not None and before.status == PublicationStatus.PUBLISHED
    ):
        record_update_change(update=update)


def is_correction(before: Update, after: Update) -> bool:
    """A published update whose headline or body changed: readers saw words that are now different."""
    return before.status == PublicationStatus.PUBLISHED and (
        before.headline != after.headline or before.body != after.body
    )


@transaction.atomic
def correct_update(*, update: Update, user, headline: str, body: str, note: str) -> Update:
    """Change a published update's words, keep the old ones as a revision and attach a public note."""
    before = lock_for_edit(Update, update.pk)
    update.headline, update.body = headline, body
    return save_from_desk(obj=update, user=user, before=before, correction_note=note)


# --- Publishing --------------------------------------------------------------------------------


class PublishingChoice:
    """The one publishing decision the desk asks for an update."""

    DRAFT = "draft"
    NOW = "now"
    AT = "at"


def publishing_choice_of(obj: Publishable) -> tuple[str, datetime | None]:
    """The choice that leaves `obj` as it is: (choice, time for AT)."""
    if obj.status == PublicationStatus.DRAFT:
        return PublishingChoice.DRAFT, None
    if obj.is_scheduled():
        return PublishingChoice.AT, obj.published_at
    return PublishingChoice.NOW, None


def apply_publishing_choice(obj: Publishable, *, choice: str, at: datetime | None = None) -> None:
    """Set `obj`'s status and publication time from one desk choice; `save_from_desk()` then checks
    who may make it. NOW keeps the time of something already out; AT takes any time (a future one
    schedules it, a past one backdates it)."""
    if choice == PublishingChoice.DRAFT:
        obj.status = PublicationStatus.DRAFT
    elif choice == PublishingChoice.NOW:
        if not obj.is_published():
            obj.published_at = timezone.now()
        obj.status = PublicationStatus.PUBLISHED
    elif choice == PublishingChoice.AT:
        if at is None:
            raise ValidationError("Give the time readers can see it.")
        obj.status, obj.published_at = PublicationStatus.PUBLISHED, at
    else:
        raise ValidationError(f"{choice!r} is not a publishing choice.")


@dataclass(frozen=True)
class BulkResult:
    changed: int
    refused: Sequence[str] = ()


@transaction.atomic
def publish(*, objects: Iterable[Publishable], user, at: datetime | None = None) -> BulkResult:
    """Publish drafts now (or schedule them for `at`); a scheduled row published now goes out now.

    Rows that cannot be published (a candidate claim, an image without alt text) are left as they
    are and named in `refused`.
    """
    changed, refused = 0, []
    moment = at or timezone.now()
    for obj in lock_all(objects):
        require(can_publish(user, obj), f"Only an editor can publish {obj._meta.verbose_name_plural}.")
        if obj.status == PublicationStatus.PUBLISHED and obj.published_at and obj.published_at <= moment:
            continue
        if problems := publish_blockers(obj):
            refused.append(f"“{obj}”: {' '.join(problems)}")
            continue
        obj.status, obj.published_at = PublicationStatus.PUBLISHED, moment
        _save_bulk_change(obj, user, "Published" if at is None else "Scheduled")
        changed += 1
    return BulkResult(changed, refused)


@transaction.atomic
def unpublish(*, objects: Iterable[Publishable], user) -> BulkResult:
    """Take rows off the site; their content and history stay, ready to publish again.

    A source that published claims or events rest on alone is left as it is and named in `refused`.
    """
    changed, refused = 0, []
    for obj in lock_all(objects):
        require(can_publish(user, obj), f"Only an editor can unpublish {obj._meta.verbose_name_plural}.")
        if obj.status == PublicationStatus.DRAFT:
            continue
        if problems := unpublish_blockers(obj):
            refused.append(f"“{obj}”: {' '.join(problems)}")
            continue
        obj.status = PublicationStatus.DRAFT
        _save_bulk_change(obj, user, "Unpublished")
        changed += 1
    return BulkResult(changed, refused)


def _save_bulk_change(obj: Publishable, user, reason: str) -> None:
    save_version(obj, user=user, reason=reason)
    if isinstance(obj, Update):
        record_update_change(update=obj)
