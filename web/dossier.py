"""The one-stop dossier look-up (tra cứu hồ sơ một cửa): a citizen types a
dossier code and sees its status, dates and receiving office.

    GET /{lang}/dossier            the form
    GET /{lang}/dossier?code=...   the form and the answer

The answer comes from the one-stop system (`dossier.endpoint`) with a time
limit, and is kept in memory for `dossier.cache_seconds` so repeated
look-ups do not load that system. Dossiers hold personal data (Decree
13/2023/NĐ-CP): only the fields below are read from the answer, everything
else is dropped at once; nothing is stored on disk, indexed or logged (the
access log leaves out query strings, and the code travels in one). Look-ups
are limited per client address like other public forms.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp
from aiohttp import web

from appliance import __version__
from appliance.app import CONFIG
from appliance.i18n import gettext as _
from appliance.security import RateLimiter, client_address

from .pages import Meta, render, same_page_switch

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{3,63}")
MAX_ANSWER_BYTES = 64 * 1024
MAX_CACHED = 1000
# The fields shown, and the names one-stop systems give them.
FIELDS = {
    "code": ("maHoSo", "ma_ho_so", "code", "dossier_code"),
    "status": ("trangThai", "trang_thai", "tinhTrang", "status"),
    "procedure": ("tenThuTuc", "ten_thu_tuc", "procedure", "procedure_name"),
    "office": ("coQuanTiepNhan", "co_quan_tiep_nhan", "donViTiepNhan", "office",
               "receiving_office"),
    "received": ("ngayTiepNhan", "ngay_tiep_nhan", "received_at", "received"),
    "due": ("ngayHenTra", "ngay_hen_tra", "due_at", "due"),
    "returned": ("ngayTraKetQua", "ngay_tra_ket_qua", "completed_at", "returned_at"),
}
MAX_FIELD_CHARS = 300
DATE_FIELDS = ("received", "due", "returned")
_LOCAL_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y")

CLIENT = web.AppKey("dossier_client", aiohttp.ClientSession)
CACHE = web.AppKey("dossier_cache", "DossierCache")
LIMITER = web.AppKey("dossier_limiter", RateLimiter)


@dataclass(frozen=True)
class Dossier:
    code: str
    status: str | None = None
    procedure: str | None = None
    office: str | None = None
    received: str | None = None
    due: str | None = None
    returned: str | None = None


@dataclass(frozen=True)
class Lookup:
    """What a look-up found: a dossier, or why there is none."""

    dossier: Dossier | None = None
    problem: str | None = None  # not_found, unavailable


class DossierCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: OrderedDict[str, tuple[float, Lookup]] = OrderedDict()

    def get(self, code: str) -> Lookup | None:
        entry = self._entries.get(code)
        if entry is None or entry[0] < time.monotonic():
            self._entries.pop(code, None)
            return None
        return entry[1]

    def put(self, code: str, found: Lookup) -> None:
        if self.seconds <= 0:
            return
        self._entries[code] = (time.monotonic() + self.seconds, found)
        self._entries.move_to_end(code)
        while len(self._entries) > MAX_CACHED:
            self._entries.popitem(last=False)


def setup(app: web.Application, lang_pattern: str) -> None:
    config = app[CONFIG]
    app[CACHE] = DossierCache(config["dossier.cache_seconds"])
    app[LIMITER] = RateLimiter(config["dossier.lookups"], config["dossier.lookup_window"])
    app.cleanup_ctx.append(_client)
    app.router.add_get(f"/{lang_pattern}/dossier", dossier_page)


async def _client(app: web.Application) -> AsyncIterator[None]:
    app[CLIENT] = aiohttp.ClientSession(
        headers={"User-Agent": f"PortalAppliance/{__version__} (dossier look-up)"},
        cookie_jar=aiohttp.DummyCookieJar())
    yield
    await app[CLIENT].close()


def pick(answer: object) -> Dossier | None:
    """The shown fields of a one-stop system's answer (an object, or one
    wrapped in "data"/"duLieu"); every other field is dropped."""
    if isinstance(answer, dict):
        for wrapper in ("data", "duLieu", "result", "hoSo"):
            if isinstance(answer.get(wrapper), dict):
                answer = answer[wrapper]
                break
    if not isinstance(answer, dict):
        return None
    values = {}
    for name, aliases in FIELDS.items():
        value = next((answer[a] for a in aliases if answer.get(a) not in (None, "")), None)
        if value is not None:
            text = " ".join(str(value).split())[:MAX_FIELD_CHARS]
            values[name] = _moment(text) if name in DATE_FIELDS else text
    if not values.get("code") or not values.get("status"):
        return None
    return Dossier(**values)


def _moment(text: str) -> str | None:
    """A date as stored (YYYY-MM-DD), or a time as stored (UTC, Z); a time
    without an offset is Asia/Ho_Chi_Minh time. None when unreadable."""
    from datetime import UTC, datetime

    from appliance.i18n import LOCAL_TZ

    try:
        if len(text) == 10 and text[4] == "-":
            return datetime.fromisoformat(text).date().isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for pattern in _LOCAL_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            return None
        if pattern.endswith("%Y"):
            return moment.date().isoformat()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def look_up(app: web.Application, code: str) -> Lookup:
    cached = app[CACHE].get(code)
    if cached is not None:
        return cached
    config = app[CONFIG]
    url = config["dossier.endpoint"].replace("{code}", quote(code, safe=""))
    headers = {"Accept": "application/json"}
    token = config.secrets.get("dossier_token")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    timeout = aiohttp.ClientTimeout(total=float(config["dossier.timeout"]))
    try:
        async with app[CLIENT].get(url, headers=headers, timeout=timeout,
                                   allow_redirects=False) as response:
            if response.status == 404:
                found = Lookup(problem="not_found")
                app[CACHE].put(code, found)
                return found
            if response.status != 200:
                return Lookup(problem="unavailable")
            body = await response.content.read(MAX_ANSWER_BYTES + 1)
            if len(body) > MAX_ANSWER_BYTES:
                return Lookup(problem="unavailable")
            import json

            dossier = pick(json.loads(body.decode("utf-8")))
    except (TimeoutError, aiohttp.ClientError, ValueError, RecursionError):
        # RecursionError: JSON nested deeper than the parser goes
        return Lookup(problem="unavailable")
    found = Lookup(dossier) if dossier and dossier.code.casefold() == code.casefold() \
        else Lookup(problem="not_found")
    app[CACHE].put(code, found)
    return found


async def dossier_page(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    if not config["dossier.endpoint"]:
        raise web.HTTPNotFound()
    lang = request.match_info["lang"]
    code = " ".join(request.query.get("code", "").split())
    found: Lookup | None = None
    error = None
    status = 200
    if code:
        if not CODE.fullmatch(code):
            error = _("A dossier code has letters, digits, dots and hyphens, as printed "
                      "on the receipt (for example 000.00.25.H01-251120-0001).")
            status = 400
        else:
            limiter = request.app[LIMITER]
            who = client_address(request, config["server.trust_proxy"])
            if limiter.blocked(who):
                error = _("Too many look-ups from your connection. Please wait a few "
                          "minutes and try again.")
                status = 429
            else:
                limiter.hit(who)
                found = await asyncio.shield(look_up(request.app, code))
    meta = Meta(
        title=_("Look up a one-stop dossier"),
        description=_("See the status, dates and receiving office of a dossier "
                      "submitted at a one-stop office, by its code."),
        path=request.path,
        switch=same_page_switch(config, lang, request.path, {"code": code}),
        area="search",
        noindex=True,
    )
    response = await render(request, "web/dossier.html",
                            {"code": code, "found": found, "error": error}, meta,
                            status=status)
    response.headers["Cache-Control"] = "no-store"
    return response
