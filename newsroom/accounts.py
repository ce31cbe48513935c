"""Staff accounts, managed by administrators.

GET  /admin/users                        every account: role, sections, second factor
POST /admin/users                        add one (its password is shown once)
GET  /admin/users/{id}                   one account
POST /admin/users/{id}/role              change the role
POST /admin/users/{id}/sections          limit it to sections (none: every section)
POST /admin/users/{id}/disable|enable    stop or allow signing in
POST /admin/users/{id}/password          set a new generated password, shown once
POST /admin/users/{id}/2fa-reset         remove the second factor of a lost phone

Every change is audited with the administrator who made it. The data layer
(appliance.users) refuses what would lock the newsroom out: administrators
cannot disable or demote themselves, and the last enabled administrator
stays one.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from aiohttp import web

from appliance import content, totp, users
from appliance.errors import ConflictError, UserError
from appliance.i18n import gettext as _

from .forms import FieldError
from .labels import N_
from .pages import as_id, field, posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")

USERS = "/admin/users"

NOTICES = {
    "role": N_("The role was changed."),
    "sections": N_("The sections were saved."),
    "disable": N_("The account is disabled; its sessions have ended."),
    "enable": N_("The account can sign in again."),
    "2fa-reset": N_("The second factor was removed. The user sets up a new one at "
                    "the next sign-in, if their role requires it."),
}


def _accounts_data(conn: sqlite3.Connection) -> dict:
    return {"accounts": users.list_accounts(conn),
            "sections": {s.id: s for s in content.list_sections(conn)}}


def _account_data(conn: sqlite3.Connection, user_id: int) -> dict:
    return {"account": users.get_account(conn, user_id),
            "sections": content.list_sections(conn)}


async def users_page(
    request: web.Request, *, errors: list[FieldError] | None = None,
    form: dict | None = None, status: int = 200
) -> web.Response:
    require(signed_in(request), "users.manage")
    data = await read(request, _accounts_data)
    context = data | {"errors": errors or [], "form": form or {}, "roles": users.ROLES}
    return await render(request, "users.html", context, status=status)


async def add_account(request: web.Request) -> web.StreamResponse:
    admin = signed_in(request)
    require(admin, "users.manage")
    async with posted_form(request) as posted:
        form = {name: field(posted, name).strip()
                for name in ("username", "role", "display_name", "email")}
    password = users.generate_password()
    try:
        account = await write(request, _add, form, password, admin.id)
    except UserError as exc:
        return await users_page(request, errors=[FieldError("username", str(exc))],
                                form=form, status=409 if _conflict(exc) else 400)
    log.info("user added", extra={"user": account.id, "by": admin.id})
    return await _show_password(request, account, password)


def _add(conn: sqlite3.Connection, form: dict, password: str, actor_id: int):
    return users.add_user(conn, form["username"], form["role"], password,
                          form["display_name"], email=form["email"], actor_id=actor_id)


async def account_page(
    request: web.Request, *, error: str | None = None, status: int = 200
) -> web.Response:
    require(signed_in(request), "users.manage")
    data = await read(request, _account_data, _user_id(request))
    message = NOTICES.get(request.query.get("done", ""))
    context = data | {"error": error, "roles": users.ROLES,
                      "notice": _(message) if message else None}
    return await render(request, "users_account.html", context, status=status)


async def change_role(request: web.Request) -> web.StreamResponse:
    async def apply(admin, user_id, form):
        await write(request, users.set_role, admin.id, user_id, field(form, "role"))
    return await _change(request, "role", apply)


async def change_sections(request: web.Request) -> web.StreamResponse:
    async def apply(admin, user_id, form):
        chosen = [as_id(value) for value in form.getall("section", [])]
        if None in chosen:
            raise UserError(_("Choose sections from the list."))
        await write(request, users.set_sections, admin.id, user_id, chosen)
    return await _change(request, "sections", apply)


async def disable_account(request: web.Request) -> web.StreamResponse:
    async def apply(admin, user_id, form):
        await write(request, users.set_disabled, admin.id, user_id, True)
    return await _change(request, "disable", apply)


async def enable_account(request: web.Request) -> web.StreamResponse:
    async def apply(admin, user_id, form):
        await write(request, users.set_disabled, admin.id, user_id, False)
    return await _change(request, "enable", apply)


async def reset_second_factor(request: web.Request) -> web.StreamResponse:
    async def apply(admin, user_id, form):
        await write(request, totp.disable, user_id, admin.id)
    return await _change(request, "2fa-reset", apply)


async def _change(request: web.Request, done: str, apply) -> web.StreamResponse:
    """Check the right and the form, apply one change, and go back to the
    account page (or show it again with what went wrong)."""
    admin = signed_in(request)
    require(admin, "users.manage")
    user_id = _user_id(request)
    async with posted_form(request) as form:
        try:
            await apply(admin, user_id, form)
        except UserError as exc:
            return await account_page(request, error=str(exc),
                                      status=409 if _conflict(exc) else 400)
    log.info("user changed", extra={"user": user_id, "change": done, "by": admin.id})
    raise web.HTTPSeeOther(f"{USERS}/{user_id}?done={done}")


async def reset_password(request: web.Request) -> web.StreamResponse:
    admin = signed_in(request)
    require(admin, "users.manage")
    user_id = _user_id(request)
    async with posted_form(request):
        pass
    password = users.generate_password()
    loop = asyncio.get_running_loop()
    hashed = await loop.run_in_executor(None, users.hash_password, password)
    account = await write(request, users.store_password, admin.id, user_id, hashed)
    log.info("user changed", extra={"user": user_id, "change": "password",
                                    "by": admin.id})
    return await _show_password(request, account, password)


async def _show_password(request: web.Request, account: users.User, password: str):
    return await render(request, "users_secret.html",
                        {"account": account, "password": password})


def _user_id(request: web.Request) -> int:
    user_id = as_id(request.match_info["id"])
    assert user_id is not None  # the route takes digits only
    return user_id


def _conflict(exc: UserError) -> bool:
    return isinstance(exc, ConflictError)
