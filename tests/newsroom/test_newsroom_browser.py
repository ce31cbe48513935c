"""The newsroom in a real browser: sign in, write an article in the rich-text
editor, make a word bold, publish, and read it on the public site."""

from __future__ import annotations

import re

import pytest
from newsroom_support import ADMIN_PASSWORD, ADMIN_USER
from playwright.async_api import expect

from appliance.app import create_app


@pytest.mark.browser
async def test_write_bold_text_with_the_editor_and_publish(
    aiohttp_server, config, sections, browser
):
    server = await aiohttp_server(create_app(config))
    base = str(server.make_url("")).rstrip("/")
    problems: list[str] = []

    page = await browser.new_page(viewport={"width": 1024, "height": 900})
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda r: r.status >= 400 and problems.append(r.url))

    await page.goto(f"{base}/admin/items/new")
    await expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    await page.fill("#f-username", ADMIN_USER)
    await page.fill("#f-password", ADMIN_PASSWORD)
    await page.click("button[type=submit].button-primary")
    await expect(page).to_have_url(re.compile(r"/admin/items/new$"))

    await page.fill("#f-title", "Nước lũ về sớm ở đầu nguồn")
    await page.select_option("#f-section", "tin-tuc")
    editor = page.locator(".rich-editor .ql-editor")
    await expect(editor).to_be_visible()
    await expect(page.locator("#f-body")).to_be_hidden()
    await editor.click()
    await page.keyboard.type("Mực nước sông Hậu lên nhanh hơn mọi năm")
    await page.keyboard.press("Shift+Control+ArrowLeft")
    await page.click(".ql-toolbar button.ql-bold")
    await expect(editor.locator("strong")).to_have_text("năm")
    await expect(page.locator(".ql-toolbar button.ql-bold")).to_have_attribute(
        "aria-label", "In đậm"
    )

    await page.click("button[name=after][value=publish]")
    await expect(page).to_have_url(
        re.compile(r"/admin/items/\d+\?done=published")
    )
    await expect(page.locator(".notice")).to_contain_text("đã được xuất bản")

    public = page.locator(".address a")
    await public.click()
    await expect(page).to_have_url(re.compile(r"/vi/tin-tuc/nuoc-lu-ve-som"))
    await expect(page.locator("h1")).to_have_text("Nước lũ về sớm ở đầu nguồn")
    await expect(page.locator("main strong", has_text="năm")).to_have_count(1)

    # The editor runs under the newsroom's Content-Security-Policy without a
    # single refused script or style.
    assert problems == []


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["vi", "km"])
async def test_newsroom_pages_pass_axe(
    aiohttp_server, config, conn, sections, lang, browser
):
    from functools import partial

    from axe_playwright_python.async_playwright import Axe

    from appliance import content
    from appliance.content import ItemInput
    from appliance.db import transaction

    item = transaction(
        conn,
        partial(content.save_item, status="published"),
        ItemInput(
            kind="article",
            lang="km",
            title="ពិធីបុណ្យអុំទូក",
            section_key="van-hoa",
            body="<p>អត្ថបទ</p>",
            extra={"review": "awaiting-khmer-review"},
        ),
    )
    server = await aiohttp_server(create_app(config))
    base = str(server.make_url("")).rstrip("/")
    axe = Axe()
    found: dict[str, list] = {}

    page = await browser.new_page(viewport={"width": 800, "height": 1000})
    await page.goto(f"{base}/admin/login")
    if lang != "vi":
        await page.click(f"button[name=lang][value={lang}]")
    pages = ["/admin/login"]
    await page.fill("#f-username", ADMIN_USER)
    await page.fill("#f-password", ADMIN_PASSWORD)
    await page.click("button[type=submit].button-primary")
    pages += [
        "/admin/",
        "/admin/items",
        f"/admin/items/{item.id}",
        "/admin/items/new",
        "/admin/sections",
    ]
    for path in pages:
        await page.goto(f"{base}{path}")
        results = await axe.run(
            page,
            options={
                "runOnly": {
                    "type": "tag",
                    "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
                }
            },
        )
        assert results.response["passes"], "axe did not run"
        violations = results.response["violations"]
        if violations:
            found[path] = [
                (v["id"], [n["target"] for n in v["nodes"]][:3])
                for v in violations
            ]
    assert found == {}
