"""Whether a story's key developments still sum it up: the summary at the top of the story page is
written by hand, so it goes stale when a key event or a pinned update reaches readers after it
was last edited. The desk warns; it never rewrites the summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.timesince import timesince

from .models import Event, Story, Update


@dataclass(frozen=True)
class StaleKeyDevelopments:
    edited_at: datetime
    newer_kind: str  # "key event" or "pinned update"
    newer_title: str
    newer_at: datetime

    def message(self) -> str:
        return (
            f"Key developments last edited {timesince(self.edited_at, self.newer_at, depth=1)} before the "
            f"newest {self.newer_kind} “{self.newer_title}” — check they are current."
        )


def key_developments_edited_at(story: Story) -> datetime | None:
    """When the key developments took their current words, from the story's history (None if unknown)."""
    edited_at = None
    rows = story.history.order_by("-history_date", "-history_id").values_list("key_developments", "history_date")
    for words, moment in rows.iterator(chunk_size=20):
        if words != story.key_developments:
            break
        edited_at = moment
    return edited_at


def newest_development(story: Story) -> tuple[str, str, datetime] | None:
    """The key event or pinned update that reached readers last: (kind, title, when)."""
    candidates = []
    event = Event.objects.published().filter(story=story, is_key_event=True).order_by("-published_at", "-pk") \
        .values_list("title", "published_at").first()
    if event:
        candidates.append(("key event", *event))
    update = Update.objects.published().filter(story=story, is_pinned=True).order_by("-published_at", "-pk") \
        .values_list("headline", "published_at").first()
    if update:
        candidates.append(("pinned update", *update))
    return max(candidates, key=lambda c: c[2], default=None)


def stale_key_developments(story: Story) -> StaleKeyDevelopments | None:
    """Say so if readers got a key event or pinned update after the key developments were last edited."""
    if not story.key_developments.strip():
        return None
    newest = newest_development(story)
    if newest is None:
        return None
    kind, title, at = newest
    edited_at = key_developments_edited_at(story)
    if edited_at is None or edited_at >= at:
        return None
    return StaleKeyDevelopments(edited_at=edited_at, newer_kind=kind, newer_title=title, newer_at=at)
