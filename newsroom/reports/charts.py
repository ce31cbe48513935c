"""Bar charts drawn on the server as SVG: no script, no outside library,
nothing the Content-Security-Policy has to allow. Bars are sized by the data;
the table beside each chart carries the same figures for screen readers."""

from __future__ import annotations

from markupsafe import Markup, escape

from .registry import Table, cell_text

ROW = 24
LABEL_WIDTH = 220
BAR_WIDTH = 360
MOST = 12


def bars(table: Table, title: str) -> Markup:
    """A horizontal bar chart of the table's chart column (its first rows)."""
    if table.chart is None:
        return Markup("")
    column = table.columns[table.chart]
    rows = [row for row in table.rows if isinstance(row[table.chart], int | float)][:MOST]
    if not rows:
        return Markup("")
    top = max(max(float(row[table.chart]) for row in rows), 1.0)
    height = ROW * len(rows) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 110
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    for index, row in enumerate(rows):
        y = 4 + index * ROW
        label = str(row[0])
        short = label if len(label) <= 34 else label[:33] + "…"
        length = max(1.0, BAR_WIDTH * float(row[table.chart]) / top)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" '
            f'height="{ROW - 8}" rx="2"></rect>'
            f'<text class="value" x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 15}">'
            f"{escape(cell_text(row[table.chart], column))}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
