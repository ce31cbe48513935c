"""Fixture servers for the connectors: feeds, JSON, CSV, XLSX and a sitemap
with its pages, all built from the real corpus and served on loopback, with the ways real sources fail: slow, down, malformed,
in a legacy encoding, and deleting items between two syncs. (The one-stop
system's fixture is tests/dossier_support.py.)"""

from __future__ import annotations

import asyncio
import csv
import gzip
import html
import io
import json
import socket
import unicodedata
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

NEWS = 30
PROCEDURES = 60
PAGE_SIZE = 25


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@dataclass
class Corpus:
    news: list[dict]
    procedures: list[dict]
    laws: list[dict]

    @classmethod
    def load(cls, folder: Path) -> Corpus:
        news = [r for r in read_jsonl(folder / "news-vi.jsonl")
                if r.get("title") and r.get("published_at")][:NEWS]
        procedures = read_jsonl(folder / "procedures.jsonl.gz")[:PROCEDURES]
        laws = [r for r in read_jsonl(folder / "laws.jsonl.gz") if r.get("number")][:6]
        return cls(news, procedures, laws)


@dataclass
class State:
    """What the fixture sources hold now; tests change it between syncs."""

    corpus: Corpus
    removed_news: set[str] = field(default_factory=set)
    removed_procedures: set[str] = field(default_factory=set)
    renamed: dict[str, str] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    slow_seconds: float = 5.0
    changed_at: datetime = field(default_factory=lambda: datetime(2026, 11, 1, tzinfo=UTC))

    def news(self) -> list[dict]:
        return [r for r in self.corpus.news if r["external_id"] not in self.removed_news]

    def procedures(self) -> list[dict]:
        out = []
        for r in self.corpus.procedures:
            if r["external_id"] in self.removed_procedures:
                continue
            out.append({**r, "title": self.renamed.get(r["external_id"], r["title"])})
        return out

    def etag(self) -> str:
        return '"' + str(abs(hash((tuple(sorted(self.removed_news)),
                                   tuple(sorted(self.removed_procedures)),
                                   tuple(sorted(self.renamed.items())))))) + '"'


STATE = web.AppKey("state", State)


def _count(request: web.Request) -> State:
    state = request.app[STATE]
    state.hits[request.path] = state.hits.get(request.path, 0) + 1
    return state


def _conditional(request: web.Request, state: State, body: bytes,
                 content_type: str) -> web.Response:
    etag = state.etag()
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    return web.Response(body=body, headers={"ETag": etag, "Content-Type": content_type,
                                            "Last-Modified": format_datetime(
                                                state.changed_at, usegmt=True)})


# -- feeds --------------------------------------------------------------------

_TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """Text as windows-1258 writes Vietnamese: letters with their shape
    (â, ơ, đ) precomposed, tone marks as separate combining marks."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in _TONES)
        out.append(unicodedata.normalize("NFC", "".join(
            c for c in parts if c not in _TONES)) + tones)
    # What the legacy encoding cannot hold (zero-width spaces, curly quotes
    # of other scripts) was never in such a system.
    return "".join(out).encode("cp1258", errors="ignore")


def survives_1258(text: str) -> str:
    """The text as it reads back from windows-1258."""
    return unicodedata.normalize("NFC", windows_1258(text).decode("cp1258"))


def rss(items: list[dict], encoding: str = "utf-8", declare: bool = True) -> bytes:
    entries = []
    for r in items:
        when = datetime.fromisoformat(r["published_at"][:10]).replace(hour=8, tzinfo=UTC)
        entries.append(
            "<item>"
            f"<title>{html.escape(r['title'])}</title>"
            f"<link>https://tin.example.vn/bai/{r['external_id']}</link>"
            f"<guid>{r['external_id']}</guid>"
            f"<description>{html.escape(r.get('summary') or '')}</description>"
            f"<pubDate>{format_datetime(when)}</pubDate>"
            "</item>")
    prolog = f'<?xml version="1.0" encoding="{encoding}"?>' if declare else ""
    text = (f"{prolog}<rss version=\"2.0\"><channel><title>Trang tin Sở Thông tin</title>"
            f"<link>https://tin.example.vn/</link><description>Tin</description>"
            + "".join(entries) + "</channel></rss>")
    return windows_1258(text) if encoding == "windows-1258" else text.encode(encoding)


def atom(items: list[dict]) -> bytes:
    entries = "".join(
        "<entry>"
        f"<title>{html.escape(r['title'])}</title>"
        f"<id>urn:tin:{r['external_id']}</id>"
        f"<link href=\"https://xa.example.vn/tin/{r['external_id']}\"/>"
        f"<updated>{r['published_at'][:10]}T08:00:00Z</updated>"
        f"<summary>{html.escape(r.get('summary') or '')}</summary>"
        "</entry>" for r in items)
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>Xã Bình An</title>'
            '<id>urn:xa</id><updated>2026-11-01T00:00:00Z</updated>'
            + entries + "</feed>").encode("utf-8")


async def feed(request: web.Request) -> web.Response:
    state = _count(request)
    return _conditional(request, state, rss(state.news()), "application/rss+xml")


async def feed_legacy(request: web.Request) -> web.Response:
    """The same news in windows-1258, as older Vietnamese systems publish."""
    state = _count(request)
    body = rss(state.news()[:10], "windows-1258")
    return web.Response(body=body, content_type="application/rss+xml")


async def feed_atom(request: web.Request) -> web.Response:
    state = _count(request)
    return web.Response(body=atom(state.news()[10:20]),
                        content_type="application/atom+xml")


async def feed_broken(request: web.Request) -> web.Response:
    _count(request)
    good = rss(request.app[STATE].news()[:5]).decode()
    # Cut in the middle of an element and left unclosed, as a crashed CMS does.
    return web.Response(text=good[: len(good) // 2] + "<item><title>Tin & nữa</titl",
                        content_type="application/rss+xml")


async def slow(request: web.Request) -> web.Response:
    state = _count(request)
    await asyncio.sleep(state.slow_seconds)
    return web.Response(body=rss(state.news()[:3]), content_type="application/rss+xml")


# -- JSON ---------------------------------------------------------------------

def procedure_json(r: dict) -> dict:
    """A procedure as a public service portal's API writes it: its own names."""
    return {
        "maThuTuc": r["code"], "tenThuTuc": r["title"],
        "coQuan": {"ten": r.get("agency")}, "linhVuc": r.get("field"),
        "capThucHien": r.get("level"), "trinhTu": r.get("body", "")[:2000],
        "canCu": r.get("legal_basis") or [], "ngayCapNhat": "2026-10-01",
    }


JSON_MAPPING = {
    "items": "duLieu.danhSach",
    "next": "duLieu.trangSau",
    "fields": {"external_id": "maThuTuc", "code": "maThuTuc", "title": "tenThuTuc",
               "agency": "coQuan.ten", "field": "linhVuc", "level": "capThucHien",
               "body": "trinhTu", "legal_basis": "canCu"},
    "values": {"kind": "procedure"},
    "url": "https://dichvucong.example.gov.vn/tthc/{maThuTuc}",
}


async def procedures_json(request: web.Request) -> web.Response:
    state = _count(request)
    rows = [procedure_json(r) for r in state.procedures()]
    page = int(request.query.get("trang", "1"))
    chunk = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    following = f"?trang={page + 1}" if page * PAGE_SIZE < len(rows) else None
    body = json.dumps({"duLieu": {"danhSach": chunk, "trangSau": following}},
                      ensure_ascii=False).encode()
    if page == 1:
        return _conditional(request, state, body, "application/json")
    return web.Response(body=body, content_type="application/json")


async def json_broken(request: web.Request) -> web.Response:
    _count(request)
    return web.Response(text='{"duLieu": {"danhSach": [{"maThuTuc": "1.0", ',
                        content_type="application/json")


# -- tables ---------------------------------------------------------------------

TABLE_COLUMNS = ("external_id", "kind", "lang", "code", "title", "agency", "field",
                 "level")


def table_rows(state: State) -> list[list[str]]:
    return [[r["external_id"], "procedure", "vi", r["code"], r["title"],
             r.get("agency") or "", r.get("field") or "", r.get("level") or ""]
            for r in state.procedures()[:40]]


async def procedures_csv(request: web.Request) -> web.Response:
    """Semicolons and windows-1258 without saying so: a spreadsheet export."""
    state = _count(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(TABLE_COLUMNS)
    writer.writerows(table_rows(state))
    body = windows_1258(buffer.getvalue())
    return _conditional(request, state, body, "text/csv")


async def procedures_xlsx(request: web.Request) -> web.Response:
    from openpyxl import Workbook

    state = _count(request)
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã", "Tên thủ tục", "Lĩnh vực", "Cơ quan"])
    for row in table_rows(state)[20:]:
        sheet.append([row[3], row[4], row[6], row[5]])
    buffer = io.BytesIO()
    book.save(buffer)
    return _conditional(request, state, buffer.getvalue(),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


XLSX_MAPPING = {
    "fields": {"external_id": "Mã", "code": "Mã", "title": "Tên thủ tục",
               "field": "Lĩnh vực", "agency": "Cơ quan"},
    "values": {"kind": "procedure"},
}


# -- a site without a feed ------------------------------------------------------

def page_html(r: dict) -> str:
    lead = html.escape(r.get("summary") or "")
    title = html.escape(r["title"])
    paragraph = ("Ủy ban nhân dân xã đã tổ chức hội nghị triển khai nhiệm vụ, "
                 "với sự tham gia của các ban, ngành và người dân trên địa bàn. ")
    return (
        "<!doctype html><html lang=vi><head><meta charset=utf-8>"
        f"<title>{title} - Cổng thông tin xã</title>"
        f"<meta name=description content=\"{lead}\">"
        f"<meta property=\"article:published_time\" content=\"{r['published_at'][:10]}\">"
        "</head><body><header><nav><a href=/>Trang chủ</a> <a href=/tin>Tin tức</a>"
        "</nav></header><main><article>"
        f"<h1>{title}</h1><p>{lead}</p><p>{paragraph * 3}</p><p>{paragraph * 2}</p>"
        "</article></main><footer>Bản quyền thuộc Ủy ban nhân dân xã</footer>"
        "</body></html>")


async def sitemap(request: web.Request) -> web.Response:
    state = _count(request)
    base = str(request.url.origin())
    urls = "".join(
        f"<url><loc>{base}/tin/{r['external_id']}</loc>"
        f"<lastmod>{r['published_at'][:10]}</lastmod></url>"
        for r in state.news()[:12])
    return web.Response(
        text='<?xml version="1.0" encoding="UTF-8"?>'
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             + urls + "</urlset>", content_type="application/xml")


async def page(request: web.Request) -> web.Response:
    state = _count(request)
    wanted = request.match_info["id"]
    for r in state.news():
        if r["external_id"] == wanted:
            return web.Response(text=page_html(r), content_type="text/html")
    raise web.HTTPNotFound()


def fixture_app(state: State) -> web.Application:
    app = web.Application()
    app[STATE] = state
    add = app.router.add_get
    add("/feed.xml", feed)
    add("/feed-1258.xml", feed_legacy)
    add("/atom.xml", feed_atom)
    add("/broken.xml", feed_broken)
    add("/slow.xml", slow)
    add("/api/thu-tuc", procedures_json)
    add("/api/broken", json_broken)
    add("/thu-tuc.csv", procedures_csv)
    add("/thu-tuc.xlsx", procedures_xlsx)
    add("/sitemap.xml", sitemap)
    add("/tin/{id}", page)
    return app


def closed_port() -> int:
    """A loopback port nothing listens on: a source that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThreadedServer:
    """A fixture app served from a thread of its own, for tests that are not
    async (the command line runs its own event loop)."""

    def __init__(self, app: web.Application) -> None:
        import threading

        self.app = app
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        runner = web.AppRunner(self.app)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
