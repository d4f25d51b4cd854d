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
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.middleware.cache import CacheMiddleware
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response

from .stamps import request_stamp


def page_cache(view):
    """Serve the view's GET responses from the shared cache for NEWSROOM_PAGE_CACHE_SECONDS."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.NEWSROOM_PAGE_CACHE_SECONDS
        if not seconds or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        # Django's own cache middleware: keys on the full URL and Vary headers, stores only
        # cacheable 200s without private/no-store, and sets max-age to match.
        middleware = CacheMiddleware(
            lambda inner: view(inner, *args, **kwargs), page_timeout=seconds, key_prefix="page",
            cache_alias="local",
        )
        return middleware(request)

    return wrapped


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


def clear_every_cache() -> None:
    """Empty every layer in this process: the configured caches and the worker's memos. Never
    needed for correctness (keys change with content); tests and the benchmark use it for cold
    renders."""
    for alias in settings.CACHES:
        caches[alias].clear()
    moment_memo.clear()
    stamped_pages_here.clear()


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
    ETag is kept with it and If-None-Match is honoured on a hit; a page that sets cookies or says
    private/no-store is never stored. (Every view wrapped renders one format per URL.)
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not settings.NEWSROOM_STAMPED_PAGES:
            return view(request, *args, **kwargs)
        fingerprint = f"{request.build_absolute_uri()}|{request_stamp(request)}"
        key = "stamped-page:" + hashlib.sha256(fingerprint.encode()).hexdigest()
        stored = stamped_pages_here.get(key)
        if stored is None and (stored := cache.get(key)) is not None:
            stamped_pages_here.set(key, stored, STAMPED_PAGE_SECONDS)
        if stored is not None:
            response = HttpResponse(stored["content"], content_type=stored["content_type"])
            for name, value in stored["headers"].items():
                response[name] = value
            return get_conditional_response(request, etag=stored["headers"].get("ETag"), response=response) or response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        cache_control = response.get("Cache-Control", "")
        if (
            response.status_code == 200 and not response.streaming and not response.cookies
            and "private" not in cache_control and "no-store" not in cache_control
        ):
            headers = {name: response[name] for name in ("ETag", "Cache-Control", "Vary", "Allow") if response.has_header(name)}
            stored = {"content": response.content, "content_type": response["Content-Type"], "headers": headers}
            cache.set(key, stored, STAMPED_PAGE_SECONDS)
            stamped_pages_here.set(key, stored, STAMPED_PAGE_SECONDS)
        return response

    return wrapped


def stamped_row(request, model, find, /, **lookup):
    """find(**lookup): the row a reader page is about, kept in the shared cache under the content
    stamp. `find` raises Http404 for no row readers may see (see `row_in`).

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


def row_in(queryset):
    """A `find` for stamped_row: get_object_or_404(queryset(), **lookup), the QuerySet built only
    on a miss (building it was a fifth of a detail page served from its fragments)."""
    return lambda **lookup: get_object_or_404(queryset(), **lookup)
