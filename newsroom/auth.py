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
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import NoReturn
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from aiohttp_session import Session, get_session, new_session

from appliance import i18n, users
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

log = logging.getLogger("portal.newsroom")

# Pages open to visitors who are not signed in (route names).
OPEN_ROUTES = frozenset({"login", "language", "static"})
LOGIN_PATH = "/admin/login"
_LOGGABLE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,39}$")


@web.middleware
async def staff_only(request: web.Request, handler) -> web.StreamResponse:
    """Set the interface language and the user; send strangers to the login."""
    route = request.match_info.route
    if route.name == "static":
        return await handler(request)

    session = await get_session(request)
    i18n.set_language(session.get("lang") or ADMIN_LANGUAGE)
    user = await _signed_in_user(request, session)
    request[USER] = user
    refusal = request.match_info.http_exception
    if isinstance(refusal, web.HTTPMethodNotAllowed):
        # A wrong method is wrong for everyone; no need to sign in to learn it.
        raise refusal
    if user is None and route.name not in OPEN_ROUTES:
        _to_login(request)
    return await handler(request)


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
    async with limiter.turn(address):
        if limiter.blocked(account) or limiter.blocked(address):
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
    await _start_session(request, user)
    log.info("login", extra={"username": user.username, "user": user.id})
    raise web.HTTPSeeOther(target)


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
