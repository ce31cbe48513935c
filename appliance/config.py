"""Site configuration: one TOML file in the data directory, every setting
documented in the file itself and in docs/configuration.md (both generated
from SETTINGS below, so they cannot drift)."""

from __future__ import annotations

import json
import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UserError
from .i18n import gettext as _

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
            "Address to listen on, or a list of them; [\"0.0.0.0\", \"::\"] listens "
            "on every interface over IPv4 and IPv6."),
    Setting("server", "port", 8080,
            "TCP port for plain HTTP. With a certificate (tls.certificate) it only "
            "redirects to HTTPS, and answers /healthz and ACME challenges."),
    Setting("server", "trust_proxy", False,
            "Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are "
            "believed: a list of addresses or networks, such as [\"10.0.0.5\", "
            "\"192.168.1.0/24\"]. false believes nobody's; true means a proxy on "
            "this server (127.0.0.1 and ::1)."),
    Setting("server", "readers", 3,
            "Database reader connections serving requests in parallel."),
    Setting("tls", "certificate", "",
            "Certificate chain for HTTPS (PEM), a path inside the data directory or "
            "absolute; empty serves plain HTTP only. A renewed file is picked up "
            "without a restart."),
    Setting("tls", "key", "",
            "Private key of the certificate (PEM), readable by the service account only."),
    Setting("tls", "port", 8443, "TCP port for HTTPS."),
    Setting("tls", "hsts_subdomains", False,
            "Ask browsers to use HTTPS for every subdomain of the site's domain too "
            "(includeSubDomains in Strict-Transport-Security); leave false while any "
            "component site under the domain is served over plain HTTP."),
    Setting("tls", "acme_webroot", "acme",
            "Folder served at /.well-known/acme-challenge/ over plain HTTP, for an ACME "
            "client in webroot mode (certbot --webroot -w DATA/acme); inside the data "
            "directory or absolute."),
    Setting("cache", "entries", 2000,
            "Rendered public pages kept in memory; 0 turns the cache off."),
    Setting("cache", "max_age", 60,
            "Seconds browsers and proxies may keep a public page (Cache-Control)."),
    Setting("security", "session_hours", 12,
            "Hours a staff login lasts before it must be repeated."),
    Setting("security", "cookie_secure", "auto",
            "Mark session cookies Secure: true, false or auto (Secure when base_url is https)."),
    Setting("security", "login_attempts", 5,
            "Failed logins allowed per account within login_window."),
    Setting("security", "login_attempts_per_address", 30,
            "Failed logins allowed from one client address within login_window, "
            "over all accounts; higher than login_attempts, because a whole office "
            "may share one address."),
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
    Setting("trust", "rating_limit", 30,
            "Ratings one client address may send per hour; more are refused for a "
            "while. Ratings are stored as counts only, never with the address."),
    Setting("trust", "feedback_limit", 5,
            "Feedback messages (and reference look-ups, counted apart) one client "
            "address may send per hour."),
    Setting("trust", "contact_days", 90,
            "Days after which the optional name and e-mail address of a feedback "
            "message are erased, whatever its state."),
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
    Setting("api", "anonymous_per_minute", 300,
            "Calls to the public API (/api/) one client address may make per minute "
            "without an API key; more are refused with 429 for a while."),
    Setting("api", "key_per_minute", 3000,
            "Calls per minute allowed to each partner API key."),
    Setting("webhooks", "poll_seconds", 5,
            "How often the webhook job looks for events to deliver and retries due."),
    Setting("webhooks", "timeout_seconds", 10,
            "Seconds a subscriber has to answer a delivery before it counts as failed."),
    Setting("webhooks", "retry_base_seconds", 60,
            "Wait before the first retry of a failed delivery; each further retry "
            "waits twice as long (at most six hours)."),
    Setting("webhooks", "max_attempts", 10,
            "Attempts at one delivery before it is given up (it can be re-sent from "
            "the newsroom)."),
    Setting("widgets", "origins", [],
            "Component sites allowed to embed the news widgets (/widgets/...), as "
            "origins such as \"https://sotuphap.angiang.gov.vn\"; no other page may "
            "be framed."),
    Setting("opendata", "licence", "https://creativecommons.org/licenses/by/4.0/",
            "The licence of the open datasets, as the address of its text."),
    Setting("royalties", "salary_date", "publication",
            "Which date picks the base salary of a work's royalty: publication, "
            "approval or payment (the period's payment date)."),
    Setting("royalties", "rounding", "nearest",
            "How royalty, remuneration and tax lines are rounded, once per line: "
            "nearest (halves away from zero), down or up."),
    Setting("royalties", "rounding_unit", 1,
            "Round lines to a multiple of this many đồng: 1, 10, 100 or 1000."),
    Setting("royalties", "paying_roles", ["editor-in-chief", "admin"],
            "Staff roles that run payment periods, keep the register of contributors "
            "and see personal ID numbers, tax codes and bank accounts in full."),
    Setting("royalties", "grading_roles", ["editor-in-chief", "admin"],
            "Staff roles that grade published works (kind, coefficient, authors, "
            "adjustments); add section-editor to delegate grading (a section "
            "editor limited to some sections grades, and lists, only the works of "
            "those sections)."),
    Setting("royalties", "payment_days", 60,
            "Days from publication within which a work's royalty must be paid."),
    Setting("royalties", "warn_days", 14,
            "The dashboard warns about unpaid works this many days before their "
            "payment is due."),
    Setting("stats", "count_views", True,
            "Count page views of the public site (first-party, no cookies: once per "
            "visitor, page and day, nothing identifying is stored)."),
    Setting("stats", "flush_seconds", 60,
            "Seconds between writes of the counted page views to the database."),
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
    Setting("backup", "destination", "",
            "Where archives go: a folder (the NAS share, mounted; it must exist) or "
            "sftp://user@host[:port]/path. Empty turns nightly backups off."),
    Setting("backup", "recipient", "",
            "The public key archives are encrypted to (age1..., printed by `portal "
            "backup keygen`). Its private key stays offline: the server cannot read "
            "its own backups."),
    Setting("backup", "time", "02:30",
            "Time of day (HH:MM, Asia/Ho_Chi_Minh) of the nightly backup."),
    Setting("backup", "retries", 3,
            "Further attempts after a nightly backup fails, retry_minutes apart."),
    Setting("backup", "retry_minutes", 30, "Minutes between those attempts."),
    Setting("backup", "keep_daily", 7,
            "Archives kept: the newest of each of this many recent days ..."),
    Setting("backup", "keep_weekly", 4, "... of this many recent weeks ..."),
    Setting("backup", "keep_monthly", 12,
            "... and of this many recent months. Older archives are deleted only "
            "after a newer backup has succeeded."),
    Setting("backup", "test_restore", True,
            "After each backup, read the archive back and restore it into a temporary "
            "folder to check it; needs free space in the data folder as large as the "
            "site."),
    Setting("backup", "prefix", "portal",
            "Start of archive names; give each site its own when several share a "
            "destination (retention only ever touches archives with this prefix)."),
    Setting("backup", "sftp_key", "",
            "For SFTP: the SSH private key that logs in (a path, relative to the data "
            "folder or absolute; unencrypted, readable by the service account only)."),
    Setting("backup", "sftp_host_key", "",
            "For SFTP: the server's host key, pinned (\"ssh-ed25519 AAAA...\", as "
            "ssh-keyscan prints it without the host name); any other key is refused."),
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
    def hosts(self) -> list[str]:
        """The addresses to listen on."""
        value = self.values["server.host"]
        return [value] if isinstance(value, str) else list(value)

    def data_path(self, name: str) -> Path | None:
        """A path setting resolved against the data directory (None when empty)."""
        value = self.values[name]
        return self.data_dir / Path(value).expanduser() if value else None

    @property
    def https(self) -> bool:
        """Whether the appliance serves HTTPS itself (a certificate is set)."""
        return bool(self.values["tls.certificate"])

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


# Settings that take a list as well as their default's type.
_OR_LIST = {"server.host": str, "server.trust_proxy": bool}


def _check_type(setting: Setting, value: Any) -> None:
    expected = type(setting.default)
    if setting.name == "security.cookie_secure":
        if value in (True, False, "auto"):
            return
    elif setting.name in _OR_LIST and isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
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
    for name in ("server.port", "tls.port", "mail.port"):
        if not 0 < values[name] < 65536:
            raise UserError(f"{path}: {name} should be between 1 and 65535")
    for name, minimum in _MINIMUMS.items():
        if values[name] < minimum:
            raise UserError(_("%(path)s: %(name)s should be at least %(minimum)s, not "
                              "%(value)s", path=path, name=name, minimum=minimum,
                              value=values[name]))
    _check_listening(values, path)
    _check_roles(values["security.totp_required_roles"], path)
    _check_royalties(values, path)
    _check_origins(values["widgets.origins"], path)
    _check_backup(values, path)


# The least each count, size and time may be. Below it a site breaks
# quietly: a negative session length signs every login out at once, no
# reader connection serves no page, a limit of 0 refuses everyone. Only
# where 0 means "off" or "not at all" does it stay allowed. (Ports and the
# settings with a range of their own are checked beside their rules.)
_MINIMUMS: dict[str, int] = {
    "server.readers": 1,
    "cache.entries": 0,  # 0: no page cache
    "cache.max_age": 0,  # 0: browsers ask again every time
    "security.session_hours": 1,
    "security.login_attempts": 1,
    "security.login_attempts_per_address": 1,
    "security.login_window": 1,
    "security.review_lookups": 1,
    "security.review_window": 1,
    "security.api_token_attempts": 1,
    "security.api_token_window": 1,
    "content.page_size": 1,
    "content.feed_size": 1,
    "content.max_upload_mb": 1,
    "content.max_pdf_mb": 1,
    "trust.rating_limit": 1,
    "trust.feedback_limit": 1,
    "trust.contact_days": 1,
    "api.anonymous_per_minute": 1,
    "api.key_per_minute": 1,
    "webhooks.poll_seconds": 1,
    "webhooks.timeout_seconds": 1,
    "webhooks.retry_base_seconds": 1,
    "webhooks.max_attempts": 1,
    "search.keep_query_days": 1,
    "sources.timeout": 1,
    "sources.max_mb": 1,
    "sources.sync_minutes": 1,
    "sources.parallel": 1,
    "dossier.timeout": 1,
    "dossier.cache_seconds": 0,  # 0: every look-up asks the one-stop system
    "dossier.lookups": 1,
    "dossier.lookup_window": 1,
}


# Archive names are PREFIX-YYYYMMDDTHHMMSSZ.tar.zst.age, in a folder or on an
# SFTP server: one plain file name, the same in every shell and file system.
_BACKUP_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def _check_backup(values: dict[str, Any], path: Path) -> None:
    # A negative count would not mean "none": retention would then keep
    # only the newest archive.
    for name in ("backup.keep_daily", "backup.keep_weekly", "backup.keep_monthly",
                 "backup.retries"):
        if values[name] < 0:
            raise UserError(f"{path}: {name} should be 0 or more, not {values[name]}")
    if values["backup.retry_minutes"] < 1:
        raise UserError(f"{path}: backup.retry_minutes should be at least 1")
    prefix = values["backup.prefix"]
    if not _BACKUP_PREFIX.fullmatch(prefix) or ".." in prefix:
        raise UserError(f"{path}: backup.prefix {prefix!r} should be a plain name of "
                        "letters, digits, '-', '_' and '.' (no '/', '..' or spaces), "
                        "such as \"portal\"")


_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?")


def _check_origins(origins: list, path: Path) -> None:
    # They go into a Content-Security-Policy header as they are written.
    bad = [o for o in origins if not isinstance(o, str) or not _ORIGIN.fullmatch(o)]
    if bad:
        raise UserError(f"{path}: widgets.origins should hold origins such as "
                        f"\"https://xa.angiang.gov.vn\", not {bad}")


def _check_listening(values: dict[str, Any], path: Path) -> None:
    from .proxy import networks

    try:
        networks(values["server.trust_proxy"])
    except ValueError as exc:
        raise UserError(f"{path}: server.trust_proxy: {exc}") from None
    if bool(values["tls.certificate"]) != bool(values["tls.key"]):
        raise UserError(f"{path}: tls.certificate and tls.key go together: "
                        "set both, or neither for plain HTTP")
    if values["tls.certificate"] and values["tls.port"] == values["server.port"]:
        raise UserError(f"{path}: tls.port and server.port should differ")


def _check_roles(roles: list, path: Path) -> None:
    # A misspelt role would silently leave that role without a second factor.
    from .users import ROLES

    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise UserError(f"{path}: security.totp_required_roles has unknown roles "
                        f"{unknown}; use {', '.join(ROLES)}")


def _check_royalties(values: dict[str, Any], path: Path) -> None:
    from .money import ROUNDING_UNITS, ROUNDINGS
    from .users import ROLES

    if values["royalties.salary_date"] not in ("publication", "approval", "payment"):
        raise UserError(f"{path}: royalties.salary_date should be publication, approval "
                        "or payment")
    if values["royalties.rounding"] not in ROUNDINGS:
        raise UserError(f"{path}: royalties.rounding should be {', '.join(ROUNDINGS)}")
    if values["royalties.rounding_unit"] not in ROUNDING_UNITS:
        raise UserError(f"{path}: royalties.rounding_unit should be 1, 10, 100 or 1000")
    for name in ("royalties.paying_roles", "royalties.grading_roles"):
        unknown = [role for role in values[name] if role not in ROLES]
        if unknown:
            raise UserError(f"{path}: {name} has unknown roles {unknown}; use "
                            f"{', '.join(ROLES)}")
    if not 1 <= values["royalties.payment_days"] <= 366:
        raise UserError(f"{path}: royalties.payment_days should be between 1 and 366")
    if not 0 <= values["royalties.warn_days"] <= values["royalties.payment_days"]:
        raise UserError(f"{path}: royalties.warn_days should be between 0 and "
                        "royalties.payment_days")
    if not 5 <= values["stats.flush_seconds"] <= 3600:
        raise UserError(f"{path}: stats.flush_seconds should be between 5 and 3600")


class SecretsError(UserError):
    """secrets.toml is missing or unreadable: the fault is in that file,
    not in portal.toml."""


def _load_secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / SECRETS_FILE
    try:
        return _complete_secrets(path, tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise SecretsError(f"{path} is missing: the site's keys are gone") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SecretsError(f"{path} is not valid TOML: {exc}") from None


def new_secrets() -> dict[str, str]:
    return {
        "session_key": secrets.token_urlsafe(32),
        "csrf_key": secrets.token_urlsafe(32),
        # Encrypts staff authenticator secrets at rest (appliance.totp).
        "totp_key": secrets.token_urlsafe(32),
        # Encrypts webhook signing secrets at rest (feeds.webhooks).
        "webhook_key": secrets.token_urlsafe(32),
        # Encrypts contributors' ID numbers, tax codes and bank accounts.
        "personal_key": secrets.token_urlsafe(32),
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
