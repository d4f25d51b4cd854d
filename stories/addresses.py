"""Reader page addresses, built without running the URL resolver for each one.

A story page links to about 150 claims, events, actors and updates, and reverse() for each was
close to a tenth of a render with every cache empty. Each URL name is reversed once per URL
configuration and script prefix, with sentinel arguments, and the sentinels are then replaced.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# Values the URL converters accept (<int:pk>, <slug:slug>) and no real address contains.
SENTINELS = {"pk": "987654321987", "slug": "x-sentinel-slug-x"}


@lru_cache(maxsize=128)
def _pattern(name: str, keys: tuple[str, ...], urlconf: str, prefix: str) -> str:
    address = reverse(name, urlconf=urlconf, kwargs={key: SENTINELS[key] for key in keys})
    if any(address.count(SENTINELS[key]) != 1 for key in keys):
        raise ValueError(f"{name}: a sentinel appears other than once in {address}")
    return address


def reader_url(name: str, **kwargs) -> str:
    """reverse(name, kwargs=kwargs) for the reader's pk and slug arguments, as reverse() quotes them."""
    address = _pattern(name, tuple(sorted(kwargs)), get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    for key, value in kwargs.items():
        address = address.replace(SENTINELS[key], quote(str(value), safe="-._~"))
    return address
