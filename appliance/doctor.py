"""`portal doctor`: check a site and say what to do about each problem.

Checks are plain functions, `check(cfg: Config) -> Iterable[Finding]`, listed
in CHECKS as "module:function" and imported only when doctor runs. A part
adds its own check by adding one line to CHECKS; its function returns one
Finding per thing it looked at: OK when fine, WARNING when the site works
but should be looked at, ERROR when something is wrong or soon will be. The
command exits 1 when any finding is an ERROR.

The checks read the site; they change nothing and create no file (the
database is opened read-only, without creating its WAL files, so running
doctor as root cannot leave root-owned files for the service to trip on).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import ipaddress
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import config as config_mod
from .config import Config
from .errors import UserError
from .i18n import gettext as _

OK, WARNING, ERROR = "ok", "warning", "error"


@dataclass(frozen=True)
class Finding:
    level: str  # OK, WARNING or ERROR
    check: str  # what was checked, one word: config, permissions, disk...
    message: str  # what was found
    action: str = ""  # what to do about it (empty when nothing needs doing)


Check = Callable[[Config], Iterable[Finding]]

# Every check, in the order they are reported. A part adds "module:function".
CHECKS: list[str] = [
    "appliance.doctor:check_config",
    "appliance.doctor:check_permissions",
    "appliance.doctor:check_disk",
    "appliance.doctor:check_certificates",
    "appliance.doctor:check_schema",
    "backup.doctor:check_backups",
]


# What `portal serve` checks of the config at start-up beyond loading it
# (each part's setup calls its own): doctor runs the same, so that "valid"
# means the server will start. "module:function", called with the config.
START_CHECKS: list[str] = [
    "backup:check",
]


def _load(name: str) -> Check:
    module, _sep, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def run_checks(data_dir: Path) -> list[Finding]:
    """Every check's findings; a check that fails is itself a finding."""
    try:
        cfg = config_mod.load(data_dir)
    except config_mod.SecretsError as exc:
        return [Finding(ERROR, "config", str(exc), _(
            "fix %(file)s, or restore it from a backup (portal restore): new keys "
            "could not read what the old ones encrypted; then run portal doctor again",
            file=config_mod.SECRETS_FILE))]
    except UserError as exc:
        return [Finding(ERROR, "config", str(exc),
                        "fix portal.toml (every setting is described in it), then run "
                        "portal doctor again")]
    findings: list[Finding] = []
    for name in CHECKS:
        try:
            findings += list(_load(name)(cfg))
        except Exception as exc:  # a broken check must not hide the others
            findings.append(Finding(ERROR, name.rpartition(":")[2].removeprefix("check_"),
                                    f"the check {name} failed: {type(exc).__name__}: {exc}",
                                    "report this fault; the other checks still ran"))
    return findings


def report(findings: list[Finding], data_dir: Path) -> str:
    width = max([len(f.check) for f in findings] + [8])
    lines = [f"portal doctor: {data_dir}"]
    for f in findings:
        lines.append(f"  {f.level:<8} {f.check:<{width}}  {f.message}")
        if f.action:
            lines.append(f"  {'':<8} {'':<{width}}  -> {f.action}")
    counts = {level: sum(f.level == level for f in findings) for level in (WARNING, ERROR)}
    lines.append(f"{counts[ERROR]} error(s), {counts[WARNING]} warning(s)")
    return "\n".join(lines)


def cmd_doctor(args: argparse.Namespace) -> int:
    from .cli import _data_dir

    data_dir = _data_dir(args)
    findings = run_checks(data_dir)
    print(report(findings, data_dir))
    return 1 if any(f.level == ERROR for f in findings) else 0


def add_command(command) -> None:
    command("doctor", cmd_doctor,
            "check config, file permissions, disk, certificates and schema")


# -- the core's checks --------------------------------------------------------

def check_config(cfg: Config) -> Iterable[Finding]:
    refused = False
    for name in START_CHECKS:
        try:
            _load(name)(cfg)
        except UserError as exc:
            refused = True
            yield Finding(ERROR, "config", f"portal serve would refuse to start: {exc}",
                          "fix portal.toml (every setting is described in it), then "
                          "run portal doctor again")
    if not refused:
        yield Finding(OK, "config", f"{config_mod.CONFIG_FILE} is valid")
    hosts = cfg.hosts
    addresses = [_address(h) for h in hosts]
    if cfg.https and not cfg.base_url.startswith("https://"):
        yield Finding(WARNING, "config",
                      f"HTTPS is on but site.base_url is {cfg.base_url}",
                      "set site.base_url to the https:// address: links, feeds and "
                      "secure cookies are made from it")
    if not cfg.https and not cfg["server.trust_proxy"]:
        yield Finding(WARNING, "config",
                      "the site serves plain HTTP and no reverse proxy is named",
                      "name a certificate in tls.certificate and tls.key (or, behind a "
                      "proxy that does HTTPS, its address in server.trust_proxy)")
    if all(a is not None and a.is_loopback for a in addresses) and (
            cfg.https or not cfg["server.trust_proxy"]):
        yield Finding(WARNING, "config",
                      f"it listens on {', '.join(hosts)} only: nobody else can reach it",
                      'to serve the public, set server.host = ["0.0.0.0", "::"]')
    elif not any(a is None or a.version == 6 for a in addresses):
        yield Finding(WARNING, "config", "it listens on IPv4 addresses only",
                      'add "::" (every IPv6 address) to server.host')


def _address(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: it may stand for both families


def _private(path: Path) -> bool:
    return not stat.S_IMODE(path.stat().st_mode) & 0o077


def check_permissions(cfg: Config) -> Iterable[Finding]:
    data = cfg.data_dir
    owner = data.stat().st_uid
    problems = False
    if not _private(data):
        problems = True
        yield Finding(ERROR, "permissions",
                      f"{data} can be opened by other accounts on this server",
                      f"chmod 700 {data}")
    exposed = [p for p in _private_files(cfg) if p.exists() and not _private(p)]
    if exposed:
        problems = True
        names = " ".join(str(p) for p in exposed[:5])
        yield Finding(ERROR, "permissions",
                      f"readable by other accounts: {names}", f"chmod 600 {names}")
    strangers = [p for p in _walk(data) if p.lstat().st_uid != owner]
    if strangers:
        problems = True
        yield Finding(ERROR, "permissions",
                      f"{len(strangers)} file(s) belong to another account than the data "
                      f"directory's (such as {strangers[0]}): the service may be unable "
                      "to write them",
                      f"chown -R {_user_name(owner)}: {data}")
    if not os.access(data, os.W_OK):
        problems = True
        yield Finding(ERROR, "permissions", f"{data} is not writable by this account",
                      f"run portal doctor as the service account ({_user_name(owner)})")
    if not problems:
        yield Finding(OK, "permissions",
                      f"the data directory is private to {_user_name(owner)}")


def _private_files(cfg: Config) -> list[Path]:
    data = cfg.data_dir
    files = [data / config_mod.SECRETS_FILE, cfg.database_path]
    files += [cfg.database_path.with_name(cfg.database_path.name + s)
              for s in ("-wal", "-shm")]
    files += sorted(data.glob(f"{config_mod.DATABASE_FILE}.schema-*.bak"))
    key = cfg.data_path("tls.key")
    return files + ([key] if key else [])


def _walk(root: Path) -> Iterable[Path]:
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            yield Path(folder, name)


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


MB = 1024 * 1024
GB = 1024 * MB


def _size(n: float) -> str:
    if n >= GB:
        return f"{n / GB:.1f} GB"
    return f"{n / MB:.0f} MB" if n >= MB else f"{n / 1024:.0f} KB"


def check_disk(cfg: Config) -> Iterable[Finding]:
    usage = shutil.disk_usage(cfg.data_dir)
    database = sum(p.stat().st_size for p in
                   (cfg.database_path, cfg.database_path.with_name("portal.db-wal"))
                   if p.exists())
    # An upgrade copies the database first; backups need room too.
    needed = database + 100 * MB
    comfortable = max(2 * database, GB)
    found = (f"{_size(usage.free)} free of {_size(usage.total)}; the database is "
             f"{_size(database)}")
    if usage.free < needed:
        yield Finding(ERROR, "disk", found + ": not enough to back it up before an "
                      "upgrade", f"free space on the disk of {cfg.data_dir}")
    elif usage.free < comfortable or usage.free < usage.total / 10:
        yield Finding(WARNING, "disk", found, f"free space on the disk of {cfg.data_dir} "
                      "soon: the database, media and backups grow")
    else:
        yield Finding(OK, "disk", found)


def check_certificates(cfg: Config) -> Iterable[Finding]:
    from . import tls

    if not cfg.https:
        yield Finding(OK, "certificate", "none configured (plain HTTP)")
        return
    cert, key = cfg.data_path("tls.certificate"), cfg.data_path("tls.key")
    try:
        tls.server_context(cert, key)
        info = tls.read_certificate(cert)
    except UserError as exc:
        yield Finding(ERROR, "certificate", str(exc),
                      "fix tls.certificate and tls.key in portal.toml, or the files")
        return
    days = info.days_left()
    until = info.not_after.strftime("%Y-%m-%d")
    names = ", ".join(info.names)
    if days <= 0:
        yield Finding(ERROR, "certificate", f"the certificate expired on {until}: "
                      "browsers refuse the site", _renew(cfg, info))
    elif days < tls.URGENT_DAYS:
        yield Finding(ERROR, "certificate", f"the certificate expires on {until}, in "
                      f"{days:.0f} day(s)", _renew(cfg, info))
    elif days < tls.WARN_DAYS:
        yield Finding(WARNING, "certificate", f"the certificate expires on {until}, in "
                      f"{days:.0f} days", _renew(cfg, info))
    if info.self_signed:
        yield Finding(WARNING, "certificate", "the certificate is self-signed: browsers "
                      "warn every visitor",
                      "get one from a certificate authority (certbot certonly --webroot "
                      f"-w {cfg.data_path('tls.acme_webroot')} -d <host>, see "
                      "docs/operations.md) and name its files in tls.certificate and "
                      "tls.key")
    host = _host(cfg.base_url)
    if host and not any(_matches(host, name) for name in info.names):
        yield Finding(WARNING, "certificate", f"the certificate is for {names}, not "
                      f"{host} (site.base_url)", "get a certificate for the site's name")
    if days >= tls.WARN_DAYS and not info.self_signed:
        yield Finding(OK, "certificate", f"for {names}, valid until {until} "
                      f"({days:.0f} days)")


def _renew(cfg: Config, info) -> str:
    if info.self_signed:
        return "replace it with a certificate from a certificate authority"
    return ("renew it (certbot renew); the server picks up the new files by itself "
            "within seconds")


def _host(url: str) -> str | None:
    from yarl import URL

    return URL(url).host


def _matches(host: str, name: str) -> bool:
    if name.startswith("*."):
        return host.endswith(name[1:]) and host.count(".") == name.count(".")
    return host.lower() == name.lower()


def check_schema(cfg: Config) -> Iterable[Finding]:
    path = cfg.database_path
    if not path.exists():
        yield Finding(ERROR, "schema", f"there is no database at {path}",
                      "restore it from a backup, or run portal init in a new directory")
        return
    if path.stat().st_size == 0:
        yield _damaged(path, _("the file is empty"))
        return
    try:
        found = _inspect(path)
    except sqlite3.DatabaseError as exc:
        # What SQLite says of a file that is not, or no longer, a database;
        # anything else (a file it may not read) is not damage.
        if getattr(exc, "sqlite_errorname", "") not in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
            raise
        yield _damaged(path, str(exc))
        return
    current, latest = found.schema, found.latest
    if found.damage:
        yield _damaged(path, found.damage)
    if current > latest:
        yield Finding(ERROR, "schema", found.too_new, "install the newer program again")
    elif current < latest:
        yield Finding(WARNING, "schema", f"the database is at schema {current}; "
                      f"this program brings it to {latest} at its next start, after "
                      "a backup beside it", "restart the service to upgrade")
    elif found.missing:
        tables = [name for kind, name in found.missing if kind == "table"]
        others = [name for kind, name in found.missing if kind != "table"]
        action = _restore()
        if tables:
            yield Finding(ERROR, "schema", _(
                "tables of schema %(schema)s missing from the database: %(names)s",
                schema=current, names=", ".join(tables)), action)
        if others:
            yield Finding(ERROR, "schema", _(
                "indexes, triggers or views of schema %(schema)s missing from the "
                "database: %(names)s", schema=current, names=", ".join(others)), action)
    elif not found.damage:
        yield Finding(OK, "schema", f"schema {current}, as this program expects")
    copies = sorted(path.parent.glob(f"{path.name}.schema-*.bak"))
    if copies:
        size = sum(p.stat().st_size for p in copies)
        yield Finding(OK, "schema", f"{len(copies)} copy(ies) made before upgrades "
                      f"({_size(size)}), the newest {copies[-1].name}",
                      "remove old ones once the upgrade has proved itself")


@dataclass(frozen=True)
class _Database:
    schema: int
    latest: int
    too_new: str = ""  # why a newer database is refused
    damage: str = ""  # what SQLite's quick_check found wrong
    missing: tuple[tuple[str, str], ...] = ()  # (kind, name) the schema should have


def _inspect(path: Path) -> _Database:
    from .db import _too_new, latest_schema

    conn = _read_only(path)
    try:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        latest = latest_schema()
        too_new = _too_new(conn, current, latest) if current > latest else ""
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        damage = "" if problems == ["ok"] else "; ".join(problems[:3])
        missing: tuple[tuple[str, str], ...] = ()
        if current == latest:
            present = {(kind, name) for kind, name, _table in _objects(conn)}
            expected = _expected_objects(latest)
            gone = {name for kind, name, _table in expected
                    if kind == "table" and (kind, name) not in present}
            # A missing table's own indexes and triggers went with it.
            missing = tuple((kind, name) for kind, name, table in expected
                            if (kind, name) not in present
                            and (kind == "table" or table not in gone))
        return _Database(current, latest, too_new, damage, missing)
    finally:
        conn.close()


def _objects(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """The schema's tables, views, triggers and indexes: (kind, name, table)."""
    return [tuple(row) for row in conn.execute(
        "SELECT type, name, tbl_name FROM sqlite_master"
        " WHERE name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY type, name")]


@functools.cache
def _expected_objects(schema: int) -> tuple[tuple[str, str, str], ...]:
    """What the program's migrations make, up to `schema`: they run on an
    empty database in memory."""
    from .db import connect, migrate

    conn = connect(":memory:", create=True)
    try:
        migrate(conn, backup=False)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema
        return tuple(_objects(conn))
    finally:
        conn.close()


def _damaged(path: Path, reason: str) -> Finding:
    return Finding(ERROR, "schema",
                   _("the database %(path)s is damaged (%(reason)s)", path=path,
                     reason=reason),
                   _restore())


def _restore() -> str:
    return _("stop the service and restore the database from a backup (portal restore, "
             "see docs/operations.md)")


def _read_only(path: Path) -> sqlite3.Connection:
    """Open without creating anything: with the server running its WAL files
    exist and are shared; without them the main file is complete."""
    running = all(path.with_name(path.name + s).exists() for s in ("-wal", "-shm"))
    flags = "mode=ro" if running else "immutable=1"
    return sqlite3.connect(f"file:{path.as_posix()}?{flags}", uri=True)
