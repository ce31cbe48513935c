"""Redirects from the old portal's addresses to the new ones (301).

GET  /admin/redirects                  the list, ?q= words in either address, ?page=
POST /admin/redirects                  add one
POST /admin/redirects/import           add many from a CSV file (old,new per line)
POST /admin/redirects/{id}             change one
POST /admin/redirects/{id}/delete      delete one

For the editor-in-chief and administrators. The public side is web.redirects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from appliance import navigation
from appliance.errors import ConflictError, UserError
from appliance.i18n import gettext as _
from appliance.navigation import ImportReport, Redirect
from appliance.text import nfc
from web.redirects import OLD_ADDRESSES

from .forms import FieldError
from .labels import N_
from .pages import as_id, field, page_number, posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")

PAGE_SIZE = 50
MAX_CSV_BYTES = 2 * 1024 * 1024
NOTICES = {
    "added": N_("The redirect was added."),
    "saved": N_("The redirect was changed."),
    "deleted": N_("The redirect was deleted."),
}


@dataclass(frozen=True)
class Row:
    """A redirect with the hits counted since they were last written."""

    redirect: Redirect
    hits: int
    last_hit_at: str | None


@dataclass
class Draft:
    old: str = ""
    new: str = ""


async def redirects_page(
    request: web.Request,
    *,
    errors: list[FieldError] | None = None,
    draft: Draft | None = None,
    editing: int | None = None,
    report: ImportReport | None = None,
    status: int = 200,
) -> web.Response:
    require(signed_in(request), "redirect.manage")
    words = nfc(request.query.get("q", "")).strip()[:200]
    page = page_number(request)
    found, total = await read(request, navigation.list_redirects, words=words,
                              limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    message = NOTICES.get(request.query.get("done", ""))
    return await render(request, "redirects.html", {
        "rows": [_with_unsaved_hits(request, each) for each in found],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "words": words,
        "errors": errors or [],
        "draft": draft if draft is not None and editing is None else Draft(),
        "edit_draft": draft if editing is not None else None,
        "editing": editing,
        "report": report,
        "notice": _(message) if message else None,
    }, status=status)


def _with_unsaved_hits(request: web.Request, redirect: Redirect) -> Row:
    count, at = request.config_dict[OLD_ADDRESSES].unsaved(redirect.id)
    last = max(filter(None, (redirect.last_hit_at, at)), default=None)
    return Row(redirect, redirect.hits + count, last)


async def add_redirect(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "redirect.manage")
    async with posted_form(request) as form:
        draft = Draft(field(form, "old"), field(form, "new"))
    try:
        redirect = await write(request, navigation.add_redirect, draft.old, draft.new,
                               user.id)
    except UserError as exc:
        status = 409 if isinstance(exc, ConflictError) else 400
        return await redirects_page(request, errors=[FieldError("old", str(exc))],
                                    draft=draft, status=status)
    log.info("redirect added", extra={"redirect": redirect.id, "user": user.username})
    raise web.HTTPSeeOther("/admin/redirects?done=added")


async def change_redirect(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "redirect.manage")
    redirect_id = _redirect_id(request)
    async with posted_form(request) as form:
        draft = Draft(field(form, "old"), field(form, "new"))
    try:
        await write(request, navigation.update_redirect, redirect_id, draft.old,
                    draft.new, user.id)
    except UserError as exc:
        status = 409 if isinstance(exc, ConflictError) else 400
        return await redirects_page(
            request, errors=[FieldError(f"old-{redirect_id}", str(exc))], draft=draft,
            editing=redirect_id, status=status)
    log.info("redirect changed", extra={"redirect": redirect_id, "user": user.username})
    raise web.HTTPSeeOther(f"/admin/redirects?done=saved#redirect-{redirect_id}")


async def delete_redirect(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "redirect.manage")
    redirect_id = _redirect_id(request)
    async with posted_form(request):
        pass
    await write(request, navigation.delete_redirect, redirect_id, user.id)
    log.info("redirect deleted", extra={"redirect": redirect_id, "user": user.username})
    raise web.HTTPSeeOther("/admin/redirects?done=deleted")


async def import_redirects(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "redirect.manage")
    async with posted_form(request) as form:
        upload = form.get("file")
        if not isinstance(upload, web.FileField) or not upload.filename:
            return await _import_refused(request, _("Choose a CSV file to import."))
        raw = upload.file.read(MAX_CSV_BYTES + 1)
    try:
        text = _csv_text(raw)
    except UserError as exc:
        return await _import_refused(request, str(exc))
    report = await write(request, navigation.import_redirects, text, user.id)
    log.info("redirects imported", extra={"user": user.username, "added": report.added,
                                          "rejected": len(report.rejects)})
    return await redirects_page(request, report=report)


def _csv_text(raw: bytes) -> str:
    if len(raw) > MAX_CSV_BYTES:
        raise UserError(_("The file is larger than %(n)s MB; split it and import the "
                          "parts one after the other.", n=MAX_CSV_BYTES // 1048576))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(_("The file is not UTF-8 text. Save it as “CSV UTF-8” and "
                          "import it again.")) from None


async def _import_refused(request: web.Request, message: str) -> web.Response:
    return await redirects_page(request, errors=[FieldError("csv", message)], status=400)


def _redirect_id(request: web.Request) -> int:
    redirect_id = as_id(request.match_info["id"])
    if redirect_id is None:
        raise UserError(_("The redirect number must be a whole number."))
    return redirect_id
