"""The search page: one query over every kind at once, with counts per kind
and per facet (section, issuing body, document type, field, year, legal
status, language) as filter links that keep the query and the other filters
in the address, sorting by relevance or date, highlighted snippets, the
status of legal documents, "did you mean" and pages of results.

A query that is a document number or procedure code with exactly one match
goes straight to that item."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from aiohttp import web

from appliance import content
from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.i18n import gettext as _
from appliance.text import number_key
from search.query import MAX_QUERY_CHARS
from search.engine import SORTS, run_search
from search.index import FACETS
from search.service import counted, first_page_query, note_query

from .pages import Meta, Pagination, page_number, render, same_page_switch

FACET_ORDER = ("section", "doc_type", "issuer", "field", "status", "year", "lang")
MAX_FACET_CHARS = 200
_YEAR = re.compile(r"[0-9]{4}")

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


def read_filters(request: web.Request) -> tuple[dict[str, str], str, str | None]:
    """The facet values chosen (one per facet), the order, and a language."""
    chosen = {}
    for name in FACETS:
        value = " ".join(request.query.get(name, "").split())
        if not value:
            continue
        if len(value) > MAX_FACET_CHARS or (name == "year" and not _YEAR.fullmatch(value)) \
                or (name == "status" and value not in content.LEGAL_STATUSES):
            raise web.HTTPBadRequest(text=_("That filter is not one the search offers."))
        chosen[name] = value
    sort = request.query.get("sort", "") or "relevance"
    if sort not in SORTS:
        raise web.HTTPBadRequest(text=_("Results can be sorted by relevance or by date."))
    lang = request.query.get("lang", "") or None
    if lang is not None and lang not in request.app[CONFIG].languages:
        raise web.HTTPBadRequest(text=_("That filter is not one the search offers."))
    return chosen, sort, lang


def result_url(result: dict[str, Any], lang: str) -> str:
    """Documents and procedures open under the reader's language prefix."""
    url = result["url"]
    section = _SHOWN_ANYWHERE.get(result["kind"])
    parts = url.split("/", 3)
    if section and len(parts) == 4 and parts[2] == section:
        return f"/{lang}/{section}/{parts[3]}"
    return url


def _results(conn: sqlite3.Connection, q: str, kind: str | None, lang: str | None,
             facets: dict[str, str], sort: str, page: int) -> dict[str, Any]:
    results = run_search(conn, q, kinds=[kind] if kind else None, lang=lang,
                         page=page, per_page=PER_PAGE,
                         facets={k: [v] for k, v in facets.items()}, sort=sort)
    # What replaced or amended a legal document, said beside it.
    for result in results["items"]:
        if result.get("status") in ("replaced", "amended") and result["id"].isdigit():
            item = content.items_by_id(conn, [int(result["id"])]).get(int(result["id"]))
            if item is not None:
                item.document = dict(conn.execute(
                    "SELECT * FROM document WHERE item_id = ?", (item.id,)).fetchone() or {})
                result["relations"] = content.document_relations(conn, item)
    results["section_names"] = {s.key: s.names for s in content.list_sections(conn)}
    return results


def straight_to(q: str, results: dict[str, Any]) -> dict[str, Any] | None:
    """The one result a lone document number or procedure code names."""
    if " " in q or not any(ch.isdigit() for ch in q) or results["total"] > 20:
        return None
    key = number_key(q)
    named = [r for r in results["items"]
             if key and r.get("number") and number_key(r["number"]) == key]
    return named[0] if len(named) == 1 else None


@counted(first_page_query)
@cached
async def search(request: web.Request) -> web.StreamResponse:
    lang = request.match_info["lang"]
    config = request.app[CONFIG]
    q, kind = read_query(request)
    facets, sort, only_lang = read_filters(request)
    page = page_number(request)

    results = None
    paging = None
    if q:
        results = await request.app[DB].read(
            _results, q, kind, only_lang, facets, sort, page)
        note_query(request, q, results["total"])
        target = straight_to(q, results) if page == 1 and not kind and not facets \
            else None
        if target is not None:
            raise web.HTTPFound(result_url(target, lang))
        paging = Pagination(page, PER_PAGE, results["total"])
        if results["total"]:
            paging.check()
        for result in results["items"]:
            result["local_url"] = result_url(result, lang)

    query = {"q": q, "kind": kind or "", **facets, "lang": only_lang or "",
             "sort": "" if sort == "relevance" else sort, "page": page}
    kept = {k: v for k, v in query.items() if k != "page"}
    meta = Meta(
        title=_("Search results for “%(q)s”", q=q) if q else _("Search"),
        description=_(
            "Search news, legal documents, administrative procedures and "
            "online public services of %(site)s.",
            site=config.site_name(lang),
        ),
        path=request.path,
        query=query,
        switch=same_page_switch(config, lang, request.path, kept),
        area="search",
        noindex=True,
    )
    context = {
        "q": q,
        "kind": kind,
        "chosen": facets,
        "only_lang": only_lang,
        "sort": sort,
        "results": results,
        "paging": paging,
        "query": query,
        "kept": kept,
        "facet_groups": _facet_groups(results, facets, only_lang),
        "search_query": q,
        "dossier_lookup": bool(config["dossier.endpoint"]),
    }
    return await render(request, "web/search.html", context, meta)


def _facet_groups(results: dict[str, Any] | None, chosen: dict[str, str],
                  only_lang: str | None) -> list[tuple[str, list[tuple[str, int]]]]:
    """The facets to offer, in order: those with more than one value, or the
    one chosen (so it can be cleared)."""
    if not results:
        return []
    groups = []
    for name in FACET_ORDER:
        counts = results["facets"].get(name) or {}
        picked = only_lang if name == "lang" else chosen.get(name)
        if len(counts) > 1 or picked:
            values = sorted(counts.items(), reverse=True) if name == "year" \
                else list(counts.items())
            groups.append((name, values))
    return groups
