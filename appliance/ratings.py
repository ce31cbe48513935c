"""Citizen satisfaction ratings of the portal and of each page or service.

Anonymous by design: a rating is counted, never recorded. What is stored is
how many ratings of each score a page got on each (local) day; no time of
day, address, cookie or anything else of the rater. Ratings arrive in
memory (web.trust) and are written in batches, so a busy day does not empty
the public page cache at every vote.

`rating_tables` is the function the reports use.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from .i18n import LOCAL_TZ

PORTAL = "portal"
SCORES = (1, 2, 3, 4, 5)


def today() -> str:
    return datetime.now(LOCAL_TZ).date().isoformat()


# (day, target, lang, score) -> how many
Tally = Counter[tuple[str, str, str, int]]


def add_counts(conn: sqlite3.Connection, tally: Tally) -> None:
    conn.executemany(
        "INSERT INTO rating_count (day, target, lang, score, n) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (day, target, lang, score) DO UPDATE SET n = n + excluded.n",
        [(*key, n) for key, n in tally.items() if n > 0])


@dataclass(frozen=True)
class Summary:
    target: str
    count: int
    average: float
    by_score: dict[int, int]


def summaries(conn: sqlite3.Connection, first: str, last: str, *,
              limit: int = 200) -> list[Summary]:
    """Every rated page in a date range, the portal first, then the most rated."""
    rows = conn.execute(
        "SELECT target, score, sum(n) AS n FROM rating_count"
        " WHERE day BETWEEN ? AND ? GROUP BY target, score", (first, last))
    found: dict[str, dict[int, int]] = {}
    for row in rows:
        found.setdefault(row["target"], dict.fromkeys(SCORES, 0))[row["score"]] = row["n"]
    out = [_summary(target, scores) for target, scores in found.items()]
    out.sort(key=lambda s: (s.target != PORTAL, -s.count, s.target))
    return out[:limit]


def _summary(target: str, scores: dict[int, int]) -> Summary:
    count = sum(scores.values())
    total = sum(score * n for score, n in scores.items())
    return Summary(target, count, round(total / count, 2) if count else 0.0, scores)


@dataclass(frozen=True)
class Table:
    """A table for reports: a title, column headings and rows of plain values."""
    name: str
    title: str
    columns: list[str]
    rows: list[list[object]]


def rating_tables(conn: sqlite3.Connection, first: date | str,
                  last: date | str) -> list[Table]:
    """The ratings of a date range (inclusive, local days) as report tables:
    one per page (target, ratings, average, count per score 1 to 5) and one
    per day for the portal as a whole and all pages together."""
    first, last = str(first), str(last)
    pages = summaries(conn, first, last, limit=10_000)
    by_page = Table(
        "ratings_by_page", "Satisfaction ratings by page",
        ["page", "ratings", "average", "score 1", "score 2", "score 3", "score 4",
         "score 5"],
        [[s.target, s.count, s.average, *(s.by_score[n] for n in SCORES)]
         for s in pages])
    rows = conn.execute(
        "SELECT day, sum(n) AS n, sum(n * score) AS points,"
        " sum(CASE WHEN target = 'portal' THEN n ELSE 0 END) AS portal_n,"
        " sum(CASE WHEN target = 'portal' THEN n * score ELSE 0 END) AS portal_points"
        " FROM rating_count WHERE day BETWEEN ? AND ? GROUP BY day ORDER BY day",
        (first, last))
    by_day = Table(
        "ratings_by_day", "Satisfaction ratings by day",
        ["day", "portal ratings", "portal average", "all ratings", "all average"],
        [[row["day"], row["portal_n"], _avg(row["portal_points"], row["portal_n"]),
          row["n"], _avg(row["points"], row["n"])] for row in rows])
    return [by_page, by_day]


def _avg(points: int, n: int) -> float:
    return round(points / n, 2) if n else 0.0


def targets_of(tally: Iterable[tuple[str, str, str, int]]) -> set[str]:
    return {target for _day, target, _lang, _score in tally}
