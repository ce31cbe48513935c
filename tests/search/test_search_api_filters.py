"""GET /api/v1/search with the optional filters and order: facet values,
sort, problem details naming a bad one; the answer keeps its shape."""

from __future__ import annotations

import pytest

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction
from feeds.api import ANSWER_KEYS, ITEM_KEYS


@pytest.fixture
def documents(conn):
    def save(db):
        for n, (issuer, year, status) in enumerate([
                ("Sở Tư pháp", 2024, "in_force"), ("Sở Tư pháp", 2023, "expired"),
                ("Bộ Tài chính", 2024, "in_force")]):
            content.save_item(db, ItemInput(
                kind="legal_document", lang="vi", title=f"Quyết định về hộ tịch số {n}",
                published_at=f"{year}-03-0{n + 1}",
                document={"number": f"{n + 1}/{year}/QĐ-UBND", "issuer": issuer,
                          "doc_type": "Quyết định", "issued_at": f"{year}-03-0{n + 1}",
                          "status": status}), status="published")

    transaction(conn, save)


async def answer(client, query, status=200):
    response = await client.get("/api/v1/search?" + query)
    assert response.status == status, await response.text()
    return await response.json()


async def test_filters_and_facets(documents, client):
    every = await answer(client, "q=h%E1%BB%99+t%E1%BB%8Bch")
    assert set(every) == set(ANSWER_KEYS)
    assert all(set(item) == set(ITEM_KEYS) for item in every["items"])
    assert every["facets"]["issuer"] == {"Sở Tư pháp": 2, "Bộ Tài chính": 1}
    assert every["facets"]["status"] == {"in_force": 2, "expired": 1}
    narrowed = await answer(client, "q=h%E1%BB%99+t%E1%BB%8Bch&issuer=S%E1%BB%9F+T%C6%B0"
                                    "+ph%C3%A1p&year=2024")
    assert [i["title"] for i in narrowed["items"]] == ["Quyết định về hộ tịch số 0"]
    either = await answer(client, "q=h%E1%BB%99+t%E1%BB%8Bch&year=2023&year=2024"
                                  "&status=in_force")
    assert narrowed["total"] == 1 and either["total"] == 2
    newest = await answer(client, "q=h%E1%BB%99+t%E1%BB%8Bch&sort=date")
    assert [i["date"][:4] for i in newest["items"]] == ["2024", "2024", "2023"]


@pytest.mark.parametrize("query, name", [
    ("q=x&year=24", "year"), ("q=x&status=valid", "status"), ("q=x&sort=best", "sort"),
    ("q=x&sort=date&sort=relevance", "sort"), ("q=x&issuer=" + "a" * 201, "issuer"),
])
async def test_bad_filters_are_problem_details(client, query, name):
    problem = await answer(client, query, status=400)
    assert [p["name"] for p in problem["invalid_params"]] == [name]
