"""Old addresses that still work: a request the site would answer 404 is
looked up among the redirects (newsroom.redirects manages them) and answered
301 when one matches, the exact path and query first, then the path alone.

Pages the site serves pay nothing for this: the lookup happens only on the
way out of a 404, for addresses that are not the site's own. Answers are
remembered until the database changes. Hits are counted in memory and
written every few minutes (and at shut-down): writing each hit at once would
empty the public page cache at every visit to an old link.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator

from aiohttp import web
from yarl import URL

from appliance import addresses, content, navigation
from appliance.app import DB
from appliance.db import Database, utcnow
from appliance.errors import NotFoundError

log = logging.getLogger("portal.web")

KNOWN_ADDRESSES = 4096
HIT_FLUSH_SECONDS = 300
# Browsers keep a 301 for ever unless told otherwise; a day lets an editor's
# correction reach returning readers.
REDIRECT_HEADERS = {"Cache-Control": "public, max-age=86400"}


class OldAddresses:
    """The redirect lookups of one database generation, and unsaved hits."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._generation = -1
        self._known: OrderedDict[str, tuple[int, str] | None] = OrderedDict()
        self._hits: dict[int, tuple[int, str]] = {}

    async def lookup(self, path: str, query: str) -> tuple[int, str] | None:
        generation = self.db.generation
        if generation != self._generation:
            self._known.clear()
            self._generation = generation
        key = f"{path}?{query}"
        if key in self._known:
            self._known.move_to_end(key)
            return self._known[key]
        found = await self.db.read(navigation.find_redirect, path, query)
        if self.db.generation == generation:
            self._known[key] = found
            while len(self._known) > KNOWN_ADDRESSES:
                self._known.popitem(last=False)
        return found

    def count(self, redirect_id: int) -> None:
        count, _at = self._hits.get(redirect_id, (0, ""))
        self._hits[redirect_id] = (count + 1, utcnow())

    def unsaved(self, redirect_id: int) -> tuple[int, str | None]:
        """Hits not yet written: how many, and the last one's time."""
        count, at = self._hits.get(redirect_id, (0, None))
        return count, at

    async def save_hits(self) -> None:
        if not self._hits:
            return
        hits, self._hits = self._hits, {}
        try:
            await self.db.write(navigation.record_hits,
                                [(key, count, at) for key, (count, at) in hits.items()])
        except Exception:
            log.warning("redirect hits not saved", exc_info=True)


OLD_ADDRESSES = web.AppKey("old_addresses", OldAddresses)


def setup(app: web.Application) -> None:
    app[OLD_ADDRESSES] = OldAddresses(app[DB])
    app.middlewares.append(old_addresses)
    app.cleanup_ctx.append(_hit_writer)


@web.middleware
async def old_addresses(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except (web.HTTPNotFound, NotFoundError):
        target = await _redirect_for(request)
        if target is None:
            raise
        raise web.HTTPMovedPermanently(target, headers=REDIRECT_HEADERS) from None


async def _redirect_for(request: web.Request) -> str | None:
    if request.method not in ("GET", "HEAD"):
        return None
    if navigation.is_own_address(request.path):
        # An item's address before an editor changed its slug or section.
        return await request.config_dict[DB].read(moved_item_url, request.path)
    known = request.app[OLD_ADDRESSES]
    found = await known.lookup(request.path, request.query_string)
    if found is None:
        return None
    redirect_id, target = found
    known.count(redirect_id)
    log.debug("old address redirected", extra={"redirect": redirect_id})
    return str(URL(target))


async def _hit_writer(app: web.Application) -> AsyncIterator[None]:
    known = app[OLD_ADDRESSES]
    task = asyncio.create_task(_write_hits_now_and_then(known))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await known.save_hits()


async def _write_hits_now_and_then(known: OldAddresses) -> None:
    while True:
        await asyncio.sleep(HIT_FLUSH_SECONDS)
        await known.save_hits()


def moved_item_url(conn, path: str) -> str | None:
    """Where a published item that once had this address lives now."""
    item_id = addresses.item_at_old_address(conn, path)
    if item_id is None:
        return None
    item = content.items_by_id(conn, [item_id]).get(item_id)
    if item is None or not item.is_published:
        return None
    # Kinds read under every language prefix stay under the one asked for.
    lang = path.split("/", 2)[1]
    target = item.url if item.kind in content.NEWS_KINDS else content.item_url(
        item.kind, lang, item.slug, item.section_key)
    return None if target == path else str(URL.build(path=target))
