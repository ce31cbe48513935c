"""Keeping the index: add, replace, remove, rebuild, count."""

import pytest

from search.engine import run_search
from search.index import (KIND_CODES, LANG_CODES, TAG_MASK, count, doc_tag,
                          ensure_form, index_document, rebuild, remove_document)


def found(db, q, **filters):
    return [item["id"] for item in run_search(db, q, **filters)["items"]]


def integrity(db):
    for table in ("search_fts", "search_title_fts"):
        db.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")


def test_index_and_find(db, add, doc):
    add(doc(1, "Thủ tục đăng ký đất đai", body="Hồ sơ gồm đơn đăng ký."))
    assert count(db) == 1
    assert found(db, "đăng ký đất đai") == ["1"]
    assert found(db, "hồ sơ") == ["1"]
    integrity(db)


def test_replacing_by_ref_keeps_one_document(db, add, doc):
    add(doc(1, "Tin cũ về giao thông"))
    add(doc(1, "Tin mới về giáo dục"))
    assert count(db) == 1
    assert found(db, "giao thong") == []
    assert found(db, "giáo dục") == ["1"]
    integrity(db)


def test_metadata_change_keeps_the_index(db, add, doc):
    add(doc(1, "Lịch tiếp công dân", date="2025-01-02"))
    add(doc(1, "Lịch tiếp công dân", date="2025-03-04", url="/vi/lich"))
    item = run_search(db, "lịch tiếp")["items"][0]
    assert (item["date"], item["url"]) == ("2025-03-04", "/vi/lich")
    integrity(db)


def test_a_new_kind_moves_the_document(db, add, doc):
    add(doc(1, "Cấp giấy phép xây dựng", kind="article"))
    add(doc(1, "Cấp giấy phép xây dựng", kind="procedure"))
    assert count(db) == 1
    answer = run_search(db, "giấy phép")
    assert answer["facets"]["kind"] == {"procedure": 1}
    assert answer["items"][0]["kind"] == "procedure"
    integrity(db)


def test_ids_carry_kind_and_language(db, add, doc):
    add(doc(1, "Dịch vụ công", kind="public_service", lang="vi"),
        doc(2, "Public service", kind="public_service", lang="en"))
    ids = [r[0] for r in db.execute("SELECT id FROM search_doc ORDER BY id")]
    assert [i & TAG_MASK for i in ids] == [doc_tag("public_service", "vi"),
                                           doc_tag("public_service", "en")]
    assert ids[1] > ids[0]


def test_remove(db, add, doc):
    add(doc(1, "Thông báo tuyển dụng"), doc(2, "Thông báo nghỉ lễ"))
    db.execute("BEGIN")
    remove_document(db, "item:1")
    remove_document(db, "item:404")
    db.execute("COMMIT")
    assert count(db) == 1
    assert found(db, "thông báo") == ["2"]
    integrity(db)


def test_rebuild_gives_the_same_answers(db, add, doc):
    add(doc(1, "Thủ tục hành chính"), doc(2, "ដុល្លារ អាមេរិក", lang="km"))
    before = [found(db, "thu tuc"), found(db, "ដុល្លា")]
    db.execute("BEGIN")
    rebuild(db)
    db.execute("COMMIT")
    assert [found(db, "thu tuc"), found(db, "ដុល្លា")] == before == [["1"], ["2"]]
    integrity(db)


def test_a_new_search_form_rebuilds_once(db, add, doc):
    add(doc(1, "Thủ tục hành chính"))
    db.execute("UPDATE search_meta SET value = '0' WHERE key = 'form_version'")
    assert ensure_form(db) is True
    assert ensure_form(db) is False
    assert found(db, "thu tuc") == ["1"]


@pytest.mark.parametrize("kind, lang", [("dossier", "vi"), ("section", "vi"),
                                        ("article", "fr")])
def test_refuses_what_is_never_indexed(db, doc, kind, lang):
    with pytest.raises(ValueError):
        index_document(db, doc(1, "Hồ sơ của công dân", kind=kind, lang=lang))
    assert count(db) == 0


def test_every_kind_and_language_has_a_code():
    assert set(KIND_CODES) == {"article", "disclosure", "directive", "legal_document",
                               "procedure", "public_service"}
    assert set(LANG_CODES) == {"vi", "en", "km"}


def test_number_key_is_stored(db, add, doc):
    add(doc(1, "Nghị định quy định chi tiết", kind="legal_document",
            number="70/2024/NĐ-CP"))
    row = db.execute("SELECT number, number_key FROM search_doc").fetchone()
    assert tuple(row) == ("70/2024/NĐ-CP", "70-2024-nd-cp")


def test_text_is_stored_nfc(db, add, doc):
    add(doc(1, "Thu\u0309 tu\u0323c"))
    assert db.execute("SELECT title FROM search_doc").fetchone()[0] == "Thủ tục"
