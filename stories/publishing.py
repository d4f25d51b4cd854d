"""The few writes that touch several rows: publishing, corrections, verification, review, merges.

Each is a keyword-only function wrapped in one transaction, called by admin, commands and tests
alike, so every road to a change follows the same rules. The role rules live here too:
`check_desk_change()` is what every admin path (change form, list_editable, bulk action, revert)
asks before it writes, so hiding a button is never the only thing stopping a reporter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .dates import Precision, format_moment
from .models import (
    Actor,
    ActorAlias,
    Citation,
    Claim,
    ClaimStatusChange,
    Correction,
    EventParticipation,
    Mention,
    PublicationStatus,
    Publishable,
    ReviewState,
    Source,
    SourceRevision,
    Story,
    Update,
    VerificationStatus,
)

CORRECTION_PREFIX = "Correction: an earlier version of this update said "

# Fields that change on every save and say nothing to a person reading a conflict message.
_BOOKKEEPING_FIELDS = {"version", "updated_at", "created_at", "sequence", "update_sequence", "sha256"}


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


# --- Roles -------------------------------------------------------------------------------------


def can_publish(user, model: type[Publishable] | Publishable) -> bool:
    """Whether `user` may publish, schedule and unpublish rows of this model (editors)."""
    return user.has_perm(f"stories.publish_{model._meta.model_name}")


def can_verify(user) -> bool:
    return user.has_perm("stories.verify_claim")


def can_review(user) -> bool:
    return user.has_perm("stories.review_claim")


def can_change(user, obj: Publishable) -> bool:
    """Reporters edit drafts; published work (live or scheduled) is changed only by those who may publish it.

    A published update's words are changed by a correction, which needs `correct_update` as well.
    """
    if obj.pk is None or obj.status == PublicationStatus.DRAFT:
        return True
    if isinstance(obj, Update):
        return can_publish(user, obj) and user.has_perm("stories.correct_update")
    return can_publish(user, obj)


def can_delete(user, obj: Publishable) -> bool:
    """Published work is never deleted from under readers: it is unpublished first (keeping its history)."""
    return obj.status == PublicationStatus.DRAFT


def publish_blockers(obj: Publishable) -> list[str]:
    """Why `obj` cannot be published as it stands (empty when it can)."""
    problems = []
    if isinstance(obj, Claim):
        if obj.review_state != ReviewState.ACCEPTED:
            problems.append("Only an accepted claim can be published; review the candidate first.")
        if obj.story_id is None:
            problems.append("A claim needs a story before it can be published.")
    for image, alt in (("lead_image", "lead_image_alt"), ("photo", "photo_alt"), ("image", "image_alt")):
        if getattr(obj, image, None) and not getattr(obj, alt, "").strip():
            problems.append("Describe the image in its alt text before publishing.")
    return problems


def _publication_changed(before: Publishable | None, after: Publishable) -> bool:
    if before is None:
        return after.status == PublicationStatus.PUBLISHED
    if before.status != after.status:
        return True
    return after.status == PublicationStatus.PUBLISHED and before.published_at != after.published_at


def check_desk_change(*, user, before: Publishable | None, after: Publishable) -> None:
    """Raise PermissionDenied if `user` may not turn `before` (None when adding) into `after`.

    Raise ValidationError if the change is allowed but `after` cannot be published as it stands.
    """
    if before is not None and not can_change(user, before):
        raise PermissionDenied(
            f"This {after._meta.verbose_name} is published: only an editor can change it."
        )
    if _publication_changed(before, after):
        if not can_publish(user, after):
            raise PermissionDenied(
                f"Only an editor can publish, schedule or unpublish a {after._meta.verbose_name}; "
                "save it as a draft and an editor will publish it."
            )
        if after.status == PublicationStatus.PUBLISHED and (problems := publish_blockers(after)):
            raise ValidationError(problems)
    if isinstance(after, Claim):
        old_status = before.verification_status if before else VerificationStatus.UNREVIEWED
        if after.verification_status != old_status and not can_verify(user):
            raise PermissionDenied("Only an editor can set a claim's verification status.")
        old_review = before.review_state if before else ReviewState.ACCEPTED
        if after.review_state != old_review and not can_review(user):
            raise PermissionDenied("Only an editor can accept or reject candidate claims.")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- Optimistic locking ------------------------------------------------------------------------


def lock_for_edit(model: type[Publishable], pk) -> Publishable:
    """Return the stored row, locked until the transaction ends, so a version check cannot race a save."""
    return model.objects.select_for_update().get(pk=pk)


def describe_changes_since(current: Publishable, seen_version: int) -> str:
    """Say who saved `current` since `seen_version`, when, and which fields they changed."""
    records = list(
        current.history.filter(version__gte=seen_version).select_related("history_user")
        .order_by("history_date", "history_id")
    )
    baseline = next((r for r in reversed(records) if r.version == seen_version), None)
    newer = [r for r in records if r.version > seen_version]
    kind = current._meta.verbose_name
    if not newer:
        return f"Someone else saved this {kind} while you were editing it."
    tz = current.desk_tzinfo
    names = sorted({_person(r.history_user) for r in newer})
    when = format_moment(newer[-1].history_date, Precision.MINUTE, tz)
    message = f"{' and '.join(names)} saved this {kind} at {when} while you were editing it"
    if baseline is not None:
        described = []
        for change in newer[-1].diff_against(baseline, foreign_keys_are_objs=True).changes:
            if change.field in _BOOKKEEPING_FIELDS:
                continue
            old, new = _shown(change.old, tz), _shown(change.new, tz)
            if old != new:  # e.g. a time re-saved without its seconds
                label = current._meta.get_field(change.field).verbose_name
                described.append(f"{label}: “{old}” → “{new}”")
        if described:
            message += f". They changed {'; '.join(described)}"
    return message + "."


def _person(user) -> str:
    if user is None:
        return "An import or script"
    return user.get_full_name() or user.get_username()


def _shown(value, tz, limit: int = 60) -> str:
    """A field value as an editor would recognise it: times in the desk's zone, objects by name."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, datetime):
        return format_moment(value, Precision.MINUTE, tz)
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
) -> Publishable:
    """Save an edit made on the desk: check the roles, bump the version, keep every record it needs.

    `before` is the stored row as locked by `lock_for_edit()` (None when adding). A claim whose
    verification status changed gets a status-history entry; a published update whose words
    changed gets its public correction note (unless it is a minor fix); a reader-visible change to an update moves the poll cursor.
    """
    check_desk_change(user=user, before=before, after=obj)
    if obj.status == PublicationStatus.PUBLISHED and obj.published_at is None:
        obj.published_at = timezone.now()
    if before is not None:
        obj.version = before.version + 1
    correcting = isinstance(obj, Update) and before is not None and is_correction(before, obj)
    if correcting and not minor_fix and not correction_note.strip():
        raise ValidationError("Correcting a published update needs a public correction note.")
    obj._history_user = user
    if correcting:
        obj._change_reason = "Minor fix" if minor_fix else "Correction"
    obj.save()
    if isinstance(obj, Source) and before is not None and before.text != obj.text:
        # Citations are offsets into the text: keep the old text, then move them to their words.
        SourceRevision.objects.create(source=obj, text=before.text, sha256=before.sha256)
        relocate_citations(obj)
    if isinstance(obj, Claim):
        old_status = before.verification_status if before else VerificationStatus.UNREVIEWED
        if obj.verification_status != old_status:
            ClaimStatusChange.objects.create(
                claim=obj, from_status=old_status, to_status=obj.verification_status,
                note=status_note, changed_by=user, prompted_by_update=prompted_by_update,
                prompted_by_source=prompted_by_source,
            )
    if isinstance(obj, Update):
        if correcting and not minor_fix:
            Correction.objects.create(update=obj, note=correction_note.strip(), corrected_by=user)
        if obj.status == PublicationStatus.PUBLISHED or (
            before is not None and before.status == PublicationStatus.PUBLISHED
        ):
            record_update_change(update=obj)
    return obj


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
    for obj in _locked(objects):
        _require(can_publish(user, obj), f"Only an editor can publish {obj._meta.verbose_name_plural}.")
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
    """Take rows off the site; their content and history stay, ready to publish again."""
    changed = 0
    for obj in _locked(objects):
        _require(can_publish(user, obj), f"Only an editor can unpublish {obj._meta.verbose_name_plural}.")
        if obj.status == PublicationStatus.DRAFT:
            continue
        obj.status = PublicationStatus.DRAFT
        _save_bulk_change(obj, user, "Unpublished")
        changed += 1
    return BulkResult(changed)


def _locked(objects: Iterable[Publishable]) -> list[Publishable]:
    objects = list(objects)
    if not objects:
        return []
    model = type(objects[0])
    return list(model.objects.select_for_update().filter(pk__in=[o.pk for o in objects]).order_by("pk"))


def _save_bulk_change(obj: Publishable, user, reason: str) -> None:
    obj.version += 1
    obj._history_user = user
    obj._change_reason = reason
    obj.save()
    if isinstance(obj, Update):
        record_update_change(update=obj)


# --- Claims: verification and review -----------------------------------------------------------


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
    """Set the verification status of `claims`, keeping a dated who/from/to entry for each change."""
    _require(can_verify(user), "Only an editor can set a claim's verification status.")
    if status not in VerificationStatus.values:
        raise ValidationError(f"{status!r} is not a verification status.")
    changed = 0
    for claim in _locked(claims):
        if claim.verification_status == status:
            continue
        ClaimStatusChange.objects.create(
            claim=claim, from_status=claim.verification_status, to_status=status, note=note,
            changed_by=user, prompted_by_update=prompted_by_update, prompted_by_source=prompted_by_source,
        )
        claim.verification_status = status
        _save_bulk_change(claim, user, f"Marked {VerificationStatus(status).label.lower()}")
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
    _require(can_review(user), "Only an editor can accept candidate claims.")
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
        _require(can_publish(user, claim), "Only an editor can publish claims.")
        claim.status, claim.published_at = PublicationStatus.PUBLISHED, timezone.now()
    claim.full_clean(exclude=["natural_key"])
    claim.version += 1
    claim._history_user, claim._change_reason = user, "Accepted from the review queue"
    claim.save()
    if verification_status != old_status:
        ClaimStatusChange.objects.create(
            claim=claim, from_status=old_status, to_status=verification_status, changed_by=user,
            note="Accepted from the review queue.",
            prompted_by_source=Source.objects.filter(citations__claim=claim).first(),
        )
    return claim


@transaction.atomic
def reject_candidate(*, claim: Claim, user) -> Claim:
    """Reject a candidate; the row is kept so the importer's fingerprint never brings it back."""
    _require(can_review(user), "Only an editor can reject candidate claims.")
    claim = lock_for_edit(Claim, claim.pk)
    if claim.review_state != ReviewState.CANDIDATE:
        raise ValidationError("This candidate has already been reviewed.")
    claim.review_state = ReviewState.REJECTED
    claim.reviewed_by, claim.reviewed_at = user, timezone.now()
    claim.version += 1
    claim._history_user, claim._change_reason = user, "Rejected in the review queue"
    claim.save()
    return claim


# --- Actors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeResult:
    survivor: Actor
    merged_names: Sequence[str]
    claims: int
    events: int
    mentions: int
    aliases: int


@transaction.atomic
def merge_actors(*, survivor: Actor, duplicates: Iterable[Actor], user) -> MergeResult:
    """Fold duplicate actors into `survivor`: claims, events, mentions, members and aliases move.

    The duplicates' names become aliases of the survivor, so mentions and re-imports still find
    it. Each moved row and each deleted duplicate leaves a history record naming the merge.
    """
    _require(user.has_perm("stories.merge_actors"), "Only an editor can merge actors.")
    survivor = lock_for_edit(Actor, survivor.pk)
    duplicates = [d for d in Actor.objects.select_for_update().filter(pk__in=[d.pk for d in duplicates])
                  if d.pk != survivor.pk]
    if not duplicates:
        raise ValidationError("Choose at least one other actor to merge into the survivor.")
    dup_ids = [d.pk for d in duplicates]
    reason = f"Merged into {survivor.name} (#{survivor.pk})"

    claims = list(Claim.objects.filter(claimant_id__in=dup_ids))
    for claim in claims:
        claim.claimant = survivor
        claim.version += 1
        claim._history_user, claim._change_reason = user, reason
        claim.save()

    events = 0
    survivor_events = dict(EventParticipation.objects.filter(actor=survivor).values_list("event_id", "pk"))
    for participation in EventParticipation.objects.filter(actor_id__in=dup_ids).order_by("pk"):
        if participation.event_id in survivor_events:
            survivor_part = EventParticipation.objects.get(pk=survivor_events[participation.event_id])
            if not survivor_part.role and participation.role:
                survivor_part.role = participation.role
                survivor_part.save(update_fields=["role"])
            participation.delete()
        else:
            participation.actor = survivor
            participation.save(update_fields=["actor"])
            survivor_events[participation.event_id] = participation.pk
            events += 1

    taken = set(Mention.objects.filter(actor=survivor).values_list("source_id", "start"))
    mentions = 0
    for mention in Mention.objects.filter(actor_id__in=dup_ids).order_by("pk"):
        if (mention.source_id, mention.start) in taken:
            mention.delete()
        else:
            Mention.objects.filter(pk=mention.pk).update(actor=survivor)
            taken.add((mention.source_id, mention.start))
            mentions += 1

    moved_aliases = ActorAlias.objects.filter(actor_id__in=dup_ids).update(actor=survivor)
    known = {a.lower() for a in ActorAlias.objects.filter(actor=survivor).values_list("alias", flat=True)}
    known.add(survivor.name.lower())
    new_aliases = []
    for duplicate in duplicates:
        if duplicate.name.lower() not in known and not ActorAlias.objects.filter(alias__iexact=duplicate.name).exists():
            new_aliases.append(ActorAlias(actor=survivor, alias=duplicate.name))
            known.add(duplicate.name.lower())
    ActorAlias.objects.bulk_create(new_aliases)

    for member in Actor.objects.filter(affiliation_id__in=dup_ids).exclude(pk=survivor.pk):
        member.affiliation = survivor
        member.version += 1
        member._history_user, member._change_reason = user, reason
        member.save()
    if survivor.affiliation_id in dup_ids:
        survivor.affiliation = None
    if survivor.affiliation_id is None:
        survivor.affiliation = next(
            (d.affiliation for d in duplicates if d.affiliation_id and d.affiliation_id not in dup_ids
             and d.affiliation_id != survivor.pk), None,
        )

    names = [d.name for d in duplicates]
    survivor.version += 1
    survivor._history_user = user
    survivor._change_reason = f"Merged in {', '.join(names)}"
    survivor.save()
    for duplicate in duplicates:
        duplicate._history_user, duplicate._change_reason = user, reason
        duplicate.delete()
    return MergeResult(
        survivor=survivor, merged_names=names, claims=len(claims), events=events, mentions=mentions,
        aliases=moved_aliases + len(new_aliases),
    )


def relocate_citations(source: Source) -> int:
    """After a source's text changed, move each citation to its excerpt; flag those no longer found.

    Returns how many citations were flagged as stale.
    """
    flagged = 0
    for citation in Citation.objects.filter(source=source):
        if source.text[citation.start:citation.end] == citation.excerpt:
            new_start = citation.start
        else:
            new_start = _nearest_occurrence(source.text, citation.excerpt, citation.start)
        if new_start is None:
            Citation.objects.filter(pk=citation.pk).update(is_stale=True)
            flagged += 1
        else:
            Citation.objects.filter(pk=citation.pk).update(
                start=new_start, end=new_start + len(citation.excerpt), is_stale=False
            )
    return flagged


def _nearest_occurrence(text: str, excerpt: str, near: int) -> int | None:
    positions = [m.start() for m in re.finditer(re.escape(excerpt), text)]
    return min(positions, key=lambda p: abs(p - near)) if positions else None
