"""What every call to the public API goes through: who is calling, how many
calls they have left, and the headers browsers need to call from any site.

It is one middleware over /api/ (the newsroom's /api/v1/admin/ has its own
tokens and guard), so the search endpoint, the read API, open data and the
inbound API share it without their handlers knowing:

- A caller is a partner key (`Authorization: Bearer pk_...`) or, without
  one, the client address. An unknown or revoked key is refused with 401,
  never quietly read as anonymous. (A staff member's personal token,
  pat_..., belongs to /api/v1/admin/; elsewhere it counts as no key.)
- Rate limits are token buckets per caller: `api.anonymous_per_minute` per
  address, `api.key_per_minute` per key. Over the limit: 429 with
  Retry-After. Every answer says where the caller stands (RateLimit-*).
- Public reads allow any origin (CORS with "*", so browsers send no cookies
  and nothing private can leak) and answer preflight requests; writes
  (/api/v1/inbound/) are for servers, not browsers, and allow none.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass, field

from aiohttp import web

from appliance.app import CONFIG, DB
from appliance.i18n import gettext as _
from appliance.i18n import negotiate, set_language
from appliance.security import client_address

from appliance import tokens

from . import partners
from .partners import Partner

log = logging.getLogger("portal.feeds")

API_PREFIX = "/api/"
ADMIN_PREFIX = "/api/v1/admin"
INBOUND_PREFIX = "/api/v1/inbound"
API_LANGUAGES = ("en", "vi", "km")
EXPOSED = ("ETag, Link, Retry-After, RateLimit-Limit, RateLimit-Remaining, "
           "RateLimit-Reset")
ALLOWED_HEADERS = "Authorization, Accept-Language, If-None-Match"
PREFLIGHT_MAX_AGE = 86400
# Buckets kept in memory at most; full (idle) ones are dropped first.
MAX_BUCKETS = 50_000


@dataclass
class Bucket:
    tokens: float
    stamp: float


@dataclass
class Limiter:
    """Token buckets: each caller may burst up to `per_minute` calls, and
    gets them back at an even pace over a minute."""

    per_minute: int
    buckets: dict[str, Bucket] = field(default_factory=dict)

    def take(self, key: str, now: float | None = None) -> tuple[bool, int, int]:
        """(allowed, calls left, seconds): refused, the seconds until the next
        call is allowed; allowed, until the whole allowance is back (what
        RateLimit-Reset tells)."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= MAX_BUCKETS:
                self._prune(now)
            bucket = self.buckets[key] = Bucket(float(self.per_minute), now)
        bucket.tokens = min(self.per_minute, bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True, int(bucket.tokens), math.ceil((self.per_minute - bucket.tokens) / rate)
        return False, 0, max(1, math.ceil((1 - bucket.tokens) / rate))

    def _prune(self, now: float) -> None:
        rate = self.per_minute / 60
        for key, bucket in list(self.buckets.items()):
            if bucket.tokens + (now - bucket.stamp) * rate >= self.per_minute:
                del self.buckets[key]
        if len(self.buckets) >= MAX_BUCKETS:  # a flood of new addresses
            self.buckets.clear()


@dataclass
class Gate:
    anonymous: Limiter
    keyed: Limiter
    # When each key's use was last written down, by hash of the key.
    touched: dict[str, float] = field(default_factory=dict)

    def use_is_due(self, secret: str) -> bool:
        digest = hashlib.sha256(secret.encode()).hexdigest()
        now = time.monotonic()
        last = self.touched.get(digest)
        if last is not None and now - last < partners.TOUCH_EVERY_SECONDS:
            return False
        if len(self.touched) >= MAX_BUCKETS:
            self.touched.clear()
        self.touched[digest] = now
        return True


GATE = web.AppKey("api_gate", Gate)
PARTNER = web.RequestKey("api_partner", Partner)
_STANDING = web.RequestKey("api_rate_standing", tuple)


def is_public_read(path: str) -> bool:
    """Addresses any site's scripts may read."""
    return (path.startswith(API_PREFIX) and not is_admin(path)
            and not path.startswith(INBOUND_PREFIX))


def is_admin(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def bearer(header: str) -> str | None:
    scheme, _space, secret = header.strip().partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and secret else None


@web.middleware
async def api_gate(request: web.Request, handler) -> web.StreamResponse:
    if not request.path.startswith(API_PREFIX) or is_admin(request.path):
        return await handler(request)
    set_language(negotiate(request.headers.get("Accept-Language"), API_LANGUAGES))
    if request.method == "OPTIONS" and is_public_read(request.path):
        return _preflight()

    config = request.app[CONFIG]
    gate = request.app[GATE]
    address = client_address(request, config["server.trust_proxy"])
    secret = bearer(request.headers.get("Authorization", ""))
    if secret is None or secret.startswith(tokens.PREFIX):
        # Personal tokens are the newsroom API's; a program that sends its
        # token everywhere reads the public API as anyone does.
        _count(request, gate.anonymous, f"address:{address}")
        return await handler(request)

    partner = await request.app[DB].read(partners.key_partner, secret)
    if partner is None:
        _count(request, gate.anonymous, f"address:{address}")
        log.info("api key refused", extra={"path": request.path})
        raise web.HTTPUnauthorized(
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
            text=_("This API key is unknown or revoked. Ask the portal's "
                   "administrators for a new one, or call without a key."))
    request[PARTNER] = partner
    _count(request, gate.keyed, f"partner:{partner.id}")
    if gate.use_is_due(secret):
        await request.app[DB].write(partners.record_use, secret)
    return await handler(request)


def _count(request: web.Request, limiter: Limiter, key: str) -> None:
    allowed, left, wait = limiter.take(key)
    request[_STANDING] = (limiter.per_minute, left, wait)
    if not allowed:
        log.info("api rate limited", extra={"path": request.path,
                                            "keyed": key.startswith("partner:")})
        raise web.HTTPTooManyRequests(
            headers={"Retry-After": str(wait)},
            text=_("Too many requests: this client may make %(n)s a minute. "
                   "Wait %(seconds)s seconds, or ask for an API key, which "
                   "allows more.", n=limiter.per_minute, seconds=wait))


def _preflight() -> web.Response:
    return web.Response(status=204, headers={
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
    })


async def api_headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every answer from the gated API, errors included: the caller's
    standing, and for public reads the CORS headers."""
    standing = request.get(_STANDING)
    if standing is not None:
        limit, left, wait = standing
        response.headers["RateLimit-Limit"] = str(limit)
        response.headers["RateLimit-Remaining"] = str(left)
        response.headers["RateLimit-Reset"] = str(wait)
    if is_public_read(request.path):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
    elif _is_feed(request):
        response.headers.setdefault("Access-Control-Allow-Origin", "*")


def _is_feed(request: web.Request) -> bool:
    route = request.match_info.route.name if request.match_info else None
    return bool(route) and route.startswith(("feeds.kind_", "feeds.tag_", "feeds.json",
                                             "feeds.section_json"))


def setup_gate(app: web.Application) -> None:
    config = app[CONFIG]
    app[GATE] = Gate(Limiter(config["api.anonymous_per_minute"]),
                     Limiter(config["api.key_per_minute"]))
    app.middlewares.append(api_gate)
    app.on_response_prepare.append(api_headers)
