"""Fixtures for backups: a key pair, a NAS folder, and the test site set up
to back up into it."""

from __future__ import annotations

import pytest
from backup_support import PASSPHRASE, configure, make_keys

from appliance import config as config_mod


@pytest.fixture(autouse=True)
def passphrase(monkeypatch):
    monkeypatch.setenv("PORTAL_BACKUP_PASSPHRASE", PASSPHRASE)
    return PASSPHRASE


@pytest.fixture
def keys(tmp_path):
    return make_keys(tmp_path / "keys")


@pytest.fixture
def nas(tmp_path):
    folder = tmp_path / "nas"
    folder.mkdir()
    return folder


@pytest.fixture
def backed(data_dir, keys, nas) -> config_mod.Config:
    """The test site, backing up into `nas`, encrypted to `keys`."""
    return configure(data_dir, destination=str(nas), recipient=str(keys.recipient))
