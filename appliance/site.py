"""Creating a site: the data directory, its config, keys, database and first
administrator (`portal init`)."""

from __future__ import annotations

from pathlib import Path

from . import config as config_mod
from . import tls
from .db import open_sync, transaction
from .errors import UserError
from .users import add_user, check_password, check_username, generate_password


def create_site(data_dir: Path, admin_user: str = "admin", admin_password: str | None = None,
                overrides: dict | None = None, *, url: str | None = None,
                self_signed: bool = False) -> str | None:
    """Create a site; returns the generated administrator password, if one was made.

    `url` is the public address; `self_signed` makes a certificate so the
    site serves HTTPS from its first start."""
    if (data_dir / config_mod.CONFIG_FILE).exists():
        raise UserError(f"a site already exists in {data_dir}")
    if data_dir.exists() and not data_dir.is_dir():
        raise UserError(f"{data_dir} is not a directory")
    if data_dir.is_dir() and any(data_dir.iterdir()):
        raise UserError(f"{data_dir} is not empty: choose a new or empty directory")
    check_username(admin_user)
    generated = None if admin_password else generate_password()
    password = admin_password or generated
    check_password(password)

    overrides = dict(overrides or {})
    if url:
        overrides["site.base_url"] = check_url(url)
    if self_signed:
        overrides.setdefault("site.base_url", "https://localhost:{}".format(
            overrides.get("tls.port", config_mod.defaults()["tls.port"])))
        overrides |= {"tls.certificate": tls.SELF_SIGNED_CERTIFICATE,
                      "tls.key": tls.SELF_SIGNED_KEY}
    config_mod.write_site_files(data_dir, overrides)
    if self_signed:
        tls.make_self_signed(data_dir, tls.default_names(overrides["site.base_url"]))
    cfg = config_mod.load(data_dir)
    conn = open_sync(cfg.database_path, create=True)
    # SQLite gives its WAL files the database's mode: private whatever the umask.
    cfg.database_path.chmod(0o600)
    try:
        transaction(conn, add_user, admin_user, "admin", password, "Administrator")
    finally:
        conn.close()
    return generated


def check_url(url: str) -> str:
    """A public address: http or https, a host, nothing after the path."""
    from yarl import URL

    try:
        parsed = URL(url)
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host \
            or parsed.query_string or parsed.fragment:
        raise UserError(f"{url!r} is not a public address such as https://portal.example.gov.vn")
    return str(parsed).rstrip("/")
