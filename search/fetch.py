"""Fetching what outside sources publish, carefully: a time limit on every
request, a cap on the size of every answer, conditional requests (ETag and
Last-Modified) so an unchanged source costs one short exchange, and text
decoded in whatever encoding the source really uses.

Failures are `FetchError`s carrying a code and values, so the admin can say
in the reader's language what went wrong ("the source did not answer within
30 seconds"), never a traceback.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
from charset_normalizer import from_bytes

from appliance import __version__

USER_AGENT = f"PortalAppliance/{__version__} (source sync)"
MAX_REDIRECTS = 5
CHUNK = 64 * 1024


class FetchError(Exception):
    """A source could not be read; `code` names why (see search.health)."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code, values)
        self.code = code
        self.values = values

    def __str__(self) -> str:
        details = ", ".join(f"{k}={v}" for k, v in self.values.items())
        return f"{self.code} ({details})" if details else self.code


@dataclass
class Answer:
    url: str
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def unchanged(self) -> bool:
        return self.status == 304

    @property
    def charset(self) -> str | None:
        match = re.search(r"charset=\"?([\w.:-]+)", self.headers.get("Content-Type", ""),
                          re.IGNORECASE)
        return match.group(1) if match else None


@dataclass
class Limits:
    timeout: float = 30.0
    max_bytes: int = 20 * 1024 * 1024


def check_url(url: str) -> str:
    """An http or https address with a host; FetchError otherwise."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("bad_address", url=url)
    return parts.geturl()


def new_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(headers={"User-Agent": USER_AGENT},
                                 cookie_jar=aiohttp.DummyCookieJar())


async def fetch(session: aiohttp.ClientSession, url: str, limits: Limits, *,
                etag: str | None = None, last_modified: str | None = None,
                accept: str = "*/*") -> Answer:
    """GET `url` within the limits; a 304 comes back as an unchanged Answer."""
    url = check_url(url)
    headers = {"Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = aiohttp.ClientTimeout(total=limits.timeout,
                                    sock_connect=min(10.0, limits.timeout))
    try:
        async with session.get(url, headers=headers, timeout=timeout,
                               max_redirects=MAX_REDIRECTS) as response:
            kept = {name: response.headers[name]
                    for name in ("Content-Type", "ETag", "Last-Modified")
                    if name in response.headers}
            if response.status == 304:
                return Answer(url, 304, b"", kept)
            if response.status >= 400:
                raise FetchError("http_status", status=response.status)
            declared = response.content_length
            if declared is not None and declared > limits.max_bytes:
                raise FetchError("too_large", mb=_mb(limits.max_bytes))
            body = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK):
                body += chunk
                if len(body) > limits.max_bytes:
                    raise FetchError("too_large", mb=_mb(limits.max_bytes))
            return Answer(str(response.url), response.status, bytes(body), kept)
    except FetchError:
        raise
    except TimeoutError:
        raise FetchError("timeout", seconds=round(limits.timeout)) from None
    except aiohttp.TooManyRedirects:
        raise FetchError("redirects") from None
    except aiohttp.ClientConnectorError:
        raise FetchError("unreachable", host=urlsplit(url).hostname) from None
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError,
            aiohttp.ClientResponseError, aiohttp.ClientOSError):
        raise FetchError("broken_answer") from None
    except aiohttp.ClientError:
        raise FetchError("unreachable", host=urlsplit(url).hostname) from None


def _mb(n: int) -> int:
    return max(1, n // (1024 * 1024))


# -- text ---------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding=[\"']([\w.:-]+)[\"']")
_HTML_META = re.compile(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", re.IGNORECASE)
# What legacy Vietnamese text is most often in, when nothing says so.
_GUESSES = ("cp1258", "cp1252", "utf-16")


def decode(body: bytes, declared: str | None = None, forced: str | None = None) -> str:
    """The text of an answer: the encoding an administrator set for the
    source, else a byte-order mark, else what the document or HTTP says,
    else UTF-8 if it is valid, else the best guess among legacy encodings."""
    if forced:
        return _decode(body, forced)
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _decode(body, name)
    inner = _XML_DECLARATION.match(body) or _HTML_META.search(body[:4096])
    for name in (inner.group(1).decode("ascii") if inner else None, declared):
        if name and _known(name):
            try:
                return body.decode(_codec(name))
            except UnicodeDecodeError:
                continue
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(body, cp_isolation=list(_GUESSES)).best()
    if best is None:
        raise FetchError("encoding")
    return str(best)


def _known(name: str) -> bool:
    try:
        codecs.lookup(_codec(name))
    except LookupError:
        return False
    return True


def _codec(name: str) -> str:
    name = name.strip().lower()
    return {"windows-1258": "cp1258", "x-user-defined": "latin-1"}.get(name, name)


def _decode(body: bytes, name: str) -> str:
    if not _known(name):
        raise FetchError("encoding")
    try:
        return body.decode(_codec(name))
    except UnicodeDecodeError:
        raise FetchError("encoding") from None
