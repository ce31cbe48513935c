"""The pages the law expects on a portal, kept as structured entries that
editors update: leaders and their duties, the organisation chart, contact
points, the spokesperson and press information, the official channels, and
the privacy notice for the personal data the portal collects.

Each page holds entries per language, in order; each entry is a few named
fields (PAGES says which). Data functions in the usual form; every change is
written to the audit trail.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from yarl import URL

from .audit import audit
from .db import utcnow
from .errors import NotFoundError, UserError
from .i18n import LANGUAGES, N_
from .i18n import gettext as _
from .text import clean


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, long (paragraphs), email, phone, url, choice
    required: bool = False
    choices: tuple[str, ...] = ()


CHANNEL_KINDS = ("website", "social", "app", "phone", "email", "other")

PAGES: dict[str, tuple[str, tuple[Field, ...]]] = {
    "leaders": (N_("Leaders and their duties"), (
        Field("name", N_("Name"), required=True),
        Field("title", N_("Position"), required=True),
        Field("duties", N_("Duties"), "long"),
        Field("biography", N_("Short biography"), "long"),
        Field("phone", N_("Phone"), "phone"),
        Field("email", N_("E-mail"), "email"),
    )),
    "organisation": (N_("Organisation chart"), (
        Field("name", N_("Unit"), required=True),
        Field("parent", N_("Part of (the unit above, as named here)")),
        Field("head", N_("Head of the unit")),
        Field("functions", N_("Functions and duties"), "long"),
        Field("address", N_("Address")),
        Field("phone", N_("Phone"), "phone"),
        Field("email", N_("E-mail"), "email"),
        Field("website", N_("Website"), "url"),
    )),
    "contacts": (N_("Contact points"), (
        Field("name", N_("Contact point"), required=True),
        Field("purpose", N_("For what")),
        Field("person", N_("Person in charge")),
        Field("phone", N_("Phone"), "phone"),
        Field("email", N_("E-mail"), "email"),
        Field("address", N_("Address")),
        Field("hours", N_("Opening hours")),
    )),
    "press": (N_("Spokesperson and press information"), (
        Field("name", N_("Name"), required=True),
        Field("title", N_("Position")),
        Field("role", N_("Role (spokesperson, press contact)")),
        Field("phone", N_("Phone"), "phone"),
        Field("email", N_("E-mail"), "email"),
        Field("note", N_("Press information"), "long"),
    )),
    "channels": (N_("Official channels"), (
        Field("name", N_("Channel"), required=True),
        Field("kind", N_("Kind"), "choice", True, CHANNEL_KINDS),
        Field("url", N_("Address"), "url"),
        Field("note", N_("Note")),
    )),
    "privacy": (N_("Privacy notice"), (
        Field("heading", N_("Heading"), required=True),
        Field("text", N_("Text"), "long", True),
    )),
}
CHANNEL_LABELS = {
    "website": N_("Website"), "social": N_("Social network account"),
    "app": N_("Mobile app"), "phone": N_("Telephone line"), "email": N_("E-mail"),
    "other": N_("Other"),
}
MAX_ENTRIES = 200
MAX_FIELD = 4000


@dataclass(frozen=True)
class Entry:
    id: int
    page: str
    lang: str
    position: int
    fields: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.fields.get(name, "")


def page_title(page: str) -> str:
    return PAGES[page][0]


def _check_page(page: str, lang: str) -> None:
    if page not in PAGES:
        raise UserError(_("Unknown page “%(page)s”.", page=page))
    if lang not in LANGUAGES:
        raise UserError(_("Unknown language “%(lang)s”: use vi, en or km.", lang=lang))


def clean_fields(page: str, given: dict[str, str]) -> dict[str, str]:
    """The entry's fields, checked; a UserError names the first wrong one."""
    out = {}
    for spec in PAGES[page][1]:
        raw = clean(given.get(spec.name, "") or "")
        value = raw.strip() if spec.kind == "long" else " ".join(raw.split())
        if len(value) > MAX_FIELD:
            raise UserError(_("“%(field)s” may have at most %(n)s characters.",
                              field=_(spec.label), n=MAX_FIELD))
        if spec.required and not value:
            raise UserError(_("Fill in “%(field)s”.", field=_(spec.label)))
        if value and spec.kind == "url":
            url = URL(value)
            if url.scheme not in ("http", "https") or not url.host:
                raise UserError(_("“%(field)s” must be a full address starting with "
                                  "https://.", field=_(spec.label)))
        if value and spec.kind == "email" and "@" not in value:
            raise UserError(_("“%(field)s” is not an e-mail address.",
                              field=_(spec.label)))
        if value and spec.kind == "choice" and value not in spec.choices:
            raise UserError(_("Choose a value for “%(field)s”.", field=_(spec.label)))
        if value:
            out[spec.name] = value
    return out


def entries(conn: sqlite3.Connection, page: str, lang: str) -> list[Entry]:
    rows = conn.execute("SELECT * FROM about_entry WHERE page = ? AND lang = ?"
                        " ORDER BY position, id", (page, lang))
    return [_entry(row) for row in rows]


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(row["id"], row["page"], row["lang"], row["position"],
                 json.loads(row["fields"] or "{}"))


def get_entry(conn: sqlite3.Connection, entry_id: int) -> Entry:
    row = conn.execute("SELECT * FROM about_entry WHERE id = ?", (entry_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No entry with number %(id)s.", id=entry_id))
    return _entry(row)


def add_entry(conn: sqlite3.Connection, page: str, lang: str, given: dict[str, str],
              user_id: int | None) -> Entry:
    _check_page(page, lang)
    fields = clean_fields(page, given)
    count, last = conn.execute(
        "SELECT count(*), coalesce(max(position), -1) FROM about_entry"
        " WHERE page = ? AND lang = ?", (page, lang)).fetchone()
    if count >= MAX_ENTRIES:
        raise UserError(_("A page holds at most %(n)s entries.", n=MAX_ENTRIES))
    cur = conn.execute(
        "INSERT INTO about_entry (page, lang, position, fields, updated_at, updated_by)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (page, lang, last + 1, json.dumps(fields, ensure_ascii=False), utcnow(), user_id))
    audit(conn, user_id, "about.add", f"about:{page}:{lang}", str(cur.lastrowid))
    return get_entry(conn, cur.lastrowid)


def update_entry(conn: sqlite3.Connection, entry_id: int, given: dict[str, str],
                 user_id: int | None) -> Entry:
    entry = get_entry(conn, entry_id)
    fields = clean_fields(entry.page, given)
    conn.execute("UPDATE about_entry SET fields = ?, updated_at = ?, updated_by = ?"
                 " WHERE id = ?", (json.dumps(fields, ensure_ascii=False), utcnow(),
                                   user_id, entry_id))
    audit(conn, user_id, "about.update", f"about:{entry.page}:{entry.lang}",
          str(entry_id))
    return get_entry(conn, entry_id)


def delete_entry(conn: sqlite3.Connection, entry_id: int, user_id: int | None) -> Entry:
    entry = get_entry(conn, entry_id)
    conn.execute("DELETE FROM about_entry WHERE id = ?", (entry_id,))
    audit(conn, user_id, "about.delete", f"about:{entry.page}:{entry.lang}",
          str(entry_id))
    return entry


def move_entry(conn: sqlite3.Connection, entry_id: int, direction: str,
               user_id: int | None) -> Entry:
    entry = get_entry(conn, entry_id)
    ids = [e.id for e in entries(conn, entry.page, entry.lang)]
    at = ids.index(entry_id)
    other = at - 1 if direction == "up" else at + 1
    if direction not in ("up", "down"):
        raise UserError(_("Move up or down."))
    if 0 <= other < len(ids):
        ids[at], ids[other] = ids[other], ids[at]
    conn.executemany("UPDATE about_entry SET position = ? WHERE id = ?",
                     [(position, each) for position, each in enumerate(ids)])
    audit(conn, user_id, "about.reorder", f"about:{entry.page}:{entry.lang}",
          ",".join(map(str, ids)))
    return entry


@dataclass
class Unit:
    entry: Entry
    children: list[Unit]


def organisation_tree(found: list[Entry]) -> list[Unit]:
    """Units under the unit they name as their parent; a parent that is not
    on the page (or a loop) puts the unit at the top."""
    units = {e["name"]: Unit(e, []) for e in found}
    roots = []
    for entry in found:
        parent = units.get(entry["parent"])
        if parent is None or parent.entry.id == entry.id or _under(units, entry, parent):
            roots.append(units[entry["name"]])
        else:
            parent.children.append(units[entry["name"]])
    return roots


def _under(units: dict[str, Unit], entry: Entry, parent: Unit) -> bool:
    """True when `parent` is itself below `entry` (a loop)."""
    seen, current = set(), parent.entry
    while current["parent"] in units and current.id not in seen:
        seen.add(current.id)
        current = units[current["parent"]].entry
        if current.id == entry.id:
            return True
    return False
