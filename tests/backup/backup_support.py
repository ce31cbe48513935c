"""Support for the backup tests: key pairs (with a light scrypt cost, so
tests do not spend seconds per key), a site's [backup] settings, the
`portal` command in-process, and Debian's `age` answered at its passphrase
prompt through a pseudo-terminal, as a person would type it."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
import tomllib
from pathlib import Path

from appliance import config as config_mod
from appliance.cli import main
from backup.keys import KeyPair, keygen

PASSPHRASE = "correct horse battery staple"
# 2^10 instead of age's 2^18: the same code path, a thousandth of the work.
LIGHT_LOG_N = 10


def make_keys(folder: Path, passphrase: str = PASSPHRASE) -> KeyPair:
    return keygen(folder, passphrase, log_n=LIGHT_LOG_N)


def configure(data_dir: Path, **backup: object) -> config_mod.Config:
    """Set [backup] settings in the site's portal.toml, keeping the others."""
    path = data_dir / config_mod.CONFIG_FILE
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    values = {f"{section}.{key}": value for section, table in raw.items()
              for key, value in table.items()}
    values.update({f"backup.{key}": value for key, value in backup.items()})
    path.write_text(config_mod.render_config(values), encoding="utf-8")
    return config_mod.load(data_dir)


def run(capsys, *argv: str, env: dict | None = None) -> tuple[int, str, str]:
    """The `portal` command in this process: exit code, stdout, stderr."""
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    finally:
        os.environ.clear()
        os.environ.update(old)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> bool:
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err


def age_at_a_terminal(argv: list[str], passphrase: str,
                      timeout: float = 60) -> tuple[int, str]:
    """Run a program that asks for a passphrase on its terminal (age reads
    /dev/tty), typing it at every prompt; returns the exit code and what it
    showed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its terminal is the pseudo-terminal
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    shown = b""
    answered = 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:  # the child closed its terminal
                break
            if not data:
                break
            shown += data
            if shown.lower().count(b"passphrase") > answered:
                answered += 1
                os.write(fd, passphrase.encode("utf-8") + b"\n")
    finally:
        os.close(fd)
    for _ in range(int(timeout * 10)):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")
        time.sleep(0.1)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError(f"{argv[0]} did not finish: {shown[-500:]!r}")


def tool(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), capture_output=True, timeout=120, check=True,
                          **kwargs)


def fill(folder: Path, leave: int) -> Path:
    """Fill the file system that holds `folder` but `leave` bytes."""
    filler = folder / "filler.bin"
    info = os.statvfs(folder)
    filler.write_bytes(b"\0" * max(0, info.f_bavail * info.f_frsize - leave))
    return filler
