"""Certificates for the tests: signed by a throwaway authority or by
themselves, for a host, expiring when a test needs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from appliance import tls


def put_certificate(site: Path, days: float, host: str, ca: bool) -> None:
    """Put a certificate for `host` valid for `days` more in place: signed
    by a throwaway authority, or by itself."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    issuer_key, issuer = key, subject
    if ca:
        issuer_key = ec.generate_private_key(ec.SECP256R1())
        issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=60))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(issuer_key, hashes.SHA256()))
    (site / "tls").mkdir(exist_ok=True)
    (site / tls.SELF_SIGNED_CERTIFICATE).write_bytes(
        cert.public_bytes(serialization.Encoding.PEM))
    (site / tls.SELF_SIGNED_KEY).write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
