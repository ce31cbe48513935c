"""PDF documents of the newsroom (payment lists, statements, reports),
written with fpdf2.

Text is shaped by HarfBuzz (uharfbuzz), so Vietnamese tone marks and Khmer
subscript consonants come out as they should; Noto Sans carries Latin and
Vietnamese, and Noto Sans Khmer takes over for Khmer script. The fonts are
shipped with the package (newsroom/fonts, SIL Open Font License), so a
document looks the same on every server.

Rendering a document is CPU work: handlers run it in a worker thread
(newsroom.pages.in_thread), never on the event loop. fpdf2 and its font
tools take tens of MB, so only the export modules import this one, and only
when a document is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from appliance.i18n import gettext as _

FONTS = resources.files("newsroom").joinpath("fonts")
MAIN_FONT = "NotoSans"
KHMER_FONT = "NotoSansKhmer"
GREY = (235, 238, 242)


class Document(FPDF):
    """An A4 document with the appliance's fonts, a title and page numbers."""

    def __init__(self, title: str, *, landscape: bool = False, issuer: str = "") -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        for family, stem in ((MAIN_FONT, "NotoSans"), (KHMER_FONT, "NotoSansKhmer")):
            self.add_font(family, "", str(FONTS.joinpath(f"{stem}-Regular.ttf")))
            self.add_font(family, "B", str(FONTS.joinpath(f"{stem}-Bold.ttf")))
        self.set_font(MAIN_FONT, size=10)
        self.set_fallback_fonts([KHMER_FONT])
        self.set_text_shaping(True)
        self.set_title(title)
        self.set_creator("portal")
        self.set_auto_page_break(True, margin=15)
        self.set_margins(15, 15, 15)
        self.issuer = issuer
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(MAIN_FONT, size=8)
        self.cell(0, 5, _("Page %(n)s", n=self.page_no()), align="R")

    def issuer_line(self) -> None:
        if self.issuer:
            self.set_font(MAIN_FONT, "B", 10)
            self.multi_cell(0, 5, self.issuer.upper(), new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

    def heading(self, text: str, size: int = 14, align: str = "C") -> None:
        self.set_font(MAIN_FONT, "B", size)
        self.multi_cell(0, size * 0.55, text, align=align, new_x="LMARGIN", new_y="NEXT")
        self.set_font(MAIN_FONT, size=10)
        self.ln(2)

    def line_of_text(self, text: str, *, bold: bool = False, size: int = 10,
                     align: str = "L") -> None:
        self.set_font(MAIN_FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")
        self.set_font(MAIN_FONT, size=10)

    def grid(self, headings: Sequence[str], rows: Sequence[Sequence[Any]], *,
             widths: Sequence[float] | None = None, align: Sequence[str] | None = None,
             footer: Sequence[Any] | None = None, size: int = 9) -> None:
        """A table whose headings repeat on every page; `footer` is a last,
        bold row (totals)."""
        self.set_font(MAIN_FONT, size=size)
        heading_style = FontFace(emphasis="BOLD", fill_color=GREY)
        with self.table(col_widths=widths, text_align=align or "LEFT",
                        headings_style=heading_style, line_height=size * 0.55,
                        padding=1) as table:
            row = table.row()
            for heading in headings:
                row.cell(str(heading))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell("" if value is None else str(value))
            if footer is not None:
                row = table.row()
                bold = FontFace(emphasis="BOLD")
                for value in footer:
                    row.cell("" if value is None else str(value), style=bold)
        self.set_font(MAIN_FONT, size=10)
        self.ln(3)

    def bytes(self) -> bytes:
        return bytes(self.output())

