"""How royalty figures read, the same on the screen and in documents: money,
coefficients, the unit value, the tax note and the rounding rule."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from appliance.i18n import N_, format_date, format_number
from appliance.i18n import gettext as _

from .periods import Payment, Period, StatementLine
from .rules import hundredths_text, rate_text

LINE_TYPES = {
    "royalty": N_("Royalty"),
    "supplement": N_("Supplement"),
    "remuneration": N_("Remuneration"),
    "correction": N_("Correction"),
}
STATUSES = {
    "open": N_("Open"),
    "review": N_("Under review"),
    "locked": N_("Locked"),
}
SALARY_DATES = {
    "publication": N_("the publication date"),
    "approval": N_("the approval date"),
    "payment": N_("the payment date"),
}


def money(amount: int | Fraction | None) -> str:
    """An amount in đồng with the language's digit grouping: 2.024.000 đ."""
    if amount is None:
        return ""
    if isinstance(amount, Fraction) and amount.denominator != 1:
        value = format_number(Decimal(amount.numerator) / Decimal(amount.denominator))
    else:
        value = format_number(int(amount))
    return f"{value} đ"


def figure(amount: int | None) -> str:
    """An amount without its unit, for table cells."""
    return "" if amount is None else format_number(amount)


def coefficient(value: int | None) -> str:
    return hundredths_text(value)


def rate(value: int | None) -> str:
    return rate_text(value)


def line_type(code: str) -> str:
    return _(LINE_TYPES.get(code, code))


def status(code: str) -> str:
    return _(STATUSES.get(code, code))


def period_dates(period: Period) -> str:
    return f"{format_date(period.starts)} – {format_date(period.ends)}"


def line_label(line: StatementLine) -> str:
    """What a statement line is: the work's title, or the line's description."""
    if line.type in ("royalty", "supplement") and line.title:
        if line.type == "supplement":
            return f"{line.title} — {line.description}"
        return line.title
    return line.description


def tax_note(payment: Payment, pay_on: str) -> str:
    threshold = money(payment.threshold)
    if payment.basis == "withheld":
        return _("Personal income tax withheld: %(rate)s of a payment of %(threshold)s "
                 "or more.", rate=rate_text(payment.rate), threshold=threshold)
    if payment.basis == "long_contract":
        return _("No tax withheld here: a labour contract of three months or more "
                 "(taxed with the salary).")
    if payment.basis == "commitment":
        return _("No tax withheld: a commitment for %(year)s is on file.",
                 year=pay_on[:4])
    return _("No tax withheld: the payment is below %(threshold)s.", threshold=threshold)


def rounding_note(period: Period) -> str:
    unit = money(period.rounding_unit)
    if period.rounding == "down":
        text = _("Each line is rounded down to a multiple of %(unit)s, once.", unit=unit)
    elif period.rounding == "up":
        text = _("Each line is rounded up to a multiple of %(unit)s, once.", unit=unit)
    else:
        text = _("Each line is rounded to the nearest multiple of %(unit)s, once.",
                 unit=unit)
    return text + " " + _("The base salary is the one in force on %(date)s of each "
                          "work.", date=_(SALARY_DATES[period.salary_date]))
