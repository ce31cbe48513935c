"""History, review links and translation status in a real browser: compare
two revisions, restore one, share a review link and open it as an outsider;
every screen passes axe's WCAG 2.1 AA checks."""

from __future__ import annotations

import re

import pytest
from staff_support import fill_sign_in
from playwright.async_api import expect

from appliance.app import create_app
from appliance.content import link_translations, mark_translated
from appliance.db import transaction

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
}


async def sign_in(browser, base: str):
    page = await browser.new_page(viewport={"width": 1024, "height": 900})
    await page.goto(f"{base}/admin/login")
    await fill_sign_in(page, "editor")
    await expect(page).to_have_url(re.compile(r"/admin/$"))
    return page


async def axe_violations(page) -> list:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options=WCAG)
    assert results.response["passes"], "axe did not run"
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
    ]


@pytest.mark.browser
async def test_compare_restore_and_share(
    aiohttp_server, config, conn, save, editor, browser
):
    item = save(title="Khởi công cầu Châu Đốc", body="<p>Cầu dài 200 mét.</p>")
    save(item.id, title="Khởi công cầu Châu Đốc", body="<p>Cầu dài 350 mét.</p>")
    english = save(lang="en", title="Chau Doc bridge work starts")
    transaction(conn, link_translations, english.id, item.id)
    transaction(conn, mark_translated, english.id, item.id)
    save(item.id, title="Khởi công cầu Châu Đốc mới", body="<p>Cầu dài 350 mét.</p>")
    server = await aiohttp_server(create_app(config))
    base = str(server.make_url("")).rstrip("/")
    page = await sign_in(browser, base)
    found: dict[str, list] = {}

    await page.goto(f"{base}/admin/items/{item.id}/history")
    found["history"] = await axe_violations(page)
    await page.check("#from-1")
    await page.check("#to-2")
    await page.click("form.history-form button.button-primary")
    await expect(page).to_have_url(re.compile(r"/diff\?(from=1&to=2|to=2&from=1)$"))
    await expect(page.locator(".diff-body del")).to_contain_text("200")
    await expect(page.locator(".diff-body ins")).to_contain_text("350")
    found["diff"] = await axe_violations(page)

    await page.goto(f"{base}/admin/items/{item.id}/history")
    await page.click("button[form=restore-1]")
    await expect(page).to_have_url(re.compile(r"/history\?restored=1$"))
    await expect(page.locator("#r4")).to_contain_text("Khởi công cầu Châu Đốc")

    await page.goto(f"{base}/admin/items/{item.id}/review-links")
    await page.select_option("#f-hours", "24")
    await page.click("form.panel button.button-primary")
    link = await page.locator("#new-link").input_value()
    found["review links"] = await axe_violations(page)

    await page.goto(f"{base}/admin/translations")
    await expect(page.locator(".is-outdated")).to_have_count(1)
    found["translations"] = await axe_violations(page)

    await page.goto(f"{base}/admin/items/{item.id}/preview")
    await expect(page.locator(".preview-banner")).to_be_visible()
    found["preview"] = await axe_violations(page)

    outsider = await browser.new_page(viewport={"width": 390, "height": 800})
    problems: list[str] = []
    outsider.on("console", lambda m: m.type == "error" and problems.append(m.text))
    outsider.on("response", lambda r: r.status >= 400 and problems.append(r.url))
    await outsider.goto(link.replace(config.base_url, base))
    await expect(outsider.locator(".preview-banner")).to_be_visible()
    await expect(outsider.locator("h1")).to_have_text("Khởi công cầu Châu Đốc")
    found["review page"] = await axe_violations(outsider)

    assert {name: v for name, v in found.items() if v} == {}
    assert problems == []
