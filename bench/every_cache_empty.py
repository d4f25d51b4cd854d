"""Settings for the benchmark's "every cache empty" mode: the production settings with every
cache a DummyCache, the stamped pages and the time-based caches off. Each request then finds
nothing cached, as the first reader after a deploy, a flush or an edit does, and renders every
section and fragment from the database.

    DJANGO_SETTINGS_MODULE=bench.every_cache_empty gunicorn newsroom.wsgi
"""

from newsroom.settings import *  # noqa: F401,F403
from newsroom.settings import CACHES

CACHES = {alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"} for alias in CACHES}
NEWSROOM_STAMPED_PAGES = False
NEWSROOM_PAGE_CACHE_SECONDS = 0
NEWSROOM_POLL_STATE_SECONDS = 0
