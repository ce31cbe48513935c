"""A month of royalties run end to end in a real browser: the editor-in-chief
registers a contributor, grades the month's works, opens a period, collects,
reviews and locks it, and downloads the signed sheet; the reporter then reads
their own statement. The royalty screens pass axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect
from pypdf import PdfReader
from staff_support import fill_sign_in

from appliance.app import create_app

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
async def site(aiohttp_server, config, add_staff, publish):
    writer = add_staff("reporter", "reporter", display_name="Trần Thị Bình")
    add_staff("editor-in-chief", "chief")
    works = {
        "reportage": publish("Phóng sự: mùa nước nổi", "2026-11-12T08:00",
                             author_id=writer.id),
        "news": publish("Lúa Thu Đông được mùa", "2026-11-20T08:00",
                        author_id=writer.id),
    }
    server = await aiohttp_server(create_app(config))
    return str(server.make_url("")).rstrip("/"), works


async def window(browser, base: str, username: str):
    context = await browser.new_context(viewport={"width": 1200, "height": 900},
                                        accept_downloads=True)
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    await page.goto(f"{base}/admin/login")
    await fill_sign_in(page, username)
    await expect(page).to_have_url(re.compile(r"/admin/$"))
    page.problems = problems  # type: ignore[attr-defined]
    return page


async def no_axe_violations(page, axe: Axe) -> None:
    results = await axe.run(page, options=WCAG)
    assert results.response["passes"], "axe did not run"
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3])
                  for v in results.response["violations"]]
    assert violations == [], page.url


@pytest.mark.browser
async def test_a_month_of_royalties_in_the_admin(site, browser, tmp_path):
    base, works = site
    axe = Axe()
    chief = await window(browser, base, "chief")

    # The register: the reporter, linked to their account.
    await chief.goto(f"{base}/admin/royalties/contributors")
    await no_axe_violations(chief, axe)
    await chief.fill("#f-full_name", "Trần Thị Bình")
    await chief.select_option("#f-user_id", label="Trần Thị Bình (reporter)")
    await chief.fill("#f-tax_code", "8012345678")
    await chief.fill("#f-bank_account", "9704229200001")
    await chief.fill("#f-bank_name", "Agribank Châu Đốc")
    await chief.get_by_role("button", name="Thêm vào sổ", exact=True).click()
    await expect(chief.locator(".notice")).to_be_visible()
    await expect(chief.locator("dd").nth(2)).to_contain_text("•••••••• 0001")
    await no_axe_violations(chief, axe)

    # Grading: the works to grade, one by one.
    await chief.goto(f"{base}/admin/royalties/works?month=2026-11&show=ungraded")
    await no_axe_violations(chief, axe)
    for key, kind, coefficient in (("reportage", "reportage", "30"), ("news", "news", "8")):
        await chief.click(f"#work-{works[key].id} a")
        await chief.select_option("#f-kind", kind)
        await chief.fill("#f-coefficient", coefficient)
        await expect(chief.locator("#f-author-0")).to_have_value(re.compile(r"\d+"))
        await chief.get_by_role("button", name="Lưu kết quả chấm", exact=True).click()
        await expect(chief.locator(".notice")).to_be_visible()
        await chief.goto(f"{base}/admin/royalties/works?month=2026-11")
    await no_axe_violations(chief, axe)

    # The period: open, collect, review, lock.
    await chief.goto(f"{base}/admin/royalties")
    await chief.fill("#f-starts", "2026-11-01")
    await chief.fill("#f-ends", "2026-11-30")
    await chief.fill("#f-pay_on", "2026-12-05")
    await chief.get_by_role("button", name="Mở kỳ", exact=True).click()
    await expect(chief.locator("h1")).to_contain_text("Tháng 11/2026")
    await chief.get_by_role("button", name="Tập hợp tác phẩm đã chấm", exact=True).click()
    await expect(chief.locator(".figures")).to_contain_text("9.614.000")
    await no_axe_violations(chief, axe)
    await chief.get_by_role("button", name="Chuyển rà soát", exact=True).click()
    await expect(chief.locator(".figures")).to_contain_text("961.400")
    await chief.get_by_role("button", name="Khóa kỳ", exact=True).click()
    await expect(chief.locator("h1 .badge")).to_have_text("Đã khóa")
    await expect(chief.locator(".words")).to_contain_text(
        "Tám triệu sáu trăm năm mươi hai nghìn sáu trăm đồng")
    await no_axe_violations(chief, axe)

    async with chief.expect_download() as waiting:
        await chief.click("text=Danh sách ký nhận (PDF)")
    download = await waiting.value
    path = tmp_path / "signed.pdf"
    await download.save_as(path)
    text = PdfReader(path).pages[0].extract_text()
    assert "9.614.000" in text and "961.400" in text and "8.652.600" in text

    await chief.goto(f"{base}/admin/royalties/rules")
    await no_axe_violations(chief, axe)
    await chief.goto(f"{base}/admin/reports/royalties?period=2026-12")
    await expect(chief.locator("svg.chart").first).to_be_visible()
    await no_axe_violations(chief, axe)
    assert chief.problems == []

    # The reporter reads their own statement.
    reporter = await window(browser, base, "reporter")
    await reporter.click("nav.mainnav >> text=Nhuận bút")
    await expect(reporter).to_have_url(re.compile(r"/admin/royalties/mine$"))
    await reporter.click("text=Tháng 11/2026")
    await expect(reporter.locator(".statement")).to_contain_text("8.652.600 đ")
    await expect(reporter.locator(".statement")).to_contain_text("7.590.000 đ")
    await no_axe_violations(reporter, axe)
    assert reporter.problems == []
