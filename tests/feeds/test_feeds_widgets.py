"""News widgets: the only pages that may be framed, and only by the
component sites configured; proven in a real browser from another origin.
The widget and the API documentation page pass axe-core's WCAG checks."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from axe_playwright_python.async_playwright import Axe

from appliance.app import create_app
from appliance.content import ItemInput, save_item
from appliance.db import transaction
from feeds import widgets

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


async def test_a_widget_lists_the_latest_news_of_its_section(client, news):
    response = await client.get("/widgets/vi/tin-tuc?limit=2")
    assert response.status == 200
    html = await response.text()
    assert '<html lang="vi">' in html
    assert news["harvest"].title in html and "Tin không ghi ngày đăng" not in html
    assert 'target="_blank" rel="noopener"' in html
    assert "<script" not in html
    assert news["notice"].title not in html  # another section
    every = await (await client.get("/widgets/en/")).text()
    assert news["harvest_en"].title in every and news["announcement_en"].title in every


@pytest.mark.parametrize("path, status", [("/widgets/vi/nowhere", 404),
                                          ("/widgets/vi/?limit=99", 400),
                                          ("/widgets/fr/", 404)])
async def test_bad_widget_addresses(client, news, path, status):
    assert (await client.get(path)).status == status


async def test_only_widgets_may_be_framed_and_only_by_the_origins_set(client, config,
                                                                      news):
    config.values["widgets.origins"] = ["https://sotuphap.angiang.gov.vn"]
    framed = await client.get("/widgets/vi/tin-tuc")
    policy = framed.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://sotuphap.angiang.gov.vn" in policy
    assert "X-Frame-Options" not in framed.headers
    again = await client.get("/widgets/vi/tin-tuc")  # from the page cache
    assert again.headers["Content-Security-Policy"] == policy
    for other in ("/vi/", "/vi/tin-tuc/", "/api/v1/docs", "/widgets/vi/nowhere"):
        response = await client.get(other)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"


def test_the_snippet_is_an_iframe_of_the_widget(config, conn, news):
    from appliance.content import get_section

    section = get_section(conn, "tin-tuc")
    code = widgets.snippet(config, "vi", section, 3)
    assert code.startswith('<iframe src="http://localhost:8080/widgets/vi/tin-tuc?limit=3"')
    assert 'title="Tin tức – Cổng thông tin điện tử tỉnh An Giang"' in code
    assert "<script" not in code


@pytest.fixture
async def component_site(aiohttp_server):
    """A component site on another loopback origin, whose page embeds a
    widget with the snippet an editor copied."""
    pages: dict[str, str] = {}

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=pages["body"], content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    server = await aiohttp_server(app, host="127.0.0.1")
    return server, pages


@pytest.mark.browser
async def test_a_component_site_shows_the_widget_and_another_site_cannot(
        browser, config, conn, aiohttp_server, component_site):
    from feeds_support import fill

    transaction(conn, fill, config.media_dir)
    server, pages = component_site
    origin = str(server.make_url("")).rstrip("/")
    config.values["widgets.origins"] = [origin]
    portal = await aiohttp_server(create_app(config), host="localhost")
    base = str(portal.make_url("")).rstrip("/")
    config.values["site.base_url"] = base
    pages["body"] = ("<!DOCTYPE html><html lang='vi'><title>Xã</title><body>"
                     + widgets.snippet(config, "vi", None, 3).replace(
                         'loading="lazy" ', "") + "</body></html>")

    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(origin + "/")
    frame = await _widget_frame(page)
    assert "Nông dân An Giang" in await frame.locator("main").inner_text()

    config.values["widgets.origins"] = ["https://elsewhere.example"]
    other = await aiohttp_server(create_app(config), host="localhost")
    pages["body"] = pages["body"].replace(base, str(other.make_url("")).rstrip("/"))
    blocked = await context.new_page()
    await blocked.goto(origin + "/")
    await asyncio.sleep(1)
    child = blocked.frames[1]
    assert "Nông dân An Giang" not in await _text_or_nothing(child)
    await context.close()


async def _widget_frame(page):
    for _ in range(100):
        if len(page.frames) > 1 and page.frames[1].url.startswith("http"):
            frame = page.frames[1]
            await frame.wait_for_selector("main")
            return frame
        await asyncio.sleep(0.05)
    raise AssertionError("the widget did not load")


async def _text_or_nothing(frame) -> str:
    try:
        return await frame.locator("body").inner_text(timeout=2000)
    except Exception:  # a blocked frame has no document to read
        return ""


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/widgets/vi/tin-tuc", "/widgets/km/", "/api/v1/docs"])
async def test_no_wcag_violations(browser, config, conn, aiohttp_server, path):
    from feeds_support import fill

    transaction(conn, fill, config.media_dir)
    transaction(conn, lambda db: save_item(db, ItemInput(
        kind="article", lang="km", section_key="tin-tuc", title="ព័ត៌មានថ្មី"),
        status="published"))
    server = await aiohttp_server(create_app(config))
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto(str(server.make_url(path)))
    results = await Axe().run(page, options=WCAG)
    found = [f"{v['id']} {[n['target'] for n in v['nodes']][:3]}"
             for v in results.response["violations"]]
    await context.close()
    assert not found, "\n".join(found)
