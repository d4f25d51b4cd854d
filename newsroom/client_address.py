"""The address of the client that sent a request, read the way the deployment says to.

Sign-in throttling (django-axes, `AXES_CLIENT_IP_CALLABLE`) keys on it. Behind a TLS-terminating
proxy every request connects from the proxy, so the connecting address alone would make five
wrong passwords from anyone lock everyone out; but `X-Forwarded-For` is written by whoever sends
the request, so only the hops that trusted proxies appended can be believed. Reading it from the
right, each proxy vouches for the address one step further left:

- `NEWSROOM_TRUSTED_PROXIES` (env `DJANGO_TRUSTED_PROXIES`: addresses or networks): step left
  while the address in hand is one of them;
- `NEWSROOM_PROXY_COUNT` (env `DJANGO_PROXY_COUNT`): step left at most that many times (with
  both set, each step also needs a trusted address).

With neither set (the default) the header is ignored and the connecting address is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request) -> str | None:
    """The client's address: the connecting one, or the hop the trusted proxies vouch for."""
    current = request.META.get("REMOTE_ADDR")
    count = settings.NEWSROOM_PROXY_COUNT
    trusted = _networks(tuple(settings.NEWSROOM_TRUSTED_PROXIES))
    if not count and not trusted:
        return current
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    steps = 0
    while hops and (not count or steps < count) and (not trusted or _is_in(current, trusted)):
        hop = hops.pop()
        if _address(hop) is None:
            break  # a proxy we trust would not append this: keep the last address it vouched for
        current, steps = hop, steps + 1
    return current


def _address(text: str | None):
    try:
        return ipaddress.ip_address(text or "")
    except ValueError:
        return None


def _is_in(text: str | None, networks: tuple[Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
