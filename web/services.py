"""Online public services: the listing and one service, with its level, the
procedure it carries out and the link to where it is done online."""

from __future__ import annotations

import sqlite3
from typing import Any

from aiohttp import web

from appliance import content
from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.i18n import gettext as _
from feeds import kind_feed_links

from .documents import find_shown, shown_switch
from . import seo, sharing
from .pages import Meta, Pagination, describe, page_number, render, same_page_switch

KINDS = ("public_service",)


def shown_language(conn: sqlite3.Connection, lang: str, kinds: tuple[str, ...]) -> str:
    """The reader's language when it has items of these kinds, else Vietnamese,
    the language every government text exists in."""
    if lang == "vi" or content.count_items(conn, lang=lang, kinds=kinds):
        return lang
    return "vi"


def _listing(
    conn: sqlite3.Connection, lang: str, page: int, per_page: int
) -> dict[str, Any]:
    shown = shown_language(conn, lang, KINDS)
    total = content.count_items(conn, lang=shown, kinds=KINDS)
    paging = Pagination(page, per_page, total).check()
    items = content.list_items(
        conn,
        lang=shown,
        kinds=KINDS,
        limit=per_page,
        offset=paging.offset,
        with_images=False,
    )
    return {"items": items, "paging": paging, "shown_lang": shown}


@cached
async def listing(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    config = request.app[CONFIG]
    data = await request.app[DB].read(
        _listing, lang, page_number(request), config["content.page_size"]
    )
    meta = Meta(
        title=_("Online public services"),
        description=_(
            "Online public services of %(owner)s: apply, pay and follow "
            "your dossier online.",
            owner=config.site_owner(lang),
        ),
        path=request.path,
        query={"page": data["paging"].page},
        alternates={code: f"/{code}/services/" for code in config.languages},
        switch=same_page_switch(config, lang, request.path),
        area="services",
        feeds=kind_feed_links(lang, "services"),
    )
    return await render(
        request,
        "web/services.html",
        data | {"query": {"page": data["paging"].page}},
        meta,
    )


def _service_page(
    conn: sqlite3.Connection, lang: str, slug: str
) -> dict[str, Any] | None:
    item = find_shown(conn, lang, slug, KINDS)
    if item is None:
        return None
    return service_context(conn, item, lang)


def service_context(
    conn: sqlite3.Connection, item: content.Item, lang: str
) -> dict[str, Any]:
    code = str(item.extra.get("procedure_code") or "").strip()
    procedure = (
        find_shown(conn, lang, content.procedure_slug(code), ("procedure",)) if code else None
    )
    return {
        "item": item,
        "procedure": procedure,
        "procedure_code": code,
        "translations": content.translations_of(conn, item),
    }


@cached
async def service(request: web.Request) -> web.Response:
    lang, slug = request.match_info["lang"], request.match_info["slug"]
    config = request.app[CONFIG]
    data = await request.app[DB].read(_service_page, lang, slug)
    if data is None:
        raise web.HTTPNotFound()

    item, translations = data["item"], data["translations"]
    meta = Meta(
        title=item.title,
        description=describe(item),
        path=item.url,
        alternates=({c: o.url for c, o in translations.items()} | {item.lang: item.url})
        if translations
        else {},
        switch=shown_switch(config, lang, request.path, item, translations),
        area="services",
        rating_target=request.path,
        structured=[
            seo.government_service(config, item, lang, item.extra.get("link") or None),
            seo.breadcrumbs(config, lang, _("Home"), [
                (_("Online services"), f"/{lang}/services/"), (item.title, request.path)]),
        ],
    )
    data |= await request.app[DB].read(sharing.sharing_context, config, item)
    return await render(request, "web/service.html", data, meta)
