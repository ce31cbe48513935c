"""Money: whole đồng (VND) as Python integers, never floats.

Amounts are worked out exactly (integers and fractions) and rounded once,
by a rule the site chooses (`royalties.rounding`, `royalties.rounding_unit`).
A whole split into shares adds up to the whole exactly (largest remainder),
and an amount can be written out in Vietnamese words, as payment documents
require ("Hai triệu năm trăm ba mươi nghìn đồng").
"""

from __future__ import annotations

from fractions import Fraction

from .errors import UserError

ROUNDINGS = ("nearest", "down", "up")
ROUNDING_UNITS = (1, 10, 100, 1000)
# Percentages and shares are kept in hundredths of a percent (basis points),
# coefficients in hundredths, so every stored figure is an integer.
WHOLE = 10_000
HUNDREDTHS = 100


def round_amount(value: Fraction | int, rule: str = "nearest", unit: int = 1) -> int:
    """An exact amount rounded to a multiple of `unit` đồng.

    "nearest" rounds halves away from zero, "down" towards zero and "up" away
    from zero, so a correction of minus an amount rounds like the amount."""
    if rule not in ROUNDINGS:
        raise UserError(f"unknown rounding rule {rule!r}: use {', '.join(ROUNDINGS)}")
    if unit < 1:
        raise UserError(f"the rounding unit must be a whole number of đồng, not {unit}")
    value = Fraction(value)
    sign = -1 if value < 0 else 1
    steps = abs(value) / unit
    whole, rest = divmod(steps.numerator, steps.denominator)
    if rest and (rule == "up" or (rule == "nearest" and 2 * rest >= steps.denominator)):
        whole += 1
    return sign * whole * unit


def split(total: int, weights: list[int]) -> list[int]:
    """`total` shared out in proportion to `weights`, as whole đồng adding up
    to `total` exactly: each gets the whole part of its share, and the đồng
    left over go to the largest remainders (the earlier one on a tie)."""
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise UserError("shares must be positive numbers")
    sign, total = (-1 if total < 0 else 1), abs(total)
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    left = total - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return [sign * part for part in parts]


def format_vnd(amount: int, thousands: str = ".") -> str:
    """2024000 -> "2.024.000" (Vietnamese style); the caller adds the unit."""
    text = f"{abs(amount):,}".replace(",", thousands)
    return f"-{text}" if amount < 0 else text


# -- amounts in Vietnamese words ---------------------------------------------

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_BILLION = 10**9


def in_words(amount: int, unit: str = "đồng") -> str:
    """The amount written out as on Vietnamese payment documents.

    Groups of three digits are read with "nghìn", "triệu" and "tỷ" (beyond a
    thousand billion the scales repeat: "một nghìn tỷ"). A group after the
    first is read in full ("một triệu không trăm linh năm nghìn"); "mươi"
    before 1 and 5 reads "mốt" and "lăm", "mười" before 5 reads "mười lăm".
    """
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError("amounts are whole đồng (int)")
    if amount == 0:
        text = f"{_DIGITS[0]} {unit}"
    else:
        text = f"{_spell(abs(amount), leading=True)} {unit}"
        if amount < 0:
            text = "âm " + text
    return text[0].upper() + text[1:]


def _spell(number: int, leading: bool) -> str:
    if number >= _BILLION:
        high, low = divmod(number, _BILLION)
        words = f"{_spell(high, leading)} tỷ"
        return f"{words} {_below_billion(low, leading=False)}" if low else words
    return _below_billion(number, leading)


def _below_billion(number: int, leading: bool) -> str:
    words: list[str] = []
    for group, scale in ((number // 10**6, "triệu"), (number // 1000 % 1000, "nghìn"),
                         (number % 1000, "")):
        if group == 0:
            continue
        words.append(_three_digits(group, full=not leading))
        if scale:
            words.append(scale)
        leading = False
    return " ".join(words)


def _three_digits(number: int, full: bool) -> str:
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGITS[units])
    else:
        words += [_DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 5: "lăm"}.get(units, _DIGITS[units]))
    return " ".join(words)
