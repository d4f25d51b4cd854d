import pytest
from django.conf import settings


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
    from django.test import Client

    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def as_reporter(reporter):
    from django.test import Client

    client = Client()
    client.force_login(reporter)
    return client
