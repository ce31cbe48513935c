"""Fixtures for backups: a key pair, a NAS folder, and the test site set up
to back up into it."""

from __future__ import annotations

import os
import subprocess

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


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB file system mounted for the test, to fill up (needs root, as CI
    has; elsewhere the test is skipped with that reason)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs",
                    str(mount)], check=True, timeout=30)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False, timeout=30)
