"""The page cache in front of reader pages: whole responses for a second or so.

Two layers keep reader pages fast and never stale:
- fragments (the `cached_fragment` tag) are keyed on what they show: each object's version and
  the story's content stamp (`Story.content_stamp`), so any change is a new key, no invalidation;
- this page cache keeps whole public responses for NEWSROOM_PAGE_CACHE_SECONDS (default 1 s).
  It is what absorbs a breaking-news spike, and a second bounds how long a change can take to
  reach readers, including changes that no write announces (scheduled items coming due).
Preview and other staff-only views are never wrapped; they send `private, no-store`.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.middleware.cache import CacheMiddleware


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
            lambda inner: view(inner, *args, **kwargs), page_timeout=seconds, key_prefix="page"
        )
        return middleware(request)

    return wrapped
