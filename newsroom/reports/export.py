"""A report as a file: CSV (one block per table), XLSX (one sheet per
table, numbers as numbers) or PDF (tables with their bar charts). Text in
the CSV and XLSX files stays text, never a formula (appliance.spreadsheet)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from appliance.i18n import format_date
from appliance.i18n import gettext as _
from appliance.spreadsheet import append_row, csv_row, sheet_name
from newsroom.printing import Document

from .registry import Report, Table, cell_text

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
NUMBER_FORMATS = {"count": "#,##0", "money": "#,##0", "days": "0.0", "percent": "0.0"}


def render(report: Report, fmt: str, issuer: str = "") -> bytes:
    if fmt == "csv":
        return to_csv(report)
    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "pdf":
        return to_pdf(report, issuer)
    raise ValueError(fmt)


def _span(report: Report) -> str:
    return _("From %(starts)s to %(ends)s", starts=format_date(report.starts),
             ends=format_date(report.ends))


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_row([report.title, report.starts, report.ends]))
    for table in report.tables:
        writer.writerow([])
        writer.writerow(csv_row([table.title]))
        writer.writerow(csv_row([column.label for column in table.columns]))
        writer.writerows(csv_row(row) for row in table.rows)
        if table.total is not None:
            writer.writerow(csv_row(table.total))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in report.tables:
        # A sheet's name is at most 31 characters: the table's short name
        # there, its full title in the first row.
        sheet = book.create_sheet(sheet_name(table.sheet or table.title, used))
        append_row(sheet, [table.title])
        append_row(sheet, [report.title, _span(report)])
        append_row(sheet, [column.label for column in table.columns])
        head = sheet.max_row
        for row in table.rows:
            append_row(sheet, row)
        if table.total is not None:
            append_row(sheet, table.total)
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        sheet["A1"].font = Font(bold=True, size=13)
        for cell in sheet[head]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="E5E9EF")
        for index, column in enumerate(table.columns, start=1):
            fmt = NUMBER_FORMATS.get(column.kind)
            for (cell,) in sheet.iter_rows(min_row=head + 1, min_col=index, max_col=index):
                if fmt and isinstance(cell.value, int | float):
                    cell.number_format = fmt
            letter = sheet.cell(row=head, column=index).column_letter
            sheet.column_dimensions[letter].width = 40 if column.kind == "text" else 16
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_pdf(report: Report, issuer: str) -> bytes:
    doc = Document(report.title, landscape=True, issuer=issuer)
    doc.issuer_line()
    doc.heading(report.title.upper())
    doc.line_of_text(_span(report), align="C")
    doc.ln(3)
    for table in report.tables:
        doc.line_of_text(table.title, bold=True, size=11)
        if table.chart is not None and table.rows:
            _bars(doc, table)
        if table.rows:
            align = ["LEFT" if c.kind == "text" else "RIGHT" for c in table.columns]
            doc.grid([c.label for c in table.columns],
                     [[cell_text(v, c) for v, c in zip(row, table.columns, strict=True)]
                      for row in table.rows],
                     align=align,
                     footer=[cell_text(v, c) for v, c in zip(table.total, table.columns,
                                                             strict=True)]
                     if table.total else None, size=8)
        else:
            doc.line_of_text(_("Nothing in this period."), size=9)
        if table.note:
            doc.line_of_text(table.note, size=8)
        doc.ln(2)
    for note in report.notes:
        doc.line_of_text(note, size=8)
    return doc.bytes()


def _bars(doc: Document, table: Table, most: int = 10) -> None:
    rows = [row for row in table.rows if isinstance(row[table.chart], int | float)][:most]
    if not rows:
        return
    top = max(max(float(row[table.chart]) for row in rows), 1.0)
    width = doc.w - doc.l_margin - doc.r_margin - 90
    doc.set_font("NotoSans", size=7)
    for row in rows:
        if doc.will_page_break(5):
            doc.add_page()
        y = doc.get_y()
        doc.set_x(doc.l_margin)
        doc.cell(60, 4.5, str(row[0])[:45])
        doc.set_fill_color(18, 50, 94)
        length = width * float(row[table.chart]) / top
        if length > 0:
            doc.rect(doc.l_margin + 62, y + 0.8, length, 3, style="F")
        doc.set_xy(doc.l_margin + 64 + length, y)
        doc.cell(25, 4.5, cell_text(row[table.chart], table.columns[table.chart]))
        doc.ln(4.5)
    doc.set_font("NotoSans", size=10)
    doc.ln(2)
