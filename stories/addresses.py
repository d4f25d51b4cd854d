"""Reader page addresses, built without running the URL resolver for each one.

A story page links to about 150 claims, events, actors and updates, and reverse() for each was
close to a tenth of a render with every cache empty. Each URL name is reversed once per URL
configuration and script prefix, with sentinel arguments, and the sentinels are then replaced.

Reading the URL configuration and script prefix is itself most of the cost of an address (two
async-aware locals, 3 µs of 6), so `AddressesMiddleware` reads them once per request.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# Values the URL converters accept (<int:pk>, <slug:slug>) and no real address contains; the
# positional ones are digits, which both converters accept.
SENTINELS = {"pk": "987654321987", "slug": "x-sentinel-slug-x"}
POSITIONAL = tuple(f"98765432199{n}" for n in range(4))

# (URL configuration, script prefix) of the request being answered, if any.
_request_base: ContextVar[tuple[str, str] | None] = ContextVar("reader_address_base", default=None)


@lru_cache(maxsize=256)
def _pattern(name: str, keys: tuple, urlconf: str, prefix: str) -> tuple[str, tuple[str, ...]]:
    """The address of `name` with sentinels for its arguments, and the sentinels in order."""
    if keys and isinstance(keys[0], int):
        sentinels = POSITIONAL[: len(keys)]
        address = reverse(name, urlconf=urlconf, args=sentinels)
    else:
        sentinels = tuple(SENTINELS[key] for key in keys)
        address = reverse(name, urlconf=urlconf, kwargs=dict(zip(keys, sentinels)))
    if any(address.count(sentinel) != 1 for sentinel in sentinels):
        raise ValueError(f"{name}: a sentinel appears other than once in {address}")
    return address, sentinels


def _base() -> tuple[str, str]:
    return _request_base.get() or (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    # As reverse() quotes them. A page repeats a few slugs (its story's) dozens of times.
    return quote(text, safe="-._~")


def _fill(address: str, sentinels: tuple[str, ...], values) -> str:
    for sentinel, value in zip(sentinels, values):
        text = str(value) if value.__class__ is int else _quoted(str(value))
        address = address.replace(sentinel, text)
    return address


def reader_url(name: str, **kwargs) -> str:
    """reverse(name, kwargs=kwargs) for the reader's pk and slug arguments, as reverse() quotes them."""
    keys = tuple(kwargs)
    address, sentinels = _pattern(name, keys, *_base())
    return _fill(address, sentinels, kwargs.values())


def address(name: str, *args) -> str:
    """reverse(name, args=args), for templates' url(): the same shortcut, arguments by position."""
    address, sentinels = _pattern(name, tuple(range(len(args))), *_base())
    return _fill(address, sentinels, args)


class AddressesMiddleware:
    """Reads the URL configuration and script prefix once per request for the addresses above
    (the URL configuration a request is resolved with: its own `urlconf`, else the root one)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _request_base.set(
            (getattr(request, "urlconf", None) or settings.ROOT_URLCONF, get_script_prefix())
        )
        try:
            return self.get_response(request)
        finally:
            _request_base.reset(token)
