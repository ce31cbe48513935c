"""Text in the spreadsheets and CSV files the product writes stays text.

Titles, names and descriptions come from contributors and editors, and a
spreadsheet program reads a cell starting with "=", "+", "-" or "@" as a
formula: =HYPERLINK(...) in a story's title would become a live link in the
accounting office's payment list. So:

- in XLSX (openpyxl), every text cell is written as a string cell, which
  keeps the exact text (openpyxl itself makes "=..." a formula);
- in CSV, text that starts like a formula (or with a tab or carriage return,
  which some programs skip before looking) gets a single quote in front, the
  usual way of telling a spreadsheet it is text. Numbers stay numbers.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """One CSV cell: text that would start a formula is quoted, other values
    (numbers, dates, None) pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


def append_row(sheet, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet, every text in it a plain string
    cell: never a formula, an error value or anything else read from text."""
    values = list(values)
    sheet.append(values)
    if not values:
        return
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


# -- sheet names ----------------------------------------------------------------

SHEET_NAME_LIMIT = 31  # characters, as spreadsheet programs allow
_COENG = "\u17d2"
_NOT_IN_SHEET_NAMES = str.maketrans({c: " " for c in "[]:*?/\\"})


def _fit(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at the end of a word where it has
    one, else between two letters: not before a combining mark nor after a
    Khmer coeng, which joins the next consonant (Khmer writes words without
    spaces)."""
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rfind(" ")
    if cut < limit // 3:
        cut = limit
        while cut > 1 and (unicodedata.category(text[cut])[0] == "M"
                           or text[cut - 1] == _COENG):
            cut -= 1
    return text[:cut].rstrip(" ,;:-–(")


def sheet_name(title: str, used: set[str]) -> str:
    """A worksheet name for `title`: without the characters names may not
    hold, at most 31 characters cut between words, and not one of `used`
    (compared as spreadsheet programs do, ignoring case); added to `used`."""
    base = " ".join(title.translate(_NOT_IN_SHEET_NAMES).split()).strip("'") or "Sheet"
    name, n = _fit(base, SHEET_NAME_LIMIT), 2
    taken = {seen.casefold() for seen in used}
    while name.casefold() in taken:
        suffix = f" {n}"
        name, n = _fit(base, SHEET_NAME_LIMIT - len(suffix)) + suffix, n + 1
    used.add(name)
    return name
