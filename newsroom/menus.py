"""The public site's menus: the main menu and the footer links, per language.

GET  /admin/menus?lang=                both menus of a language
POST /admin/menus                      add a link (menu, lang, label, url)
POST /admin/menus/{id}                 change a link's text and address
POST /admin/menus/{id}/move            move it up or down
POST /admin/menus/{id}/delete          remove it

An empty menu leaves the site's own section-based links in place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from appliance import navigation
from appliance.app import CONFIG
from appliance.errors import UserError
from appliance.i18n import gettext as _

from .forms import FieldError
from .labels import N_
from .pages import as_id, field, posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")

NOTICES = {
    "added": N_("The link was added to the menu."),
    "saved": N_("The link was changed."),
    "moved": N_("The menu order was changed."),
    "deleted": N_("The link was removed from the menu."),
}
MENU_NAMES = {"main": N_("Main menu"), "footer": N_("Footer links")}


@dataclass
class Draft:
    menu: str = "main"
    label: str = ""
    url: str = ""
    link_id: int | None = None


async def menus_page(
    request: web.Request,
    *,
    lang: str | None = None,
    errors: list[FieldError] | None = None,
    draft: Draft | None = None,
    status: int = 200,
) -> web.Response:
    require(signed_in(request), "menu.manage")
    lang = lang or site_language(request, request.query.get("lang", ""))
    message = NOTICES.get(request.query.get("done", ""))
    return await render(request, "menus.html", {
        "menu_lang": lang,
        "menus": await read(request, navigation.menu_links, lang),
        "menu_names": MENU_NAMES,
        "errors": errors or [],
        "draft": draft or Draft(),
        "notice": _(message) if message else None,
    }, status=status)


def site_language(request: web.Request, lang: str) -> str:
    languages = request.config_dict[CONFIG].languages
    if not lang:
        return languages[0]
    if lang not in languages:
        raise UserError(_("Unknown language “%(lang)s”: use vi, en or km.", lang=lang))
    return lang


async def add_link(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "menu.manage")
    async with posted_form(request) as form:
        lang = site_language(request, field(form, "lang"))
        draft = Draft(field(form, "menu"), field(form, "label"), field(form, "url"))
    try:
        await write(request, navigation.add_link, draft.menu, lang, draft.label,
                    draft.url, user.id)
    except UserError as exc:
        return await _refused(request, lang, draft, str(exc))
    log.info("menu link added", extra={"menu": draft.menu, "lang": lang,
                                       "user": user.username})
    raise web.HTTPSeeOther(f"/admin/menus?lang={lang}&done=added")


async def change_link(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "menu.manage")
    link_id = _link_id(request)
    async with posted_form(request) as form:
        lang = site_language(request, field(form, "lang"))
        draft = Draft(field(form, "menu"), field(form, "label"), field(form, "url"),
                      link_id)
    try:
        link = await write(request, navigation.update_link, link_id, draft.label,
                           draft.url, user.id)
    except UserError as exc:
        return await _refused(request, lang, draft, str(exc))
    log.info("menu link changed", extra={"link": link_id, "user": user.username})
    raise web.HTTPSeeOther(f"/admin/menus?lang={link.lang}&done=saved")


async def move_link(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "menu.manage")
    link_id = _link_id(request)
    async with posted_form(request) as form:
        direction = field(form, "direction")
    link = await write(request, navigation.move_link, link_id, direction, user.id)
    raise web.HTTPSeeOther(f"/admin/menus?lang={link.lang}&done=moved")


async def delete_link(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "menu.manage")
    link_id = _link_id(request)
    async with posted_form(request):
        pass
    link = await write(request, navigation.delete_link, link_id, user.id)
    log.info("menu link removed", extra={"link": link_id, "user": user.username})
    raise web.HTTPSeeOther(f"/admin/menus?lang={link.lang}&done=deleted")


async def _refused(request: web.Request, lang: str, draft: Draft,
                   message: str) -> web.Response:
    name = f"label-{draft.link_id}" if draft.link_id else f"label-new-{draft.menu}"
    return await menus_page(request, lang=lang, errors=[FieldError(name, message)],
                            draft=draft, status=400)


def _link_id(request: web.Request) -> int:
    link_id = as_id(request.match_info["id"])
    if link_id is None:
        raise UserError(_("The link number must be a whole number."))
    return link_id
