"""The accounting office's files, opened again with their own libraries
(openpyxl, csv, pypdf) and checked to the đồng."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from appliance.db import transaction
from appliance.i18n import set_language
from newsroom.royalties import exports, periods
from newsroom.royalties.grading import Author, GradeInput
from newsroom.royalties.periods import Settings

ISSUER = "Cổng thông tin điện tử tỉnh An Giang"


@pytest.fixture
def november(conn, key, publish, add_contributor):
    """November 2026, locked: a reportage of 30 (taxed), a Khmer translation at
    50% and a piece co-authored 60/40."""
    set_language("vi")
    an = add_contributor("Nguyễn Văn An", pen_name="Hoài An", tax_code="8012345678",
                         bank_account="0123456789012", bank_name="Vietcombank An Giang",
                         id_number="089201000123")
    binh = add_contributor("Trần Thị Bình", bank_account="9704229200001",
                           bank_name="Agribank Châu Đốc")
    phal = add_contributor("Thạch Sô Phal", pen_name="សុផល", bank_account="3141592653",
                           bank_name="BIDV Rạch Giá")
    works = [
        ("Phóng sự: mùa nước nổi", "vi", "reportage", 3000, [(an.id, 10_000)], {}),
        ("ពិធីបុណ្យអកអំបុក", "km", "news", 800, [(phal.id, 10_000)],
         {"translation": 5000}),
        ("Phỏng vấn Giám đốc Sở", "vi", "reportage", 2500,
         [(an.id, 6000), (binh.id, 4000)], {}),
    ]
    for day, (title, lang, kind, coefficient, authors, adjustments) in enumerate(works,
                                                                                 start=10):
        item = publish(title, f"2026-11-{day}T08:00", lang=lang)
        grade = GradeInput(kind, coefficient, [Author(c, s) for c, s in authors],
                           adjustments)
        transaction(conn, periods.grade_work, item.id, grade, None)
    period = transaction(conn, lambda db: periods.open_period(
        db, "2026-11-01", "2026-11-30", pay_on="2026-12-05"))
    transaction(conn, periods.collect, period.id, Settings(), None)
    transaction(conn, periods.to_review, key, period.id, None)
    period = transaction(conn, periods.lock, period.id, None)
    found = transaction(conn, periods.statements, key, period.id)
    return period, found, {"an": an, "binh": binh, "phal": phal}


# An: 7,590,000 + 60% of 6,325,000 = 11,385,000, 10% withheld.
# Bình: 40% of 6,325,000 = 2,530,000; Phal: 50% of 8 × 253,000 = 1,012,000.
EXPECTED = {
    "Nguyễn Văn An": (11_385_000, 1_138_500, 10_246_500),
    "Thạch Sô Phal": (1_012_000, 0, 1_012_000),
    "Trần Thị Bình": (2_530_000, 0, 2_530_000),
}


def test_the_payment_list_spreadsheet_holds_every_figure_to_the_dong(november):
    period, statements, _people = november
    book = load_workbook(io.BytesIO(exports.payment_list_xlsx(period, statements, ISSUER)))
    sheet = book.worksheets[0]
    rows = [row for row in sheet.iter_rows(values_only=True)]
    head = next(i for i, row in enumerate(rows) if row[0] == "STT")
    people = {row[1]: row for row in rows[head + 1:] if isinstance(row[0], int)}

    assert {name: row[7:10] for name, row in people.items()} == EXPECTED
    total = rows[head + 1 + len(people)]
    assert total[7:10] == (14_927_000, 1_138_500, 13_788_500)
    assert total[10] == "Mười ba triệu bảy trăm tám mươi tám nghìn năm trăm đồng"
    an = people["Nguyễn Văn An"]
    assert (an[3], an[4], an[5]) == ("089201000123", "8012345678", "0123456789012")
    assert an[10] == "Mười triệu hai trăm bốn mươi sáu nghìn năm trăm đồng"
    assert sheet.cell(row=head + 2, column=8).number_format == "#,##0"
    lines = list(book.worksheets[1].iter_rows(values_only=True))[1:]
    assert sum(line[10] for line in lines) == 14_927_000
    assert ("Thạch Sô Phal", 0.5) in {(line[0], line[7]) for line in lines}


def test_the_bank_transfer_list_pays_each_net_amount(november):
    period, statements, people = november
    raw = exports.bank_transfer_csv(period, statements)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))

    assert rows[0][:5] == ["STT", "Số tài khoản", "Chủ tài khoản", "Ngân hàng", "Số tiền"]
    paid = {row[1]: (row[2], int(row[4])) for row in rows[1:]}
    assert paid == {
        "0123456789012": ("NGUYEN VAN AN", 10_246_500),
        "9704229200001": ("TRAN THI BINH", 2_530_000),
        "3141592653": ("THACH SO PHAL", 1_012_000),
    }
    assert all(row[5] == "Nhuan but Thang 11/2026" for row in rows[1:])


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_signed_sheet_lists_everyone_with_totals_in_figures_and_words(november):
    period, statements, _people = november
    text = _text(exports.signed_sheet_pdf(period, statements, ISSUER))

    for name, (gross, tax, net) in EXPECTED.items():
        line = next(line for line in text.splitlines() if name in line)
        figures = [f"{value:,}".replace(",", ".") for value in (gross, tax, net)]
        assert all(figure in line for figure in figures), line
    assert "14.927.000" in text and "1.138.500" in text and "13.788.500" in text
    assert "Mười ba triệu bảy trăm tám mươi tám nghìn năm trăm đồng" in text
    assert "DANH SÁCH CHI TRẢ NHUẬN BÚT" in text
    assert "0123456789012" not in text  # the signed sheet shows no bank numbers
    assert "Kế toán trưởng" in text


def test_statements_show_the_khmer_title_and_the_amount_in_words(november):
    period, statements, _people = november
    phal = next(s for s in statements if s.contributor.full_name == "Thạch Sô Phal")
    reader = PdfReader(io.BytesIO(exports.statements_pdf([phal], ISSUER)))
    text = reader.pages[0].extract_text()

    assert "1.012.000" in text
    assert "Một triệu không trăm mười hai nghìn đồng" in text
    # Khmer is shaped with the Khmer font: its glyphs map back to Khmer letters.
    assert "ពិធីបុណ្យ" in text.replace(" ", "")
    fonts = {font for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    names = {str(font.get_object()["/BaseFont"]) for font in fonts}
    assert any("NotoSansKhmer" in name for name in names), names
    assert any(name.endswith("NotoSans") or "NotoSans-" in name or
               name.endswith("+NotoSans") for name in names), names

