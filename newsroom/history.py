"""An item's history: every saved revision, the differences between any two,
and restoring an old one.

GET  /admin/items/{id}/history                    every revision, newest first
GET  /admin/items/{id}/diff?from=A&to=B           what changed from A to B
                                                  (by default the latest change)
POST /admin/items/{id}/history/{revision}/restore save revision's content again

A restore is an ordinary save through the content store, made from the item's
current revision (a stale restore is refused like a stale edit), so it adds
a revision and never rewrites history.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from aiohttp import web

from appliance import content, revisions
from appliance.audit import audit
from appliance.content import Item
from appliance.errors import ConflictError, UserError
from appliance.i18n import gettext as _
from appliance.users import User

from . import locks
from .editing import check_dating, check_editable, check_placement
from .forms import EDITABLE_KINDS
from .pages import as_id, field, posted_form, read, render, signed_in, write
from .permissions import can, require

log = logging.getLogger("portal.newsroom")


# -- pages --------------------------------------------------------------------


async def history_page(request: web.Request) -> web.Response:
    user = signed_in(request)
    item = await item_for(request, user, "item.history")
    return await _history(request, item, user)


async def _history(
    request: web.Request,
    item: Item,
    user: User,
    *,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    found = await read(request, revisions.list_revisions, item.id)
    newest = found[0].revision if found else item.revision
    context = {
        "item": item,
        "revisions": found,
        "may_restore": can(user, "item.edit", item) and item.kind in EDITABLE_KINDS,
        "compare_from": found[1].revision if len(found) > 1 else newest,
        "compare_to": newest,
        "restored": as_id(request.query.get("restored")),
        "error": error,
    }
    return await render(request, "history.html", context, status=status)


async def diff_page(request: web.Request) -> web.Response:
    user = signed_in(request)
    item = await item_for(request, user, "item.history")
    # Without numbers: the latest change, from the revision before the newest.
    second = item.revision
    if "to" in request.query:
        second = _revision_number(request.query["to"], _("the second revision"))
    if "from" in request.query:
        first = _revision_number(request.query["from"], _("the first revision"))
    else:
        first = await read(request, revisions.previous_revision, item.id, second)
    old = await read(request, revisions.get_revision, item.id, first)
    new = await read(request, revisions.get_revision, item.id, second)
    # Word diffs of long texts take a moment of CPU: off the event loop.
    changes = await asyncio.to_thread(revisions.diff, old, new)
    return await render(request, "diff.html", {"item": item, "diff": changes})


async def restore(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    item = await item_for(request, user, "item.history")
    number = _revision_number(request.match_info["revision"], _("the revision"))
    async with posted_form(request) as form:
        expected = as_id(field(form, "revision"))
    if expected is None:
        raise UserError(
            _(
                "The form does not say which revision the item is at. "
                "Reload the history and try again."
            )
        )
    try:
        await write(request, restore_revision, item.id, number, expected, user)
    except ConflictError as exc:
        current = await read(request, content.get_item, item.id)
        return await _history(request, current, user, error=str(exc), status=409)
    log.info(
        "revision restored",
        extra={"item": item.id, "revision": number, "user": user.username},
    )
    raise web.HTTPSeeOther(f"/admin/items/{item.id}/history?restored={number}")


# -- helpers ------------------------------------------------------------------


async def item_for(request: web.Request, user: User, action: str) -> Item:
    """The item named in the address, after checking the user may `action` it."""
    item_id = as_id(request.match_info["id"])
    if item_id is None:
        raise UserError(_("The item number must be a whole number."))
    item = await read(request, content.get_item, item_id)
    require(user, action, item)
    return item


def _revision_number(raw: str | None, name: str) -> int:
    number = as_id(raw)
    if number is None or number < 1:
        raise UserError(
            _("Choose %(which)s to compare or restore by its number.", which=name)
        )
    return number


def restore_revision(
    conn: sqlite3.Connection, item_id: int, number: int, expected: int, user: User
) -> Item:
    """Save an old revision's content as the item's newest revision.

    Checked against the item as stored in this transaction: the user must
    be allowed to edit it, nobody else may be editing it, and it must still
    be at the revision the user saw, or the restore would silently undo
    someone's later save."""
    item = content.get_item(conn, item_id)
    require(user, "item.edit", item)
    check_editable(item)
    held = locks.current(conn, item_id)
    if held is not None and not held.held_by(user):
        raise ConflictError(
            _(
                "%(name)s is editing this item now; restoring would undo their work. "
                "Ask %(name)s to finish first, then restore.",
                name=held.holder,
            )
        )
    if expected != item.revision:
        raise ConflictError(
            _(
                "Someone saved this item after you opened its history, so restoring "
                "now could undo their work. Look at the history again, then restore."
            )
        )
    old = revisions.get_revision(conn, item_id, number)
    data = revisions.restore_input(conn, item, old)
    # What an edit may not do, a restore may not either: move the item out of
    # the user's sections, or date a live item into the future.
    check_placement(conn, data, item, user)
    check_dating(data, item)
    saved = content.save_item(
        conn,
        data,
        item_id=item_id,
        user_id=user.id,
        expected_revision=expected,
    )
    audit(
        conn,
        user.id,
        "item.restore",
        f"item:{item_id}",
        f"revision:{number} as revision:{saved.revision}",
    )
    return saved
