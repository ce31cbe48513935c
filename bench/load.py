"""Load benchmark: the corpus plus generated filler up to N items, served by
`portal serve` in its own process and loaded by wrk from another.

    PORTAL_CORPUS=/path/to/corpus .venv/bin/python bench/load.py --items 100000

Reports requests per second for an article page, the home page and the search
API, search latency p50/p95 over HTTP, the import speed and the server's peak
RSS, as a markdown table (and JSON with --json FILE). Needs Debian's wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from appliance import config as config_mod
from appliance.db import open_sync
from appliance.importer import import_files
from appliance.site import create_site

CORPUS_FILES = ("sections.jsonl", "news-vi.jsonl", "trilingual.jsonl", "laws.jsonl.gz",
                "legal-refs.jsonl", "procedures.jsonl.gz")
SEARCH_QUERIES = [
    "thu tuc dat dai", "thủ tục đất đai", "giấy phép lái xe", "91/2015/QH13",
    "70/2024/ND-CP", "đăng ký kinh doanh", "bảo hiểm xã hội", "khiếu nại",
    "an giang", "lúa gạo", "giao thông", "ngân sách nhà nước", "hộ tịch",
    "xây dựng", "y tế", "giáo dục", "doanh nghiệp", "môi trường", "thuế",
    "đầu tư công", "ការ", "កម្ពុជា", "election", "climate", "quyết định",
]
# A browser's signature: the page-view counter ignores clients without one,
# so without it the benchmark would not measure the counting.
WRK_SCRIPT = """
wrk.headers["User-Agent"] = "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36"
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""


def words_from(corpus: Path) -> list[str]:
    """Vietnamese words from the corpus titles, to make filler read like news."""
    words: list[str] = []
    with (corpus / "news-vi.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            words += re.findall(r"\w+", (record.get("title") or "") + " "
                                + (record.get("summary") or ""))
    return words


def write_filler(path: Path, count: int, words: list[str], sections: list[str]) -> None:
    rng = random.Random(42)
    kinds = ["article"] * 8 + ["directive", "procedure"]
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            kind = rng.choice(kinds)
            title = " ".join(rng.choices(words, k=rng.randint(8, 14))).capitalize()
            body = "\n\n".join(" ".join(rng.choices(words, k=rng.randint(40, 90)))
                               for _ in range(rng.randint(2, 5)))
            day = f"20{rng.randint(18, 26):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            record = {"external_id": f"filler-{n}", "kind": kind, "lang": "vi",
                      "title": title, "summary": body[:200], "body": body,
                      "published_at": day}
            if kind == "article":
                record["section"] = rng.choice(sections)
                record["tags"] = rng.sample(words, 2)
            elif kind == "directive":
                record |= {"number": f"{n}/QĐ-UBND", "doc_type": "Quyết định",
                           "issuer": "Ủy ban nhân dân tỉnh", "issued_at": day}
            else:
                record |= {"code": f"9.{n:06d}", "field": rng.choice(words),
                           "level": "Cấp tỉnh", "steps": ["Bước 1: nộp hồ sơ"]}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def build_site(data: Path, corpus: Path, items: int) -> dict[str, float]:
    create_site(data, "admin", "benchmark-password")
    cfg = config_mod.load(data)
    conn = open_sync(cfg.database_path)
    started = time.perf_counter()
    summary = import_files(conn, [corpus / name for name in CORPUS_FILES])
    corpus_seconds = time.perf_counter() - started
    total = summary.created
    sections = [r[0] for r in conn.execute("SELECT key FROM section")]
    filler_seconds = 0.0
    if items > total:
        with tempfile.TemporaryDirectory() as tmp:
            filler = Path(tmp) / "filler.jsonl"
            write_filler(filler, items - total, words_from(corpus), sections)
            started = time.perf_counter()
            total += import_files(conn, [filler]).created
            filler_seconds = time.perf_counter() - started
    conn.execute("PRAGMA optimize")
    conn.close()
    return {"items": total, "corpus_import_s": round(corpus_seconds, 1),
            "filler_import_s": round(filler_seconds, 1),
            "filler_items_per_s": round((items - summary.created) / filler_seconds)
            if filler_seconds else None}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(base: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit("the server exited before answering")
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer")


def article_paths(data: Path, count: int = 200) -> list[str]:
    from appliance import content

    conn = open_sync(config_mod.load(data).database_path)
    items = content.list_items(conn, lang="vi", kinds=["article"], limit=count)
    conn.close()
    return [item.url for item in items]


def run_wrk(base: str, paths: list[str], seconds: int, connections: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script, listing = Path(tmp) / "paths.lua", Path(tmp) / "paths.txt"
        script.write_text(WRK_SCRIPT)
        listing.write_text("\n".join(paths) + "\n")
        output = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
             "-s", str(script), base],
            env=os.environ | {"WRK_PATHS": str(listing)},
            capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"\s+(50|75|90|99)%\s+([\d.]+\w+)", output))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": round(rps), "latency": latency,
            "non_2xx": int(errors.group(1)) if errors else 0}


def median_run(runs: list[dict]) -> dict:
    """The run with the median requests per second, and every run's figure."""
    ordered = sorted(runs, key=lambda run: run["rps"])
    middle = dict(ordered[len(ordered) // 2])
    middle["rps_runs"] = [run["rps"] for run in runs]
    return middle


def search_latency(base: str, rounds: int = 5) -> dict[str, float]:
    """Uncached search latency over HTTP: every query is made unique."""
    timings = []
    for round_no in range(rounds):
        for query in SEARCH_QUERIES:
            url = (f"{base}/api/v1/search?q={urllib.parse.quote(query)}"
                   f"&per_page=20&page=1&_r={round_no}")
            started = time.perf_counter()
            urllib.request.urlopen(url, timeout=30).read()
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
            "max_ms": round(timings[-1], 1), "queries": len(timings)}


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024, 1)


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3,
                        help="wrk runs per address; the median is reported")
    parser.add_argument("--data", help="reuse or keep the benchmark site here")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--only", choices=("article", "home", "search_api"),
                        action="append", help="load only these addresses (repeatable)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    corpus = Path(os.environ.get("PORTAL_CORPUS", ""))
    if not (corpus / "news-vi.jsonl").is_file():
        raise SystemExit("set PORTAL_CORPUS to the corpus folder")

    workdir = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="portal-bench-"))
    results: dict = {"machine": machine(), "date": time.strftime("%Y-%m-%d")}
    if not (workdir / config_mod.CONFIG_FILE).exists():
        results["build"] = build_site(workdir, corpus, args.items)
    db_file = config_mod.load(workdir).database_path
    results["database_mb"] = round(db_file.stat().st_size / 2**20)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "appliance.cli", "serve", "--data", str(workdir),
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=os.environ | {"PORTAL_LOG_LEVEL": "WARNING"})
    try:
        wait_up(base, server)
        if not args.only:
            results["search_http"] = search_latency(base)
        articles = article_paths(workdir)
        searches = [f"/api/v1/search?q={urllib.parse.quote(q)}" for q in SEARCH_QUERIES]
        for name, paths in (("article", articles), ("home", ["/vi/"]),
                            ("search_api", searches)):
            if args.only and name not in args.only:
                continue
            run_wrk(base, paths, 3, args.connections)  # warm the cache
            runs = [run_wrk(base, paths, args.seconds, args.connections)
                    for _ in range(args.runs)]
            results[name] = median_run(runs)
        results["peak_rss_mb"] = peak_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if not args.data:
            shutil.rmtree(workdir, ignore_errors=True)

    print(json.dumps(results, indent=2, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
