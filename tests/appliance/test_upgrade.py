"""Upgrades: a database of an older schema is backed up, then brought up to
date in one transaction; a failing migration leaves it as it was; a newer
database is refused. Real SQLite files, migrations injected where a test
needs one that fails."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from appliance import __version__, content, db
from appliance.db import (
    Migration,
    MigrationFailed,
    SchemaTooNew,
    latest_schema,
    migrate,
    open_sync,
    schema_version,
)

NOW = "2026-01-05T03:00:00Z"


def old_database(path: Path, schema: int, monkeypatch) -> None:
    """A database made by an older program: its migrations up to `schema`."""
    everything = db.available_migrations()
    monkeypatch.setattr(db, "available_migrations",
                        lambda: [m for m in everything if m.number <= schema])
    conn = db.connect(path, create=True)
    migrate(conn)
    conn.close()
    monkeypatch.setattr(db, "available_migrations", lambda: everything)


def fill_schema_1(path: Path) -> None:
    """Rows in every kind of table the first release had."""
    conn = db.connect(path)
    conn.executescript(f"""
        INSERT INTO user (id, username, role, password_hash, created_at)
            VALUES (1, 'bientap', 'editor', 'x', '{NOW}');
        INSERT INTO section (id, key, names, created_at, updated_at)
            VALUES (1, 'tin-tuc', '{{"vi": "Tin tức"}}', '{NOW}', '{NOW}');
        INSERT INTO media (id, path, mime, bytes, alt, created_at, created_by)
            VALUES (1, '2026/a.jpg', 'image/jpeg', 10, 'Ảnh', '{NOW}', 1);
        INSERT INTO item (id, kind, lang, status, published_at, section_id, slug,
                          author_id, lead_image_id, created_at, updated_at, title, body)
            VALUES (1, 'article', 'vi', 'published', '{NOW}', 1, 'le-hoi-dua-bo', 1, 1,
                    '{NOW}', '{NOW}', 'Lễ hội đua bò Bảy Núi', '<p>Đua bò</p>'),
                   (2, 'legal_document', 'vi', 'published', '{NOW}', NULL,
                    'quyet-dinh-12', NULL, NULL, '{NOW}', '{NOW}', 'Quyết định 12', ''),
                   (3, 'procedure', 'km', 'draft', NULL, NULL, 'nitivithi', NULL, NULL,
                    '{NOW}', '{NOW}', 'នីតិវិធី', '');
        INSERT INTO document (item_id, number, doc_type, issuer, legal_status, year)
            VALUES (2, '12/2025/QĐ-UBND', 'Quyết định', 'UBND tỉnh', 'in_force', 2025);
        INSERT INTO procedure (item_id, code, agency, steps)
            VALUES (3, '1.001234', 'Sở Tư pháp', '["Nộp hồ sơ"]');
        INSERT INTO tag (id, lang, name, slug) VALUES (1, 'vi', 'Lễ hội', 'le-hoi');
        INSERT INTO item_tag (item_id, tag_id) VALUES (1, 1);
        INSERT INTO audit (at, user_id, action, target) VALUES ('{NOW}', 1, 'item.create', 'item:1');
    """)
    conn.close()


def tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Ordinary tables and their columns (not SQLite's nor FTS shadow tables)."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    return {name: [c[1] for c in conn.execute(f'PRAGMA table_info("{name}")')]
            for name in names}


def rows(conn: sqlite3.Connection, table: str, columns: list[str]) -> list[tuple]:
    cols = ", ".join(f'"{c}"' for c in columns)
    return [tuple(r) for r in conn.execute(f'SELECT {cols} FROM "{table}" ORDER BY {cols}')]


def dump(path: Path) -> list[str]:
    conn = db.connect(path, readonly=True)  # views call the search functions
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def backups(folder: Path) -> list[Path]:
    return sorted(folder.glob("portal.db.schema-*.bak"))


def test_an_older_database_is_backed_up_then_upgraded_with_nothing_lost(
        tmp_path, monkeypatch):
    path = tmp_path / "portal.db"
    old_database(path, 1, monkeypatch)
    fill_schema_1(path)
    before = dump(path)

    conn = open_sync(path)  # what every command and the server do first

    assert schema_version(conn) == latest_schema()
    [backup] = backups(tmp_path)
    assert backup.name.startswith("portal.db.schema-1.")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert dump(backup) == before  # the copy is the database as it was
    with sqlite3.connect(backup) as copy:
        old_tables = tables(copy)
        assert schema_version(copy) == 1
        for table, columns in old_tables.items():
            assert rows(conn, table, columns) == rows(copy, table, columns), table
    assert sum(len(rows(conn, t, c)) for t, c in old_tables.items()) >= 11

    # The upgraded data works through today's code.
    item = content.get_item(conn, 1)
    assert item.title == "Lễ hội đua bò Bảy Núi" and item.section_id == 1
    history = conn.execute("SELECT from_schema, schema, program, backup"
                           " FROM schema_history").fetchall()
    assert [tuple(h) for h in history] == [(1, latest_schema(), __version__, backup.name)]
    conn.close()


def test_a_new_database_needs_no_backup(tmp_path):
    open_sync(tmp_path / "portal.db", create=True).close()
    assert backups(tmp_path) == []


def test_an_up_to_date_database_is_left_alone(tmp_path):
    open_sync(tmp_path / "portal.db", create=True).close()
    conn = open_sync(tmp_path / "portal.db")
    assert migrate(conn) == []
    conn.close()
    assert backups(tmp_path) == []


def _injected(monkeypatch, *extra: Migration) -> None:
    everything = db.available_migrations()
    monkeypatch.setattr(db, "available_migrations", lambda: everything + list(extra))


def test_a_migration_failing_midway_leaves_the_database_untouched(tmp_path, monkeypatch):
    path = tmp_path / "portal.db"
    old_database(path, 1, monkeypatch)
    fill_schema_1(path)
    before = dump(path)
    top = latest_schema()

    def halfway(conn):
        conn.execute("UPDATE item SET title = 'changed' WHERE id = 1")
        conn.execute("DROP TABLE audit")
        raise ValueError("the data did not fit")

    _injected(monkeypatch,
              Migration(top + 1, f"{top + 1:04d}_good.sql",
                        lambda conn: conn.execute("CREATE TABLE extra (x)")),
              Migration(top + 2, f"{top + 2:04d}_bad.py", halfway))
    conn = db.connect(path)
    with pytest.raises(MigrationFailed, match=r"_bad\.py failed .*unchanged at schema 1"):
        migrate(conn)
    assert not conn.in_transaction
    conn.close()
    # The migrations before the failing one were undone too: one transaction.
    assert dump(path) == before
    [backup] = backups(tmp_path)
    assert dump(backup) == before


def test_broken_references_left_by_an_upgrade_undo_it(tmp_path, monkeypatch):
    path = tmp_path / "portal.db"
    open_sync(path, create=True).close()
    conn = db.connect(path)
    conn.execute("INSERT INTO section (key, created_at, updated_at) VALUES ('a', ?, ?)",
                 (NOW, NOW))
    conn.execute("INSERT INTO item (kind, lang, slug, created_at, updated_at, title,"
                 " section_id) VALUES ('article', 'vi', 'a', ?, ?, 'A', 1)", (NOW, NOW))
    before = dump(path)
    top = latest_schema()
    # Turning references off inside a transaction is impossible, so a
    # migration that orphans rows must fail at the end of the upgrade.
    _injected(monkeypatch, Migration(
        top + 1, f"{top + 1:04d}_orphans.sql",
        lambda c: c.execute("INSERT INTO item_tag (item_id, tag_id) VALUES (1, 99)")))
    with pytest.raises(MigrationFailed, match="could not be committed.*unchanged"):
        migrate(conn)
    conn.close()
    assert dump(path) == before


def test_a_newer_database_is_refused_naming_the_release_it_needs(tmp_path):
    path = tmp_path / "portal.db"
    conn = open_sync(path, create=True)
    newer = latest_schema() + 3
    conn.execute("INSERT INTO schema_history (schema, from_schema, program, applied_at)"
                 " VALUES (?, ?, '9.4.0', ?)", (newer, latest_schema(), NOW))
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.close()
    before = dump(path)

    with pytest.raises(SchemaTooNew) as refused:
        open_sync(path)
    message = str(refused.value)
    assert f"schema {newer}" in message and "portal 9.4.0 or newer" in message
    assert f"schema {latest_schema()}" in message
    assert dump(path) == before and backups(tmp_path) == []


class FullDisk:
    """A connection whose online backup fails the way a full disk makes it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def backup(self, target, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")


def test_a_failed_backup_stops_the_upgrade(tmp_path, monkeypatch):
    path = tmp_path / "portal.db"
    old_database(path, 1, monkeypatch)
    before = dump(path)
    conn = db.connect(path)
    with pytest.raises(db.UserError, match="could not back up .* nothing was changed"):
        migrate(FullDisk(conn))
    conn.close()
    assert dump(path) == before
    assert backups(tmp_path) == []  # no half-written copy left behind


def test_serve_refuses_a_newer_database_in_one_line(data_dir, conn):
    newer = latest_schema() + 1
    conn.execute("INSERT INTO schema_history (schema, from_schema, program, applied_at)"
                 " VALUES (?, ?, '9.4.0', ?)", (newer, latest_schema(), NOW))
    conn.execute(f"PRAGMA user_version = {newer}")
    result = subprocess.run([sys.executable, "-m", "appliance", "serve", "--data",
                             str(data_dir), "--port", "1"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    # That line alone: the parts started before the database are closed.
    [line] = result.stderr.splitlines()
    assert line.startswith("portal: error: ") and "portal 9.4.0 or newer" in line


def _failing(monkeypatch) -> None:
    top = latest_schema()

    def broken(conn):
        raise ValueError("the data did not fit")

    _injected(monkeypatch, Migration(top + 1, f"{top + 1:04d}_bad.py", broken))


def test_a_failing_upgrade_retried_reuses_its_copy(tmp_path, monkeypatch):
    """systemd restarts a service that fails: each start must not add a full
    copy of the database (a disk filled one copy per restart)."""
    path = tmp_path / "portal.db"
    old_database(path, 1, monkeypatch)
    fill_schema_1(path)
    before = dump(path)
    _failing(monkeypatch)
    for _start in range(3):
        with pytest.raises(MigrationFailed):
            open_sync(path)
    [copy] = backups(tmp_path)
    assert dump(copy) == before

    # Once the database changes, the old copy no longer stands for it.
    conn = db.connect(path)
    conn.execute("UPDATE item SET title = 'changed' WHERE id = 1")
    conn.close()
    with pytest.raises(MigrationFailed):
        open_sync(path)
    first, second = sorted(backups(tmp_path), key=lambda p: p.stat().st_ctime_ns)
    assert first == copy and dump(first) == before
    assert dump(second) == dump(path) != before

    # And the upgrade that finally works records the copy it relied on.
    good = [m for m in db.available_migrations() if not m.name.endswith("_bad.py")]
    monkeypatch.setattr(db, "available_migrations", lambda: good)
    conn = open_sync(path)
    [[name]] = conn.execute("SELECT backup FROM schema_history WHERE from_schema = 1")
    conn.close()
    assert name == second.name and len(backups(tmp_path)) == 2


def test_a_failing_migration_stops_serve_in_one_line(data_dir):
    # The installed program's migrations plus one that fails, in a process of
    # its own, as the service runs it.
    script = (
        "import sys\n"
        "from appliance import db\n"
        "from appliance.cli import main\n"
        "everything = db.available_migrations()\n"
        "def broken(conn):\n"
        "    raise ValueError('the data did not fit')\n"
        "bad = db.Migration(everything[-1].number + 1, '9999_bad.py', broken)\n"
        "db.available_migrations = lambda: everything + [bad]\n"
        "sys.exit(main(sys.argv[1:]))\n")
    for _start in range(2):
        result = subprocess.run([sys.executable, "-c", script, "serve", "--data",
                                 str(data_dir), "--port", "1"], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 1
        lines = [line for line in result.stderr.splitlines()
                 if line.startswith("portal:")]
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert lines[0].startswith("portal: error: migration 9999_bad.py failed "
                                   "(ValueError: the data did not fit)"), lines[0]
        assert "unchanged at schema" in lines[0]
    assert len(backups(data_dir)) == 1
