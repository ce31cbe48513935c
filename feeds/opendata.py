"""Open data: the public datasets as CSV and JSON downloads, and a DCAT
catalogue (DCAT-AP style, JSON-LD) that an open data portal can harvest.

    GET /api/v1/datasets                 the catalogue (application/ld+json)
    GET /api/v1/datasets/{name}.csv      articles, documents, procedures, services
    GET /api/v1/datasets/{name}.json

The datasets hold what the public site shows, metadata only (no article
bodies): one row per published item. Downloads are written while they are
read, a few hundred rows at a time, so even the whole archive of news never
sits in memory. CSV files are UTF-8 with a byte-order mark, which
spreadsheet programs need to show Vietnamese and Khmer correctly, and text
that a spreadsheet would read as a formula is quoted (appliance.spreadsheet).
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from appliance import content
from appliance.app import CONFIG, DB
from appliance.cache import cached, etag_matches
from appliance.content import Item, PublicQuery
from appliance.i18n import N_, lazy_gettext_for
from appliance.spreadsheet import csv_cell

from .api import json_response
from .links import absolute_url

PREFIX = "/api/v1/datasets"
CHUNK = 200
JSONLD_TYPE = "application/ld+json"
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json"}
IANA = "http://www.iana.org/assignments/media-types/"
# The EU's language authority, which DCAT-AP catalogues use for dct:language.
LANGUAGE_URIS = {"vi": "VIE", "en": "ENG", "km": "KHM"}


def _joined(values: list[str]) -> str:
    return "; ".join(values)


@dataclass(frozen=True)
class Dataset:
    name: str
    kinds: tuple[str, ...]
    title: str  # message ids
    description: str
    keywords: tuple[str, ...]
    landing: str  # the public page, under /{lang}/
    columns: tuple[str, ...]


DATASETS = {
    "articles": Dataset(
        "articles", content.NEWS_KINDS, N_("News articles"),
        N_("Metadata of the news articles and public disclosures published on the "
           "portal: title, summary, section, tags, author, dates and address."),
        ("news", "press"), "",
        ("id", "kind", "lang", "title", "summary", "section", "tags", "byline",
         "published_at", "updated_at", "url", "image_url", "external_id")),
    "documents": Dataset(
        "documents", content.DOCUMENT_KINDS, N_("Legal and directive documents"),
        N_("Directive and legal documents published on the portal: number, type, "
           "issuing body, signer, dates, legal status and address."),
        ("legal documents", "directives"), "documents/",
        ("id", "kind", "lang", "number", "doc_type", "title", "summary", "issuer",
         "signer", "issued_at", "effective_at", "legal_status", "year",
         "published_at", "updated_at", "url", "attachments")),
    "procedures": Dataset(
        "procedures", ("procedure",), N_("Administrative procedures"),
        N_("Administrative procedures for citizens and businesses: code, agency, "
           "field, level, steps and legal basis."),
        ("administrative procedures",), "procedures/",
        ("id", "lang", "code", "title", "agency", "authority", "field", "level",
         "applicants", "steps", "legal_basis", "published_at", "updated_at", "url")),
    "services": Dataset(
        "services", ("public_service",), N_("Online public services"),
        N_("Online public services: the procedure each serves, how much of it is "
           "online, and where to use it."),
        ("online public services",), "services/",
        ("id", "lang", "title", "procedure_code", "service_level", "link",
         "published_at", "updated_at", "url")),
}


# -- rows ---------------------------------------------------------------------

def row_of(base_url: str, item: Item) -> dict[str, Any]:
    """One item as a dataset row, lists kept as lists (the CSV joins them)."""
    url = absolute_url(base_url, item.url)
    common = {"id": item.id, "kind": item.kind, "lang": item.lang, "title": item.title,
              "summary": item.summary, "published_at": item.published_at,
              "updated_at": item.updated_at, "url": url}
    if item.kind in content.NEWS_KINDS:
        image = item.lead_image
        return common | {
            "section": item.section_key, "tags": [tag.name for tag in item.tags],
            "byline": item.byline, "external_id": item.external_id,
            "image_url": absolute_url(base_url, image.url) if image else None}
    if item.kind in content.DOCUMENT_KINDS:
        document = item.document or {}
        files = item.extra.get("attachments") if isinstance(item.extra, dict) else None
        return common | {
            name: document.get(name) for name in (
                "number", "doc_type", "issuer", "signer", "issued_at", "effective_at",
                "legal_status", "year")} | {
            "attachments": [absolute_url(base_url, f["url"]) for f in files or []
                            if isinstance(f, dict) and isinstance(f.get("url"), str)]}
    if item.kind == "procedure":
        procedure = item.procedure or {}
        return common | {name: procedure.get(name) for name in (
            "code", "agency", "authority", "field", "level", "applicants", "steps",
            "legal_basis")}
    extra = item.extra if isinstance(item.extra, dict) else {}
    return common | {name: extra.get(name) for name in (
        "procedure_code", "service_level", "link")}


def read_chunk(conn: sqlite3.Connection, kinds: tuple[str, ...],
               after: tuple[str, int] | None) -> list[Item]:
    return content.list_public(conn, PublicQuery(kinds=kinds, order="updated",
                                                 after=after, limit=CHUNK))


# -- downloads ----------------------------------------------------------------

BOOT = web.AppKey("opendata_boot", str)


def _etag(request: web.Request, name: str, flavour: str) -> str:
    # Any write moves the generation on; the boot id tells one run of the
    # server from the next, whose generations start again from 0.
    return f'W/"{request.app[BOOT]}-{request.app[DB].generation}-{name}-{flavour}"'


async def download(request: web.Request) -> web.StreamResponse:
    file = request.match_info.route.resource.canonical.rsplit("/", 1)[1]
    name, _dot, flavour = file.partition(".")
    dataset = DATASETS[name]
    config = request.app[CONFIG]
    etag = _etag(request, name, flavour)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={config['cache.max_age']}",
               "Content-Disposition": f'attachment; filename="{name}.{flavour}"'}
    if etag_matches(request.headers.get("If-None-Match"), etag):
        return web.Response(status=304, headers=headers)
    response = web.StreamResponse(headers=headers)
    response.content_type = MEDIA_TYPES[flavour]
    response.charset = "utf-8"
    response.enable_compression()
    await response.prepare(request)
    write = _csv_writer(dataset) if flavour == "csv" else _json_writer()
    await response.write(write(None, True))
    after = None
    first = True
    while True:
        items = await request.app[DB].read(read_chunk, dataset.kinds, after)
        for item in items:
            await response.write(write(row_of(config.base_url, item), first))
            first = False
        if len(items) < CHUNK:
            break
        after = (items[-1].updated_at, items[-1].id)
    await response.write(write(None, False))
    await response.write_eof()
    return response


def _csv_writer(dataset: Dataset) -> Callable[[dict | None, bool], bytes]:
    def write(row: dict | None, first: bool) -> bytes:
        buffer = io.StringIO()
        out = csv.writer(buffer)
        if row is None:
            if not first:
                return b""
            out.writerow(dataset.columns)
            return ("\ufeff" + buffer.getvalue()).encode("utf-8")
        out.writerow([_cell(row.get(column)) for column in dataset.columns])
        return buffer.getvalue().encode("utf-8")

    return write


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        value = _joined([str(v) for v in value])
    # Titles, summaries and tags are people's text: never a formula.
    return csv_cell(value)


def _json_writer() -> Callable[[dict | None, bool], bytes]:
    state = {"opened": False}

    def write(row: dict | None, first: bool) -> bytes:
        if row is None:
            if not state["opened"]:
                state["opened"] = True
                return b"["
            return b"]\n"
        text = json.dumps(row, ensure_ascii=False)
        return (text if first else "," + text).encode("utf-8")

    return write


# -- the catalogue ------------------------------------------------------------

def _texts(languages: list[str], message: str, **values: str) -> list[dict[str, str]]:
    return [{"@value": lazy_gettext_for(lang, message, **values), "@language": lang}
            for lang in languages]


def read_stats(conn: sqlite3.Connection) -> dict[str, tuple[int, str | None]]:
    return {name: content.public_stats(conn, dataset.kinds)
            for name, dataset in DATASETS.items()}


def catalogue(base_url: str, languages: list[str], owner: str, email: str,
              licence: str, site_names: dict[str, str],
              stats: dict[str, tuple[int, str | None]]) -> dict[str, Any]:
    """The DCAT catalogue of the datasets, as JSON-LD."""
    home = absolute_url(base_url, "/")
    publisher = {"@id": home + "#publisher", "@type": "foaf:Agent", "foaf:name": owner}
    contact: dict[str, Any] = {"@type": "vcard:Organization", "vcard:fn": owner}
    if email:
        contact["vcard:hasEmail"] = {"@id": f"mailto:{email}"}
    datasets = []
    for name, dataset in DATASETS.items():
        count, modified = stats[name]
        # The dataset's id is a fragment of the catalogue's address
        # (absolute_url would encode the "#").
        own = absolute_url(base_url, PREFIX) + f"#{name}"
        entry: dict[str, Any] = {
            "@id": own, "@type": "dcat:Dataset", "dct:identifier": name,
            "dct:title": _texts(languages, dataset.title),
            "dct:description": _texts(languages, dataset.description),
            "dcat:keyword": list(dataset.keywords), "dct:publisher": publisher,
            "dcat:contactPoint": contact,
            "dct:language": [{"@id": "http://publications.europa.eu/resource/"
                                     f"authority/language/{LANGUAGE_URIS[lang]}"}
                             for lang in languages],
            "dcat:landingPage": {"@id": absolute_url(
                base_url, f"/{languages[0]}/{dataset.landing}")},
            "dct:accrualPeriodicity": {"@id": "http://publications.europa.eu/resource/"
                                              "authority/frequency/CONT"},
            "dcat:distribution": [_distribution(base_url, dataset, flavour, languages,
                                                licence, modified, count)
                                  for flavour in MEDIA_TYPES],
        }
        if modified:
            entry["dct:modified"] = {"@value": modified, "@type": "xsd:dateTime"}
        datasets.append(entry)
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/", "vcard": "http://www.w3.org/2006/vcard/ns#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": absolute_url(base_url, PREFIX), "@type": "dcat:Catalog",
        "dct:title": [{"@value": site_names[lang], "@language": lang}
                      for lang in languages],
        "dct:description": _texts(languages, N_(
            "Open data of %(owner)s: the news, documents, administrative procedures "
            "and online public services published on the portal."), owner=owner),
        "dct:publisher": publisher, "foaf:homepage": {"@id": home},
        "dct:license": {"@id": licence},
        "dcat:dataset": datasets,
    }


def _distribution(base_url: str, dataset: Dataset, flavour: str, languages: list[str],
                  licence: str, modified: str | None, count: int) -> dict[str, Any]:
    url = absolute_url(base_url, f"{PREFIX}/{dataset.name}.{flavour}")
    entry: dict[str, Any] = {
        "@id": url, "@type": "dcat:Distribution",
        "dct:title": _texts(languages, N_("%(dataset)s (%(format)s)"),
                            dataset=dataset.name, format=flavour.upper()),
        "dcat:accessURL": {"@id": url}, "dcat:downloadURL": {"@id": url},
        "dcat:mediaType": {"@id": IANA + MEDIA_TYPES[flavour]},
        "dct:format": flavour.upper(), "dct:license": {"@id": licence},
        "dct:description": _texts(languages, N_("%(n)s records."), n=str(count)),
    }
    if modified:
        entry["dct:modified"] = {"@value": modified, "@type": "xsd:dateTime"}
    return entry


@cached
async def catalogue_page(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    stats = await request.app[DB].read(read_stats)
    languages = config.languages
    body = catalogue(config.base_url, languages, config.site_owner(languages[0]),
                     config["site.email"], config["opendata.licence"],
                     {lang: config.site_name(lang) for lang in languages}, stats)
    response = json_response(body)
    response.content_type = JSONLD_TYPE
    return response


def setup_opendata(app: web.Application) -> None:
    app[BOOT] = secrets.token_hex(4)
    app.router.add_get(PREFIX, catalogue_page, name="feeds.datasets")
    for name in DATASETS:
        for flavour in MEDIA_TYPES:
            app.router.add_get(f"{PREFIX}/{name}.{flavour}", download,
                               name=f"feeds.dataset_{name}_{flavour}")


def describe(config) -> dict[str, Any]:
    """The open data addresses in OpenAPI 3.1 (merged by feeds.openapi)."""
    common = {"429": {"$ref": "#/components/responses/ApiTooManyRequests"}}
    paths: dict[str, Any] = {PREFIX: {"get": {
        "operationId": "getDatasetCatalogue", "tags": ["open data"],
        "summary": "The DCAT catalogue of the open datasets, for open data portals.",
        "responses": {"200": {"description": "A dcat:Catalog in JSON-LD.", "content": {
            JSONLD_TYPE: {"schema": {"type": "object", "required": ["@context", "@type",
                                                                     "dcat:dataset"]}}}}}
        | common}}}
    for name, dataset in DATASETS.items():
        for flavour, mime in MEDIA_TYPES.items():
            schema = ({"type": "string"} if flavour == "csv" else
                      {"type": "array", "items": {"type": "object"}})
            paths[f"{PREFIX}/{name}.{flavour}"] = {"get": {
                "operationId": f"download{name.title()}{flavour.title()}",
                "tags": ["open data"],
                "summary": f"Every published item of the {name} dataset, as "
                           f"{flavour.upper()}.",
                "description": "Columns: " + ", ".join(dataset.columns) + ".",
                "responses": {"200": {"description": "The dataset.",
                                      "content": {mime: {"schema": schema}}},
                              "304": {"description": "Not modified."}} | common}}
    return {"tags": [{"name": "open data", "description": (
        "The public datasets as CSV and JSON, described in a DCAT catalogue.")}],
        "paths": paths}
