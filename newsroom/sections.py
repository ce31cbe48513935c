"""Sections: create, rename and order them, without touching code.

GET  /admin/sections                   the list, in public order
POST /admin/sections                   add a section
POST /admin/sections/{key}             rename it (the key stays: it is in addresses)
POST /admin/sections/{key}/move        move it up or down
"""

from __future__ import annotations

import logging
import sqlite3

from aiohttp import web

from appliance import content
from appliance.errors import ConflictError, UserError

from . import editing
from .forms import FieldError, SectionForm
from .pages import field, posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")


def _sections_with_counts(
    conn: sqlite3.Connection,
) -> list[tuple[content.Section, int]]:
    return [
        (section, content.count_items(conn, section_id=section.id, status=None))
        for section in content.list_sections(conn)
    ]


async def sections_page(
    request: web.Request,
    *,
    new: SectionForm | None = None,
    rename: SectionForm | None = None,
    status: int = 200,
) -> web.Response:
    require(signed_in(request), "section.manage")
    rows = await read(request, _sections_with_counts)
    return await render(
        request,
        "sections.html",
        {
            "rows": rows,
            "new": new or SectionForm(),
            "rename": rename,
        },
        status=status,
    )


async def add_section(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "section.manage")
    async with posted_form(request) as form_data:
        form = SectionForm.from_post(form_data)
    if form.check(new=True):
        return await sections_page(request, new=form, status=400)
    try:
        await write(request, editing.add_section, form, user)
    except UserError as exc:
        form.errors.append(FieldError("key", str(exc)))
        status = 409 if isinstance(exc, ConflictError) else 400
        return await sections_page(request, new=form, status=status)
    log.info("section added", extra={"section": form.key, "user": user.username})
    raise web.HTTPSeeOther("/admin/sections?done=section-added")


async def rename_section(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "section.manage")
    async with posted_form(request) as form_data:
        form = SectionForm.from_post(form_data, key=request.match_info["key"])
    if form.check(new=False):
        return await sections_page(request, rename=form, status=400)
    await write(request, editing.rename_section, form, user)
    log.info("section renamed", extra={"section": form.key, "user": user.username})
    raise web.HTTPSeeOther(f"/admin/sections?done=section-renamed#section-{form.key}")


async def move_section(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "section.manage")
    key = request.match_info["key"]
    async with posted_form(request) as form_data:
        direction = field(form_data, "direction")
    await write(request, editing.move_section, key, direction, user)
    log.info(
        "section moved",
        extra={"section": key, "direction": direction, "user": user.username},
    )
    raise web.HTTPSeeOther(f"/admin/sections?done=section-moved#section-{key}")
