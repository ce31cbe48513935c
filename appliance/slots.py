"""The outside snippets an administrator may add to every public page: the
government's monitoring and measurement snippet (EMC or its successor), the
network trust badge (tín nhiệm mạng), and an analytics snippet.

They are filled in the admin as fields, not as free HTML, so the portal
knows exactly what each loads and widens the Content-Security-Policy for
that and nothing else: a script's own address (not its whole host) in
script-src, the hash of an inline snippet, the badge image's address in
img-src, and the origins a script reports to in connect-src.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass, field

from yarl import URL

from .audit import audit
from .db import utcnow
from .errors import UserError
from .i18n import N_
from .i18n import gettext as _

SLOTS = ("monitoring", "trust_badge", "analytics")
SLOT_LABELS = {
    "monitoring": N_("Government monitoring and measurement (EMC)"),
    "trust_badge": N_("Network trust badge"),
    "analytics": N_("Analytics"),
}
# Which fields each slot takes.
SLOT_FIELDS = {
    "monitoring": ("script_url", "inline_code", "connect_origins"),
    "trust_badge": ("link_url", "image_url", "alt"),
    "analytics": ("script_url", "inline_code", "connect_origins"),
}
MAX_CODE = 4000
_ORIGIN = re.compile(r"https://[a-z0-9.-]+(:[0-9]{1,5})?")


@dataclass
class Slot:
    name: str
    enabled: bool = False
    script_url: str = ""
    inline_code: str = ""
    connect_origins: list[str] = field(default_factory=list)
    link_url: str = ""
    image_url: str = ""
    alt: str = ""

    def __post_init__(self) -> None:
        self.inline_code = one_line_ending(self.inline_code)

    @property
    def inline_hash(self) -> str:
        digest = hashlib.sha256(self.inline_code.encode("utf-8")).digest()
        return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"

    @property
    def configured(self) -> bool:
        return bool(self.script_url or self.inline_code or self.image_url)


def one_line_ending(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _https(value: str, label: str) -> str:
    value = value.strip()
    if not value:
        return ""
    url = URL(value)
    # ; and , would end a Content-Security-Policy source or directive, and *
    # would let in every host it stands for.
    if url.scheme != "https" or not url.host or any(c in value for c in " \"'<>\\;,*"):
        raise UserError(_("%(field)s must be a full address starting with https://.",
                          field=label))
    return value


_HOST = re.compile(r"[a-z0-9.-]+")


def _file_address(value: str, label: str) -> str:
    """The address of one file, which the policy lets in alone: a script or
    an image, never a whole site."""
    value = _https(value, label)
    if value:
        url = URL(value)
        if url.path in ("", "/") or not _HOST.fullmatch(url.raw_host or ""):
            raise UserError(_("%(field)s must be the address of the file itself, such as "
                              "https://example.gov.vn/script.js, not of a whole site.",
                              field=label))
    return value


def check_slot(name: str, given: dict[str, str], enabled: bool) -> Slot:
    if name not in SLOTS:
        raise UserError(_("Unknown slot “%(name)s”.", name=name))
    slot = Slot(name, enabled)
    allowed = SLOT_FIELDS[name]
    if "script_url" in allowed:
        slot.script_url = _file_address(given.get("script_url", ""),
                                        _("The script address"))
    if "inline_code" in allowed:
        # Browsers hash an inline script after turning CR LF into LF, and a
        # form's text area sends CR LF: store what the browser will hash.
        code = one_line_ending(given.get("inline_code", "")).strip()
        if len(code) > MAX_CODE:
            raise UserError(_("The code may have at most %(n)s characters.", n=MAX_CODE))
        if "</script" in code.lower() or "<script" in code.lower():
            raise UserError(_("Paste only the code between <script> and </script>, "
                              "without the tags themselves."))
        slot.inline_code = code
    if "connect_origins" in allowed:
        origins = given.get("connect_origins", "").split()
        for origin in origins:
            if not _ORIGIN.fullmatch(origin.rstrip("/").lower()):
                raise UserError(_("“%(origin)s” is not an origin such as "
                                  "https://example.gov.vn.", origin=origin[:100]))
        slot.connect_origins = [o.rstrip("/").lower() for o in origins]
    if "link_url" in allowed:
        slot.link_url = _https(given.get("link_url", ""), _("The badge's link"))
        slot.image_url = _file_address(given.get("image_url", ""), _("The badge's image"))
        slot.alt = " ".join(given.get("alt", "").split())[:200]
        if slot.image_url and not slot.alt:
            raise UserError(_("Give the badge's text alternative, such as "
                              "“Tín nhiệm mạng certificate”."))
    if enabled and not slot.configured:
        raise UserError(_("Fill in the slot before turning it on."))
    return slot


def load_slots(conn: sqlite3.Connection) -> dict[str, Slot]:
    found = {name: Slot(name) for name in SLOTS}
    for row in conn.execute("SELECT name, fields, enabled FROM site_slot"):
        values = json.loads(row["fields"] or "{}")
        known = {k: v for k, v in values.items() if k in Slot.__dataclass_fields__}
        found[row["name"]] = Slot(row["name"], bool(row["enabled"]),
                                  **{k: v for k, v in known.items() if k != "name"
                                     and k != "enabled"})
    return found


def save_slot(conn: sqlite3.Connection, slot: Slot, user_id: int | None) -> None:
    values = {k: getattr(slot, k) for k in SLOT_FIELDS[slot.name]}
    if "image_url" in values:
        values["image_url"] = slot.image_url
    conn.execute(
        "INSERT INTO site_slot (name, fields, enabled, updated_at, updated_by)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET fields = excluded.fields,"
        " enabled = excluded.enabled, updated_at = excluded.updated_at,"
        " updated_by = excluded.updated_by",
        (slot.name, json.dumps(values, ensure_ascii=False), int(slot.enabled), utcnow(),
         user_id))
    audit(conn, user_id, "slot.save", f"slot:{slot.name}",
          "on" if slot.enabled else "off")


def widened_policy(base: str, slots: dict[str, Slot]) -> str:
    """The public Content-Security-Policy with what the turned-on slots load."""
    directives: dict[str, list[str]] = {}
    for part in base.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    for slot in slots.values():
        if not slot.enabled:
            continue
        if slot.script_url:
            directives["script-src"].append(_source(slot.script_url))
        if slot.inline_code:
            directives["script-src"].append(slot.inline_hash)
        if slot.image_url:
            directives["img-src"].append(_source(slot.image_url))
        directives["connect-src"] += slot.connect_origins
    return "; ".join(" ".join([name, *dict.fromkeys(values)])
                     for name, values in directives.items())


def _source(address: str) -> str:
    """A CSP source for one file: its address without query or fragment
    (sources cannot hold them, and paths match regardless)."""
    return str(URL(address).with_query(None).with_fragment(None))
