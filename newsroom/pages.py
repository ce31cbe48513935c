"""What every newsroom page shares: the signed-in user, the interface
language, the CSRF token, notices after an action, and rendering."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import re
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any, TypeVar

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from appliance.app import CONFIG, DB
from appliance.errors import UserError
from appliance.i18n import LANGUAGES, current_language
from appliance.i18n import gettext as _
from appliance.security import CSRF_FIELD, check_csrf, csrf_token, read_form
from appliance.users import User

from . import labels
from .permissions import can

T = TypeVar("T")

# Record numbers are ASCII digits, short enough for SQLite's 64-bit integers
# (str.isdigit() would also take "²", which int() refuses).
_NUMBER = re.compile(r"[0-9]{1,15}")
MAX_PAGE = 100_000

USER = web.RequestKey("newsroom_user", User)
ADMIN_LANGUAGE = "vi"
DASHBOARD = "/admin/"


async def read(
    request: web.Request, fn: Callable[..., T], *args: Any, **kwargs: Any
) -> T:
    """Run a read function on a database reader, in this request's context."""
    return await request.config_dict[DB].read(fn, *args, **kwargs)


async def write(
    request: web.Request, fn: Callable[..., T], *args: Any, **kwargs: Any
) -> T:
    """Run a write function in a transaction, in this request's context."""
    return await request.config_dict[DB].write(fn, *args, **kwargs)


def signed_in(request: web.Request) -> User:
    """The signed-in user; the newsroom middleware guarantees one on staff pages."""
    user = request.get(USER)
    if user is None:
        raise web.HTTPSeeOther("/admin/login")
    return user


async def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    """Render a newsroom template with the shared page context."""
    user = request.get(USER)
    shared = {
        "user": user,
        "lang": current_language(),
        "admin_languages": LANGUAGES,
        "site_languages": request.config_dict[CONFIG].languages,
        "csrf_field": CSRF_FIELD,
        "csrf": await csrf_token(request),
        "can": partial(can, user),
        "labels": labels,
        "notice": notice(request),
        "here": request.path_qs,
        "base_url": request.config_dict[CONFIG].base_url,
        "local_input": _local_input,
    }
    return aiohttp_jinja2.render_template(
        f"newsroom/{template}", request, shared | context, status=status
    )


def _local_input(stored: str | None) -> str:
    from .forms import local_input  # forms needs this module first

    return local_input(stored)


def notice(request: web.Request) -> str | None:
    """The fixed confirmation named by ?done=..., in the reader's language."""
    message = labels.NOTICES.get(request.query.get("done", ""))
    return _(message) if message else None


@contextlib.asynccontextmanager
async def posted_form(request: web.Request) -> AsyncIterator[MultiDictProxy]:
    """The request's form after its CSRF token is checked; uploaded files'
    temporary copies are closed when the block ends."""
    form = await read_form(request)
    try:
        await check_csrf(request, form)
        yield form
    finally:
        for value in form.values():
            if isinstance(value, web.FileField):
                value.file.close()


def field(form: MultiDictProxy, name: str) -> str:
    """A text field's value; anything that is not text counts as empty."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def as_id(text: object) -> int | None:
    """A record number typed or sent in a form, or None when it is not one."""
    return int(text) if isinstance(text, str) and _NUMBER.fullmatch(text) else None


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run CPU work (a PDF or a spreadsheet) in a worker thread, off the event
    loop, in the caller's context (its interface language)."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(None, context.run, fn, *args)


def page_number(request: web.Request) -> int:
    """The ?page= number, from 1; a clear 400 for anything else."""
    page = as_id(request.query.get("page", "1"))
    if page is None or not 1 <= page <= MAX_PAGE:
        raise UserError(_("The page number must be a whole number from 1."))
    return page
