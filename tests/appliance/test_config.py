import os
import stat
from pathlib import Path

import pytest

from appliance import config as config_mod
from appliance.errors import UserError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_init_writes_every_setting_with_its_help(data_dir):
    text = (data_dir / config_mod.CONFIG_FILE).read_text(encoding="utf-8")
    for setting in config_mod.SETTINGS:
        assert f"# {setting.help}\n{setting.key} = " in text


def test_secrets_are_private_to_the_owner(data_dir):
    mode = stat.S_IMODE(os.stat(data_dir / config_mod.SECRETS_FILE).st_mode)
    assert mode == 0o600


def test_config_loads_with_defaults(config):
    assert config.languages == ["vi", "en", "km"]
    assert config["server.port"] == 8080
    assert config.site_name("km") == "វិបផតថលខេត្តអានយ៉ាង"
    assert config.cookie_secure is False


def test_https_base_url_makes_cookies_secure(tmp_path):
    config_mod.write_site_files(tmp_path, {"site.base_url": "https://angiang.gov.vn"})
    assert config_mod.load(tmp_path).cookie_secure is True


@pytest.mark.parametrize("snippet, message", [
    ("[server]\nport = \"eighty\"\n", "server.port"),
    ("[server]\nbogus = 1\n", "unknown setting server.bogus"),
    ("[site]\nlanguages = [\"vi\", \"fr\"]\n", "site.languages"),
    ("[server\n", "not valid TOML"),
])
def test_bad_config_is_one_clear_message(tmp_path, snippet, message):
    config_mod.write_site_files(tmp_path)
    (tmp_path / config_mod.CONFIG_FILE).write_text(snippet, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        config_mod.load(tmp_path)


def test_missing_site_says_how_to_create_one(tmp_path):
    with pytest.raises(UserError, match="portal init"):
        config_mod.load(tmp_path / "nowhere")


def test_configuration_docs_are_generated_from_the_settings():
    assert DOCS.read_text(encoding="utf-8") == config_mod.render_docs(), (
        "docs/configuration.md is stale: regenerate it with "
        "python -c 'from appliance.config import render_docs; print(render_docs(), end=\"\")'"
        " > docs/configuration.md")


@pytest.mark.parametrize("snippet, message", [
    ("keep_daily = -1", "backup.keep_daily should be 0 or more"),
    ("keep_weekly = -2", "backup.keep_weekly should be 0 or more"),
    ("keep_monthly = -1", "backup.keep_monthly should be 0 or more"),
    ("retries = -1", "backup.retries should be 0 or more"),
    ("retry_minutes = 0", "backup.retry_minutes should be at least 1"),
    ("prefix = \"sites/portal\"", "backup.prefix 'sites/portal' should be a plain name"),
    ("prefix = \"..\"", "backup.prefix '..' should be a plain name"),
    ("prefix = \"a..b\"", "backup.prefix"),
    ("prefix = \"my portal\"", "backup.prefix 'my portal'"),
    ("prefix = \"\"", "backup.prefix"),
])
def test_bad_backup_settings_are_refused_at_load(tmp_path, snippet, message):
    config_mod.write_site_files(tmp_path)
    (tmp_path / config_mod.CONFIG_FILE).write_text(f"[backup]\n{snippet}\n",
                                                   encoding="utf-8")
    with pytest.raises(UserError, match=message) as refused:
        config_mod.load(tmp_path)
    assert len(str(refused.value).splitlines()) == 1


def test_reasonable_backup_settings_load(tmp_path):
    config_mod.write_site_files(tmp_path)
    (tmp_path / config_mod.CONFIG_FILE).write_text(
        "[backup]\nkeep_daily = 0\nkeep_weekly = 0\nretries = 0\n"
        "prefix = \"portal-an_giang.2\"\n", encoding="utf-8")
    assert config_mod.load(tmp_path)["backup.prefix"] == "portal-an_giang.2"
