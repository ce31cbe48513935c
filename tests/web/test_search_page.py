"""The search page's filters and helps: facets that keep the query and the
other filters in the address, sorting by date, "did you mean", numbers that
go straight to their item, and the status of a replaced legal document in
results and on its page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from web_support import get_page, redirect_of, text_of

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction


def facet_links(page, name):
    summaries = page.all(".//details[@class='facet-group']")
    for group in summaries:
        links = [a.get("href") for a in group.findall(".//a")]
        if any(f"{name}=" in link for link in links):
            return links
    return []


async def test_facets_narrow_and_keep_the_query(site, client):
    page = await get_page(client, "/vi/search?q=t%E1%BB%89nh")
    sections = facet_links(page, "section")
    assert len(sections) == 2, "a section facet is offered"
    chosen = parse_qs(urlsplit(sections[0]).query)
    assert chosen["q"] == ["tỉnh"] and chosen["section"] in (["tin-tuc"], ["kinh-te"])
    narrowed = await get_page(client, sections[0])
    links = [a.get("href") for a in narrowed.all(".//ol[@class='results']//h2/a")]
    assert links and all(f"/vi/{chosen['section'][0]}/" in link for link in links)
    # The kind links keep the facet chosen, and it can be cleared.
    kind_links = [a.get("href") for a in narrowed.all(".//nav[@class='facets']//a")]
    assert all("section=" + chosen["section"][0] in link for link in kind_links)
    assert any("section=" not in link for link in facet_links(narrowed, "q"))


async def test_sorting_by_date(site, client):
    page = await get_page(client, "/vi/search?q=tin&sort=date")
    dates = [t.get("datetime") for t in page.all(".//ol[@class='results']//time")]
    assert len(dates) >= 3 and dates == sorted(dates, reverse=True)
    assert page.find(".//p[@class='sort']/strong").text == "mới nhất"


async def test_did_you_mean(site, client):
    page = await get_page(client, "/vi/search?q=khieuu+nai")
    link = page.find(".//p[@class='did-you-mean']/a")
    assert link is not None and text_of(link) == "khiếu nại"
    assert (await get_page(client, link.get("href"))).all(".//ol[@class='results']/li")


@pytest.mark.parametrize("q", ["91/2015/QH13", "91/2015/qh13", "1.000178"])
async def test_a_number_goes_straight_to_its_item(site, client, q):
    target = await redirect_of(client, f"/en/search?q={q}", status=302)
    assert target.startswith(("/en/documents/", "/en/procedures/1.000178"))


async def test_a_replaced_document_says_so(site, client, conn):
    transaction(conn, lambda db: content.save_item(db, ItemInput(
        kind="legal_document", lang="vi", title="Bộ luật Dân sự mới",
        body="Thay thế Bộ luật Dân sự số 91/2015/QH13.", body_is_text=True,
        published_at="2026-11-01",
        document={"number": "99/2026/QH15", "doc_type": "Bộ luật", "issuer": "Quốc hội",
                  "issued_at": "2026-11-01", "status": "in_force",
                  "replaces": ["91/2015/QH13"]}), status="published"))
    page = await get_page(client, "/vi/search?q=b%E1%BB%99+lu%E1%BA%ADt+d%C3%A2n+s%E1%BB%B1")
    old = next(li for li in page.all(".//ol[@class='results']/li")
               if "91/2015/QH13" in text_of(li))
    assert "Đã được thay thế" in text_of(old.find(".//span[@class='status status-replaced']"))
    assert "99/2026/QH15" in text_of(old.find(".//p[@class='note note-status']"))
    document = await get_page(client, site.urls["law"])
    assert "99/2026/QH15" in text_of(document.find(".//p[@class='note note-replaced']"))
    # Only documents in that status, through the facet.
    replaced = await get_page(client, "/vi/search?q=b%E1%BB%99+lu%E1%BA%ADt&status=replaced")
    assert [text_of(li.find(".//h2")) for li in replaced.all(".//ol[@class='results']/li")] \
        == ["Bộ luật Dân sự"]


@pytest.mark.parametrize("query", ["q=x&year=20x4", "q=x&status=gone", "q=x&sort=random",
                                   "q=x&lang=fr"])
async def test_bad_filters_are_refused(site, client, query):
    await get_page(client, f"/vi/search?{query}", status=400)


async def test_suggestions_as_people_type(site, client):
    response = await client.get("/api/v1/search/suggest?q=gi%E1%BA%A3i+quy%E1%BA%BFt+khi")
    assert response.status == 200
    answer = await response.json()
    assert answer["suggestions"][0]["text"] == "Giải quyết khiếu nại lần đầu"
    assert answer["suggestions"][0]["url"] == "/vi/procedures/1.000178"
