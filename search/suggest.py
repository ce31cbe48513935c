"""Suggestions as people type: titles of procedures, services and documents
that hold the words typed so far, the last one as a prefix, and queries
others searched that start the same way and found something.

The title index keeps prefix indexes for two and three letters
(0011_sources.sql), so a prefix costs a term look-up, not a scan.
"""

from __future__ import annotations

import sqlite3
import time

from appliance.text import has_marks, nfc

from .index import KIND_CODES, LANG_CODES, TAG_MASK, KIND_MASK
from .query import Phrase, parse, query_key
from .querylog import popular_prefix

MAX_SUGGESTIONS = 8
CANDIDATES = 40
# Typed with marks, more candidates are read, to find those written so.
MARKED_CANDIDATES = 400
BUDGET_SECONDS = 0.05
# Kinds people look up by name; news titles make poor suggestions.
SUGGESTED_KINDS = ("procedure", "public_service", "legal_document", "directive")
MIN_PREFIX = 2


def suggestions(conn: sqlite3.Connection, q: str, lang: str | None = None,
                limit: int = MAX_SUGGESTIONS) -> list[dict]:
    query = parse(q if isinstance(q, str) else "")
    if not query.phrases or len(query.text) < MIN_PREFIX:
        return []
    *done, last = query.phrases
    if not last.khmer and len(last.terms[-1]) < MIN_PREFIX and not done:
        return []
    phrases = [p.fts(True) for p in done] + [Phrase(last.terms, True).fts(True)]
    match = "{title number} : (" + " AND ".join(phrases) + ")"
    codes = ", ".join(str(KIND_CODES[k]) for k in SUGGESTED_KINDS)
    language = f" AND (rowid >> 4) & 3 = {LANG_CODES[lang]}" if lang in LANG_CODES else ""
    pool = MARKED_CANDIDATES if has_marks(query.text) else CANDIDATES
    deadline = time.perf_counter() + BUDGET_SECONDS
    conn.set_progress_handler(lambda: time.perf_counter() > deadline, 1000)
    try:
        ids = [r[0] for r in conn.execute(
            f"SELECT rowid FROM search_title_fts WHERE search_title_fts MATCH ?"
            f" AND (rowid & {KIND_MASK}) IN ({codes}){language}"
            f" ORDER BY rowid DESC LIMIT {pool}", (match,))]
    except sqlite3.OperationalError:
        ids = []
    finally:
        conn.set_progress_handler(None, 0)
    rows = conn.execute(
        "SELECT id, kind, title, url FROM search_doc WHERE id IN"
        f" ({','.join(str(i) for i in ids) or 'NULL'})").fetchall()
    # Titles holding the words with the marks typed ("hộ ch": hộ chiếu, not
    # hỗ trợ chi phí), then titles that start as typed, then short ones:
    # what a name completes to.
    typed = query_key(query.text)
    written = " " + " ".join(nfc(query.text).lower().split())

    def as_written(title: str) -> bool:
        return written in " " + " ".join(nfc(title).lower().split())

    rows.sort(key=lambda r: (not as_written(r["title"]),
                             not query_key(r["title"]).startswith(typed),
                             len(r["title"]), -(r["id"] & ~TAG_MASK)))
    found: list[dict] = [{"text": text, "url": None, "kind": None}
                         for text in popular_prefix(conn, query.text, limit // 2)]
    seen = {s["text"].casefold() for s in found}
    for row in rows:
        if len(found) >= limit:
            break
        if row["title"].casefold() not in seen:
            seen.add(row["title"].casefold())
            found.append({"text": row["title"], "url": row["url"], "kind": row["kind"]})
    return found[:limit]
