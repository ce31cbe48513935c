"""The first-party page-view counter: once per visitor, page and day, cached
pages included, robots left out, nothing identifying stored, and batched
writes that leave the page cache alone."""

from __future__ import annotations

import pytest

from appliance.app import DB
from appliance.cache import CACHE_KEY
from web import pageviews
from web.pageviews import VIEW_COUNTER

BROWSER = ("Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 "
           "(KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36")
OTHER_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Safari/605.1"


async def visit(client, path: str, agent: str = BROWSER, **headers) -> int:
    response = await client.get(path, headers={"User-Agent": agent} | headers)
    await response.read()
    return response.status


def stored(conn) -> dict[str, tuple[int | None, int]]:
    return {row["path"]: (row["item_id"], row["views"])
            for row in conn.execute("SELECT * FROM page_view")}


async def test_a_visitor_counts_once_per_page_and_day(site, client, conn):
    article = site.urls["story-vi"]
    counter = client.server.app[VIEW_COUNTER]
    cache = client.server.app[CACHE_KEY]

    for _ in range(3):
        assert await visit(client, article) == 200
    hits = cache.hits
    assert await visit(client, article, OTHER_BROWSER) == 200
    assert cache.hits == hits + 1  # the second visitor's page came from the cache
    assert await visit(client, article, BROWSER, **{"Accept-Language": "en"}) == 200
    assert await visit(client, "/vi/") == 200

    await counter.flush()

    views = stored(conn)
    assert views[article] == (site.ids["story-vi"], 3)
    assert views["/vi/"] == (None, 1)
    day = counter.day
    assert pageviews.views_by_item(conn, day, day) == {site.ids["story-vi"]: 3}


@pytest.mark.parametrize("agent", [
    "", "Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0",
    "facebookexternalhit/1.1", "Python/3.11 aiohttp/3.14.5", "Wget/1.21",
    "Mozilla/5.0 (compatible; bingbot/2.0)", "Zalo/1.0 link preview",
])
async def test_robots_and_programs_are_not_counted(site, client, conn, agent):
    assert await visit(client, site.urls["story-vi"], agent) == 200
    await client.server.app[VIEW_COUNTER].flush()
    assert stored(conn) == {}


async def test_prefetches_feeds_files_and_missing_pages_are_not_counted(site, client,
                                                                        conn):
    await visit(client, site.urls["story-vi"], **{"Sec-Purpose": "prefetch"})
    await visit(client, "/vi/feed.xml")
    assert await visit(client, "/vi/tin-tuc/no-such-story") == 404
    head = await client.head(site.urls["story-en"], headers={"User-Agent": BROWSER})
    assert head.status == 200
    await client.server.app[VIEW_COUNTER].flush()
    assert stored(conn) == {}


async def test_writing_the_counts_leaves_the_page_cache_alone(site, client, conn):
    app = client.server.app
    await visit(client, site.urls["story-vi"])
    generation = app[DB].generation

    await app[VIEW_COUNTER].flush()

    assert app[DB].generation == generation
    hits = app[CACHE_KEY].hits
    await visit(client, site.urls["story-vi"], OTHER_BROWSER)
    assert app[CACHE_KEY].hits == hits + 1


async def test_the_salt_changes_each_day_and_the_same_visitor_counts_again(
        site, client, conn):
    counter = client.server.app[VIEW_COUNTER]
    await visit(client, site.urls["story-vi"])
    salt = counter._salt

    counter._rotates_at = 0  # as if midnight had passed
    await visit(client, site.urls["story-vi"])

    assert counter._salt != salt
    assert sum(counter.counts.values()) == 2


async def test_nothing_that_identifies_a_visitor_reaches_the_disk(site, client, conn,
                                                                  config):
    marker = "Mozilla/5.0 (X11; Linux x86_64) TrackMe/9.9.9"
    await visit(client, site.urls["story-vi"], marker)
    await client.server.app[VIEW_COUNTER].flush()

    columns = [row[1] for row in conn.execute("PRAGMA table_info(page_view)")]
    assert columns == ["day", "path", "item_id", "views"]
    conn.execute("PRAGMA wal_checkpoint(FULL)")
    raw = b"".join(path.read_bytes() for path in config.data_dir.glob("portal.db*"))
    assert marker.encode() not in raw
    assert b"TrackMe" not in raw
    assert b"127.0.0.1" not in raw


async def test_the_counter_can_be_turned_off(site, aiohttp_client, data_dir, conn):
    from appliance import config as config_mod
    from appliance.app import create_app

    path = data_dir / config_mod.CONFIG_FILE
    path.write_text(path.read_text().replace("count_views = true", "count_views = false"))
    client = await aiohttp_client(create_app(config_mod.load(data_dir)))

    assert await visit(client, site.urls["story-vi"]) == 200
    assert VIEW_COUNTER not in client.server.app
