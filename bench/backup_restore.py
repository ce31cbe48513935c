"""Backup benchmark: a site with the corpus and N GB of media, backed up with
`portal backup run` and restored with `portal restore`, each in its own
process, timed, with its peak RSS.

    PORTAL_CORPUS=/path/to/corpus .venv/bin/python bench/backup_restore.py --media-gb 2 0.5

Media files are random bytes (photos and PDFs are already compressed, so
this is what zstandard meets in practice), 200 KB to 4 MB, under
media/YYYY/MM/ as the library stores them. The key pair is made with age's
own scrypt cost, as `portal backup keygen` makes it. The destination is a
folder on the same disk (there is no NAS here), the test restore is off so
that the backup is timed alone (it costs about one restore), and files come
from the page cache (the benchmark has just written them). Throughput is the
site's bytes (database and files) over the command's wall time; CPU time
(user and system, every thread) and peak RSS come from GNU time (Debian's
`time`). On a shared machine the wall time says more about the neighbours;
the CPU time says what the work costs. Prints a markdown table and, with
--json FILE, the raw figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from appliance import config as config_mod
from appliance.db import open_sync
from appliance.importer import import_files
from appliance.site import create_site

CORPUS_FILES = ("sections.jsonl", "news-vi.jsonl", "trilingual.jsonl", "laws.jsonl.gz",
                "legal-refs.jsonl", "procedures.jsonl.gz")
PASSPHRASE = "benchmark passphrase, not a secret"
PORTAL = [sys.executable, "-m", "appliance.cli"]


def build_site(data: Path, corpus: Path) -> None:
    create_site(data, "admin", "bench-admin-password")
    conn = open_sync(data / config_mod.DATABASE_FILE)
    try:
        import_files(conn, [corpus / name for name in CORPUS_FILES if (corpus / name).exists()])
    finally:
        conn.close()


def add_media(media: Path, total: int, seed: int = 8) -> int:
    """Random files of 200 KB to 4 MB until `total` bytes; returns the count."""
    rng = random.Random(seed)
    written = count = 0
    while written < total:
        size = min(rng.randint(200_000, 4_000_000), total - written)
        folder = media / f"20{rng.randint(20, 26)}" / f"{rng.randint(1, 12):02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{count:06d}-{rng.getrandbits(40):010x}.jpg").write_bytes(os.urandom(size))
        written += size
        count += 1
    return count


def configure(data: Path, nas: Path, recipient: str) -> None:
    path = data / config_mod.CONFIG_FILE
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    values = {f"{section}.{key}": value for section, table in raw.items()
              for key, value in table.items()}
    values.update({"backup.destination": str(nas), "backup.recipient": recipient,
                   "backup.test_restore": False})
    path.write_text(config_mod.render_config(values), encoding="utf-8")


def site_bytes(data: Path) -> int:
    return sum(p.stat().st_size for p in data.rglob("*")
               if p.is_file() and not p.relative_to(data).as_posix().startswith("backup/"))


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run a command; its wall seconds, its peak RSS (MB) and its CPU seconds
    (user and system, all threads).

    GNU time reports the peak: Linux counts a child's peak from the moment it
    was forked, so a child forked by this (large) process would report this
    process's size; one forked by time(1) reports its own."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        started = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", rss.name,
                                 *argv], env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(argv[3:5])} failed: {result.stderr[-500:]}")
        peak_kb, user, system = rss.read().split()[-3:]
    return seconds, int(peak_kb) / 1024, float(user) + float(system)


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start")


def bench_size(root: Path, corpus: Path, gigabytes: float, runs: int,
               keys: Path, recipient: str) -> dict:
    data, nas = root / "site", root / "nas"
    nas.mkdir()
    build_site(data, corpus)
    files = add_media(data / "media", int(gigabytes * 10**9))
    configure(data, nas, recipient)
    total = site_bytes(data)
    env = dict(os.environ, PORTAL_BACKUP_PASSPHRASE=PASSPHRASE)
    backups, restores = [], []
    for _ in range(runs):
        for old in nas.iterdir():
            old.unlink()
        backups.append(run_measured(PORTAL + ["backup", "run", "--data", str(data)], env))
        [archive] = nas.glob("*.tar.zst.age")
        target = root / "restored"
        restores.append(run_measured(
            PORTAL + ["restore", str(archive), "--key", str(keys), "--to", str(target)],
            env))
        shutil.rmtree(target)
    archive_size = next(nas.glob("*.tar.zst.age")).stat().st_size
    shutil.rmtree(data)
    shutil.rmtree(nas)
    return {"media_gb": gigabytes, "site_bytes": total, "files": files,
            "archive_bytes": archive_size, "backup": backups, "restore": restores}


def summary(result: dict, what: str) -> str:
    runs = result[what]
    seconds = statistics.median(s for s, _, _ in runs)
    cpu = statistics.median(c for _, _, c in runs)
    rss = max(r for _, r, _ in runs)
    size = result["site_bytes"]
    return (f"| {what}, {size / 10**9:.2f} GB | **{size / seconds / 10**6:,.0f} MB/s** "
            f"({seconds:.1f} s; runs {' · '.join(f'{s:.1f}' for s, _, _ in runs)} s) "
            f"| {cpu:.1f} s ({size / cpu / 10**6:,.0f} MB per CPU second) "
            f"| {rss:,.0f} MB |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--media-gb", type=float, nargs="+", default=[2.0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--tmp", metavar="DIR", help="where to build (default: TMPDIR)")
    args = parser.parse_args()
    corpus = Path(os.environ.get("PORTAL_CORPUS", ""))
    if not (corpus / "news-vi.jsonl").is_file():
        raise SystemExit("set PORTAL_CORPUS to the corpus folder")
    print(machine(), flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-backup-", dir=args.tmp) as tmp:
        root = Path(tmp)
        from backup.keys import keygen

        pair = keygen(root / "keys", PASSPHRASE)  # age's own scrypt cost
        for gigabytes in args.media_gb:
            work = root / f"size-{gigabytes}"
            work.mkdir()
            results.append(bench_size(work, corpus, gigabytes, args.runs, pair.private,
                                      str(pair.recipient)))
            print(f"done {gigabytes} GB", flush=True)
    print("| what | wall-clock throughput (median) | CPU time, all threads (median) "
          "| peak RSS (max) |")
    print("| --- | --- | --- | --- |")
    for result in results:
        print(summary(result, "backup"))
        print(summary(result, "restore"))
    for result in results:
        print(f"{result['media_gb']} GB media: {result['files']:,} files, site "
              f"{result['site_bytes']:,} bytes, archive {result['archive_bytes']:,} bytes")
    print(machine().replace("at the start", "at the end"))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
