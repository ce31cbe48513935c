"""GET /api/v1/search: the documented shape, filters, paging and refusals."""

from __future__ import annotations

import json

import pytest

from appliance.content import KINDS

ANSWER_TYPES = {"query": str, "total": int, "total_exact": bool, "page": int,
                "per_page": int, "items": list, "facets": dict}
ITEM_KEYS = {"kind", "id", "external_id", "title", "url", "snippet", "date", "lang"}


async def search(client, query: str = "", **headers) -> dict:
    response = await client.get(f"/api/v1/search?{query}", headers=headers)
    assert response.status == 200, await response.text()
    assert response.content_type == "application/json"
    assert response.charset == "utf-8"
    return await response.json()


async def problem(client, query: str, **headers) -> dict:
    response = await client.get(f"/api/v1/search?{query}", headers=headers)
    assert response.status == 400
    assert response.content_type == "application/problem+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return json.loads(await response.text())


def check_shape(answer: dict) -> None:
    assert set(answer) == set(ANSWER_TYPES)
    for key, kind in ANSWER_TYPES.items():
        assert type(answer[key]) is kind, key
    assert set(answer["facets"]) >= {"kind"}
    for kind, count in answer["facets"]["kind"].items():
        assert kind in KINDS and type(count) is int and count > 0
    for item in answer["items"]:
        assert set(item) == ITEM_KEYS
        assert item["kind"] in KINDS and item["lang"] in ("vi", "en", "km")
        assert type(item["id"]) is str and item["id"]
        assert item["url"].startswith(f"/{item['lang']}/")
        assert type(item["title"]) is str and type(item["snippet"]) is str
        assert item["external_id"] is None or type(item["external_id"]) is str
        assert item["date"] is None or type(item["date"]) is str


async def test_answer_has_exactly_the_documented_shape(client, news):
    answer = await search(client, "q=lúa")
    check_shape(answer)
    assert answer["query"] == "lúa"
    assert answer["page"] == 1 and answer["per_page"] == 20
    assert answer["total"] == len(answer["items"]) >= 2
    titles = {item["title"] for item in answer["items"]}
    assert news["harvest"].title in titles
    first = next(i for i in answer["items"] if i["title"] == news["harvest"].title)
    assert first["id"] == str(news["harvest"].id)
    assert first["url"] == news["harvest"].url
    assert first["date"] == news["harvest"].published_at


async def test_folded_query_finds_accented_text_with_marked_snippets(client, news):
    answer = await search(client, "q=dang+ky+dat+dai")
    check_shape(answer)
    procedure = next(i for i in answer["items"] if i["kind"] == "procedure")
    assert procedure["title"] == "Đăng ký đất đai lần đầu"
    assert "<mark>đăng ký đất đai</mark>" in procedure["snippet"].lower() or (
        "<mark>đất</mark>" in procedure["snippet"].lower())


async def test_a_document_number_finds_its_document_first(client, news):
    answer = await search(client, "q=31/2024/QH15")
    assert answer["items"][0]["title"] == "Luật Đất đai"
    assert answer["items"][0]["kind"] == "legal_document"


async def test_kind_may_repeat_and_facets_count_every_kind(client, news):
    everything = await search(client, "q=đất+đai")
    kinds = everything["facets"]["kind"]
    assert {"article", "legal_document", "procedure"} <= set(kinds)

    some = await search(client, "q=đất+đai&kind=procedure&kind=legal_document")
    check_shape(some)
    assert {i["kind"] for i in some["items"]} == {"procedure", "legal_document"}
    assert some["total"] == kinds["procedure"] + kinds["legal_document"]
    assert some["facets"]["kind"] == kinds


async def test_lang_keeps_results_in_one_language(client, news):
    english = await search(client, "q=rice&lang=en")
    assert english["items"] and {i["lang"] for i in english["items"]} == {"en"}
    nothing = await search(client, "q=rice&lang=km")
    assert nothing["total"] == 0 and nothing["items"] == []


async def test_pages_split_the_results_without_overlap(client, news):
    whole = await search(client, "q=đất+đai&per_page=100")
    assert whole["total"] >= 3
    pages = []
    for number in range(1, whole["total"] + 1):
        answer = await search(client, f"q=đất+đai&per_page=1&page={number}")
        assert answer["page"] == number and answer["per_page"] == 1
        assert answer["total"] == whole["total"]
        pages += [item["id"] for item in answer["items"]]
    assert pages == [item["id"] for item in whole["items"]]
    past = await search(client, f"q=đất+đai&page={whole['total'] + 1}&per_page=1")
    assert past["items"] == [] and past["total"] == whole["total"]


@pytest.mark.parametrize("query", ["", "q=", "q=+++", "kind=article",
                                   "q=&kind=&lang=&page=&per_page="])
async def test_an_empty_query_finds_nothing(client, news, query):
    answer = await search(client, query)
    check_shape(answer)
    assert answer["total"] == 0 and answer["items"] == []


async def test_the_whole_of_the_longest_accepted_query_is_read(client, news):
    from urllib.parse import quote

    spec = await (await client.get("/api/v1/openapi.json")).json()
    [q] = [p for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]
           if p.get("name") == "q"]
    longest = q["schema"]["maxLength"]
    words = " lúa"  # what matters comes last, after pasted punctuation
    pasted = "," * (longest - len(words)) + words
    answer = await search(client, "q=" + quote(pasted))
    assert news["harvest"].title in {item["title"] for item in answer["items"]}


HOSTILE_QUERIES = [
    '"', '""', '"unbalanced', "*", "-", "^", "NEAR(", "AND", "OR OR", "NOT",
    "a AND (b OR", "title:lúa", "{x}", "[", "\\", "%", "'; DROP TABLE item; --",
    "<script>alert(1)</script>", "lúa*", "**lúa", "đất:đai", "1/", "/", "//",
    "x" * 500, "đất " * 120, "ស្រូវ", "\u200b", "\u0301\u0301", "🌾", "NĐ-CP",
    "\x00lúa", "lúa\ufffd", "\ud7ff", "+", "&", "#",
]
# Already percent-encoded: broken UTF-8, a NUL byte, Khmer.
RAW_QUERIES = ["%ff%fe", "%00", "%ed%a0%80", "a%2", "%E1%9E%9F%E1%9F%92"]


async def test_hostile_queries_never_fail(client, news):
    from urllib.parse import quote

    for encoded in [quote(q) for q in HOSTILE_QUERIES] + RAW_QUERIES:
        response = await client.get(f"/api/v1/search?q={encoded}")
        assert response.status == 200, (encoded, await response.text())
        check_shape(await response.json())


@pytest.mark.parametrize("query, name", [
    ("q=x&per_page=101", "per_page"),
    ("q=x&per_page=0", "per_page"),
    ("q=x&per_page=ten", "per_page"),
    ("q=x&page=0", "page"),
    ("q=x&page=-1", "page"),
    ("q=x&page=abc", "page"),
    ("q=x&page=1.5", "page"),
    ("q=x&page=2%0A", "page"),
    ("q=x&page=+2", "page"),
    ("q=x&page=1001", "page"),
    ("q=x&page=1&page=2", "page"),
    ("q=x&kind=news", "kind"),
    ("q=x&kind=dossier", "kind"),
    ("q=x&kind=article&kind=dossier", "kind"),
    ("q=x&lang=fr", "lang"),
    ("q=" + "x" * 501, "q"),
])
async def test_bad_parameters_are_named_in_problem_details(client, query, name):
    body = await problem(client, query)
    assert body["status"] == 400 and body["type"] == "about:blank" and body["title"]
    assert [entry["name"] for entry in body["invalid_params"]] == [name]
    assert name in body["detail"]
    assert body["invalid_params"][0]["reason"] in body["detail"]


async def test_every_bad_parameter_is_reported_at_once(client):
    body = await problem(client, "q=x&kind=dossier&lang=de&page=0&per_page=500")
    names = [entry["name"] for entry in body["invalid_params"]]
    assert names == ["kind", "lang", "page", "per_page"]


async def test_problem_details_speak_the_callers_language(client):
    english = await problem(client, "per_page=500")
    assert english["detail"] == "per_page must be a whole number from 1 to 100."
    vietnamese = await problem(client, "per_page=500", **{"Accept-Language": "vi-VN"})
    assert vietnamese["detail"] == "Tham số per_page phải là số nguyên từ 1 đến 100."
    khmer = await problem(client, "per_page=500", **{"Accept-Language": "km"})
    assert "per_page" in khmer["detail"] and "ចំនួនគត់" in khmer["detail"]
    # ... so a shared cache keeps one answer per language.
    response = await client.get("/api/v1/search?per_page=500")
    vary = {v.strip() for v in response.headers.getall("Vary", [""])[0].split(",")}
    assert "Accept-Language" in vary, response.headers.getall("Vary", [])


async def test_answers_may_be_read_by_any_site_and_cached_briefly(client, news):
    response = await client.get("/api/v1/search?q=lúa")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    again = await client.get("/api/v1/search?q=lúa",
                             headers={"If-None-Match": response.headers["ETag"]})
    assert again.status == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"


async def test_drafts_are_never_found(client, news):
    answer = await search(client, "q=Bản+nháp+chưa+đăng")
    assert news["draft"].title not in {item["title"] for item in answer["items"]}


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v2/search", "/api/"])
async def test_unknown_api_addresses_are_problem_details(client, path):
    response = await client.get(path)
    assert response.status == 404
    assert response.content_type == "application/problem+json"
    body = json.loads(await response.text())
    assert body["status"] == 404


async def test_search_accepts_only_reads(client):
    response = await client.post("/api/v1/search?q=x")
    assert response.status == 405
    assert response.content_type == "application/problem+json"
    assert "GET" in response.headers["Allow"]
