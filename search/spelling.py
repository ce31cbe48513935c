"""“Did you mean”: a spelling of a query that found nothing that does find
something.

The words of every title (fts5vocab over the title index, with how many
titles hold each) are the dictionary: a query word that no title holds is
replaced by the word one edit away (a letter dropped, added, changed or two
swapped, on the folded form) that the most titles hold. The corrected query
must find results; it is shown with its marks as the best matching title
writes them ("thu tuc hanh chinhh" → "thủ tục hành chính").

Reading the dictionary scans the title index (a few hundred ms at a million
documents), so it is kept in this process and read again after
VOCABULARY_SECONDS.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time

from .textform import is_khmer_token, tokens

VOCABULARY_SECONDS = 600
MIN_WORD = 3
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_FACET_TOKEN = re.compile(r"f\d+")

_lock = threading.Lock()
# Database file -> (when read, folded title words -> titles holding them).
_vocabularies: dict[str, tuple[float, dict[str, int]]] = {}


def vocabulary(conn: sqlite3.Connection) -> dict[str, int]:
    """Folded title words -> how many titles hold them (cached per database)."""
    where = conn.execute("PRAGMA database_list").fetchone()[2]
    cached = _vocabularies.get(where)
    if cached is not None and time.monotonic() - cached[0] < VOCABULARY_SECONDS:
        return cached[1]
    with _lock:
        cached = _vocabularies.get(where)
        if cached is not None and time.monotonic() - cached[0] < VOCABULARY_SECONDS:
            return cached[1]
        words = {term: docs for term, docs in conn.execute(
            "SELECT term, doc FROM search_title_vocab")
            if not _FACET_TOKEN.fullmatch(term) and not term.isdigit()}
        _vocabularies[where] = (time.monotonic(), words)
        return words


def forget() -> None:
    """Drop the cached dictionaries (after a bulk change, and in tests)."""
    _vocabularies.clear()


def edits(word: str) -> set[str]:
    """Every string one edit away from a folded word."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changes = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return (deletes | swaps | changes | inserts) - {word}


def correct(word: str, known: dict[str, int]) -> str | None:
    """The likeliest title word one edit from `word`, or None."""
    candidates = [(known[w], w) for w in edits(word) if w in known]
    return max(candidates)[1] if candidates else None


def suggest(conn: sqlite3.Connection, text: str) -> str | None:
    """A spelling of `text` that finds results, with marks; None if none."""
    from .engine import run_search  # the engine calls this module

    known = vocabulary(conn)
    found = tokens(text)
    fixes: list[tuple[int, int, str]] = []
    for start, end, token in found:
        if is_khmer_token(token) or any(ch.isdigit() for ch in token) \
                or token in known or len(token) < MIN_WORD:
            continue
        better = correct(token, known)
        if better is None:
            return None
        fixes.append((start, end, better))
    if not fixes:
        return None
    corrected = _replace(text, [(s, e, w) for s, e, w in fixes])
    answer = run_search(conn, corrected, per_page=5, suggest=False)
    if not answer["items"]:
        return None
    return _with_marks(corrected, answer["items"])


def _replace(text: str, fixes: list[tuple[int, int, str]]) -> str:
    out, at = [], 0
    for start, end, word in fixes:
        out += [text[at:start], word]
        at = end
    return "".join(out + [text[at:]])


_MARKED = re.compile(r"<mark>(.*?)</mark>")


def _with_marks(corrected: str, items: list[dict]) -> str:
    """Each word of the corrected query as the top results' titles write it."""
    written: dict[str, str] = {}
    for item in items:
        for piece in _MARKED.findall(item.get("title_html") or ""):
            if "&" in piece:  # escaped text: its positions are not the title's
                continue
            for start, end, token in tokens(piece):
                written.setdefault(token, piece[start:end])
    out, at = [], 0
    for start, end, token in tokens(corrected):
        form = written.get(token)
        out += [corrected[at:start], form or corrected[start:end]]
        at = end
    return "".join(out + [corrected[at:]])
