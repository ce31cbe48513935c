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


@pytest.fixture
def in_english():
    """Messages made outside a command are in the current language (vi unless set)."""
    from appliance import i18n

    before = i18n.current_language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


def _with(tmp_path, name: str, value) -> Path:
    section, key = name.split(".")
    config_mod.write_site_files(tmp_path, {name: value})
    text = (tmp_path / config_mod.CONFIG_FILE).read_text(encoding="utf-8")
    assert f"[{section}]" in text and f"\n{key} = {value}\n" in text
    return tmp_path


@pytest.mark.parametrize("name, value", [
    ("security.session_hours", -5),
    ("security.session_hours", 0),
    ("server.readers", 0),
    ("cache.entries", -1),
    ("security.login_attempts", 0),
    ("content.max_upload_mb", -10),
    ("mail.port", 0),
])
def test_values_that_break_the_site_are_refused_naming_the_setting(tmp_path, name, value,
                                                                    in_english):
    with pytest.raises(UserError, match=rf"{name} should (be at least|be between)") \
            as refused:
        config_mod.load(_with(tmp_path, name, value))
    assert len(str(refused.value).splitlines()) == 1


NUMBERS = [s for s in config_mod.SETTINGS
           if type(s.default) is int and s.name != "royalties.rounding_unit"]


@pytest.mark.parametrize("name", [s.name for s in NUMBERS])
def test_every_number_has_a_floor(tmp_path, name):
    """A negative count, size or time never means anything a site wants."""
    with pytest.raises(UserError, match=name):
        config_mod.load(_with(tmp_path, name, -1))


def test_the_floors_themselves_load(tmp_path):
    floors = {name: minimum for name, minimum in config_mod._MINIMUMS.items()}
    config_mod.write_site_files(tmp_path, floors)
    loaded = config_mod.load(tmp_path)
    assert all(loaded[name] == minimum for name, minimum in floors.items())
    assert loaded["cache.entries"] == 0  # still the way to turn the cache off


def test_doctor_and_serve_refuse_a_negative_session(data_dir, capsys, monkeypatch):
    import subprocess
    import sys

    from appliance.cli import main

    monkeypatch.setenv("LANG", "en_US.UTF-8")
    path = data_dir / config_mod.CONFIG_FILE
    path.write_text(path.read_text(encoding="utf-8").replace(
        "session_hours = 12", "session_hours = -5"), encoding="utf-8")
    assert main(["doctor", "--data", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "security.session_hours should be at least 1, not -5" in out
    assert f"{config_mod.CONFIG_FILE} is valid" not in out
    served = subprocess.run([sys.executable, "-m", "appliance", "serve", "--data",
                             str(data_dir), "--port", "1"], capture_output=True,
                            text=True, timeout=60)
    assert served.returncode == 1
    assert served.stderr == (f"portal: error: {path}: security.session_hours should be "
                             "at least 1, not -5\n")
