"""Directive and legal documents: the filterable listing and one document.

Most documents exist only in Vietnamese. They are shown under every language
prefix with the interface in the reader's language; the document's own
address stays the canonical one.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from aiohttp import web

from appliance import content
from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.i18n import gettext as _
from feeds import kind_feed_links

from . import seo, sharing
from .pages import Meta, Pagination, describe, page_number, render, same_page_switch

FILTERS = ("type", "issuer", "year")
_YEAR = re.compile(r"[0-9]{4}")  # ASCII only: int() refuses "²" and its kin


def read_filters(request: web.Request) -> dict[str, Any]:
    """The listing's filters from the query; a year must be a number."""
    chosen = {name: request.query.get(name, "").strip() for name in FILTERS}
    year = chosen["year"]
    if year and not _YEAR.fullmatch(year):
        raise web.HTTPBadRequest(
            text=_("The year must have four digits, such as 2024.")
        )
    return chosen


def _listing(
    conn: sqlite3.Connection, chosen: dict[str, Any], page: int, per_page: int
) -> dict[str, Any]:
    filters = {
        "doc_type": chosen["type"],
        "issuer": chosen["issuer"],
        "year": int(chosen["year"]) if chosen["year"] else None,
    }
    items, total = content.list_kind(
        conn, "document", filters=filters, limit=per_page, offset=(page - 1) * per_page
    )
    paging = Pagination(page, per_page, total).check()
    return {
        "items": items,
        "paging": paging,
        "chosen": chosen,
        "types": content.distinct_values(conn, "document", "doc_type"),
        "issuers": content.distinct_values(conn, "document", "issuer"),
        "years": sorted(
            content.distinct_values(conn, "document", "year"), reverse=True
        ),
    }


@cached
async def listing(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    config = request.app[CONFIG]
    chosen = read_filters(request)
    data = await request.app[DB].read(
        _listing, chosen, page_number(request), config["content.page_size"]
    )
    query = chosen | {"page": data["paging"].page}
    meta = Meta(
        title=_("Legal and directive documents"),
        description=_(
            "Legal documents and directive documents published by "
            "%(owner)s, searchable by type, issuing body and year.",
            owner=config.site_owner(lang),
        ),
        path=request.path,
        query=query,
        alternates={code: f"/{code}/documents/" for code in config.languages}
        if not any(chosen.values())
        else {},
        switch=same_page_switch(config, lang, request.path, chosen),
        area="documents",
        # Both kinds together, then each alone (directives; legal documents).
        feeds=[link for folder in ("documents", "documents/directives",
                                   "documents/legal-documents")
               for link in kind_feed_links(lang, folder)],
    )
    return await render(request, "web/documents.html", data | {"query": query}, meta)


# -- one document ---------------------------------------------------------------


def find_shown(
    conn: sqlite3.Connection, lang: str, slug: str, kinds: tuple[str, ...]
) -> content.Item | None:
    """The item at this address in the reader's language, else in any other
    (Vietnamese first): these kinds are shown under every language prefix."""
    item = content.find_item(conn, lang, slug, kinds=kinds)
    if item is not None:
        return item
    for other in ("vi", "en", "km"):
        if other != lang:
            item = content.find_item(conn, other, slug, kinds=kinds)
            if item is not None:
                return item
    return None


def shown_switch(
    config,
    lang: str,
    path: str,
    item: content.Item,
    translations: dict[str, content.Item],
) -> dict[str, str]:
    """A translation when there is one, else the same page in the other language."""
    switch = same_page_switch(config, lang, path)
    for code, other in translations.items():
        if code in switch:
            switch[code] = other.url
    if item.lang in switch:
        switch[item.lang] = item.url
    return switch


def _document_page(
    conn: sqlite3.Connection, lang: str, slug: str
) -> dict[str, Any] | None:
    item = find_shown(conn, lang, slug, content.DOCUMENT_KINDS)
    if item is None:
        return None
    return document_context(conn, item)


def document_context(conn: sqlite3.Connection, item: content.Item) -> dict[str, Any]:
    return {"item": item, "translations": content.translations_of(conn, item),
            "relations": content.document_relations(conn, item)}


@cached
async def document(request: web.Request) -> web.Response:
    lang, slug = request.match_info["lang"], request.match_info["slug"]
    config = request.app[CONFIG]
    data = await request.app[DB].read(_document_page, lang, slug)
    if data is None:
        raise web.HTTPNotFound()
    item, translations = data["item"], data["translations"]

    number = (item.document or {}).get("number")
    meta = Meta(
        title=f"{number} · {item.title}"
        if number and number not in item.title
        else item.title,
        description=describe(item),
        path=item.url,
        alternates=(
            {code: o.url for code, o in translations.items()} | {item.lang: item.url}
        )
        if translations
        else {},
        switch=shown_switch(config, lang, request.path, item, translations),
        og_type="article",
        area="documents",
        published=item.published_at,
        modified=item.updated_at,
        rating_target=request.path,
        structured=[
            seo.legislation(config, item),
            seo.breadcrumbs(config, lang, _("Home"), [
                (_("Documents"), f"/{lang}/documents/"), (item.title, request.path)]),
        ],
    )
    data |= await request.app[DB].read(sharing.sharing_context, config, item)
    return await render(request, "web/document.html", data, meta)
