"""The home page's chosen stories, per language: featured (the lead story
area) and highlighted (a strip below it), in the order editors set.

GET  /admin/home?lang=&q=              the blocks, and published stories to add
POST /admin/home                       add a story to a block (lang, item, slot)
POST /admin/home/{item}/move           move it up or down in its block
POST /admin/home/{item}/remove         take it off the home page

While the featured block is empty, the home page shows the featured news,
else the newest, as it always has.
"""

from __future__ import annotations

import logging

from aiohttp import web

from appliance import content, navigation
from appliance.errors import ConflictError, UserError
from appliance.i18n import gettext as _
from appliance.text import nfc

from .forms import FieldError
from .labels import N_
from .menus import site_language
from .pages import as_id, field, posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")

CANDIDATES = 20
NOTICES = {
    "added": N_("The story was put on the home page."),
    "moved": N_("The order on the home page was changed."),
    "removed": N_("The story was taken off the home page."),
}
SLOT_NAMES = {"featured": N_("Featured"), "highlighted": N_("Highlighted")}


async def home_page(
    request: web.Request,
    *,
    lang: str | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> web.Response:
    require(signed_in(request), "home.manage")
    lang = lang or site_language(request, request.query.get("lang", ""))
    words = nfc(request.query.get("q", "")).strip()[:200]
    candidates: list[content.Item] = []
    if words:
        candidates, _total = await read(
            request, content.staff_listing,
            content.StaffFilter(lang=lang, status="published", title=words),
            limit=CANDIDATES, offset=0)
    message = NOTICES.get(request.query.get("done", ""))
    return await render(request, "home_blocks.html", {
        "home_lang": lang,
        "blocks": await read(request, navigation.home_blocks, lang, public=False),
        "slot_names": SLOT_NAMES,
        "slot_sizes": navigation.SLOT_SIZES,
        "words": words,
        "candidates": candidates,
        "errors": errors or [],
        "notice": _(message) if message else None,
    }, status=status)


async def add_story(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "home.manage")
    async with posted_form(request) as form:
        lang = site_language(request, field(form, "lang"))
        item_id, slot = as_id(field(form, "item")), field(form, "slot")
    if item_id is None:
        return await _refused(request, lang, _("Choose a story to add."))
    try:
        await write(request, navigation.add_block, lang, item_id, slot, user.id)
    except UserError as exc:
        status = 409 if isinstance(exc, ConflictError) else 400
        return await _refused(request, lang, str(exc), status)
    log.info("home story added", extra={"item": item_id, "slot": slot, "lang": lang,
                                        "user": user.username})
    raise web.HTTPSeeOther(f"/admin/home?lang={lang}&done=added")


async def move_story(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "home.manage")
    item_id = _item_id(request)
    async with posted_form(request) as form:
        lang = site_language(request, field(form, "lang"))
        direction = field(form, "direction")
    await write(request, navigation.move_block, lang, item_id, direction, user.id)
    raise web.HTTPSeeOther(f"/admin/home?lang={lang}&done=moved")


async def remove_story(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "home.manage")
    item_id = _item_id(request)
    async with posted_form(request) as form:
        lang = site_language(request, field(form, "lang"))
    await write(request, navigation.remove_block, lang, item_id, user.id)
    log.info("home story removed", extra={"item": item_id, "lang": lang,
                                          "user": user.username})
    raise web.HTTPSeeOther(f"/admin/home?lang={lang}&done=removed")


async def _refused(request: web.Request, lang: str, message: str,
                   status: int = 400) -> web.Response:
    return await home_page(request, lang=lang, errors=[FieldError("", message)],
                           status=status)


def _item_id(request: web.Request) -> int:
    item_id = as_id(request.match_info["item"])
    if item_id is None:
        raise UserError(_("The item number must be a whole number."))
    return item_id
