"""The accounting office's files for a payment period: the payment list as
XLSX (openpyxl), the bank transfer list as CSV, the signed-sheet list and
the statements as PDF (fpdf2, see newsroom.printing).

Amounts are whole đồng: integer cells in the spreadsheet (shown with digit
grouping), plain digits in the CSV, so nothing is re-parsed from text. The
payment list and the bank list hold personal numbers in full; only the
paying roles may make them, and each one made is in the audit log. Text in
both is kept as text, never read as a formula (see appliance.spreadsheet).
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from appliance.i18n import format_date
from appliance.i18n import gettext as _
from appliance.money import in_words
from appliance.spreadsheet import append_row, csv_row, sheet_name
from appliance.text import fold
from newsroom.printing import Document

from . import wording
from .periods import Period, Statement, Totals

MONEY_FORMAT = "#,##0"
HEAD_FILL = PatternFill("solid", fgColor="E5E9EF")


def _totals(statements: list[Statement]) -> Totals:
    return Totals(sum(s.payment.gross for s in statements),
                  sum(s.payment.tax for s in statements),
                  sum(s.payment.net for s in statements), len(statements))


def _title(period: Period) -> str:
    return _("Royalty payment list: %(period)s", period=period.name)


# -- XLSX -------------------------------------------------------------------------

def payment_list_xlsx(period: Period, statements: list[Statement], issuer: str) -> bytes:
    book = Workbook()
    sheet = book.active
    used: set[str] = set()
    sheet.title = sheet_name(_("Payment list"), used)
    append_row(sheet, [issuer])
    append_row(sheet, [_title(period)])
    append_row(sheet, [_("From %(starts)s to %(ends)s, paid on %(pay_on)s",
                         starts=format_date(period.starts), ends=format_date(period.ends),
                         pay_on=format_date(period.pay_on))])
    append_row(sheet, [])
    headings = [_("No."), _("Full name"), _("Pen name"), _("Personal ID number"),
                _("Tax code"), _("Bank account"), _("Bank"), _("Gross"), _("Tax withheld"),
                _("Net"), _("Net in words")]
    append_row(sheet, headings)
    head_row = sheet.max_row
    for number, found in enumerate(statements, start=1):
        person = found.contributor
        append_row(sheet, [number, person.full_name, person.pen_name,
                           person.personal.get("id_number", ""),
                           person.personal.get("tax_code", ""),
                           person.personal.get("bank_account", ""), person.bank_name,
                           found.payment.gross, found.payment.tax, found.payment.net,
                           found.words])
    totals = _totals(statements)
    append_row(sheet, ["", _("Total"), "", "", "", "", "", totals.gross, totals.tax,
                       totals.net, in_words(totals.net)])
    _style(sheet, head_row, money_columns=(8, 9, 10), text_columns=(4, 5, 6))
    sheet["A1"].font = Font(bold=True)
    sheet["A2"].font = Font(bold=True, size=13)
    sheet.freeze_panes = sheet.cell(row=head_row + 1, column=3)

    detail = book.create_sheet(sheet_name(_("Lines"), used))
    append_row(detail, [_("Full name"), _("Kind of line"), _("Work or line"),
                        _("Published"), _("Kind"), _("Coefficient"), _("Unit value"),
                        _("Adjustment"), _("Author's share"), _("Line amount"),
                        _("Amount")])
    for found in statements:
        for line in found.lines:
            unit = line.unit_value
            append_row(detail, [
                found.contributor.full_name, wording.line_type(line.type),
                wording.line_label(line), format_date(line.published_at),
                line.kind_name, _decimal(line.coefficient),
                int(unit) if unit is not None and unit.denominator == 1 else
                (float(unit) if unit is not None else None),
                _fraction_of_whole(line.rate), _fraction_of_whole(line.share),
                line.line_amount, line.amount])
    _style(detail, 1, money_columns=(7, 10, 11), percent_columns=(8, 9))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _decimal(hundredths: int | None):
    if hundredths is None:
        return None
    return hundredths // 100 if hundredths % 100 == 0 else hundredths / 100


def _fraction_of_whole(value: int | None):
    return None if value is None else value / 10_000


def _style(sheet, head_row: int, *, money_columns=(), text_columns=(),
           percent_columns=()) -> None:
    for cell in sheet[head_row]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=head_row + 1):
        for cell in row:
            if cell.column in money_columns:
                cell.number_format = MONEY_FORMAT
            elif cell.column in percent_columns:
                cell.number_format = "0.##%"
            elif cell.column in text_columns:
                cell.number_format = "@"
    for column in range(1, sheet.max_column + 1):
        longest = max((len(str(cell.value or "")) for cell in sheet[get_column_letter(column)]
                       if cell.row >= head_row), default=8)
        sheet.column_dimensions[get_column_letter(column)].width = min(max(8, longest + 2), 60)


# -- CSV ----------------------------------------------------------------------------

def bank_transfer_csv(period: Period, statements: list[Statement]) -> bytes:
    """One transfer per person paid: account, holder (in capitals without
    marks, as banks' batch files want), bank, net amount, reference."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_row([_("No."), _("Bank account"), _("Account holder"),
                             _("Bank"), _("Amount"), _("Reference")]))
    reference = fold(_("Royalties %(period)s", period=period.name))
    for number, found in enumerate((s for s in statements if s.payment.net > 0), start=1):
        person = found.contributor
        writer.writerow(csv_row([number, person.personal.get("bank_account", ""),
                                 fold(person.full_name).upper(), person.bank_name,
                                 found.payment.net, reference]))
    # A byte order mark, so spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# -- PDF ------------------------------------------------------------------------------

def signed_sheet_pdf(period: Period, statements: list[Statement], issuer: str) -> bytes:
    """The list people sign when they are paid, with totals in figures and
    words and the signatures the accounting office needs."""
    doc = Document(_title(period), landscape=True, issuer=issuer)
    doc.issuer_line()
    doc.heading(_title(period).upper())
    doc.line_of_text(_("From %(starts)s to %(ends)s, paid on %(pay_on)s",
                       starts=format_date(period.starts), ends=format_date(period.ends),
                       pay_on=format_date(period.pay_on)), align="C")
    doc.ln(3)
    rows = []
    for number, found in enumerate(statements, start=1):
        person = found.contributor
        rows.append([number, person.full_name, person.pen_name,
                     person.masked("tax_code"), wording.figure(found.payment.gross),
                     wording.figure(found.payment.tax), wording.figure(found.payment.net),
                     ""])
    totals = _totals(statements)
    doc.grid([_("No."), _("Full name"), _("Pen name"), _("Tax code"), _("Gross"),
              _("Tax withheld"), _("Net"), _("Signature")], rows,
             widths=(10, 60, 40, 35, 30, 28, 30, 34),
             align=("CENTER", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
             footer=["", _("Total"), "", "", wording.figure(totals.gross),
                     wording.figure(totals.tax), wording.figure(totals.net), ""])
    doc.line_of_text(_("Total paid in words: %(words)s", words=in_words(totals.net)),
                     bold=True)
    doc.line_of_text(wording.rounding_note(period), size=8)
    doc.ln(6)
    _signatures(doc, (_("Prepared by"), _("Chief accountant"), _("Editor-in-chief")))
    return doc.bytes()


def _signatures(doc: Document, titles: tuple[str, ...]) -> None:
    width = (doc.w - doc.l_margin - doc.r_margin) / len(titles)
    doc.set_font("NotoSans", "B", 10)
    for title in titles:
        doc.cell(width, 6, title, align="C")
    doc.ln(6)
    doc.set_font("NotoSans", "", 8)
    for _title in titles:
        doc.cell(width, 5, _("(signature and full name)"), align="C")
    doc.ln(20)


def statements_pdf(statements: list[Statement], issuer: str) -> bytes:
    """One statement per page: works, coefficients, unit value, adjustments,
    gross, tax withheld and net, with the net in Vietnamese words."""
    doc = Document(_("Royalty statements"), issuer=issuer)
    for index, found in enumerate(statements):
        if index:
            doc.add_page()
        _statement(doc, found)
    return doc.bytes()


def _statement(doc: Document, found: Statement) -> None:
    period, person = found.period, found.contributor
    doc.issuer_line()
    doc.heading(_("Royalty statement").upper())
    doc.line_of_text(f"{period.name} ({wording.period_dates(period)})", align="C")
    if not found.final:
        doc.line_of_text(_("Provisional: the period is not locked yet."), bold=True,
                         align="C")
    doc.ln(3)
    doc.line_of_text(_("Name: %(name)s", name=person.label), bold=True)
    if person.has("tax_code"):
        doc.line_of_text(_("Tax code: %(code)s", code=person.masked("tax_code")))
    doc.ln(2)
    rows = []
    for number, line in enumerate(found.lines, start=1):
        rows.append([number, wording.line_label(line), format_date(line.published_at),
                     line.kind_name, wording.coefficient(line.coefficient),
                     wording.figure(line.unit_value) if line.unit_value is not None
                     and line.unit_value.denominator == 1 else wording.money(line.unit_value),
                     wording.rate(line.rate), wording.rate(line.share),
                     wording.figure(line.amount)])
    doc.grid([_("No."), _("Work or line"), _("Published"), _("Kind"), _("Coefficient"),
              _("Unit value"), _("Adjustment"), _("Author's share"), _("Amount")], rows,
             widths=(8, 46, 20, 22, 17, 18, 17, 12, 20),
             align=("CENTER", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT",
                    "RIGHT", "RIGHT"), size=8)
    payment = found.payment
    doc.grid([_("Gross"), _("Tax withheld"), _("Net")],
             [[wording.money(payment.gross), wording.money(payment.tax),
               wording.money(payment.net)]], align=("RIGHT", "RIGHT", "RIGHT"))
    doc.line_of_text(_("Net in words: %(words)s", words=found.words), bold=True)
    doc.line_of_text(wording.tax_note(payment, period.pay_on), size=8)
    doc.line_of_text(wording.rounding_note(period), size=8)
