"""Search for editors: what people search for, the synonym table, pins.

GET  /admin/search                     top queries and those that found nothing
GET  /admin/search/synonyms            the synonym and abbreviation table
POST /admin/search/synonyms            add a row
POST /admin/search/synonyms/{id}       change a row
POST /admin/search/synonyms/{id}/delete
GET  /admin/search/pins                results pinned for queries
POST /admin/search/pins                pin a result (a query and an address)
POST /admin/search/pins/{id}/delete

For editors (any editing role). The data functions are search.synonyms,
search.pins and search.querylog.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from appliance.audit import audit
from appliance.errors import ConflictError, NotFoundError, UserError
from appliance.i18n import gettext as _
from search import pins, querylog, synonyms

from .forms import FieldError
from .labels import N_
from .pages import as_id, field, posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")

PERIODS = (7, 30, 90)
NOTICES = {
    "synonym-saved": N_("The synonym table was changed."),
    "synonym-deleted": N_("The row was removed from the synonym table."),
    "pinned": N_("The result is pinned for that query."),
    "unpinned": N_("The pin was removed."),
}


@dataclass
class SynonymDraft:
    term: str = ""
    expansions: str = ""
    two_way: bool = False


@dataclass
class PinDraft:
    query: str = ""
    address: str = ""


async def queries_page(request: web.Request) -> web.Response:
    require(signed_in(request), "search.manage")
    days = as_id(request.query.get("days", "30")) or 30
    if days not in PERIODS:
        days = 30
    top = await read(request, querylog.top_queries, days, 50, False)
    empty = await read(request, querylog.top_queries, days, 50, True)
    return await render(request, "search_queries.html", {
        "top": top, "empty": empty, "days": days, "periods": PERIODS})


async def synonyms_page(request: web.Request, *, errors: list[FieldError] | None = None,
                        draft: SynonymDraft | None = None, editing: int | None = None,
                        status: int = 200) -> web.Response:
    require(signed_in(request), "search.manage")
    message = NOTICES.get(request.query.get("done", ""))
    return await render(request, "search_synonyms.html", {
        "rows": await read(request, synonyms.list_synonyms),
        "errors": errors or [],
        "draft": draft if draft is not None and editing is None
        else SynonymDraft(request.query.get("term", "")[:100]),
        "edit_draft": draft if editing is not None else None,
        "editing": editing,
        "notice": _(message) if message else None,
    }, status=status)


def _phrases(text: str) -> list[str]:
    return [line.strip() for line in text.replace(";", "\n").splitlines() if line.strip()]


def _save_synonym(conn, draft: SynonymDraft, user_id: int, synonym_id: int | None):
    row = synonyms.save_synonym(conn, draft.term, _phrases(draft.expansions),
                                draft.two_way, user_id, synonym_id)
    audit(conn, user_id, "synonym.save", f"synonym:{row.id}", row.term)
    return row


def _delete_synonym(conn, synonym_id: int, user_id: int) -> None:
    synonyms.delete_synonym(conn, synonym_id)
    audit(conn, user_id, "synonym.delete", f"synonym:{synonym_id}")


async def save_synonym(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "search.manage")
    synonym_id = _number(request) if "id" in request.match_info else None
    async with posted_form(request) as form:
        draft = SynonymDraft(field(form, "term"), field(form, "expansions"),
                             field(form, "two_way") == "1")
    try:
        await write(request, _save_synonym, draft, user.id, synonym_id)
    except UserError as exc:
        if isinstance(exc, NotFoundError):
            raise
        name = f"term-{synonym_id}" if synonym_id else "term"
        return await synonyms_page(request, errors=[FieldError(name, str(exc))],
                                   draft=draft, editing=synonym_id, status=400)
    raise web.HTTPSeeOther("/admin/search/synonyms?done=synonym-saved")


async def delete_synonym(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "search.manage")
    synonym_id = _number(request)
    async with posted_form(request):
        pass
    await write(request, _delete_synonym, synonym_id, user.id)
    raise web.HTTPSeeOther("/admin/search/synonyms?done=synonym-deleted")


async def pins_page(request: web.Request, *, errors: list[FieldError] | None = None,
                    draft: PinDraft | None = None, status: int = 200) -> web.Response:
    require(signed_in(request), "search.manage")
    message = NOTICES.get(request.query.get("done", ""))
    return await render(request, "search_pins.html", {
        "pins": await read(request, pins.list_pins),
        "errors": errors or [],
        "draft": draft or PinDraft(request.query.get("q", "")[:200]),
        "notice": _(message) if message else None,
    }, status=status)


def _add_pin(conn, draft: PinDraft, user_id: int):
    pin = pins.add_pin(conn, draft.query, draft.address, user_id)
    audit(conn, user_id, "pin.add", f"pin:{pin.id}", pin.query)
    return pin


def _remove_pin(conn, pin_id: int, user_id: int) -> None:
    pins.remove_pin(conn, pin_id)
    audit(conn, user_id, "pin.delete", f"pin:{pin_id}")


async def add_pin(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "search.manage")
    async with posted_form(request) as form:
        draft = PinDraft(field(form, "query"), field(form, "address"))
    try:
        await write(request, _add_pin, draft, user.id)
    except UserError as exc:
        status = 409 if isinstance(exc, ConflictError) else 400
        return await pins_page(request, errors=[FieldError("pin", str(exc))],
                               draft=draft, status=status)
    raise web.HTTPSeeOther("/admin/search/pins?done=pinned")


async def remove_pin(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "search.manage")
    pin_id = _number(request)
    async with posted_form(request):
        pass
    await write(request, _remove_pin, pin_id, user.id)
    raise web.HTTPSeeOther("/admin/search/pins?done=unpinned")


def _number(request: web.Request) -> int:
    number = as_id(request.match_info["id"])
    if number is None:
        raise NotFoundError(_("No such synonym."))
    return number
