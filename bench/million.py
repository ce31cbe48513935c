"""Search at a million items: query latency with facets, index size, server
memory, and sync throughput per source kind.

    PORTAL_CORPUS=/path/to/corpus .venv/bin/python bench/million.py \\
        [--items 1000000] [--data DIR] [--phases build,engine,serve,sync]

The site is built in DIR (default bench/results/million, which git ignores;
reused when it exists): the corpus through the importer, then filler up to
--items written with bulk SQL straight into the content and search tables
(the full-text indexes rebuilt once at the end), made of the corpus's own
titles and sentences recombined within each language, with kinds, sections,
issuing bodies, document types, fields, years and legal statuses spread over
them so every facet has values.

- engine: run_search in this process, for one-, two- and three-word queries
  (words and runs of words from real titles), each with no filter, a kind
  filter, a year, an issuing body with a document type, and sorted by date;
  median of three runs per query, wall and CPU time.
- serve: `portal serve` in its own process; the same queries over HTTP, every
  one made unique so none comes from the page cache; the server's peak RSS.
- sync: fixture sources on loopback (RSS, JSON in pages, CSV, XLSX, a
  sitemap with pages) synced into the million-item site; items per second
  for the first sync and for the second (nothing changed).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import io
import json
import os
import platform
import random
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from appliance import config as config_mod  # noqa: E402
from appliance.db import open_sync, transaction  # noqa: E402
from appliance.importer import import_files  # noqa: E402
from appliance.site import create_site  # noqa: E402
from appliance.text import fold  # noqa: E402
from search.engine import run_search  # noqa: E402
from search.index import KIND_BITS, KIND_CODES, LANG_CODES, TAG_BITS  # noqa: E402

CORPUS_FILES = ("sections.jsonl", "news-vi.jsonl", "trilingual.jsonl", "laws.jsonl.gz",
                "legal-refs.jsonl", "procedures.jsonl.gz")
KINDS = (["article"] * 70 + ["disclosure"] * 5 + ["directive"] * 10
         + ["legal_document"] * 5 + ["procedure"] * 8 + ["public_service"] * 2)
ISSUERS = ["Ủy ban nhân dân tỉnh An Giang", "Hội đồng nhân dân tỉnh An Giang",
           "Sở Tài chính", "Sở Tư pháp", "Sở Xây dựng", "Sở Y tế", "Sở Giáo dục và Đào tạo",
           "Sở Nông nghiệp và Môi trường", "Chính phủ", "Thủ tướng Chính phủ", "Quốc hội",
           "Bộ Tài chính", "Bộ Công an", "Bộ Tư pháp", "Bộ Y tế", "Bộ Xây dựng"]
DOC_TYPES = ["Quyết định", "Chỉ thị", "Công văn", "Kế hoạch", "Nghị quyết", "Thông báo",
             "Nghị định", "Thông tư", "Luật"]
STATUSES = ["in_force"] * 6 + ["amended", "replaced", "expired", "not_yet_in_force"]
BATCH = 20_000


# -- building ---------------------------------------------------------------------

def read_jsonl(path: Path):
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def corpus_text(corpus: Path):
    titles: dict[str, list[list[str]]] = {}
    sentences: dict[str, list[str]] = {}
    fields = set()
    for name in CORPUS_FILES[1:]:
        for record in read_jsonl(corpus / name):
            lang = record.get("lang")
            if record.get("title"):
                titles.setdefault(lang, []).append(record["title"].split())
            text = (record.get("body") or record.get("summary") or "")[:4000]
            sentences.setdefault(lang, []).extend(
                s.strip() for s in text.split(". ") if 30 < len(s.strip()) < 400)
            if record.get("field"):
                fields.add(record["field"])
    return titles, sentences, sorted(fields)


def build(data: Path, corpus: Path, items: int) -> dict:
    started = time.perf_counter()
    create_site(data, "admin", "benchmark-password")
    cfg = config_mod.load(data)
    conn = open_sync(cfg.database_path)
    summary = import_files(conn, [corpus / name for name in CORPUS_FILES])
    imported = time.perf_counter() - started
    titles, sentences, fields = corpus_text(corpus)
    sections = [(r[0], r[1]) for r in conn.execute("SELECT id, key FROM section")]
    filler = items - summary.created
    started = time.perf_counter()
    _bulk(conn, filler, titles, sentences, fields, sections)
    bulk_seconds = time.perf_counter() - started
    conn.close()
    return {"corpus_items": summary.created, "corpus_import_s": round(imported, 1),
            "filler_items": filler, "filler_build_s": round(bulk_seconds, 1)}


def _bulk(conn: sqlite3.Connection, count: int, titles, sentences, fields,
          sections) -> None:
    rng = random.Random(20261204)
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                            " AND tbl_name = 'search_doc'").fetchall()
    conn.execute("BEGIN IMMEDIATE")
    for name, _sql in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("COMMIT")
    values: dict[tuple[str, str], int] = {}

    def facet(name: str, value: str) -> int:
        key = (name, value)
        if key not in values:
            values[key] = conn.execute(
                "INSERT INTO search_facet_value (facet, value) VALUES (?, ?)"
                " ON CONFLICT (facet, value) DO UPDATE SET value = excluded.value"
                " RETURNING id", key).fetchone()[0]
        return values[key]

    item_id = conn.execute("SELECT coalesce(max(id), 0) FROM item").fetchone()[0]
    seq = (conn.execute("SELECT coalesce(max(id), 0) FROM search_doc").fetchone()[0]
           >> TAG_BITS)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    done = 0
    while done < count:
        rows = {"item": [], "document": [], "procedure": [], "facet": [], "doc": [],
                "token": []}
        conn.execute("BEGIN IMMEDIATE")
        for _ in range(min(BATCH, count - done)):
            done += 1
            item_id += 1
            seq += 1
            lang = rng.choices(("vi", "en", "km"), weights=(90, 5, 5))[0]
            kind = rng.choice(KINDS)
            words = rng.choice(titles[lang]) + rng.choice(titles[lang])[:4]
            rng.shuffle(words)
            title = " ".join(words[:14])
            body = ". ".join(rng.choice(sentences[lang]) for _ in range(rng.randint(3, 8)))
            year = rng.randint(2010, 2026)
            day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            tokens = [facet("year", str(year))]
            section_id, number = None, None
            if kind in ("article", "disclosure"):
                section_id, key = rng.choice(sections)
                tokens.append(facet("section", key))
            elif kind in ("directive", "legal_document"):
                issuer, doc_type = rng.choice(ISSUERS), rng.choice(DOC_TYPES)
                status = rng.choice(STATUSES) if kind == "legal_document" else None
                number = f"{done}/{year}/QĐ-UBND"
                tokens += [facet("issuer", issuer), facet("doc_type", doc_type)]
                if status:
                    tokens.append(facet("status", status))
                rows["document"].append((item_id, number, fold(number).lower().replace(
                    "/", "-"), doc_type, issuer, day, status, year))
            elif kind == "procedure":
                field = rng.choice(fields)
                number = f"9.{done:07d}"
                tokens.append(facet("field", field))
                rows["procedure"].append((item_id, number, field, "Cấp tỉnh"))
            slug = f"bench-{done}"
            rows["item"].append((item_id, kind, lang, "published", day + "T01:00:00Z",
                                 section_id, slug, f"bench-{done}", "bench", now, now,
                                 title, body[:180], f"<p>{body}</p>"))
            doc_id = seq << TAG_BITS | LANG_CODES[lang] << KIND_BITS | KIND_CODES[kind]
            rows["facet"].append((doc_id, _days(day)))
            rows["token"] += [(doc_id, t) for t in set(tokens)]
            url = {"directive": "documents", "legal_document": "documents",
                   "procedure": "procedures", "public_service": "services"}.get(
                       kind, "tin-tuc")
            rows["doc"].append((doc_id, f"item:{item_id}", item_id, kind, lang,
                                day + "T01:00:00Z", number,
                                fold(number).lower().replace("/", "-").replace(".", "-")
                                if number else None, f"bench-{done}",
                                f"/{lang}/{url}/{slug}", title, body[:180], body))
        conn.executemany(
            "INSERT INTO item (id, kind, lang, status, published_at, section_id, slug,"
            " external_id, source, created_at, updated_at, title, summary, body)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows["item"])
        conn.executemany(
            "INSERT INTO document (item_id, number, number_key, doc_type, issuer,"
            " issued_at, legal_status, year) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows["document"])
        conn.executemany("INSERT INTO procedure (item_id, code, field, level)"
                         " VALUES (?, ?, ?, ?)", rows["procedure"])
        conn.executemany("INSERT INTO search_facet (id, day) VALUES (?, ?)", rows["facet"])
        conn.executemany("INSERT INTO search_facet_token (doc_id, value_id) VALUES (?, ?)",
                         rows["token"])
        conn.executemany(
            "INSERT INTO search_doc (id, ref, item_id, kind, lang, date, number,"
            " number_key, external_id, url, title, summary, body)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows["doc"])
        conn.execute("COMMIT")
        print(f"  {done:,} filler items", flush=True)
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('rebuild')")
    conn.execute("INSERT INTO search_title_fts (search_title_fts) VALUES ('rebuild')")
    for _name, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    print(f"  full-text rebuild {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    conn.execute("INSERT INTO search_title_fts (search_title_fts) VALUES ('optimize')")
    conn.execute("ANALYZE")
    print(f"  optimize and analyze {time.perf_counter() - started:.0f} s", flush=True)


def _days(day: str) -> int:
    from datetime import date

    return (date.fromisoformat(day) - date(1970, 1, 1)).days


def sizes(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:
        rows = []
    conn.close()
    mb = {name: size / 2**20 for name, size in rows}

    def total(prefix: str) -> float:
        return round(sum(v for k, v in mb.items() if k.startswith(prefix)), 1)

    return {"database_mb": round(db.stat().st_size / 2**20),
            "search_fts_mb": total("search_fts_"),
            "search_title_fts_mb": total("search_title_fts_"),
            "search_doc_mb": total("search_doc"), "search_facet_mb": total("search_facet"),
            "item_mb": total("item")}


# -- queries ----------------------------------------------------------------------

def query_mix(db: Path, rng: random.Random) -> dict[str, list[str]]:
    """Words and runs of words from real titles, by length."""
    conn = sqlite3.connect(db)
    titles = [r[0] for r in conn.execute(
        "SELECT title FROM item WHERE lang = 'vi' AND source != 'bench' LIMIT 6000")]
    conn.close()
    words: dict[str, int] = {}
    runs: dict[int, list[str]] = {2: [], 3: []}
    for title in titles:
        tokens = re.findall(r"[^\W\d_]+", title.lower())
        for token in tokens:
            words[token] = words.get(token, 0) + 1
        for size in (2, 3):
            for i in range(len(tokens) - size + 1):
                runs[size].append(" ".join(tokens[i:i + size]))
    ranked = sorted(words, key=words.get, reverse=True)
    one = rng.sample(ranked[10:1500], 40)
    return {"1 word": one, "2 words": rng.sample(runs[2], 40),
            "3 words": rng.sample(runs[3], 40)}


FILTERS = {
    "no filter": {},
    "kind": {"kinds": ["procedure", "public_service"]},
    "year": {"facets": {"year": ["2024"]}},
    "issuer and type": {"facets": {"issuer": ["Ủy ban nhân dân tỉnh An Giang"],
                                   "doc_type": ["Quyết định"]}},
    "by date": {"sort": "date"},
}


def engine_latency(db: Path, mix: dict[str, list[str]]) -> dict:
    conn = open_sync(db)
    for q in mix["1 word"][:10]:  # warm the caches
        run_search(conn, q)
    results = {}
    inexact = 0
    runs_total = 0
    for name, queries in mix.items():
        walls, cpus = [], []
        for q in queries:
            for options in FILTERS.values():
                timing = []
                for _ in range(3):
                    started, cpu = time.perf_counter(), time.thread_time()
                    answer = run_search(conn, q, **options)
                    timing.append(((time.perf_counter() - started) * 1000,
                                   (time.thread_time() - cpu) * 1000))
                walls.append(statistics.median(t[0] for t in timing))
                cpus.append(statistics.median(t[1] for t in timing))
                inexact += not answer["total_exact"]
                runs_total += 1
        results[name] = {"queries": len(walls), "wall_p50": _pct(walls, 50),
                         "wall_p95": _pct(walls, 95), "cpu_p50": _pct(cpus, 50),
                         "cpu_p95": _pct(cpus, 95), "wall_max": round(max(walls), 1)}
    conn.close()
    results["estimated_totals_share"] = round(inexact / max(1, runs_total), 2)
    return results


def _pct(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))], 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_latency(data: Path, mix: dict[str, list[str]]) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "appliance.cli", "serve", "--data", str(data),
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=os.environ | {"PORTAL_LOG_LEVEL": "WARNING"}, cwd=ROOT)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        params = {
            "no filter": "", "kind": "&kind=procedure&kind=public_service",
            "year": "&year=2024", "by date": "&sort=date",
            "issuer and type": "&issuer=" + urllib.parse.quote(
                "Ủy ban nhân dân tỉnh An Giang") + "&doc_type=" + urllib.parse.quote(
                "Quyết định")}
        results = {}
        n = 0
        for name, queries in mix.items():
            timings = []
            for q in queries:
                for extra in params.values():
                    n += 1
                    url = f"{base}/api/v1/search?q={urllib.parse.quote(q)}{extra}&_r={n}"
                    started = time.perf_counter()
                    urllib.request.urlopen(url, timeout=60).read()
                    timings.append((time.perf_counter() - started) * 1000)
            results[name] = {"requests": len(timings), "p50": _pct(timings, 50),
                             "p95": _pct(timings, 95), "max": round(max(timings), 1)}
        # The pages and helps too: a search page with facets, suggestions,
        # a misspelt query (loads the "did you mean" dictionary).
        for path in ("/vi/search?q=th%E1%BB%A7+t%E1%BB%A5c", "/api/v1/search/suggest?q=c%E1%BA%A5p+gi",
                     "/vi/search?q=thu+tuc+hanh+chinhh+xyzq"):
            urllib.request.urlopen(base + path, timeout=60).read()
        status = Path(f"/proc/{server.pid}/status").read_text()
        results["peak_rss_mb"] = round(int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
                                       / 1024, 1)
        results["rss_mb"] = round(int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
                                  / 1024, 1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    return results


# -- sync throughput ---------------------------------------------------------------

SOURCE_SIZES = {"rss": 2000, "json": 10_000, "csv": 10_000, "xlsx": 5000, "sitemap": 300}


def sync_throughput(data: Path, corpus: Path) -> dict:
    return asyncio.run(_sync_throughput(data, corpus))


async def _sync_throughput(data: Path, corpus: Path) -> dict:
    from aiohttp import web

    from search import sources, sync
    from search.fetch import Limits

    rng = random.Random(7)
    titles, sentences, fields = corpus_text(corpus)
    records = []
    for n in range(max(SOURCE_SIZES.values())):
        words = rng.choice(titles["vi"])
        title = " ".join(rng.sample(words, k=min(len(words), 4 + n % 5)))
        records.append({"id": f"{n}", "title": f"{title} ({n})",
                        "summary": rng.choice(sentences["vi"])[:200],
                        "body": ". ".join(rng.choice(sentences["vi"]) for _ in range(4)),
                        "code": f"8.{n:06d}", "field": rng.choice(fields)})
    app = web.Application()
    app.router.add_get("/rss.xml", lambda r: web.Response(
        body=_rss(records[:SOURCE_SIZES["rss"]]), content_type="application/rss+xml"))
    app.router.add_get("/api", lambda r: _json_page(r, records[:SOURCE_SIZES["json"]]))
    app.router.add_get("/t.csv", lambda r: web.Response(
        body=_csv(records[:SOURCE_SIZES["csv"]]), content_type="text/csv"))
    app.router.add_get("/t.xlsx", lambda r: web.Response(body=_xlsx(
        records[:SOURCE_SIZES["xlsx"]])))
    app.router.add_get("/sitemap.xml", lambda r: web.Response(
        body=_sitemap(str(r.url.origin()), SOURCE_SIZES["sitemap"]),
        content_type="application/xml"))
    app.router.add_get("/p/{n}", lambda r: web.Response(
        text=_page(records[int(r.match_info["n"])]), content_type="text/html"))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    conn = open_sync(config_mod.load(data).database_path)
    store = sync.ConnectionStore(conn)
    limits = Limits(timeout=120, max_bytes=256 * 2**20)
    mappings = {
        "json": {"items": "data", "next": "next",
                 "fields": {"external_id": "code", "code": "code", "title": "title",
                            "body": "body", "field": "field"},
                 "values": {"kind": "procedure"}},
        "csv": {"fields": {"external_id": "id", "title": "title", "summary": "summary",
                           "body": "body"}},
        "xlsx": {"fields": {"external_id": "code", "code": "code", "title": "title",
                            "field": "field"}, "values": {"kind": "procedure"}},
    }
    paths = {"rss": "/rss.xml", "json": "/api", "csv": "/t.csv", "xlsx": "/t.xlsx",
             "sitemap": "/sitemap.xml"}
    results = {}
    try:
        for kind, path in paths.items():
            source = transaction(conn, sources.add_source, sources.SourceInput(
                name=f"bench {kind} {int(time.time())}", kind=kind, url=base + path,
                item_kind="procedure" if kind in ("json", "xlsx") else "article",
                mapping=json.dumps(mappings.get(kind, {}))))
            row = {}
            for attempt in ("first", "again"):
                started, cpu = time.perf_counter(), time.process_time()
                outcome = await sync.sync_source(store, source.id, limits)
                wall = time.perf_counter() - started
                cpu = time.process_time() - cpu
                if not outcome.ok:
                    row[attempt] = {"error": outcome.error}
                    continue
                c = outcome.counts
                n = sum(c.get(k, 0) for k in ("added", "updated", "unchanged", "linked"))
                row[attempt] = {"items": n, "seconds": round(wall, 1),
                                "items_per_s": round(n / wall),
                                "items_per_cpu_s": round(n / max(cpu, 1e-6)),
                                "added": outcome.counts.get("added", 0)}
            results[kind] = row
            print(f"  {kind}: {row}", flush=True)
    finally:
        conn.close()
        await runner.cleanup()
    return results


def _rss(records) -> bytes:
    items = "".join(
        f"<item><title>{_x(r['title'])}</title><link>https://x.example.vn/{r['id']}</link>"
        f"<guid>{r['id']}</guid><description>{_x(r['summary'])}</description>"
        f"<pubDate>Mon, 02 Nov 2026 08:00:00 GMT</pubDate></item>" for r in records)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Bench</title><link>https://x.example.vn/</link><description>b"
            f"</description>{items}</channel></rss>").encode()


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def _json_page(request, records):
    from aiohttp import web

    page = int(request.query.get("page", "1"))
    chunk = records[(page - 1) * 1000: page * 1000]
    following = f"?page={page + 1}" if page * 1000 < len(records) else None
    return web.json_response({"data": chunk, "next": following})


def _csv(records) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "title", "summary", "body"])
    writer.writerows([r["id"], r["title"], r["summary"], r["body"]] for r in records)
    return buffer.getvalue().encode()


def _xlsx(records) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["code", "title", "field"])
    for r in records:
        sheet.append([r["code"], r["title"], r["field"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sitemap(base: str, count: int) -> bytes:
    urls = "".join(f"<url><loc>{base}/p/{n}</loc><lastmod>2026-11-0{1 + n % 9}</lastmod>"
                   "</url>" for n in range(count))
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
            '"http://www.sitemaps.org/schemas/sitemap/0.9">' + urls + "</urlset>").encode()


def _page(record) -> str:
    return (f"<!doctype html><html lang=vi><head><meta charset=utf-8><title>"
            f"{_x(record['title'])}</title></head><body><nav>Trang chủ · Tin tức</nav>"
            f"<article><h1>{_x(record['title'])}</h1><p>{_x(record['body'])}</p>"
            f"<p>{_x(record['summary'])}</p></article><footer>Cổng thông tin</footer>"
            "</body></html>")


# -- the run -----------------------------------------------------------------------

def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--data", default=str(ROOT / "bench" / "results" / "million"))
    parser.add_argument("--phases", default="build,engine,serve,sync")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    corpus = Path(os.environ.get("PORTAL_CORPUS", ""))
    if not (corpus / "news-vi.jsonl").is_file():
        raise SystemExit("set PORTAL_CORPUS to the corpus folder")
    data = Path(args.data)
    phases = set(args.phases.split(","))
    results: dict = {"machine": machine(), "date": time.strftime("%Y-%m-%d"),
                     "load_at_start": round(os.getloadavg()[0], 1)}
    if "build" in phases and not (data / config_mod.CONFIG_FILE).exists():
        print("building", flush=True)
        results["build"] = build(data, corpus, args.items)
    db = config_mod.load(data).database_path
    results["sizes"] = sizes(db)
    results["items"] = sqlite3.connect(db).execute("SELECT count(*) FROM search_doc") \
        .fetchone()[0]
    mix = query_mix(db, random.Random(11))
    if "engine" in phases:
        print("engine", flush=True)
        results["engine"] = engine_latency(db, mix)
        results["load_after_engine"] = round(os.getloadavg()[0], 1)
    if "serve" in phases:
        print("serve", flush=True)
        results["serve"] = serve_latency(data, mix)
        results["load_after_serve"] = round(os.getloadavg()[0], 1)
    if "sync" in phases:
        print("sync", flush=True)
        results["sync"] = sync_throughput(data, corpus)
        results["load_after_sync"] = round(os.getloadavg()[0], 1)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
