"""Connectors against fixture sources on loopback, built from the corpus:
each kind is read into the index within one sync, kept in step (changes,
deletions, conditional requests), and a source that is slow, down,
malformed or in a legacy encoding fails alone and changes nothing."""

from __future__ import annotations

import json

import pytest
from sources_support import JSON_MAPPING, XLSX_MAPPING, closed_port, survives_1258

from appliance.db import transaction
from appliance.i18n import set_language
from search import sources, sync
from search.engine import run_search
from search.fetch import Limits

pytestmark = pytest.mark.corpus


@pytest.fixture(autouse=True)
def english():
    """Errors are read in English here, whatever ran before."""
    set_language("en")

LIMITS = Limits(timeout=2.0, max_bytes=5 * 1024 * 1024)


def add(conn, name, kind, url, **fields):
    data = sources.SourceInput(name=name, kind=kind, url=str(url), **fields)
    return transaction(conn, sources.add_source, data)


async def run(conn, source, limits=LIMITS, deadline=None):
    return await sync.sync_source(sync.ConnectionStore(conn), source.id, limits, deadline)


def found(conn, q, **kw):
    return [i["title"] for i in run_search(conn, q, **kw)["items"]]


def items_of(conn, source):
    return conn.execute("SELECT count(DISTINCT item_id) FROM source_record"
                        " WHERE source_id = ?", (source.id,)).fetchone()[0]


def synced(conn):
    return conn.execute("SELECT count(*) FROM item WHERE source = 'sync'").fetchone()[0]


async def test_rss_items_are_found_within_one_sync(conn, sources_server, source_state):
    source = add(conn, "Sở TTTT", "rss", sources_server.make_url("/feed.xml"))
    outcome = await run(conn, source)
    assert outcome.ok, outcome.error
    news = source_state.news()
    assert outcome.counts["added"] == len(news)
    title = news[3]["title"]
    assert title in found(conn, title)
    item = conn.execute("SELECT source, source_url, status FROM item WHERE title = ?",
                        (title,)).fetchone()
    assert tuple(item) == ("sync", f"https://tin.example.vn/bai/{news[3]['external_id']}",
                           "published")


async def test_an_unchanged_feed_costs_one_conditional_request(conn, sources_server,
                                                               source_state):
    source = add(conn, "feed", "rss", sources_server.make_url("/feed.xml"))
    assert (await run(conn, source)).ok
    again = await run(conn, source)
    assert again.ok and again.counts.get("unchanged_source") == 1
    assert source_state.hits["/feed.xml"] == 2
    health = sources.get_source(conn, source.id)
    assert health.etag == source_state.etag()
    assert health.last_success_at and not health.alarm


async def test_entries_taken_down_disappear_and_old_ones_stay(conn, sources_server,
                                                              source_state):
    source = add(conn, "feed", "rss", sources_server.make_url("/feed.xml"))
    await run(conn, source)
    news = sorted(source_state.news(), key=lambda r: (r["published_at"], r["external_id"]))
    newest, oldest = news[-1], news[0]
    # The newest story is withdrawn; the oldest only falls out of the window.
    source_state.removed_news |= {newest["external_id"], oldest["external_id"]}
    outcome = await run(conn, source)
    assert outcome.ok and outcome.counts["removed"] >= 1
    assert newest["title"] not in found(conn, newest["title"])
    if oldest["published_at"][:10] < news[1]["published_at"][:10]:
        assert oldest["title"] in found(conn, oldest["title"])


async def test_legacy_encoding_is_read_as_vietnamese(conn, sources_server, source_state):
    source = add(conn, "cũ", "rss", sources_server.make_url("/feed-1258.xml"))
    outcome = await run(conn, source)
    assert outcome.ok, outcome.error
    stored = {row[0] for row in conn.execute("SELECT title FROM item WHERE source = 'sync'")}
    expected = {" ".join(survives_1258(r["title"]).split()) for r in source_state.news()[:10]}
    assert stored == expected
    assert any(ch in "".join(stored) for ch in "ầếởữự")


async def test_atom_feed(conn, sources_server):
    source = add(conn, "xã", "rss", sources_server.make_url("/atom.xml"))
    outcome = await run(conn, source)
    assert outcome.ok and outcome.counts["added"] == 10


@pytest.mark.parametrize("path, code", [("/broken.xml", "bad_xml"),
                                        ("/api/broken", "bad_json")])
async def test_malformed_documents_change_nothing(conn, sources_server, path, code):
    kind = "json" if "api" in path else "rss"
    good = add(conn, "good", "rss", sources_server.make_url("/feed.xml"))
    await run(conn, good)
    before = conn.execute("SELECT count(*) FROM search_doc").fetchone()[0]
    broken = add(conn, "broken", kind, sources_server.make_url(path))
    outcome = await run(conn, broken)
    assert not outcome.ok and outcome.error["code"] == code
    assert conn.execute("SELECT count(*) FROM search_doc").fetchone()[0] == before
    health = sources.get_source(conn, broken.id)
    assert health.failures == 1 and "malformed" in sources.error_text(health.last_error)


async def test_a_slow_source_times_out(conn, sources_server):
    source = add(conn, "chậm", "rss", sources_server.make_url("/slow.xml"))
    outcome = await run(conn, source, Limits(timeout=0.3, max_bytes=1 << 20))
    assert not outcome.ok and outcome.error == {"code": "timeout", "seconds": 0}
    assert "did not answer" in sources.error_text(outcome.error)


async def test_a_source_that_is_down(conn):
    source = add(conn, "down", "csv", f"http://127.0.0.1:{closed_port()}/x.csv")
    outcome = await run(conn, source)
    assert not outcome.ok and outcome.error["code"] == "unreachable"


async def test_a_down_or_slow_source_holds_up_no_other(conn, sources_server):
    slow = add(conn, "slow", "rss", sources_server.make_url("/slow.xml"))
    down = add(conn, "down", "rss", f"http://127.0.0.1:{closed_port()}/feed.xml")
    good = add(conn, "good", "rss", sources_server.make_url("/feed.xml"))
    outcomes = await sync.sync_many(sync.ConnectionStore(conn),
                                    [slow.id, down.id, good.id],
                                    Limits(timeout=0.5, max_bytes=1 << 22), concurrency=3)
    assert [o.ok for o in outcomes] == [False, False, True]
    assert outcomes[2].counts["added"] > 0


async def test_json_api_through_a_field_mapping(conn, sources_server, source_state):
    source = add(conn, "DVC", "json", sources_server.make_url("/api/thu-tuc"),
                 item_kind="procedure", mapping=json.dumps(JSON_MAPPING))
    outcome = await run(conn, source)
    assert outcome.ok, outcome.error
    procedures = source_state.procedures()
    assert outcome.counts["added"] == len(procedures)
    assert outcome.counts["requests"] >= 3  # it followed the next-page links
    code = procedures[5]["code"]
    hit = run_search(conn, code)["items"][0]
    assert hit["kind"] == "procedure" and hit["url"] == f"/vi/procedures/{code}"
    row = conn.execute("SELECT item.source_url, procedure.agency FROM item JOIN procedure"
                       " ON procedure.item_id = item.id WHERE procedure.code = ?",
                       (code,)).fetchone()
    assert row[0] == f"https://dichvucong.example.gov.vn/tthc/{code}"
    assert row[1] == procedures[5].get("agency")


async def test_json_changes_and_deletions(conn, sources_server, source_state):
    source = add(conn, "DVC", "json", sources_server.make_url("/api/thu-tuc"),
                 item_kind="procedure", mapping=json.dumps(JSON_MAPPING))
    await run(conn, source)
    gone, renamed = source_state.procedures()[0], source_state.procedures()[1]
    source_state.removed_procedures.add(gone["external_id"])
    source_state.renamed[renamed["external_id"]] = "Thủ tục đổi tên để kiểm tra đồng bộ"
    outcome = await run(conn, source)
    assert outcome.ok
    assert (outcome.counts["removed"], outcome.counts["updated"]) == (1, 1)
    assert run_search(conn, gone["code"])["items"] == []
    assert found(conn, "đổi tên để kiểm tra đồng bộ")[0] == \
        "Thủ tục đổi tên để kiểm tra đồng bộ"


async def test_csv_in_an_undeclared_legacy_encoding(conn, sources_server, source_state):
    source = add(conn, "bảng", "csv", sources_server.make_url("/thu-tuc.csv"),
                 item_kind="procedure")
    outcome = await run(conn, source)
    assert outcome.ok, outcome.error
    assert outcome.counts["added"] == 40
    title = " ".join(survives_1258(source_state.procedures()[7]["title"]).split())
    assert conn.execute("SELECT 1 FROM item WHERE title = ?", (title,)).fetchone()


async def test_xlsx_and_one_item_for_two_sources(conn, sources_server, source_state):
    table = add(conn, "bảng", "csv", sources_server.make_url("/thu-tuc.csv"),
                item_kind="procedure")
    sheet = add(conn, "sổ", "xlsx", sources_server.make_url("/thu-tuc.xlsx"),
                item_kind="procedure", mapping=json.dumps(XLSX_MAPPING))
    await run(conn, table)
    outcome = await run(conn, sheet)
    assert outcome.ok, outcome.error
    # Rows 20-40 of the CSV are the spreadsheet's: the same procedures.
    assert items_of(conn, sheet) == 20
    assert synced(conn) == 40
    code = source_state.procedures()[25]["code"]
    assert len(run_search(conn, code)["items"]) == 1
    # The table goes; the spreadsheet still holds its twenty.
    assert transaction(conn, sync.remove_source, "bảng") == 20
    assert synced(conn) == 20
    assert len(run_search(conn, code)["items"]) == 1


async def test_sitemap_pages_are_read_for_their_main_text(conn, sources_server,
                                                          source_state):
    source = add(conn, "xã không có RSS", "sitemap",
                 sources_server.make_url("/sitemap.xml"))
    outcome = await run(conn, source)
    assert outcome.ok, outcome.error
    assert outcome.counts["added"] == 12
    first = source_state.news()[0]
    body = conn.execute("SELECT body FROM item WHERE title = ?",
                        (first["title"],)).fetchone()[0]
    assert "hội nghị triển khai nhiệm vụ" in body
    assert "Bản quyền thuộc" not in body and "Trang chủ" not in body
    # A second sync reads no page again: their lastmod did not change.
    pages = sum(n for path, n in source_state.hits.items() if path.startswith("/tin/"))
    again = await run(conn, source)
    assert again.ok and again.counts["added"] == 0
    assert sum(n for path, n in source_state.hits.items()
               if path.startswith("/tin/")) == pages
    source_state.removed_news.add(first["external_id"])
    gone = await run(conn, source)
    assert gone.counts["removed"] == 1
    assert found(conn, first["title"]) == [] or first["title"] not in found(
        conn, first["title"])


async def test_the_same_story_from_two_sources_is_stored_once(conn, sources_server):
    feed = add(conn, "feed", "rss", sources_server.make_url("/feed.xml"))
    await run(conn, feed)
    before = synced(conn)
    duplicate = add(conn, "again", "rss", sources_server.make_url("/feed.xml"))
    outcome = await run(conn, duplicate)
    assert outcome.ok and outcome.counts["added"] == 0
    assert synced(conn) == before
    # Removing one source keeps what the other still holds.
    assert transaction(conn, sync.remove_source, "feed") == 0
    assert synced(conn) == before
    assert transaction(conn, sync.remove_source, "again") == before
    assert synced(conn) == 0
    assert conn.execute("SELECT count(*) FROM search_doc").fetchone()[0] == 0
