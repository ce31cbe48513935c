"""The page cache: one render per page per database generation, even when
many readers ask at once."""

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from appliance.app import DB
from appliance.cache import CACHE_KEY, PageCache, cached
from appliance.db import Database


def make_app(tmp_path, entries=100):
    app = web.Application()
    app[DB] = Database(tmp_path / "unused.db")
    app[CACHE_KEY] = PageCache(entries, 60)
    return app


async def test_concurrent_misses_render_the_page_once(tmp_path):
    app = make_app(tmp_path)
    renders = 0
    release = asyncio.Event()

    @cached
    async def page(request):
        nonlocal renders
        renders += 1
        await release.wait()
        return web.Response(text="trang chủ", content_type="text/html")

    tasks = [asyncio.create_task(page(make_mocked_request("GET", "/vi/", app=app)))
             for _ in range(10)]
    while not app[CACHE_KEY].pending:
        await asyncio.sleep(0)
    for _ in range(20):  # let every request reach the cache
        await asyncio.sleep(0)
    release.set()
    responses = await asyncio.gather(*tasks)

    assert renders == 1
    assert {r.text for r in responses} == {"trang chủ"}
    assert not app[CACHE_KEY].pending


async def test_a_write_makes_the_next_request_render_again(tmp_path):
    app = make_app(tmp_path)
    renders = 0

    @cached
    async def page(request):
        nonlocal renders
        renders += 1
        return web.Response(text=f"render {renders}", content_type="text/html")

    first = await page(make_mocked_request("GET", "/vi/", app=app))
    again = await page(make_mocked_request("GET", "/vi/", app=app))
    app[DB].generation += 1
    fresh = await page(make_mocked_request("GET", "/vi/", app=app))
    assert (first.text, again.text, fresh.text) == ("render 1", "render 1", "render 2")


async def test_failures_are_not_cached_and_waiters_render_themselves(tmp_path):
    app = make_app(tmp_path)
    calls = 0

    @cached
    async def page(request):
        nonlocal calls
        calls += 1
        raise web.HTTPNotFound()

    for _ in range(2):
        with pytest.raises(web.HTTPNotFound):
            await page(make_mocked_request("GET", "/vi/x", app=app))
    assert calls == 2 and not app[CACHE_KEY].pending


async def test_if_none_match_gets_a_304(tmp_path):
    app = make_app(tmp_path)

    @cached
    async def page(request):
        return web.Response(text="x", content_type="text/html")

    first = await page(make_mocked_request("GET", "/vi/", app=app))
    second = await page(make_mocked_request(
        "GET", "/vi/", app=app, headers={"If-None-Match": first.headers["ETag"]}))
    assert second.status == 304
