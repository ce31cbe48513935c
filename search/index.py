"""Keeping the search index: one search_doc row per searchable document.

Every function runs inside a transaction the caller opened, on a connection
made by appliance.db.connect() (the index triggers call its `sx()` function).
The content store calls `index_document()` whenever a published item is
created or changed and `remove_document()` when it is unpublished or deleted;
bulk imports go through the same call.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date as calendar_date

from appliance.text import nfc, number_key

from .textform import FORM_VERSION

# Codes kept in the low bits of search_doc.id (see 0002_search.sql). They
# are stored in the index: never renumber one, only add (up to 15 kinds).
KIND_CODES = {
    "article": 1,
    "disclosure": 2,
    "directive": 3,
    "legal_document": 4,
    "procedure": 5,
    "public_service": 6,
}
LANG_CODES = {"vi": 1, "en": 2, "km": 3}
KIND_BITS = 4
TAG_BITS = 6
TAG_MASK = (1 << TAG_BITS) - 1
KIND_MASK = (1 << KIND_BITS) - 1
KIND_BY_CODE = {code: kind for kind, code in KIND_CODES.items()}


def doc_tag(kind: str, lang: str) -> int:
    """The low bits of the id of a document of this kind and language."""
    if kind == "dossier":
        raise ValueError("dossiers are never indexed: they hold personal data")
    if kind not in KIND_CODES:
        raise ValueError(f"cannot index kind {kind!r}; known: {sorted(KIND_CODES)}")
    if lang not in LANG_CODES:
        raise ValueError(f"cannot index language {lang!r}; known: {sorted(LANG_CODES)}")
    return LANG_CODES[lang] << KIND_BITS | KIND_CODES[kind]


def kind_of(doc_id: int) -> str | None:
    return KIND_BY_CODE.get(doc_id & KIND_MASK)


_TEXT_COLUMNS = ("title", "summary", "body", "number")
# What results can be narrowed by, besides kind and language (in the id):
# each value is a token `f<id>` in the indexes' facets column (0011_sources.sql).
FACETS = ("section", "issuer", "doc_type", "field", "year", "status")
MAX_FACET_CHARS = 200
_EPOCH = calendar_date(1970, 1, 1)


@dataclass
class SearchDoc:
    """What search knows of a document. `body` is plain text; `date` is ISO
    8601 (a date, or a UTC date-time with Z)."""

    ref: str
    kind: str
    lang: str
    title: str
    url: str
    summary: str = ""
    body: str = ""
    date: str | None = None
    number: str | None = None
    item_id: int | None = None
    external_id: str | None = None
    # Facet name (FACETS) -> value, such as {"issuer": "Bộ Tài chính"}.
    facets: dict[str, str] = field(default_factory=dict)


def index_document(conn: sqlite3.Connection, doc: SearchDoc) -> None:
    """Add a document, or replace the one with the same ref."""
    tag = doc_tag(doc.kind, doc.lang)
    values = _row_values(doc)
    tokens = facet_value_ids(conn, doc.facets)
    day = _day(values["date"])
    old = conn.execute(
        "SELECT id, title, summary, body, number FROM search_doc WHERE ref = ?",
        (doc.ref,),
    ).fetchone()
    if old is None:
        _insert(conn, _new_id(conn, tag), values, day, tokens)
        return
    held = [r[0] for r in conn.execute(
        "SELECT value_id FROM search_facet_token WHERE doc_id = ? ORDER BY value_id",
        (old[0],))]
    if old[0] & TAG_MASK != tag:
        # Kind or language changed: the id carries both, so the row moves.
        conn.execute("DELETE FROM search_doc WHERE id = ?", (old[0],))
        _insert(conn, _new_id(conn, tag), values, day, tokens)
    elif held != tokens:
        # The indexes hold the facet tokens: out with the old ones first
        # (the delete trigger reads them), then in again under the same id.
        conn.execute("DELETE FROM search_doc WHERE id = ?", (old[0],))
        _insert(conn, old[0], values, day, tokens)
    else:
        conn.execute("INSERT OR REPLACE INTO search_facet (id, day) VALUES (?, ?)",
                     (old[0], day))
        _update(conn, old, values)


def facet_value_ids(conn: sqlite3.Connection, facets: dict[str, str]) -> list[int]:
    """The ids of these facet values, sorted, adding new values."""
    ids = []
    for name in FACETS:
        value = clean_facet(facets.get(name))
        if value is None:
            continue
        row = conn.execute("SELECT id FROM search_facet_value WHERE facet = ? AND value = ?",
                           (name, value)).fetchone()
        if row is None:
            row = conn.execute("INSERT INTO search_facet_value (facet, value) VALUES (?, ?)"
                               " RETURNING id", (name, value)).fetchone()
        ids.append(row[0])
    return sorted(set(ids))


def clean_facet(value: object) -> str | None:
    """A facet value as stored: NFC, single spaces, not empty."""
    if value is None:
        return None
    text = " ".join(nfc(str(value)).split())[:MAX_FACET_CHARS]
    return text or None


def _day(value: object) -> int | None:
    try:
        return (calendar_date.fromisoformat(str(value)[:10]) - _EPOCH).days
    except ValueError:
        return None


def _row_values(doc: SearchDoc) -> dict[str, object]:
    number = nfc(doc.number).strip() or None
    return {
        "ref": doc.ref,
        "item_id": doc.item_id,
        "kind": doc.kind,
        "lang": doc.lang,
        "date": (doc.date or "").strip() or None,
        "number": number,
        "number_key": number_key(number),
        "external_id": doc.external_id,
        "url": doc.url,
        "title": nfc(doc.title).strip(),
        "summary": nfc(doc.summary),
        "body": nfc(doc.body),
    }


def _new_id(conn: sqlite3.Connection, tag: int) -> int:
    # Ids grow with each new document whatever its kind, so the highest ids
    # are the newest documents.
    top = conn.execute("SELECT max(id) FROM search_doc").fetchone()[0] or 0
    return ((top >> TAG_BITS) + 1) << TAG_BITS | tag


def _insert(conn: sqlite3.Connection, doc_id: int, values: dict[str, object],
            day: int | None, tokens: list[int]) -> None:
    # The facet rows first: the insert trigger reads them.
    conn.execute("INSERT OR REPLACE INTO search_facet (id, day) VALUES (?, ?)",
                 (doc_id, day))
    conn.executemany("INSERT OR IGNORE INTO search_facet_token (doc_id, value_id)"
                     " VALUES (?, ?)", [(doc_id, t) for t in tokens])
    row = {"id": doc_id, **values}
    columns = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    conn.execute(f"INSERT INTO search_doc ({columns}) VALUES ({marks})", row)


def _update(conn: sqlite3.Connection, old: sqlite3.Row | tuple,
            values: dict[str, object]) -> None:
    # Re-indexing folds the whole text again; skip it when only the
    # metadata (date, url, ...) changed, as on a re-publish.
    old_text = dict(zip(_TEXT_COLUMNS, tuple(old)[1:], strict=True))
    changed = [
        name for name in values
        if name not in _TEXT_COLUMNS or values[name] != old_text[name]
    ]
    assignments = ", ".join(f"{name} = :{name}" for name in changed)
    conn.execute(f"UPDATE search_doc SET {assignments} WHERE id = :id",
                 {**values, "id": old[0]})


def remove_document(conn: sqlite3.Connection, ref: str) -> None:
    """Take a document out of the index; unknown refs are ignored."""
    conn.execute("DELETE FROM search_doc WHERE ref = ?", (ref,))


def rebuild(conn: sqlite3.Connection) -> None:
    """Recompute the whole full-text index from search_doc."""
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('rebuild')")
    conn.execute("INSERT INTO search_title_fts (search_title_fts) VALUES ('rebuild')")
    conn.execute(
        "INSERT OR REPLACE INTO search_meta (key, value) VALUES ('form_version', ?)",
        (str(FORM_VERSION),),
    )


def optimize(conn: sqlite3.Connection) -> None:
    """Merge the index into one segment; worth it after a bulk import."""
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    conn.execute("INSERT INTO search_title_fts (search_title_fts) VALUES ('optimize')")


def ensure_form(conn: sqlite3.Connection) -> bool:
    """Rebuild the index if it was built by another version of sx(); at start-up."""
    row = conn.execute(
        "SELECT value FROM search_meta WHERE key = 'form_version'"
    ).fetchone()
    if row is not None and row[0] == str(FORM_VERSION):
        return False
    rebuild(conn)
    return True


def count(conn: sqlite3.Connection) -> int:
    """How many documents the index holds."""
    return conn.execute("SELECT count(*) FROM search_doc").fetchone()[0]
