"""Open data: a DCAT catalogue that RDF tools read (rdflib parses the
JSON-LD), whose every download exists and holds every published item."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urldefrag

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from appliance.app import DB
from appliance.content import ItemInput, save_item
from appliance.db import transaction

BASE = "http://localhost:8080"
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
COUNTS = {"articles": 7, "documents": 2, "procedures": 1, "services": 0}
# rdflib's own JSON-LD parser still builds the graph type it deprecates.
pytestmark = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture
async def graph(client, news) -> Graph:
    response = await client.get("/api/v1/datasets")
    assert response.status == 200
    assert response.content_type == "application/ld+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    parsed = Graph()
    parsed.parse(data=await response.text(), format="json-ld")
    return parsed


def local(url) -> str:
    return str(url).removeprefix(BASE)


async def test_the_catalogue_is_dcat(graph, config):
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    datasets = set(graph.objects(catalog, DCAT.dataset))
    assert {str(graph.value(d, DCTERMS.identifier)) for d in datasets} == set(COUNTS)
    assert graph.value(catalog, DCTERMS.license) == URIRef(config["opendata.licence"])
    titles = {t.language: str(t) for t in graph.objects(catalog, DCTERMS.title)}
    assert titles["vi"] == "Cổng thông tin điện tử tỉnh An Giang"
    for dataset in datasets:
        assert (dataset, RDF.type, DCAT.Dataset) in graph
        assert {t.language for t in graph.objects(dataset, DCTERMS.title)} == {
            "vi", "en", "km"}
        assert graph.value(dataset, DCTERMS.publisher) is not None
        point = graph.value(dataset, DCAT.contactPoint)
        assert str(graph.value(point, VCARD.fn)) == "Ủy ban nhân dân tỉnh An Giang"
        distributions = set(graph.objects(dataset, DCAT.distribution))
        assert {str(graph.value(d, DCAT.mediaType)).rsplit("/", 1)[1]
                for d in distributions} == {"csv", "json"}
        for distribution in distributions:
            assert graph.value(distribution, DCTERMS.license) == URIRef(
                config["opendata.licence"])
            assert graph.value(distribution, DCAT.downloadURL) is not None


async def test_every_download_holds_every_published_item(client, graph, news):
    for distribution in graph.subjects(RDF.type, DCAT.Distribution):
        url = local(graph.value(distribution, DCAT.downloadURL))
        name, flavour = url.rsplit("/", 1)[1].split(".")
        response = await client.get(url)
        assert response.status == 200, url
        raw = await response.read()
        if flavour == "csv":
            assert response.content_type == "text/csv"
            assert raw.startswith(b"\xef\xbb\xbf")
            rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        else:
            assert response.content_type == "application/json"
            rows = json.loads(raw)
        assert len(rows) == COUNTS[name], url
        api = await (await client.get(f"/api/v1/{name}?limit=100")).json()
        assert sorted(int(row["id"]) for row in rows) == sorted(
            item["id"] for item in api["items"])


async def test_rows_hold_the_metadata_and_no_drafts(client, news):
    raw = await (await client.get("/api/v1/datasets/articles.csv")).read()
    rows = {row["title"]: row for row in
            csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    harvest = rows[news["harvest"].title]
    assert harvest["tags"] in ("Nông nghiệp; Đất đai", "Đất đai; Nông nghiệp")
    assert harvest["byline"] == "Minh Anh"
    assert harvest["url"] == BASE + news["harvest"].url
    assert harvest["image_url"] == f"{BASE}/media/test/lead.jpg"
    assert news["draft"].title not in rows
    documents = json.loads(await (await client.get(
        "/api/v1/datasets/documents.json")).read())
    law = [row for row in documents if row["number"] == "31/2024/QH15"][0]
    assert law["doc_type"] == "Luật" and law["issuer"] == "Quốc hội"


async def test_downloads_revalidate_and_change_with_the_content(client, news):
    first = await client.get("/api/v1/datasets/procedures.json")
    etag = first.headers["ETag"]
    same = await client.get("/api/v1/datasets/procedures.json",
                            headers={"If-None-Match": etag})
    assert same.status == 304
    await client.app[DB].write(save_item, ItemInput(
        kind="procedure", lang="vi", title="Cấp phép xây dựng",
        procedure={"code": "1.009999"}), status="published")
    changed = await client.get("/api/v1/datasets/procedures.json",
                               headers={"If-None-Match": etag})
    assert changed.status == 200
    assert len(json.loads(await changed.read())) == 2


async def test_a_large_dataset_comes_in_pieces_without_losing_a_row(client, conn):
    from appliance.db import transaction
    from appliance.content import save_section

    transaction(conn, save_section, "tin-tuc", {"vi": "Tin tức"})

    def many(db):
        for number in range(1203):
            save_item(db, ItemInput(kind="article", lang="vi", section_key="tin-tuc",
                                    title=f"Tin số {number}"), status="published")

    transaction(conn, many)
    rows = json.loads(await (await client.get("/api/v1/datasets/articles.json")).read())
    assert len(rows) == 1203 == len({row["id"] for row in rows})


async def test_each_dataset_id_is_a_fragment_of_the_catalogue_address(client, graph):
    raw = await (await client.get("/api/v1/datasets")).text()
    assert "%23" not in raw
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    assert str(catalog) == f"{BASE}/api/v1/datasets"
    for dataset in graph.objects(catalog, DCAT.dataset):
        name = str(graph.value(dataset, DCTERMS.identifier))
        assert str(dataset) == f"{BASE}/api/v1/datasets#{name}"
        # The id resolves: its document is the catalogue that describes it.
        document, fragment = urldefrag(str(dataset))
        assert fragment == name
        response = await client.get(local(document))
        assert response.status == 200
        again = Graph()
        again.parse(data=await response.text(), format="json-ld")
        assert (dataset, RDF.type, DCAT.Dataset) in again


HOSTILE = {"title": '=HYPERLINK("http://evil.example/steal","Bấm vào đây")',
           "summary": "+cmd|' /C calc'!A0", "tags": "@SUM(1)"}


async def test_csv_downloads_keep_formula_like_text_as_text(client, conn):
    from appliance.content import save_section

    transaction(conn, save_section, "tin-tuc", {"vi": "Tin tức"})
    transaction(conn, lambda db: save_item(db, ItemInput(
        kind="article", lang="vi", section_key="tin-tuc", title=HOSTILE["title"],
        summary=HOSTILE["summary"], tags=[HOSTILE["tags"]], byline="-Minh Anh"),
        status="published"))

    raw = await (await client.get("/api/v1/datasets/articles.csv")).read()
    (row,) = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    for column, text in HOSTILE.items():
        assert row[column] == "'" + text  # quoted, the text kept after the quote
    assert row["byline"] == "'-Minh Anh"
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for value in row.values())
    assert row["id"].isdigit()  # numbers stay numbers
    # JSON is not a spreadsheet: it keeps the text as it is.
    (item,) = json.loads(await (await client.get("/api/v1/datasets/articles.json")).read())
    assert item["title"] == HOSTILE["title"] and item["tags"] == [HOSTILE["tags"]]
