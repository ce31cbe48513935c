"""The read API: published content only, filters, opaque cursors that walk a
whole listing, ETag and Cache-Control, CORS for browsers, problem details
naming each bad parameter, and answers that match their documented schemas."""

from __future__ import annotations

import pytest
from feeds_support import BASE
from jsonschema import Draft202012Validator

from appliance.app import DB
from appliance.content import ItemInput, save_item, set_status
from appliance.db import transaction

API = "/api/v1"


@pytest.fixture
async def spec(client) -> dict:
    return await (await client.get(f"{API}/openapi.json")).json()


def check(spec: dict, name: str, body) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    errors = list(Draft202012Validator(schema).iter_errors(body))
    assert not errors, f"{name}: {errors[0].message} at {list(errors[0].path)}"


async def get_json(client, path: str, status: int = 200):
    response = await client.get(path)
    assert response.status == status, (path, await response.text())
    return await response.json(content_type=None)


async def walk(client, path: str) -> list[dict]:
    """Every item of a listing, page after page."""
    page = await get_json(client, path)
    found = list(page["items"])
    while page["next"]:
        page = await get_json(client, page["next"])
        found += page["items"]
    return found


@pytest.mark.parametrize("path, schema", [
    ("/articles", "ArticleList"), ("/articles?include=body", "ArticleList"),
    ("/documents", "DocumentList"), ("/procedures", "ProcedureList"),
    ("/services", "ServiceList"), ("/sections", "SectionList"),
    ("/sections/tin-tuc", "Section"), ("/tags", "TagList"), ("/tags?lang=vi", "TagList"),
])
async def test_answers_match_their_documented_schemas(client, spec, news, path, schema):
    check(spec, schema, await get_json(client, API + path))


@pytest.mark.parametrize("name, collection, schema", [
    ("harvest", "articles", "Article"), ("notice", "articles", "Article"),
    ("law", "documents", "Document"), ("directive", "documents", "Document"),
    ("procedure", "procedures", "Procedure"),
])
async def test_one_item_has_its_body_and_language_versions(client, spec, news, name,
                                                           collection, schema):
    item = await get_json(client, f"{API}/{collection}/{news[name].id}")
    check(spec, schema, item)
    assert item["url"] == BASE + news[name].url
    assert "body" in item
    if name == "harvest":
        assert item["translations"] == {"en": news["harvest_en"].id,
                                        "km": news["harvest_km"].id}
        assert item["image"]["url"] == f"{BASE}/media/test/lead.jpg"
        assert item["image"]["alt"] == "Cánh đồng lúa"
        assert [tag["slug"] for tag in item["tags"]] == ["nong-nghiep", "dat-dai"] or \
            sorted(tag["slug"] for tag in item["tags"]) == ["dat-dai", "nong-nghiep"]


async def test_cursors_walk_every_item_once_newest_first(client, news):
    everything = await walk(client, f"{API}/articles?limit=2")
    expected = ["harvest_km", "harvest_en", "harvest", "hostile", "announcement_en",
                "notice", "undated"]
    assert [item["id"] for item in everything] == [news[k].id for k in expected]
    first = await client.get(f"{API}/articles?limit=2")
    assert first.headers["Link"].endswith('>; rel="next"')


async def test_a_sync_by_last_change_finds_what_changed_since(client, news):
    everything = await walk(client, f"{API}/articles?order=updated&limit=3")
    assert len(everything) == 7
    stamps = [(item["updated_at"], item["id"]) for item in everything]
    assert stamps == sorted(stamps)
    since = everything[-1]["updated_at"]

    changed = ItemInput(kind="article", lang="vi", section_key="tin-tuc",
                        title="Nông dân thu hoạch lúa sớm", published_at="2024-03-01T08:00")
    await client.app[DB].write(save_item, changed, item_id=news["harvest"].id)
    later = await walk(client, f"{API}/articles?order=updated&updated_since={since}")
    found = {item["id"]: item for item in later}
    assert found[news["harvest"].id]["title"] == "Nông dân thu hoạch lúa sớm"
    assert all(item["updated_at"] >= since for item in later)


@pytest.mark.parametrize("query, expected", [
    ("lang=en", ["harvest_en", "announcement_en"]),
    ("section=thong-bao", ["announcement_en", "notice"]),
    ("section=thong-bao&lang=vi", ["notice"]),
    ("kind=disclosure", ["notice"]),
    ("tag=nong-nghiep", ["harvest"]),
])
async def test_article_filters(client, news, query, expected):
    found = await walk(client, f"{API}/articles?{query}")
    assert [item["id"] for item in found] == [news[k].id for k in expected]


@pytest.mark.parametrize("query, expected", [
    ("", ["directive", "law"]), ("kind=legal_document", ["law"]),
    ("number=12/ct-ubnd", ["directive"]), ("doc_type=Luật", ["law"]),
    ("year=2024&issuer=UBND tỉnh An Giang", ["directive"]),
])
async def test_document_filters(client, news, query, expected):
    found = await walk(client, f"{API}/documents?{query}")
    assert [item["id"] for item in found] == [news[k].id for k in expected]


async def test_drafts_and_embargoed_items_stay_out_until_published(client, conn, news):
    later = await client.app[DB].write(save_item, ItemInput(
        kind="article", lang="vi", section_key="tin-tuc", title="Tin giữ đến mai",
        published_at="2999-01-01T08:00"), status="published")
    listed = [item["id"] for item in await walk(client, f"{API}/articles")]
    for hidden in (news["draft"].id, later.id):
        assert hidden not in listed
        await get_json(client, f"{API}/articles/{hidden}", 404)
    # The kind decides the collection: a document is not an article.
    await get_json(client, f"{API}/articles/{news['law'].id}", 404)

    await client.app[DB].write(set_status, later.id, "published")
    assert (await get_json(client, f"{API}/articles/{later.id}"))["title"] == \
        "Tin giữ đến mai"
    transaction(conn, set_status, news["harvest"].id, "unpublished")
    await get_json(client, f"{API}/articles/{news['harvest'].id}", 404)


async def test_every_bad_parameter_is_named(client, news):
    problem = await get_json(
        client, f"{API}/articles?lang=fr&limit=0&order=oldest&section=nowhere"
                "&updated_since=soon&kind=law", 400)
    assert problem["status"] == 400 and problem["title"]
    assert sorted(p["name"] for p in problem["invalid_params"]) == [
        "kind", "lang", "limit", "order", "section", "updated_since"]
    vietnamese = await client.get(f"{API}/documents?year=24",
                                  headers={"Accept-Language": "vi"})
    assert vietnamese.content_type == "application/problem+json"
    (only,) = (await vietnamese.json())["invalid_params"]
    assert only["name"] == "year" and "2024" in only["reason"]


async def test_a_cursor_cannot_be_forged_or_moved_to_another_query(client, news):
    page = await get_json(client, f"{API}/articles?limit=2")
    cursor = page["next_cursor"]
    moved = await get_json(client, f"{API}/articles?limit=2&lang=vi&cursor={cursor}", 400)
    assert moved["invalid_params"][0]["name"] == "cursor"
    forged = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    await get_json(client, f"{API}/articles?limit=2&cursor={forged}", 400)
    await get_json(client, f"{API}/documents?cursor={cursor}", 400)
    await get_json(client, f"{API}/articles?limit=3&cursor={cursor}", 200)


async def test_answers_are_cached_and_revalidated(client, news):
    first = await client.get(f"{API}/articles")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    same = await client.get(f"{API}/articles", headers={"If-None-Match": etag})
    assert same.status == 304
    listed = await client.get(f"{API}/articles",
                              headers={"If-None-Match": f'"other", W/{etag}'})
    assert listed.status == 304
    await client.app[DB].write(set_status, news["hostile"].id, "unpublished")
    changed = await client.get(f"{API}/articles", headers={"If-None-Match": etag})
    assert changed.status == 200


async def test_browsers_may_read_from_any_site(client, news):
    response = await client.get(f"{API}/articles", headers={"Origin": "https://xa.vn"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = await client.options(f"{API}/articles", headers={
        "Origin": "https://xa.vn", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status == 204
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    error = await client.get(f"{API}/articles?limit=x")
    assert error.headers["Access-Control-Allow-Origin"] == "*"
    # Writes are for servers: no CORS for the inbound API.
    inbound = await client.get(f"{API}/inbound/me")
    assert "Access-Control-Allow-Origin" not in inbound.headers


async def test_sections_and_tags(client, news):
    sections = await get_json(client, f"{API}/sections")
    assert [s["key"] for s in sections["items"]] == ["tin-tuc", "thong-bao"]
    assert sections["items"][0]["counts"] == {"vi": 3, "en": 1, "km": 1}
    assert sections["items"][0]["names"]["km"] == "ព័ត៌មាន"
    await get_json(client, f"{API}/sections/nowhere", 404)
    tags = await walk(client, f"{API}/tags?limit=1")
    assert [(t["lang"], t["slug"], t["count"]) for t in tags] == [
        ("vi", "dat-dai", 1), ("vi", "nong-nghiep", 1)]
    assert tags[1]["url"] == f"{BASE}/vi/tags/nong-nghiep"
    assert (await get_json(client, f"{API}/tags?lang=en"))["items"] == []


async def test_unknown_addresses_are_problems_not_pages(client):
    problem = await get_json(client, f"{API}/nothing-here", 404)
    assert problem["status"] == 404
    await get_json(client, f"{API}/articles/abc", 404)


async def test_a_replaced_document_says_so_in_the_api_as_on_its_page(client):
    def write(db):
        old = save_item(db, ItemInput(
            kind="legal_document", lang="vi", title="Quyết định về giá nước sạch",
            published_at="2026-01-05T08:00",
            document={"number": "01/2026/QĐ-UBND", "status": "in_force"}),
            status="published")
        amended = save_item(db, ItemInput(
            kind="legal_document", lang="vi", title="Quyết định về phí chợ",
            published_at="2026-01-06T08:00",
            document={"number": "02/2026/QĐ-UBND", "status": "in_force"}),
            status="published")
        save_item(db, ItemInput(
            kind="legal_document", lang="vi", title="Quyết định thay thế giá nước sạch",
            published_at="2026-03-01T08:00",
            document={"number": "05/2026/QĐ-UBND", "status": "in_force",
                      "replaces": ["01/2026/QĐ-UBND"], "amends": ["02/2026/QĐ-UBND"]}),
            status="published")
        return old.id, amended.id

    old, amended = await client.app[DB].write(write)
    assert (await get_json(client, f"{API}/documents/{old}"))["legal_status"] == "replaced"
    assert (await get_json(client, f"{API}/documents/{amended}"))["legal_status"] == "amended"
    page = await get_json(client, f"{API}/documents?status=replaced")
    assert [item["id"] for item in page["items"]] == [old]
    page = await get_json(client, f"{API}/documents?status=in_force")
    assert old not in [item["id"] for item in page["items"]]
    assert {item["id"]: item["legal_status"] for item in (
        await get_json(client, f"{API}/documents"))["items"]}[old] == "replaced"
