"""Grading a published work: its kind and coefficient within the kind's
range, its authors and their agreed shares, and its adjustments; and the
royalty lines a grade makes once a base salary applies.

Royalty = coefficient × coefficient unit (10% of the base salary). A
translation is paid a share of the original's royalty; supplements add a
percentage of the royalty as lines of their own. Each line is worked out
exactly and rounded once; co-authors then split each line by their shares,
to the đồng (largest remainder).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from fractions import Fraction

from appliance import content
from appliance.audit import audit
from appliance.content import Item
from appliance.db import utcnow
from appliance.errors import UserError
from appliance.i18n import gettext as _
from appliance.money import HUNDREDTHS, WHOLE, round_amount, split

from . import rules
from .rules import Adjustment, BaseSalary

PUBLISHED_ONCE = ("published", "unpublished", "archived")
MAX_AUTHORS = 10


@dataclass(frozen=True)
class Author:
    contributor_id: int
    share: int  # hundredths of a percent


@dataclass
class GradeInput:
    kind_code: str
    coefficient: int  # hundredths
    authors: list[Author] = field(default_factory=list)
    adjustments: dict[str, int] = field(default_factory=dict)  # code -> rate
    unpaid: bool = False
    note: str = ""


@dataclass
class Grade(GradeInput):
    item_id: int = 0
    graded_by: int | None = None
    graded_at: str = ""


@dataclass(frozen=True)
class Line:
    """One line a work earns, whole, before it is split among its authors."""

    type: str  # royalty or supplement
    code: str  # the adjustment behind it ("" for a plain royalty)
    coefficient: int
    base_salary: int
    unit_rate: int
    rate: int | None
    amount: int


def get_grade(conn: sqlite3.Connection, item_id: int) -> Grade | None:
    return grades_for(conn, [item_id]).get(item_id)


def grades_for(conn: sqlite3.Connection, item_ids: list[int]) -> dict[int, Grade]:
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    grades = {
        row["item_id"]: Grade(
            kind_code=row["kind_code"], coefficient=row["coefficient"],
            unpaid=bool(row["unpaid"]), note=row["note"], item_id=row["item_id"],
            graded_by=row["graded_by"], graded_at=row["graded_at"])
        for row in conn.execute(f"SELECT * FROM work_grade WHERE item_id IN ({marks})", ids)
    }
    for row in conn.execute(f"SELECT * FROM work_author WHERE item_id IN ({marks})"
                            " ORDER BY item_id, share DESC, contributor_id", ids):
        grades[row["item_id"]].authors.append(Author(row["contributor_id"], row["share"]))
    for row in conn.execute(f"SELECT * FROM work_adjustment WHERE item_id IN ({marks})"
                            " ORDER BY item_id, code", ids):
        grades[row["item_id"]].adjustments[row["code"]] = row["rate"]
    return grades


def work_day(item: Item) -> str:
    """The day whose rules grade a work: the day it was published."""
    day = rules.local_day(item.published_at)
    if day is None or item.status not in PUBLISHED_ONCE:
        raise UserError(_("Only published works are graded."))
    return day


def check_grade(conn: sqlite3.Connection, item: Item, grade: GradeInput) -> None:
    """The grade against the rules in force on the day the work was published."""
    day = work_day(item)
    kinds = rules.kinds_on(conn, day)
    kind = kinds.get(grade.kind_code)
    if kind is None:
        raise UserError(_("Choose a kind of work."))
    if not kind.min_coefficient <= grade.coefficient <= kind.max_coefficient:
        raise UserError(_(
            "A %(kind)s is graded from %(low)s to %(high)s.", kind=kind.name(),
            low=rules.hundredths_text(kind.min_coefficient),
            high=rules.hundredths_text(kind.max_coefficient)))
    known = rules.adjustments_on(conn, day)
    shares = 0
    for code, rate in grade.adjustments.items():
        rule = known.get(code)
        if rule is None:
            raise UserError(_("Unknown adjustment “%(code)s”.", code=code))
        if not rule.min_rate <= rate <= rule.max_rate:
            raise UserError(_("%(name)s is from %(low)s to %(high)s.", name=rule.name(),
                              low=rules.rate_text(rule.min_rate),
                              high=rules.rate_text(rule.max_rate)))
        shares += rule.mode == "share"
    if shares > 1:
        raise UserError(_("Only one share of an original's royalty can apply to a work."))
    _check_authors(conn, grade)


def _check_authors(conn: sqlite3.Connection, grade: GradeInput) -> None:
    if grade.unpaid:
        return
    if not grade.authors:
        raise UserError(_("Name at least one author from the register."))
    if len(grade.authors) > MAX_AUTHORS:
        raise UserError(_("A work may have at most %(n)s authors.", n=MAX_AUTHORS))
    ids = [author.contributor_id for author in grade.authors]
    if len(set(ids)) != len(ids):
        raise UserError(_("Each author may be named once."))
    found = {row[0] for row in conn.execute(
        f"SELECT id FROM contributor WHERE id IN ({','.join('?' * len(ids))})", ids)}
    if found != set(ids):
        raise UserError(_("Choose the authors from the register."))
    if any(author.share <= 0 for author in grade.authors):
        raise UserError(_("Each author's share must be more than 0%."))
    if sum(author.share for author in grade.authors) != WHOLE:
        raise UserError(_("The authors' shares must add up to 100%."))


def save_grade(conn: sqlite3.Connection, item_id: int, grade: GradeInput,
               user_id: int | None) -> Grade:
    """Store a work's grade (replacing the one it had); checked, then audited."""
    item = content.get_item(conn, item_id)
    check_grade(conn, item, grade)
    conn.execute("DELETE FROM work_grade WHERE item_id = ?", (item_id,))
    conn.execute(
        "INSERT INTO work_grade (item_id, kind_code, coefficient, unpaid, note,"
        " graded_by, graded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (item_id, grade.kind_code, grade.coefficient, int(grade.unpaid),
         " ".join(grade.note.split())[:300], user_id, utcnow()))
    conn.executemany(
        "INSERT INTO work_author (item_id, contributor_id, share) VALUES (?, ?, ?)",
        [(item_id, a.contributor_id, a.share) for a in grade.authors])
    conn.executemany("INSERT INTO work_adjustment (item_id, code, rate) VALUES (?, ?, ?)",
                     [(item_id, code, rate) for code, rate in grade.adjustments.items()])
    audit(conn, user_id, "royalty.grade", f"item:{item_id}",
          f"{grade.kind_code} {rules.hundredths_text(grade.coefficient, 'en')}")
    saved = get_grade(conn, item_id)
    assert saved is not None
    return saved


# -- what a grade earns ---------------------------------------------------------

def work_lines(grade: GradeInput, salary: BaseSalary, adjustments: dict[str, Adjustment],
               rounding: str, unit: int) -> list[Line]:
    """The lines a grade earns under a base salary, each rounded once."""
    exact = Fraction(grade.coefficient, HUNDREDTHS) * salary.unit_value
    share = next((code for code in sorted(grade.adjustments)
                  if adjustments[code].mode == "share"), None)
    if share is not None:
        exact *= Fraction(grade.adjustments[share], WHOLE)
    lines = [Line("royalty", share or "", grade.coefficient, salary.amount,
                  salary.unit_rate, grade.adjustments.get(share) if share else None,
                  round_amount(exact, rounding, unit))]
    for code in sorted(grade.adjustments, key=lambda c: (adjustments[c].position, c)):
        if adjustments[code].mode != "supplement":
            continue
        rate = grade.adjustments[code]
        lines.append(Line("supplement", code, grade.coefficient, salary.amount,
                          salary.unit_rate, rate,
                          round_amount(exact * Fraction(rate, WHOLE), rounding, unit)))
    return lines


def shares_of(line_amount: int, authors: list[Author]) -> list[tuple[Author, int]]:
    """A line split among the authors by their shares, adding up exactly."""
    parts = split(line_amount, [author.share for author in authors])
    return list(zip(authors, parts, strict=True))
