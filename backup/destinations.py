"""Where archives go: a directory (the NAS share, mounted) or an SFTP server
with a pinned host key.

Both offer the same small synchronous interface, used from the backup's
worker thread: an upload is written under a temporary name (`.NAME.tmp`) and
renamed when it is complete, so an archive at its final name is always
whole; small files (manifests) are written the same way. The SFTP
destination runs asyncssh on an event loop of its own, in its own thread, so
the command line and the server use it alike and the server's loop never
waits on the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Coroutine
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

from appliance.config import Config
from appliance.errors import UserError

log = logging.getLogger("portal.backup")

T = TypeVar("T")

WRITE_BLOCK = 1 << 20
# Blocks an SFTP upload keeps in flight: enough to fill a LAN link, little
# enough that memory stays small.
SFTP_IN_FLIGHT = 4
SFTP_CONNECT_TIMEOUT = 30
SFTP_CALL_TIMEOUT = 300
# How long a failed upload waits for the writes still in flight to end
# (they fail at once when the connection is gone) before cancelling them.
SFTP_ABORT_WAIT = 10
READ_BLOCK = 1 << 20


class DestinationError(UserError):
    """The destination refused or failed; the message says what to check."""


class DestinationFull(DestinationError):
    pass


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    mtime: float


class Upload(Protocol):
    def write(self, data: bytes) -> int: ...
    def commit(self, name: str) -> None: ...
    def abort(self) -> None: ...


class Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...
    def close(self) -> None: ...


class Destination(Protocol):
    label: str

    def upload(self, name: str) -> Upload: ...
    def put_file(self, name: str, data: bytes) -> None: ...
    def entries(self) -> list[Entry]: ...
    def remove(self, name: str) -> None: ...
    def open(self, name: str) -> Reader: ...
    def read_small(self, name: str) -> bytes | None: ...
    def close(self) -> None: ...


def temp_name(name: str) -> str:
    return f".{name}.tmp"


def _full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


# -- a directory ------------------------------------------------------------------

class DirectoryUpload:
    def __init__(self, folder: Path, name: str) -> None:
        self._folder = folder
        self._temp = folder / temp_name(name)
        fd = os.open(self._temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb", buffering=WRITE_BLOCK)

    def write(self, data: bytes) -> int:
        try:
            return self._file.write(data)
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> DestinationError:
        if _full(exc):
            return DestinationFull(f"the destination {self._folder} is full "
                                   f"({exc.strerror}): free some space or keep fewer archives")
        return DestinationError(f"cannot write to {self._folder}: {exc.strerror or exc}")

    def commit(self, name: str) -> None:
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.rename(self._temp, self._folder / name)
            _fsync_dir(self._folder)
        except OSError as exc:
            raise self._error(exc) from None

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(OSError):
            self._temp.unlink()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DirectoryDestination:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.label = str(folder)

    def _check(self) -> None:
        # Never create it: a NAS share that failed to mount leaves an empty
        # mount point, and the backup must not quietly fill the local disk.
        if not self.folder.is_dir():
            raise DestinationError(f"the backup folder {self.folder} does not exist "
                                   "(is the NAS share mounted?)")

    def upload(self, name: str) -> DirectoryUpload:
        self._check()
        try:
            return DirectoryUpload(self.folder, name)
        except OSError as exc:
            raise DestinationError(f"cannot write to {self.folder}: "
                                   f"{exc.strerror or exc}") from None

    def put_file(self, name: str, data: bytes) -> None:
        upload = self.upload(name)
        try:
            upload.write(data)
            upload.commit(name)
        except BaseException:
            upload.abort()
            raise

    def entries(self) -> list[Entry]:
        self._check()
        found = []
        with os.scandir(self.folder) as listing:
            for entry in listing:
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False):
                        info = entry.stat(follow_symlinks=False)
                        found.append(Entry(entry.name, info.st_size, info.st_mtime))
        return found

    def remove(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.folder / name).unlink()

    def open(self, name: str) -> Reader:
        try:
            return open(self.folder / name, "rb", buffering=READ_BLOCK)  # noqa: SIM115
        except OSError as exc:
            raise DestinationError(f"cannot read {self.folder / name}: "
                                   f"{exc.strerror or exc}") from None

    def read_small(self, name: str) -> bytes | None:
        try:
            return (self.folder / name).read_bytes()
        except FileNotFoundError:
            return None

    def same_disk_as(self, path: Path) -> bool:
        with contextlib.suppress(OSError):
            return os.stat(self.folder).st_dev == os.stat(path).st_dev
        return False

    def close(self) -> None:
        pass


# -- SFTP -------------------------------------------------------------------------

@dataclass(frozen=True)
class SftpAddress:
    user: str
    host: str
    port: int
    path: str

    @property
    def label(self) -> str:
        return f"sftp://{self.user}@{self.host}:{self.port}{self.path}"


def parse_sftp(url: str) -> SftpAddress:
    parts = urlsplit(url)
    try:
        port = parts.port or 22
    except ValueError:
        raise UserError(f"backup.destination {url!r} has a bad port") from None
    if parts.password is not None:
        raise UserError("backup.destination must not hold a password: the SFTP "
                        "login uses the key in backup.sftp_key")
    if not parts.hostname or not parts.username or not parts.path.startswith("/"):
        raise UserError(f"backup.destination {url!r} should look like "
                        "sftp://user@host[:port]/path/to/folder")
    return SftpAddress(unquote(parts.username), parts.hostname, port,
                       unquote(parts.path).rstrip("/") or "/")


class _Loop:
    """An event loop in a thread of its own, for asyncssh."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(_quiet)
        self._thread = threading.Thread(target=self.loop.run_forever,
                                        name="backup-sftp", daemon=True)
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T],
               timeout: float = SFTP_CALL_TIMEOUT) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(asyncio.wait_for(coro, timeout),
                                                self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = SFTP_CALL_TIMEOUT) -> T:
        return self.submit(coro, timeout).result()

    def close(self) -> None:
        # Tasks asyncssh left behind (writes of a broken upload) are cancelled
        # and awaited, so none is dropped pending or with its error unread.
        settled = asyncio.run_coroutine_threadsafe(_settle_tasks(), self.loop)
        with contextlib.suppress(Exception):
            settled.result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


async def _settle_tasks() -> None:
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


def _quiet(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """The SFTP loop's errors that no one awaited: once an upload has failed,
    asyncssh's own write tasks end with the same lost connection, which the
    run has already reported; a line in the debug log, not a traceback on
    stderr."""
    exc = context.get("exception")
    log.debug("sftp background error", extra={
        "detail": context.get("message", ""),
        "error": f"{type(exc).__name__}: {exc}" if exc else ""})


class SftpDestination:
    def __init__(self, address: SftpAddress, client_key: Path, host_key: str) -> None:
        self.address = address
        self.label = address.label
        self._client_key = client_key
        self._host_key = host_key
        self._loop: _Loop | None = None
        self._conn: Any = None
        self._sftp: Any = None

    # -- connection

    def _client(self):
        if self._sftp is None:
            self._loop = _Loop()
            try:
                self._conn, self._sftp = self._loop.run(self._connect(),
                                                        SFTP_CONNECT_TIMEOUT + 5)
            except BaseException as exc:
                self.close()
                raise self._error(exc, "connecting") from None
        return self._sftp

    async def _connect(self):
        import asyncssh

        try:
            host_key = asyncssh.import_public_key(self._host_key)
        except (asyncssh.KeyImportError, ValueError):
            raise UserError("backup.sftp_host_key is not an SSH public key: give the "
                            "line ssh-keyscan prints, without the host name") from None
        try:
            client_key = asyncssh.read_private_key(str(self._client_key))
        except (OSError, asyncssh.KeyImportError) as exc:
            raise UserError(f"cannot read the SSH key {self._client_key} "
                            f"(backup.sftp_key): {getattr(exc, 'strerror', None) or exc}"
                            ) from None
        conn = await asyncssh.connect(
            self.address.host, port=self.address.port, username=self.address.user,
            client_keys=[client_key], known_hosts=([host_key], [], []),
            config=[], agent_path=None, password_auth=False, kbdint_auth=False,
            connect_timeout=SFTP_CONNECT_TIMEOUT, keepalive_interval=15,
            keepalive_count_max=4)
        try:
            return conn, await conn.start_sftp_client()
        except BaseException:
            conn.close()
            raise

    def _error(self, exc: BaseException, doing: str) -> BaseException:
        import asyncssh

        where = self.label
        if isinstance(exc, UserError):
            return exc
        if isinstance(exc, asyncssh.HostKeyNotVerifiable):
            return DestinationError(
                f"the SFTP server {where} showed a host key other than "
                "backup.sftp_host_key: refusing to send it anything")
        if isinstance(exc, asyncssh.PermissionDenied):
            return DestinationError(f"the SFTP server {where} refused the key in "
                                    "backup.sftp_key")
        if isinstance(exc, (asyncssh.SFTPConnectionLost, asyncssh.SFTPNoConnection)):
            return DestinationError(f"the connection to the SFTP server {where} was "
                                    f"lost while {doing}")
        if isinstance(exc, asyncssh.SFTPError):
            reason = exc.reason or "failure"
            if isinstance(exc, asyncssh.SFTPFailure) and doing == "writing":
                return DestinationFull(
                    f"the SFTP server {where} refused a write ({reason}): its disk "
                    "may be full")
            return DestinationError(f"the SFTP server {where} refused {doing}: {reason}")
        if isinstance(exc, OSError) and doing == "connecting":
            return DestinationError(f"cannot reach the SFTP server {where}: "
                                    f"{exc.strerror or exc}")
        if isinstance(exc, (asyncssh.Error, ConnectionError, EOFError,
                            asyncssh.misc.ChannelOpenError)):
            return DestinationError(f"the connection to the SFTP server {where} was "
                                    f"lost while {doing}")
        if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
            return DestinationError(f"the SFTP server {where} stopped answering "
                                    f"while {doing}")
        if isinstance(exc, OSError):
            return DestinationError(f"cannot reach the SFTP server {where}: "
                                    f"{exc.strerror or exc}")
        return exc

    def _call(self, coro_fn, doing: str, *args):
        sftp = self._client()
        try:
            return self._loop.run(coro_fn(sftp, *args))
        except BaseException as exc:
            raise self._error(exc, doing) from None

    def _path(self, name: str) -> str:
        return f"{self.address.path}/{name}"

    # -- the interface

    def upload(self, name: str) -> SftpUpload:
        return SftpUpload(self, name)

    def put_file(self, name: str, data: bytes) -> None:
        upload = self.upload(name)
        try:
            upload.write(data)
            upload.commit(name)
        except BaseException:
            upload.abort()
            raise

    def entries(self) -> list[Entry]:
        async def listing(sftp):
            return [Entry(n.filename, n.attrs.size or 0, n.attrs.mtime or 0)
                    for n in await sftp.readdir(self.address.path)
                    if n.attrs.type == 1]  # regular files

        return self._call(listing, "listing the folder")

    def remove(self, name: str) -> None:
        import asyncssh

        async def remove(sftp):
            with contextlib.suppress(asyncssh.SFTPNoSuchFile):
                await sftp.remove(self._path(name))

        self._call(remove, "deleting a file")

    def open(self, name: str) -> SftpReader:
        handle = self._call(lambda sftp: sftp.open(self._path(name), "rb"),
                            "opening a file")
        return SftpReader(self, handle)

    def read_small(self, name: str) -> bytes | None:
        import asyncssh

        async def read(sftp):
            try:
                async with sftp.open(self._path(name), "rb") as handle:
                    return await handle.read()
            except asyncssh.SFTPNoSuchFile:
                return None

        return self._call(read, "reading a file")

    def same_disk_as(self, path: Path) -> bool:
        return False

    def close(self) -> None:
        if self._loop is None:
            return
        if self._conn is not None:
            conn = self._conn

            async def close():
                conn.close()
                await conn.wait_closed()

            with contextlib.suppress(Exception):
                self._loop.run(close(), 10)
        self._loop.close()
        self._loop, self._conn, self._sftp = None, None, None


class SftpUpload:
    """Blocks of 1 MiB written at their offsets, a few in flight at once."""

    def __init__(self, destination: SftpDestination, name: str) -> None:
        self._dest = destination
        self._temp = destination._path(temp_name(name))
        self._handle = destination._call(lambda sftp: sftp.open(self._temp, "xb"),
                                         "creating a file")
        self._buffer = bytearray()
        self._offset = 0
        self._pending: deque[Future] = deque()

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) >= WRITE_BLOCK:
            self._send(bytes(self._buffer[:WRITE_BLOCK]))
            del self._buffer[:WRITE_BLOCK]
        return len(data)

    def _send(self, block: bytes) -> None:
        loop = self._dest._loop
        assert loop is not None
        self._pending.append(loop.submit(self._handle.write(block, self._offset)))
        self._offset += len(block)
        while len(self._pending) > SFTP_IN_FLIGHT:
            self._wait(self._pending.popleft())

    def _wait(self, future: Future) -> None:
        try:
            future.result()
        except BaseException as exc:
            raise self._dest._error(exc, "writing") from None

    def commit(self, name: str) -> None:
        import asyncssh

        if self._buffer:
            self._send(bytes(self._buffer))
            self._buffer.clear()
        while self._pending:
            self._wait(self._pending.popleft())
        handle, temp, final = self._handle, self._temp, self._dest._path(name)

        async def finish(sftp):
            with contextlib.suppress(Exception):
                await handle.fsync()  # an OpenSSH extension; best effort
            await handle.close()
            try:
                await sftp.posix_rename(temp, final)
            except asyncssh.SFTPOpUnsupported:  # a server without the extension
                await sftp.rename(temp, final)

        self._dest._call(finish, "finishing the upload")

    def abort(self) -> None:
        # Let the writes in flight end (with the connection gone, they fail at
        # once) and read their errors; cancelling them halfway would leave
        # asyncssh's tasks for each piece of a block running unobserved.
        deadline = time.monotonic() + SFTP_ABORT_WAIT
        while self._pending:
            future = self._pending.popleft()
            try:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                future.cancel()
            except BaseException:
                pass  # the upload's first error is the one reported
        handle, temp = self._handle, self._temp

        async def drop(sftp):
            with contextlib.suppress(Exception):
                await handle.close()
            with contextlib.suppress(Exception):
                await sftp.remove(temp)

        # The server may be gone; the next run removes what is left.
        with contextlib.suppress(Exception):
            self._dest._call(drop, "removing an unfinished upload")


class SftpReader:
    def __init__(self, destination: SftpDestination, handle: Any) -> None:
        self._dest = destination
        self._handle = handle
        self._offset = 0
        self._buffer = b""
        self._pos = 0
        self._eof = False

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while chunk := self.read(READ_BLOCK):
                parts.append(chunk)
            return b"".join(parts)
        if self._pos >= len(self._buffer) and not self._eof:
            block = self._dest._call(lambda _s: self._handle.read(READ_BLOCK, self._offset),
                                     "reading a file")
            self._offset += len(block)
            self._buffer, self._pos = block, 0
            self._eof = not block
        out = self._buffer[self._pos:self._pos + size]
        self._pos += len(out)
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._dest._call(lambda _s: self._handle.close(), "closing a file")


# -- choosing one -----------------------------------------------------------------

def describe(config: Config) -> str:
    """The destination as operators see it (never a secret)."""
    value = str(config["backup.destination"]).strip()
    if value.startswith("sftp://"):
        return parse_sftp(value).label
    return value


def open_destination(config: Config) -> DirectoryDestination | SftpDestination:
    value = str(config["backup.destination"]).strip()
    if not value:
        raise UserError("no backup destination: set backup.destination in portal.toml")
    if value.startswith("sftp://"):
        address = parse_sftp(value)
        key = str(config["backup.sftp_key"]).strip()
        host_key = str(config["backup.sftp_host_key"]).strip()
        if not key:
            raise UserError("backup.sftp_key is empty: give the SSH private key that "
                            "logs in to the SFTP server")
        if not host_key:
            raise UserError("backup.sftp_host_key is empty: pin the server's host key "
                            "(ssh-keyscan -t ed25519 HOST prints it)")
        return SftpDestination(address, config.data_dir / key, host_key)
    if "://" in value:
        raise UserError(f"backup.destination {value!r}: use a folder or sftp://")
    return DirectoryDestination(config.data_dir / Path(value).expanduser())
