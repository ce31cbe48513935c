"""The newsroom in a real browser: sign in, write an article in the rich-text
editor, make a word bold, publish, and read it on the public site."""

from __future__ import annotations

import re

import pytest
from staff_support import ADMIN_USER, fill_sign_in
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
    await fill_sign_in(page, ADMIN_USER)
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

    await page.click("button[name=then][value=publish_now]")
    await expect(page).to_have_url(re.compile(r"/admin/items/\d+\?done=publish_now"))
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
    from search import sources

    source = transaction(conn, sources.add_source, sources.SourceInput(
        name="Sở Tư pháp", kind="rss", url="https://stp.example.vn/rss.xml"))
    server = await aiohttp_server(create_app(config))
    base = str(server.make_url("")).rstrip("/")
    axe = Axe()
    found: dict[str, list] = {}

    page = await browser.new_page(viewport={"width": 800, "height": 1000})
    await page.goto(f"{base}/admin/login")
    if lang != "vi":
        await page.click(f"button[name=lang][value={lang}]")
    pages = ["/admin/login"]
    await fill_sign_in(page, ADMIN_USER)
    pages += [
        "/admin/",
        "/admin/items",
        f"/admin/items/{item.id}",
        "/admin/items/new",
        "/admin/sections",
        "/admin/sources",
        f"/admin/sources/{source.id}",
        "/admin/search",
        "/admin/search/synonyms",
        "/admin/search/pins",
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
                (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations
            ]
    assert found == {}


async def signed_in_page(browser, base: str, width: int, lang: str = "vi"):
    page = await browser.new_page(viewport={"width": width, "height": 900})
    await page.goto(f"{base}/admin/login")
    if lang != "vi":
        await page.click(f"button[name=lang][value={lang}]")
    await fill_sign_in(page, ADMIN_USER)
    await expect(page).to_have_url(re.compile(r"/admin/$"))
    return page


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["vi", "km"])
async def test_no_page_scrolls_sideways_on_a_phone(
    aiohttp_server, config, sample, conn, browser, lang
):
    item_id = conn.execute(
        "SELECT id FROM item WHERE kind = 'article' ORDER BY id LIMIT 1"
    ).fetchone()[0]
    server = await aiohttp_server(create_app(config))
    base = str(server.make_url("")).rstrip("/")
    page = await signed_in_page(browser, base, 390, lang)
    too_wide = {}
    for path in (
        "/admin/",
        "/admin/items",
        f"/admin/items/{item_id}",
        "/admin/items/new",
        "/admin/sections",
        "/admin/sources",
        "/admin/search",
        "/admin/search/synonyms",
        "/admin/search/pins",
    ):
        await page.goto(f"{base}{path}")
        width = await page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
        # Every tab of the menu is in sight, none hidden off to the side.
        for tab in await page.locator(".mainnav a").all():
            box = await tab.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, path
    assert too_wide == {}


@pytest.mark.browser
async def test_an_image_over_the_limit_is_refused_before_sending(
    aiohttp_server, config, sections, conn, browser
):
    config.values["content.max_upload_mb"] = 1
    server = await aiohttp_server(create_app(config))
    base = str(server.make_url("")).rstrip("/")
    page = await signed_in_page(browser, base, 1024)
    await page.goto(f"{base}/admin/items/new")
    await page.fill("#f-title", "Bài có ảnh quá lớn")
    await page.select_option("#f-section", "tin-tuc")
    await page.click(".upload summary")
    await page.set_input_files(
        "#f-image",
        {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\0" * 1_600_000},
    )
    alert = page.locator("#e-image-size[role=alert]")
    await expect(alert).to_be_visible()
    await expect(alert).to_contain_text("1,5 MB")
    await expect(page.locator("#f-image")).to_have_attribute("aria-invalid", "true")
    assert "e-image-size" in await page.get_attribute("#f-image", "aria-describedby")
    assert await page.eval_on_selector("#f-image", "input => input.files.length") == 0

    # The article itself is still saved, without the image.
    await page.click("#article-form button[type=submit]:not([name])")
    await expect(page).to_have_url(re.compile(r"/admin/items/\d+\?done=created"))
    row = conn.execute("SELECT title, lead_image_id FROM item").fetchone()
    assert tuple(row) == ("Bài có ảnh quá lớn", None)
