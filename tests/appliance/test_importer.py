import gzip
import json

import pytest

from appliance import content
from appliance.importer import import_files


def write_jsonl(path, records, raw_lines=()):
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(raw_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SECTION = {"external_id": "kinh-te", "kind": "section", "lang": "vi", "title": "Kinh tế",
           "names": {"vi": "Kinh tế", "en": "Economy"}}


def article(n, **extra):
    return {"external_id": f"a{n}", "kind": "article", "lang": "vi",
            "title": f"Tin số {n}", "body": "Đoạn một\n\nĐoạn hai", "section": "kinh-te",
            "published_at": f"2026-11-0{n % 9 + 1}", **extra}


def test_import_creates_then_updates_by_external_id(tmp_path, conn):
    path = write_jsonl(tmp_path / "a.jsonl", [article(1), article(2), SECTION])
    first = import_files(conn, [path])
    assert (first.created, first.updated, first.rejected, first.sections) == (2, 0, 0, 1)

    write_jsonl(path, [article(1, title="Tin số 1 đã sửa"), SECTION])
    second = import_files(conn, [path])
    assert (second.created, second.updated) == (0, 1)
    item = content.find_by_external_id(conn, "import", "a1")
    assert item.title == "Tin số 1 đã sửa"
    assert item.slug == "tin-so-1"  # the address stays when the title changes
    assert item.body == "<p>Đoạn một</p>\n<p>Đoạn hai</p>"


def test_bad_records_are_reported_and_the_rest_imports(tmp_path, conn):
    path = write_jsonl(tmp_path / "bad.jsonl", [
        SECTION, article(1), article(2, title=""), article(3, kind="poem"),
        article(4, published_at="yesterday"), article(5, section="khong-co"),
    ], raw_lines=["{not json", "[1, 2]"])
    rejected = []
    summary = import_files(conn, [path], on_reject=rejected.append)
    assert summary.created == 1
    assert summary.rejected == 6
    reasons = {r.line: r.reason for r in rejected}
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "title" in reasons[3]
    assert "poem" in reasons[4]
    assert "yesterday" in reasons[5]
    assert "khong-co" in reasons[6]
    assert "JSON" in reasons[7] and "JSON" in reasons[8]
    assert all(str(r).startswith(f"{path}:") for r in rejected)


def test_gzip_files_and_sections_after_items(tmp_path, conn):
    items = tmp_path / "items.jsonl.gz"
    with gzip.open(items, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(article(1), ensure_ascii=False) + "\n")
    sections = write_jsonl(tmp_path / "sections.jsonl", [SECTION])
    summary = import_files(conn, [items, sections])
    assert (summary.created, summary.rejected) == (1, 0)


def test_documents_and_procedures_keep_their_fields(tmp_path, conn):
    path = write_jsonl(tmp_path / "d.jsonl", [
        {"external_id": "d1", "kind": "legal_document", "lang": "vi",
         "title": "Luật Đất đai", "number": "31/2024/QH15", "doc_type": "Luật",
         "issuer": "Quốc hội", "issued_at": "2024-01-18", "status": "in_force",
         "cited_by": 12},
        {"external_id": "p1", "kind": "procedure", "lang": "vi", "title": "Đăng ký khai sinh",
         "code": "1.001193", "field": "Hộ tịch", "steps": ["Bước 1", "Bước 2"],
         "channels": [{"channel": "Trực tuyến", "processing_time": "1 ngày", "fee": "0"}],
         "legal_basis": ["31/2024/QH15"]},
    ])
    assert import_files(conn, [path]).created == 2
    law = content.find_by_external_id(conn, "import", "d1")
    assert law.document["number_key"] == "31-2024-qh15"
    assert law.document["year"] == 2024 and law.extra == {"cited_by": 12}
    assert law.url == "/vi/documents/31-2024-qh15-luat-dat-dai"
    proc = content.find_by_external_id(conn, "import", "p1")
    assert proc.url == "/vi/procedures/1.001193"
    assert proc.procedure["channels"][0]["processing_time"] == "1 ngày"
    linked = content.documents_by_number(conn, proc.procedure["legal_basis"])
    assert linked["31-2024-qh15"].id == law.id


def test_local_time_without_offset_is_stored_as_utc(tmp_path, conn):
    path = write_jsonl(tmp_path / "t.jsonl", [
        SECTION, article(1, published_at="2026-11-02T08:30:00"),
        article(2, published_at="2026-11-02"),
        article(3, published_at="2026-11-02T08:30:00+00:00")])
    import_files(conn, [path])
    stored = {i.external_id: i.published_at for i in content.list_items(conn, lang="vi")}
    assert stored == {"a1": "2026-11-02T01:30:00Z", "a2": "2026-11-01T17:00:00Z",
                      "a3": "2026-11-02T08:30:00Z"}


@pytest.mark.corpus
def test_the_whole_corpus_imports(corpus, corpus_site):
    from appliance import config as config_mod
    from appliance.db import open_sync

    conn = open_sync(config_mod.load(corpus_site).database_path)
    counts = dict(conn.execute("SELECT kind, count(*) FROM item GROUP BY kind").fetchall())
    assert counts["article"] == 2032 - 1 + 369  # one news record has no title
    assert counts["legal_document"] == 109 + 1223
    assert counts["procedure"] == 2642
    assert conn.execute("SELECT count(*) FROM section").fetchone()[0] == 23
    langs = dict(conn.execute("SELECT lang, count(*) FROM item GROUP BY lang").fetchall())
    assert langs["km"] == 123 and langs["en"] == 123
    conn.close()


@pytest.mark.corpus
def test_corpus_bad_record_is_named_by_file_and_line(corpus, tmp_path, conn):
    rejected = []
    summary = import_files(conn, [corpus / "sections.jsonl", corpus / "news-vi.jsonl"],
                           on_reject=rejected.append)
    assert summary.rejected == 1 and summary.created == 2031
    assert str(rejected[0]).startswith(f"{corpus / 'news-vi.jsonl'}:30: ")


def test_a_badly_encoded_line_is_one_reject_not_a_lost_file(tmp_path, conn):
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in (SECTION, article(1))]
    lines.append('{"external_id": "a2", "title": "Tin s\u1ed1 2"}'.encode("cp1258", "replace")
                 .replace(b"?", b"\xff"))
    lines.append(json.dumps(article(3), ensure_ascii=False).encode())
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    rejected = []
    summary = import_files(conn, [path], on_reject=rejected.append)
    assert (summary.created, summary.rejected) == (2, 1)
    assert rejected[0].line == 3 and "UTF-8" in rejected[0].reason
