"""Fetching a web page the desk asked for, on the server, with every limit a stranger's address needs.

An editor's address is untrusted input that makes this server open a connection, so the fetch
is bounded in every direction: connect and read timeouts and an overall deadline, a byte limit
applied while streaming (to the decoded body, so a gzip bomb stops early too), HTML or plain
text only, and a fixed number of redirects, each a new address checked from scratch.

Addresses: a name is resolved once and each address is checked before connecting to exactly
that address, so a name that resolves to a public address when checked and a private one when
connecting (DNS rebinding) cannot slip through. Only globally routable addresses are allowed;
loopback, private, link-local (the cloud metadata service), shared and reserved ranges are
refused unless `NEWSROOM_FETCH_ALLOW_PRIVATE` is on, or the address is in one of the networks
`NEWSROOM_FETCH_ALLOWED_NETWORKS` names (a desk's own intranet, the tests' local server).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError, TimeoutError as URLLibTimeout

PAGE_TYPES = {"text/html", "application/xhtml+xml", "text/plain"}
REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024
USER_AGENT = "Newsroom desk fetcher (an editor added this page as a source)"


class FetchError(Exception):
    """A page that could not be fetched; the message says why, in words an editor can act on."""


class RefusedAddress(FetchError):
    """The address is not one this server may connect to."""


@dataclass(frozen=True)
class FetchedPage:
    requested_url: str
    url: str  # where the page was finally found, after redirects
    content_type: str  # as the server sent it, parameters included
    media_type: str  # "text/html", "text/plain" …
    charset: str | None
    body: bytes


def fetch_page(*, url: str) -> FetchedPage:
    """Fetch `url` (following a bounded number of redirects) or raise FetchError saying why not."""
    deadline = time.monotonic() + settings.NEWSROOM_FETCH_DEADLINE
    seen = {url}
    current = url
    with urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=settings.NEWSROOM_FETCH_TIMEOUT, read=settings.NEWSROOM_FETCH_TIMEOUT),
        retries=False,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html, application/xhtml+xml, text/plain;q=0.9",
                 "Accept-Encoding": "gzip, deflate"},
    ) as client:
        client.pool_classes_by_scheme = {"http": CheckedHTTPPool, "https": CheckedHTTPSPool}
        for _ in range(settings.NEWSROOM_FETCH_MAX_REDIRECTS + 1):
            _check_scheme(current)
            if time.monotonic() > deadline:
                raise FetchError(f"{url} took longer than {settings.NEWSROOM_FETCH_DEADLINE:g} seconds to reach.")
            response = _open(client, current)
            try:
                if response.status in REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(f"{current} redirects without saying where to.")
                    target = urljoin(current, location)
                    if target in seen:
                        raise FetchError(f"{current} redirects in a loop (back to {target}).")
                    seen.add(target)
                    current = target
                    continue
                return _read_page(response, requested=url, url=current, deadline=deadline)
            finally:
                # Closed, not returned to the pool: a redirect's unread body is never read.
                response.close()
    raise FetchError(
        f"{url} redirects more than {settings.NEWSROOM_FETCH_MAX_REDIRECTS} times; give the page's final address."
    )


def address_allowed(address: str) -> bool:
    """Whether this server may connect to `address` (an IP address as text)."""
    if settings.NEWSROOM_FETCH_ALLOW_PRIVATE:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is not part of it
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in ipaddress.ip_network(network) for network in settings.NEWSROOM_FETCH_ALLOWED_NETWORKS):
        return True
    return ip.is_global and not ip.is_multicast


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url} is not a web address (http:// or https://).")
    if parts.username or parts.password:
        raise FetchError(f"{url} carries a user name or password; give the page's public address.")


def _open(client: urllib3.PoolManager, url: str) -> urllib3.BaseHTTPResponse:
    # A refused address raises FetchError from inside the connection, straight through urllib3.
    try:
        return client.request("GET", url, preload_content=False, redirect=False)
    except NewConnectionError as error:
        raise FetchError(f"Could not connect to {urlsplit(url).hostname}: {_reason(error)}.") from None
    except URLLibTimeout:
        raise FetchError(f"{urlsplit(url).hostname} did not answer within {settings.NEWSROOM_FETCH_TIMEOUT:g} seconds.") from None
    except HTTPError as error:
        raise FetchError(f"Could not fetch {url}: {_reason(error)}.") from None


def _read_page(response, *, requested: str, url: str, deadline: float) -> FetchedPage:
    if response.status >= 400:
        raise FetchError(f"{url} answered {response.status} {response.reason or ''}".rstrip() + ": there is no page to read there.")
    if response.status != 200:
        raise FetchError(f"{url} answered {response.status}, not a page.")
    content_type = response.headers.get("Content-Type", "")
    media_type, _, params = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type not in PAGE_TYPES:
        raise FetchError(
            f"{url} is {media_type or 'of no stated type'}, not a web page or plain text: "
            "download it and paste or upload its text instead."
        )
    limit = settings.NEWSROOM_FETCH_MAX_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(_too_large(url, limit))
    body = bytearray()
    try:
        for chunk in response.stream(CHUNK, decode_content=True):
            body += chunk
            if len(body) > limit:
                raise FetchError(_too_large(url, limit))
            if time.monotonic() > deadline:
                raise FetchError(f"{url} took longer than {settings.NEWSROOM_FETCH_DEADLINE:g} seconds to send.")
    except URLLibTimeout:
        raise FetchError(f"{url} stopped sending for {settings.NEWSROOM_FETCH_TIMEOUT:g} seconds.") from None
    except (ProtocolError, HTTPError) as error:
        raise FetchError(f"{url} broke off while sending: {_reason(error)}.") from None
    return FetchedPage(
        requested_url=requested, url=url, content_type=content_type.strip(), media_type=media_type,
        charset=_charset(params), body=bytes(body),
    )


def _too_large(url: str, limit: int) -> str:
    return f"{url} is larger than {filesizeformat(limit)}, the most the desk fetches."


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').lower()
    return None


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    text = str(reason)
    return text.split(": ", 1)[-1] if "object at 0x" in text else text


def _connect_checked(host: str, port: int, timeout, source_address, socket_options) -> socket.socket:
    """Resolve `host` once and connect to the first of its addresses this server may reach."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(f"{host} does not resolve to an address ({error.strerror}).") from None
    refused, last_error = [], None
    for family, kind, proto, _, address in found:
        if not address_allowed(address[0]):
            refused.append(address[0])
            continue
        sock = socket.socket(family, kind, proto)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(address)  # exactly the address checked above
            return sock
        except OSError as error:
            last_error = error
            sock.close()
    if refused and last_error is None:
        raise RefusedAddress(
            f"{host} is a private or local address ({', '.join(sorted(set(refused)))}): the desk only fetches "
            "pages on the public web."
        )
    raise last_error or FetchError(f"{host} has no address to connect to.")


class CheckedConnectionMixin:
    def _new_conn(self) -> socket.socket:
        try:
            return _connect_checked(self._dns_host, self.port, self.timeout, self.source_address, self.socket_options)
        except FetchError:
            raise
        except socket.timeout as error:
            raise urllib3.exceptions.ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from error
        except OSError as error:
            raise NewConnectionError(self, f"Failed to establish a new connection: {error}") from error


class CheckedHTTPConnection(CheckedConnectionMixin, HTTPConnection):
    pass


class CheckedHTTPSConnection(CheckedConnectionMixin, HTTPSConnection):
    pass


class CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection
