"""The search form of text: what the full-text index and queries both see.

`search_form()` (SQL name `sx`) prepares text for the FTS5 tokenizer:
NFC-normalise, write đ/Đ as d/D (the one Vietnamese letter unicode61 cannot
fold) and split Khmer into orthographic clusters separated by spaces. The
tokenizer (`remove_diacritics 2`) then folds every tone and shape mark, and
gives exactly appliance.text.fold() for all 134 Vietnamese letters; doing
that fold in Python instead would make indexing about ten times slower.

Khmer writes no spaces between words, and the tokenizer cannot find word
boundaries in it. Indexing clusters and searching a Khmer query as a phrase
of clusters finds any run of whole clusters, with no dictionary that could
disagree with the writer. Coeng-da is indexed as coeng-ta (they look the
same and writers use both) and zero-width spaces as spaces; the stored text
keeps what was written.

`tokens()` finds in text the same tokens the index holds, with positions in
the original; query parsing uses it.

The index reads this form through a view, so changing it means rebuilding
the index: bump FORM_VERSION and `search.index.ensure_form()` does it once.
"""

from __future__ import annotations

import re
import sqlite3

from appliance.text import fold, nfc

FORM_VERSION = 1

COENG = "\u17d2"
KHMER_BASE = "\u1780-\u17b3"
KHMER_MARKS = "\u17b4-\u17d1\u17d3\u17dd"
# A base letter, its subscripts (coeng + letter) and its vowel signs and
# diacritics. Zero-width joiners are left out on purpose: the tokenizer treats
# them as separators, and the Python side must cut where the index cuts.
KHMER_CLUSTER = f"[{KHMER_BASE}](?:{COENG}[{KHMER_BASE}]|[{KHMER_MARKS}])*"
_KHMER = re.compile(f"[{KHMER_BASE}]")
# Where a space goes in the search form: before each cluster (a base letter
# with no coeng before it) and after the last of a run of Khmer.
_CLUSTER_EDGE = re.compile(
    f"(?<!{COENG})(?=[{KHMER_BASE}])|(?<=[\u1780-\u17dd])(?![\u1780-\u17dd])"
)

# Coeng-da and coeng-ta look the same and writers use both.
_COENG_DA = COENG + "\u178a"
_COENG_TA = COENG + "\u178f"

# What the FTS5 tables' tokenizer is told (0002_search.sql): letters, digits,
# private use and combining marks are token characters; Khmer vowel signs and
# coeng are marks, which unicode61 would otherwise treat as separators.
TOKENIZE = "unicode61 remove_diacritics 2 categories 'L* N* Co Mn Mc'"

# The Python side: Khmer clusters, and runs of word characters outside
# Khmer letters and signs (a sign with no letter before it, as in a query cut
# inside a cluster, is dropped). After NFC and folding, Vietnamese and
# English text holds no loose marks, so \w cuts where the index cuts.
_TOKEN = re.compile(f"{KHMER_CLUSTER}|[^\\W_\u1780-\u17dd]+")
_WORD = re.compile(r"[^\W_]+")
# Letters that fold (Latin-1 Supplement to Latin Extended Additional), and
# decomposed marks that NFC may compose into one.
_FOLDABLE = re.compile("[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff]")


def search_form(text: str | None) -> str | None:
    """The text as the index's tokenizer gets it (the SQL function `sx`)."""
    if text is None:
        return None
    form = nfc(text).replace("đ", "d").replace("Đ", "D")
    if _KHMER.search(form):
        form = form.replace("\u200b", " ").replace(_COENG_DA, _COENG_TA)
        form = _CLUSTER_EDGE.sub(" ", form)
    return form


def normalise_khmer(token: str) -> str:
    """Coeng-da as coeng-ta; the only Khmer normalisation the index applies."""
    return token.replace(_COENG_DA, _COENG_TA)


def tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, token) of each index token in `text` (NFC), positions in it.

    Tokens are folded, lower-cased and Khmer-normalised, as the index stores
    them (its tokenizer folds what sx() leaves).
    """
    folded = fold_words(text)
    if _KHMER.search(folded):
        folded = normalise_khmer(folded)
        return [(m.start(), m.end(), m.group().lower())
                for m in _TOKEN.finditer(folded)]
    # Outside Khmer, \w finds the same words, and much faster.
    return [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(folded)]


def words(text: str) -> list[str]:
    """The index tokens of `text`, without positions: `tokens()`, faster."""
    lowered = fold_words(text).lower()
    if _KHMER.search(lowered):
        return _TOKEN.findall(normalise_khmer(lowered))
    return _WORD.findall(lowered)


def fold_words(text: str) -> str:
    """appliance.text.fold(), skipped when nothing in the text would fold
    (English, Khmer): folding costs a table look-up per character."""
    return fold(text) if _FOLDABLE.search(text) else nfc(text)


def is_khmer_token(token: str) -> bool:
    return bool(_KHMER.match(token))


def register_functions(conn: sqlite3.Connection) -> None:
    """Register `sx()` on a connection; the index triggers and view call it."""
    conn.create_function("sx", 1, search_form, deterministic=True)
