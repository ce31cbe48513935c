"""HTTPS served by the appliance itself.

The certificate and key are files named in the config (`tls.certificate`,
`tls.key`). They are loaded into a server context that speaks TLS 1.2 and
1.3 with forward-secret AEAD ciphers only. A renewed certificate is picked up
without a restart: on SIGHUP, and when the files change (checked every few
seconds). Connections already open keep the certificate they started with;
new ones get the new one, because the listening context hands each new
connection the newest context as it says hello (the SNI callback).

Plain HTTP (`server.port`) redirects to HTTPS, except /healthz (for monitors
and load balancers) and /.well-known/acme-challenge/, served from
`tls.acme_webroot` so an ACME client in webroot mode can obtain and renew
certificates. `portal init --self-signed` makes a certificate for a first
start; the dashboard and `portal doctor` warn while it is in use.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import re
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from yarl import URL

from .config import Config
from .errors import UserError
from .security import HSTS, HSTS_SITE, HSTS_SUBDOMAINS

log = logging.getLogger("portal.tls")

# Mozilla's "intermediate" choice for TLS 1.2: ECDHE key exchange, AEAD
# ciphers. TLS 1.3's suites are all AEAD and keep OpenSSL's defaults.
TLS12_CIPHERS = ":".join([
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
])
WATCH_SECONDS = 5
# From this many days before expiry the dashboard and `portal doctor` warn;
# from URGENT_DAYS doctor reports an error. ACME clients renew at 30 days.
WARN_DAYS = 21
URGENT_DAYS = 7
SELF_SIGNED_DAYS = 397
SELF_SIGNED_CERTIFICATE = "tls/certificate.pem"
SELF_SIGNED_KEY = "tls/key.pem"
ACME_PREFIX = "/.well-known/acme-challenge/"
# RFC 8555: the token is base64url without padding.
_ACME_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
PLAIN_HTTP_PATHS = ("/healthz",)


# -- contexts -----------------------------------------------------------------

def server_context(certificate: Path, key: Path) -> ssl.SSLContext:
    """A server context holding the certificate chain and its key."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    context.set_alpn_protocols(["http/1.1"])
    try:
        context.load_cert_chain(certificate, key, password=_no_passphrase)
    except ssl.SSLError as exc:
        raise UserError(f"the certificate {certificate} and key {key} cannot be used "
                        f"together ({exc.reason or exc}): check that both are PEM and "
                        "that the key belongs to the certificate") from None
    except OSError as exc:  # after SSLError, which is one too
        # OpenSSL does not say which file it failed on (exc.filename is None):
        # look at each.
        raise UserError(_unreadable(exc, certificate, key)) from None
    return context


def _unreadable(exc: OSError, certificate: Path, key: Path) -> str:
    for what, setting, path in (("certificate", "tls.certificate", certificate),
                                ("key", "tls.key", key)):
        try:
            with open(path, "rb"):
                pass
        except FileNotFoundError:
            return (f"cannot read the TLS {what} {path}: no such file ({setting} in "
                    "portal.toml)")
        except PermissionError:
            return (f"cannot read the TLS {what} {path}: permission denied; the "
                    "service account must be able to read it")
        except OSError as other:
            return f"cannot read the TLS {what} {path}: {other.strerror or other}"
    return (f"cannot read the TLS certificate {certificate} and key {key}: "
            f"{exc.strerror or exc}")


def _no_passphrase() -> bytes:
    # Without this, OpenSSL would stop and ask on the terminal.
    raise UserError("the TLS key is protected by a passphrase: the appliance needs it "
                    "without one, readable by the service account only")


class Certificates:
    """The certificate the server presents, reloaded when it changes."""

    def __init__(self, certificate: Path, key: Path) -> None:
        self.certificate_path = certificate
        self.key_path = key
        self._seen = self._signature()
        self.current = server_context(certificate, key)
        self.info = read_certificate(certificate)
        # The listening sockets keep this context for good; each new
        # connection is moved to the newest one during its handshake.
        self.listener = self.current
        self.listener.sni_callback = self._newest

    def _newest(self, connection, _server_name, context: ssl.SSLContext) -> None:
        if context is not self.current:
            connection.context = self.current

    def _signature(self) -> tuple:
        def stat(path: Path):
            try:
                st = path.stat()
            except OSError:
                return None
            return st.st_ino, st.st_size, st.st_mtime_ns

        return stat(self.certificate_path), stat(self.key_path)

    def reload(self, force: bool = False) -> bool:
        """Load the files again if they changed (or when forced, on SIGHUP).
        A pair that does not load is logged once and the old one stays."""
        seen = self._signature()
        if seen == self._seen and not force:
            return False
        self._seen = seen
        try:
            context = server_context(self.certificate_path, self.key_path)
            info = read_certificate(self.certificate_path)
        except UserError as exc:
            log.warning("certificate not reloaded, the previous one stays",
                        extra={"reason": str(exc)})
            return False
        self.current, self.info = context, info
        log.info("certificate loaded", extra={
            "names": ",".join(info.names), "expires": info.not_after.isoformat(),
            "self_signed": info.self_signed})
        return True

    async def watch(self, _app: web.Application) -> None:
        """The scheduler's job: notice renewed files."""
        self.reload()


CERTIFICATES = web.AppKey("certificates", Certificates)


# -- what a certificate says --------------------------------------------------

@dataclass(frozen=True)
class CertificateInfo:
    names: tuple[str, ...]
    not_after: dt.datetime
    self_signed: bool

    def days_left(self, now: dt.datetime | None = None) -> float:
        now = now or dt.datetime.now(dt.UTC)
        return (self.not_after - now).total_seconds() / 86400

    @property
    def expired(self) -> bool:
        return self.days_left() <= 0

    @property
    def expires_soon(self) -> bool:
        return self.days_left() < WARN_DAYS


def read_certificate(path: Path) -> CertificateInfo:
    """The first certificate of a PEM chain: its names, expiry, and whether
    it signed itself."""
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError:
        raise UserError(f"{path} is not a PEM certificate") from None
    names: list[str] = []
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n) for n in alt.get_values_for_type(x509.DNSName)]
        names += [str(n) for n in alt.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        pass
    if not names:
        names = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return CertificateInfo(tuple(str(n) for n in names), cert.not_valid_after_utc,
                           _signed_by_itself(cert))


def _signed_by_itself(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


_status_cache: dict[Path, tuple[tuple, CertificateInfo | None]] = {}


def certificate_status(cfg: Config) -> CertificateInfo | None:
    """The configured certificate as it is on disk now (None without HTTPS
    or when it cannot be read); re-read only when the file changes."""
    path = cfg.data_path("tls.certificate")
    if path is None:
        return None
    try:
        st = path.stat()
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        return None
    cached = _status_cache.get(path)
    if cached and cached[0] == key:
        return cached[1]
    try:
        info: CertificateInfo | None = read_certificate(path)
    except UserError:
        info = None
    _status_cache[path] = (key, info)
    return info


# -- a self-signed certificate for a first start ------------------------------

def default_names(cfg_base_url: str | None = None) -> list[str]:
    """Names for a self-signed certificate: the public host, this machine's
    name, and localhost with its addresses."""
    names = []
    if cfg_base_url:
        host = URL(cfg_base_url).host
        if host:
            names.append(host)
    names += [socket.getfqdn(), "localhost", "127.0.0.1", "::1"]
    return list(dict.fromkeys(n for n in names if n))


def make_self_signed(data_dir: Path, names: list[str],
                     days: int = SELF_SIGNED_DAYS) -> tuple[Path, Path]:
    """Write a self-signed certificate and its key (P-256) into DATA/tls/;
    returns their paths. The key is readable by the owner only."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0][:64])])
    now = dt.datetime.now(dt.UTC)
    alt: list[x509.GeneralName] = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = data_dir / "tls"
    folder.mkdir(mode=0o700, exist_ok=True)
    cert_path = data_dir / SELF_SIGNED_CERTIFICATE
    key_path = data_dir / SELF_SIGNED_KEY
    key_bytes = key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    _write_private(key_path, key_bytes)
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _write_private(path: Path, data: bytes) -> None:
    """Replace a file atomically, readable by its owner only, so that the
    server never loads half of it."""
    temporary = path.with_name(f".{path.name}.new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


# -- plain HTTP: redirects, health, ACME challenges ---------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup(app: web.Application, cfg: Config) -> None:
    app[HSTS] = HSTS_SUBDOMAINS if cfg["tls.hsts_subdomains"] else HSTS_SITE
    app.router.add_get(ACME_PREFIX + "{token}", acme_challenge)
    if cfg.https:
        app.middlewares.append(_https_redirect(cfg))


def _https_redirect(cfg: Config):
    @web.middleware
    async def https_redirect(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.secure or request.path in PLAIN_HTTP_PATHS or (
                request.path.startswith(ACME_PREFIX)):
            return await handler(request)
        location = https_url(request, cfg)
        if request.method in ("GET", "HEAD"):
            raise web.HTTPMovedPermanently(location)
        raise web.HTTPPermanentRedirect(location)  # 308: the method and body stay

    return https_redirect


def https_url(request: web.Request, cfg: Config) -> str:
    """Where a plain-HTTP request goes: the public address when it is
    HTTPS, otherwise the host asked for on the HTTPS port."""
    base = URL(cfg.base_url)
    if base.scheme == "https" and base.host:
        origin = base.origin()
    else:
        # The header itself: request.host would look this machine's name up
        # (blocking) for the odd request without one.
        try:
            host = URL(f"//{request.headers.get('Host', '')}").host
        except ValueError:
            host = None
        port = cfg["tls.port"]
        origin = URL.build(scheme="https", host=host or base.host or "localhost",
                           port=None if port == 443 else port)
    return str(origin).rstrip("/") + request.raw_path


async def acme_challenge(request: web.Request) -> web.Response:
    """A file an ACME client left in the webroot for its validation."""
    from .app import CONFIG

    token = request.match_info["token"]
    root = request.app[CONFIG].data_path("tls.acme_webroot")
    if root is None or not _ACME_TOKEN.fullmatch(token):
        raise web.HTTPNotFound()
    path = root / ".well-known" / "acme-challenge" / token
    try:
        body = path.read_bytes()
    except OSError:
        raise web.HTTPNotFound() from None
    return web.Response(body=body, content_type="text/plain",
                        headers={"Cache-Control": "no-store"})
