"""Interface names for stored values: procedure levels as the national
database writes them, and as imports sometimes spell them."""

from __future__ import annotations

import unicodedata

import pytest

from appliance.i18n import current_language, set_language
from web import labels


@pytest.fixture
def english():
    """The interface in English for one test, then as it was."""
    previous = current_language()
    set_language("en")
    yield
    set_language(previous)


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("Cấp xã", "Commune level"),
        ("cấp  TỈNH ", "Provincial level"),
        (unicodedata.normalize("NFD", "Cấp huyện"), "District level"),
        ("Cấp bộ, Cấp tỉnh, Cấp xã", "Ministry level, Provincial level, Commune level"),
        ("Cấp trung ương", "Central level"),
        ("Cấp xã, Cơ quan khác", "Commune level, Other agencies"),
    ],
)
def test_known_procedure_levels_are_translated(english, stored, shown):
    assert labels.procedure_level(stored) == shown


@pytest.mark.parametrize("stored", ["Cấp đặc biệt", "Cấp xã, Cấp đặc biệt", "", None])
def test_unknown_procedure_levels_are_left_to_show_as_stored(english, stored):
    assert labels.procedure_level(stored) is None
