"""The live-updates poll: what changed in a story's updates since the reader's cursor.

Readers keep a live story open for hours and thousands of tabs poll at once, so the poll is
built around the story's `update_sequence` (bumped by `publishing.record_update_change` on every
reader-visible change of an update):

- the cursor is a sequence number, never a timestamp, so clocks and caches cannot make a client
  miss or repeat a change;
- an unchanged poll is answered from one indexed single-row query (the story's sequence and
  live state) with a 304 that renders nothing; `Cache-Control: public, max-age` ≤ the poll
  interval lets a CDN absorb the rest;
- the body tells the client how long to wait (`poll_interval`), and `0` when coverage has ended.

Which removals a reader may learn about
---------------------------------------
An update that readers could once see and that is now unpublished or deleted must vanish from
open pages, so its id is sent in `removed`. An update that was never visible (a draft, or a
post scheduled and withdrawn before its time) must not even reveal its id. The server cannot
know which ids a given client holds (and asking would make every URL unique and uncacheable),
so it decides from the update's own history (django-simple-history keeps every saved version):
an id is reported only if some version of it was published with a publication time reached
before that version was replaced. Deleted updates are found through their deletion record, so
the desk must call `record_update_change` *before* `delete()` for the deletion to carry the
new sequence.

Scheduled updates become visible when their `published_at` passes, with no write to bump the
sequence. The state query notices due ones (published after their last save) and gives each
the next sequence number once, so pollers see them as soon as they are out.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from . import page_data
from .caching import shared_for_a_moment
from .compiled import CompiledQuery
from .markup import look_up_update_fragments
from .models import PublicationStatus, Story, Update, corrections_of, visible_to_readers
from .publishing import announce_due_updates
from .stamps import site_stamp

POLL_INTERVAL_OVERRIDE_KEY = "stories:live:poll-interval-override"
# Each worker re-reads the cache-held override at most this often, so an unchanged poll costs
# one query and no cache round trip.
OVERRIDE_REFRESH_SECONDS = 5
MAX_CURSOR = 2**63 - 1

_override_memo: dict[str, float | int | None] = {"read_at": float("-inf"), "value": None}


def set_poll_interval_override(seconds: int | None, *, timeout: int = 3600) -> None:
    """Ask every client to poll no more often than `seconds` (None lifts it); lapses after `timeout`."""
    if seconds is None:
        cache.delete(POLL_INTERVAL_OVERRIDE_KEY)
    else:
        cache.set(POLL_INTERVAL_OVERRIDE_KEY, int(seconds), timeout)
    _override_memo.update(read_at=time.monotonic(), value=seconds)


def poll_interval() -> int:
    """Seconds a client should wait between polls: the setting, raised by any override in force."""
    now = time.monotonic()
    if now - _override_memo["read_at"] >= OVERRIDE_REFRESH_SECONDS:
        _override_memo.update(read_at=now, value=cache.get(POLL_INTERVAL_OVERRIDE_KEY))
    override = _override_memo["value"] or 0
    return max(int(settings.NEWSROOM_LIVE_POLL_INTERVAL), int(override), 1)


class BadCursor(ValueError):
    pass


def parse_cursor(raw: str | None) -> int:
    """The `after` query value as a sequence number; a missing cursor means "from the start"."""
    if raw is None or raw == "":
        return 0
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or int(raw) > MAX_CURSOR:
        raise BadCursor(f"after must be a whole number from 0 to {MAX_CURSOR}, not {raw[:40]!r}.")
    return int(raw)


@dataclass(frozen=True)
class PollState:
    story_pk: int
    sequence: int
    is_live: bool
    coverage_end: datetime | None
    last_modified: datetime
    has_due_scheduled: bool

    def coverage_has_ended(self, now: datetime) -> bool:
        return not self.is_live or (self.coverage_end is not None and self.coverage_end <= now)


def _last_reader_visible_write():
    """When a save of one of the story's updates last changed what readers see (for Last-Modified).

    A save counts if the version it stored was visible (an edit, a correction, a deletion of a
    visible update) or if the version before it was (taking an update down). Saving a draft or a
    scheduled post is not a change readers can see, and must not move a validator anyone can read.
    """
    history = Update.history.model
    previous = (
        history.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
        .order_by("-history_date", "-history_id")
    )
    return Subquery(
        history.objects.filter(story_id=OuterRef("pk"))
        .annotate(
            previous_status=Subquery(previous.values("status")[:1]),
            previous_published_at=Subquery(previous.values("published_at")[:1]),
        )
        .filter(
            Q(status=PublicationStatus.PUBLISHED, published_at__lte=F("history_date"))
            | Q(previous_status=PublicationStatus.PUBLISHED, previous_published_at__lte=F("history_date"))
        )
        .order_by("-history_date").values("history_date")[:1]
    )


def _poll_state_query(slug, now):
    story_updates = Update.objects.filter(story=OuterRef("pk"))
    return (
        Story.objects.published(now=now).filter(slug=slug)
        .annotate(
            has_due_scheduled=Exists(
                story_updates.filter(visible_to_readers(now=now), published_at__gt=F("updated_at"))
            ),
            last_update_write=_last_reader_visible_write(),
            last_update_published=Subquery(
                story_updates.filter(visible_to_readers(now=now)).order_by("-published_at").values("published_at")[:1]
            ),
        )
        .order_by()
        .values_list(
            "pk", "update_sequence", "is_live", "coverage_end", "updated_at",
            "has_due_scheduled", "last_update_write", "last_update_published",
        )[:1]
    )


# Built and compiled once per process: building it through the ORM (three subqueries, one over the
# updates' history) took about 4 ms of each poll that read it, the query itself 0.1 ms.
_POLL_STATE = CompiledQuery(_poll_state_query, slug=str, now=datetime)


def poll_state(slug: str) -> PollState | None:
    """The story's poll cursor and live state in one indexed query, or None if readers can't see it."""
    rows = _POLL_STATE.rows(slug=slug, now=timezone.now())
    if not rows:
        return None
    pk, sequence, is_live, coverage_end, story_updated_at, due, last_write, last_published = rows[0]
    last_modified = max(moment for moment in (story_updated_at, last_write, last_published) if moment)
    return PollState(pk, sequence, is_live, coverage_end, last_modified, bool(due))


def shared_poll_state(slug: str) -> PollState | None:
    """poll_state(), shared by every poller of the story; due scheduled updates announced first."""

    def compute():
        state = poll_state(slug)
        if state is not None and state.has_due_scheduled and announce_due_updates(story_pk=state.story_pk):
            state = poll_state(slug)
        return state

    return shared_for_a_moment(f"stories:live:poll-state:{slug}", compute)


@dataclass(frozen=True)
class Changes:
    updates: list[Update]
    removed_ids: list[int]
    cursor: int
    has_more: bool


def _was_once_visible(versions: list[tuple], now: datetime) -> bool:
    """Whether any saved version was published with its publication time reached while it was current.

    `versions` are (history_date, history_type, status, published_at) in time order.
    """
    for index, (saved_at, kind, status, published_at) in enumerate(versions):
        if kind == "-":
            continue
        replaced_at = versions[index + 1][0] if index + 1 < len(versions) else now
        if status == PublicationStatus.PUBLISHED and published_at is not None and published_at < replaced_at:
            return True
    return False


@lru_cache(maxsize=8)
def _gone_after(limit: int) -> tuple[CompiledQuery, CompiledQuery]:
    """The poll's two questions about updates readers cannot see (now), compiled once per limit:
    hidden ones still in the story, and deleted ones (by their deletion record)."""
    history = Update.history.model
    hidden = CompiledQuery(
        lambda story, after, now: Update.objects.filter(story_id=story, sequence__gt=after)
        .exclude(visible_to_readers(now=now)).order_by("sequence", "pk").values_list("pk", "sequence")[:limit],
        story=int, after=int, now=datetime,
    )
    deleted = CompiledQuery(
        lambda story, after: history.objects.filter(story_id=story, history_type="-", sequence__gt=after)
        .exclude(id__in=Update.objects.filter(story_id=story).values("pk"))
        .order_by("sequence", "id").values_list("id", "sequence")[:limit],
        story=int, after=int,
    )
    return hidden, deleted


def changes_after(*, story_pk: int, after: int, current_sequence: int, limit: int) -> Changes:
    """The story's update changes with a sequence above `after`, oldest first, at most `limit`.

    Visible updates come whole (with their corrections); updates readers can no longer see come
    as bare ids, and only if readers could once see them.
    """
    now = timezone.now()
    history = Update.history.model
    # The story page's reads, so the poll and the page share each update's cached HTML.
    visible = page_data.updates_changed_after(page_data.story_by_pk(story_pk), after=after, limit=limit + 1, now=now)
    hidden_query, deleted_query = _gone_after(limit + 1)
    hidden = hidden_query.rows(story=story_pk, after=after, now=now)
    deleted = deleted_query.rows(story=story_pk, after=after)
    gone = dict(hidden + deleted)
    versions: dict[int, list[tuple]] = {pk: [] for pk in gone}
    if gone:
        for pk, *version in (
            history.objects.filter(id__in=list(gone))
            .order_by("id", "history_date", "history_id")
            .values_list("id", "history_date", "history_type", "status", "published_at")
        ):
            versions[pk].append(tuple(version))
    removed = [
        (sequence, pk) for pk, sequence in gone.items() if _was_once_visible(versions[pk], now)
    ]
    merged = sorted(
        [(u.sequence, u.pk, u) for u in visible] + [(seq, pk, None) for seq, pk in removed],
        key=lambda item: (item[0], item[1]),
    )
    has_more = len(merged) > limit
    merged = merged[:limit]
    # A client whose cursor is ahead of the story (a restored database) is brought back to it.
    cursor = merged[-1][0] if has_more else max([current_sequence, *(item[0] for item in merged)])
    return Changes(
        updates=[item[2] for item in merged if item[2] is not None],
        removed_ids=[item[1] for item in merged if item[2] is None],
        cursor=cursor,
        has_more=has_more,
    )


def update_fragment(update: Update, *, stamp: str, looked_up: dict | None = None) -> str:
    """The update's HTML exactly as the story page shows it, from the same fragment cache
    (`looked_up`: what markup.look_up_update_fragments found for it and others)."""
    return render_to_string("stories/_update_cached.html", {
        "update": update, "story": update.story, "stamp": stamp, "fragments_looked_up": looked_up,
    })


def update_payload(update: Update, *, stamp: str, looked_up: dict | None = None) -> dict:
    return {
        "id": update.pk,
        "sequence": update.sequence,
        "pinned": update.is_pinned,
        "posted_at": update.posted_at.isoformat(),
        "url": update.get_absolute_url(),
        "html": update_fragment(update, stamp=stamp, looked_up=looked_up),
        "corrections": [
            {"note": c.note, "corrected_at": c.corrected_at.isoformat()} for c in corrections_of(update)
        ],
    }


def shared_changes_body(state: PollState, *, after: int, etag: str, live: bool, next_interval: int) -> bytes:
    """The poll's JSON body, serialised, shared by every client at the same cursor.

    When an update is published, thousands of open pages poll with the same old cursor at once;
    they all get the one body computed for (story, cursor, state).
    """

    def compute() -> bytes:
        changes = changes_after(
            story_pk=state.story_pk, after=after, current_sequence=state.sequence,
            limit=settings.NEWSROOM_LIVE_POLL_LIMIT,
        )
        stamp = site_stamp() if changes.updates else ""
        looked_up = look_up_update_fragments(stamp, changes.updates)
        return json.dumps({
            "sequence": changes.cursor,
            "more": changes.has_more,
            "poll_interval": next_interval,
            "live": live,
            "updates": [update_payload(update, stamp=stamp, looked_up=looked_up) for update in changes.updates],
            "removed": changes.removed_ids,
        }, cls=DjangoJSONEncoder).encode()

    return shared_for_a_moment(f"stories:live:changes:{state.story_pk}:{after}:{etag}", compute)


def _etag(state: PollState, interval: int) -> str:
    # A URL's body is a function of the story's sequence, the interval and whether coverage ended.
    return f'"live-{state.story_pk}-{state.sequence}-{interval}"'


def _json_error(message: str, status: int) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def update_poll(request: HttpRequest, slug: str) -> HttpResponse:
    """Changes to a story's updates after `?after=<sequence>`; 304 when there are none."""
    if request.method not in ("GET", "HEAD"):
        response = _json_error("Only GET is allowed.", 405)
        response["Allow"] = "GET, HEAD"
        return response
    try:
        after = parse_cursor(request.GET.get("after"))
    except BadCursor as error:
        return _json_error(str(error), 400)
    state = shared_poll_state(slug)
    if state is None:
        return _json_error("No published story has that address.", 404)
    now = timezone.now()
    interval = poll_interval()
    ended = state.coverage_has_ended(now)
    next_interval = 0 if ended else interval
    etag = _etag(state, next_interval)

    # HTTP dates have whole seconds; compare at the same resolution the client was sent.
    last_modified = int(state.last_modified.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        body = shared_changes_body(state, after=after, etag=etag, live=not ended, next_interval=next_interval)
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["X-Poll-Interval"] = str(next_interval)
    response["Cache-Control"] = f"public, max-age={interval}"
    return response
