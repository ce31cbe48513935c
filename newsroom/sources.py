"""Outside sources in the admin: what is synced from where, and its health.

GET  /admin/sources                 every source: state, last success, last
                                    error in plain words, items, alarm; add one
POST /admin/sources                 add a source
GET  /admin/sources/{id}            one source: its settings and last sync
POST /admin/sources/{id}            change it
POST /admin/sources/{id}/sync       sync it now
POST /admin/sources/{id}/delete     remove it, and the items only it held

For the editor-in-chief and administrators. The syncing is search.sync's;
the same actions are `portal source ...` on the command line.
"""

from __future__ import annotations

import logging

from aiohttp import web

from appliance import content
from appliance.audit import audit
from appliance.errors import ConflictError, NotFoundError, UserError
from appliance.i18n import gettext as _
from search import sources, sync
from search.mapping import IMPORT_FIELDS
from search.service import SYNCS, sync_now

from .forms import FieldError
from .labels import N_
from .pages import as_id, field, posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")

NOTICES = {
    "added": N_("The source was added; its first sync starts within a minute."),
    "saved": N_("The source was changed."),
    "syncing": N_("The sync has started; reload the page to see how it went."),
    "deleted": N_("The source was removed, with the items no other source holds."),
}
KIND_NAMES = {
    "rss": N_("RSS or Atom feed"),
    "json": N_("JSON API"),
    "csv": N_("CSV file"),
    "xlsx": N_("Excel file (XLSX)"),
    "sitemap": N_("Site without a feed (sitemap)"),
}


def _draft(form=None, source: sources.Source | None = None) -> sources.SourceInput:
    if form is None:
        if source is None:
            return sources.SourceInput(name="", kind="rss", url="", alarm_minutes="")
        return sources.SourceInput(
            source.name, source.kind, source.url, source.every_minutes,
            source.alarm_minutes, source.item_kind, source.lang, source.section_key,
            "" if source.mapping in ("", "{}") else source.mapping, source.enabled)
    return sources.SourceInput(
        name=field(form, "name"), kind=field(form, "kind"), url=field(form, "url"),
        every_minutes=field(form, "every") or sources.DEFAULT_EVERY,
        alarm_minutes=field(form, "alarm") or None, item_kind=field(form, "item_kind"),
        lang=field(form, "lang") or "vi", section_key=field(form, "section") or None,
        mapping=field(form, "mapping"), enabled=field(form, "enabled") == "1")


async def _common(request: web.Request) -> dict:
    return {
        "kinds": sources.SOURCE_KINDS,
        "kind_names": KIND_NAMES,
        "item_kinds": content.KINDS,
        "sections": await read(request, content.list_sections),
        "import_fields": IMPORT_FIELDS,
        "error_text": sources.error_text,
        "rejection_text": sources.rejection_text,
        "syncing": set(request.config_dict[SYNCS]),
    }


async def sources_page(request: web.Request, *, errors: list[FieldError] | None = None,
                       draft: sources.SourceInput | None = None,
                       status: int = 200) -> web.Response:
    require(signed_in(request), "source.manage")
    message = NOTICES.get(request.query.get("done", ""))
    return await render(request, "sources.html", {
        **await _common(request),
        "sources": await read(request, sources.list_sources),
        "errors": errors or [],
        "draft": draft or _draft(),
        "notice": _(message) if message else None,
    }, status=status)


async def source_page(request: web.Request, *, errors: list[FieldError] | None = None,
                      draft: sources.SourceInput | None = None,
                      status: int = 200) -> web.Response:
    require(signed_in(request), "source.manage")
    source = await read(request, sources.get_source, _source_id(request))
    message = NOTICES.get(request.query.get("done", ""))
    return await render(request, "source.html", {
        **await _common(request),
        "source": source,
        "errors": errors or [],
        "draft": draft or _draft(source=source),
        "counts": source.last_counts,
        "notice": _(message) if message else None,
    }, status=status)


def _add(conn, data: sources.SourceInput, user_id: int) -> sources.Source:
    source = sources.add_source(conn, data)
    audit(conn, user_id, "source.add", f"source:{source.id}", source.name)
    return source


def _update(conn, source_id: int, data: sources.SourceInput,
            user_id: int) -> sources.Source:
    source = sources.update_source(conn, source_id, data)
    audit(conn, user_id, "source.update", f"source:{source.id}", source.name)
    return source


def _remove(conn, source_id: int, user_id: int) -> int:
    source = sources.get_source(conn, source_id)
    removed = sync.remove_source(conn, source.name)
    audit(conn, user_id, "source.delete", f"source:{source_id}", source.name)
    return removed


async def add_source(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "source.manage")
    async with posted_form(request) as form:
        draft = _draft(form)
    try:
        source = await write(request, _add, draft, user.id)
    except UserError as exc:
        status = 409 if isinstance(exc, ConflictError) else 400
        return await sources_page(request, errors=[FieldError("source", str(exc))],
                                  draft=draft, status=status)
    log.info("source added", extra={"source": source.name, "user": user.username})
    raise web.HTTPSeeOther("/admin/sources?done=added")


async def change_source(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "source.manage")
    source_id = _source_id(request)
    async with posted_form(request) as form:
        draft = _draft(form)
    try:
        await write(request, _update, source_id, draft, user.id)
    except UserError as exc:
        if isinstance(exc, NotFoundError):
            raise
        status = 409 if isinstance(exc, ConflictError) else 400
        return await source_page(request, errors=[FieldError("source", str(exc))],
                                 draft=draft, status=status)
    raise web.HTTPSeeOther(f"/admin/sources/{source_id}?done=saved")


async def sync_source(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "source.manage")
    source_id = _source_id(request)
    async with posted_form(request):
        pass
    await read(request, sources.get_source, source_id)  # 404 for an unknown one
    # The newsroom is a sub-application; syncs belong to the main one.
    await sync_now(request.match_info.apps[0], source_id)
    log.info("source sync asked for", extra={"source_id": source_id,
                                             "user": user.username})
    raise web.HTTPSeeOther(f"/admin/sources/{source_id}?done=syncing")


async def delete_source(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "source.manage")
    source_id = _source_id(request)
    async with posted_form(request):
        pass
    removed = await write(request, _remove, source_id, user.id)
    log.info("source removed", extra={"source_id": source_id, "items": removed,
                                      "user": user.username})
    raise web.HTTPSeeOther("/admin/sources?done=deleted")


def _source_id(request: web.Request) -> int:
    source_id = as_id(request.match_info["id"])
    if source_id is None:
        raise NotFoundError(_("No source named “%(name)s”.", name=request.match_info["id"]))
    return source_id
