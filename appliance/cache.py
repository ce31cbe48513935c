"""A response cache for public pages.

Public pages are the same for every visitor, so a rendered page is kept in
memory until anything in the database changes: every entry remembers the
database generation it was rendered at (see appliance.db.Database) and is
dropped when the generation moves on. Entries are bounded, oldest first out.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CACHE_KEY = web.AppKey("page_cache", "PageCache")
_VARY_HEADERS = ("Content-Type", "Content-Language", "Link")


@dataclass
class Entry:
    generation: int
    status: int
    body: bytes
    etag: str
    headers: dict[str, str]
    # The body gzipped, made at the first request that accepts it and kept:
    # phones on slow networks get a fifth of the bytes for no CPU per request.
    gzipped: bytes | None = None

    def compressed(self) -> bytes:
        if self.gzipped is None:
            self.gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self.gzipped


# Below this the gzip header costs more than it saves.
GZIP_MIN_BYTES = 1024


class PageCache:
    def __init__(self, entries: int, max_age: int) -> None:
        self.capacity = entries
        self.max_age = max_age
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        # Renders under way: concurrent misses for one page wait for the
        # first instead of all rendering it (after each write, every popular
        # page misses at once).
        self.pending: dict[tuple[str, int], asyncio.Future[Entry | None]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: str, generation: int) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None or entry.generation != generation:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: str, entry: Entry) -> None:
        if self.capacity <= 0:
            return
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


def _respond(request: web.Request, entry: Entry, max_age: int) -> web.Response:
    headers = dict(entry.headers)
    headers["Cache-Control"] = f"public, max-age={max_age}"
    headers["Vary"] = "Accept-Encoding"
    body, etag = entry.body, entry.etag
    if len(body) >= GZIP_MIN_BYTES and "gzip" in request.headers.get("Accept-Encoding", ""):
        body, etag = entry.compressed(), entry.etag[:-1] + '-gz"'
        headers["Content-Encoding"] = "gzip"
    headers["ETag"] = etag
    if entry.status == 200 and etag_matches(request.headers.get("If-None-Match"), etag):
        return web.Response(status=304, headers=headers)
    return web.Response(status=entry.status, body=body, headers=headers)


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match as RFC 9110 reads it: a list of tags, weak ones
    compared by their value, or "*"."""
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


def _entry(response: web.StreamResponse, generation: int) -> Entry | None:
    """A cache entry for a successful, fully built response; None otherwise."""
    if not isinstance(response, web.Response) or response.status != 200:
        return None
    body = response.body if isinstance(response.body, bytes) else b""
    return Entry(
        generation=generation, status=response.status, body=body,
        etag='"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"',
        headers={k: response.headers[k] for k in _VARY_HEADERS if k in response.headers},
    )


def cached(handler: Handler) -> Handler:
    """Serve GET requests for a public page from the cache when still fresh."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        from .app import DB  # the app module imports this one

        cache: PageCache = request.app[CACHE_KEY]
        generation = request.app[DB].generation
        key = request.path_qs
        entry = cache.get(key, generation)
        if entry is not None:
            return _respond(request, entry, cache.max_age)

        waiting = cache.pending.get((key, generation))
        if waiting is not None:
            entry = await asyncio.shield(waiting)
            if entry is not None:
                return _respond(request, entry, cache.max_age)
            return await handler(request)

        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        cache.pending[(key, generation)] = future
        try:
            response = await handler(request)
            entry = _entry(response, generation)
        except BaseException:
            future.set_result(None)  # waiters render for themselves
            raise
        finally:
            cache.pending.pop((key, generation), None)
        if not future.done():
            future.set_result(entry)
        if entry is None:
            return response
        cache.put(key, entry)
        return _respond(request, entry, cache.max_age)

    return wrapper
