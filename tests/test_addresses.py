"""Reader addresses built without the resolver are exactly what reverse() gives."""

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from stories.addresses import reader_url

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
