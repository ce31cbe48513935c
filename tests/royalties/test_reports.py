"""Reports: figures over a small known month, the admin's tables and SVG
charts, the files opened again with their own libraries, and a month run
end to end from the command line."""

from __future__ import annotations

import csv
import io
import os
import sys

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from appliance import content
from appliance.cli import main
from appliance.content import ItemInput
from appliance.db import transaction
from appliance.i18n import set_language
from newsroom import workflow
from newsroom.reports import export, registry
from newsroom.royalties import periods
from newsroom.royalties.grading import Author, GradeInput
from newsroom.royalties.periods import Settings
from web.pageviews import record_views


@pytest.fixture
def november(conn, key, publish, add_contributor, add_staff, news_section):
    """November 2026: two Vietnamese stories (one through review, submitted two
    days before it was published), one Khmer translation, page views, and a
    locked payment period."""
    set_language("vi")
    writer = add_staff("reporter", "reporter")
    chief = add_staff("editor-in-chief", "chief")
    an = add_contributor("Nguyễn Văn An", user_id=writer.id)
    phal = add_contributor("Thạch Sô Phal")

    draft = transaction(conn, lambda db: content.save_item(db, ItemInput(
        kind="article", lang="vi", title="Mùa nước nổi", body="<p>Nước về.</p>",
        section_key="tin-tuc"), user_id=writer.id))
    transaction(conn, workflow.transition, draft.id, "submit", writer)
    conn.execute("UPDATE item_revision SET saved_at = '2026-11-08T01:00:00Z'"
                 " WHERE item_id = ? AND status = 'submitted'", (draft.id,))
    transaction(conn, lambda db: content.set_status(db, draft.id, "published", chief.id))
    conn.execute("UPDATE item SET published_at = '2026-11-10T01:00:00Z' WHERE id = ?",
                 (draft.id,))
    second = publish("Lúa Thu Đông", "2026-11-20T08:00")
    khmer = publish("រដូវទឹកឡើង", "2026-11-21T08:00", lang="km")
    publish("Tin tháng Mười", "2026-10-30T08:00")

    for item, kind, coefficient, who, adjustments in (
            (draft, "reportage", 3000, an, {}), (second, "news", 800, an, {}),
            (khmer, "reportage", 3000, phal, {"translation": 5000})):
        transaction(conn, periods.grade_work, item.id,
                    GradeInput(kind, coefficient, [Author(who.id, 10_000)], adjustments),
                    None)
    transaction(conn, record_views, [
        ("2026-11-10", content.get_item(conn, draft.id).url, 40),
        ("2026-11-11", content.get_item(conn, draft.id).url, 2),
        ("2026-11-21", khmer.url, 7),
        ("2026-11-21", "/vi/", 100),
    ])
    period = transaction(conn, lambda db: periods.open_period(
        db, "2026-11-01", "2026-11-30", pay_on="2026-12-05"))
    transaction(conn, periods.collect, period.id, Settings(), None)
    transaction(conn, periods.to_review, key, period.id, None)
    transaction(conn, periods.lock, period.id, None)
    return {"draft": draft, "second": second, "khmer": khmer, "period": period,
            "an": an, "phal": phal}


def table(report, key):
    return next(t for t in report.tables if t.key == key)


def test_the_production_report_counts_the_month(conn, november):
    found = transaction(conn, registry.run, "production", "2026-11-01", "2026-11-30")

    assert table(found, "months").rows == [["2026-11", 3]]
    assert {row[0]: row[1] for row in table(found, "languages").rows} == {
        "Tiếng Việt": 2, "ភាសាខ្មែរ": 1}
    assert table(found, "sections").rows == [["Tin tức", 3, 100.0]]
    authors = {row[0]: row[1] for row in table(found, "authors").rows}
    assert authors["reporter"] == 1
    timing = table(found, "time_to_publish")
    assert timing.rows == [["Tin tức", 1, 2.0, 2.0]]
    views = table(found, "page_views")
    assert [(row[0], row[3]) for row in views.rows] == [("Mùa nước nổi", 42),
                                                        ("រដូវទឹកឡើង", 7)]
    assert views.total[3] == 49


def test_the_royalties_report_adds_up_to_the_dong(conn, november):
    found = transaction(conn, registry.run, "royalties", "2026-12-01", "2026-12-31")

    periods_table = table(found, "periods")
    # An: 7,590,000 + 2,024,000 = 9,614,000, 961,400 withheld; Phal: 3,795,000.
    assert periods_table.rows == [["Tháng 11/2026", "Đã khóa", 3, 13_409_000, 0, 0,
                                   13_409_000, 961_400, 12_447_600]]
    people = {row[0]: row[1:] for row in table(found, "people").rows}
    assert people["Nguyễn Văn An"] == [9_614_000, 0, 0, 9_614_000, 961_400, 8_652_600]
    assert people["Thạch Sô Phal"] == [3_795_000, 0, 0, 3_795_000, 0, 3_795_000]
    kinds = {row[0]: row[1:] for row in table(found, "kinds").rows}
    assert kinds == {"Phóng sự, ký, phỏng vấn": [2, 11_385_000], "Tin": [1, 2_024_000]}
    empty = transaction(conn, registry.run, "royalties", "2026-11-01", "2026-11-30")
    assert table(empty, "periods").rows == []


def test_report_files_open_again_with_every_figure(conn, november):
    found = transaction(conn, registry.run, "royalties", "2026-12-01", "2026-12-31")

    rows = list(csv.reader(io.StringIO(export.to_csv(found).decode("utf-8-sig"))))
    assert ["Tháng 11/2026", "Đã khóa", "3", "13409000", "0", "0", "13409000", "961400",
            "12447600"] in rows
    book = load_workbook(io.BytesIO(export.to_xlsx(found)))
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert ("Tháng 11/2026", "Đã khóa", 3, 13_409_000, 0, 0, 13_409_000, 961_400,
            12_447_600) in values
    text = "\n".join(page.extract_text() for page in
                     PdfReader(io.BytesIO(export.to_pdf(found, "An Giang"))).pages)
    assert "13.409.000" in text and "961.400" in text and "12.447.600" in text
    assert "Thạch Sô Phal" in text


def test_unknown_reports_and_bad_periods_are_refused(conn):
    with pytest.raises(Exception, match="production"):
        registry.get("nonsense")
    assert registry.period_range("2026-Q4") == ("2026-10-01", "2026-12-31")
    assert registry.period_range("2026-02") == ("2026-02-01", "2026-02-28")
    assert registry.period_range("2026") == ("2026-01-01", "2026-12-31")
    for bad in ("2026-13", "26-11", "2026-Q5", ""):
        with pytest.raises(Exception, match="2026-Q4"):
            registry.period_range(bad)


async def test_reports_in_the_admin_draw_charts_without_scripts(november, client,
                                                                sign_in):
    chief = await sign_in("chief")
    response = await chief.get("/admin/reports/production?period=2026-11")
    html = await response.text()

    assert response.status == 200
    assert "<svg" in html and 'class="bar"' in html
    assert "Mùa nước nổi" in html
    assert "<script>" not in html.split("</main>")[0]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"].split(
        "script-src")[1].split(";")[0]
    files = {fmt: await chief.get(f"/admin/reports/royalties.{fmt}?period=2026-12")
             for fmt in ("csv", "xlsx", "pdf")}
    assert all(r.status == 200 for r in files.values())
    assert (await files["pdf"].read()).startswith(b"%PDF")
    reporter = await sign_in("reporter")
    assert (await reporter.get("/admin/reports/production")).status == 403


# -- the command line ------------------------------------------------------------------


def portal(capsys, *argv):
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_month_end_to_end_from_the_command_line(data_dir, conn, key, publish,
                                                  add_contributor, tmp_path, capsys):
    writer = add_contributor("Trần Thị Bình", bank_account="9704229200001",
                             bank_name="Agribank")
    item = publish("Phóng sự biên giới", "2026-11-12T08:00")
    transaction(conn, periods.grade_work, item.id,
                GradeInput("reportage", 3000, [Author(writer.id, 10_000)]), None)
    data = ["--data", str(data_dir)]

    code, out, err = portal(capsys, "royalty", "period", "open", "--from", "2026-11-01",
                            "--to", "2026-11-30", "--pay-on", "2026-12-05", *data)
    assert code == 0, err
    period = out.strip()
    for step in ("collect", "review", "lock"):
        code, out, err = portal(capsys, "royalty", "period", step, period, *data)
        assert code == 0, err
    code, out, err = portal(capsys, "royalty", "period", "list", *data)
    assert "locked" in out and "6,831,000" in out

    code, out, err = portal(capsys, "royalty", "statement", period, str(writer.id), *data)
    assert code == 0, err
    assert "Sáu triệu tám trăm ba mươi mốt nghìn đồng" in out
    assert "7.590.000 đ" in out and "759.000 đ" in out

    sheet = tmp_path / "list.xlsx"
    bank = tmp_path / "bank.csv"
    signed = tmp_path / "signed.pdf"
    for name, path in (("payment-list.xlsx", sheet), ("bank-transfers.csv", bank),
                       ("signed-sheet.pdf", signed)):
        code, out, err = portal(capsys, "royalty", "export", period, "--file", name,
                                "--out", str(path), *data)
        assert code == 0, err
    rows = list(load_workbook(sheet).worksheets[0].iter_rows(values_only=True))
    assert any(row[1] == "Trần Thị Bình" and row[7:10] == (7_590_000, 759_000, 6_831_000)
               for row in rows)
    lines = list(csv.reader(io.StringIO(bank.read_text(encoding="utf-8-sig"))))
    assert lines[1][1:5] == ["9704229200001", "TRAN THI BINH", "Agribank", "6831000"]
    assert "6.831.000" in PdfReader(signed).pages[0].extract_text()

    report = tmp_path / "royalties.csv"
    code, out, err = portal(capsys, "report", "royalties", "--from", "2026-12-01",
                            "--to", "2026-12-31", "--format", "csv", "--out",
                            str(report), *data)
    assert code == 0, err
    assert "6831000" in report.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("argv", [
    ["report", "nonsense", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv"],
    ["report", "production", "--from", "2026-11-31", "--to", "2026-11-30", "--format", "csv"],
    ["royalty", "period", "lock", "99"],
    ["royalty", "period", "collect", "abc"],
    ["royalty", "export", "1", "--file", "payment-list.xlsx"],
])
def test_bad_input_on_the_command_line_is_one_line(data_dir, tmp_path, capsys, argv):
    out_args = ["--out", str(tmp_path / "x")] if argv[0] in ("report", "royalty") and \
        argv[1] in ("nonsense", "production", "export") else []
    try:
        code = main([*argv, *out_args, "--data", str(data_dir)])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_report_command_runs_as_a_real_process(data_dir, tmp_path):
    import subprocess

    out = tmp_path / "production.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "appliance.cli", "report", "production", "--from",
         "2026-11-01", "--to", "2026-11-30", "--format", "pdf", "--out", str(out),
         "--data", str(data_dir)], capture_output=True, text=True, timeout=120,
        env=os.environ | {"PORTAL_LOG_LEVEL": "WARNING"})
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
