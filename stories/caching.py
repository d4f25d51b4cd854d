"""Caching of reader pages. Keys are made of what the content depends on, so nothing needs
invalidating; the layers, outermost first:

- `page_cache`: whole public responses for NEWSROOM_PAGE_CACHE_SECONDS (default 1 s), in each
  worker's memory. It absorbs a breaking-news spike without even a query; the second bounds how
  late a change can show.
- `stamped_page`: whole responses keyed on the URL and the site's content stamp
  (`stamps.site_stamp()`, one query), kept until anything readers can see changes, in the shared cache
  (Redis when REDIS_URL is set) and, as a key's page never changes, in the worker's memory too.
- `shared_for_a_moment`: immutable answers (the live poll's state and bodies) kept in the worker's
  memory for NEWSROOM_POLL_STATE_SECONDS, handed out as they are.
- sections and fragments (the `cached_fragment` tag) keyed on the same stamp and on what they
  show, so the story page, the update lists and the poll share one rendering of each update.

Preview and other staff-only views are never wrapped; they send `private, no-store`.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_response_headers

from .stamps import request_stamp


def page_cache(view):
    """Serve the view's GET responses whole from this worker's memory for
    NEWSROOM_PAGE_CACHE_SECONDS, keyed on the full URL, with max-age and Expires to match."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.NEWSROOM_PAGE_CACHE_SECONDS
        if not seconds or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        key = request.build_absolute_uri()
        kept = pages_here.get(key)
        if kept is not None:
            response = kept.replay()
            response["Age"] = str(int(time.monotonic() - kept.at))
            return response
        response = view(request, *args, **kwargs)
        if _may_keep(response):
            patch_response_headers(response, seconds)
            pages_here.set(key, KeptResponse.of(response), seconds)
        return response

    return wrapped


def _may_keep(response) -> bool:
    """Whether a response may be served again to any reader: a whole 200 that sets no cookie,
    varies on no request header and is neither private nor no-store/no-cache."""
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200 and not response.streaming and not response.cookies
        and not response.has_header("Vary")
        and not any(word in cache_control for word in ("private", "no-store", "no-cache"))
    )


@dataclass(frozen=True, slots=True)
class KeptResponse:
    """A response as the view made it (body and headers), to be replayed as a new response:
    cheaper than pickling the response object into a cache and back."""

    content: bytes
    headers: tuple[tuple[str, str], ...]
    at: float

    @classmethod
    def of(cls, response) -> "KeptResponse":
        return cls(response.content, tuple(response.headers.items()), time.monotonic())

    def replay(self) -> HttpResponse:
        response = HttpResponse(self.content)
        for name, value in self.headers:
            response[name] = value
        return response


class ProcessMemo:
    """Values kept for a while in this worker's memory and handed out as they are: no pickling
    and no copy, which is what makes a hit cheaper than the local-memory cache. Only immutable
    values go in. Bounded: when full, expired entries go first, then everything."""

    def __init__(self, max_entries: int = 2000) -> None:
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, object]] = {}

    def get(self, key: str, default=None):
        entry = self._entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return default
        return entry[1]

    def set(self, key: str, value, seconds: float) -> None:
        now = time.monotonic()
        if len(self._entries) >= self.max_entries:
            self._entries = {k: e for k, e in list(self._entries.items()) if e[0] > now}
            if len(self._entries) >= self.max_entries:
                self._entries = {}
        self._entries[key] = (now + seconds, value)

    def get_or_compute(self, key: str, seconds: float, compute):
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = compute()
            self.set(key, value, seconds)
        return value

    def clear(self) -> None:
        self._entries = {}

    def __len__(self) -> int:
        return len(self._entries)


_MISSING = object()
moment_memo = ProcessMemo()
# Stamped pages this worker has served lately. A key names one URL at one site stamp, so its
# page never changes and a copy here is as good as the shared one, without Redis's round trip.
# Bounded by count, as a story page is about 100 KB.
stamped_pages_here = ProcessMemo(max_entries=256)
# Whole pages of the last NEWSROOM_PAGE_CACHE_SECONDS, by URL. Kept in the worker, since a second
# of sharing saves little and a network round trip would cost more than the hit itself, and
# replayed from bytes: Django's cache middleware unpickled the response from the local-memory
# cache and hashed the URL twice, a third of a cached story page's time in the worker.
pages_here = ProcessMemo(max_entries=512)


def clear_every_cache() -> None:
    """Empty every layer in this process: the configured caches and the worker's memos. Never
    needed for correctness (keys change with content); tests and the benchmark use it for cold
    renders."""
    for alias in settings.CACHES:
        caches[alias].clear()
    moment_memo.clear()
    stamped_pages_here.clear()
    pages_here.clear()


def shared_for_a_moment(key: str, compute):
    """compute(), kept in this worker for NEWSROOM_POLL_STATE_SECONDS (0: not kept).

    Under a spike each answer is then worked out about once a second per worker, and that same
    second bounds how late a change can reach pollers.
    """
    seconds = settings.NEWSROOM_POLL_STATE_SECONDS
    if not seconds:
        return compute()
    return moment_memo.get_or_compute(key, seconds, compute)


# --- Pages keyed on what changed ------------------------------------------------------------------

# A stamped page is kept this long at most: a bound on memory, not on correctness (the stamp
# moves on every write, see stamps.py).
STAMPED_PAGE_SECONDS = 600


def stamped_page(view):
    """Serve the view's 200 GET responses from the cache until anything readers see changes.

    Keyed on the full URL and the site stamp, so a hit costs the one stamp query. The response's
    ETag is kept with it and If-None-Match is honoured on a hit; a page that sets cookies, varies
    on a request header or says private/no-store is never stored. (Every view wrapped renders one
    format per URL.)
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not settings.NEWSROOM_STAMPED_PAGES:
            return view(request, *args, **kwargs)
        fingerprint = f"{request.build_absolute_uri()}|{request_stamp(request)}"
        # ":2" is the kept form (KeptResponse): pages an older release left in Redis are not read.
        key = "stamped-page:2:" + hashlib.sha256(fingerprint.encode()).hexdigest()
        kept = stamped_pages_here.get(key)
        if kept is None and (kept := cache.get(key)) is not None:
            stamped_pages_here.set(key, kept, STAMPED_PAGE_SECONDS)
        if kept is not None:
            response = kept.replay()
            return get_conditional_response(request, etag=response.get("ETag"), response=response) or response
        response = view(request, *args, **kwargs)
        if _may_keep(response):
            kept = KeptResponse.of(response)
            cache.set(key, kept, STAMPED_PAGE_SECONDS)
            stamped_pages_here.set(key, kept, STAMPED_PAGE_SECONDS)
        return response

    return wrapped


def stamped_row(request, model, find, /, **lookup):
    """find(**lookup): the row a reader page is about, kept in the shared cache under the content
    stamp. `find` raises Http404 for no row readers may see (page_data's `claim_row` and the like).

    With the whole-page caches off or missed, the lookup query was about half of a detail page
    whose fragments were warm. Keyed on the stamp like every fragment, so no write can leave it
    stale; a miss, or a 404, reads the database as before.
    """
    named = f"{model._meta.label_lower}|{sorted(lookup.items())}|{request_stamp(request)}"
    cache_key = "stamped-row:" + hashlib.sha256(named.encode()).hexdigest()
    row = cache.get(cache_key)
    if row is None:
        row = find(**lookup)
        cache.set(cache_key, row, STAMPED_PAGE_SECONDS)
    return row
