"""HTTPS as the appliance serves it: a real `portal serve` process, real TLS
on loopback with generated certificates, IPv4 and IPv6."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from appliance import tls
from appliance.site import create_site

PORTAL = [sys.executable, "-m", "appliance"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A site served by its own process, HTTPS with a self-signed certificate."""

    def __init__(self, folder: Path) -> None:
        self.http_port, self.https_port = free_port(), free_port()
        self.site = folder / "site"
        create_site(self.site, "admin", "correct-horse-battery", {
            "server.host": ["127.0.0.1", "::1"], "server.port": self.http_port,
            "tls.port": self.https_port, "security.totp_required_roles": []},
            self_signed=True)
        self.first_certificate = self.certificate_file.read_bytes()
        self.log = (folder / "server.log").open("w+", encoding="utf-8")
        self.process = subprocess.Popen(PORTAL + ["serve", "--data", str(self.site)],
                                        stdout=subprocess.PIPE, stderr=self.log, text=True)
        self._wait()

    @property
    def certificate_file(self) -> Path:
        return self.site / tls.SELF_SIGNED_CERTIFICATE

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError(f"the server exited: {self.log_text()}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8")

    def trusting(self, certificate: bytes | None = None) -> ssl.SSLContext:
        """A client context that trusts the site's (first) certificate."""
        return ssl.create_default_context(
            cadata=(certificate or self.first_certificate).decode())

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.log.close()
        return self.process.returncode


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("https"))
    yield running
    assert running.stop() == 0, running.log_text()


@pytest.fixture
def own_server(tmp_path):
    running = Server(tmp_path)
    yield running
    running.stop()


def plain(host: str, port: int, method: str, path: str):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path, body=b"x=1" if method == "POST" else None)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def secure(server: Server, path: str, host: str = "127.0.0.1", **kwargs):
    conn = http.client.HTTPSConnection(host, server.https_port, timeout=10,
                                       context=server.trusting(), **kwargs)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return (response.status, dict(response.getheaders()), response.read(),
                conn.sock.version())
    finally:
        conn.close()


def test_plain_http_redirects_to_https(server):
    status, headers, _ = plain("127.0.0.1", server.http_port, "GET", "/vi/search?q=l%C3%BAa")
    assert status == 301
    assert headers["Location"] == (f"https://localhost:{server.https_port}"
                                   "/vi/search?q=l%C3%BAa")
    assert "Strict-Transport-Security" not in headers  # only ever sent over HTTPS
    status, headers, _ = plain("127.0.0.1", server.http_port, "POST", "/admin/login")
    assert status == 308  # the method and the form are kept
    assert headers["Location"].startswith("https://")


def test_health_and_acme_challenges_stay_on_plain_http(server):
    status, _, body = plain("127.0.0.1", server.http_port, "GET", "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"

    folder = server.site / "acme" / ".well-known" / "acme-challenge"
    folder.mkdir(parents=True)
    (folder / "Xk9_token-1").write_text("Xk9_token-1.thumbprint", encoding="ascii")
    status, headers, body = plain("127.0.0.1", server.http_port, "GET",
                                  "/.well-known/acme-challenge/Xk9_token-1")
    assert status == 200 and body == b"Xk9_token-1.thumbprint"
    assert headers["Content-Type"].startswith("text/plain")
    for path in ("/.well-known/acme-challenge/missing",
                 "/.well-known/acme-challenge/..%2F..%2Fsecrets.toml"):
        assert plain("127.0.0.1", server.http_port, "GET", path)[0] == 404


def test_https_serves_pages_with_hsts(server):
    status, headers, body, version = secure(server, "/vi/")
    assert status == 200 and b'<html lang="vi"' in body
    # Not for the subdomains unless asked: component sites under the
    # province's domain may still be plain HTTP.
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert version in ("TLSv1.2", "TLSv1.3")
    # The name in the certificate is checked too, not only the address.
    assert secure(server, "/healthz", host="localhost")[0] == 200


def handshake(port: int, context: ssl.SSLContext) -> str:
    """The cipher a client with this context gets from the server at port."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    with raw, context.wrap_socket(raw, server_hostname="localhost") as conn:
        return conn.cipher()[0]


@contextlib.contextmanager
def permissive_server(server: Server):
    """A TLS server that accepts anything OpenSSL can still do, with the
    site's certificate: proof that a client refused by the appliance could
    have connected to a laxer one."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.set_ciphers("ALL:@SECLEVEL=0")
    context.load_cert_chain(server.site / tls.SELF_SIGNED_CERTIFICATE,
                            server.site / tls.SELF_SIGNED_KEY)
    listening = socket.create_server(("127.0.0.1", 0))

    def accept():
        conn, _ = listening.accept()
        with contextlib.suppress(OSError), context.wrap_socket(conn, server_side=True):
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        yield listening.getsockname()[1]
    finally:
        thread.join(timeout=10)
        listening.close()


def test_only_tls_1_2_and_later_with_aead_ciphers(server):
    tls12 = server.trusting()
    tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    assert handshake(server.https_port, tls12) in tls.TLS12_CIPHERS.split(":")

    cbc = server.trusting()
    cbc.maximum_version = ssl.TLSVersion.TLSv1_2
    cbc.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384")
    with permissive_server(server) as port:
        assert "GCM" not in handshake(port, cbc)  # a CBC cipher, had it been allowed
    with pytest.raises(ssl.SSLError):
        handshake(server.https_port, cbc)

    old = server.trusting()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("ALL:@SECLEVEL=0")
    with permissive_server(server) as port:
        assert handshake(port, old)
    with pytest.raises(ssl.SSLError):
        handshake(server.https_port, old)


def test_ipv6_on_the_loopback(server):
    status, _, body, _ = secure(server, "/healthz", host="::1")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, headers, _ = plain("::1", server.http_port, "GET", "/vi/")
    assert status == 301 and headers["Location"].startswith("https://")


# -- a renewed certificate ----------------------------------------------------

def presented(server: Server, server_name: str | None = None) -> bytes:
    """The certificate a new connection is given (PEM)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", server.https_port), timeout=10)
    with raw, context.wrap_socket(raw, server_hostname=server_name) as conn:
        return ssl.DER_cert_to_PEM_cert(conn.getpeercert(binary_form=True)).encode()


def same_certificate(pem_a: bytes, pem_b: bytes) -> bool:
    return ssl.PEM_cert_to_DER_cert(pem_a.decode()) == ssl.PEM_cert_to_DER_cert(
        pem_b.decode())


def renew(server: Server, folder: Path, key_of: Path | None = None) -> bytes:
    """Put a new certificate (and key) in place the way an ACME hook would:
    each file replaced whole. Returns the new certificate."""
    fresh = folder / "fresh"
    fresh.mkdir(parents=True)
    cert, key = tls.make_self_signed(fresh, ["localhost", "127.0.0.1", "::1"])
    target = server.site / "tls"
    shutil.copy(cert, target / ".cert.new")
    os.replace(target / ".cert.new", target / "certificate.pem")
    if key_of is None:
        shutil.copy(key, target / ".key.new")
        os.replace(target / ".key.new", target / "key.pem")
    return cert.read_bytes()


def wait_for_certificate(server: Server, expected: bytes, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not same_certificate(presented(server), expected):
        assert time.monotonic() < deadline, server.log_text()
        time.sleep(0.2)


def test_sighup_loads_a_renewed_certificate_without_dropping_connections(
        own_server, tmp_path):
    server = own_server
    # A keep-alive connection, and a request still being sent.
    kept = http.client.HTTPSConnection("127.0.0.1", server.https_port, timeout=10,
                                       context=server.trusting())
    kept.request("GET", "/healthz")
    assert kept.getresponse().read() and kept.sock is not None
    raw = socket.create_connection(("127.0.0.1", server.https_port), timeout=10)
    pending = server.trusting().wrap_socket(raw, server_hostname="localhost")
    pending.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")

    new = renew(server, tmp_path)
    server.process.send_signal(signal.SIGHUP)
    wait_for_certificate(server, new)
    assert same_certificate(presented(server, "localhost"), new)  # with SNI too

    kept.request("GET", "/vi/")
    response = kept.getresponse()
    assert response.status == 200 and response.read()
    assert same_certificate(ssl.DER_cert_to_PEM_cert(
        kept.sock.getpeercert(binary_form=True)).encode(), server.first_certificate)
    kept.close()
    pending.sendall(b"Connection: close\r\n\r\n")
    answer = b""
    while chunk := pending.recv(65536):
        answer += chunk
    pending.close()
    assert answer.startswith(b"HTTP/1.1 200 ") and b'"status": "ok"' in answer
    assert server.process.poll() is None
    assert "certificate loaded" in server.log_text()


def test_changed_files_are_picked_up_and_a_bad_pair_is_refused(own_server, tmp_path):
    server = own_server
    # A certificate whose key was not replaced: it must not be taken.
    renew(server, tmp_path / "a", key_of=server.site / "tls" / "key.pem")
    deadline = time.monotonic() + 20
    while "certificate not reloaded" not in server.log_text():
        assert time.monotonic() < deadline, server.log_text()
        time.sleep(0.2)
    assert same_certificate(presented(server), server.first_certificate)

    new = renew(server, tmp_path / "b")  # no signal: the files changed
    wait_for_certificate(server, new)
    conn = http.client.HTTPSConnection("localhost", server.https_port, timeout=10,
                                       context=server.trusting(new))
    conn.request("GET", "/healthz")
    assert conn.getresponse().status == 200
    conn.close()
    assert server.process.poll() is None


@pytest.mark.parametrize("change, words", [
    ({"certificate": "tls/missing.pem"}, "no such file"),
    ({"certificate": "tls/missing.pem"}, "the TLS certificate "),
    ({"key": "tls/gone.pem"}, "cannot read the TLS key "),
    ({"key": "tls/gone.pem"}, "tls/gone.pem: no such file (tls.key in portal.toml)"),
    ({"key": "tls/certificate.pem"}, "cannot be used together"),
])
def test_a_certificate_that_cannot_be_used_stops_serve_in_one_line(tmp_path, change, words):
    site = tmp_path / "site"
    create_site(site, "admin", "correct-horse-battery", self_signed=True)
    config = site / "portal.toml"
    text = config.read_text(encoding="utf-8")
    for key, value in change.items():
        text = text.replace(f'{key} = "tls/{key if key == "key" else "certificate"}.pem"',
                            f'{key} = "{value}"')
    config.write_text(text, encoding="utf-8")
    result = subprocess.run(PORTAL + ["serve", "--data", str(site), "--port", str(free_port())],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr


def test_a_request_without_a_host_is_sent_to_the_public_address(server):
    with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as conn:
        conn.sendall(b"GET /vi/ HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 301 ") or answer.startswith(b"HTTP/1.1 301 ")
    assert f"Location: https://localhost:{server.https_port}/vi/".encode() in answer


@pytest.mark.parametrize("base, host, expected", [
    ("https://congthongtin.angiang.gov.vn", "10.0.0.7:80", "https://congthongtin.angiang.gov.vn/vi/?q=1"),
    ("http://portal.test", "portal.example:8080", "https://portal.example:8443/vi/?q=1"),
    ("http://portal.test", "[::1]:8080", "https://[::1]:8443/vi/?q=1"),
    ("http://portal.test", None, "https://portal.test:8443/vi/?q=1"),
])
def test_where_plain_http_is_sent(config, base, host, expected):
    from aiohttp.test_utils import make_mocked_request

    config.values["site.base_url"] = base
    headers = {"Host": host} if host else {}
    request = make_mocked_request("GET", "/vi/?q=1", headers=headers)
    assert tls.https_url(request, config) == expected
