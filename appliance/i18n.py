"""Interface languages: message catalogues, the current language, and dates
and numbers formatted for it.

Each part keeps its own catalogue, `<part>/locale/<lang>/LC_MESSAGES/messages.po`,
with English message ids. At start-up they are compiled in memory and merged
into one set of translations per language, so parts never edit a shared file.
"""

from __future__ import annotations

import contextvars
import importlib.util
import io
import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

log = logging.getLogger("portal.i18n")

LANGUAGES = ("vi", "en", "km")
DEFAULT_LANGUAGE = "vi"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CATALOGUE_PARTS = ("appliance", "web", "newsroom", "search", "feeds")

# Names of each language in itself, for the language switcher.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "km": "ភាសាខ្មែរ"}

_current = contextvars.ContextVar("portal_language", default=DEFAULT_LANGUAGE)
_translations: dict[str, Translations] = {}


def catalogue_files(lang: str) -> Iterable[tuple[str, Path]]:
    """Each part's catalogue for a language, found without importing the part."""
    for part in CATALOGUE_PARTS:
        spec = importlib.util.find_spec(part)
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            po = Path(location, "locale", lang, "LC_MESSAGES", "messages.po")
            if po.is_file():
                yield part, po
                break


def _compile(po_file: Path, lang: str) -> Translations:
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def load_catalogues() -> None:
    """Compile and merge every part's catalogue; called once at start-up."""
    for lang in LANGUAGES:
        compiled = [_compile(po, lang) for _part, po in catalogue_files(lang)]
        merged = compiled[0] if compiled else Translations()
        for other in compiled[1:]:
            merged.merge(other)
        _translations[lang] = merged


def translations(lang: str) -> Translations:
    if not _translations:
        load_catalogues()
    return _translations.get(lang) or _translations[DEFAULT_LANGUAGE]


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def set_language(lang: str) -> None:
    _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    return _current.get()


def gettext(message: str, **variables: object) -> str:
    text = translations(_current.get()).ugettext(message)
    return text % variables if variables else text




def lazy_gettext_for(lang: str, message: str, **variables: object) -> str:
    """Translate into a given language without touching the current one."""
    text = translations(lang).ugettext(message)
    return text % variables if variables else text


def negotiate(accept_language: str | None, offered: Iterable[str]) -> str:
    """Pick a language from an Accept-Language header; the first offered wins ties."""
    offered = list(offered)
    best, best_q = offered[0], 0.0
    for part in (accept_language or "").split(","):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower().split("-")[0]
        q = 1.0
        for param in pieces[1:]:
            if param.strip().startswith("q="):
                try:
                    q = float(param.strip()[2:])
                except ValueError:
                    q = 0.0
        if tag in offered and q > best_q:
            best, best_q = tag, q
    return best


# -- dates and numbers --------------------------------------------------------

_DATE_PATTERNS = {
    "vi": {"short": "dd/MM/yyyy", "long": "EEEE, dd/MM/yyyy", "time": "HH:mm"},
    "en": {"short": "d MMM yyyy", "long": "EEEE, d MMMM yyyy", "time": "HH:mm"},
    "km": {"short": "d MMMM yyyy", "long": "EEEE d MMMM yyyy", "time": "HH:mm"},
}


def parse_stored(value: str | datetime | date | None) -> datetime | date | None:
    """Stored UTC times (…Z) become aware datetimes; plain dates stay dates."""
    if value is None or value == "":
        return None
    if isinstance(value, (datetime, date)):
        return value
    if len(value) == 10:
        return date.fromisoformat(value)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def format_date(value: str | datetime | date | None, style: str = "short",
                lang: str | None = None) -> str:
    """A stored time or date shown in Asia/Ho_Chi_Minh, in the language's style."""
    lang = lang or _current.get()
    moment = parse_stored(value)
    if moment is None:
        return ""
    pattern = _DATE_PATTERNS[lang][style]
    if isinstance(moment, datetime):
        return _babel_datetime(moment, pattern, tzinfo=LOCAL_TZ, locale=lang)
    return _babel_date(moment, pattern, locale=lang)


def format_number(value: float, lang: str | None = None) -> str:
    return format_decimal(value, locale=lang or _current.get())


def language_name(lang: str) -> str:
    """A language's own name; a code Babel cannot name (one typed into a
    form, say) is shown as it was given."""
    if lang in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[lang]
    try:
        return Locale.parse(lang).display_name or lang
    except (UnknownLocaleError, ValueError, TypeError):
        return lang
