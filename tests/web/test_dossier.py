"""The one-stop dossier look-up: status, dates and office from the one-stop
system, nothing personal shown or kept, a short cache, a time limit (the
system that hangs), a rate limit, and clear answers for bad codes."""

from __future__ import annotations

import time

import pytest
from dossier_support import CODE, HITS
from web_support import get_page, text_of

from appliance import config as config_mod
from appliance.app import create_app
from web.dossier import CACHE, LIMITER

PERSONAL = ("Nguyễn Văn Bình", "0912345678", "089123456789", "phường Mỹ Bình")


async def test_the_form_is_offered(site, client):
    page = await get_page(client, "/vi/dossier")
    assert page.find(".//form//input[@name='code']") is not None
    assert page.attr(".//meta[@name='robots']", "content").startswith("noindex")


async def test_a_dossier_shows_its_status_and_nothing_personal(site, client, one_stop):
    response = await client.get(f"/vi/dossier?code={CODE}")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = await response.text()
    assert "Đang giải quyết" in html
    assert "Trung tâm Phục vụ hành chính công tỉnh An Giang" in html
    assert "2025-11-27" in html and "2025-11-20T01:15:00Z" in html
    for value in PERSONAL:
        assert value not in html
    # Only the shown fields are kept, and only in memory.
    cached = client.server.app[CACHE].get(CODE)
    assert cached.dossier.status == "Đang giải quyết"
    assert not any(value in repr(cached) for value in PERSONAL)


async def test_answers_are_cached_briefly(site, client, one_stop):
    for _ in range(3):
        assert (await client.get(f"/en/dossier?code={CODE}")).status == 200
    assert one_stop.app[HITS] == [CODE]


async def test_an_unknown_code(site, client, one_stop):
    page = await get_page(client, "/en/dossier?code=000.00.25.H01-000000-9999")
    assert "No dossier has this code" in text_of(page.find(".//div[@class='dossier-none']"))


@pytest.mark.parametrize("code", ["<script>", "ab", "x" * 80, "a b c d e"])
async def test_a_malformed_code_is_refused_in_words(site, client, code):
    page = await get_page(client, f"/vi/dossier?code={code}", status=400)
    assert page.find(".//p[@class='field-error']") is not None


async def test_a_system_that_is_down_or_hangs_gives_an_answer_in_time(
        site, data_dir, one_stop, aiohttp_client):
    raw = (data_dir / "portal.toml").read_text(encoding="utf-8")
    (data_dir / "portal.toml").write_text(raw.replace("/api/ho-so/", "/treo/ho-so/"),
                                          encoding="utf-8")
    client = await aiohttp_client(create_app(config_mod.load(data_dir)))
    started = time.monotonic()
    page = await get_page(client, f"/km/dossier?code={CODE}")
    assert time.monotonic() - started < 5
    assert page.lang == "km"
    assert page.find(".//div[@class='dossier-none']") is not None
    # A failure is not cached: the next look-up asks again.
    assert client.server.app[CACHE].get(CODE) is None


async def test_look_ups_are_rate_limited(site, client, one_stop):
    limiter = client.server.app[LIMITER]
    for _ in range(limiter.limit):
        limiter.hit("127.0.0.1")
    page = await get_page(client, f"/vi/dossier?code={CODE}", status=429)
    assert page.find(".//p[@class='field-error']") is not None


async def test_without_an_endpoint_there_is_no_look_up(tmp_path, aiohttp_client):
    from staff_support import NO_SECOND_FACTOR, new_site

    site = new_site(tmp_path / "plain", NO_SECOND_FACTOR)
    client = await aiohttp_client(create_app(config_mod.load(site)))
    assert (await client.get("/vi/dossier")).status == 404


@pytest.mark.parametrize("path", ["/sau/ho-so/", "/chuyen/ho-so/"])
async def test_an_answer_too_deep_or_elsewhere_is_the_system_not_answering(
        site, data_dir, one_stop, aiohttp_client, path):
    raw = (data_dir / "portal.toml").read_text(encoding="utf-8")
    (data_dir / "portal.toml").write_text(raw.replace("/api/ho-so/", path),
                                          encoding="utf-8")
    client = await aiohttp_client(create_app(config_mod.load(data_dir)))
    page = await get_page(client, f"/vi/dossier?code={CODE}")
    assert page.find(".//div[@class='dossier-none']") is not None
    assert "Đang giải quyết" not in page.text
    assert one_stop.app[HITS] == ([CODE] if path == "/sau/ho-so/" else [])


async def test_the_search_page_offers_the_look_up_only_where_there_is_one(
        site, client, tmp_path, aiohttp_client):
    from staff_support import NO_SECOND_FACTOR, new_site

    page = await get_page(client, "/vi/search")
    assert "/vi/dossier" in page.links()
    plain = new_site(tmp_path / "plain", NO_SECOND_FACTOR)
    other = await aiohttp_client(create_app(config_mod.load(plain)))
    page = await get_page(other, "/vi/search")
    assert "/vi/dossier" not in page.links()
