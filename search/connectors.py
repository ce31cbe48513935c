"""Connectors: read one outside source into records of the import format.

Each kind of source has its reader:

- rss: RSS or Atom feeds, parsed by feedparser. A feed shows only its
  latest entries, so an entry is taken as removed only when it is missing
  from a feed that still reaches back to its date.
- json: a JSON API read through the administrator's field mapping
  (search.mapping), following next-page links and asking only for what
  changed since the last sync when the API offers that.
- csv and xlsx: a table whose first row names the columns (openpyxl reads
  spreadsheets); the whole table is the source, so a row that is gone was
  removed.
- sitemap: a site without a feed, read through its sitemap: each page that
  is new or changed (by its lastmod) is fetched and its main text extracted
  by trafilatura.

A reader fetches and parses everything first and returns a `Fetched`; only
then does search.sync write, so a source that fails halfway changes nothing.
A malformed document (broken XML or JSON, a table without a header) fails
the whole sync with a reason; a single bad record is skipped and reported.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import re
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit, parse_qsl

import aiohttp

from appliance.text import html_to_text, is_web_address

from .fetch import Answer, FetchError, Limits, decode, fetch
from .mapping import Mapping, apply, is_deleted, iter_rows, parse_mapping, records_in

MAX_RECORDS = 200_000
MAX_JSON_PAGES = 50
MAX_CHILD_SITEMAPS = 20
SITEMAP_PAGES_PER_SYNC = 200
SITEMAP_CONCURRENCY = 4
SUMMARY_CHARS = 600
MAX_BODY_CHARS = 200_000


@dataclass
class Record:
    """One record of a source: its id there, the import-format fields, its
    address at the source, and the sitemap's lastmod for pages."""

    record_id: str
    data: dict[str, Any]
    origin: str | None = None
    stamp: str | None = None
    deleted: bool = False


@dataclass
class Fetched:
    records: list[Record] = field(default_factory=list)
    # Record ids the source still holds but that were not read again
    # (unchanged sitemap pages): kept, not removed.
    kept: set[str] = field(default_factory=set)
    # True when the records are everything the source holds: whatever else
    # this source gave before was removed there.
    complete: bool = True
    # rss: only records dated on or after this are taken as removed when missing.
    window_start: str | None = None
    unchanged: bool = False
    etag: str | None = None
    last_modified: str | None = None
    cursor: str | None = None
    rejected: list[tuple[str, str]] = field(default_factory=list)
    requests: int = 0


@dataclass
class SourceSpec:
    """What a reader needs to know about its source."""

    id: int
    kind: str
    url: str
    item_kind: str
    lang: str
    section_key: str | None
    mapping: str
    etag: str | None = None
    last_modified: str | None = None
    cursor: str | None = None
    name: str = ""
    # Sitemap: the lastmod stored for each page already read.
    stamps: dict[str, str | None] = field(default_factory=dict)


async def read_source(session: aiohttp.ClientSession, spec: SourceSpec,
                      limits: Limits) -> Fetched:
    reader = {"rss": read_rss, "json": read_json, "csv": read_table,
              "xlsx": read_table, "sitemap": read_sitemap}[spec.kind]
    return await reader(session, spec, limits)


def _defaults(spec: SourceSpec, data: dict[str, Any]) -> dict[str, Any]:
    """A record's kind, language and section from the source when it does
    not say."""
    data.setdefault("kind", spec.item_kind)
    data.setdefault("lang", spec.lang)
    if spec.section_key and data.get("kind") in ("article", "disclosure"):
        data.setdefault("section", spec.section_key)
    if spec.name:
        data.setdefault("attribution", spec.name)
    for name in ("source_url", "link"):
        if name in data and not is_web_address(data[name]):
            del data[name]  # only http and https addresses are handed on
    return data


def _record_id(data: dict[str, Any], *fallbacks: Any) -> str | None:
    for value in (data.get("external_id"), *fallbacks):
        if value not in (None, ""):
            return str(value).strip()[:500]
    return None


def _with_validators(fetched: Fetched, answer: Answer) -> Fetched:
    fetched.etag = answer.headers.get("ETag")
    fetched.last_modified = answer.headers.get("Last-Modified")
    return fetched


# -- RSS and Atom ---------------------------------------------------------------

_XML_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?)\s+encoding=[\"'][\w.:-]+[\"']")


async def read_rss(session, spec: SourceSpec, limits: Limits) -> Fetched:
    import feedparser

    answer = await fetch(session, spec.url, limits, etag=spec.etag,
                         last_modified=spec.last_modified,
                         accept="application/rss+xml, application/atom+xml, "
                                "application/xml;q=0.9, */*;q=0.5")
    if answer.unchanged:
        return Fetched(unchanged=True, requests=1)
    mapping = parse_mapping(spec.mapping)
    text = decode(answer.body, answer.charset, mapping.encoding)
    # Decoded here (feedparser would guess windows-1252 for an undeclared
    # legacy encoding); it gets UTF-8 and a declaration that says so.
    text = _XML_ENCODING.sub(r"\1", text, count=1)
    parsed = feedparser.parse(text.encode("utf-8"),
                              response_headers={"content-type": "application/xml; charset=utf-8",
                                                "content-location": answer.url})
    if parsed.get("bozo") and not isinstance(
            parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride):
        raise FetchError("bad_xml", line=_line_of(parsed.get("bozo_exception")))
    if not parsed.get("version") and not parsed.entries:
        raise FetchError("not_a_feed")
    fetched = _with_validators(Fetched(requests=1), answer)
    feed_title = html_to_text(parsed.feed.get("title", ""))
    dates = []
    for number, entry in enumerate(parsed.entries, start=1):
        record = _feed_record(spec, entry, feed_title, answer.url)
        if record is None:
            fetched.rejected.append((f"#{number}", "no_title"))
            continue
        fetched.records.append(record)
        if record.stamp:
            dates.append(record.stamp)
    # Entries older than the feed's oldest are out of its window, not gone.
    fetched.window_start = min(dates) if dates else None
    fetched.complete = False
    return fetched


def _line_of(exc: object) -> int | None:
    getter = getattr(exc, "getLineNumber", None)
    try:
        return int(getter()) if getter else None
    except Exception:  # feedparser's exceptions vary by parser
        return None


def _feed_record(spec: SourceSpec, entry: Any, feed_title: str,
                 base: str) -> Record | None:
    title = html_to_text(entry.get("title", ""))
    if not title.strip():
        return None
    link = entry.get("link")
    link = urljoin(base, link) if link else None
    if not is_web_address(link):
        link = None  # javascript:, data: and the like are never handed on
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    published = time.strftime("%Y-%m-%dT%H:%M:%SZ", moment) if moment else None
    summary = html_to_text(entry.get("summary", ""))
    contents = entry.get("content") or []
    body = html_to_text(contents[0].get("value", "")) if contents else summary
    data = _defaults(spec, {
        "title": title,
        "summary": summary[:SUMMARY_CHARS],
        "body": body[:MAX_BODY_CHARS],
        "published_at": published,
        "source_url": link,
        "tags": [t.get("term") for t in entry.get("tags") or [] if t.get("term")],
    })
    if feed_title:
        data.setdefault("attribution", feed_title)
    record_id = _record_id({}, entry.get("id"), link, _digest(title, published))
    data["external_id"] = record_id
    return Record(record_id, {k: v for k, v in data.items() if v not in (None, "", [])},
                  origin=link, stamp=published)


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:24]


# -- JSON -----------------------------------------------------------------------

async def read_json(session, spec: SourceSpec, limits: Limits) -> Fetched:
    mapping = parse_mapping(spec.mapping)
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = spec.url
    if mapping.since and spec.cursor:
        url = _with_param(url, mapping.since, spec.cursor)
    fetched = Fetched(complete=not (mapping.since and spec.cursor))
    seen_pages = set()
    for page in range(MAX_JSON_PAGES):
        first = page == 0
        answer = await fetch(session, url, limits, accept="application/json",
                             etag=spec.etag if first else None,
                             last_modified=spec.last_modified if first else None)
        fetched.requests += 1
        if answer.unchanged:
            return Fetched(unchanged=True, requests=fetched.requests)
        if first:
            _with_validators(fetched, answer)
        try:
            document = json.loads(decode(answer.body, answer.charset, mapping.encoding))
        except json.JSONDecodeError as exc:
            raise FetchError("bad_json", line=exc.lineno) from None
        try:
            rows = records_in(document, mapping)
        except ValueError:
            raise FetchError("no_records", path=mapping.items or "") from None
        for number, row in enumerate(rows, start=1):
            _json_record(spec, mapping, row, f"{page + 1}:{number}", fetched)
        if len(fetched.records) > MAX_RECORDS:
            raise FetchError("too_many", n=MAX_RECORDS)
        seen_pages.add(url)
        following = _next_page(document, mapping, answer.url)
        if not following or following in seen_pages:
            break
        url = following
    else:
        raise FetchError("too_many_pages", n=MAX_JSON_PAGES)
    if mapping.since:
        fetched.cursor = started
    return fetched


def _json_record(spec: SourceSpec, mapping: Mapping, row: Any, where: str,
                 fetched: Fetched) -> None:
    data = apply(row, mapping)
    record_id = _record_id(data)
    if record_id is None:
        fetched.rejected.append((where, "no_id"))
        return
    data["external_id"] = record_id
    if is_deleted(row, mapping):
        fetched.records.append(Record(record_id, {}, deleted=True))
        return
    _defaults(spec, data)
    fetched.records.append(Record(record_id, data, origin=data.get("source_url")))


def _with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _next_page(document: Any, mapping: Mapping, base: str) -> str | None:
    if not mapping.next:
        return None
    from .mapping import dig

    value = dig(document, mapping.next)
    return urljoin(base, value) if isinstance(value, str) and value.strip() else None


# -- CSV and XLSX ---------------------------------------------------------------

async def read_table(session, spec: SourceSpec, limits: Limits) -> Fetched:
    mapping = parse_mapping(spec.mapping)
    answer = await fetch(session, spec.url, limits, etag=spec.etag,
                         last_modified=spec.last_modified)
    if answer.unchanged:
        return Fetched(unchanged=True, requests=1)
    rows = _xlsx_rows(answer.body) if spec.kind == "xlsx" else \
        _csv_rows(decode(answer.body, answer.charset, mapping.encoding))
    fetched = _with_validators(Fetched(requests=1), answer)
    for number, row in enumerate(rows, start=2):
        data = apply(row, mapping)
        record_id = _record_id(data)
        if record_id is None:
            fetched.rejected.append((f"{number}", "no_id"))
            continue
        data["external_id"] = record_id
        if is_deleted(row, mapping):
            continue  # a table that still lists a removed row: it is gone
        _defaults(spec, data)
        fetched.records.append(Record(record_id, data, origin=data.get("source_url")))
        if len(fetched.records) > MAX_RECORDS:
            raise FetchError("too_many", n=MAX_RECORDS)
    return fetched


def _csv_rows(text: str):
    # The delimiter is the one the header row uses most; quoting is the
    # standard one (csv.Sniffer guesses it wrong on long quoted fields).
    header_line = text.split("\n", 1)[0]
    delimiter = max(",;\t|", key=header_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise FetchError("no_header") from None
    if not any(h.strip() for h in header):
        raise FetchError("no_header")
    try:
        return list(iter_rows(header, reader))
    except csv.Error as exc:
        raise FetchError("bad_csv", line=reader.line_num, error=str(exc)) from None


def _xlsx_rows(body: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FetchError("bad_xlsx") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if not header or not any(h not in (None, "") for h in header):
            raise FetchError("no_header")
        return list(iter_rows(list(header), ([_cell(v) for v in r] for r in rows)))
    finally:
        book.close()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# -- sitemaps and their pages -----------------------------------------------------

_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _parse_sitemap(body: bytes) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(page address, lastmod) pairs and child sitemaps of one sitemap file."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise FetchError("bad_xml", line=exc.lineno) from None
    tag = etree.QName(root).localname
    if tag not in ("urlset", "sitemapindex"):
        raise FetchError("not_a_sitemap")
    pages, children = [], []
    for entry in root:
        if not isinstance(entry.tag, str):
            continue
        loc = entry.findtext(f"{_SITEMAP_NS}loc") or entry.findtext("loc")
        if not loc or not loc.strip():
            continue
        lastmod = entry.findtext(f"{_SITEMAP_NS}lastmod") or entry.findtext("lastmod")
        if tag == "sitemapindex":
            children.append(loc.strip())
        else:
            pages.append((loc.strip(), (lastmod or "").strip() or None))
    return pages, children


async def read_sitemap(session, spec: SourceSpec, limits: Limits) -> Fetched:
    answer = await fetch(session, spec.url, limits, accept="application/xml")
    fetched = _with_validators(Fetched(requests=1), answer)
    pages, children = _parse_sitemap(answer.body)
    for child in children[:MAX_CHILD_SITEMAPS]:
        child_answer = await fetch(session, urljoin(answer.url, child), limits,
                                   accept="application/xml")
        fetched.requests += 1
        more, _ = _parse_sitemap(child_answer.body)
        pages += more
    host = urlsplit(answer.url).hostname
    wanted = []
    for loc, lastmod in pages:
        url = urljoin(answer.url, loc)
        if urlsplit(url).hostname != host:
            continue  # a sitemap speaks only for its own site
        known = url in spec.stamps
        if known and spec.stamps[url] == lastmod:
            fetched.kept.add(url)
        elif len(wanted) < SITEMAP_PAGES_PER_SYNC:
            wanted.append((url, lastmod))
        else:
            fetched.kept.add(url)  # read at a later sync
    limit = asyncio.Semaphore(SITEMAP_CONCURRENCY)

    async def one(url: str, lastmod: str | None) -> None:
        async with limit:
            try:
                page = await fetch(session, url, limits, accept="text/html")
            except FetchError as exc:
                fetched.rejected.append((url, exc.code, exc.values))
                if url in spec.stamps:
                    fetched.kept.add(url)
                return
            fetched.requests += 1
            record = await asyncio.to_thread(_page_record, spec, page, lastmod)
            if record is None:
                fetched.rejected.append((url, "no_text"))
            else:
                fetched.records.append(record)

    await asyncio.gather(*(one(url, lastmod) for url, lastmod in wanted))
    fetched.records.sort(key=lambda r: r.record_id)
    return fetched


def _page_record(spec: SourceSpec, page: Answer, lastmod: str | None) -> Record | None:
    import trafilatura

    try:
        html = decode(page.body, page.charset)
    except FetchError:
        return None
    found = trafilatura.bare_extraction(html, url=page.url, with_metadata=True,
                                        include_comments=False, include_tables=True)
    if found is None or not (found.text or "").strip() or not (found.title or "").strip():
        return None
    text = found.text.strip()
    summary = (found.description or "").strip() or text[:SUMMARY_CHARS]
    data = _defaults(spec, {
        "external_id": page.url,
        "title": " ".join(found.title.split()),
        "summary": summary[:SUMMARY_CHARS],
        "body": text[:MAX_BODY_CHARS],
        "published_at": found.date or (lastmod[:10] if lastmod else None),
        "source_url": page.url,
    })
    if found.sitename:
        data.setdefault("attribution", found.sitename)
    return Record(page.url, {k: v for k, v in data.items() if v}, origin=page.url,
                  stamp=lastmod)
