"""The editorial workflow in a real browser, one window per person: a
contributor writes and submits, an editor edits and sends it for approval,
the editor-in-chief approves it with a schedule, and the story appears on
the site, in search and in the feeds at its time; two editors open one story
and the second sees the lock; a save that lost the lock is refused and the
text stays in the editor."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from staff_support import fill_sign_in
from playwright.async_api import expect

from appliance import content
from appliance.app import create_app
from appliance.db import transaction
from newsroom import locks, workflow

TITLE = "Khởi công tuyến đê bao chống lũ Châu Phú"


@pytest.fixture
async def site(aiohttp_server, config, sections, add_staff):
    # The second factor has its own tests; here the people sign in with a password.
    config.values["security.totp_required_roles"] = []
    for name, role in (("writer", "contributor"), ("editor", "editor"),
                       ("editor2", "editor"), ("chief", "editor-in-chief")):
        add_staff(role, name)
    server = await aiohttp_server(create_app(config))
    return str(server.make_url("")).rstrip("/")


async def window(browser, base: str, username: str):
    """A browser window of its own (own cookies), signed in as `username`."""
    context = await browser.new_context(viewport={"width": 1100, "height": 900})
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    await page.goto(f"{base}/admin/login")
    await fill_sign_in(page, username)
    await expect(page).to_have_url(re.compile(r"/admin/$"))
    page.problems = problems  # type: ignore[attr-defined]
    return page


def local_input(moment: datetime) -> str:
    return (moment + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.browser
async def test_a_story_from_contributor_to_the_site(site, browser, conn):
    base = site
    writer = await window(browser, base, "writer")
    await writer.goto(f"{base}/admin/items/new")
    await writer.fill("#f-title", TITLE)
    await writer.select_option("#f-section", "tin-tuc")
    editor_box = writer.locator(".rich-editor .ql-editor")
    await editor_box.click()
    await writer.keyboard.type("Tuyến đê dài 12 km bảo vệ 3.000 ha lúa.")
    await writer.click("button[name=then][value=submit]")
    await expect(writer).to_have_url(re.compile(r"/admin/items/\d+\?done=submit"))
    item_id = int(re.search(r"/items/(\d+)", writer.url).group(1))
    await expect(writer.locator(".notice")).to_be_visible()
    # Submitted: the writer can read it but no longer change it.
    await expect(writer.locator("#article-form fieldset.plain")).to_have_attribute(
        "disabled", "")
    await expect(writer.locator(".rich-editor .ql-editor")).to_have_attribute(
        "contenteditable", "false")

    editor = await window(browser, base, "editor")
    await editor.goto(f"{base}/admin/items/{item_id}")
    await editor.click("form.move-take button")
    await expect(editor).to_have_url(re.compile(r"done=take"))
    box = editor.locator(".rich-editor .ql-editor")
    await box.click()
    await editor.keyboard.press("End")
    await editor.keyboard.type(" Dự kiến hoàn thành trước mùa lũ.")
    await editor.click("button[name=then][value=send_for_approval]")
    await expect(editor).to_have_url(re.compile(r"done=send_for_approval"))

    chief = await window(browser, base, "chief")
    await chief.goto(f"{base}/admin/items/{item_id}")
    when = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=3)
    await chief.fill("#m-at-approve", local_input(when))
    await chief.click("form.move-approve button")
    await expect(chief).to_have_url(re.compile(r"done=schedule"))
    item = content.get_item(conn, item_id)
    assert item.status == "scheduled"
    assert item.publish_at == when.strftime("%Y-%m-%dT%H:%M:%SZ")

    reader = await (await browser.new_context()).new_page()
    response = await reader.goto(f"{base}{item.url}")
    assert response.status == 404

    # Its minute comes; the scheduler publishes it.
    transaction(conn, workflow.run_schedule, when + timedelta(seconds=5))
    await reader.goto(f"{base}{item.url}")
    await expect(reader.locator("h1")).to_have_text(TITLE)
    await expect(reader.locator("main")).to_contain_text("trước mùa lũ")
    await reader.goto(f"{base}/vi/search?q=de+bao+Chau+Phu")
    await expect(reader.locator("main")).to_contain_text(TITLE)
    feed = await reader.request.get(f"{base}/vi/feed.xml")
    assert TITLE in await feed.text()
    for page in (writer, editor, chief):
        assert page.problems == []


@pytest.mark.browser
async def test_the_second_editor_sees_the_lock_and_a_lost_lock_keeps_the_text(
    site, browser, conn, monkeypatch
):
    base = site
    monkeypatch.setattr(locks, "HEARTBEAT_SECONDS", 1)
    item = transaction(
        conn,
        lambda c: content.save_item(
            c,
            content.ItemInput(kind="article", lang="vi", title=TITLE,
                              section_key="tin-tuc", body="<p>Bản gốc.</p>"),
            status="editing",
        ),
    )
    first = await window(browser, base, "editor")
    await first.goto(f"{base}/admin/items/{item.id}")
    await expect(first.locator("#lock-banner")).to_have_count(0)

    second = await window(browser, base, "editor2")
    await second.goto(f"{base}/admin/items/{item.id}")
    banner = second.locator("#lock-banner")
    await expect(banner).to_contain_text("editor")
    await expect(second.locator("#article-form fieldset.plain")).to_have_attribute(
        "disabled", "")

    # The first editor types; meanwhile the second takes the story over.
    box = first.locator(".rich-editor .ql-editor")
    await box.click()
    await first.keyboard.press("End")
    await first.keyboard.type(" Câu chưa lưu của biên tập viên thứ nhất.")
    await second.click("#lock-banner button")
    await expect(second).to_have_url(re.compile(r"done=takeover"))
    await expect(first.locator("#lock-lost[role=alert]")).to_contain_text("editor2")

    await first.click("#article-form button[type=submit]:not([name])")
    await expect(first.locator("#error-summary")).to_be_visible()
    await expect(first.locator(".rich-editor .ql-editor")).to_contain_text(
        "Câu chưa lưu của biên tập viên thứ nhất."
    )
    assert content.get_item(conn, item.id).body == "<p>Bản gốc.</p>"
