"""Search quality and latency on the real corpus.

    PORTAL_CORPUS=/path/to/corpus python bench/search_quality.py [--queries F]
    PORTAL_CORPUS=/path/to/corpus python bench/search_quality.py --generated 7
    PORTAL_CORPUS=/path/to/corpus python bench/search_quality.py --latency \\
        [--docs 100000]

Quality: loads every corpus file into a fresh temporary database through
index_document, runs the judged queries (default: the corpus folder's
../search/queries-dev.jsonl) and prints recall@10 and MRR per query type as a
markdown table, with the index build speed. --generated SEED judges queries
made the same way from other places in the corpus instead, a check that the
engine was not tuned to the judged lines.

Latency: adds generated filler documents (sentences and titles of the corpus
recombined, so word frequencies stay Vietnamese) up to --docs, then times
run_search over a mix of queries and prints p50/p95 per query class.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from appliance.db import open_sync
from appliance.text import fold, number_key
from search.engine import run_search
from search.index import count, optimize
from search.query import MAX_QUERY_CHARS
from search.quality import (corpus_records, judge, load_docs, markdown_table,
                            read_jsonl)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    corpus = Path(args.corpus or os.environ.get("PORTAL_CORPUS", ""))
    if not args.corpus and "PORTAL_CORPUS" not in os.environ:
        print("set PORTAL_CORPUS (or --corpus) to the corpus folder", file=sys.stderr)
        return 2
    queries_path = Path(args.queries or corpus.parent / "search" / "queries-dev.jsonl")
    with tempfile.TemporaryDirectory() as folder:
        conn = open_sync(Path(folder) / "bench.db", create=True)
        _print_machine()
        records = list(corpus_records(corpus))
        _build(conn, records)
        if args.latency:
            _latency(conn, records, args.docs, queries_path)
        elif args.generated is not None:
            queries = generate_queries(records, args.generated)
            _quality(conn, queries, f"generated with seed {args.generated}",
                     args.verbose)
        else:
            _quality(conn, list(read_jsonl(queries_path)), queries_path.name,
                     args.verbose)
        conn.close()
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", help="corpus folder (default: $PORTAL_CORPUS)")
    parser.add_argument("--queries", help="judged queries (JSON Lines)")
    parser.add_argument("--latency", action="store_true",
                        help="measure run_search latency on a larger index")
    parser.add_argument("--docs", type=int, default=100_000,
                        help="index size for --latency (default 100000)")
    parser.add_argument("--generated", type=int, metavar="SEED",
                        help="judge queries generated from the corpus with this "
                             "seed instead of the judged file")
    parser.add_argument("--verbose", action="store_true",
                        help="list the queries that missed")
    return parser.parse_args(argv)


def _print_machine() -> None:
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}, {platform.machine()}")


def _build(conn: sqlite3.Connection, records: list[dict]) -> None:
    chars = sum(len(r.get("body") or "") + len(r.get("title") or "") for r in records)
    started = time.perf_counter()
    indexed, skipped = load_docs(conn, records)
    seconds = time.perf_counter() - started
    print(f"corpus: {indexed} documents indexed, {skipped} skipped, "
          f"{chars / 1e6:.1f} M characters in {seconds:.1f} s "
          f"({indexed / seconds:.0f} docs/s, {chars / seconds / 1e6:.2f} M chars/s)")


def _quality(conn: sqlite3.Connection, queries: list[dict], source: str,
             verbose: bool) -> None:
    started = time.perf_counter()
    scores = judge(conn, queries)
    seconds = time.perf_counter() - started
    print(f"{len(queries)} queries ({source}) in {seconds:.2f} s\n")
    print(markdown_table(scores))
    if verbose:
        for name, score in scores.items():
            for q in score.misses:
                print(f"  miss [{name}] {q}")


# -- generated queries ---------------------------------------------------------

_WORD_OR_BREAK = re.compile(r"[^\W_]+|[,;:!?…()\[\]{}\"“”«»]|\.(?!\w)")
_KHMER_RUN = re.compile("[\u1780-\u17ff]+")


def _padded_words(text: str) -> str:
    return " " + " ".join(_WORD_OR_BREAK.findall(fold(text).lower())) + " "


def generate_queries(records: list[dict], seed: int) -> list[dict]:
    """Queries made like the judged ones, from other places in the corpus:
    runs of title words (also folded), document numbers (also folded), and
    Khmer runs starting at a cluster or at any character. Relevant: every
    title holding the run as whole words (marks folded, punctuation kept),
    every document with that number, every Khmer title holding the run."""
    rng = random.Random(seed)
    titled = [r for r in records if (r.get("title") or "").strip()]
    queries = _phrase_queries(rng, titled, "vi", 80) + \
        _phrase_queries(rng, titled, "en", 20) + _number_queries(rng, titled, 40)
    for kind in ("khmer-cluster-start", "khmer-any-offset"):
        queries += _khmer_queries(rng, titled, kind, 40)
    return queries


def _phrase_queries(rng: random.Random, records: list[dict], lang: str,
                    wanted: int) -> list[dict]:
    titles = [(r["external_id"], _padded_words(r["title"]))
              for r in records if r["lang"] == lang]
    pool = [r for r in records if r["lang"] == lang]
    queries = []
    for _ in range(wanted):
        words = rng.choice(pool)["title"].split()
        size = rng.randint(2, 4)
        if len(words) <= size:
            continue
        start = rng.randint(0, len(words) - size)
        q = " ".join(words[start:start + size]).strip(",.;:()\"“”")
        key = _padded_words(q)
        relevant = [ext for ext, title in titles if key in title]
        if len(key) < 6 or not relevant or len(relevant) > 10:
            continue
        queries.append({"q": q, "type": f"phrase-{lang}", "relevant": relevant})
        if lang == "vi":
            queries.append({"q": fold(q), "type": "phrase-vi-folded",
                            "relevant": relevant})
    return queries


def _number_queries(rng: random.Random, records: list[dict],
                    wanted: int) -> list[dict]:
    numbered = [r for r in records if r.get("number")]
    queries = []
    for _ in range(wanted):
        number = rng.choice(numbered)["number"]
        relevant = [r["external_id"] for r in numbered
                    if number_key(r["number"]) == number_key(number)]
        queries.append({"q": number, "type": "number", "relevant": relevant})
        if fold(number) != number:
            queries.append({"q": fold(number), "type": "number-folded",
                            "relevant": relevant})
    return queries


def _khmer_queries(rng: random.Random, records: list[dict], kind: str,
                   wanted: int) -> list[dict]:
    def same(text: str) -> str:
        return text.replace("\u17d2\u178a", "\u17d2\u178f")

    titles = [(r["external_id"], same(r["title"]))
              for r in records if r["lang"] == "km"]
    queries = []
    for _ in range(wanted):
        runs = [m.group() for m in _KHMER_RUN.finditer(rng.choice(titles)[1])
                if len(m.group()) >= 6]
        if not runs:
            continue
        run = rng.choice(runs)
        size = rng.randint(3, min(12, len(run)))
        start = rng.randint(0, len(run) - size)
        if kind == "khmer-cluster-start":
            while start > 0 and not _cluster_starts(run, start):
                start -= 1
        q = run[start:start + size]
        relevant = [ext for ext, title in titles if q in title]
        queries.append({"q": q, "type": kind, "relevant": relevant})
    return queries


def _cluster_starts(run: str, at: int) -> bool:
    return "\u1780" <= run[at] <= "\u17b3" and run[at - 1] != "\u17d2"


# -- latency ------------------------------------------------------------------

def _latency(conn: sqlite3.Connection, records: list[dict], docs: int,
             queries_path: Path) -> None:
    filler = docs - count(conn)
    documents = list(_filler(records, filler))
    chars = sum(len(d["title"]) + len(d["summary"]) + len(d["body"]) for d in documents)
    started, cpu = time.perf_counter(), time.process_time()
    load_docs(conn, documents, first_number=len(records) + 1)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"filler: {filler} documents, {chars / 1e6:.0f} M characters in "
          f"{seconds:.1f} s ({filler / seconds:.0f} docs/s; CPU {cpu:.1f} s, "
          f"{filler / cpu:.0f} docs/s)")
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    optimize(conn)
    conn.execute("COMMIT")
    print(f"optimize: {time.perf_counter() - started:.1f} s; index holds {count(conn)}")
    mix = _query_mix(queries_path) + _pasted(records)
    for q, _ in mix:  # warm the page cache once, as a running server has it
        run_search(conn, q)
    _report(conn, mix)


def _filler(records: list[dict], count_needed: int):
    """Documents made of the corpus's own titles and sentences, recombined
    within each language, so word frequencies stay those of real text."""
    rng = random.Random(20261203)
    titles: dict[str, list[list[str]]] = {}
    sentences: dict[str, list[str]] = {}
    for record in records:
        lang = record.get("lang")
        if record.get("title"):
            titles.setdefault(lang, []).append(record["title"].split())
        text = (record.get("body") or record.get("summary") or "")[:4000]
        sentences.setdefault(lang, []).extend(
            s.strip() for s in text.split(". ") if len(s.strip()) > 30)
    kinds = ["article"] * 6 + ["procedure", "legal_document", "directive",
                               "disclosure", "public_service"]
    for n in range(count_needed):
        lang = rng.choices(["vi", "en", "km"], weights=[90, 5, 5])[0]
        words = rng.choice(titles[lang]) + rng.choice(titles[lang])[:4]
        rng.shuffle(words)
        body = ". ".join(rng.choice(sentences[lang])
                         for _ in range(rng.randint(3, 14)))
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        published = f"20{rng.randint(15, 26)}-{month:02d}-{day:02d}"
        yield {"external_id": f"filler-{n}", "kind": rng.choice(kinds), "lang": lang,
               "title": " ".join(words[:14]), "summary": body[:180], "body": body,
               "published_at": published}


def _query_mix(queries_path: Path) -> list[tuple[str, str]]:
    """Judged queries, common single words, multi-word questions, numbers."""
    mix = [(q["q"], q["type"]) for q in read_jsonl(queries_path)]
    common = ["thủ tục", "của", "và", "hành chính", "đất đai", "giấy phép",
              "thu tuc hanh chinh", "ubnd", "quyết định", "nghị định",
              "dang ky kinh doanh", "cấp giấy chứng nhận quyền sử dụng đất",
              "bảo hiểm xã hội", "luật", "công an", "2021", "ngày", "người",
              "thông tư", "việt nam"]
    mix += [(q, "common") for q in common]
    return mix


def _pasted(records: list[dict]) -> list[tuple[str, str]]:
    """Whole paragraphs pasted into the box: the opening of ten legal
    documents, as long as the search page and the API accept."""
    bodies = [r["body"] for r in records
              if r.get("kind") == "legal_document" and len(r.get("body") or "") > 2000]
    return [(" ".join(body.split())[:MAX_QUERY_CHARS], "pasted") for body in bodies[:10]]


def _report(conn: sqlite3.Connection, mix: list[tuple[str, str]]) -> None:
    """Median of three runs per query; wall-clock time, and the thread's CPU
    time, which other processes on the machine do not inflate."""
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for q, name in mix:
        runs = [_timed(conn, q) for _ in range(3)]
        wall.setdefault(name, []).append(statistics.median(r[0] for r in runs))
        cpu.setdefault(name, []).append(statistics.median(r[1] for r in runs))
    print(f"\nload average during the run: {os.getloadavg()[0]:.2f}")
    print("\n| query class | queries | wall p50 ms | wall p95 ms | CPU p50 ms "
          "| CPU p95 ms | wall max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    every = ("all", [t for ts in wall.values() for t in ts],
             [t for ts in cpu.values() for t in ts])
    for name, walls, cpus in [(n, wall[n], cpu[n]) for n in sorted(wall)] + [every]:
        cells = [_pct(walls, 50), _pct(walls, 95), _pct(cpus, 50), _pct(cpus, 95),
                 max(walls)]
        print(f"| {name} | {len(walls)} | " + " | ".join(f"{c:.1f}" for c in cells)
              + " |")


def _timed(conn: sqlite3.Connection, q: str) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.thread_time()
    run_search(conn, q)
    return (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000


def _pct(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))
    return ordered[index]


if __name__ == "__main__":
    sys.exit(main())
