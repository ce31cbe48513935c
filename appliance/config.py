"""Site configuration: one TOML file in the data directory, every setting
documented in the file itself and in docs/configuration.md (both generated
from SETTINGS below, so they cannot drift)."""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UserError

CONFIG_FILE = "portal.toml"
SECRETS_FILE = "secrets.toml"
DATABASE_FILE = "portal.db"
MEDIA_DIR = "media"


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    default: Any
    help: str

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"


SETTINGS: list[Setting] = [
    Setting("site", "province", "An Giang",
            "The province's name as shown in titles and footers."),
    Setting("site", "name_vi", "Cổng thông tin điện tử tỉnh An Giang",
            "The portal's full name in Vietnamese."),
    Setting("site", "name_en", "An Giang Provincial Portal",
            "The portal's name in English."),
    Setting("site", "name_km", "វិបផតថលខេត្តអានយ៉ាង",
            "The portal's name in Khmer."),
    Setting("site", "owner_vi", "Ủy ban nhân dân tỉnh An Giang",
            "The body responsible for the portal, in Vietnamese (shown in the footer)."),
    Setting("site", "owner_en", "An Giang Provincial People's Committee",
            "The responsible body in English."),
    Setting("site", "owner_km", "គណៈកម្មាធិការប្រជាជនខេត្តអានយ៉ាង",
            "The responsible body in Khmer."),
    Setting("site", "base_url", "http://localhost:8080",
            "The public address, used for canonical links, feeds and the sitemap."),
    Setting("site", "languages", ["vi", "en", "km"],
            "Languages the public site offers, the default first."),
    Setting("site", "address", "Số 16 Lê Lợi, phường Rạch Giá, tỉnh An Giang",
            "Postal address shown in the footer."),
    Setting("site", "phone", "0297 3862 000", "Contact phone shown in the footer."),
    Setting("site", "email", "congthongtin@angiang.gov.vn",
            "Contact e-mail shown in the footer."),
    Setting("site", "editor_in_charge", "",
            "Name of the person responsible for the content (footer); empty hides it."),
    Setting("site", "licence_note", "",
            "The operating licence line for the footer; empty hides it."),
    Setting("server", "host", "127.0.0.1",
            "Address to listen on; 0.0.0.0 listens on every interface."),
    Setting("server", "port", 8080, "TCP port to listen on."),
    Setting("server", "trust_proxy", False,
            "Take the client address and scheme from X-Forwarded-* headers; "
            "enable only behind a reverse proxy you control."),
    Setting("server", "readers", 3,
            "Database reader connections serving requests in parallel."),
    Setting("cache", "entries", 2000,
            "Rendered public pages kept in memory; 0 turns the cache off."),
    Setting("cache", "max_age", 60,
            "Seconds browsers and proxies may keep a public page (Cache-Control)."),
    Setting("security", "session_hours", 12,
            "Hours a staff login lasts before it must be repeated."),
    Setting("security", "cookie_secure", "auto",
            "Mark session cookies Secure: true, false or auto (Secure when base_url is https)."),
    Setting("security", "login_attempts", 5,
            "Failed logins allowed per account and per address within login_window."),
    Setting("security", "login_window", 900,
            "Seconds over which failed logins are counted."),
    Setting("security", "review_lookups", 60,
            "Review-link pages (/review/...) one client address may open within "
            "review_window; more are refused for a while."),
    Setting("security", "review_window", 600,
            "Seconds over which review-link pages are counted."),
    Setting("security", "api_token_attempts", 20,
            "Requests with a wrong API token allowed per client address within "
            "api_token_window; more are refused for a while, valid tokens too."),
    Setting("security", "api_token_window", 900,
            "Seconds over which wrong API tokens are counted."),
    Setting("security", "totp_required_roles", ["editor-in-chief", "admin"],
            "Staff roles that must sign in with a second factor (an authenticator "
            "app); staff of these roles without one must set it up before anything "
            "else. [] leaves it optional for everyone."),
    Setting("content", "page_size", 12,
            "Items per page on section, tag and listing pages."),
    Setting("content", "feed_size", 30, "Items in each RSS and Atom feed."),
    Setting("content", "max_upload_mb", 10, "Largest image an editor may upload, in MB."),
    Setting("content", "max_pdf_mb", 20,
            "Largest PDF file an editor may upload to the media library, in MB."),
    Setting("mail", "host", "",
            "SMTP server that carries the newsroom's notifications; empty sends no mail."),
    Setting("mail", "port", 587, "SMTP port: 587 for submission, 25 inside a trusted network."),
    Setting("mail", "username", "",
            "SMTP login; empty sends without logging in. The password goes in "
            "secrets.toml as smtp_password, never here."),
    Setting("mail", "starttls", True,
            "Switch the SMTP connection to TLS (STARTTLS) before logging in or sending."),
    Setting("mail", "from_address", "",
            "Sender address of the newsroom's mail; empty uses site.email."),
    Setting("search", "log_queries", True,
            "Count what people search for and what finds nothing, per day, for "
            "editors (no address, account or time of day is kept)."),
    Setting("search", "keep_query_days", 90,
            "Days the daily search counts are kept."),
    Setting("sources", "timeout", 30,
            "Seconds an outside source may take to answer one request."),
    Setting("sources", "max_mb", 20,
            "Largest answer, in MB, read from an outside source in one request."),
    Setting("sources", "sync_minutes", 15,
            "Longest a whole sync of one source may take before it is stopped "
            "(nothing is changed then)."),
    Setting("sources", "parallel", 2,
            "Sources synced at the same time."),
    Setting("dossier", "endpoint", "",
            "Address of the one-stop system's dossier look-up, with {code} where "
            "the dossier code goes (https://motcua.example.gov.vn/api/hoso/{code}); "
            "empty hides the look-up."),
    Setting("dossier", "timeout", 5,
            "Seconds the one-stop system may take to answer a look-up."),
    Setting("dossier", "cache_seconds", 60,
            "Seconds an answer is kept in memory, so repeated look-ups of one "
            "code do not load the one-stop system."),
    Setting("dossier", "lookups", 30,
            "Look-ups one client address may make within lookup_window."),
    Setting("dossier", "lookup_window", 600,
            "Seconds over which dossier look-ups are counted."),
    Setting("log", "level", "INFO",
            "Lowest level written to the log: DEBUG, INFO, WARNING or ERROR."),
    Setting("log", "format", "text",
            "Log line format: text for people, json for log collectors."),
]


@dataclass
class Config:
    data_dir: Path
    values: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_FILE

    @property
    def media_dir(self) -> Path:
        return self.data_dir / MEDIA_DIR

    @property
    def languages(self) -> list[str]:
        return list(self.values["site.languages"])

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def base_url(self) -> str:
        return str(self.values["site.base_url"]).rstrip("/")

    @property
    def cookie_secure(self) -> bool:
        value = self.values["security.cookie_secure"]
        if value == "auto":
            return self.base_url.startswith("https://")
        return bool(value)

    def site_name(self, lang: str) -> str:
        return self.values.get(f"site.name_{lang}") or self.values["site.name_vi"]

    def site_owner(self, lang: str) -> str:
        return self.values.get(f"site.owner_{lang}") or self.values["site.owner_vi"]


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def render_config(overrides: dict[str, Any] | None = None) -> str:
    """The config file text: every setting with its help line above it."""
    values = defaults() | (overrides or {})
    lines = [
        "# Portal appliance configuration.",
        "# Every setting is listed with its default; edit, then restart `portal serve`.",
        "# Dates and times are shown in Asia/Ho_Chi_Minh; money is whole VND.",
    ]
    current = None
    for setting in SETTINGS:
        if setting.section != current:
            current = setting.section
            lines += ["", f"[{current}]"]
        lines.append(f"# {setting.help}")
        lines.append(f"{setting.key} = {_toml_value(values[setting.name])}")
    return "\n".join(lines) + "\n"


def render_docs() -> str:
    """docs/configuration.md, generated from SETTINGS."""
    lines = [
        "# Configuration",
        "",
        f"`portal init` writes `{CONFIG_FILE}` into the data directory with every setting",
        "below at its default. Secrets (session keys) live beside it in",
        f"`{SECRETS_FILE}`, readable by the owner only. This page is generated from",
        "`appliance/config.py`; a test fails when the two differ.",
        "",
        "| setting | default | meaning |",
        "| --- | --- | --- |",
    ]
    for s in SETTINGS:
        default = _toml_value(s.default).replace("|", "\\|")
        lines.append(f"| `{s.name}` | `{default}` | {s.help} |")
    return "\n".join(lines) + "\n"


def _check_type(setting: Setting, value: Any) -> None:
    expected = type(setting.default)
    if setting.name == "security.cookie_secure":
        if value in (True, False, "auto"):
            return
    elif isinstance(value, expected) and not (
        expected is int and isinstance(value, bool)
    ):
        return
    raise UserError(
        f"setting {setting.name} in {CONFIG_FILE} should be {expected.__name__}, "
        f"not {value!r}"
    )


def load(data_dir: Path | str) -> Config:
    """Read and check the data directory's config and secrets."""
    data_dir = Path(data_dir).expanduser().resolve()
    path = data_dir / CONFIG_FILE
    if not path.is_file():
        raise UserError(f"no site at {data_dir}: run `portal init --data {data_dir}` first")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} is not valid TOML: {exc}") from None

    known = {s.name: s for s in SETTINGS}
    values = defaults()
    for section, table in raw.items():
        if not isinstance(table, dict):
            raise UserError(f"{path}: {section} should be a [section]")
        for key, value in table.items():
            name = f"{section}.{key}"
            if name not in known:
                raise UserError(f"{path}: unknown setting {name}")
            _check_type(known[name], value)
            values[name] = value

    _check_values(values, path)
    return Config(data_dir=data_dir, values=values, secrets=_load_secrets(data_dir))


def _check_values(values: dict[str, Any], path: Path) -> None:
    langs = values["site.languages"]
    if not langs or any(lang not in ("vi", "en", "km") for lang in langs):
        raise UserError(f"{path}: site.languages may hold only vi, en and km")
    if values["log.format"] not in ("text", "json"):
        raise UserError(f"{path}: log.format should be text or json")
    if not 0 < values["server.port"] < 65536:
        raise UserError(f"{path}: server.port should be between 1 and 65535")
    _check_roles(values["security.totp_required_roles"], path)


def _check_roles(roles: list, path: Path) -> None:
    # A misspelt role would silently leave that role without a second factor.
    from .users import ROLES

    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise UserError(f"{path}: security.totp_required_roles has unknown roles "
                        f"{unknown}; use {', '.join(ROLES)}")


def _load_secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / SECRETS_FILE
    try:
        return _complete_secrets(path, tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise UserError(f"{path} is missing: the site's keys are gone") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path} is not valid TOML: {exc}") from None


def new_secrets() -> dict[str, str]:
    return {
        "session_key": secrets.token_urlsafe(32),
        "csrf_key": secrets.token_urlsafe(32),
        # Encrypts staff authenticator secrets at rest (appliance.totp).
        "totp_key": secrets.token_urlsafe(32),
    }


def _complete_secrets(path: Path, loaded: dict[str, str]) -> dict[str, str]:
    """Keys a newer release needs are made for an older site on its next
    start and added to its file; the keys it has are never replaced."""
    missing = {k: v for k, v in new_secrets().items() if k not in loaded}
    if missing:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write("".join(f'{k} = "{v}"\n' for k, v in missing.items()))
        path.chmod(0o600)
    return loaded | missing


def write_site_files(data_dir: Path, overrides: dict[str, Any] | None = None) -> None:
    """Write portal.toml and secrets.toml into a new data directory."""
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)  # keys and personal data: the service account only
    (data_dir / MEDIA_DIR).mkdir(exist_ok=True)
    (data_dir / CONFIG_FILE).write_text(render_config(overrides), encoding="utf-8")
    secret_path = data_dir / SECRETS_FILE
    body = "".join(f'{k} = "{v}"\n' for k, v in new_secrets().items())
    fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Keys for this site. Keep private; never share or commit.\n" + body)
