"""Optimistic locking: two editors saving the same object never silently overwrite each other.

A desk form carries the version it was opened at; saving locks the stored row, and a newer
version is refused with who saved it, when, and what they changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .dates import Precision, format_moment
from .models import Publishable

# Fields that change on every save and say nothing to a person reading a conflict message.
_BOOKKEEPING_FIELDS = {"version", "updated_at", "created_at", "sequence", "update_sequence", "sha256"}


def lock_for_edit(model: type[Publishable], pk) -> Publishable:
    """Return the stored row, locked until the transaction ends, so a version check cannot race a save."""
    return model.objects.select_for_update().get(pk=pk)


def lock_all(objects: Iterable[Publishable]) -> list[Publishable]:
    """The stored rows of `objects` (all of one model), locked in primary-key order."""
    objects = list(objects)
    if not objects:
        return []
    model = type(objects[0])
    return list(model.objects.select_for_update().filter(pk__in=[o.pk for o in objects]).order_by("pk"))


def save_version(obj: Publishable, *, user, reason: str | None = None) -> None:
    """Save `obj` as its next version, its history row naming who made the change and why."""
    obj.version += 1
    obj._history_user = user
    if reason is not None:
        obj._change_reason = reason
    obj.save()


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
