"""Caching of reader pages. Keys are made of what the content depends on, so nothing needs
invalidating; the layers, outermost first:

- `page_cache`: whole public responses for NEWSROOM_PAGE_CACHE_SECONDS (default 1 s), in each
  worker's memory. It absorbs a breaking-news spike without even a query; the second bounds how
  late a change can show.
- `stamped_page`: whole responses keyed on the URL and the site's content stamp (`site_stamp()`,
  one query of index seeks), kept until anything readers can see changes, in the shared cache
  (Redis when REDIS_URL is set) and, as a key's page never changes, in the worker's memory too.
- `shared_for_a_moment`: immutable answers (the live poll's state and bodies) kept in the worker's
  memory for NEWSROOM_POLL_STATE_SECONDS, handed out as they are.
- sections and fragments (the `cached_fragment` tag) keyed on the story's content stamp and on
  each object's version, so re-rendering after a change reuses everything that did not change.

Preview and other staff-only views are never wrapped; they send `private, no-store`.
"""

from __future__ import annotations

import hashlib
import time
import weakref
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpResponse
from django.middleware.cache import CacheMiddleware
from django.utils.cache import get_conditional_response


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

STAMPED_MODELS = ("Story", "Update", "Event", "Claim", "Actor", "Source")
# Rows without their own updated_at whose creation readers see (a new citation, correction or
# verification step); each is saved beside its parent, but their ids make the stamp certain.
APPENDED_MODELS = ("Citation", "Correction", "ClaimStatusChange")
# A stamped page is kept this long at most, so a write that bypassed every stamp (a raw SQL
# fix, say) still reaches readers in bounded time.
STAMPED_PAGE_SECONDS = 600


_SENTINEL = datetime(1901, 1, 1, tzinfo=UTC)
# Per database vendor: the stamp's SQL, its parameters, and which of them are "now".
_compiled: dict[str, tuple[str, list, list[int]]] = {}
# Connections (Django's per-thread wrappers) whose current database session holds the prepared
# stamp statement; a new session (reconnect, CONN_MAX_AGE) drops out through connection_created.
_prepared_on: weakref.WeakSet = weakref.WeakSet()
PREPARED_STAMP = "newsroom_site_stamp"


def _stamp_sql(connection) -> tuple[str, list, list[int]]:
    """The stamp's SQL, compiled once per database: compiling fifteen subqueries costs more than
    running them. Also returns the positions of the parameters that take `now` on each call."""
    from django.apps import apps

    from .models import PublicationStatus

    parts = []
    for name in STAMPED_MODELS:
        model = apps.get_model("stories", name)
        parts.append(model.objects.order_by("-updated_at").values("updated_at")[:1])
        parts.append(
            model.objects.filter(status=PublicationStatus.PUBLISHED, published_at__gt=_SENTINEL)
            .order_by("published_at").values("published_at")[:1]
        )
    for name in APPENDED_MODELS:
        parts.append(apps.get_model("stories", name).objects.order_by("-pk").values("pk")[:1])
    selects, params = [], []
    for queryset in parts:
        sql, part_params = queryset.query.sql_with_params()
        selects.append(f"({sql})")
        params.extend(part_params)
    sentinel = connection.ops.adapt_datetimefield_value(_SENTINEL)
    now_at = [position for position, param in enumerate(params) if param == sentinel]
    return "SELECT " + ", ".join(selects), params, now_at


def _uses_prepared_stamp(connection) -> bool:
    # Behind a transaction-pooling proxy a session's prepared statements are not its own; Django
    # asks for DISABLE_SERVER_SIDE_CURSORS there, so that setting turns preparing off too.
    return connection.vendor == "postgresql" and not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")


def _prepare_stamp(connection, cursor, sql: str, params: list, now_at: list[int]) -> None:
    """PREPARE the stamp once per PostgreSQL session. Planning fifteen subqueries is three
    quarters of the query's cost there (pgbench: 0.8 ms planned each time, 0.1 ms prepared)."""
    pieces = sql.split("%s")
    text = pieces[0]
    fixed = []
    for position, (param, piece) in enumerate(zip(params, pieces[1:], strict=True)):
        if position in now_at:
            text += "$1"
        else:
            text += "%s"
            fixed.append(param)
        text += piece
    cursor.execute(f"PREPARE {PREPARED_STAMP}(timestamptz) AS {text}", fixed)
    _prepared_on.add(connection)


@receiver(connection_created)
def _forget_prepared_stamp(sender, connection, **kwargs):
    _prepared_on.discard(connection)


def site_stamp() -> str:
    """Changes whenever anything readers can see anywhere changes: one query of index seeks.

    The newest `updated_at` of every publishable model, the next scheduled publication of each
    (so scheduled content counts as changed once it is due), and the newest id of the rows that
    are only ever appended.
    """
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.utils import timezone

    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor not in _compiled:
        _compiled[connection.vendor] = _stamp_sql(connection)
    sql, params, now_at = _compiled[connection.vendor]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if _uses_prepared_stamp(connection):
            if connection not in _prepared_on:
                _prepare_stamp(connection, cursor, sql, params, now_at)
            cursor.execute(f"EXECUTE {PREPARED_STAMP}(%s)", [now])
        else:
            call_params = list(params)
            for position in now_at:
                call_params[position] = now
            cursor.execute(sql, call_params)
        return "|".join(map(str, cursor.fetchone()))


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
        fingerprint = f"{request.build_absolute_uri()}|{site_stamp()}"
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
