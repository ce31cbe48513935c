"""The workflow rules page: which role may take which step, as a grid of
check boxes an administrator changes without touching code.

GET  /admin/workflow     the grid
POST /admin/workflow     replace the rules (every change is audited)
"""

from __future__ import annotations

import logging

from aiohttp import web

from appliance.users import ROLES

from . import workflow
from .pages import posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")


async def rules_page(request: web.Request) -> web.Response:
    require(signed_in(request), "workflow.manage")
    granted = await read(request, workflow.rules)
    steps = [workflow.TRANSITIONS[name] for name in granted]
    return await render(
        request,
        "workflow.html",
        {"steps": steps, "granted": granted, "roles": ROLES},
    )


async def save_rules(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "workflow.manage")
    async with posted_form(request) as form:
        wanted: dict[str, set[str]] = {}
        for value in form.getall("allow", []):
            name, _sep, role = str(value).partition(":")
            wanted.setdefault(name, set()).add(role)
    await write(request, workflow.set_rules, wanted, user)
    log.info("workflow rules changed", extra={"user": user.username})
    raise web.HTTPSeeOther("/admin/workflow?done=workflow")
