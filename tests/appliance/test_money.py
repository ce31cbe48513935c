"""Money in whole đồng: rounding once, splits that add up, amounts in words.

The words are checked two ways: known spellings from payment documents, and
over a wide range of numbers by reading the words back with a parser written
here from the rules of Vietnamese number reading, independent of the code
that writes them."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from appliance.errors import UserError
from appliance.money import format_vnd, in_words, round_amount, split

KNOWN = [
    (0, "Không đồng"),
    (1, "Một đồng"),
    (5, "Năm đồng"),
    (10, "Mười đồng"),
    (11, "Mười một đồng"),
    (15, "Mười lăm đồng"),
    (20, "Hai mươi đồng"),
    (21, "Hai mươi mốt đồng"),
    (25, "Hai mươi lăm đồng"),
    (34, "Ba mươi bốn đồng"),
    (100, "Một trăm đồng"),
    (101, "Một trăm linh một đồng"),
    (105, "Một trăm linh năm đồng"),
    (110, "Một trăm mười đồng"),
    (115, "Một trăm mười lăm đồng"),
    (1_000, "Một nghìn đồng"),
    (1_005, "Một nghìn không trăm linh năm đồng"),
    (1_050, "Một nghìn không trăm năm mươi đồng"),
    (10_000, "Mười nghìn đồng"),
    (234_000, "Hai trăm ba mươi bốn nghìn đồng"),
    (253_000, "Hai trăm năm mươi ba nghìn đồng"),
    (759_000, "Bảy trăm năm mươi chín nghìn đồng"),
    (1_000_000, "Một triệu đồng"),
    (1_012_000, "Một triệu không trăm mười hai nghìn đồng"),
    (2_024_000, "Hai triệu không trăm hai mươi bốn nghìn đồng"),
    (2_530_000, "Hai triệu năm trăm ba mươi nghìn đồng"),
    (6_831_000, "Sáu triệu tám trăm ba mươi mốt nghìn đồng"),
    (7_590_000, "Bảy triệu năm trăm chín mươi nghìn đồng"),
    (10_000_001, "Mười triệu không trăm linh một đồng"),
    (1_000_000_000, "Một tỷ đồng"),
    (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
    (2_300_000_000, "Hai tỷ ba trăm triệu đồng"),
    (1_000_000_000_000, "Một nghìn tỷ đồng"),
    (15_000_000_000_000, "Mười lăm nghìn tỷ đồng"),
    (-506_000, "Âm năm trăm linh sáu nghìn đồng"),
]


@pytest.mark.parametrize(("amount", "words"), KNOWN)
def test_known_amounts_read_as_on_payment_documents(amount, words):
    assert in_words(amount) == words


# -- an independent reader ------------------------------------------------------

DIGITS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4,
          "năm": 5, "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
SCALES = {"nghìn": 10**3, "triệu": 10**6, "tỷ": 10**9}


def read_words(text: str) -> int:
    """Vietnamese number words back to the number (the words' own grammar)."""
    words = text.lower().removesuffix(" đồng").split()
    sign = 1
    if words[0] == "âm":
        sign, words = -1, words[1:]
    stack: list[int] = []
    current = 0
    pending = None  # a digit waiting for "trăm" or "mươi"
    for word in words:
        if word in DIGITS:
            assert pending is None, text
            pending = DIGITS[word]
        elif word == "trăm":
            current += pending * 100
            pending = None
        elif word == "mươi":
            current += pending * 10
            pending = None
        elif word == "mười":
            current += 10
        elif word == "linh":
            assert pending is None, text
        elif word in SCALES:
            value = current + (pending or 0)
            pending, current = None, 0
            while stack and stack[-1] < SCALES[word]:
                value += stack.pop()
            stack.append(value * SCALES[word])
        else:
            raise AssertionError(f"unexpected word {word!r} in {text!r}")
    return sign * (sum(stack) + current + (pending or 0))


@settings(max_examples=1500, deadline=None, database=None)
@given(st.integers(min_value=-10**15, max_value=10**15))
@example(0)
@example(10**15)
def test_the_words_read_back_to_the_amount(amount):
    words = in_words(amount)
    assert read_words(words) == amount
    assert words[0].isupper() and words.endswith(" đồng")
    assert "  " not in words


@settings(max_examples=1000, deadline=None, database=None)
@given(st.integers(min_value=1, max_value=999_999_999_999))
def test_the_words_follow_the_reading_rules(amount):
    words = in_words(amount).lower().split()
    pairs = list(zip(words, words[1:], strict=False))
    # "mốt" and "lăm" only after "mươi"/"mười"; "linh" only before a lone digit.
    for before, after in pairs:
        if after == "mốt":
            assert before == "mươi"
        if after == "lăm":
            assert before in ("mươi", "mười")
        if before == "linh":
            assert after in DIGITS and after not in ("không", "mốt", "lăm")
    assert words[0] != "không"
    assert not any(a == "mươi" and b == "một" for a, b in pairs)
    assert not any(a in ("mươi", "mười") and b == "năm" for a, b in pairs)


def test_amounts_in_words_are_whole_dong():
    with pytest.raises(TypeError):
        in_words(2.5)  # type: ignore[arg-type]


# -- rounding and splits ----------------------------------------------------------

@pytest.mark.parametrize(("value", "rule", "unit", "expected"), [
    (Fraction(5, 2), "nearest", 1, 3),
    (Fraction(-5, 2), "nearest", 1, -3),
    (Fraction(7, 3), "nearest", 1, 2),
    (Fraction(7, 3), "up", 1, 3),
    (Fraction(8, 3), "down", 1, 2),
    (Fraction(-8, 3), "down", 1, -2),
    (1_234_567, "nearest", 1000, 1_235_000),
    (1_234_499, "nearest", 1000, 1_234_000),
    (1_234_001, "up", 1000, 1_235_000),
    (1_234_999, "down", 1000, 1_234_000),
    (1_234_500, "nearest", 1000, 1_235_000),
    (2_024_000, "nearest", 1, 2_024_000),
])
def test_rounding_rules(value, rule, unit, expected):
    assert round_amount(value, rule, unit) == expected


def test_an_unknown_rounding_rule_is_refused():
    with pytest.raises(UserError):
        round_amount(1, "bankers")


@settings(max_examples=400, deadline=None, database=None)
@given(st.integers(min_value=-10**12, max_value=10**12),
       st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=8))
def test_a_split_always_adds_up_to_the_whole(total, weights):
    parts = split(total, weights)
    assert sum(parts) == total
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(total * weight, whole)) < 1


def test_largest_remainders_get_the_odd_dong():
    assert split(10, [1, 1, 1]) == [4, 3, 3]
    assert split(2_530_000, [6000, 4000]) == [1_518_000, 1_012_000]
    assert split(100, [3333, 3334, 3333]) == [33, 34, 33]


def test_formatting():
    assert format_vnd(2_024_000) == "2.024.000"
    assert format_vnd(-506_000) == "-506.000"
    assert format_vnd(12, thousands=",") == "12"
