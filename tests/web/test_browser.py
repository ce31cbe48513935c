"""The public pages in a real browser on a phone-sized screen: axe-core finds
no WCAG 2.1 A or AA violation, the menu folds and unfolds, and the page does
not scroll sideways."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from axe_playwright_python.async_playwright import Axe

from appliance.app import create_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@pytest.fixture
async def base_url(site, config, aiohttp_server):
    server = await aiohttp_server(create_app(config))
    return str(server.make_url("")).rstrip("/")


def pages(site, lang: str) -> list[str]:
    law = site.urls["law"].rsplit("/", 1)[1]
    return [
        f"/{lang}/",
        quote(site.urls[f"story-{lang}"]),
        f"/{lang}/search?q=kh%C3%AD%E1%BA%BFu+n%E1%BA%A1i",
        f"/{lang}/documents/{law}",
        f"/{lang}/procedures/1.000178",
        f"/{lang}/documents/",
        f"/{lang}/no-such-page",
        f"/{lang}/search?q=t%E1%BB%89nh",
        f"/{lang}/search?q=khieuu+nai",
        f"/{lang}/dossier",
        f"/{lang}/dossier?code=000.00.25.H01-251120-0001",
    ]


@pytest.mark.parametrize("lang", ["vi", "en", "km"])
async def test_pages_have_no_wcag_violations_on_a_phone(site, browser, base_url, lang,
                                                         one_stop):
    context = await browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = await context.new_page()
    axe = Axe()
    found = []
    for path in pages(site, lang):
        await page.goto(base_url + path)
        assert await page.evaluate("document.documentElement.lang") == lang
        results = await axe.run(page, options=WCAG)
        for violation in results.response["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            found.append(f"{path}: {violation['id']} {targets}")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways ({width}px)"
    await context.close()
    assert not found, "\n".join(found)


DESKTOP = {"width": 1366, "height": 768}
# The space between the header and the first thing drawn in <main>, and
# between the last thing and the footer, in CSS pixels.
_GAPS = """() => {
    const drawn = [...document.querySelectorAll("main *")]
        .map((e) => e.getBoundingClientRect())
        .filter((r) => r.width > 1 && r.height > 1);
    const header = document.querySelector("body > header").getBoundingClientRect();
    const footer = document.querySelector("body > footer").getBoundingClientRect();
    return [
        Math.min(...drawn.map((r) => r.top)) - header.bottom,
        footer.top - Math.max(...drawn.map((r) => r.bottom)),
    ];
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_content_keeps_its_distance_from_header_and_footer(
    site, browser, base_url, viewport
):
    context = await browser.new_context(viewport=viewport)
    page = await context.new_page()
    cramped = []
    for lang in ("vi", "km"):
        for path in pages(site, lang) + [f"/{lang}/procedures/", f"/{lang}/kinh-te/"]:
            await page.goto(base_url + path)
            top, bottom = await page.evaluate(_GAPS)
            if top < 16 or bottom < 24:
                cramped.append(f"{path}: {top:.0f}px below the header, "
                               f"{bottom:.0f}px above the footer")
    await context.close()
    assert not cramped, "\n".join(cramped)


async def test_phone_menu_folds_behind_a_button(site, browser, base_url):
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await page.goto(base_url + "/en/")
    toggle = page.locator(".menu-toggle")
    menu = page.locator("#main-menu")
    await toggle.wait_for(state="visible")
    assert not await menu.is_visible()
    await toggle.click()
    assert await toggle.get_attribute("aria-expanded") == "true"
    assert await menu.is_visible()
    await page.get_by_role("link", name="Documents", exact=True).first.click()
    await page.wait_for_url(base_url + "/en/documents/")
    await context.close()


async def test_site_works_without_javascript(site, browser, base_url):
    context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = await context.new_page()
    await page.goto(base_url + "/vi/")
    assert await page.locator("#main-menu").is_visible()
    await page.fill("#header-q", "khiếu nại")
    await page.press("#header-q", "Enter")
    await page.wait_for_url("**/vi/search?q=*")
    assert await page.locator("ol.results > li").count() >= 1
    await context.close()
