"""Folding duplicate actors into one: the same person imported twice, or entered under two names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from .locking import lock_for_edit, save_version
from .models import Actor, ActorAlias, Claim, EventParticipation, Mention
from .permissions import can_merge_actors, require


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
    require(can_merge_actors(user), "Only an editor can merge actors.")
    survivor = lock_for_edit(Actor, survivor.pk)
    duplicates = [d for d in Actor.objects.select_for_update().filter(pk__in=[d.pk for d in duplicates])
                  if d.pk != survivor.pk]
    if not duplicates:
        raise ValidationError("Choose at least one other actor to merge into the survivor.")
    merge = _Merge(survivor=survivor, duplicates=duplicates, user=user)
    claims, events, mentions, aliases = merge.claims(), merge.participations(), merge.mentions(), merge.aliases()
    merge.members()
    names = [d.name for d in duplicates]
    save_version(survivor, user=user, reason=f"Merged in {', '.join(names)}")
    for duplicate in duplicates:
        duplicate._history_user, duplicate._change_reason = user, merge.reason
        duplicate.delete()
    return MergeResult(
        survivor=survivor, merged_names=names, claims=claims, events=events, mentions=mentions, aliases=aliases,
    )


class _Merge:
    """The steps of one merge; each moves one kind of row and returns how many it moved."""

    def __init__(self, *, survivor: Actor, duplicates: list[Actor], user) -> None:
        self.survivor, self.duplicates, self.user = survivor, duplicates, user
        self.ids = [d.pk for d in duplicates]
        self.reason = f"Merged into {survivor.name} (#{survivor.pk})"

    def _save(self, row, **fields) -> None:
        for name, value in fields.items():
            setattr(row, name, value)
        row._history_user, row._change_reason = self.user, self.reason
        row.save()

    def claims(self) -> int:
        claims = list(Claim.objects.filter(claimant_id__in=self.ids))
        for claim in claims:
            claim.claimant = self.survivor
            save_version(claim, user=self.user, reason=self.reason)
        return len(claims)

    def participations(self) -> int:
        """Each event once: a duplicate's role fills the survivor's empty one, else it moves."""
        moved = 0
        held = {p.event_id: p for p in EventParticipation.objects.filter(actor=self.survivor)}
        for participation in EventParticipation.objects.filter(actor_id__in=self.ids).order_by("pk"):
            kept = held.get(participation.event_id)
            if kept is None:
                self._save(participation, actor=self.survivor)
                held[participation.event_id] = participation
                moved += 1
                continue
            if not kept.role and participation.role:
                self._save(kept, role=participation.role)
            participation._history_user, participation._change_reason = self.user, self.reason
            participation.delete()
        return moved

    def mentions(self) -> int:
        moved = 0
        taken = set(Mention.objects.filter(actor=self.survivor).values_list("source_id", "start"))
        for mention in Mention.objects.filter(actor_id__in=self.ids).order_by("pk"):
            if (mention.source_id, mention.start) in taken:
                mention.delete()
            else:
                Mention.objects.filter(pk=mention.pk).update(actor=self.survivor)
                taken.add((mention.source_id, mention.start))
                moved += 1
        return moved

    def aliases(self) -> int:
        """The duplicates' aliases move; their names become aliases too, unless already known."""
        moved = list(ActorAlias.objects.filter(actor_id__in=self.ids))
        for alias in moved:
            self._save(alias, actor=self.survivor)
        known = {a.lower() for a in ActorAlias.objects.filter(actor=self.survivor).values_list("alias", flat=True)}
        known.add(self.survivor.name.lower())
        added = 0
        for duplicate in self.duplicates:
            if duplicate.name.lower() not in known and not ActorAlias.objects.filter(alias__iexact=duplicate.name).exists():
                self._save(ActorAlias(actor=self.survivor, alias=duplicate.name))
                known.add(duplicate.name.lower())
                added += 1
        return len(moved) + added

    def members(self) -> None:
        """Members of a duplicate join the survivor, which inherits a duplicate's affiliation if it has none."""
        for member in Actor.objects.filter(affiliation_id__in=self.ids).exclude(pk=self.survivor.pk):
            member.affiliation = self.survivor
            save_version(member, user=self.user, reason=self.reason)
        survivor = self.survivor
        if survivor.affiliation_id in self.ids:
            survivor.affiliation = None
        if survivor.affiliation_id is None:
            survivor.affiliation = next(
                (d.affiliation for d in self.duplicates if d.affiliation_id and d.affiliation_id not in self.ids
                 and d.affiliation_id != survivor.pk), None,
            )
