"""Page views of the public site, counted by the appliance itself: no
third-party script, no cookie, nothing stored that identifies a visitor.

A view counts once per visitor, page and day (Asia/Ho_Chi_Minh). "Visitor"
is a keyed hash (BLAKE2b) of the client address and browser signature with a
random key (the salt) made at the start of each day and kept only in memory,
so nobody (the appliance included) can tell from yesterday's data, or from
the database, who visited. The hashes seen today go into a fixed-size bit
set (a Bloom filter of 1 MiB), so memory does not grow with traffic; on a
very busy day a few repeat views may be missed, never counted twice. A
restart forgets the salt, so a visitor may count again on that day.

Counting happens in a middleware, after the page cache has answered, so
cached pages are counted like the rest. Counts are kept in memory and
written in one batch every `stats.flush_seconds` (and at shut-down) as
(day, address, views) rows; such a write does not empty the page cache.
Obvious robots (crawlers, link previews, monitors, command-line clients, or
no browser signature at all) and prefetches are not counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from aiohttp import web

from appliance import content
from appliance.app import CONFIG, DB
from appliance.db import Database
from appliance.i18n import LANGUAGES, LOCAL_TZ
from appliance.security import client_address

log = logging.getLogger("portal.web")

BITS = 1 << 23  # 1 MiB of bits; about 0.5% missed repeats at 500,000 views a day
HASHES = 4
BOTS = re.compile(
    r"bot|crawl|spider|slurp|archiver|preview|monitor|uptime|pingdom|curl|wget|"
    r"python|httpx|aiohttp|java/|go-http|okhttp|libwww|scrapy|headless|phantom|"
    r"lighthouse|feed|rss|facebookexternalhit|whatsapp|telegram|zalo|skype|discord|"
    r"embedly|validator|check|scan|http-client|node-fetch|axios|postman")
# First path segments under a language that are not pages worth counting.
NOT_PAGES = frozenset({"feed.xml", "atom.xml", "feed.json", "static", "media"})
LANG_PREFIXES = tuple(f"/{lang}/" for lang in LANGUAGES)


class ViewCounter:
    """Today's salt and seen-set, and the counts not yet written."""

    def __init__(self, db: Database, trust_proxy: bool = False) -> None:
        self.db = db
        self.trust_proxy = trust_proxy
        self.counts: dict[tuple[str, str], int] = {}
        self._rotate(time.time())

    def _rotate(self, now: float) -> None:
        today = datetime.fromtimestamp(now, LOCAL_TZ)
        self.day = today.date().isoformat()
        midnight = (today + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                       microsecond=0)
        self._rotates_at = midnight.timestamp()
        self._salt = secrets.token_bytes(16)
        self._seen = bytearray(BITS // 8)

    def count(self, request: web.Request) -> bool:
        """Count a view of the request's page unless it is a repeat or a robot."""
        agent = request.headers.get("User-Agent", "")
        if not agent or is_robot(agent) or _prefetch(request):
            return False
        now = time.time()
        if now >= self._rotates_at:
            self._rotate(now)
        path = request.path
        visitor = "\0".join((client_address(request, self.trust_proxy), agent,
                             request.headers.get("Accept-Language", ""), path))
        digest = hashlib.blake2b(visitor.encode("utf-8", "surrogateescape"),
                                 key=self._salt, digest_size=16).digest()
        fresh = False
        seen = self._seen
        value = int.from_bytes(digest, "little")
        for _ in range(HASHES):
            bit = value & (BITS - 1)
            value >>= 32
            byte, mask = bit >> 3, 1 << (bit & 7)
            if not seen[byte] & mask:
                seen[byte] |= mask
                fresh = True
        if fresh:
            key = (self.day, path)
            self.counts[key] = self.counts.get(key, 0) + 1
        return fresh

    async def flush(self) -> None:
        if not self.counts:
            return
        counts, self.counts = self.counts, {}
        try:
            await self.db.write_unseen(record_views, [
                (day, path, views) for (day, path), views in counts.items()])
        except Exception:
            log.warning("page views not saved", exc_info=True)


@lru_cache(maxsize=4096)
def is_robot(agent: str) -> bool:
    """Whether a browser signature is a robot's. Remembered: the same few
    signatures make most of the traffic, and the pattern is slow to search."""
    return BOTS.search(agent.lower()) is not None


def _prefetch(request: web.Request) -> bool:
    purpose = request.headers.get("Sec-Purpose") or request.headers.get("Purpose")
    return purpose is not None and ("prefetch" in purpose or "prerender" in purpose)


def is_page(path: str) -> bool:
    """A public page in a language (not a feed, file or the site's tools)."""
    if not path.startswith(LANG_PREFIXES):
        return False
    second = path[4:].split("/", 1)[0]
    return second not in NOT_PAGES


VIEW_COUNTER = web.AppKey("view_counter", ViewCounter)


def setup(app: web.Application) -> None:
    config = app[CONFIG]
    if not config["stats.count_views"]:
        return
    app[VIEW_COUNTER] = ViewCounter(app[DB], config["server.trust_proxy"])
    app.middlewares.append(count_views)
    app.cleanup_ctx.append(_writer)


@web.middleware
async def count_views(request: web.Request, handler) -> web.StreamResponse:
    response = await handler(request)
    if (request.method == "GET" and response.status in (200, 304)
            and is_page(request.path)
            and (response.status == 304 or response.content_type == "text/html")):
        request.app[VIEW_COUNTER].count(request)
    return response


async def _writer(app: web.Application) -> AsyncIterator[None]:
    counter = app[VIEW_COUNTER]
    task = asyncio.create_task(_flush_now_and_then(counter,
                                                   app[CONFIG]["stats.flush_seconds"]))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await counter.flush()


async def _flush_now_and_then(counter: ViewCounter, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        await counter.flush()


# -- stored counts ------------------------------------------------------------------

def _item_at(conn: sqlite3.Connection, path: str) -> int | None:
    """The item a public address shows, when it shows one."""
    parts = path.strip("/").split("/")
    if len(parts) != 3 or parts[1] in ("tags", "search"):
        return None
    return content.item_id_at(conn, parts[0], parts[2])


def record_views(conn: sqlite3.Connection, rows: Iterable[tuple[str, str, int]]) -> None:
    """Add counted views: (day, address, how many)."""
    items: dict[str, int | None] = {}
    for day, path, views in rows:
        if path not in items:
            items[path] = _item_at(conn, path)
        conn.execute(
            "INSERT INTO page_view (day, path, item_id, views) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (day, path) DO UPDATE SET views = views + excluded.views,"
            " item_id = coalesce(excluded.item_id, item_id)",
            (day, path, items[path], views))


def views_by_item(conn: sqlite3.Connection, starts: str, ends: str) -> dict[int, int]:
    """Views of each item's page between two days (inclusive)."""
    rows = conn.execute(
        "SELECT item_id, sum(views) FROM page_view WHERE item_id IS NOT NULL"
        " AND day BETWEEN ? AND ? GROUP BY item_id", (starts, ends))
    return {row[0]: row[1] for row in rows}


def views_by_day(conn: sqlite3.Connection, starts: str, ends: str) -> dict[str, int]:
    rows = conn.execute("SELECT day, sum(views) FROM page_view WHERE day BETWEEN ? AND ?"
                        " GROUP BY day ORDER BY day", (starts, ends))
    return {row[0]: row[1] for row in rows}
