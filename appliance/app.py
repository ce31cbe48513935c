"""The application factory: one aiohttp app assembled from the parts.

Each part exposes `setup(app)` and registers its own routes; the core owns
config, the database, sessions, templates, i18n, security headers, the
response cache and the one place where errors become pages or problem details.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import importlib
import json
import logging
from dataclasses import dataclass
from collections.abc import AsyncIterator
from functools import lru_cache
from importlib import resources

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp_session import setup as setup_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from . import __version__, i18n, logs, tls
from .i18n import N_
from .cache import CACHE_KEY, PageCache
from .config import Config
from .db import Database, latest_schema
from .errors import ConflictError, ForbiddenError, NotFoundError, UserError
from .proxy import forwarded_headers
from .scheduler import Scheduler
from .security import RateLimiter, security_headers

log = logging.getLogger("portal.app")

CONFIG = web.AppKey("config", Config)
DB = web.AppKey("db", Database)
LOGIN_LIMITER = web.AppKey("login_limiter", RateLimiter)
# Path prefix -> async renderer(request, Failure) for a part's own error pages.
ERROR_PAGES = web.AppKey("error_pages", dict)
SCHEDULER = web.AppKey("scheduler", Scheduler)

# Registration order matters: routes of earlier parts win over the public
# site's catch-all article addresses, so the site comes last.
PARTS = ("backup", "feeds", "search", "newsroom", "web")
TEMPLATE_PARTS = ("web", "newsroom", "feeds")
OUTSIDE_WRITES_POLL = 1.0


def create_app(config: Config) -> web.Application:
    app = web.Application(
        # Outermost first: the real client (behind a trusted proxy) before
        # anything else looks; error pages get the security headers too.
        middlewares=[forwarded_headers(lambda: config["server.trust_proxy"]),
                     security_headers, error_pages, language],
        client_max_size=(config["content.max_upload_mb"] + 1) * 1024 * 1024,
    )
    app[CONFIG] = config
    app[DB] = Database(config.database_path, readers=config["server.readers"])
    app[CACHE_KEY] = PageCache(config["cache.entries"], config["cache.max_age"])
    app[LOGIN_LIMITER] = RateLimiter(config["security.login_attempts"],
                                     config["security.login_window"])
    app[ERROR_PAGES] = {}
    app[SCHEDULER] = Scheduler()

    i18n.load_catalogues()
    _setup_templates(app, config)
    _setup_sessions(app, config)
    app.cleanup_ctx.append(_database)
    # After the database: jobs start once it is open and stop before it closes.
    app.cleanup_ctx.append(app[SCHEDULER].run)
    app.router.add_get("/healthz", healthz)
    tls.setup(app, config)  # plain HTTP redirects to HTTPS; ACME challenges
    config.media_dir.mkdir(parents=True, exist_ok=True)
    app.router.add_get("/media/{path:.+}", media_file, name="media")
    app.on_response_prepare.append(_static_cache_headers)

    for name in PARTS:
        importlib.import_module(name).setup(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    db = app[DB]
    await db.open()
    poller = asyncio.create_task(_watch_outside_writes(db))
    log.info("database open", extra={"path": str(db.path), "schema": await db.schema()})
    yield
    poller.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await poller
    await db.close()
    log.info("database closed")


async def _watch_outside_writes(db: Database) -> None:
    """Pick up imports run from the command line while the server is up."""
    while True:
        await asyncio.sleep(OUTSIDE_WRITES_POLL)
        try:
            await db.check_outside_writes()
        except Exception:  # a busy or briefly locked file must not stop the loop
            log.warning("could not check for outside writes", exc_info=True)


def _setup_sessions(app: web.Application, config: Config) -> None:
    raw = config.secrets["session_key"]
    key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))[:32]
    storage = EncryptedCookieStorage(
        key, cookie_name="portal_session", httponly=True, samesite="Lax",
        secure=config.cookie_secure, max_age=config["security.session_hours"] * 3600,
        path="/",
    )
    setup_session(app, storage)


# -- templates ----------------------------------------------------------------

def _setup_templates(app: web.Application, config: Config) -> None:
    loaders = {}
    for part in TEMPLATE_PARTS:
        with contextlib.suppress(ModuleNotFoundError, ValueError):
            if resources.files(part).joinpath("templates").is_dir():
                loaders[part] = jinja2.PackageLoader(part, "templates")
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PrefixLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Jinja's newstyle callables substitute (and escape) the variables themselves,
    # so they get the bare translations.
    env.install_gettext_callables(
        lambda message: i18n.translations(i18n.current_language()).ugettext(message),
        lambda singular, plural, n: i18n.translations(
            i18n.current_language()).ungettext(singular, plural, n),
        newstyle=True)
    env.globals.update(
        config=config,
        format_date=i18n.format_date,
        format_number=i18n.format_number,
        language_name=i18n.language_name,
        current_language=i18n.current_language,
        static=static_url,
        version=__version__,
    )


@lru_cache(maxsize=512)
def static_url(path: str, part: str = "web") -> str:
    """The address of a static file with a content hash, so it can be cached forever."""
    file = resources.files(part).joinpath("static", path)
    digest = hashlib.blake2b(file.read_bytes(), digest_size=6).hexdigest()
    prefix = "/static/" if part == "web" else f"/{part_prefix(part)}/static/"
    return f"{prefix}{path}?v={digest}"


def part_prefix(part: str) -> str:
    return {"newsroom": "admin"}.get(part, part)


async def _static_cache_headers(request: web.Request, response: web.StreamResponse) -> None:
    if "/static/" in request.path and "v" in request.query:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    # No software versions for scanners to match against known flaws.
    response.headers["Server"] = "portal"


# -- language and errors ------------------------------------------------------

@web.middleware
async def language(request: web.Request, handler) -> web.StreamResponse:
    """Set the interface language from the address (/vi/, /en/, /km/)."""
    first = request.path.split("/", 2)[1] if request.path.count("/") >= 1 else ""
    i18n.set_language(first if first in request.app[CONFIG].languages
                      else request.app[CONFIG].default_language)
    return await handler(request)


ERROR_TITLES = {
    400: N_("The request could not be understood"),
    401: N_("Authentication needed"),
    403: N_("You may not do that"),
    404: N_("Page not found"),
    405: N_("That method is not allowed here"),
    409: N_("That clashes with what is stored"),
    410: N_("This page is no longer available"),
    413: N_("The upload is too large"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
    503: N_("The service is briefly unavailable"),
}
_MESSAGES = {
    400: N_("Please check what you entered and try again."),
    401: N_("Send a valid personal API token, or sign in."),
    403: N_("You do not have access to this page."),
    404: N_("The page may have moved or been removed. Try the search or the home page."),
    405: N_("Go back and use the form on the page."),
    409: N_("Someone else may have changed it. Reload and try again."),
    410: N_("The link has expired or was withdrawn. Ask whoever sent it for a new one."),
    413: N_("Choose a smaller file and try again."),
    429: N_("Please wait a few minutes before trying again."),
    500: N_("The error has been recorded. Please try again in a moment."),
    503: N_("Please try again in a moment."),
}


CSRF_MESSAGE = N_("Your session may have expired. Go back, reload the page and try again.")


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


@dataclass
class Failure:
    """A request that failed: its status, what exactly went wrong (a message
    for the user, when there is one), headers the answer keeps, and the cause."""
    status: int
    detail: str | None
    headers: dict[str, str]
    exc: BaseException


_KEPT_HEADERS = ("Retry-After", "Allow", "WWW-Authenticate")
_STATUS_OF = ((NotFoundError, 404), (ConflictError, 409), (ForbiddenError, 403),
              (UserError, 400))


def _failure(exc: BaseException) -> Failure:
    if isinstance(exc, web.HTTPException):
        # aiohttp's own texts ("404: Not Found") say nothing a user needs.
        # The size refusal names byte counts in English: not for users either.
        own = exc.text and not exc.text.startswith(f"{exc.status}:") \
            and not isinstance(exc, web.HTTPRequestEntityTooLarge)
        headers = {k: exc.headers[k] for k in _KEPT_HEADERS if k in exc.headers}
        return Failure(exc.status, exc.text if own else None, headers, exc)
    for kind, status in _STATUS_OF:
        if isinstance(exc, kind):
            return Failure(status, str(exc), {}, exc)
    if isinstance(exc, HttpProcessingError) and 400 <= (exc.code or 0) < 500:
        # A body aiohttp could not parse (a malformed multipart part, say):
        # the client's mistake, not a fault.
        return Failure(exc.code, None, {}, exc)
    return Failure(500, None, {}, exc)


@web.middleware
async def error_pages(request: web.Request, handler) -> web.StreamResponse:
    """The one place where failures become an error page or problem details.

    A part may show its own pages for its addresses (the newsroom under
    /admin) by adding a renderer to app[ERROR_PAGES]; the rest of the site
    gets the public error page, and /api/ gets problem details."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        failure = _failure(exc)
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception as exc:
        failure = _failure(exc)
        if failure.status == 500:
            log.exception("unhandled error", extra={
                "method": request.method, "path": logs.loggable_path(request.path)})
    for prefix, render in request.config_dict[ERROR_PAGES].items():
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return await render(request, failure)
    return _error_response(request, failure.status, failure.detail, failure.headers,
                           getattr(failure.exc, "members", None))


def _error_response(request: web.Request, status: int, detail: str | None,
                    headers=None, members: dict | None = None) -> web.Response:
    title = ERROR_TITLES.get(status, ERROR_TITLES[400 if status < 500 else 500])
    message = _MESSAGES.get(status, _MESSAGES[400] if status < 500 else _MESSAGES[500])
    keep = dict(headers or {})
    if is_api(request):
        # The title names the status (RFC 9457, type about:blank), in English
        # like the status itself; the detail is in the caller's language.
        problem = {"type": "about:blank", "title": title, "status": status,
                   "detail": i18n.gettext(message)}
        if detail and status < 500:
            problem["detail"] = detail
            problem.update(members or {})
        # The detail follows Accept-Language: a shared cache must keep one
        # answer per language.
        keep["Vary"] = ", ".join(filter(None, (keep.get("Vary"), "Accept-Language")))
        return web.Response(status=status, headers=keep,
                            text=json.dumps(problem, ensure_ascii=False),
                            content_type="application/problem+json")
    if status == 403 and detail == "csrf":
        message, detail = CSRF_MESSAGE, None
    try:
        response = aiohttp_jinja2.render_template(
            "web/error.html", request,
            {"status": status, "title": i18n.gettext(title),
             "message": i18n.gettext(message), "lang": i18n.current_language(),
             "detail": detail if status < 500 else None},
            status=status)
    except Exception:
        log.exception("error page failed to render")
        response = web.Response(status=status, text=f"{status} {title}",
                                content_type="text/plain")
    response.headers.update(keep)
    return response


async def healthz(request: web.Request) -> web.Response:
    db = request.app[DB]
    try:
        schema = await db.schema()
    except Exception as exc:  # any database failure means degraded
        log.warning("health check failed", extra={"error": type(exc).__name__})
        return web.json_response({"status": "degraded", "version": __version__,
                                  "reason": "database unusable"}, status=503)
    if schema != latest_schema():
        return web.json_response({"status": "degraded", "version": __version__,
                                  "schema": schema, "reason": "schema out of date"},
                                 status=503)
    return web.json_response({"status": "ok", "version": __version__, "schema": schema},
                             headers={"Cache-Control": "no-store"})


async def media_file(request: web.Request) -> web.FileResponse:
    """An uploaded file; anything outside the media folder does not exist."""
    root = request.app[CONFIG].media_dir.resolve()
    path = (root / request.match_info["path"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})
