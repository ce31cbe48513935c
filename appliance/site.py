"""Creating a site: the data directory, its config, keys, database and first
administrator (`portal init`)."""

from __future__ import annotations

from pathlib import Path

from . import config as config_mod
from .db import open_sync, transaction
from .errors import UserError
from .users import add_user, check_password, check_username, generate_password


def create_site(data_dir: Path, admin_user: str = "admin", admin_password: str | None = None,
                overrides: dict | None = None) -> str | None:
    """Create a site; returns the generated administrator password, if one was made."""
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

    config_mod.write_site_files(data_dir, overrides)
    cfg = config_mod.load(data_dir)
    conn = open_sync(cfg.database_path)
    try:
        transaction(conn, add_user, admin_user, "admin", password, "Administrator")
    finally:
        conn.close()
    return generated
