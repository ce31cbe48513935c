"""Interface names for stored codes (kinds, legal status, service level) and
for the procedure levels the national database stores in Vietnamese.

The strings are marked with N_ so the catalogue extraction finds them; pages
translate them when they are shown, with `_()` in the template.
"""

from __future__ import annotations

import unicodedata

from appliance.i18n import N_, gettext


KINDS = {
    "article": N_("News"),
    "disclosure": N_("Public disclosure"),
    "directive": N_("Directive document"),
    "legal_document": N_("Legal document"),
    "procedure": N_("Administrative procedure"),
    "public_service": N_("Online public service"),
}

LEGAL_STATUSES = {
    "not_yet_in_force": N_("Not yet in force"),
    "in_force": N_("In force"),
    "amended": N_("Amended"),
    "replaced": N_("Replaced"),
    "expired": N_("Expired"),
}

SERVICE_LEVELS = {
    "full": N_("Fully online"),
    "partial": N_("Partly online"),
}

# Keyed by the stored Vietnamese text, folded (see _folded); the Vietnamese
# catalogue gives them back as the national database writes them.
PROCEDURE_LEVELS = {
    "cấp trung ương": N_("Central level"),
    "cấp bộ": N_("Ministry level"),
    "cấp tỉnh": N_("Provincial level"),
    "cấp huyện": N_("District level"),
    "cấp xã": N_("Commune level"),
    "cơ quan khác": N_("Other agencies"),
}

# Languages named in the interface language (the switcher names each in itself).
LANGUAGES = {
    "vi": N_("Vietnamese"),
    "en": N_("English"),
    "km": N_("Khmer"),
}


def kind(code: str) -> str:
    return KINDS.get(code, code)


def legal_status(code: str | None) -> str:
    return LEGAL_STATUSES.get(code or "", code or "")


def service_level(code: str | None) -> str:
    return SERVICE_LEVELS.get(code or "", code or "")


def language(code: str) -> str:
    return LANGUAGES.get(code, code)


def procedure_level(value: str | None) -> str | None:
    """A stored procedure level in the interface language, or None if unknown.

    A procedure done at several levels stores them comma-separated ("Cấp bộ,
    Cấp tỉnh"); it is translated only when every part is known.
    """
    parts = [_folded(part) for part in (value or "").split(",")]
    if not all(part in PROCEDURE_LEVELS for part in parts):
        return None
    return ", ".join(gettext(PROCEDURE_LEVELS[part]) for part in parts)


def _folded(text: str) -> str:
    # Imported text may be decomposed (NFD), capitalised or unevenly spaced.
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()
