"""The few writes that touch several rows: publishing, corrections, merges, the poll cursor.

Each is a keyword-only function wrapped in one transaction, called by admin, commands and tests
alike, so every road to a change follows the same rules.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from .models import Story, Update


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
