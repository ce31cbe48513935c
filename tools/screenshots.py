"""Screenshots of the newsroom's main screens, for docs/screenshots/.

    .venv/bin/python -m tools.screenshots [--out docs/screenshots]

Builds a throwaway sample site (the demo's content and staff), serves it on a
loopback port, and photographs each screen in Debian's Chromium as the
person who uses it. Run it again whenever a screen changes.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from appliance import config as config_mod
from appliance import content
from appliance.app import create_app
from appliance.db import open_sync, transaction
from appliance.demo import _add_newsroom, add_portal_pages, load_sample
from appliance.site import create_site

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "screenshot-password-1"

# (file name, who, address, what to do first)
SCREENS = [
    ("login", None, "/admin/login", None),
    ("dashboard-chief", "chief", "/admin/", None),
    ("dashboard-writer", "writer", "/admin/", None),
    ("items", "editor", "/admin/items", None),
    ("item-awaiting-approval", "chief", "/admin/items/{awaiting}", None),
    ("item-locked", "editor", "/admin/items/{awaiting}", "lock"),
    ("item-history", "chief", "/admin/items/{published}/history", None),
    ("item-diff", "chief", "/admin/items/{published}/diff", None),
    ("item-preview", "editor", "/admin/items/{published}/preview", None),
    ("item-review-links", "chief", "/admin/items/{awaiting}/review-links", None),
    ("translations", "editor", "/admin/translations", None),
    ("notifications", "editor", "/admin/notifications", None),
    ("media-library", "editor", "/admin/media", None),
    ("workflow-rules", "admin", "/admin/workflow", None),
    ("users", "admin", "/admin/users", None),
    ("audit", "admin", "/admin/audit", None),
    ("profile", "editor", "/admin/profile", None),
    ("redirects", "admin", "/admin/redirects", None),
    ("menus", "chief", "/admin/menus", None),
    ("ratings", "editor", "/admin/ratings", None),
    ("feedback", "editor", "/admin/feedback/{feedback}", None),
    ("downtime", "admin", "/admin/downtime", None),
    ("snippets", "admin", "/admin/snippets", None),
    ("about-pages", "editor", "/admin/about?page=organisation&lang=vi", None),
    ("royalties", "chief", "/admin/royalties", None),
    ("royalty-grade", "chief", "/admin/royalties/works/{graded}", None),
    ("royalty-period", "chief", "/admin/royalties/periods/{locked}", None),
    ("royalty-contributors", "chief", "/admin/royalties/contributors", None),
    ("royalty-rules", "admin", "/admin/royalties/rules", None),
    ("royalty-statement", "writer", "/admin/royalties/periods/{locked}/statements/{writer}",
     None),
    ("report-production", "chief", "/admin/reports/production?period={month}", None),
    ("report-royalties", "chief", "/admin/reports/royalties?period={pay_month}", None),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _build_site(folder: Path, port: int) -> tuple[config_mod.Config, dict[str, int]]:
    create_site(folder, "admin", PASSWORD,
                overrides={"site.base_url": f"http://127.0.0.1:{port}",
                           "security.totp_required_roles": []})
    config = config_mod.load(folder)
    conn = open_sync(config.database_path)
    try:
        load_sample(conn, config.media_dir)
        transaction(conn, _add_newsroom, PASSWORD)
        transaction(conn, add_portal_pages, config.base_url)
        ids = _stories(conn) | transaction(conn, _trust_samples)
        ids |= _royalty_month(conn, config)
    finally:
        conn.close()
    return config, ids


def _stories(conn) -> dict[str, int]:
    """A published story with some history, and one awaiting approval."""
    awaiting = conn.execute(
        "SELECT id FROM item WHERE status = 'awaiting_approval'").fetchone()[0]
    published = conn.execute(
        "SELECT id FROM item WHERE status = 'published' AND kind = 'article'"
        " AND lang = 'vi' ORDER BY id LIMIT 1").fetchone()[0]
    item = content.get_item(conn, published)
    edited = content.ItemInput(
        kind=item.kind, lang=item.lang, title=item.title + " (cập nhật)",
        summary=item.summary, body=item.body.replace("</p>", " Thông tin bổ sung.</p>", 1),
        section_key=item.section_key)
    transaction(conn, lambda c: content.save_item(c, edited, item_id=published))
    soon = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    approved = conn.execute(
        "SELECT id FROM item WHERE status = 'submitted'").fetchone()[0]
    transaction(conn, lambda c: content.set_status(c, approved, "scheduled",
                                                   publish_at=soon))
    return {"awaiting": awaiting, "published": published}


def _trust_samples(conn) -> dict[str, int]:
    """A question from the public and a week of ratings, for their screens."""
    from collections import Counter
    from datetime import date

    from appliance import feedback, ratings

    message = feedback.submit(conn, feedback.Submission(
        "vi", "question", "Cho hỏi lịch tiếp công dân của Ủy ban nhân dân tỉnh "
        "trong tháng này?", page="/vi/"))
    tally = Counter()
    for days in range(7):
        day = (date.today() - timedelta(days=days)).isoformat()
        for score, n in ((5, 9 - days), (4, 6), (3, 2), (2, 1)):
            tally[(day, "portal", "vi", score)] += n
        tally[(day, "/vi/procedures/", "vi", 4)] += 3
    ratings.add_counts(conn, tally)
    return {"feedback": message.id}


def _royalty_month(conn, config) -> dict:
    """Last month's published stories graded and paid in a locked period,
    the writer in the register, and some page views."""
    from newsroom.royalties import periods, register
    from newsroom.royalties.grading import Author, GradeInput
    from newsroom.royalties.register import ContributorInput
    from web.pageviews import record_views

    key = register.cipher(config.secrets["personal_key"])
    writer_user = conn.execute("SELECT id FROM user WHERE username = 'writer'").fetchone()[0]
    people = [transaction(conn, register.save_contributor, key, ContributorInput(
        full_name=name, pen_name=pen, user_id=user, tax_code=tax, bank_account=account,
        bank_name=bank)) for name, pen, user, tax, account, bank in (
            ("Nguyễn Văn An", "Hoài An", writer_user, "8012345678", "0123456789012",
             "Vietcombank An Giang"),
            ("Trần Thị Bình", "", None, "8098765432", "9704229200001", "Agribank Châu Đốc"),
            ("Thạch Sô Phal", "សុផល", None, "", "3141592653", "BIDV Rạch Giá"))]
    today = datetime.now(UTC).date()
    last = today.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    rows = conn.execute(
        "SELECT id, lang FROM item WHERE status = 'published' AND kind = 'article'"
        " ORDER BY id LIMIT 6").fetchall()
    grades = [("reportage", 3000), ("news", 800), ("news", 1000), ("photo", 500),
              ("commentary", 2000), ("news", 600)]
    for (item_id, lang), (kind, coefficient) in zip(rows, grades, strict=False):
        day = first + timedelta(days=item_id % 25)
        conn.execute("UPDATE item SET published_at = ? WHERE id = ?",
                     (f"{day.isoformat()}T02:00:00Z", item_id))
        authors = ([Author(people[2].id, 10_000)] if lang == "km" else
                   [Author(people[0].id, 6000), Author(people[1].id, 4000)]
                   if kind == "reportage" else [Author(people[0].id, 10_000)])
        transaction(conn, periods.grade_work, item_id,
                    GradeInput(kind, coefficient, authors), None)
        transaction(conn, record_views, [(day.isoformat(), content.get_item(
            conn, item_id).url, 50 + 37 * (item_id % 7))])
    period = transaction(conn, lambda c: periods.open_period(
        c, first.isoformat(), last.isoformat(), pay_on=today.isoformat()))
    transaction(conn, periods.collect, period.id, periods.Settings(), None)
    transaction(conn, lambda c: periods.add_line(
        c, period.id, people[1].id, "remuneration", "Biên tập chuyên mục", amount=1_500_000))
    transaction(conn, periods.to_review, key, period.id, None)
    transaction(conn, periods.lock, period.id, None)
    return {"graded": rows[0][0], "locked": period.id, "writer": people[0].id,
            "month": first.strftime("%Y-%m"), "pay_month": today.strftime("%Y-%m")}


async def _sign_in(browser, base: str, username: str):
    context = await browser.new_context(viewport={"width": 1280, "height": 900},
                                        locale="vi-VN")
    page = await context.new_page()
    await page.goto(f"{base}/admin/login")
    await page.fill("#f-username", username)
    await page.fill("#f-password", PASSWORD)
    await page.click("button[type=submit].button-primary")
    await page.wait_for_url(f"{base}/admin/")
    return page


async def _shoot(out: Path) -> list[str]:
    from playwright.async_api import async_playwright

    out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="portal-shots-") as folder:
        config, ids = _build_site(Path(folder) / "site", port)
        runner = web.AppRunner(create_app(config), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        base = f"http://127.0.0.1:{port}"
        made = []
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                pages: dict[str | None, object] = {}
                for name, who, address, before in SCREENS:
                    if who not in pages:
                        pages[who] = (await _sign_in(browser, base, who) if who
                                      else await (await browser.new_context(
                                          viewport={"width": 1280, "height": 900}
                                      )).new_page())
                    page = pages[who]
                    target = base + address.format(**ids)
                    if before == "lock":
                        # Someone else has the story open first.
                        await pages["chief"].goto(target)
                    response = await page.goto(target)
                    if response is None or response.status >= 400:
                        raise SystemExit(f"{address}: HTTP {response and response.status}")
                    await page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                    made.append(name)
                await browser.close()
        finally:
            await runner.cleanup()
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots", type=Path)
    args = parser.parse_args()
    made = asyncio.run(_shoot(args.out))
    print(f"{len(made)} screenshots in {args.out}")


if __name__ == "__main__":
    main()
