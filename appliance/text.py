"""Text helpers shared by every part: normalisation, Vietnamese folding, slugs,
plain text to HTML and back, and rich-text sanitising."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3


def nfc(text: str | None) -> str:
    """NFC-normalise; Vietnamese typed in decomposed form never matches otherwise."""
    return unicodedata.normalize("NFC", text or "")


# C0 and C1 control characters other than tab and newline: real exports carry
# them now and then, and they break XML feeds and confuse readers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str | None) -> str:
    """NFC text without control characters (tab and newline are kept)."""
    return _CONTROL.sub("", nfc(text).replace("\r\n", "\n").replace("\r", "\n"))


def _build_fold_table() -> dict[int, str]:
    """Map every accented Latin letter to its base letter, one code point to one.

    Keeping the length unchanged lets search highlight the folded text and copy
    the marks back onto the original accented string.
    """
    table: dict[int, str] = {}
    ranges = [(0x00C0, 0x0250), (0x1E00, 0x1F00)]
    for start, end in ranges:
        for cp in range(start, end):
            base = "".join(
                ch
                for ch in unicodedata.normalize("NFD", chr(cp))
                if not unicodedata.combining(ch)
            )
            if len(base) == 1 and base != chr(cp) and base.isascii():
                table[cp] = base
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    return table


_FOLD = _build_fold_table()


def fold(text: str | None) -> str:
    """Fold Vietnamese tone and shape marks and đ/Đ; the length never changes."""
    return nfc(text).translate(_FOLD)


def has_marks(text: str) -> bool:
    """True when the text carries Vietnamese marks that folding would remove."""
    return fold(text) != nfc(text)


_KHMER = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]")
_NON_SLUG = re.compile(r"[^0-9a-z\u1780-\u17FF\u19E0-\u19FF]+")


def slugify(text: str, max_length: int = 80) -> str:
    """A friendly address part: Vietnamese folded to ASCII, Khmer kept as written.

    Khmer zero-width spaces and joiners are dropped; everything that is not a
    letter or digit becomes one hyphen. The result is cut at a word boundary.
    """
    folded = fold(text).lower()
    folded = folded.replace("\u200b", "").replace("\u200c", "").replace("\u200d", "")
    slug = _NON_SLUG.sub("-", folded).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug


def is_khmer(text: str) -> bool:
    return bool(_KHMER.search(text or ""))


def plain_to_html(text: str | None) -> str:
    """Plain text with blank-line paragraphs to escaped HTML paragraphs."""
    paragraphs = re.split(r"\n\s*\n", clean(text).strip())
    out = []
    for para in paragraphs:
        para = para.strip()
        if not para:
            continue
        lines = [html.escape(line.strip()) for line in para.split("\n")]
        out.append("<p>" + "<br>".join(lines) + "</p>")
    return "\n".join(out)


_BLOCK_END = re.compile(r"</(p|div|h[1-6]|li|blockquote|tr|table|ul|ol)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_WEB_ADDRESS = re.compile(r"https?://[^\s\x00-\x1f\x7f/?#]+[^\s\x00-\x1f\x7f]*", re.IGNORECASE)


def is_web_address(value: object) -> bool:
    """True for an http or https address with a host, the only links the
    site and its API hand on (never javascript: or data:)."""
    return isinstance(value, str) and bool(_WEB_ADDRESS.fullmatch(value))


def html_to_text(markup: str | None) -> str:
    """Readable plain text from stored HTML, for search, feeds and descriptions."""
    text = _BLOCK_END.sub("\n", markup or "")
    text = _TAG.sub("", text)
    text = html.unescape(text)
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "blockquote",
    "h2", "h3", "h4", "ul", "ol", "li", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "pre", "code", "hr",
    "span",
}
_ALLOWED_ATTRS = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "span": {"lang"},
    "p": {"lang"},
}


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    # Pictures come only from this site's media library: the page's security
    # policy would block any other host, leaving a broken image.
    if element == "img" and attribute == "src" and not value.startswith("/media/"):
        return None
    return value


_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def sanitize_html(markup: str | None) -> str:
    """Server-side cleaning of rich text from editors: a fixed allow-list."""
    cleaned = nh3.clean(
        clean(markup),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRS,
        attribute_filter=_keep_attribute,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
    return _IMG_WITHOUT_SRC.sub("", cleaned)


def truncate(text: str, length: int) -> str:
    """Cut plain text at a word boundary and add an ellipsis when cut."""
    text = " ".join((text or "").split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"


_ALNUM_RUN = re.compile(r"[0-9a-z]+")


def number_key(number: str | None) -> str | None:
    """A document number's lookup key: `42/2022/NĐ-CP` becomes `42-2022-nd-cp`."""
    runs = _ALNUM_RUN.findall(fold(number).lower())
    return "-".join(runs) or None
