"""The account pages in a real browser: the administrator's forced set-up
of the second factor (the QR code must load under the strict
Content-Security-Policy), the second sign-in step, and axe checks of every
account page."""

from __future__ import annotations

import re

import pyotp
import pytest
from accounts_support import next_code
from playwright.async_api import expect
from staff_support import ADMIN_USER, fill_sign_in

from appliance.app import create_app

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def axe_violations(axe, page) -> list:
    results = await axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.response["passes"], "axe did not run"
    return [(v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]]


@pytest.mark.browser
async def test_set_up_sign_in_with_a_code_and_accessible_pages(
        aiohttp_server, config, browser):
    from axe_playwright_python.async_playwright import Axe

    server = await aiohttp_server(create_app(config))
    base = str(server.make_url("")).rstrip("/")
    axe, found, refused = Axe(), {}, []
    page = await browser.new_page(viewport={"width": 1024, "height": 900})
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)

    await page.goto(f"{base}/admin/login")
    await fill_sign_in(page, ADMIN_USER)
    await expect(page).to_have_url(re.compile(r"/admin/profile/2fa$"))
    assert await page.eval_on_selector("img.qr", "img => img.naturalWidth") > 0
    found["enrol"] = await axe_violations(axe, page)

    secret = (await page.inner_text("#totp-secret")).replace(" ", "")
    await page.fill("#f-code", pyotp.TOTP(secret).now())
    await page.click("button[type=submit].button-primary")
    await expect(page.locator("#recovery-codes li")).to_have_count(10)
    found["codes"] = await axe_violations(axe, page)

    for path in ("/admin/profile", "/admin/users", "/admin/users/1", "/admin/audit"):
        await page.goto(f"{base}{path}")
        found[path] = await axe_violations(axe, page)

    await page.click(".userbox button")
    await fill_sign_in(page, ADMIN_USER)
    await expect(page).to_have_url(re.compile(r"/admin/login/code$"))
    found["code"] = await axe_violations(axe, page)
    await page.fill("#f-code", next_code(secret))
    await page.click("button[type=submit].button-primary")
    await expect(page).to_have_url(re.compile(r"/admin/$"))

    assert {k: v for k, v in found.items() if v} == {}
    assert refused == []
