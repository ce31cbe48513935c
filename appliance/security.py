"""Security by default: headers on every response, CSRF tokens, rate limits."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import secrets
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from aiohttp_session import Session, get_session

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# No outside host by default; administrators' exceptions arrive in a later
# release and widen exactly these directives.
PUBLIC_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The rich-text editor sets inline styles while editing; only staff pages allow it.
ADMIN_CSP = PUBLIC_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class PublicPolicy:
    """The public pages' policy now: PUBLIC_CSP widened for exactly the
    outside snippets an administrator turned on (appliance.slots)."""

    def __init__(self) -> None:
        self.csp = PUBLIC_CSP


PUBLIC_POLICY = web.AppKey("public_policy", PublicPolicy)
# Strict-Transport-Security sent over HTTPS (tls.setup picks it from the config).
HSTS = web.AppKey("hsts", str)
HSTS_SITE = "max-age=31536000"
HSTS_SUBDOMAINS = "max-age=31536000; includeSubDomains"

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects travel as exceptions
        apply_headers(request, exc.headers)
        raise
    apply_headers(request, response.headers)
    return response


def apply_headers(request: web.Request, headers) -> None:
    is_admin = request.path.startswith("/admin")
    public_policy = request.config_dict.get(PUBLIC_POLICY)
    public = public_policy.csp if public_policy is not None else PUBLIC_CSP
    policy = headers.setdefault("Content-Security-Policy",
                                ADMIN_CSP if is_admin else public)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if "frame-ancestors 'none'" in policy:
        # A page that sets its own frame-ancestors (the news widgets) may be
        # framed by those origins; X-Frame-Options cannot name them.
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.secure:
        headers.setdefault("Strict-Transport-Security",
                           request.config_dict.get(HSTS, HSTS_SITE))
    if is_admin:
        headers.setdefault("Cache-Control", "no-store")


# -- CSRF ---------------------------------------------------------------------

async def csrf_token(request: web.Request) -> str:
    """The session's CSRF token, created on first use."""
    session = await get_session(request)
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def is_site_path(value: object) -> bool:
    """True for a path on this site ("/vi/..."): not another host ("//host",
    "/\\host", which browsers read alike), no scheme, no control characters."""
    if not isinstance(value, str) or not value.startswith("/"):
        return False
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in value):
        return False
    return not value.startswith("//")


def csrf_matches(session: Session, supplied: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and supplied and hmac.compare_digest(expected, supplied))


async def read_form(request: web.Request, max_bytes: int | None = None):
    """The posted form; a body that is not one (bytes that are not UTF-8, a
    multipart body without its boundary) is the sender's mistake: 400.

    With max_bytes, a longer body (or one of unstated length) is refused
    unread: forms of the public site carry a few kilobytes of text."""
    if max_bytes is not None and (request.content_length is None
                                  or request.content_length > max_bytes):
        raise web.HTTPRequestEntityTooLarge(max_size=max_bytes,
                                            actual_size=request.content_length or 0)
    try:
        return await request.post()
    except ValueError:  # UnicodeDecodeError included
        raise web.HTTPBadRequest() from None


async def check_csrf(request: web.Request, form=None) -> None:
    """Refuse a state-changing request whose token does not match the session's."""
    session = await get_session(request)
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None:
        form = form if form is not None else await read_form(request)
        supplied = form.get(CSRF_FIELD)
    if not csrf_matches(session, supplied if isinstance(supplied, str) else None):
        raise web.HTTPForbidden(reason="csrf", text="csrf")


# -- rate limits --------------------------------------------------------------

class RateLimiter:
    """Counts events per key in a sliding window; in memory, one process.

    When whether an event counts is known only after an await (a login fails
    only after its password check), take a turn on the key: checking, the
    await and counting then happen one request at a time, so a burst sent
    in parallel cannot slip past the limit.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}
        self._turns: dict[str, asyncio.Lock] = {}
        self._waiting: Counter[str] = Counter()

    @contextlib.asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        lock = self._turns.setdefault(key, asyncio.Lock())
        self._waiting[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._turns[key]

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def blocked(self, key: str, limit: int | None = None) -> bool:
        """Whether the key has had `limit` (default: the limiter's) events
        within the window."""
        return len(self._recent(key, time.monotonic())) >= (limit or self.limit)

    def hit(self, key: str) -> None:
        now = time.monotonic()
        self._recent(key, now).append(now)
        if len(self._events) > 10_000:
            self._prune(now)

    def reset(self, key: str) -> None:
        self._events.pop(key, None)

    def _prune(self, now: float) -> None:
        for key in list(self._events):
            if not self._recent(key, now):
                del self._events[key]


def client_address(request: web.Request, trust_proxy: object = None) -> str:
    """The client's address, for rate limits and the audit trail only (never
    logged). Forwarded headers from trusted proxies were already applied by
    appliance.proxy; `trust_proxy` is accepted for older callers and unused."""
    return request.remote or "unknown"
