"""What people search for, counted per day: the top queries and those that
found nothing, for editors to act on (a synonym, a pinned result, a page).

Nothing about the searcher is kept: no address, account, cookie or time
finer than the day. Queries that look like personal numbers (a run of nine
or more digits: identity cards, phone numbers) are not kept at all.
Searches are counted in memory and written every FLUSH_SECONDS and at
shutdown, so searching never waits on a write and does not empty the page
cache.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from appliance.i18n import LOCAL_TZ

from .query import query_key

FLUSH_SECONDS = 300
MAX_KEPT_CHARS = 120
MAX_PENDING = 20_000
_PERSONAL_NUMBER = re.compile(r"\d[\d .-]{7,}\d")


def today() -> str:
    return datetime.now(LOCAL_TZ).date().isoformat()


def worth_keeping(text: str) -> bool:
    digits = [m.group() for m in _PERSONAL_NUMBER.finditer(text)]
    return bool(text.strip()) and not any(
        len(re.sub(r"\D", "", d)) >= 9 for d in digits)


@dataclass
class QueryLog:
    searches: Counter[tuple[str, str]] = field(default_factory=Counter)
    empty: Counter[tuple[str, str]] = field(default_factory=Counter)
    written: dict[str, str] = field(default_factory=dict)
    # Whether each recent query found something, for searches answered from
    # the page cache (which do not run the search).
    found: OrderedDict[str, bool] = field(default_factory=OrderedDict)

    def note(self, text: str, found: int | None) -> None:
        """Count one search; `found` None means it was answered from the
        page cache, and the last count of the same query stands for it."""
        text = " ".join((text or "").split())[:MAX_KEPT_CHARS]
        if not worth_keeping(text) or len(self.searches) >= MAX_PENDING:
            return
        folded = query_key(text)
        if found is None:
            if folded not in self.found:
                return
            found = int(self.found[folded])
        self.found[folded] = bool(found)
        self.found.move_to_end(folded)
        while len(self.found) > MAX_PENDING:
            self.found.popitem(last=False)
        key = (folded, today())
        self.searches[key] += 1
        if not found:
            self.empty[key] += 1
        self.written.setdefault(key[0], text)

    def take(self) -> list[tuple[str, str, str, int, int]]:
        rows = [(key, day, self.written.get(key, key), n, self.empty[(key, day)])
                for (key, day), n in self.searches.items()]
        self.searches.clear()
        self.empty.clear()
        self.written.clear()
        return rows


def save_counts(conn: sqlite3.Connection, rows: list[tuple[str, str, str, int, int]],
                keep_days: int) -> None:
    conn.executemany(
        "INSERT INTO search_query_stat (query_key, day, query, searches, empty)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (query_key, day) DO UPDATE SET"
        " searches = searches + excluded.searches, empty = empty + excluded.empty",
        rows)
    oldest = (datetime.now(LOCAL_TZ).date() - timedelta(days=keep_days)).isoformat()
    conn.execute("DELETE FROM search_query_stat WHERE day < ?", (oldest,))


@dataclass(frozen=True)
class QueryCount:
    query: str
    searches: int
    empty: int


def top_queries(conn: sqlite3.Connection, days: int = 30, limit: int = 50,
                only_empty: bool = False) -> list[QueryCount]:
    """The most searched queries of the last `days` days; with only_empty,
    those that found nothing, by how often they did."""
    since = (datetime.now(LOCAL_TZ).date() - timedelta(days=days - 1)).isoformat()
    order = "sum(empty)" if only_empty else "sum(searches)"
    having = "HAVING sum(empty) > 0" if only_empty else ""
    rows = conn.execute(
        f"SELECT max(query), sum(searches), sum(empty) FROM search_query_stat"
        f" WHERE day >= ? GROUP BY query_key {having} ORDER BY {order} DESC,"
        f" query_key LIMIT ?", (since, limit))
    return [QueryCount(r[0], r[1], r[2]) for r in rows]


def popular_prefix(conn: sqlite3.Connection, prefix: str, limit: int = 5) -> list[str]:
    """Queries that found something and start with `prefix` (folded), most
    searched first: suggestions as people type."""
    key = query_key(prefix)
    if len(key) < 2:
        return []
    end = key[:-1] + chr(ord(key[-1]) + 1)
    rows = conn.execute(
        "SELECT max(query) FROM search_query_stat WHERE query_key >= ? AND query_key < ?"
        " GROUP BY query_key HAVING sum(searches) > sum(empty) AND sum(searches) >= 2"
        " ORDER BY sum(searches) DESC LIMIT ?", (key, end, limit))
    return [r[0] for r in rows]
