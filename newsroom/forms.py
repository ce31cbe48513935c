"""The newsroom's forms: what staff typed, checked field by field, and turned
into the content store's input.

A form keeps exactly what was entered, so a page with errors can be shown
again without losing anyone's work. Each error names its field, so the error
summary can link to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from multidict import MultiDictProxy

from appliance import content
from appliance.content import Item, ItemInput, Section
from appliance.errors import UserError
from appliance.i18n import LANGUAGES, LOCAL_TZ, format_number, parse_stored
from appliance.i18n import gettext as _

from .pages import as_id
from .pages import field as text_field

# Kinds whose every field this form edits; other kinds (documents and
# procedures, which arrive by import) would lose their own fields here.
EDITABLE_KINDS = ("article",)
MAX_TITLE_LENGTH = content.MAX_TITLE_LENGTH
REVIEW_MARK = "awaiting-khmer-review"
_TAG_SEPARATORS = re.compile(r"[,;\n]")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class ArticleForm:
    lang: str = "vi"
    title: str = ""
    summary: str = ""
    body: str = ""
    section_key: str = ""
    tags: str = ""
    slug: str = ""  # the address's last part; changing it keeps the old one working
    byline: str = ""
    featured: bool = False
    published_at: str = ""  # local time as typed, YYYY-MM-DDTHH:MM
    lead_image: str = ""  # a media id, or "" for none
    image_alt: str = ""
    image_credit: str = ""
    awaiting_review: bool = False
    translation_of: str = ""  # the item this one translates, on creation
    revision: str = ""  # the item's revision when the form opened
    source_current: bool = False  # the translator brought it up to date
    errors: list[FieldError] = field(default_factory=list)

    @classmethod
    def for_item(cls, item: Item) -> ArticleForm:
        return cls(
            lang=item.lang,
            title=item.title,
            summary=item.summary,
            body=item.body,
            section_key=item.section_key or "",
            tags=", ".join(tag.name for tag in item.tags),
            slug=item.slug,
            byline=item.byline,
            featured=item.featured,
            published_at=local_input(item.published_at),
            lead_image=str(item.lead_image_id or ""),
            awaiting_review=item.awaiting_review,
            revision=str(item.revision),
        )

    @classmethod
    def translating(cls, source: Item, lang: str) -> ArticleForm:
        """A new item in another language, starting from the source's frame."""
        return cls(
            lang=lang,
            section_key=source.section_key or "",
            tags=", ".join(tag.name for tag in source.tags),
            lead_image=str(source.lead_image_id or ""),
            awaiting_review=lang == "km",
            translation_of=str(source.id),
        )

    @classmethod
    def from_post(cls, form: MultiDictProxy, current: Item | None) -> ArticleForm:
        def text(name: str) -> str:
            return text_field(form, name)

        return cls(
            lang=current.lang if current else text("lang"),
            title=text("title"),
            summary=text("summary"),
            body=text("body"),
            section_key=text("section"),
            tags=text("tags"),
            slug=text("slug").strip() if current else "",
            byline=text("byline"),
            featured=text("featured") == "1",
            published_at=text("published_at").strip(),
            lead_image=text("lead_image").strip(),
            image_alt=text("image_alt").strip(),
            image_credit=text("image_credit").strip(),
            awaiting_review=text("awaiting_review") == "1",
            translation_of=text("translation_of").strip() if current is None else "",
            revision=text("revision").strip() if current else "",
            source_current=text("source_current") == "1",
        )

    def check(self, sections: list[Section]) -> list[FieldError]:
        """Field-by-field checks before anything is stored."""
        self.errors = [FieldError(*problem) for problem in self._problems(sections)]
        return self.errors

    def _problems(self, sections: list[Section]) -> Iterator[tuple[str, str]]:
        if self.lang not in LANGUAGES:
            yield "lang", _("Choose the language of the article.")
        title = " ".join(self.title.split())
        if not title:
            yield "title", _("Write a title.")
        elif len(title) > MAX_TITLE_LENGTH:
            yield (
                "title",
                _(
                    "The title is longer than %(n)s characters.",
                    n=format_number(MAX_TITLE_LENGTH),
                ),
            )
        if not sections:
            yield (
                "section",
                _("There are no sections yet. Ask the editor-in-chief to create one."),
            )
        elif self.section_key not in {section.key for section in sections}:
            yield "section", _("Choose a section.")
        if self.lead_image and as_id(self.lead_image) is None:
            yield "lead_image", _("Choose an image from the list.")
        if self.translation_of and as_id(self.translation_of) is None:
            yield "translation_of", _("The original item's number is not valid.")
        try:
            content.parse_time(self.published_at, _("Publication time"))
        except UserError as exc:
            yield "published_at", str(exc)

    def to_input(self, current: Item | None) -> ItemInput:
        """The content store's input; fields this form does not show (import
        identity, attribution, other marks) are carried over unchanged."""
        extra = dict(current.extra) if current else {}
        lang = current.lang if current else self.lang
        if self.awaiting_review and lang == "km":
            extra["review"] = REVIEW_MARK
        elif extra.get("review") == REVIEW_MARK:
            del extra["review"]
        base = {
            "kind": current.kind if current else "article",
            "lang": lang,
            "translation_group": current.translation_group if current else None,
            "external_id": current.external_id if current else None,
            "source": current.source if current else "local",
            "source_url": current.source_url if current else None,
            "attribution": current.attribution if current else None,
        }
        return ItemInput(
            **base,
            title=self.title,
            summary=self.summary,
            body=self.body,
            section_key=self.section_key or None,
            tags=split_tags(self.tags),
            published_at=self.published_at or None,
            featured=self.featured,
            byline=self.byline,
            extra=extra,
            lead_image_id=as_id(self.lead_image),
            # Only a changed address counts: an untouched field leaves a
            # draft's address following its title.
            slug=self.slug if current and self.slug and self.slug != current.slug
            else None,
        )


@dataclass
class SectionForm:
    key: str = ""
    names: dict[str, str] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    @classmethod
    def from_post(cls, form: MultiDictProxy, key: str | None = None) -> SectionForm:
        names = {
            lang: " ".join(text_field(form, f"name_{lang}").split())
            for lang in LANGUAGES
        }
        return cls(key=key or text_field(form, "key").strip().lower(), names=names)

    def check(self, *, new: bool) -> list[FieldError]:
        """Checks for the "add" form (new) or one section's rename form."""
        self.errors = [FieldError(*problem) for problem in self._problems(new)]
        return self.errors

    def _problems(self, new: bool) -> Iterator[tuple[str, str]]:
        # Field ids differ between the "add" form and each section's own form.
        def field_id(lang: str) -> str:
            return f"name_{lang}" if new else f"{self.key}-{lang}"

        if new:
            try:
                content.check_section_key(self.key)
            except UserError as exc:
                yield "key", str(exc)
        if not self.names.get("vi"):
            yield field_id("vi"), _("Write the section's Vietnamese name.")
        for lang, name in self.names.items():
            if len(name) > 120:
                yield (
                    field_id(lang),
                    _("A section name may be at most 120 characters long."),
                )


def split_tags(text: str) -> list[str]:
    seen: dict[str, str] = {}
    for name in _TAG_SEPARATORS.split(text or ""):
        name = " ".join(name.split())
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return list(seen.values())


def local_input(stored: str | None) -> str:
    """A stored UTC time as the value of a datetime-local field, in local time."""
    moment = parse_stored(stored)
    if not isinstance(moment, datetime):
        return ""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
