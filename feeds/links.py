"""Addresses as machines receive them: absolute, and percent-encoded.

Feed readers and search engines want URIs, not IRIs, so Khmer slugs are
percent-encoded here; the public site keeps showing them as written.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

# Characters a path may carry unencoded (RFC 3986 pchar plus "/"); "%" is
# left out so that a stray percent sign is encoded rather than trusted.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def absolute_url(base_url: str, path: str) -> str:
    """The public address of a site path, from the configured base URL."""
    return base_url.rstrip("/") + quote(path, safe=_PATH_SAFE)


def home_path(lang: str) -> str:
    return f"/{lang}/"


def section_path(lang: str, key: str) -> str:
    return f"/{lang}/{key}/"


def tag_uri(base_url: str, created_at: str, item_id: int) -> str:
    """A permanent id for an item (RFC 4151): it survives a change of section
    or slug, which an address would not."""
    host = urlsplit(base_url).hostname or "localhost"
    return f"tag:{host},{created_at[:10]}:item/{item_id}"
