"""A real OpenSSH server on loopback for the SFTP tests, started by the
tests themselves: its own host key, one authorised client key, and an SFTP
subsystem that can be told to die once it has written a given amount (a
file-size limit), the way a NAS that crashes mid-transfer looks."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = "/usr/sbin/sshd"
SFTP_SERVER = "/usr/lib/openssh/sftp-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keypair(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test",
                    "-f", str(path)], check=True, timeout=60)
    return path.with_suffix(".pub").read_text().strip()


@dataclass
class Sshd:
    folder: Path
    served: Path
    port: int
    host_key: str  # the public line, as ssh-keyscan prints it
    client_key: Path
    user: str
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"sftp://{self.user}@127.0.0.1:{self.port}{self.served}"

    def limit_writes(self, size: int | None) -> None:
        """Make the SFTP subsystem die once a file passes `size` bytes."""
        limit = self.folder / "limit"
        if size is None:
            limit.unlink(missing_ok=True)
        else:
            limit.write_text(str(size // 512))  # ulimit -f counts 512-byte blocks

    def start(self) -> None:
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.folder / "sshd_config")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"sshd exited: {self.process.stderr.read()[-2000:]}")
            if time.monotonic() > deadline:
                raise AssertionError("sshd did not start listening")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stderr:
            self.process.stderr.close()
        self.process = None


def make_sshd(folder: Path, served: Path) -> Sshd:
    if not (os.access(SSHD, os.X_OK) and os.access(SFTP_SERVER, os.X_OK)
            and shutil.which("ssh-keygen")):
        raise AssertionError("OpenSSH's server is needed: apt-get install openssh-server")
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation
    host_key = keypair(folder / "host_key")
    client_public = keypair(folder / "client_key")
    (folder / "authorized_keys").write_text(client_public + "\n")
    wrapper = folder / "sftp-server"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'limit=$(cat "{folder}/limit" 2>/dev/null)\n'
        '[ -n "$limit" ] && ulimit -f "$limit"\n'
        f"exec {SFTP_SERVER}\n")
    wrapper.chmod(0o755)
    port = free_port()
    (folder / "sshd_config").write_text("\n".join([
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {folder / 'host_key'}",
        f"PidFile {folder / 'sshd.pid'}",
        f"AuthorizedKeysFile {folder / 'authorized_keys'}",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        "UsePAM no",
        "StrictModes no",
        f"Subsystem sftp {wrapper}",
        "LogLevel ERROR",
    ]) + "\n")
    served.mkdir(parents=True, exist_ok=True)
    server = Sshd(folder, served, port, host_key, folder / "client_key", getpass.getuser())
    server.start()
    return server
