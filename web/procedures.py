"""Administrative procedures: the listing by field and level, and one procedure
with its steps, channels (time and fee), requirements and legal basis."""

from __future__ import annotations

import sqlite3
from typing import Any

from aiohttp import web

from appliance import content
from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.i18n import gettext as _
from feeds import kind_feed_links
from appliance.text import number_key

from .documents import find_shown, shown_switch
from . import seo, sharing
from .pages import Meta, Pagination, describe, page_number, render, same_page_switch

FILTERS = ("field", "level")

def _listing(
    conn: sqlite3.Connection, chosen: dict[str, str], page: int, per_page: int
) -> dict[str, Any]:
    items, total = content.list_kind(
        conn, "procedure", filters=chosen, limit=per_page, offset=(page - 1) * per_page
    )
    paging = Pagination(page, per_page, total).check()
    return {
        "items": items,
        "paging": paging,
        "chosen": chosen,
        "fields": sorted(content.distinct_values(conn, "procedure", "field")),
        "levels": sorted(content.distinct_values(conn, "procedure", "level")),
    }


@cached
async def listing(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    config = request.app[CONFIG]
    chosen = {name: request.query.get(name, "").strip() for name in FILTERS}
    data = await request.app[DB].read(
        _listing, chosen, page_number(request), config["content.page_size"]
    )
    query = chosen | {"page": data["paging"].page}
    meta = Meta(
        title=_("Administrative procedures"),
        description=_(
            "Administrative procedures for citizens and businesses: "
            "steps, documents required, processing time, fees and legal "
            "basis."
        ),
        path=request.path,
        query=query,
        alternates={code: f"/{code}/procedures/" for code in config.languages}
        if not any(chosen.values())
        else {},
        switch=same_page_switch(config, lang, request.path, chosen),
        area="procedures",
        feeds=kind_feed_links(lang, "procedures"),
    )
    return await render(request, "web/procedures.html", data | {"query": query}, meta)


# -- one procedure --------------------------------------------------------------


def _procedure_page(
    conn: sqlite3.Connection, lang: str, code: str
) -> dict[str, Any] | None:
    item = find_shown(conn, lang, code, ("procedure",))
    if item is None:
        return None
    return procedure_context(conn, item)


def procedure_context(conn: sqlite3.Connection, item: content.Item) -> dict[str, Any]:
    basis = (item.procedure or {}).get("legal_basis") or []
    found = content.documents_by_number(conn, basis)
    legal_basis = [(number, found.get(number_key(number) or "")) for number in basis]
    return {
        "item": item,
        "legal_basis": legal_basis,
        "translations": content.translations_of(conn, item),
    }


@cached
async def procedure(request: web.Request) -> web.Response:
    lang, code = request.match_info["lang"], request.match_info["code"]
    config = request.app[CONFIG]
    db = request.app[DB]
    data = await db.read(_procedure_page, lang, code)
    if data is None:
        # A code typed as printed (upper case, spaces) still finds its page.
        slug = content.procedure_slug(code)
        if slug != code and await db.read(find_shown, lang, slug, ("procedure",)):
            raise web.HTTPMovedPermanently(f"/{lang}/procedures/{slug}")
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
        og_type="article",
        area="procedures",
        rating_target=request.path,
        structured=[
            seo.government_service(config, item, lang),
            seo.breadcrumbs(config, lang, _("Home"), [
                (_("Procedures"), f"/{lang}/procedures/"), (item.title, request.path)]),
        ],
    )
    data |= await request.app[DB].read(sharing.sharing_context, config, item)
    return await render(request, "web/procedure.html", data, meta)
