"""The pieces behind sources and search helps: field mappings, text
decoding, the identity that makes two sources' records one item, answers
too large, suggestions, "did you mean", facets and date order, pins, and
the migration of an index built before facets."""

from __future__ import annotations

import json

import pytest
from aiohttp import web

from appliance.db import open_sync, transaction
from search import spelling
from search.connectors import Record
from search.engine import run_search
from search.fetch import FetchError, Limits, decode, fetch, new_session
from search.mapping import apply, is_deleted, parse_mapping, records_in
from search.suggest import suggestions
from search.sync import canonical_url, identity
from appliance.errors import UserError


def test_a_mapping_reads_nested_fields_lists_and_addresses():
    mapping = parse_mapping(json.dumps({
        "items": "duLieu.ds", "fields": {"external_id": "ma", "title": ["ten", "tieuDe"],
                                         "agency": "coQuan.ten", "tags": "nhan"},
        "values": {"kind": "procedure"}, "url": "https://x.vn/tt/{ma}",
        "deleted": "daXoa"}))
    document = {"duLieu": {"ds": [{"ma": "1.0", "tieuDe": "Cấp phép",
                                   "coQuan": {"ten": "Sở Xây dựng"}, "nhan": "a; b",
                                   "daXoa": "0"}]}}
    [row] = records_in(document, mapping)
    assert apply(row, mapping) == {
        "external_id": "1.0", "title": "Cấp phép", "agency": "Sở Xây dựng",
        "tags": ["a", "b"], "kind": "procedure", "source_url": "https://x.vn/tt/1.0"}
    assert not is_deleted(row, mapping)
    assert is_deleted({"daXoa": "true"}, mapping)


def test_without_a_mapping_records_are_read_as_the_import_format():
    mapping = parse_mapping("")
    assert records_in({"items": [{"id": 7}]}, mapping) == [{"id": 7}]
    assert apply({"id": 7, "title": "T", "url": "https://a.vn/7", "x": 1}, mapping) == \
        {"external_id": "7", "title": "T", "source_url": "https://a.vn/7"}


@pytest.mark.parametrize("text, message", [
    ("[1]", "should be a JSON object"), ('{"feilds": {}}', "unknown keys"),
    ('{"fields": {"title": 3}}', "should name a field"),
    ('{"values": {"colour": "x"}}', "not a field of the import format"),
])
def test_bad_mappings_say_what_is_wrong(text, message):
    with pytest.raises(UserError, match=message):
        parse_mapping(text)


def windows_1258(text: str) -> bytes:
    from sources_support import windows_1258 as encode

    return encode(text)


@pytest.mark.parametrize("body, declared, expected", [
    ("Thủ tục đất đai".encode(), None, "Thủ tục đất đai"),
    (b"\xef\xbb\xbf" + "Hộ tịch".encode(), None, "Hộ tịch"),
    ('<?xml version="1.0" encoding="windows-1258"?><a>Hộ tịch</a>', None,
     '<?xml version="1.0" encoding="windows-1258"?><a>Hộ tịch</a>'),
    ("Thông báo tuyển dụng công chức", "windows-1258", "Thông báo tuyển dụng công chức"),
    ("Quyết định về việc phê duyệt kế hoạch sử dụng đất năm 2026 của huyện", None,
     "Quyết định về việc phê duyệt kế hoạch sử dụng đất năm 2026 của huyện"),
])
def test_text_is_decoded_in_the_encoding_it_is_really_in(body, declared, expected):
    import unicodedata

    raw = body if isinstance(body, bytes) else windows_1258(body)
    assert unicodedata.normalize("NFC", decode(raw, declared)) == expected


async def test_csv_fields_with_quotes_and_separators_stay_whole():
    from search.connectors import _csv_rows

    text = 'external_id;title;summary\r\n' + "".join(
        f'{n};"Tin ""nóng"" số {n}; tiếp";"a, b; ""c"" {"x" * 300}"\r\n' for n in range(50))
    rows = _csv_rows(text)
    assert len(rows) == 50
    assert rows[7] == {"external_id": "7", "title": 'Tin "nóng" số 7; tiếp',
                       "summary": 'a, b; "c" ' + "x" * 300}


async def test_an_answer_too_large_is_refused_as_it_arrives(aiohttp_server):
    async def big(request):
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(100):
            await response.write(b"x" * 65536)
        return response

    app = web.Application()
    app.router.add_get("/big", big)
    server = await aiohttp_server(app)
    async with new_session() as session:
        with pytest.raises(FetchError) as failure:
            await fetch(session, str(server.make_url("/big")),
                        Limits(timeout=5, max_bytes=1 << 20))
    assert failure.value.code == "too_large"


def test_two_sources_name_one_item_the_same_way():
    doc = {"kind": "legal_document", "number": "42/2022/NĐ-CP"}
    assert identity(1, Record("a", doc)) == identity(2, Record("b", {
        **doc, "number": "42/2022/ND-CP"})) == "doc:42-2022-nd-cp"
    assert identity(1, Record("a", {"kind": "procedure", "code": "1.000178"})) == \
        "proc:1.000178"
    assert canonical_url("https://www.Tin.example.vn/bai/1/?utm_source=x#top") == \
        canonical_url("http://tin.example.vn/bai/1")
    assert identity(1, Record("a", {"kind": "article"})) != \
        identity(2, Record("a", {"kind": "article"}))


def test_suggestions_complete_the_last_word(db, add, doc):
    add(doc(1, "Cấp giấy phép xây dựng nhà ở riêng lẻ", kind="procedure"),
        doc(2, "Tin về giấy phép xây dựng", kind="article"),
        doc(3, "Cấp lại giấy phép lái xe", kind="procedure"))
    found = [s["text"] for s in suggestions(db, "giấy phép xây d")]
    assert found == ["Cấp giấy phép xây dựng nhà ở riêng lẻ"]
    assert [s["text"] for s in suggestions(db, "cap lai giay p")] == \
        ["Cấp lại giấy phép lái xe"]
    assert suggestions(db, "g") == []


def test_suggestions_typed_with_marks_prefer_titles_written_so(db, add, doc):
    # The older title holds the words as typed; many newer ones only fold alike.
    add(doc(1, "Cấp hộ chiếu phổ thông", kind="procedure"),
        *(doc(n, f"Hỗ trợ chi phí đợt {n}", kind="procedure") for n in range(2, 60)))
    assert suggestions(db, "hộ ch")[0]["text"] == "Cấp hộ chiếu phổ thông"
    assert suggestions(db, "ho ch")[0]["text"].startswith("Hỗ trợ chi phí")


def test_did_you_mean_restores_the_marks(db, add, doc):
    spelling.forget()
    add(doc(1, "Thủ tục hành chính về đất đai"), doc(2, "Đăng ký kinh doanh"))
    answer = run_search(db, "đăng kýy")
    assert answer["items"] == [] and answer["suggestion"] == "Đăng ký"
    # With most words right, titles holding all but one still come back.
    assert [i["id"] for i in run_search(db, "dang kyy kinh doanh")["items"]] == ["2"]
    assert run_search(db, "zzqqxx")["suggestion"] is None
    spelling.forget()


def test_facets_narrow_and_count(db, add, doc):
    add(doc(1, "Quyết định về đất đai", kind="legal_document",
            facets={"issuer": "Sở Tài nguyên", "year": "2024", "status": "in_force"}),
        doc(2, "Quyết định về đất ở", kind="legal_document",
            facets={"issuer": "UBND tỉnh", "year": "2023", "status": "replaced"}),
        doc(3, "Tin đất đai", facets={"section": "tin-tuc", "year": "2024"}))
    answer = run_search(db, "đất")
    assert answer["facets"]["issuer"] == {"Sở Tài nguyên": 1, "UBND tỉnh": 1}
    assert answer["facets"]["year"] == {"2024": 2, "2023": 1}
    narrowed = run_search(db, "đất", facets={"year": ["2024"], "status": ["in_force"]})
    assert [i["id"] for i in narrowed["items"]] == ["1"]
    assert narrowed["items"][0]["status"] == "in_force"
    assert run_search(db, "đất", facets={"issuer": ["Nobody"]})["items"] == []
    both = run_search(db, "đất", facets={"issuer": ["Sở Tài nguyên", "UBND tỉnh"]})
    assert sorted(i["id"] for i in both["items"]) == ["1", "2"]


def test_changing_facets_keeps_the_index_right(db, add, doc):
    add(doc(1, "Nghị định về thuế", kind="legal_document", facets={"status": "in_force"}))
    add(doc(1, "Nghị định về thuế", kind="legal_document", facets={"status": "replaced"}))
    assert run_search(db, "thuế", facets={"status": ["in_force"]})["items"] == []
    assert len(run_search(db, "thuế", facets={"status": ["replaced"]})["items"]) == 1
    db.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)")
    db.execute("INSERT INTO search_title_fts (search_title_fts, rank)"
               " VALUES ('integrity-check', 1)")


def test_sorting_by_date_uses_the_documents_dates(db, add, doc):
    add(doc(1, "Thông báo A", date="2024-01-05"), doc(2, "Thông báo B", date="2026-03-01"),
        doc(3, "Thông báo C", date=None), doc(4, "Thông báo D", date="2025-07-30"))
    assert [i["id"] for i in run_search(db, "thông báo", sort="date")["items"]] == \
        ["2", "4", "1", "3"]


def test_an_index_from_before_facets_is_migrated(tmp_path, monkeypatch):
    """Content indexed at schema 5 (as that release wrote it) gets its facets
    from the content tables when migration 0011 runs."""
    import appliance.db as storage

    every = storage.available_migrations()
    monkeypatch.setattr(storage, "available_migrations",
                        lambda: [m for m in every if m.number <= 5])
    db = tmp_path / "old.db"
    conn = open_sync(db, create=True)
    now = "2026-11-01T00:00:00Z"
    conn.executescript(f"""
        INSERT INTO section (id, key, names, created_at, updated_at)
            VALUES (1, 'tin-tuc', '{{"vi": "Tin tức"}}', '{now}', '{now}');
        INSERT INTO item (id, kind, lang, status, published_at, section_id, slug, created_at,
                          updated_at, title) VALUES
            (1, 'article', 'vi', 'published', '2026-10-02T01:00:00Z', 1, 'lua', '{now}',
             '{now}', 'Thu hoạch lúa vụ mùa'),
            (2, 'legal_document', 'vi', 'published', '2024-05-01T01:00:00Z', NULL, 'nq',
             '{now}', '{now}', 'Nghị quyết về lúa gạo');
        INSERT INTO document (item_id, number, number_key, doc_type, issuer, issued_at,
                              legal_status, year)
            VALUES (2, '12/2024/NQ-HĐND', '12-2024-nq-hdnd', 'Nghị quyết',
                    'Hội đồng nhân dân tỉnh', '2024-05-01', 'in_force', 2024);
        INSERT INTO search_doc (id, ref, item_id, kind, lang, date, url, title) VALUES
            ({1 << 6 | 1 << 4 | 1}, 'item:1', 1, 'article', 'vi', '2026-10-02T01:00:00Z',
             '/vi/tin-tuc/lua', 'Thu hoạch lúa vụ mùa'),
            ({2 << 6 | 1 << 4 | 4}, 'item:2', 2, 'legal_document', 'vi',
             '2024-05-01T01:00:00Z', '/vi/documents/nq', 'Nghị quyết về lúa gạo');
    """)
    assert storage.schema_version(conn) == 5
    conn.close()
    monkeypatch.setattr(storage, "available_migrations", lambda: every)
    conn = open_sync(db)
    assert storage.schema_version(conn) == storage.latest_schema()
    facets = run_search(conn, "lúa")["facets"]
    assert facets["section"] == {"tin-tuc": 1}
    assert facets["year"] == {"2024": 1, "2026": 1}
    assert facets["issuer"] == {"Hội đồng nhân dân tỉnh": 1}
    assert facets["status"] == {"in_force": 1}
    assert [i["id"] for i in run_search(conn, "lúa", facets={"doc_type": ["Nghị quyết"]})
            ["items"]] == ["2"]
    conn.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)")
    conn.close()


def test_pins_find_items_by_their_address(conn, doc_item):
    from search import pins

    item = doc_item("Cấp hộ chiếu phổ thông", "procedure", "1.001456")
    assert pins.ref_for_address(conn, "https://portal.example.vn" + item.url) == \
        f"item:{item.id}"
    assert pins.ref_for_address(conn, f"/en/procedures/{item.slug}") == f"item:{item.id}"
    with pytest.raises(UserError):
        pins.ref_for_address(conn, "/vi/procedures/9.999")
    pin = transaction(conn, pins.add_pin, "Làm hộ chiếu", item.url)
    assert pin.query_key == "lam ho chieu"
    assert [i["id"] for i in run_search(conn, "lam ho chieu")["items"]][:1] == [str(item.id)]
