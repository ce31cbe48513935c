"""Editorial notes: what staff tell each other about an item, beside it.

Notes are plain text, kept with the item and listed on its page together
with the reasons given when it was returned (written by the workflow) and
the record of editing taken over, oldest first, so the page reads as the
item's conversation.

    POST /admin/items/{id}/notes         add a note
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from aiohttp import web

from appliance import content
from appliance.audit import audit
from appliance.errors import UserError
from appliance.i18n import gettext as _
from appliance.text import clean
from appliance.users import User

from . import workflow
from .labels import N_
from .pages import field, posted_form, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")

MAX_NOTE_LENGTH = 4000

KINDS = {
    "note": N_("Note"),
    "return": N_("Returned, with the reason"),
    "takeover": N_("Editing taken over"),
}


@dataclass(frozen=True)
class Note:
    id: int
    at: str
    kind: str
    author: str | None  # None: the system
    body: str

    @property
    def label(self) -> str:
        """The kind of entry, as a message id."""
        return KINDS.get(self.kind, KINDS["note"])


def notes_for(conn: sqlite3.Connection, item_id: int) -> list[Note]:
    """The item's notes, return reasons and take-overs, oldest first."""
    rows = conn.execute(
        "SELECT item_note.*, user.display_name, user.username FROM item_note"
        " LEFT JOIN user ON user.id = item_note.user_id"
        " WHERE item_note.item_id = ? ORDER BY item_note.id",
        (item_id,),
    )
    return [
        Note(row["id"], row["at"], row["kind"],
             (row["display_name"] or row["username"]) if row["user_id"] else None,
             row["body"])
        for row in rows
    ]


def clean_note(text: str) -> str:
    """The note as stored: NFC, no control characters, no blank lines around
    it; refused when empty or too long."""
    text = clean(text).strip()
    if not text:
        raise UserError(_("Write the note before adding it."))
    if len(text) > MAX_NOTE_LENGTH:
        raise UserError(_("The note is too long: use at most %(n)s characters.",
                          n=MAX_NOTE_LENGTH))
    return text


def add_note(conn: sqlite3.Connection, item_id: int, user: User, text: str) -> int:
    """Add a note to an item the user may see; recorded in the audit trail
    (its length, not its words, which may be sensitive)."""
    item = content.get_item(conn, item_id)
    require(user, "item.note", item)
    body = clean_note(text)
    note_id = workflow.add_note(conn, item.id, user.id, body)
    audit(conn, user.id, "item.note", f"item:{item.id}", f"{len(body)} characters")
    return note_id


async def add_note_handler(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    item_id = int(request.match_info["id"])
    async with posted_form(request) as form:
        text = field(form, "body")
    note_id = await write(request, add_note, item_id, user, text)
    log.info("note added", extra={"item": item_id, "note": note_id,
                                  "user": user.username})
    raise web.HTTPSeeOther(f"/admin/items/{item_id}#note-{note_id}")
