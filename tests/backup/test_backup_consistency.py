"""The round trip while the site is busy: editors publish stories with
pictures and delete unused files through the running server while a backup
runs; the restored site equals the site at one moment between the first
write and the last, and `portal serve` serves it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from backup_support import run as run_cli
from sshd_support import free_port

from appliance import content, media_store
from appliance.app import DB, create_app
from appliance.config import DATABASE_FILE
from backup.run import run_backup

PHOTO = 40_000


class Newsroom:
    """Writes as the newsroom does, and remembers the site after each write."""

    def __init__(self, db, media_dir: Path) -> None:
        self.db = db
        self.media_dir = media_dir
        self.files: dict[str, bytes] = {}  # every file ever written, by path
        self.states: list[tuple[frozenset, frozenset]] = []
        self.stories: set[str] = set()
        self.live_media: dict[str, int] = {}  # path -> media id
        self.spare: list[str] = []  # media without a story, deletable

    def snapshot(self) -> None:
        self.states.append((frozenset(self.stories), frozenset(self.live_media)))

    async def publish(self, number: int) -> None:
        path = f"2026/12/photo{number}.jpg"
        data = os.urandom(PHOTO)
        # The file first, then its row: the media library's order.
        await asyncio.to_thread(self._write_file, path, data)
        title = f"Story number {number}"

        def save(conn):
            media = content.add_media(conn, path=path, mime="image/jpeg", size=len(data),
                                      width=None, height=None)
            content.save_item(conn, content.ItemInput(
                kind="article", lang="vi", title=title, section_key="tin-tuc",
                body=f'<p>Tin {number}</p><p><img src="/media/{path}" alt=""></p>',
                lead_image_id=media.id), status="published")
            return media.id

        self.live_media[path] = await self.db.write(save)
        self.stories.add(title)
        self.snapshot()

    async def spare_file(self, number: int) -> None:
        path = f"2026/12/spare{number}.jpg"
        data = os.urandom(PHOTO)
        await asyncio.to_thread(self._write_file, path, data)
        self.live_media[path] = await self.db.write(
            lambda conn: content.add_media(conn, path=path, mime="image/jpeg",
                                           size=len(data), width=None, height=None).id)
        self.spare.append(path)
        self.snapshot()

    async def delete_spare(self) -> None:
        path = self.spare.pop(0)
        media_id = self.live_media.pop(path)
        gone = await self.db.write(media_store.delete_media, media_id, None)
        self.snapshot()
        for name in gone:  # files go once the row has gone, as the library does
            (self.media_dir / name).unlink(missing_ok=True)

    def _write_file(self, path: str, data: bytes) -> None:
        target = self.media_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as handle:
            handle.write(data)
        self.files[path] = data


def restored_state(folder: Path) -> tuple[frozenset, frozenset]:
    conn = sqlite3.connect(f"file:{folder / DATABASE_FILE}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stories = frozenset(row[0] for row in conn.execute(
            "SELECT title FROM item WHERE title LIKE 'Story number %'"))
        media = frozenset(row[0] for row in conn.execute("SELECT path FROM media"))
    finally:
        conn.close()
    return stories, media


async def test_a_backup_taken_while_editors_write_restores_one_moment(
        aiohttp_client, backed, sections, keys, tmp_path, capsys):
    # Enough media that the archive takes a while to write.
    bulk = backed.media_dir / "bulk"
    bulk.mkdir()
    for number in range(24):
        (bulk / f"old{number}.jpg").write_bytes(os.urandom(1 << 20))
    client = await aiohttp_client(create_app(backed))
    newsroom = Newsroom(client.server.app[DB], backed.media_dir)
    newsroom.snapshot()
    done = asyncio.Event()

    async def editors() -> None:
        number = 0
        while not done.is_set() or number < 8:
            number += 1
            await newsroom.publish(number)
            if number % 2:
                await newsroom.spare_file(number)
            if number % 3 == 0 and newsroom.spare:
                await newsroom.delete_spare()
            await asyncio.sleep(0)

    writing = asyncio.create_task(editors())
    while len(newsroom.states) < 6:  # writes were going on before the backup
        await asyncio.sleep(0.01)
    result = await asyncio.to_thread(run_backup, backed)
    done.set()
    await writing
    assert result.test_restore == "passed"

    target = tmp_path / "restored"
    code, _out, err = run_cli(capsys, "restore", str(Path(backed["backup.destination"])
                                                     / result.archive),
                              "--key", str(keys.private), "--to", str(target))
    assert code == 0, err
    state = restored_state(target)
    assert state in newsroom.states, "the restore is not the site at any one moment"
    moment = newsroom.states.index(state)
    assert 0 < moment < len(newsroom.states) - 1, "no writes before or after the snapshot"

    stories, media_paths = state
    for path in media_paths:  # every file the restored database names is there, whole
        assert (target / "media" / path).read_bytes() == newsroom.files[path]
    for path in (target / "media").rglob("*"):
        rel = path.relative_to(target / "media").as_posix()
        if path.is_file() and not rel.startswith("bulk/"):
            assert path.read_bytes() == newsroom.files[rel]  # never a torn file
    for path in bulk.iterdir():
        assert (target / "media" / "bulk" / path.name).read_bytes() == path.read_bytes()

    newest = max(stories, key=lambda title: int(title.rsplit(" ", 1)[1]))
    await served_restored_site(target, newest, sorted(media_paths)[0], newsroom)


async def served_restored_site(target: Path, title: str, media_path: str,
                               newsroom: Newsroom) -> None:
    """`portal serve` serves the restored folder as the site it was."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "appliance.cli", "serve", "--data", str(target), "--port",
         str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        health = json.loads(await asyncio.to_thread(fetch, port, "/healthz", process))
        assert health["status"] == "ok"
        found = json.loads(await asyncio.to_thread(
            fetch, port, "/api/v1/search?q=" + urllib.parse.quote(title), process))
        hit = next(item for item in found["items"] if item["title"] == title)
        page = (await asyncio.to_thread(fetch, port, hit["url"], process)).decode()
        assert title in page
        picture = await asyncio.to_thread(fetch, port, f"/media/{media_path}", process)
        assert picture == newsroom.files[media_path]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def fetch(port: int, path: str, process: subprocess.Popen, timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}",
                                        timeout=10) as response:
                return response.read()
        except OSError:
            if process.poll() is not None:
                raise AssertionError(f"the server exited: {process.stderr.read()[-2000:]}"
                                     ) from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
