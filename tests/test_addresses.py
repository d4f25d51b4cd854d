"""Reader addresses built without the resolver are exactly what reverse() gives."""

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from stories.addresses import address, reader_url

CASES = [
    ("stories:story-detail", {"slug": "us-china-trade-talks"}),
    ("stories:actor-detail", {"slug": "he-lifeng"}),
    ("stories:source-detail", {"slug": "reuters-2025-06-10"}),
    ("stories:claim-detail", {"pk": 7}),
    ("stories:event-detail", {"slug": "us-china-trade-talks", "pk": 12}),
    ("stories:update-detail", {"slug": "us-china-trade-talks", "pk": 987654}),
]


@pytest.mark.parametrize("prefix", ["/", "/newsroom/"])
@pytest.mark.parametrize("name, kwargs", CASES)
def test_links_on_reader_pages_are_the_addresses_django_would_give(name, kwargs, prefix):
    set_script_prefix(prefix)
    try:
        assert reader_url(name, **kwargs) == reverse(name, kwargs=kwargs)
        assert reader_url(name, **kwargs).startswith(prefix)
    finally:
        clear_script_prefix()


POSITIONAL_CASES = [
    ("stories:home", ()),
    ("stories:story-claims", ("us-china-trade-talks",)),
    ("stories:update-detail", ("us-china-trade-talks", 0)),
    ("stories:story-feed-atom", ("talks_2025-round-2",)),
]


@pytest.mark.parametrize("prefix", ["/", "/newsroom/"])
@pytest.mark.parametrize("name, args", POSITIONAL_CASES)
def test_template_links_by_position_are_the_addresses_django_would_give(name, args, prefix):
    set_script_prefix(prefix)
    try:
        assert address(name, *args) == reverse(name, args=args)
    finally:
        clear_script_prefix()


@pytest.mark.django_db
def test_each_request_links_under_its_own_script_prefix(client, settings):
    """The middleware reads the prefix once per request: every link on the page carries it, and
    the next request, served without it, carries none."""
    from stories.caching import clear_every_cache

    from .factories import make_claim

    claim = make_claim()
    settings.NEWSROOM_STAMPED_PAGES = False
    # Django keeps the static files' address with the prefix it first saw; setting STATIC_URL
    # here makes it forget that address now and again when the test ends.
    settings.STATIC_URL = "/static/"
    set_script_prefix("/newsroom/")
    try:
        html = client.get(f"/claims/{claim.pk}/").content.decode()
    finally:
        clear_script_prefix()
    assert f'href="/newsroom/stories/{claim.story.slug}/"' in html and 'href="/newsroom/"' in html
    clear_every_cache()  # fragments are kept per address, not per script prefix: one per deployment
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    assert f'href="/stories/{claim.story.slug}/"' in html and '"/newsroom/stories/' not in html
