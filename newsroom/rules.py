"""The workflow rules page: which role may take which step, as a grid of
check boxes an administrator changes without touching code.

GET  /admin/workflow     the grid
POST /admin/workflow     replace the rules (every change is audited)
"""

from __future__ import annotations

import logging

from aiohttp import web

from appliance.errors import UserError
from appliance.users import ROLES

from . import workflow
from .forms import FieldError
from .pages import posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")


async def rules_page(
    request: web.Request,
    *,
    wanted: dict[str, set[str]] | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> web.Response:
    """The grid; after a refused save, the grid as the administrator ticked it."""
    require(signed_in(request), "workflow.manage")
    granted = await read(request, workflow.rules)
    steps = [workflow.TRANSITIONS[name] for name in granted]
    if wanted is not None:
        granted = {name: frozenset(wanted.get(name, ())) for name in granted}
    return await render(
        request,
        "workflow.html",
        {"steps": steps, "granted": granted, "roles": ROLES, "errors": errors or []},
        status=status,
    )


async def save_rules(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "workflow.manage")
    async with posted_form(request) as form:
        wanted: dict[str, set[str]] = {}
        for value in form.getall("allow", []):
            name, _sep, role = str(value).partition(":")
            wanted.setdefault(name, set()).add(role)
    try:
        await write(request, workflow.set_rules, wanted, user)
    except UserError as exc:
        return await rules_page(request, wanted=wanted,
                                errors=[FieldError("", str(exc))], status=400)
    log.info("workflow rules changed", extra={"user": user.username})
    raise web.HTTPSeeOther("/admin/workflow?done=workflow")
