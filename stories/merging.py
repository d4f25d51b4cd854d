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
    dup_ids = [d.pk for d in duplicates]
    reason = f"Merged into {survivor.name} (#{survivor.pk})"

    claims = list(Claim.objects.filter(claimant_id__in=dup_ids))
    for claim in claims:
        claim.claimant = survivor
        save_version(claim, user=user, reason=reason)

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
        save_version(member, user=user, reason=reason)
    if survivor.affiliation_id in dup_ids:
        survivor.affiliation = None
    if survivor.affiliation_id is None:
        survivor.affiliation = next(
            (d.affiliation for d in duplicates if d.affiliation_id and d.affiliation_id not in dup_ids
             and d.affiliation_id != survivor.pk), None,
        )

    names = [d.name for d in duplicates]
    save_version(survivor, user=user, reason=f"Merged in {', '.join(names)}")
    for duplicate in duplicates:
        duplicate._history_user, duplicate._change_reason = user, reason
        duplicate.delete()
    return MergeResult(
        survivor=survivor, merged_names=names, claims=len(claims), events=events, mentions=mentions,
        aliases=moved_aliases + len(new_aliases),
    )
