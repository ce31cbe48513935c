"""Signing in and out of the newsroom, and the guard in front of every page.

The session (an encrypted cookie) holds only the user id, the CSRF token and
the interface language. The account is read again on every request, so a
disabled user is signed out at once. Failed logins are counted per account
and per client address; one generic message never reveals which part was
wrong, and the password never reaches a log.

Concurrent attempts cannot outrun the count: an attempt is counted against
its account before anything awaits, and attempts from one address take turns
(see RateLimiter.turn), so a burst of guesses gets no more password checks than the
limit allows. The slow argon2 check runs in a worker thread, off the event
loop and off the database writer.

Staff with a second factor sign in in two steps: the right password leaves
the session waiting (not signed in) for a code from their authenticator app
or a recovery code, for five minutes at most, and codes are counted like
passwords. Staff whose role requires a second factor
(security.totp_required_roles) but who have none are sent to set one up
before any other page.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import NoReturn
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from aiohttp_session import Session, get_session, new_session

from appliance import audit, i18n, totp, users
from appliance.app import CONFIG, LOGIN_LIMITER
from appliance.errors import NotFoundError
from appliance.i18n import gettext as _
from appliance.security import check_csrf, client_address, csrf_token
from appliance.users import User, end_sessions, get_user

from .pages import (
    ADMIN_LANGUAGE,
    DASHBOARD,
    USER,
    field,
    posted_form,
    read,
    render,
    write,
)
from .permissions import with_duties

log = logging.getLogger("portal.newsroom")

# Pages open to visitors who are not signed in (route names).
OPEN_ROUTES = frozenset({"login", "login-code", "language", "static"})
LOGIN_PATH = "/admin/login"
CODE_PATH = "/admin/login/code"
ENROL_PATH = "/admin/profile/2fa"
# What staff who must set up a second factor may still reach before they do.
_BEFORE_ENROLMENT = frozenset({ENROL_PATH, "/admin/logout", "/admin/language"})
# How long the second step of a login waits for its code.
PENDING_SECONDS = 300
_LOGGABLE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,39}$")


@web.middleware
async def staff_only(request: web.Request, handler) -> web.StreamResponse:
    """Set the interface language and the user; send strangers to the login."""
    route = request.match_info.route
    if route.name == "static":
        return await handler(request)

    session = await get_session(request)
    i18n.set_language(session.get("lang") or ADMIN_LANGUAGE)
    trust_proxy = request.config_dict[CONFIG]["server.trust_proxy"]
    audit.acting_from(client_address(request, trust_proxy))
    user = await _signed_in_user(request, session)
    if user is not None:
        user = with_duties(user, request.config_dict[CONFIG])
    request[USER] = user
    refusal = request.match_info.http_exception
    if isinstance(refusal, web.HTTPMethodNotAllowed):
        # A wrong method is wrong for everyone; no need to sign in to learn it.
        raise refusal
    if user is None and route.name not in OPEN_ROUTES:
        _to_login(request)
    if (user is not None and request.path not in _BEFORE_ENROLMENT
            and await must_enrol(request, user)):
        raise web.HTTPSeeOther(ENROL_PATH)
    return await handler(request)


async def must_enrol(request: web.Request, user: User) -> bool:
    """Whether the user's role requires a second factor they have not set up."""
    required = request.config_dict[CONFIG]["security.totp_required_roles"]
    if user.role not in required:
        return False
    return not await read(request, totp.is_enabled, user.id)


def second_factor_key(request: web.Request):
    """The cipher that keeps authenticator secrets encrypted at rest."""
    return totp.cipher(request.config_dict[CONFIG].secrets["totp_key"])


async def _signed_in_user(request: web.Request, session: Session) -> User | None:
    user_id = session.get("uid")
    if user_id is None:
        return None
    try:
        user = await read(request, get_user, user_id)
    except NotFoundError:
        user = None
    if user is None or user.disabled:
        log.info("session ended", extra={"user": user_id, "reason": "account disabled"})
        _end_session(session)
        return None
    if session.get("sv") != user.session_version:
        # The account signed out (or changed password) since this cookie was made.
        log.info("session ended", extra={"user": user_id, "reason": "signed out"})
        _end_session(session)
        return None
    return user


def _end_session(session: Session) -> None:
    """Forget the user and the CSRF token; keep only the language choice."""
    lang = session.get("lang")
    session.invalidate()
    if lang:
        session["lang"] = lang


def _to_login(request: web.Request) -> NoReturn:
    if request.method == "GET":
        raise web.HTTPFound(f"{LOGIN_PATH}?" + urlencode({"next": request.path_qs}))
    raise web.HTTPSeeOther(LOGIN_PATH)


def safe_next(value: object, *, allow_login: bool = False) -> str:
    """A newsroom address to go to after signing in; anything that is not a
    plain local /admin path becomes the dashboard, so a crafted link cannot
    send staff to another site."""
    if not isinstance(value, str) or not value.startswith("/admin"):
        return DASHBOARD
    if any(ord(ch) < 0x20 or ch == "\\" for ch in value):
        return DASHBOARD
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return DASHBOARD
    if parts.path != "/admin" and not parts.path.startswith("/admin/"):
        return DASHBOARD
    if parts.path in ("/admin/logout",) or (
        parts.path == LOGIN_PATH and not allow_login
    ):
        return DASHBOARD
    return value


# -- handlers -----------------------------------------------------------------


async def login_page(request: web.Request) -> web.StreamResponse:
    target = safe_next(request.query.get("next"))
    if request[USER] is not None:
        raise web.HTTPFound(target)
    return await render(request, "login.html", {"next": target, "username": ""})


async def login(request: web.Request) -> web.StreamResponse:
    async with posted_form(request) as form:
        username = field(form, "username").strip()
        password = field(form, "password")
        target = safe_next(field(form, "next"))

    context = {"next": target, "username": username}
    account, address = _limit_keys(request, username)
    limiter = request.config_dict[LOGIN_LIMITER]
    per_address = request.config_dict[CONFIG]["security.login_attempts_per_address"]
    async with limiter.turn(address):
        if limiter.blocked(account) or limiter.blocked(address, per_address):
            log.warning(
                "login refused",
                extra={"username": _loggable(username), "reason": "too many failures"},
            )
            return await _too_many(request, context)
        # Counted before the first await, so concurrent attempts at one
        # account from many addresses all see it.
        limiter.hit(account)
        user = await _checked_user(request, username, password)
        if user is None:
            limiter.hit(address)

    if user is None:
        log.info("login failed", extra={"username": _loggable(username)})
        context["error"] = _("Wrong user name or password.")
        return await render(request, "login.html", context, status=401)

    # Only the account's counter is cleared: clearing the address's would let
    # anyone holding one account keep guessing at the others.
    limiter.reset(account)
    if await read(request, totp.is_enabled, user.id):
        await _await_code(request, user, target)
        log.info("login awaits code", extra={"username": user.username, "user": user.id})
        raise web.HTTPSeeOther(CODE_PATH)
    await _start_session(request, user)
    log.info("login", extra={"username": user.username, "user": user.id})
    raise web.HTTPSeeOther(target)


async def _await_code(request: web.Request, user: User, target: str) -> None:
    """The password was right; the session waits for the second factor and
    signs nobody in until the code is accepted."""
    old = await get_session(request)
    lang = old.get("lang")
    session = await new_session(request)
    session["pending"] = {"uid": user.id, "sv": user.session_version,
                          "at": int(time.time()), "next": target}
    if lang:
        session["lang"] = lang


def _pending(session: Session) -> dict | None:
    """The login waiting for its code, unless it is too old."""
    pending = session.get("pending")
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return pending


async def login_code_page(request: web.Request) -> web.StreamResponse:
    if request[USER] is not None:
        raise web.HTTPFound(DASHBOARD)
    if _pending(await get_session(request)) is None:
        raise web.HTTPFound(LOGIN_PATH)
    return await render(request, "login_code.html", {})


async def login_code(request: web.Request) -> web.StreamResponse:
    async with posted_form(request) as form:
        code = field(form, "code")
    session = await get_session(request)
    pending = _pending(session)
    user = pending and await _pending_user(request, pending)
    if not user:
        _end_session(session)
        context = {"next": DASHBOARD, "username": "",
                   "error": _("The sign-in took too long. Enter your password again.")}
        return await render(request, "login.html", context, status=401)

    used = await _checked_code(request, user, code)
    if used is None or used == "blocked":
        return await _code_refused(request, blocked=used == "blocked")
    await _start_session(request, user)
    log.info("login", extra={"username": user.username, "user": user.id, "factor": used})
    raise web.HTTPSeeOther(safe_next(pending.get("next")))


async def _pending_user(request: web.Request, pending: dict) -> User | None:
    """The account of a pending login, if it may still sign in."""
    try:
        user = await read(request, get_user, pending.get("uid"))
    except NotFoundError:
        return None
    if user.disabled or user.session_version != pending.get("sv"):
        return None
    return user


async def _checked_code(request: web.Request, user: User, code: str) -> str | None:
    """"code" or "recovery" when accepted, None when wrong, "blocked" after
    too many failures. Codes are counted per account only: whoever types
    them has already given the account's password, and counting them per
    address would let one person lock a whole office out."""
    account = f"login-code:{user.id}"
    limiter = request.config_dict[LOGIN_LIMITER]
    async with limiter.turn(account):
        if limiter.blocked(account):
            log.warning("login refused", extra={"username": user.username,
                                                "reason": "too many failures"})
            return "blocked"
        limiter.hit(account)
        used = await write(request, totp.verify, second_factor_key(request), user.id, code)
    if used is None:
        log.info("login code failed", extra={"username": user.username})
    else:
        limiter.reset(account)
    return used


async def _code_refused(request: web.Request, *, blocked: bool) -> web.Response:
    if not blocked:
        error = _("That code is not right, or it was used already. Enter the code "
                  "your app shows now, or one of your recovery codes.")
        return await render(request, "login_code.html", {"error": error}, status=401)
    window = request.config_dict[LOGIN_LIMITER].window
    error = _("Too many failed attempts. Wait %(n)s minutes and try again, or ask "
              "an administrator.", n=max(1, round(window / 60)))
    response = await render(request, "login_code.html", {"error": error}, status=429)
    response.headers["Retry-After"] = str(int(window))
    return response


async def _checked_user(
    request: web.Request, username: str, password: str
) -> User | None:
    """The account when the password matches; None otherwise."""
    if len(password) > users.MAX_PASSWORD_LENGTH:
        return None  # refused unhashed: hashing megabytes would be a cheap attack
    record = await read(request, users.login_record, username)
    loop = asyncio.get_running_loop()
    if not await loop.run_in_executor(None, users.password_matches, record, password):
        return None
    return await write(request, users.record_login, record, password)


async def _too_many(request: web.Request, context: dict) -> web.Response:
    window = request.config_dict[LOGIN_LIMITER].window
    minutes = max(1, round(window / 60))
    context["error"] = _(
        "Too many failed attempts. Wait %(n)s minutes and try "
        "again, or ask an administrator.",
        n=minutes,
    )
    response = await render(request, "login.html", context, status=429)
    response.headers["Retry-After"] = str(int(window))
    return response


def _limit_keys(request: web.Request, username: str) -> tuple[str, str]:
    """The rate limiter's keys for the account and for the client's address."""
    trust_proxy = request.config_dict[CONFIG]["server.trust_proxy"]
    return (
        f"login-user:{username.casefold()}",
        f"login-address:{client_address(request, trust_proxy)}",
    )


def _loggable(username: str) -> str:
    # A password typed into the name field must not end up in the log.
    return username if _LOGGABLE_NAME.match(username) else "(not a user name)"


async def _start_session(request: web.Request, user: User) -> None:
    """A fresh session for the signed-in user: anything planted in the cookie
    before the login (a fixed session, a known CSRF token) is thrown away."""
    old = await get_session(request)
    lang = old.get("lang")
    session = await new_session(request)
    session["uid"] = user.id
    session["sv"] = user.session_version
    if lang:
        session["lang"] = lang
    await csrf_token(request)


async def logout(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = request[USER]
    if user:
        await write(request, end_sessions, user.id)
    _end_session(await get_session(request))
    log.info("logout", extra={"username": user.username if user else None})
    raise web.HTTPSeeOther(LOGIN_PATH)


async def switch_language(request: web.Request) -> web.StreamResponse:
    async with posted_form(request) as form:
        lang = field(form, "lang")
        target = safe_next(field(form, "next"), allow_login=True)
    if lang in i18n.LANGUAGES:
        session = await get_session(request)
        session["lang"] = lang
    raise web.HTTPSeeOther(target)
