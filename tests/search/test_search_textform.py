"""The search form: Vietnamese folding, Khmer clusters, and agreement between
the Python tokens and what the FTS5 index holds."""

import sqlite3
import unicodedata

import pytest

from appliance.text import fold
from search.query import accent_key, parse
from search.textform import TOKENIZE, search_form, tokens, words

VIETNAMESE = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"


def index_tokens(text: str) -> list[str]:
    """The tokens FTS5 stores for text, read back through fts5vocab."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f'CREATE VIRTUAL TABLE t USING fts5(a, tokenize="{TOKENIZE}")')
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    conn.execute("INSERT INTO t (a) VALUES (?)", (search_form(text),))
    found = [r[0] for r in conn.execute("SELECT term FROM v ORDER BY offset")]
    conn.close()
    return found


def test_every_vietnamese_letter_folds_in_the_index():
    letters = VIETNAMESE + VIETNAMESE.upper()
    text = " ".join(f"x{ch}x" for ch in letters)
    assert index_tokens(text) == [f"x{fold(ch).lower()}x" for ch in letters]


def test_search_form_keeps_length_outside_khmer():
    text = "Thủ tục đăng ký đất đai lần đầu, 42/2022/NĐ-CP"
    assert search_form(text) == "Thủ tục dăng ký dất dai lần dầu, 42/2022/ND-CP"
    assert len(search_form(text)) == len(text)


def test_decomposed_input_is_normalised():
    decomposed = unicodedata.normalize("NFD", "Thủ tục đất đai")
    assert index_tokens(decomposed) == ["thu", "tuc", "dat", "dai"]


def test_document_number_becomes_its_parts():
    assert index_tokens("Nghị định 42/2022/NĐ-CP") == [
        "nghi", "dinh", "42", "2022", "nd", "cp"]


@pytest.mark.parametrize("text, clusters", [
    ("ដុល្លារ", ["ដុ", "ល្លា", "រ"]),
    ("ព្រះរាជាណាចក្រកម្ពុជា",
     ["ព្រះ", "រា", "ជា", "ណា", "ច", "ក្រ", "ក", "ម្ពុ", "ជា"]),
    ("ស្នើសុំ", ["ស្នើ", "សុំ"]),
    ("ជា", ["ជា"]),
])
def test_khmer_splits_into_clusters(text, clusters):
    assert index_tokens(text) == clusters
    assert [t for _, _, t in tokens(text)] == clusters


def test_coeng_da_is_indexed_as_coeng_ta():
    assert index_tokens("សេចក្ដី") == index_tokens("សេចក្តី") == ["សេ", "ច", "ក្តី"]


def test_zero_width_space_separates_but_is_kept_in_storage():
    text = "ការ\u200bស្នើ"
    assert index_tokens(text) == ["កា", "រ", "ស្នើ"]
    assert search_form(text).count("\u200b") == 0


@pytest.mark.parametrize("text", [
    "Thủ tục đăng ký đất đai lần đầu",
    "Welsh AMs worried about 'looking like muppets'",
    "ចោរយកប្រាក់ 26.750 ដុល្លារក្នុងកំឡុងពេល Newport",
    "កabc១២ក — ĐẶT LỊCH (hẹn) 1.000178",
    "Quyết định số 16/2026/QĐ-UBND ngày 01/02/2026",
])
def test_python_tokens_are_the_index_tokens(text):
    assert [t for _, _, t in tokens(text)] == index_tokens(text)
    assert words(text) == index_tokens(text)


def test_token_positions_point_into_the_original():
    text = "Thủ tục ĐẤT ĐAI"
    assert [text[a:b] for a, b, _ in tokens(text)] == ["Thủ", "tục", "ĐẤT", "ĐAI"]


def test_sql_function_is_registered(db):
    assert db.execute("SELECT sx('Đất đai')").fetchone()[0] == "Dất dai"
    assert db.execute("SELECT sx(NULL)").fetchone()[0] is None


def test_accent_key_ignores_tone_placement():
    assert accent_key("hoà") == accent_key("hòa")
    assert accent_key("thuỷ") == accent_key("thủy")
    assert accent_key("bàn") != accent_key("bạn")
    assert accent_key("Bàn") == accent_key("bàn")


TEXT = "{title summary body number} : "


@pytest.mark.parametrize("q, expected", [
    ("quy hoach dat dai", TEXT + '("quy" AND "hoach" AND "dat" AND "dai")'),
    ("thu-tuc", TEXT + '("thu tuc")'),
    ("70/2024/NĐ-CP", TEXT + '("70 2024 nd cp")'),
    ('"', ""),
    ("NEAR(", TEXT + '("near")'),
    ("ដុល្លា", TEXT + '("ដុ ល្លា"*)'),
    # A one-letter last cluster gets its prefix only in the title index.
    ("ថូម៉ាស", TEXT + '("ថូ ម៉ា ស")'),
    # Typed from inside a cluster: the partial cluster is dropped.
    ("្យុះហារី", TEXT + '("ហា រី"*)'),
    # Words of intent need not match; "thủ tục" is one of them.
    ("thu tuc dat dai", TEXT + '("dat" AND "dai")'),
    ("xin cấp lại giấy phép", TEXT + '("giay" AND "phep")'),
])
def test_queries_become_quoted_phrases(q, expected):
    assert parse(q).match_all() == expected


def test_synonyms_become_alternatives_of_whole_words():
    table = {("ho", "khau"): [("thuong", "tru")], ("nd", "cp"): [("nghi", "dinh")]}
    assert parse("làm hộ khẩu", table).match_all() == \
        TEXT + '(("ho khau" OR "thuong tru"))'
    # Inside a document number the abbreviation is part of the number.
    assert parse("42/2022/NĐ-CP", table).match_all() == TEXT + '("42 2022 nd cp")'
    assert parse("NĐ-CP mới", table).match_all() == \
        TEXT + '(("nd cp" OR "nghi dinh") AND "moi")'


def test_intent_words_typed_with_marks_must_be_those_words():
    assert [g.optional for g in parse("làm đường").groups] == [True, False]
    assert [g.optional for g in parse("lâm đường").groups] == [False, False]
    # A query of intent words alone must match them.
    assert [g.optional for g in parse("xin cấp lại").groups] == [False, False]


def test_number_words_give_lookup_keys():
    assert parse("Nghị định 70/2024/ND-CP").numbers == [("70-2024-nd-cp", False)]
    assert parse("42/2022").numbers == [("42-2022", False), ("42-2022-", True)]
    assert parse("2022 thủ tục").numbers == []
