"""Storage: one SQLite file in WAL mode, numbered migrations, one writer.

Every connection, in the server or the command line, is made by `connect()`,
which sets the pragmas and registers the SQL functions the search index needs
(its triggers call them). In the server, `Database` keeps one aiosqlite writer
behind an asyncio lock and a few aiosqlite readers, so reads run in parallel
on their own threads and never block the event loop.

Data functions are plain synchronous functions taking a `sqlite3.Connection`;
the server runs them with `await db.read(fn, ...)` or `await db.write(fn, ...)`,
the command line calls them directly. One implementation serves both.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import importlib
import logging
import re
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

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


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the database with the appliance's pragmas and SQL functions."""
    if readonly:
        uri = f"file:{Path(path).as_posix()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None,
                               check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None,
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

def _migration_files() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("appliance.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, match.group(2)))
    found.sort()
    numbers = [n for n, _, _ in found]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"two migrations share a number: {numbers}")
    return found


def latest_schema() -> int:
    files = _migration_files()
    return files[-1][0] if files else 0


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply every migration newer than the database, each in its own transaction."""
    applied = []
    current = schema_version(conn)
    latest = latest_schema()
    if current > latest:
        raise RuntimeError(
            f"the database is at schema {current}, newer than this program ({latest}); "
            "run the newer program or restore a backup"
        )
    for number, name, suffix in _migration_files():
        if number <= current:
            continue
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if suffix == "sql":
                script = resources.files("appliance.migrations").joinpath(name)
                _run_script(conn, script.read_text(encoding="utf-8"))
            else:
                module = importlib.import_module(f"appliance.migrations.{name[:-3]}")
                module.migrate(conn)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("migration applied", extra={"migration": name,
                 "ms": round((time.perf_counter() - started) * 1000)})
        applied.append(name)
    return applied


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
        await self.aio

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
        self._writer = _AsyncConnection(self.path, readonly=False)
        await self._writer.open()
        await self._writer.run(prepare)
        for _ in range(self._reader_count):
            reader = _AsyncConnection(self.path, readonly=False)
            await reader.open()
            self._all_readers.append(reader)
            self._readers.put_nowait(reader)
        self._data_version = await self._writer.run(_data_version)

    async def close(self) -> None:
        for reader in self._all_readers:
            await reader.close()
        self._all_readers.clear()
        if self._writer is not None:
            await self._writer.run(_optimize)
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


def open_sync(path: Path | str) -> sqlite3.Connection:
    """An up-to-date connection for the command line and tools."""
    conn = connect(path)
    prepare(conn)
    return conn
