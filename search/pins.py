"""Results editors pin to the top for a query (search_pin).

A pin is kept under the query folded (`lam ho chieu` for "làm hộ chiếu"), so
it holds however the query is typed, and points at a search document by its
ref. Editors name the result by its address on the site.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from appliance import content
from appliance.db import utcnow
from appliance.errors import ConflictError, NotFoundError, UserError
from appliance.i18n import gettext as _

from .query import query_key

MAX_PINS_PER_QUERY = 10


@dataclass(frozen=True)
class Pin:
    id: int
    query: str
    query_key: str
    ref: str
    position: int
    title: str | None
    url: str | None


def list_pins(conn: sqlite3.Connection) -> list[Pin]:
    rows = conn.execute(
        "SELECT search_pin.id, query, query_key, search_pin.ref, position,"
        " search_doc.title, search_doc.url FROM search_pin"
        " LEFT JOIN search_doc ON search_doc.ref = search_pin.ref"
        " ORDER BY query_key, position, search_pin.id")
    return [Pin(*row) for row in rows]


def ref_for_address(conn: sqlite3.Connection, address: str) -> str:
    """The search document at an address of this site (/vi/procedures/1.000178,
    or the full address), or named by its ref."""
    address = (address or "").strip()
    if not address.startswith(("http:", "https:", "/")) and conn.execute(
            "SELECT 1 FROM search_doc WHERE ref = ?", (address,)).fetchone():
        return address
    path = unquote(urlsplit(address).path)
    parts = [p for p in path.split("/") if p]
    item = None
    if len(parts) == 3:
        lang, area, slug = parts
        kinds = {"documents": content.DOCUMENT_KINDS, "procedures": ("procedure",),
                 "services": ("public_service",)}.get(area, content.NEWS_KINDS)
        item = content.find_item(conn, lang, slug, kinds=kinds)
        if item is None and area in ("documents", "procedures", "services"):
            for other in ("vi", "en", "km"):
                item = item or content.find_item(conn, other, slug, kinds=kinds)
    if item is None:
        raise UserError(_("No published page at “%(address)s”. Copy the address of "
                          "the result from the site.", address=address))
    return f"item:{item.id}"


def add_pin(conn: sqlite3.Connection, query: str, address: str,
            user_id: int | None = None) -> Pin:
    query = " ".join((query or "").split())
    key = query_key(query)
    if not key:
        raise UserError(_("Type the query the result is pinned for."))
    ref = ref_for_address(conn, address)
    count = conn.execute("SELECT count(*) FROM search_pin WHERE query_key = ?",
                         (key,)).fetchone()[0]
    if count >= MAX_PINS_PER_QUERY:
        raise UserError(_("A query may have at most %(n)s pinned results.",
                          n=MAX_PINS_PER_QUERY))
    if conn.execute("SELECT 1 FROM search_pin WHERE query_key = ? AND ref = ?",
                    (key, ref)).fetchone():
        raise ConflictError(_("That result is already pinned for this query."))
    pin_id = conn.execute(
        "INSERT INTO search_pin (query, query_key, ref, position, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (query, key, ref, count, utcnow(), user_id)).fetchone()[0]
    return next(p for p in list_pins(conn) if p.id == pin_id)


def remove_pin(conn: sqlite3.Connection, pin_id: int) -> None:
    if not conn.execute("DELETE FROM search_pin WHERE id = ?", (pin_id,)).rowcount:
        raise NotFoundError(_("No such pinned result."))
