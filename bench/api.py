"""API benchmark: what the feeds part costs and how fast it serves, on the
real corpus, with `portal serve` in its own process.

    PORTAL_CORPUS=/path/to/corpus .venv/bin/python bench/api.py

Reports, as a markdown table (and JSON with --json FILE):
- the corpus import with no webhook subscriber and with one active (the
  triggers then write an event per published item), three runs each, and
  the same for single saves (content.save_item, rounds of 500 alternating
  between two sites, so both see the same load);
- read API pages walked with cursors (limit 100, every page a new address,
  so no answer comes from the page cache): latency p50/p95 over HTTP;
- the open data downloads (whole datasets as CSV and JSON): seconds and MB,
  and the server's peak RSS after them;
- webhook deliveries to a receiver on loopback: events per second.
"""

from __future__ import annotations

import argparse
import http.server
import json
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from appliance import config as config_mod
from appliance.db import open_sync, transaction
from appliance.importer import import_files
from appliance.site import create_site
from feeds.webhooks import EVENTS, Secrets, add_subscriber

CORPUS_FILES = ("sections.jsonl", "news-vi.jsonl", "trilingual.jsonl", "laws.jsonl.gz",
                "legal-refs.jsonl", "procedures.jsonl.gz")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def new_site(folder: Path, port: int, receiver: str | None) -> config_mod.Config:
    create_site(folder, "admin", "benchmark-password-1", overrides={
        "server.port": port, "site.base_url": f"http://127.0.0.1:{port}",
        "api.anonymous_per_minute": 1_000_000, "webhooks.poll_seconds": 1,
        "security.totp_required_roles": []})
    config = config_mod.load(folder)
    if receiver:
        conn = open_sync(config.database_path)
        transaction(conn, add_subscriber, Secrets(config), "bench", receiver, EVENTS, {})
        conn.close()
    return config


def timed_saves(configs: list[config_mod.Config], rounds: int = 5,
                per_round: int = 500) -> list[float]:
    """Median milliseconds per published save on each site."""
    from appliance.content import ItemInput, save_item, save_section

    conns = [open_sync(config.database_path) for config in configs]
    for conn in conns:
        transaction(conn, save_section, "bench", {"vi": "Bench"})
    times: list[list[float]] = [[] for _ in conns]
    for round_number in range(rounds):
        for index, conn in enumerate(conns):
            started = time.perf_counter()
            for number in range(per_round):
                transaction(conn, lambda db, n=number, r=round_number: save_item(db, ItemInput(
                    kind="article", lang="vi", section_key="bench",
                    title=f"Tin thử {r} {n}", body="<p>Nội dung.</p>"),
                    status="published"))
            times[index].append((time.perf_counter() - started) / per_round * 1000)
    for conn in conns:
        conn.close()
    return [statistics.median(each) for each in times]


def timed_import(config: config_mod.Config, corpus: Path) -> tuple[float, int]:
    conn = open_sync(config.database_path)
    started = time.perf_counter()
    summary = import_files(conn, [corpus / name for name in CORPUS_FILES])
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, summary.created


class Receiver(http.server.BaseHTTPRequestHandler):
    count = 0
    first: float | None = None
    last: float | None = None

    def do_POST(self) -> None:  # noqa: N802 - the library's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        now = time.perf_counter()
        Receiver.first = Receiver.first or now
        Receiver.last = now
        Receiver.count += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def serve(config: config_mod.Config) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "appliance", "serve", "--data",
                               str(config.data_dir)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with urllib.request.urlopen(config.base_url + "/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def fetch(url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as answer:
        body = answer.read()
    return time.perf_counter() - started, body


def walk(base: str, path: str) -> list[float]:
    times = []
    address: str | None = path
    while address:
        seconds, body = fetch(base + address)
        times.append(seconds)
        address = json.loads(body)["next"]
    return times


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    corpus = Path(__import__("os").environ["PORTAL_CORPUS"])
    results: dict = {"machine": f"{platform.machine()}, {__import__('os').cpu_count()} "
                                f"cores, Python {platform.python_version()}"}

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/hook"

    with tempfile.TemporaryDirectory() as folder:
        imports: dict[str, list[float]] = {"none": [], "one": []}
        created = 0
        for run in range(args.runs):
            for label, target in (("none", None), ("one", hook)):
                site = new_site(Path(folder, f"{label}{run}"), free_port(), target)
                seconds, created = timed_import(site, corpus)
                imports[label].append(seconds)
        results["import_items"] = created
        results["import_seconds"] = {k: statistics.median(v) for k, v in imports.items()}
        plain = new_site(Path(folder, "saves-none"), free_port(), None)
        watched = new_site(Path(folder, "saves-one"), free_port(), hook)
        results["save_ms"] = dict(zip(("none", "one"), timed_saves([plain, watched]),
                                      strict=True))

        config = config_mod.load(Path(folder, "one0"))
        server = serve(config)
        try:
            base = config.base_url
            started = time.perf_counter()
            while Receiver.count < created and time.perf_counter() - started < 900:
                time.sleep(0.5)
            if Receiver.count and Receiver.first and Receiver.last:
                results["webhook_events"] = Receiver.count
                results["webhook_per_second"] = Receiver.count / max(
                    Receiver.last - Receiver.first, 1e-9)
            pages = walk(base, "/api/v1/articles?limit=100")
            pages += walk(base, "/api/v1/procedures?limit=100")
            pages += walk(base, "/api/v1/documents?limit=100&order=updated")
            results["api_pages"] = len(pages)
            results["api_p50_ms"] = statistics.median(pages) * 1000
            results["api_p95_ms"] = percentile(pages, 0.95) * 1000
            downloads = {}
            for name in ("articles", "documents", "procedures"):
                for flavour in ("csv", "json"):
                    seconds, body = fetch(f"{base}/api/v1/datasets/{name}.{flavour}")
                    downloads[f"{name}.{flavour}"] = (seconds, len(body))
            results["downloads"] = downloads
            results["peak_rss_mb"] = peak_rss(server.pid) / 1048576
        finally:
            server.terminate()
            server.wait(timeout=30)
    receiver.shutdown()

    print(f"machine: {results['machine']}")
    print("| what | result |\n| --- | --- |")
    secs = results["import_seconds"]
    print(f"| corpus import, no subscriber | {results['import_items']:,} items in "
          f"{secs['none']:.1f} s |")
    print(f"| corpus import, one active subscriber | {secs['one']:.1f} s "
          f"({(secs['one'] / secs['none'] - 1) * 100:+.0f} %) |")
    saves = results["save_ms"]
    print(f"| one published save, no subscriber / one subscriber | "
          f"{saves['none']:.2f} ms / {saves['one']:.2f} ms "
          f"({(saves['one'] / saves['none'] - 1) * 100:+.0f} %) |")
    if "webhook_per_second" in results:
        print(f"| webhook deliveries to loopback | {results['webhook_events']:,} events, "
              f"{results['webhook_per_second']:.0f}/s |")
    print(f"| read API pages (limit 100, uncached), {results['api_pages']} pages | "
          f"p50 {results['api_p50_ms']:.1f} ms, p95 {results['api_p95_ms']:.1f} ms |")
    for name, (seconds, size) in results["downloads"].items():
        print(f"| download {name} | {size / 1048576:.1f} MB in {seconds:.2f} s |")
    print(f"| server peak RSS | {results['peak_rss_mb']:.0f} MB |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
