"""The search page: one query over every kind at once, with a count per kind
as filter links, highlighted snippets and pages of results."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from appliance import content
from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.i18n import gettext as _
from feeds.api import MAX_QUERY_CHARS
from search.engine import run_search

from .pages import Meta, Pagination, page_number, render, same_page_switch

PER_PAGE = 20
# Kinds shown under any language prefix (see pages.local_url); their results
# keep the reader's interface language.
_SHOWN_ANYWHERE = {
    "directive": "documents",
    "legal_document": "documents",
    "procedure": "procedures",
    "public_service": "services",
}


def read_query(request: web.Request) -> tuple[str, str | None]:
    raw = request.query.get("q", "")
    if len(raw) > MAX_QUERY_CHARS:  # counted as the search API counts
        raise web.HTTPBadRequest(
            text=_(
                "The search words are longer than %(max)s characters. "
                "Use fewer words and search again.",
                max=MAX_QUERY_CHARS,
            )
        )
    q = " ".join(raw.split())
    kind = request.query.get("kind", "").strip() or None
    if kind is not None and kind not in content.KINDS:
        raise web.HTTPBadRequest(
            text=_("Unknown kind of content: %(kind)s.", kind=kind)
        )
    return q, kind


def result_url(result: dict[str, Any], lang: str) -> str:
    """Documents and procedures open under the reader's language prefix."""
    url = result["url"]
    section = _SHOWN_ANYWHERE.get(result["kind"])
    parts = url.split("/", 3)
    if section and len(parts) == 4 and parts[2] == section:
        return f"/{lang}/{section}/{parts[3]}"
    return url


@cached
async def search(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    config = request.app[CONFIG]
    q, kind = read_query(request)
    page = page_number(request)

    results = None
    paging = None
    if q:
        results = await request.app[DB].read(
            run_search, q, kinds=[kind] if kind else None, page=page, per_page=PER_PAGE
        )
        paging = Pagination(page, PER_PAGE, results["total"])
        if results["total"]:
            paging.check()
        for result in results["items"]:
            result["local_url"] = result_url(result, lang)

    query = {"q": q, "kind": kind or "", "page": page}
    meta = Meta(
        title=_("Search results for “%(q)s”", q=q) if q else _("Search"),
        description=_(
            "Search news, legal documents, administrative procedures and "
            "online public services of %(site)s.",
            site=config.site_name(lang),
        ),
        path=request.path,
        query=query,
        switch=same_page_switch(config, lang, request.path, {"q": q, "kind": kind}),
        area="search",
        noindex=True,
    )
    context = {
        "q": q,
        "kind": kind,
        "results": results,
        "paging": paging,
        "query": query,
        "search_query": q,
    }
    return await render(request, "web/search.html", context, meta)
