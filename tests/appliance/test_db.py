import asyncio
import sqlite3

import pytest

from appliance import content
from appliance.db import Database, latest_schema, migrate, open_sync, schema_version


def test_migrations_bring_a_new_database_to_the_latest_schema(tmp_path):
    conn = open_sync(tmp_path / "x.db", create=True)
    assert schema_version(conn) == latest_schema() >= 2
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert migrate(conn) == []  # nothing left to apply


async def test_reads_run_in_parallel_with_one_writer(config):
    db = Database(config.database_path, readers=3)
    await db.open()
    try:
        before = db.generation
        data = content.ItemInput(kind="article", lang="vi", title="Tin thử nghiệm",
                                 body="<p>Nội dung</p>")
        item = await db.write(content.save_item, data, status="published")
        assert db.generation == before + 1

        results = await asyncio.gather(*[
            db.read(content.get_item, item.id) for _ in range(10)])
        assert {r.title for r in results} == {"Tin thử nghiệm"}
    finally:
        await db.close()


async def test_a_failed_write_changes_nothing(config):
    db = Database(config.database_path, readers=1)
    await db.open()
    try:
        def half_done(conn):
            conn.execute("INSERT INTO tag (lang, name, slug) VALUES ('vi', 'a', 'a')")
            raise sqlite3.IntegrityError("boom")

        with pytest.raises(sqlite3.IntegrityError):
            await db.write(half_done)
        rows = await db.fetchall("SELECT * FROM tag")
        assert rows == []
    finally:
        await db.close()


async def test_writes_from_another_process_are_noticed(config, conn):
    db = Database(config.database_path, readers=1)
    await db.open()
    try:
        assert await db.check_outside_writes() is False
        before = db.generation
        conn.execute("INSERT INTO tag (lang, name, slug) VALUES ('vi', 'b', 'b')")
        assert await db.check_outside_writes() is True
        assert db.generation == before + 1
    finally:
        await db.close()
