"""The field mapping an administrator writes for a JSON, CSV or XLSX source:
which field of the outside record becomes which field of the import format
(docs/operations.md, "Sources").

    {"items": "data.records",            JSON: where the list of records is
     "fields": {"external_id": "ma",     import field -> field of the record
                "title": "ten", "code": "ma", "agency": "co_quan.ten",
                "published_at": ["ngay_cap_nhat", "ngay_ban_hanh"]},
     "values": {"kind": "procedure"},    import field -> a fixed value
     "url": "https://dichvucong.example/tthc/{ma}",  the record's own address
     "deleted": "da_xoa",                a true value: the source removed it
     "next": "links.next",               JSON: the address of the next page
     "since": "updated_since",           JSON: ask only for what changed since
     "encoding": "cp1258"}               CSV: the file's encoding, when it lies

A field is a dotted path into the record (`co_quan.ten`, `tags.0`); a list
of paths takes the first that has a value. Without "fields", records are
read as they are: already in the import format, with `id`, `link` and `url`
understood as external_id and source_url.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from appliance.content import DOCUMENT_FIELDS, PROCEDURE_FIELDS
from appliance.errors import UserError
from appliance.i18n import gettext as _

IMPORT_FIELDS = ("external_id", "kind", "lang", "title", "summary", "body",
                 "published_at", "section", "tags", "source_url", "attribution",
                 "translation_group", *DOCUMENT_FIELDS, *PROCEDURE_FIELDS,
                 # online public services (kept as extra fields of the item)
                 "procedure_code", "service_level", "link")
LIST_FIELDS = ("tags", "steps", "legal_basis", "amends", "replaces")
MAPPING_KEYS = ("items", "fields", "values", "url", "deleted", "next", "since",
                "encoding")
MAX_MAPPING_CHARS = 20_000
_ALIASES = {"id": "external_id", "url": "source_url"}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass
class Mapping:
    items: str | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    deleted: str | None = None
    next: str | None = None
    since: str | None = None
    encoding: str | None = None

    def to_json(self) -> str:
        data: dict[str, Any] = {}
        for key in MAPPING_KEYS:
            value = getattr(self, key)
            if key == "fields" and value:
                value = {k: v[0] if len(v) == 1 else v for k, v in value.items()}
            if value:
                data[key] = value
        return json.dumps(data, ensure_ascii=False, indent=1)


def parse_mapping(text: str | dict | None) -> Mapping:
    """A mapping from its JSON text; UserError naming what is wrong."""
    if text in (None, "", {}):
        return Mapping()
    if isinstance(text, str):
        if len(text) > MAX_MAPPING_CHARS:
            raise UserError(_("The field mapping is too long."))
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(_("The field mapping is not valid JSON: %(error)s "
                              "(line %(line)s).", error=exc.msg, line=exc.lineno)) from None
    else:
        data = text
    if not isinstance(data, dict):
        raise UserError(_("The field mapping should be a JSON object."))
    unknown = [k for k in data if k not in MAPPING_KEYS]
    if unknown:
        raise UserError(_("The field mapping has unknown keys: %(keys)s. Use %(known)s.",
                          keys=", ".join(unknown), known=", ".join(MAPPING_KEYS)))
    mapping = Mapping()
    for key in ("items", "url", "deleted", "next", "since", "encoding"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise UserError(_("In the field mapping, “%(key)s” should be text.", key=key))
        setattr(mapping, key, value or None)
    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        raise UserError(_("In the field mapping, “fields” should be an object."))
    for name, paths in fields.items():
        _check_field(name)
        paths = [paths] if isinstance(paths, str) else paths
        if not isinstance(paths, list) or not paths or \
                not all(isinstance(p, str) and p for p in paths):
            raise UserError(_("In the field mapping, “%(field)s” should name a field of "
                              "the source, or a list of them.", field=name))
        mapping.fields[name] = paths
    values = data.get("values") or {}
    if not isinstance(values, dict):
        raise UserError(_("In the field mapping, “values” should be an object."))
    for name in values:
        _check_field(name)
    mapping.values = dict(values)
    return mapping


def _check_field(name: str) -> None:
    if name not in IMPORT_FIELDS:
        raise UserError(_("“%(field)s” is not a field of the import format.", field=name))


# -- reading records ------------------------------------------------------------

def dig(record: Any, path: str) -> Any:
    """The value at a dotted path ("a.b.0.c"), or None."""
    value = record
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
        if value is None:
            return None
    return value


def records_in(document: Any, mapping: Mapping) -> list[Any]:
    """The list of records in a JSON document."""
    if mapping.items:
        found = dig(document, mapping.items)
    elif isinstance(document, list):
        found = document
    else:
        found = next((document[k] for k in ("items", "data", "results", "records")
                      if isinstance(document, dict) and isinstance(document.get(k), list)),
                     None)
    if not isinstance(found, list):
        raise ValueError("no list of records")
    return found


def apply(record: Any, mapping: Mapping) -> dict[str, Any]:
    """The import-format record for one outside record."""
    if not isinstance(record, dict):
        return {}
    if mapping.fields:
        out = {}
        for name, paths in mapping.fields.items():
            value = next((v for v in (dig(record, p) for p in paths)
                          if v not in (None, "", [])), None)
            if value is not None:
                out[name] = value
    else:
        out = {_ALIASES.get(k, k): v for k, v in record.items()
               if _ALIASES.get(k, k) in IMPORT_FIELDS}
    out.update(mapping.values)
    if mapping.url and "source_url" not in mapping.fields:
        url = _fill(mapping.url, record)
        if url:
            out["source_url"] = url
    return {k: _normal(k, v) for k, v in out.items()}


def is_deleted(record: Any, mapping: Mapping) -> bool:
    if not mapping.deleted or not isinstance(record, dict):
        return False
    value = dig(record, mapping.deleted)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "x", "deleted", "có")
    return bool(value)


def _fill(template: str, record: dict) -> str | None:
    missing = False

    def one(match: re.Match) -> str:
        nonlocal missing
        value = dig(record, match.group(1))
        if value in (None, ""):
            missing = True
            return ""
        return str(value)

    url = _PLACEHOLDER.sub(one, template)
    return None if missing else url


def _normal(name: str, value: Any) -> Any:
    """Cells and fields as the import format wants them: text, or lists of
    text for the list fields (a cell "a; b" is two tags)."""
    if name in LIST_FIELDS:
        if isinstance(value, str):
            return [v.strip() for v in re.split(r"[;\n]", value) if v.strip()]
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [str(value)]
    if name in ("year",) and isinstance(value, (int, float)):
        return int(value)
    if name == "channels":
        return value if isinstance(value, list) else []
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else str(value)


def iter_rows(header: list[Any], rows: Iterator[list[Any]]) -> Iterator[dict[str, Any]]:
    """Table rows as records keyed by the header's names."""
    names = [str(h).strip() if h is not None else "" for h in header]
    for row in rows:
        values = list(row)
        if not any(v not in (None, "") for v in values):
            continue
        yield {name: value for name, value in zip(names, values, strict=False)
               if name and value not in (None, "")}
