"""The royalty screens over real HTTP: the register with masked personal
numbers and audited reveals, grading, a month from opening to locking, the
files for the accounting office, and who may see what."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from appliance.db import transaction
from newsroom.royalties import periods

BASE = "/admin/royalties"


@pytest.fixture
def sign_in(sign_in):
    """Staff with the interface in English, so assertions read message ids."""

    async def sign(*args, **kwargs):
        staff = await sign_in(*args, **kwargs)
        switched = await staff.post("/admin/language", {"lang": "en", "next": "/admin/"})
        assert switched.status == 303
        return staff

    return sign


def location(response, prefix: str) -> int:
    assert response.status == 303, response.status
    match = re.match(rf"^{re.escape(prefix)}(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


CONTRIBUTOR = {"full_name": "Nguyễn Văn An", "pen_name": "Hoài An",
               "tax_code": "8012345678", "bank_account": "0123456789012",
               "id_number": "089201000123", "bank_name": "Vietcombank An Giang"}


async def add_person(chief, **fields) -> int:
    response = await chief.post(f"{BASE}/contributors", CONTRIBUTOR | fields)
    return location(response, f"{BASE}/contributors/")


async def test_the_register_masks_personal_numbers_and_audits_each_reveal(
        client, add_staff, sign_in, conn):
    add_staff("editor-in-chief", "chief")
    chief = await sign_in("chief")
    person = await add_person(chief)

    listing = await chief.text(f"{BASE}/contributors")
    page = await chief.text(f"{BASE}/contributors/{person}")
    for html in (listing, page):
        assert "Nguyễn Văn An" in html
        assert "0123456789012" not in html and "8012345678" not in html
        assert "089201000123" not in html
    assert "•••••••• 9012" in listing
    stored = conn.execute("SELECT tax_code, bank_account FROM contributor").fetchone()
    assert "8012345678" not in "".join(stored)  # encrypted at rest

    shown = await chief.post(f"{BASE}/contributors/{person}/reveal",
                             {"field": "bank_account"})
    assert shown.status == 200
    assert "0123456789012" in await shown.text()
    entry = conn.execute("SELECT user_id, target, detail FROM audit"
                         " WHERE action = 'contributor.reveal'").fetchall()
    assert [(row["target"], row["detail"]) for row in entry] == [
        (f"contributor:{person}", "bank_account")]


async def test_only_paying_roles_keep_the_register(client, add_staff, sign_in):
    add_staff("editor-in-chief", "chief")
    add_staff("editor", "editor")
    chief = await sign_in("chief")
    person = await add_person(chief)
    editor = await sign_in("editor")

    for path in (f"{BASE}/contributors", f"{BASE}/contributors/{person}"):
        assert (await editor.get(path)).status == 403
    refused = await editor.post(f"{BASE}/contributors/{person}/reveal",
                                {"field": "bank_account"})
    assert refused.status == 403
    assert "0123456789012" not in await refused.text()


async def test_a_bad_tax_code_is_refused_with_a_message_and_the_name_kept(
        client, add_staff, sign_in):
    add_staff("editor-in-chief", "chief")
    chief = await sign_in("chief")

    response = await chief.post(f"{BASE}/contributors", CONTRIBUTOR | {"tax_code": "12"})

    assert response.status == 400
    html = await response.text()
    assert "The tax code has 10 or 13 digits" in html
    assert 'value="Nguyễn Văn An"' in html


async def test_a_month_from_grading_to_the_locked_period_and_its_files(
        client, add_staff, sign_in, publish, conn):
    writer = add_staff("reporter", "reporter")
    add_staff("editor-in-chief", "chief")
    chief = await sign_in("chief")
    person = await add_person(chief, user_id=str(writer.id))
    item = publish("Phóng sự: mùa nước nổi", "2026-11-12T08:00", author_id=writer.id)

    form = await chief.text(f"{BASE}/works/{item.id}")
    assert f'<option value="{person}" selected>' in form  # the writer, suggested
    graded = await chief.post(f"{BASE}/works/{item.id}", {
        "kind": "reportage", "coefficient": "30", "author-0": str(person),
        "share-0": "100"})
    assert graded.status == 303

    opened = await chief.post(f"{BASE}/periods", {"starts": "2026-11-01",
                                                  "ends": "2026-11-30",
                                                  "pay_on": "2026-12-05"})
    period = location(opened, f"{BASE}/periods/")
    for step in ("collect", "review"):
        assert (await chief.post(f"{BASE}/periods/{period}/{step}")).status == 303
    html = await chief.text(f"{BASE}/periods/{period}")
    assert "7,590,000" in html and "759,000" in html and "6,831,000" in html
    assert "Six million eight hundred" not in html  # words are Vietnamese
    assert "Sáu triệu tám trăm ba mươi mốt nghìn đồng" in html

    assert (await chief.post(f"{BASE}/periods/{period}/lock")).status == 303
    sheet = await chief.get(f"{BASE}/periods/{period}/export/payment-list.xlsx")
    assert sheet.status == 200
    book = load_workbook(io.BytesIO(await sheet.read()))
    values = [row for row in book.worksheets[0].iter_rows(values_only=True)
              if row and row[1] == "Nguyễn Văn An"]
    assert values[0][7:10] == (7_590_000, 759_000, 6_831_000)
    assert conn.execute("SELECT count(*) FROM audit WHERE action = 'contributor.reveal'"
                        " AND target = ?", (f"period:{period}",)).fetchone()[0] == 1

    # The locked period refuses every change, and says where corrections go.
    refused = await chief.post(f"{BASE}/periods/{period}/reopen")
    assert refused.status == 409
    again = await chief.post(f"{BASE}/works/{item.id}", {
        "kind": "reportage", "coefficient": "25", "author-0": str(person),
        "share-0": "100"})
    assert again.status == 409
    assert "Correct its grade from an open period" in await again.text()

    # The reporter sees their own statement, not the register.
    reporter = await sign_in("reporter")
    mine = await reporter.text(f"{BASE}/mine")
    assert "6,831,000" in mine
    own = await reporter.text(f"{BASE}/periods/{period}/statements/{person}")
    assert "Sáu triệu tám trăm ba mươi mốt nghìn đồng" in own
    pdf = await reporter.get(f"{BASE}/periods/{period}/statements/{person}.pdf")
    assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
    assert (await reporter.get(f"{BASE}/periods/{period}")).status == 403
    assert (await reporter.get(
        f"{BASE}/periods/{period}/export/payment-list.xlsx")).status == 403


async def test_a_statement_of_an_unlocked_period_is_not_shown_to_its_contributor(
        client, add_staff, sign_in, publish, conn, key):
    writer = add_staff("reporter", "reporter")
    add_staff("editor-in-chief", "chief")
    chief = await sign_in("chief")
    person = await add_person(chief, user_id=str(writer.id))
    item = publish("Tin", "2026-11-12T08:00", author_id=writer.id)
    await chief.post(f"{BASE}/works/{item.id}", {"kind": "news", "coefficient": "8",
                                                 "author-0": str(person), "share-0": "100"})
    period = location(await chief.post(f"{BASE}/periods", {
        "starts": "2026-11-01", "ends": "2026-11-30"}), f"{BASE}/periods/")
    await chief.post(f"{BASE}/periods/{period}/collect")

    reporter = await sign_in("reporter")
    assert (await reporter.get(
        f"{BASE}/periods/{period}/statements/{person}")).status == 403
    provisional = await chief.text(f"{BASE}/periods/{period}/statements/{person}")
    assert "Provisional" in provisional and "2,024,000" in provisional


async def test_the_dashboard_warns_before_the_60_days_run_out(client, add_staff, sign_in,
                                                              publish, config):
    add_staff("editor-in-chief", "chief")
    add_staff("editor", "editor")
    # Published 50 days before today: 10 days left, inside the 14-day warning.
    from datetime import datetime, timedelta

    from appliance.i18n import LOCAL_TZ

    when = (datetime.now(LOCAL_TZ) - timedelta(days=50)).strftime("%Y-%m-%dT08:00")
    old = (datetime.now(LOCAL_TZ) - timedelta(days=75)).strftime("%Y-%m-%dT08:00")
    fresh = (datetime.now(LOCAL_TZ) - timedelta(days=3)).strftime("%Y-%m-%dT08:00")
    publish("Tin sắp đến hạn", when)
    publish("Tin quá hạn", old)
    publish("Tin mới", fresh)

    chief = await sign_in("chief")
    html = await chief.text("/admin/")
    assert "Royalties due soon (2)" in html
    assert "Tin sắp đến hạn" in html and "days left" in html
    assert "Tin quá hạn" in html and "15 days late" in html
    assert "Tin mới" not in html.split("royalties-due")[1].split("</section>")[0]
    editor = await sign_in("editor")
    assert "Royalties due soon" not in await editor.text("/admin/")


async def test_correcting_a_locked_period_from_the_next_one(client, add_staff, sign_in,
                                                            publish, conn, key):
    add_staff("editor-in-chief", "chief")
    chief = await sign_in("chief")
    person = await add_person(chief)
    item = publish("Tin", "2026-11-12T08:00")
    await chief.post(f"{BASE}/works/{item.id}", {"kind": "news", "coefficient": "8",
                                                 "author-0": str(person), "share-0": "100"})
    november = location(await chief.post(f"{BASE}/periods", {
        "starts": "2026-11-01", "ends": "2026-11-30"}), f"{BASE}/periods/")
    for step in ("collect", "review", "lock"):
        await chief.post(f"{BASE}/periods/{november}/{step}")
    december = location(await chief.post(f"{BASE}/periods", {
        "starts": "2026-12-01", "ends": "2026-12-31"}), f"{BASE}/periods/")

    page = await chief.get(f"{BASE}/periods/{december}/correct?item={item.id}")
    assert page.headers["Location"] == f"{BASE}/periods/{december}/correct/{item.id}"
    fixed = await chief.post(f"{BASE}/periods/{december}/correct/{item.id}", {
        "kind": "news", "coefficient": "10", "author-0": str(person), "share-0": "100"})
    assert fixed.status == 303
    html = await chief.text(f"{BASE}/periods/{december}")
    assert "506,000" in html
    found = transaction(conn, periods.statement, key, december, person)
    assert [line.amount for line in found.lines] == [506_000]


async def test_administrators_change_the_rules_by_date_and_others_may_only_read(
        client, add_staff, sign_in, conn):
    add_staff("editor-in-chief", "chief")
    admin = await sign_in()
    added = await admin.post(f"{BASE}/rules/base_salary", {
        "effective_from": "2027-07-01", "amount": "2.800.000", "unit_rate": "10",
        "note": "Nghị định mới"})
    assert added.status == 303
    html = await admin.text(f"{BASE}/rules")
    assert "2,800,000" in html and "280,000" in html
    bad = await admin.post(f"{BASE}/rules/work_kind", {
        "code": "news", "effective_from": "2027-01-01", "name_vi": "Tin", "min": "12",
        "max": "10"})
    assert bad.status == 400
    assert "The lowest coefficient may not be above the highest." in await bad.text()

    chief = await sign_in("chief")
    assert (await chief.get(f"{BASE}/rules")).status == 200
    refused = await chief.post(f"{BASE}/rules/tax_rule", {
        "effective_from": "2027-01-01", "threshold": "1", "rate": "50"})
    assert refused.status == 403
    assert conn.execute("SELECT count(*) FROM tax_rule").fetchone()[0] == 2
