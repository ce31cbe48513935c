"""Keep every part's message catalogue in step with its source.

    python -m tools.catalogues update   # add new messages, drop unused ones
    python -m tools.catalogues check    # list untranslated or fuzzy entries

Message ids are English. Each part has <part>/locale/<lang>/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("appliance", "web", "newsroom", "search", "feeds")
LANGUAGES = ("vi", "en", "km")
METHODS = [
    ("**/sample/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.xml", "jinja2"),
]
OPTIONS = {"**/templates/**": {"extensions": "jinja2.ext.i18n"}}
KHMER_NOTE = ("Khmer translations were written by the project and await review "
              "by a Khmer speaker.")


def extract(part: str) -> Catalog:
    """Every message the part's code and templates ask to translate."""
    catalog = Catalog(project="portal", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / part, METHODS, OPTIONS):
        catalog.add(message, None, [(f"{part}/{filename}", lineno)],
                    auto_comments=comments, context=context)
    return catalog


def po_path(part: str, lang: str) -> Path:
    return ROOT / part / "locale" / lang / "LC_MESSAGES" / "messages.po"


def load(part: str, lang: str) -> Catalog | None:
    path = po_path(part, lang)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def problems(part: str) -> list[str]:
    """Messages missing, empty or fuzzy in any language's catalogue."""
    template = extract(part)
    found = []
    for lang in LANGUAGES:
        catalog = load(part, lang)
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id, message.context) if catalog else None
            key = message.id if isinstance(message.id, str) else message.id[0]
            if entry is None:
                found.append(f"{part}/{lang}: missing {key!r}")
            elif entry.fuzzy:
                found.append(f"{part}/{lang}: fuzzy {key!r}")
            elif not entry.string or (isinstance(entry.string, tuple)
                                      and not all(entry.string)):
                found.append(f"{part}/{lang}: untranslated {key!r}")
    return found


def update(part: str) -> None:
    if not len(extract(part)):
        return
    for lang in LANGUAGES:
        catalog = load(part, lang) or Catalog(locale=lang, project="portal")
        # A fresh template per language: update() may adopt its message objects.
        catalog.update(extract(part), no_fuzzy_matching=True)
        catalog.fuzzy = False
        if lang == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        if lang == "km":
            catalog.header_comment = "# " + KHMER_NOTE
        path = po_path(part, lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=88, omit_header=False, ignore_obsolete=True,
                     include_lineno=False)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    parts = argv[2:] or PARTS
    if command == "update":
        for part in parts:
            update(part)
        return 0
    found = [line for part in parts for line in problems(part)]
    print("\n".join(found) or "all catalogues complete")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
