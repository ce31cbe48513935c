"""Running a search: the answer of GET /api/v1/search.

The pipeline, each step a method of `_Search`:

1. parse the query into quoted phrases and number keys (query.py);
2. count matches per kind from FTS5 rowids alone (kind and language are in
   the id's low bits, 0002_search.sql). Past COUNT_CAP matches only the
   newest are counted and the rest extrapolated; the answer then says its
   total is not exact;
3. gather candidates: documents whose title holds the query, or the whole
   query as a phrase (from a small title-only index), the newest matches
   (or the best by bm25 when the query is rare), and documents whose number
   is the one typed;
4. rank them in tiers, as a person scans results: the number typed; the
   whole query as a phrase in the title; all its words in the title; the
   whole phrase in the summary; the rest. Inside a title tier, the share of
   the title's words the query covers; inside the others, bm25 when it was
   computed and that share. Everywhere: exact accents when the query has
   them, recency for news, a small boost for procedures and documents;
5. highlight the page's titles and cut snippets from the original text.

FTS5's bm25() first counts every document holding each query word, then
costs a few µs per match: on common Vietnamese syllables (most of them, in
administrative text) that alone would exceed the 50 ms a search may take.
So bm25 runs only on rare queries; the tiers carry the ranking otherwise,
as in engines that sort by rules rather than one score. Each costly step
also runs under a time budget (a progress handler): a pathological query
stops there and the answer holds what was found.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from appliance.text import is_khmer

from . import spelling, synonyms
from .highlight import SCAN_CHARS, Matcher, highlight, snippet
from .index import FACETS, KIND_BITS, KIND_CODES, LANG_CODES, TAG_MASK, kind_of
from .query import Query, accent_key, parse
from .textform import fold_words, words

log = logging.getLogger("portal.search")

MAX_PER_PAGE = 100
# Candidates from each source; deeper pages widen it up to MAX_POOL.
RANK_POOL = 100
MAX_POOL = 1_000
# Matches counted one by one (kind, language and every facet); past this,
# counts are extrapolated and the answer says they are estimates.
COUNT_CAP = 10_000
# Values listed per facet, the commonest first.
FACET_VALUES = 30
SORTS = ("relevance", "date")
# With fewer title matches than this, titles holding all but one of the
# query's words are gathered too.
FEW_TITLES = 20
# bm25 runs when the query matches at most this many documents.
BM25_MATCHES = 1_000
# Time budgets: a step that runs longer is stopped; the clock is read every
# PROGRESS_STEPS virtual machine instructions.
COUNT_SECONDS = 0.1
GATHER_SECONDS = 0.15
PROGRESS_STEPS = 1_000

TEXT_BM25 = "bm25(search_fts, 10.0, 4.0, 1.0, 10.0, 0.0)"
# Tiers, best first: the whole query as a phrase in the title; every word
# that must match in the title; the whole phrase in the summary; all those
# words but one in the title; the rest. Words of intent only weigh inside a
# tier: a title holding them (or the official verb they stand for) ranks
# higher.
TITLE_PHRASE, TITLE_WORDS, SUMMARY_PHRASE, TITLE_MOST, ELSEWHERE = 4, 3, 2, 1, 0
INTENT_WEIGHT = 0.25
WHOLE_QUERY_BONUS = 1.25
# At most this many ways of writing the whole query with its synonyms.
MAX_WHOLE_FORMS = 16
# bm25 runs only when no query word is in more documents than this, and
# counting took at most BM25_COUNT_SECONDS: its first step reads the whole
# document list of every word and phrase.
BM25_TERM_DOCS = 5_000
BM25_COUNT_SECONDS = 0.003
ACCENT_WEIGHT = 0.5
NEWS_KINDS = {"article", "disclosure"}
KIND_BOOST = {"procedure": 1.2, "public_service": 1.2, "legal_document": 1.1,
              "directive": 1.1}
# A query with a word of intent ("xin", "làm", "cấp lại") asks for a service:
# procedures and online services rank higher still.
INTENT_BOOST = {"procedure": 1.5, "public_service": 1.5}


def run_search(conn: sqlite3.Connection, q: str, kinds: list[str] | None = None,
               lang: str | None = None, page: int = 1, per_page: int = 20, *,
               facets: dict[str, list[str]] | None = None, sort: str = "relevance",
               suggest: bool = True) -> dict:
    """Search the index; never raises on user input.

    `kinds` keeps results to those kinds (the kind facet still counts every
    kind); `lang` keeps results and facets to one language (none or "": all);
    `facets` keeps results to documents with one of the given values of each
    named facet (FACETS); `sort` is "relevance" or "date" (newest first).
    An item's id comes back as the item's id ("123" for ref "item:123"); a
    document from elsewhere keeps its ref as id. Items also carry
    `title_html` (the title with the matched words marked) and `status` (a
    legal document's status) and `number` (a document number or procedure
    code); the answer carries `suggestion`, a spelling
    that finds something when the query found nothing (or None).
    """
    page, per_page = _page_numbers(page, per_page)
    query = parse(q if isinstance(q, str) else "", synonyms.table(conn))
    answer = {"query": query.text, "total": 0, "total_exact": True, "page": page,
              "per_page": per_page, "items": [], "facets": {"kind": {}},
              "suggestion": None}
    if query.empty:
        return answer
    options = _Options.of(conn, kinds, lang, facets, sort)
    search = _Search(conn, query, options)
    search.run(page * per_page)
    relaxed = query.without_first_cluster()
    if not search.ranked and relaxed is not None:
        search = _Search(conn, relaxed, options)
        search.run(page * per_page)
    answer.update(search.totals())
    answer["items"] = search.items(page, per_page)
    if suggest and not search.ranked:
        answer["suggestion"] = spelling.suggest(conn, query.text)
    return answer


@dataclass
class _Options:
    """The filters and order of one search, checked."""

    tags: set[int]
    facet_tags: set[int]
    facet_match: str
    sort: str
    unknown_value: bool = False

    @classmethod
    def of(cls, conn: sqlite3.Connection, kinds, lang, facets, sort) -> _Options:
        langs = list(LANG_CODES.values()) if not lang else \
            [LANG_CODES[lang]] if isinstance(lang, str) and lang in LANG_CODES else []
        wanted = [c for k, c in KIND_CODES.items() if not kinds or k in kinds]
        tags = {code << KIND_BITS | kind for code in langs for kind in wanted}
        facet_tags = {code << KIND_BITS | kind for code in langs
                      for kind in KIND_CODES.values()}
        match, unknown = _facet_match(conn, facets or {})
        if unknown:
            tags, facet_tags = set(), set()
        return cls(tags, facet_tags, match, sort if sort in SORTS else "relevance",
                   unknown)


def _facet_match(conn: sqlite3.Connection,
                 facets: dict[str, list[str]]) -> tuple[str, bool]:
    """The FTS5 clause keeping documents with the chosen facet values, and
    whether a chosen value is unknown (then nothing can match)."""
    clauses = []
    for name in FACETS:
        values = facets.get(name) or []
        if isinstance(values, str):
            values = [values]
        values = [v for v in values if isinstance(v, str) and v.strip()]
        if not values:
            continue
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM search_facet_value WHERE facet = ? AND value IN "
            "(SELECT value FROM json_each(?))",
            (name, json.dumps([" ".join(v.split()) for v in values])))]
        if not ids:
            return "", True
        clauses.append("{facets} : (" + " OR ".join(f'"f{i}"' for i in ids) + ")")
    return " AND ".join(clauses), False


def _page_numbers(page: object, per_page: object) -> tuple[int, int]:
    try:
        page_number = max(1, int(page))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        page_number = 1
    try:
        size = min(MAX_PER_PAGE, max(1, int(per_page)))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        size = 20
    return page_number, size


@contextmanager
def _time_budget(conn: sqlite3.Connection, seconds: float) -> Iterator[None]:
    deadline = time.perf_counter() + seconds
    conn.set_progress_handler(lambda: time.perf_counter() > deadline, PROGRESS_STEPS)
    try:
        yield
    finally:
        conn.set_progress_handler(None, 0)


def _json(ids) -> str:
    return json.dumps(sorted(ids))


_EVERY_TAG = {lang << KIND_BITS | kind for lang in LANG_CODES.values()
              for kind in KIND_CODES.values()}


def _tag_filter(tags: set[int]) -> str:
    """SQL keeping rowids of these kinds and languages; the codes are ours."""
    if tags == _EVERY_TAG:
        return ""
    listed = ", ".join(str(t) for t in sorted(tags)) or "NULL"
    return f"AND (rowid & {TAG_MASK}) IN ({listed})"


def _about(value: float) -> int:
    """An estimate, to two significant digits."""
    digits = len(str(int(value)))
    return int(round(value, -max(0, digits - 2)))


class _Search:
    def __init__(self, conn: sqlite3.Connection, query: Query,
                 options: _Options) -> None:
        self.conn = conn
        self.query = query
        self.options = options
        self.tags = options.tags
        self.facet_tags = options.facet_tags
        self.filter = _tag_filter(self.tags)
        self.facet_filter = _tag_filter(self.facet_tags)
        self.counts: dict[int, int] = {}
        self.value_counts: Counter[int] = Counter()
        self.scale = 1.0
        self.exact = True
        self.count_seconds = 0.0
        self.newest: list[int] = []
        self.text_scores: dict[int, float] = {}
        self.title_ids: set[int] = set()
        self.most_ids: set[int] = set()
        self.pinned: list[int] = []
        self.ranked: list[int] = []
        self.meta: dict[int, sqlite3.Row] = {}
        self.interrupted = False

    def match(self, titles: bool = False, groups=None) -> str:
        """The query's match expression with the facet filter, if any."""
        words = self.query.match_all(titles, groups)
        facets = self.options.facet_match
        if words and facets:
            return f"{words} AND {facets}"
        return words or facets

    # -- steps ----------------------------------------------------------------

    def run(self, needed: int) -> None:
        """Count, gather and rank; each costly step has its own time budget,
        so one slow step still leaves time for the others."""
        pool = min(MAX_POOL, max(RANK_POOL, needed + 20))
        steps: list[tuple[Callable[[], None], float]] = [
            (self._pin, GATHER_SECONDS)]
        if self.query.phrases and self.facet_tags:
            steps.append((self._count, COUNT_SECONDS))
            if self.options.sort == "relevance":
                steps += [(lambda: self._title_candidates(pool), GATHER_SECONDS),
                          (lambda: self._bm25_candidates(pool), GATHER_SECONDS)]
        for step, seconds in steps:
            try:
                with _time_budget(self.conn, seconds):
                    step()
            except sqlite3.OperationalError as exc:
                self._stopped(exc)
        # Bounded by the pool size: no budget needed.
        if self.options.sort == "date":
            self._by_date(needed)
        else:
            self._rank(pool)

    def _stopped(self, exc: sqlite3.OperationalError) -> None:
        self.interrupted = True
        if "interrupted" in str(exc):
            log.info("search stopped by its time budget",
                     extra={"query_chars": len(self.query.text)})
        else:
            log.warning("search statement failed", extra={"error": str(exc)})

    def _count(self) -> None:
        """Count the newest COUNT_CAP matches per kind and language, and per
        facet value those of the kinds asked for; SQLite does the counting,
        reading only rowids and the narrow facet rows."""
        started = time.perf_counter()
        wanted = ", ".join(str(t) for t in sorted(self.tags)) or "NULL"
        # One pass over the matches: the newest are candidates too.
        rows = self.conn.execute(
            "WITH m AS MATERIALIZED (SELECT rowid AS id FROM search_fts"
            f" WHERE search_fts MATCH ? {self.facet_filter} ORDER BY rowid DESC"
            f" LIMIT {COUNT_CAP})"
            f" SELECT 0, id & {TAG_MASK}, count(*), min(id) FROM m GROUP BY 2"
            " UNION ALL SELECT 1, t.value_id, count(*), NULL FROM m"
            " JOIN search_facet_token AS t ON t.doc_id = m.id"
            f" WHERE (m.id & {TAG_MASK}) IN ({wanted}) GROUP BY 2"
            " UNION ALL SELECT * FROM (SELECT 2, id, 0, 0 FROM m"
            f" WHERE (id & {TAG_MASK}) IN ({wanted}) ORDER BY id DESC LIMIT {RANK_POOL})",
            (self.match(),)).fetchall()
        self.count_seconds = time.perf_counter() - started
        tags = [r for r in rows if r[0] == 0]
        self.counts = {tag: n for _, tag, n, _ in tags}
        self.value_counts = Counter({value: n for kind, value, n, _ in rows if kind == 1})
        self.newest = [doc_id for kind, doc_id, _, _ in rows if kind == 2]
        if sum(self.counts.values()) >= COUNT_CAP:
            self.exact = False
            self._extrapolate(min(r[3] for r in tags))

    def _extrapolate(self, last: int) -> None:
        """The newest matches reached back to id `last`; assume the older
        documents match as often."""
        first, top = self.conn.execute(
            "SELECT (SELECT min(id) FROM search_doc), "
            "(SELECT max(id) FROM search_doc)").fetchone()
        self.scale = (top - first) / max(1, top - last)
        self.counts = {tag: _about(n * self.scale) for tag, n in self.counts.items()}

    def _pin(self) -> None:
        """What editors pinned for this query, then the number typed."""
        refs = [r[0] for r in self.conn.execute(
            "SELECT ref FROM search_pin WHERE query_key = ? ORDER BY position, id",
            (self.query.key(),))]
        if refs:
            found = {r[1]: r[0] for r in self.conn.execute(
                "SELECT id, ref FROM search_doc WHERE ref IN "
                "(SELECT value FROM json_each(?))", (json.dumps(refs),))}
            self.pinned += [found[ref] for ref in refs if ref in found
                            and found[ref] & TAG_MASK in self.tags]
        if not self.options.facet_match:
            self._pin_numbers()

    def _pin_numbers(self) -> None:
        for key, is_prefix in self.query.numbers:
            if is_prefix:
                end = key[:-1] + chr(ord(key[-1]) + 1)
                rows = self.conn.execute(
                    "SELECT id FROM search_doc WHERE number_key >= ? "
                    "AND number_key < ? ORDER BY date DESC LIMIT 50", (key, end))
            else:
                rows = self.conn.execute(
                    "SELECT id FROM search_doc WHERE number_key = ? "
                    "ORDER BY date DESC LIMIT 50", (key,))
            self.pinned += [r[0] for r in rows if r[0] & TAG_MASK in self.tags
                            and r[0] not in self.pinned]

    def _title_candidates(self, pool: int) -> None:
        """The newest documents whose title (or number) holds every word, and
        those whose title holds the whole query as a phrase; with few of
        them, titles holding all the words but one."""
        self.title_ids = set(self._newest("search_title_fts", self.match(True), pool))
        whole = self.query.whole_phrase()
        # Fewer than `pool` titles hold every word: those holding the phrase
        # are among them already.
        if whole is not None and len(self.title_ids) >= pool:
            phrase = "{title number} : " + whole.fts()
            if self.options.facet_match:
                phrase += " AND " + self.options.facet_match
            self.title_ids.update(self._newest("search_title_fts", phrase, pool // 2))
        most = self.query.match_most()
        if most is not None and len(self.title_ids) < FEW_TITLES:
            if self.options.facet_match:
                most += " AND " + self.options.facet_match
            self.most_ids = set(self._newest("search_title_fts", most, pool // 2))

    def _bm25_candidates(self, pool: int) -> None:
        """The best by bm25 over all the text, when the query is rare enough
        for bm25 to be cheap."""
        total = sum(n for tag, n in self.counts.items() if tag in self.tags)
        if not (self.exact and not self.interrupted and 0 < total <= BM25_MATCHES):
            return
        # bm25 reads each phrase's matches again: when finding them all took
        # long (common Khmer clusters, long documents), it would take longer.
        if self.count_seconds > BM25_COUNT_SECONDS:
            return
        terms = {t for g in self.query.required for p in g.alternatives
                 for t in p.terms}
        if any(self._matches_more(f'"{t}"', BM25_TERM_DOCS) for t in terms):
            return
        rows = self.conn.execute(
            f"SELECT rowid, {TEXT_BM25} FROM search_fts WHERE search_fts MATCH ? "
            f"{self.filter} ORDER BY 2 LIMIT {pool}", (self.match(),))
        self.text_scores = {r[0]: -r[1] for r in rows}

    def _matches_more(self, match: str, limit: int) -> bool:
        found = self.conn.execute(
            "SELECT count(*) FROM (SELECT rowid FROM search_fts "
            "WHERE search_fts MATCH ? LIMIT ?)", (match, limit + 1)).fetchone()[0]
        return found > limit

    def _newest(self, table: str, match: str, limit: int) -> list[int]:
        if not match:
            return []
        return [r[0] for r in self.conn.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH ? {self.filter} "
            f"ORDER BY rowid DESC LIMIT {limit}", (match,))]

    # -- ranking --------------------------------------------------------------

    def _rank(self, pool: int) -> None:
        text = self.text_scores or self.newest[:pool // 2]
        ids = set(text) | self.title_ids | self.most_ids | set(self.pinned)
        self.meta = self._fetch_meta(ids)
        ranker = _Ranker(self.query)
        keys = {doc_id: ranker.key(row, self.text_scores.get(doc_id))
                for doc_id, row in self.meta.items() if doc_id not in self.pinned}
        # Partial title matches are offered only where they hold most of
        # the query in their title; otherwise they would rank by chance.
        keys = {d: k for d, k in keys.items()
                if d not in self.most_ids or d in text or d in self.title_ids
                or k[0] >= TITLE_MOST}
        order = sorted(keys, key=lambda d: (keys[d], d), reverse=True)[:pool]
        self.ranked = [d for d in self.pinned if d in self.meta] + order

    def _by_date(self, needed: int) -> None:
        """Newest first by the documents' own dates (undated last), among the
        counted matches; pins and the number typed still come first."""
        limit = max(needed, RANK_POOL) + len(self.pinned)
        order: list[int] = []
        if self.counts:
            try:
                with _time_budget(self.conn, GATHER_SECONDS):
                    order = [r[0] for r in self.conn.execute(
                        "WITH m AS MATERIALIZED (SELECT rowid AS id FROM search_fts"
                        f" WHERE search_fts MATCH ? {self.filter} ORDER BY rowid DESC"
                        f" LIMIT {COUNT_CAP}) SELECT m.id FROM m"
                        " LEFT JOIN search_facet AS f ON f.id = m.id"
                        " ORDER BY coalesce(f.day, -1000000) DESC, m.id DESC LIMIT ?",
                        (self.match(), limit))]
            except sqlite3.OperationalError as exc:
                self._stopped(exc)
        order = [d for d in order if d not in self.pinned]
        self.meta = self._fetch_meta(set(order) | set(self.pinned))
        self.ranked = [d for d in self.pinned + order if d in self.meta]

    def _fetch_meta(self, ids: set[int]) -> dict[int, sqlite3.Row]:
        if not ids:
            return {}
        rows = self.conn.execute(
            "SELECT id, ref, kind, lang, date, external_id, url, title, number, "
            "substr(summary, 1, 300) AS summary FROM search_doc "
            "WHERE id IN (SELECT value FROM json_each(?))", (_json(ids),))
        return {row["id"]: row for row in rows}

    # -- the answer -----------------------------------------------------------

    def totals(self) -> dict:
        total = sum(n for tag, n in self.counts.items() if tag in self.tags)
        kinds: dict[str, int] = {}
        langs: dict[str, int] = {}
        lang_names = {code: name for name, code in LANG_CODES.items()}
        for tag, n in sorted(self.counts.items()):
            kind = kind_of(tag)
            if tag in self.facet_tags and kind:
                kinds[kind] = kinds.get(kind, 0) + n
            if tag in self.tags:
                name = lang_names.get(tag >> KIND_BITS)
                if name:
                    langs[name] = langs.get(name, 0) + n
        facets: dict[str, dict[str, int]] = {"kind": kinds}
        if langs:
            facets["lang"] = langs
        facets.update(self._value_facets())
        return {"total": max(total, len(self.ranked)),
                "total_exact": self.exact and not self.interrupted,
                "facets": facets}

    def _value_facets(self) -> dict[str, dict[str, int]]:
        if not self.value_counts:
            return {}
        rows = self.conn.execute(
            "SELECT id, facet, value FROM search_facet_value WHERE id IN "
            "(SELECT value FROM json_each(?))", (_json(self.value_counts),))
        found: dict[str, list[tuple[int, str]]] = {}
        for value_id, facet, value in rows:
            count = self.value_counts[value_id]
            if not self.exact:
                count = _about(count * self.scale)
            found.setdefault(facet, []).append((count, value))
        result = {}
        for facet in FACETS:
            if facet in found:
                best = sorted(found[facet], key=lambda p: (-p[0], p[1]))[:FACET_VALUES]
                result[facet] = {value: count for count, value in best}
        return result

    def items(self, page: int, per_page: int) -> list[dict]:
        ids = self.ranked[(page - 1) * per_page:page * per_page]
        if not ids:
            return []
        texts = self._texts(ids)
        matcher = Matcher([g.alternatives for g in self.query.groups])
        statuses = self._statuses(ids)
        return [self._item(self.meta[d], texts.get(d), matcher, statuses) for d in ids]

    def _statuses(self, ids: list[int]) -> dict[int, str]:
        """Legal status of the page's documents, by document id."""
        return {r[0]: r[1] for r in self.conn.execute(
            "SELECT t.doc_id, v.value FROM search_facet_token AS t"
            " JOIN search_facet_value AS v ON v.id = t.value_id"
            " WHERE v.facet = 'status' AND t.doc_id IN (SELECT value FROM json_each(?))",
            (_json(ids),))}

    def _texts(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        rows = self.conn.execute(
            f"SELECT id, summary, substr(body, 1, {SCAN_CHARS + 1000}) "
            "FROM search_doc WHERE id IN (SELECT value FROM json_each(?))",
            (_json(ids),))
        return {row[0]: (row[1], row[2]) for row in rows}

    def _item(self, row: sqlite3.Row, texts: tuple[str, str] | None,
              matcher: Matcher, statuses: dict[int, str]) -> dict:
        ref = row["ref"]
        summary, body = texts or (row["summary"], "")
        status = statuses.get(row["id"])
        return {
            "kind": row["kind"],
            "id": ref[5:] if ref.startswith("item:") else ref,
            "external_id": row["external_id"],
            "title": row["title"],
            "title_html": highlight(row["title"], matcher),
            "url": row["url"],
            "snippet": snippet([summary, body], matcher),
            "date": row["date"],
            "lang": row["lang"],
            "status": status,
            "number": row["number"],
        }


class _Ranker:
    """Sort keys for candidates, from their title and summary (and bm25
    when the query was rare enough to compute it)."""

    def __init__(self, query: Query) -> None:
        # Each group's alternatives as token strings padded with spaces: a
        # phrase is then a substring.
        self.groups = [([_padded(p.terms, p.prefix) for p in g.alternatives],
                        g.optional) for g in query.groups]
        self.numeric = [g.numeric for g in query.groups]
        self.optional = sum(1 for g in query.groups if g.optional)
        self.kind_boost = KIND_BOOST | (INTENT_BOOST if self.optional else {})
        # The whole query, keeping the punctuation typed between its words.
        whole = query.whole_phrase()
        self.whole = _padded(_WORD_OR_BREAK.findall(_lowered(query.text))) \
            if whole else None
        # The whole query in other words: its groups in order, each by any of
        # its synonyms ("hộ khẩu" is whole in "Đăng ký thường trú").
        self.wholes = [self.whole] if self.whole else []
        required = [g.alternatives for g in query.groups if not g.optional]
        if self.whole and not self.optional and any(len(a) > 1 for a in required) \
                and math.prod(len(a) for a in required) <= MAX_WHOLE_FORMS:
            self.wholes += [_padded([t for p in combo for t in p.terms])
                            for combo in itertools.product(*required)]
        self.terms = {t for g in query.groups for p in g.alternatives for t in p.terms}
        # Groups with synonyms, by the phrase typed: a title that holds a
        # synonym instead is not judged by how it writes the typed words
        # elsewhere ("sở" in "quyền sở hữu" says nothing about "sổ đỏ").
        self.typed = [(_padded(g.alternatives[0].terms, g.alternatives[0].prefix),
                       set(g.alternatives[0].terms))
                      for g in query.groups if len(g.alternatives) > 1]
        self.accents = dict(query.marked)
        self.marked = re.compile(
            r"(?<!\w)(?:" + "|".join(map(re.escape, self.accents)) + r")(?!\w)"
        ) if self.accents else None
        self.today = datetime.now(UTC).date()

    def key(self, row: sqlite3.Row, text_score: float | None) -> tuple[int, float]:
        tier, score = self._key(row, text_score)
        # Asked with a word of intent, a procedure or service whose title
        # holds the thing asked for and the verb (or the official verb it
        # stands for) ranks with the titles holding the whole query ("làm hộ
        # chiếu": Cấp hộ chiếu, not the news of people doing so); titles that
        # hold the whole query still come first among them.
        if self.optional and row["kind"] in INTENT_BOOST and tier == TITLE_WORDS \
                and self._intent_held(row["title"]):
            return TITLE_PHRASE, score
        if self.optional and tier == TITLE_PHRASE:
            return tier, score * WHOLE_QUERY_BONUS
        return tier, score

    def _intent_held(self, title: str) -> bool:
        padded = _padded(_WORD_OR_BREAK.findall(_lowered(title)))
        return any(a in padded for alternatives, optional in self.groups if optional
                   for a in alternatives)

    def _key(self, row: sqlite3.Row, text_score: float | None) -> tuple[int, float]:
        title, summary = row["title"], row["summary"]
        title_lowered = _lowered(title)
        title_words = words(title) if is_khmer(title) else \
            _WORD_OR_BREAK.findall(title_lowered)
        matched = sum(1 for w in title_words if w in self.terms)
        coverage = matched / max(1, sum(1 for w in title_words if w not in _BREAKS))
        padded = _padded(title_words)
        in_title = self._accent_forms(title, title_lowered, {})
        for typed, tokens in self.typed:
            if typed not in padded:
                for token in tokens:
                    in_title.pop(token, None)
        anywhere = self._accent_forms(summary, None, in_title)
        tier, held = self._tier(padded, summary, self._agreement(in_title))
        if tier >= TITLE_WORDS:
            score = 0.5 + coverage
        elif tier == TITLE_MOST:
            score = (0.5 + coverage) * held
        else:
            score = (text_score or 1.0) * (1.0 + coverage)
        if self.optional:
            intent = sum(1 for alternatives, is_optional in self.groups
                         if is_optional and any(a in padded for a in alternatives))
            score *= 1.0 + INTENT_WEIGHT * intent / self.optional
        score *= 1.0 + ACCENT_WEIGHT * self._agreement(anywhere)
        score *= self.kind_boost.get(row["kind"], 1.0)
        if row["kind"] in NEWS_KINDS:
            score *= self._recency(row["date"])
        return tier, score

    def _tier(self, title: str, summary: str,
              title_agreement: float) -> tuple[int, float]:
        """The tier, and the share of the query's groups the title holds."""
        held = [any(a in title for a in alternatives)
                for alternatives, optional in self.groups if not optional]
        numeric = [n for n, (_, optional) in zip(self.numeric, self.groups, strict=True)
                   if not optional]
        share = sum(held) / max(1, len(held))
        # A title whose words fold like the query's but are written otherwise
        # (bạn for bàn) is another title: it ranks with the rest.
        if title_agreement >= 0 and held and all(held):
            whole = self.whole is None or any(w in title for w in self.wholes)
            return (TITLE_PHRASE if whole else TITLE_WORDS), share
        if self.whole and \
                self.whole in _padded(_WORD_OR_BREAK.findall(_lowered(summary))):
            return SUMMARY_PHRASE, share
        numbers_held = all(h for h, n in zip(held, numeric, strict=True) if n)
        if title_agreement >= 0 and len(held) >= 3 and numbers_held and \
                sum(held) >= len(held) - 1:
            return TITLE_MOST, share
        return ELSEWHERE, share

    def _accent_forms(self, text: str, lowered: str | None,
                      known: dict[str, set[str]]) -> dict[str, set[str]]:
        """`known`, plus how text writes each accented query word (as accent
        keys); the text is only read when the query has marks."""
        forms = {token: set(found) for token, found in known.items()}
        if self.marked is None:
            return forms
        lowered = _lowered(text) if lowered is None else lowered
        if len(lowered) != len(text):  # positions would not match: skip
            return forms
        for m in self.marked.finditer(lowered):
            forms.setdefault(m.group(), set()).add(accent_key(text[m.start():m.end()]))
        return forms

    def _agreement(self, forms: dict[str, set[str]]) -> float:
        """From -1 to 1: +1 for each accented query word written as typed,
        -1 for one only written otherwise, averaged; 0 when the query has no
        marks or the text none of its words."""
        if not self.accents:
            return 0.0
        agreement = sum(1 if self.accents[token] in found else -1
                        for token, found in forms.items())
        return agreement / len(self.accents)

    def _recency(self, value: str | None) -> float:
        """News fades: 1.5 for today, 1.25 a year on, towards 1."""
        try:
            day = date.fromisoformat((value or "")[:10])
        except ValueError:
            return 1.0
        age = max(0, (self.today - day).days)
        return 1.0 + 0.5 / (1.0 + age / 365.0)


# Words, and the punctuation a phrase does not run across: "thủ tục hành
# chính, quy định" does not hold the phrase "chính quy". Slashes, hyphens and
# inner dots do not break: they join the parts of a document number.
_BREAKS = set(",;:!?…()[]{}\"“”«».")
_WORD_OR_BREAK = re.compile(r"[^\W_]+|[,;:!?…()\[\]{}\"“”«»]|\.(?!\w)")


def _lowered(text: str) -> str:
    """Folded and lower-cased; the same length as text, but for the rare
    letter whose lower case is longer (then only folded)."""
    folded = fold_words(text)
    lowered = folded.lower()
    return lowered if len(lowered) == len(folded) else folded


def _padded(tokens, prefix: bool = False) -> str:
    """Tokens joined by spaces, with a space either side unless the last one
    is a prefix, so `" thu tuc "` is in a text only as whole words."""
    return " " + " ".join(tokens) + ("" if prefix else " ")
