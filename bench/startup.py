"""Start-up benchmark of the built executable: its size, and how long after
it is started `portal serve` answers /healthz.

    scripts/build && cp dist/portal /tmp/portal-onefile
    scripts/build --onedir
    .venv/bin/python bench/startup.py /tmp/portal-onefile dist/portal/portal --runs 9

For each executable it makes a site with the executable's own `portal init`,
then starts `portal serve` again and again, polling /healthz every 5 ms from
the moment the process is started until it answers 200, and stops it with
SIGTERM. It reports the first start and the median, minimum and maximum of
the rest, the median CPU time the process (with its children) had used when
it answered, which other work on the machine changes less than the wall
time, and the median time of `portal version` (a command that does not
serve), as a markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def size_of(executable: Path) -> tuple[int, str]:
    """Bytes on disk: the file, or for the folder form the whole folder."""
    if executable.parent.joinpath("_internal").is_dir():
        folder = executable.parent
        total = sum(p.lstat().st_size for p in folder.rglob("*")
                    if p.is_file() and not p.is_symlink())
        return total, f"folder {folder.name}/"
    return executable.stat().st_size, "one file"


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process and its children so far: the
    single file's loader runs the program in a child process."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += (int(fields[11]) + int(fields[12])) / TICKS
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child))
    except (OSError, IndexError, ValueError):
        pass
    return total


def time_to_health(executable: Path, site: Path) -> tuple[float, float]:
    """Seconds from start until /healthz answers, and the CPU seconds spent."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/healthz"
    started = time.perf_counter()
    process = subprocess.Popen([str(executable), "serve", "--data", str(site),
                                "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - started, cpu_seconds(process.pid)
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(f"{executable} serve exited with "
                                     f"{process.returncode}") from None
                time.sleep(0.005)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def time_command(executable: Path, *argv: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(executable), *argv], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(executable: Path, runs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="portal-startup-") as tmp:
        site = Path(tmp) / "site"
        subprocess.run([str(executable), "init", "--data", str(site)], check=True,
                       stdout=subprocess.DEVNULL,
                       env=os.environ | {"PORTAL_ADMIN_PASSWORD": "bench-password-1"})
        first, _cpu = time_to_health(executable, site)
        rest = [time_to_health(executable, site) for _ in range(runs)]
        version = [time_command(executable, "version") for _ in range(runs)]
    size, form = size_of(executable)
    wall = [w for w, _ in rest]
    return {"executable": str(executable), "form": form, "bytes": size, "first": first,
            "median": statistics.median(wall), "min": min(wall), "max": max(wall),
            "cpu": statistics.median(c for _, c in rest),
            "version": statistics.median(version), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("executables", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    results = [measure(e.resolve(), args.runs) for e in args.executables]
    print(f"{platform.node()}: {os.cpu_count()} cores, {platform.platform()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print()
    print("| form | size | first start to /healthz | median of the next "
          f"{args.runs} (min–max) | CPU time to /healthz | `portal version` |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['form']} | {r['bytes'] / 1e6:.1f} MB | {r['first']:.2f} s "
              f"| **{r['median']:.2f} s** ({r['min']:.2f}–{r['max']:.2f}) "
              f"| {r['cpu']:.2f} s | {r['version']:.2f} s |")


if __name__ == "__main__":
    main()
