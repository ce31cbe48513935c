"""Interface names for stored codes (kinds, legal status, service level).

The strings are marked with N_ so the catalogue extraction finds them; pages
translate them when they are shown, with `_()` in the template.
"""

from __future__ import annotations


from appliance.i18n import N_


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
