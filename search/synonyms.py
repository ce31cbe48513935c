"""The synonym and abbreviation table editors keep (search_synonym).

A row says that a term people type (UBND, hộ khẩu, CMND) also means other
phrases (Ủy ban nhân dân, thường trú, căn cước): a query holding the term as
whole words also finds documents holding one of the phrases. A two-way row
works backwards too: the phrases also find the term (a query for Ủy ban nhân
dân finds UBND). Matching is on folded words, as the index holds them.

The table is read on every search, so the parsed form is cached in this
process and re-read when the version in search_meta moves (every change
below bumps it).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass

from appliance.db import utcnow
from appliance.errors import NotFoundError, UserError
from appliance.i18n import gettext as _
from appliance.text import fold, nfc

from .query import Synonyms
from .textform import words

MAX_TERM_CHARS = 100
MAX_EXPANSIONS = 10
_VERSION_KEY = "synonyms_version"

_lock = threading.Lock()
# Database file -> (version, table).
_cached: dict[str, tuple[str, Synonyms]] = {}


@dataclass(frozen=True)
class Synonym:
    id: int
    term: str
    expansions: list[str]
    two_way: bool
    updated_at: str


def table(conn: sqlite3.Connection) -> Synonyms:
    """Folded term words -> folded phrases also searched, for the parser."""
    where = conn.execute("PRAGMA database_list").fetchone()[2]
    row = conn.execute("SELECT value FROM search_meta WHERE key = ?",
                       (_VERSION_KEY,)).fetchone()
    version = row[0] if row else "0"
    cached = _cached.get(where)
    if cached is not None and cached[0] == version:
        return cached[1]
    built = _build(conn)
    with _lock:
        _cached[where] = (version, built)
    return built


def _build(conn: sqlite3.Connection) -> Synonyms:
    found: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

    def add(term: tuple[str, ...], phrase: tuple[str, ...]) -> None:
        if term and phrase and phrase != term and phrase not in found.setdefault(term, []):
            found[term].append(phrase)

    for entry in list_synonyms(conn):
        term = tuple(words(entry.term))
        phrases = [tuple(words(p)) for p in entry.expansions]
        for phrase in phrases:
            add(term, phrase)
        if entry.two_way:
            for phrase in phrases:
                add(phrase, term)
                for other in phrases:
                    add(phrase, other)
    return found


def list_synonyms(conn: sqlite3.Connection) -> list[Synonym]:
    rows = conn.execute("SELECT id, term, expansions, two_way, updated_at"
                        " FROM search_synonym ORDER BY term_key")
    return [Synonym(r[0], r[1], json.loads(r[2]), bool(r[3]), r[4]) for r in rows]


def _clean(text: str) -> str:
    return " ".join(nfc(text or "").split())


def save_synonym(conn: sqlite3.Connection, term: str, expansions: list[str],
                 two_way: bool, user_id: int | None = None,
                 synonym_id: int | None = None) -> Synonym:
    """Add a row, or change the one with that id."""
    term = _clean(term)
    phrases = []
    for phrase in (_clean(p) for p in expansions):
        if phrase and fold(phrase).lower() not in {fold(p).lower() for p in phrases}:
            phrases.append(phrase)
    if not words(term):
        raise UserError(_("Type the word or abbreviation people search for."))
    if len(term) > MAX_TERM_CHARS or any(len(p) > MAX_TERM_CHARS for p in phrases):
        raise UserError(_("Keep each term and phrase under %(n)s characters.",
                          n=MAX_TERM_CHARS))
    phrases = [p for p in phrases if words(p) and words(p) != words(term)]
    if not phrases:
        raise UserError(_("Give at least one phrase that the term also means."))
    if len(phrases) > MAX_EXPANSIONS:
        raise UserError(_("Give at most %(n)s phrases for one term.", n=MAX_EXPANSIONS))
    key = fold(term).lower()
    clash = conn.execute("SELECT id FROM search_synonym WHERE term_key = ?",
                         (key,)).fetchone()
    if clash and clash[0] != synonym_id:
        raise UserError(_("“%(term)s” is already in the table; change that row instead.",
                          term=term))
    values = (term, key, json.dumps(phrases, ensure_ascii=False), int(bool(two_way)),
              utcnow(), user_id)
    if synonym_id is None:
        new_id = conn.execute(
            "INSERT INTO search_synonym (term, term_key, expansions, two_way,"
            " updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            values).fetchone()[0]
    else:
        changed = conn.execute(
            "UPDATE search_synonym SET term = ?, term_key = ?, expansions = ?,"
            " two_way = ?, updated_at = ?, updated_by = ? WHERE id = ?",
            (*values, synonym_id)).rowcount
        if not changed:
            raise NotFoundError(_("No such synonym."))
        new_id = synonym_id
    _bump(conn)
    return next(s for s in list_synonyms(conn) if s.id == new_id)


def delete_synonym(conn: sqlite3.Connection, synonym_id: int) -> None:
    if not conn.execute("DELETE FROM search_synonym WHERE id = ?",
                        (synonym_id,)).rowcount:
        raise NotFoundError(_("No such synonym."))
    _bump(conn)


def _bump(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO search_meta (key, value) VALUES (?, '1') ON CONFLICT (key)"
        " DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
        (_VERSION_KEY,))
