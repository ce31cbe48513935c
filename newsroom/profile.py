"""Each member of staff's own account: name and e-mail, password, second
factor (an authenticator app and recovery codes) and personal API tokens.

GET  /admin/profile                        the profile page
POST /admin/profile                        save the display name and e-mail
POST /admin/profile/password               change the password (ends other sessions)
GET  /admin/profile/2fa                    set up an authenticator app
POST /admin/profile/2fa                    turn it on with a current code
POST /admin/profile/2fa/recovery           new recovery codes, shown once
POST /admin/profile/2fa/disable            turn it off (a current code or the password)
POST /admin/profile/tokens                 a new API token, shown once
POST /admin/profile/tokens/{id}/revoke     revoke one

Secrets (recovery codes, tokens, the authenticator secret) appear in the
answer to the request that made them and nowhere else: never in an address,
a log line or the audit trail.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from aiohttp import web

from appliance import tokens, totp, users
from appliance.app import CONFIG, LOGIN_LIMITER
from appliance.errors import UserError
from appliance.i18n import gettext as _

from .auth import _limit_keys, _start_session, second_factor_key
from .forms import FieldError
from .labels import N_
from .pages import (
    DASHBOARD,
    as_id,
    field,
    posted_form,
    read,
    render,
    signed_in,
    write,
)

log = logging.getLogger("portal.newsroom")

PROFILE = "/admin/profile"

NOTICES = {
    "details": N_("Your details were saved."),
    "password": N_("Your password was changed. Your other sessions were signed out."),
    "2fa-off": N_("The second factor is off. You sign in with your password alone."),
    "token-revoked": N_("The API token was revoked; programs using it are refused now."),
}


def profile_data(conn: sqlite3.Connection, user_id: int) -> dict:
    return {
        "account": users.get_account(conn, user_id),
        "factor": totp.state(conn, user_id),
        "tokens": tokens.list_tokens(conn, user_id),
    }


async def profile_page(
    request: web.Request, *, errors: list[FieldError] | None = None, status: int = 200
) -> web.Response:
    user = signed_in(request)
    data = await read(request, profile_data, user.id)
    message = NOTICES.get(request.query.get("done", ""))
    context = data | {
        "errors": errors or [],
        "notice": _(message) if message else None,
        "required": user.role in request.config_dict[CONFIG]["security.totp_required_roles"],
    }
    return await render(request, "profile.html", context, status=status)


async def save_details(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    async with posted_form(request) as form:
        name, email = field(form, "display_name"), field(form, "email")
    try:
        await write(request, users.update_profile, user.id, name, email)
    except UserError as exc:
        return await profile_page(request, errors=[FieldError("email", str(exc))],
                                  status=400)
    raise web.HTTPSeeOther(f"{PROFILE}?done=details")


# -- password -----------------------------------------------------------------

async def change_password(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    async with posted_form(request) as form:
        current, new = field(form, "current_password"), field(form, "new_password")
        repeat = field(form, "repeat_password")

    refusal = await _check_own_password(request, user, current)
    if refusal is not None:
        return refusal
    if new != repeat:
        return await profile_page(request, status=400, errors=[FieldError(
            "repeat_password", _("The two new passwords differ. Type them again."))])
    loop = asyncio.get_running_loop()
    try:
        hashed = await loop.run_in_executor(None, users.hash_password, new)
    except UserError as exc:
        return await profile_page(request, errors=[FieldError("new_password", str(exc))],
                                  status=400)
    updated = await write(request, users.store_password, user.id, user.id, hashed)
    await _start_session(request, updated)  # this session stays; the others end
    log.info("password changed", extra={"user": user.id})
    raise web.HTTPSeeOther(f"{PROFILE}?done=password")


async def _check_own_password(
    request: web.Request, user: users.User, password: str
) -> web.Response | None:
    """None when the password is the user's; else the page saying it is not.
    Failures count like failed logins, so a session left open on a shared
    computer cannot be used to guess the password."""
    account, _address = _limit_keys(request, user.username)
    limiter = request.config_dict[LOGIN_LIMITER]
    if limiter.blocked(account):
        return await profile_page(request, status=429, errors=[FieldError(
            "current_password", _("Too many wrong passwords. Wait a few minutes and "
                                  "try again."))])
    if len(password) <= users.MAX_PASSWORD_LENGTH:
        record = await read(request, users.login_record, user.username)
        loop = asyncio.get_running_loop()
        if await loop.run_in_executor(None, users.password_matches, record, password):
            return None
    limiter.hit(account)
    return await profile_page(request, status=400, errors=[FieldError(
        "current_password", _("Your current password is not right."))])


# -- second factor ------------------------------------------------------------

async def enrol_page(
    request: web.Request, *, error: str | None = None, status: int = 200
) -> web.Response:
    user = signed_in(request)
    if await read(request, totp.is_enabled, user.id):
        raise web.HTTPSeeOther(PROFILE)
    secret = await write(request, totp.begin_enrolment, second_factor_key(request),
                         user.id)
    config = request.config_dict[CONFIG]
    uri = totp.provisioning_uri(secret, user.username, config.site_name("en"))
    context = {
        "qr": totp.qr_image(uri),
        "secret": totp.grouped(secret),
        "error": error,
        "required": user.role in config["security.totp_required_roles"],
    }
    return await render(request, "profile_2fa.html", context, status=status)


async def enrol(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    async with posted_form(request) as form:
        code = field(form, "code")
    try:
        codes = await write(request, totp.confirm_enrolment, second_factor_key(request),
                            user.id, code)
    except UserError as exc:
        return await enrol_page(request, error=str(exc), status=400)
    log.info("second factor on", extra={"user": user.id})
    return await _show_codes(request, codes, first=True)


async def new_recovery_codes(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    async with posted_form(request):
        pass
    codes = await write(request, totp.regenerate_recovery_codes, user.id)
    log.info("recovery codes replaced", extra={"user": user.id})
    return await _show_codes(request, codes, first=False)


async def _show_codes(request: web.Request, codes: list[str], *, first: bool):
    return await render(request, "profile_secret.html",
                        {"codes": codes, "first": first, "next": DASHBOARD})


async def disable_second_factor(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    async with posted_form(request) as form:
        code, password = field(form, "code"), field(form, "password")
    if code:
        accepted = await write(request, totp.verify, second_factor_key(request),
                               user.id, code)
        if not accepted:
            return await profile_page(request, status=400, errors=[FieldError(
                "off-code", _("That code is not right, or it was used already."))])
    else:
        refusal = await _check_own_password(request, user, password)
        if refusal is not None:
            return refusal
    await write(request, totp.disable, user.id, user.id)
    log.info("second factor off", extra={"user": user.id})
    raise web.HTTPSeeOther(f"{PROFILE}?done=2fa-off")


# -- API tokens ---------------------------------------------------------------

async def create_token(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    async with posted_form(request) as form:
        name = field(form, "name")
    try:
        secret = await write(request, tokens.create_token, user.id, name)
    except UserError as exc:
        return await profile_page(request, errors=[FieldError("token-name", str(exc))],
                                  status=400)
    log.info("api token created", extra={"user": user.id})
    return await render(request, "profile_secret.html",
                        {"token": secret, "token_name": " ".join(name.split()),
                         "next": PROFILE + "#tokens"})


async def revoke_token(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    token_id = as_id(request.match_info["id"])
    async with posted_form(request):
        pass
    await write(request, tokens.revoke_token, user.id, token_id)
    log.info("api token revoked", extra={"user": user.id, "token": token_id})
    raise web.HTTPSeeOther(f"{PROFILE}?done=token-revoked#tokens")

