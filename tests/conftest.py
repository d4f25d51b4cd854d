import io
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.management import call_command


def pytest_configure(config):
    config.addinivalue_line("markers", "load: starts gunicorn and drives it with readers and editors (bench/load.py)")
    # whitenoise warns on every request when STATIC_ROOT is missing (before collectstatic).
    if settings.configured:
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _page_and_poll_caches_off(settings):
    """Tests change data and look at once; the one-second page and poll caches have their own tests."""
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0
    settings.NEWSROOM_POLL_STATE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_cache():
    from stories.caching import clear_every_cache

    clear_every_cache()
    yield
    clear_every_cache()


@pytest.fixture
def editor(db):
    """A member of the Editor group: publishes, verifies, reviews, merges."""
    from .factories import make_staff

    return make_staff("Editor")


@pytest.fixture
def reporter(db):
    """A member of the Reporter group: drafts and proposes."""
    from .factories import make_staff

    return make_staff("Reporter")


@pytest.fixture
def as_editor(editor):
    """A browser-like client signed in as an editor."""
    from .factories import client_for

    return client_for(editor)


@pytest.fixture
def as_reporter(reporter):
    from .factories import client_for

    return client_for(reporter)


class LocalSite:
    """Pages served from a real HTTP server on 127.0.0.1, for the desk's fetcher to fetch.

    `site.page("/a", body, content_type=…, status=…, headers=…, delay=…)` sets what a path answers;
    `site.url("/a")` is its address. A delay sleeps before answering (for timeouts)."""

    def __init__(self):
        import http.server
        import threading

        self.pages: dict[str, tuple] = {}
        self.requested: list[str] = []  # every path asked for, in order
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                import time

                site.requested.append(self.path)
                status, headers, body, delay = site.pages.get(self.path, (404, {"Content-Type": "text/plain"}, b"Not found", 0))
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the fetcher gave up first, as it should

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def page(self, path, body=b"", *, content_type="text/html; charset=utf-8", status=200, headers=None, delay=0):
        body = body.encode() if isinstance(body, str) else body
        self.pages[path] = (status, {"Content-Type": content_type, **(headers or {})}, body, delay)
        return self.url(path)

    def redirect(self, path, to, status=302, delay=0):
        self.pages[path] = (status, {"Location": to, "Content-Type": "text/plain"}, b"", delay)
        return self.url(path)

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local_site(settings):
    """A local web server the fetcher may reach (NEWSROOM_FETCH_ALLOW_PRIVATE on)."""
    settings.NEWSROOM_FETCH_ALLOW_PRIVATE = True
    site = LocalSite()
    yield site
    site.close()


# --- Browser tests (Chromium through Playwright) ---------------------------------------------------


@pytest.fixture
def london_story(transactional_db):
    """The seeded London story with a few live updates, as readers see it mid-talks."""
    from stories.models import Claim, Story
    from tests.factories import SEED_STORY, make_update

    call_command("import_seeds", stdout=io.StringIO())
    story = Story.objects.get(slug=SEED_STORY)
    story.key_developments = (
        "US and Chinese delegations meet for a second day at Lancaster House.\n"
        "Commerce Secretary Lutnick says the talks are going well.\n"
        "China’s exports to the US fell 34.5% in May."
    )
    story.save()
    first = make_update(
        story=story, headline="Talks open at Lancaster House", posted_at=datetime(2025, 6, 9, 11, 0, tzinfo=UTC),
        body="Top US and Chinese officials began a second round of trade talks in London.",
    )
    first.events.add(*story.events.filter(title__startswith="Second round"))
    second = make_update(
        story=story, headline="Lutnick: talks are going well", posted_at=datetime(2025, 6, 10, 9, 0, tzinfo=UTC),
        body="The US Commerce Secretary said the delegations were spending lots of time together.",
        is_pinned=True,
    )
    second.claims.add(*Claim.objects.filter(natural_key__endswith="lutnick-talks-going-well"))
    third = make_update(
        story=story, headline="Exports to the US fell 34.5% in May", posted_at=datetime(2025, 6, 10, 13, 15, tzinfo=UTC),
        body="China’s exports to the US had their steepest drop since the Covid lockdowns.",
    )
    third.claims.add(*Claim.objects.filter(natural_key__endswith="china-exports-to-us-fell"))
    return story


@pytest.fixture
def browser(london_story, monkeypatch):
    # Playwright runs an event loop in this thread; the data is already written, and the live
    # server answers from its own thread, so Django's async-safety guard can stand down here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    from tests.factories import ARTIFACTS, CHROMIUM

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield chromium
        chromium.close()
