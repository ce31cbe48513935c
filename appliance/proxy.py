"""Behind a reverse proxy: the client's address and the scheme it used, taken
from X-Forwarded-For and X-Forwarded-Proto, but only when the request comes
from a proxy named in `server.trust_proxy`. Anyone else's forwarded headers
are ignored, so a client cannot choose the address its rate limits count
against, or pretend to have used HTTPS.

The middleware runs first, so everything after it (rate limits, the audit
trail, HSTS, the HTTPS redirect, secure cookies) sees the real client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from functools import lru_cache

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# `trust_proxy = true`, from before proxies were named, meant a proxy on the
# same server; it keeps meaning exactly that.
SAME_SERVER = ("127.0.0.0/8", "::1/128")


def networks(setting: bool | list[str]) -> tuple[Network, ...]:
    """The trusted networks a `server.trust_proxy` value names; raises
    ValueError on an entry that is not an address or a network."""
    if setting is True:
        return _parse(SAME_SERVER)
    if not setting:
        return ()
    return _parse(tuple(setting))


@lru_cache(maxsize=8)
def _parse(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 203.0.113.7:51000
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address | None, trusted: tuple[Network, ...]) -> bool:
    return address is not None and any(address in net for net in trusted)


def client_of(remote: str | None, forwarded_for: list[str],
              trusted: tuple[Network, ...]) -> str | None:
    """The client address: walking the chain from the nearest hop back, the
    first address that is not a trusted proxy. Entries left of it were
    written by the client and are never believed."""
    hops = [part for header in forwarded_for for part in header.split(",") if part.strip()]
    current = remote
    for hop in reversed(hops):
        if not _trusted(_address(current or ""), trusted):
            break
        address = _address(hop)
        if address is None:  # garbage from the client: the proxy is as far as we know
            break
        current = str(address)
    return current


def forwarded_headers(setting: Callable[[], bool | list[str]]):
    """The middleware; `setting` reads `server.trust_proxy` at each request."""

    @web.middleware
    async def middleware(request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                         ) -> web.StreamResponse:
        trusted = networks(setting())
        if trusted and _trusted(_address(request.remote or ""), trusted):
            changes: dict[str, str] = {}
            client = client_of(request.remote, request.headers.getall("X-Forwarded-For", []),
                               trusted)
            if client and client != request.remote:
                changes["remote"] = client
            # The nearest proxy's word: it wrote the last value.
            proto = request.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip().lower()
            if proto in ("http", "https") and proto != request.scheme:
                changes["scheme"] = proto
            if changes:
                request = request.clone(**changes)
        return await handler(request)

    return middleware
