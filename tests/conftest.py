import pytest
from django.conf import settings


def pytest_configure(config):
    # whitenoise warns on every request when STATIC_ROOT is missing (before collectstatic).
    if settings.configured:
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
