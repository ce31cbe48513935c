"""Storage: one SQLite file in WAL mode, numbered migrations, one writer.

Every connection, in the server or the command line, is made by `connect()`,
which sets the pragmas and registers the SQL functions the search index needs
(its triggers call them). It makes the file only when asked to (a new site):
a site whose database is missing is refused, never given an empty one. In
the server, `Database` keeps one aiosqlite writer behind an asyncio lock and
a few aiosqlite readers, so reads run in parallel on their own threads and
never block the event loop.

Data functions are plain synchronous functions taking a `sqlite3.Connection`;
the server runs them with `await db.read(fn, ...)` or `await db.write(fn, ...)`,
the command line calls them directly. One implementation serves both.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import importlib
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from . import __version__
from .errors import UserError
from .i18n import gettext as _
from .text import fold

log = logging.getLogger("portal.db")

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.(sql|py)$")


def utcnow() -> str:
    """The current time as stored: UTC, ISO 8601, seconds, Z suffix."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fold_lower(text: str | None) -> str:
    return fold(text).lower()


def _register_functions(conn: sqlite3.Connection) -> None:
    # The search part's functions are used by its index triggers, so every
    # connection that may write needs them, not only the server's.
    from search.textform import register_functions

    register_functions(conn)
    conn.create_function("fold_lower", 1, _fold_lower, deterministic=True)


class MissingDatabase(UserError):
    """A site's database file is gone; nothing was made in its place."""


def require_database(path: Path | str) -> None:
    """Refuse a database file that is not there, or is empty: an empty
    database made in its place would serve an empty site as if nothing had
    happened."""
    path = Path(path)
    if not path.is_file():
        raise MissingDatabase(_(
            "no database at %(path)s: restore it from a backup (portal restore) "
            "— nothing was created", path=path))
    if path.stat().st_size == 0:
        # SQLite would take an emptied file (a full disk, a copy cut short)
        # for a new database and build an empty site in it.
        raise MissingDatabase(_(
            "the database %(path)s is empty: restore it from a backup (portal "
            "restore) — nothing was changed", path=path))


def existing_uri(path: Path | str) -> str:
    """The address that opens a site's database only if the file is there
    (mode=rw, even if it vanished just now), after refusing a missing one."""
    require_database(path)
    return f"{Path(path).absolute().as_uri()}?mode=rw"


def connect(path: Path | str, *, readonly: bool = False,
            create: bool = False) -> sqlite3.Connection:
    """Open the database with the appliance's pragmas and SQL functions.

    Only `create=True` (a new site, a test's scratch database) makes the
    file; otherwise a missing one is refused (MissingDatabase) and SQLite
    is told not to create it either."""
    if readonly:
        uri = f"file:{Path(path).as_posix()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None,
                               check_same_thread=False)
    elif create:
        conn = sqlite3.connect(str(path), isolation_level=None,
                               check_same_thread=False)
    else:
        conn = sqlite3.connect(existing_uri(path), uri=True, isolation_level=None,
                               check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -16000")
    _register_functions(conn)
    return conn


# -- migrations ---------------------------------------------------------------

@dataclass(frozen=True)
class Migration:
    """One numbered schema change; `apply` runs it inside the upgrade's
    transaction and must neither commit nor roll back."""
    number: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


class SchemaTooNew(UserError):
    """The database was upgraded by a newer program than this one."""


class MigrationFailed(UserError):
    """A migration failed; the upgrade was rolled back, nothing changed.

    A UserError so that it reaches the operator as one line (the command's
    error, the service's last log line): what to do about it is in the text,
    and the traceback goes to the debug log."""


def available_migrations() -> list[Migration]:
    """The program's migrations, in order (SQL scripts and Python modules
    in appliance/migrations/)."""
    found = []
    for entry in resources.files("appliance.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name,
                                   _loader(entry.name, match.group(2))))
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"two migrations share a number: {numbers}")
    return found


def _loader(name: str, suffix: str) -> Callable[[sqlite3.Connection], None]:
    if suffix == "sql":
        script = resources.files("appliance.migrations").joinpath(name)
        return lambda conn: _run_script(conn, script.read_text(encoding="utf-8"))
    return lambda conn: importlib.import_module(
        f"appliance.migrations.{name[:-3]}").migrate(conn)


def latest_schema() -> int:
    migrations = available_migrations()
    return migrations[-1].number if migrations else 0


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, *, backup: bool = True) -> list[str]:
    """Bring the schema up to date: back up an existing database, then apply
    every pending migration in one transaction, so that a failure anywhere
    leaves the database exactly as it was. A database newer than the
    program is refused untouched."""
    migrations = available_migrations()
    latest = migrations[-1].number if migrations else 0
    current = schema_version(conn)
    if current > latest:
        raise SchemaTooNew(_too_new(conn, current, latest))
    if current == latest:
        return []
    backup_file = backup_before_upgrade(conn, current) if backup and current else None
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have upgraded while we made the backup.
        current = schema_version(conn)
        pending = [m for m in migrations if m.number > current]
        # Table rebuilds may break references for a moment; they are
        # checked at COMMIT, which fails (and rolls back) if any is left.
        conn.execute("PRAGMA defer_foreign_keys = ON")
        for migration in pending:
            _apply(conn, migration, current)
        if pending:
            conn.execute(f"PRAGMA user_version = {pending[-1].number}")
            _record_upgrade(conn, current, pending[-1].number, backup_file)
        conn.execute("COMMIT")
        if not pending:
            return []
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        log.debug("schema upgrade failed", exc_info=True)
        if isinstance(exc, sqlite3.Error):
            raise MigrationFailed(f"the upgrade from schema {current} could not be "
                                  f"committed ({exc}); the database is unchanged") from exc
        raise
    names = [m.name for m in pending]
    log.info("schema upgraded", extra={
        "from_schema": current, "to_schema": latest, "migrations": ",".join(names),
        "backup": backup_file.name if backup_file else "",
        "ms": round((time.perf_counter() - started) * 1000)})
    return names


def _apply(conn: sqlite3.Connection, migration: Migration, current: int) -> None:
    try:
        migration.apply(conn)
    except Exception as exc:
        raise MigrationFailed(
            f"migration {migration.name} failed ({type(exc).__name__}: {exc}); "
            f"the database is unchanged at schema {current}") from exc


def _record_upgrade(conn: sqlite3.Connection, old: int, new: int,
                    backup_file: Path | None) -> None:
    """Note which program brought the database to this schema, so an older
    program can say which release a newer database needs."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_history'"
                    ).fetchone():
        conn.execute(
            "INSERT INTO schema_history (schema, from_schema, program, applied_at, backup)"
            " VALUES (?, ?, ?, ?, ?)",
            (new, old, __version__, utcnow(), backup_file.name if backup_file else None))


def _too_new(conn: sqlite3.Connection, current: int, latest: int) -> str:
    program = None
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_history'"
                    ).fetchone():
        row = conn.execute("SELECT program FROM schema_history WHERE schema = ?"
                           " ORDER BY rowid DESC LIMIT 1", (current,)).fetchone()
        program = row[0] if row else None
    needed = f"portal {program} or newer" if program else "the release that upgraded it"
    return (f"the database is at schema {current}, newer than this program "
            f"(portal {__version__}, schema {latest}): run {needed}, or restore "
            "the backup made before that upgrade")


def database_file(conn: sqlite3.Connection) -> Path | None:
    """The file behind a connection's main database (None in memory)."""
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return Path(row[2]) if row[2] else None
    return None


def backup_before_upgrade(conn: sqlite3.Connection, schema: int) -> Path | None:
    """Copy the database, with SQLite's online backup, to a file beside it
    named after its schema and the time: portal.db.schema-5.20261203T101500Z.bak.

    A copy made by an earlier start whose upgrade failed is used again while
    the database has not changed since: otherwise a service restarted after
    each failure (systemd's Restart=on-failure) would fill the disk with
    copies. The copy carries its stamp in its own metadata: its
    modification time is set to the database's at the moment of the copy,
    and its size is the database's, once every committed write has been
    checkpointed from the WAL into the main file."""
    source = database_file(conn)
    if source is None:
        return None
    settled = _checkpointed(conn)
    if settled:
        earlier = _unchanged_copy(source, schema)
        if earlier is not None:
            log.info("database copy from an earlier start reused", extra={
                "backup": earlier.name, "schema": schema})
            return earlier
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = source.with_name(f"{source.name}.schema-{schema}.{stamp}.bak")
    n = 1
    while target.exists():  # two upgrades within one second
        n += 1
        target = source.with_name(f"{source.name}.schema-{schema}.{stamp}-{n}.bak")
    started = time.perf_counter()
    try:
        # Private from the start: it holds what the database holds.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        before = source.stat()
        copy = sqlite3.connect(target)
        try:
            conn.backup(copy)
        finally:
            copy.close()
        if settled and _stamp(source.stat()) == _stamp(before):
            os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    except (sqlite3.Error, OSError) as exc:
        target.unlink(missing_ok=True)
        raise UserError(f"could not back up the database before upgrading it "
                        f"({exc}); nothing was changed: free some disk space "
                        f"in {source.parent} and start again") from exc
    log.info("database backed up before upgrade", extra={
        "backup": target.name, "schema": schema,
        "ms": round((time.perf_counter() - started) * 1000)})
    return target


def _checkpointed(conn: sqlite3.Connection) -> bool:
    """Copy every committed write from the WAL into the main file, without
    waiting on anyone; True when nothing is left only in the WAL."""
    try:
        busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    except sqlite3.Error:
        return False
    return not busy and frames == copied


def _stamp(info: os.stat_result) -> tuple[int, int]:
    return info.st_size, info.st_mtime_ns


def _unchanged_copy(source: Path, schema: int) -> Path | None:
    """The newest copy of this schema made from the database as it is now."""
    try:
        now = _stamp(source.stat())
    except OSError:
        return None
    for copy in sorted(source.parent.glob(f"{source.name}.schema-{schema}.*.bak")):
        with contextlib.suppress(OSError):
            if _stamp(copy.stat()) == now and _schema_of(copy) == schema:
                return copy
    return None


def _schema_of(copy: Path) -> int | None:
    try:
        conn = sqlite3.connect(f"file:{copy.as_posix()}?mode=ro", uri=True)
        try:
            return schema_version(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def prepare(conn: sqlite3.Connection) -> None:
    """Bring a database up to date: migrations, then the search index's form
    (rebuilt only when the program's text form changed since it was built)."""
    from search.index import ensure_form

    migrate(conn)
    if transaction(conn, ensure_form):
        log.info("search index rebuilt for a new text form")


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT our transaction; run statement by statement.
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip() and not statement.strip().startswith("--"):
        conn.execute(statement)


def transaction(conn: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    """Run fn(conn, *args) inside BEGIN IMMEDIATE ... COMMIT."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _snapshot(conn: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    """Run a read function inside one read transaction, for a consistent view."""
    conn.execute("BEGIN")
    try:
        return fn(conn, *args)
    finally:
        conn.execute("COMMIT")


# -- the server's access path -------------------------------------------------

class _AsyncConnection:
    """An aiosqlite connection whose thread runs our synchronous functions."""

    def __init__(self, path: Path, readonly: bool) -> None:
        self.sqlite: sqlite3.Connection | None = None

        def connector() -> sqlite3.Connection:
            self.sqlite = connect(path, readonly=readonly)
            return self.sqlite

        self.aio = aiosqlite.Connection(connector, 64)

    async def open(self) -> None:
        try:
            await self.aio
        except BaseException:
            # aiosqlite has told its thread to stop but does not wait for it;
            # its answer must reach the loop while the loop still runs, or the
            # thread dies on a closed loop with a traceback. (_thread, like
            # _execute below, is aiosqlite's own.)
            await asyncio.get_running_loop().run_in_executor(None, self.aio._thread.join)
            raise

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        # aiosqlite has no public call for "run this function on your thread";
        # _execute is that call, and it is used here only.
        return await self.aio._execute(fn, self.sqlite, *args)

    async def close(self) -> None:
        await self.aio.close()


class Database:
    """One writer, several readers, and a generation number for caches."""

    def __init__(self, path: Path | str, readers: int = 3) -> None:
        self.path = Path(path)
        self._reader_count = max(1, readers)
        self._writer: _AsyncConnection | None = None
        self._readers: asyncio.Queue[_AsyncConnection] = asyncio.Queue()
        self._all_readers: list[_AsyncConnection] = []
        self._write_lock = asyncio.Lock()
        self._data_version: int | None = None
        self.generation = 0

    async def open(self) -> None:
        # Checked here too, not only on the connection's thread, so the
        # message is in the language of whoever started the server.
        require_database(self.path)
        self._writer = _AsyncConnection(self.path, readonly=False)
        try:
            await self._writer.open()
        except BaseException:
            self._writer = None
            raise
        try:
            await self._writer.run(prepare)
            for _reader in range(self._reader_count):
                reader = _AsyncConnection(self.path, readonly=False)
                await reader.open()
                self._all_readers.append(reader)
                self._readers.put_nowait(reader)
            self._data_version = await self._writer.run(_data_version)
        except BaseException:
            # A damaged database, a refused or failed upgrade: every thread
            # opened so far would keep the process alive.
            await self._close_connections()
            raise

    async def close(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(sqlite3.Error):
                await self._writer.run(_optimize)
        await self._close_connections()

    async def _close_connections(self) -> None:
        for reader in self._all_readers:
            await reader.close()
        self._all_readers.clear()
        self._readers = asyncio.Queue()
        if self._writer is not None:
            await self._writer.close()
            self._writer = None

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run fn(conn, *args, **kwargs) on a free reader, in one read transaction."""
        fn = _in_caller_context(fn, kwargs)
        reader = await self._readers.get()
        try:
            return await reader.run(_snapshot, fn, *args)
        finally:
            self._readers.put_nowait(reader)

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run fn(conn, *args, **kwargs) in a write transaction; writes are serialised."""
        assert self._writer is not None, "database is not open"
        fn = _in_caller_context(fn, kwargs)
        async with self._write_lock:
            try:
                return await self._writer.run(transaction, fn, *args)
            finally:
                self.generation += 1

    async def write_unseen(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A write that no public page shows (counters such as page views):
        serialised like any write, but the generation stays, so the page
        cache is not emptied for it."""
        assert self._writer is not None, "database is not open"
        fn = _in_caller_context(fn, kwargs)
        async with self._write_lock:
            return await self._writer.run(transaction, fn, *args)

    async def fetchall(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return await self.read(lambda conn: conn.execute(sql, params).fetchall())

    async def fetchone(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        return await self.read(lambda conn: conn.execute(sql, params).fetchone())

    async def check_outside_writes(self) -> bool:
        """Notice commits by other processes (the CLI importer) and bump the
        generation so cached pages are rebuilt. Returns True on a change."""
        if self._writer is None:
            return False
        version = await self._writer.run(_data_version)
        changed = version != self._data_version
        self._data_version = version
        if changed:
            self.generation += 1
        return changed

    async def schema(self) -> int:
        return await self.read(schema_version)


def _in_caller_context(fn: Callable[..., T], kwargs: dict[str, Any]) -> Callable[..., T]:
    """fn with its keyword arguments, run in a copy of the caller's context.

    The database threads do not inherit context variables; without this a
    message made in a data function (a UserError from the content store)
    would come out in the default language instead of the request's.
    """
    return functools.partial(contextvars.copy_context().run, fn, **kwargs)


def _data_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA data_version").fetchone()[0]


def _optimize(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA optimize")


def open_sync(path: Path | str, *, create: bool = False) -> sqlite3.Connection:
    """An up-to-date connection for the command line and tools; the file is
    made only with `create=True` (see connect)."""
    conn = connect(path, create=create)
    prepare(conn)
    return conn
