"""The newsroom's error pages.

Every failure under /admin (a refused permission, a missing item, an upload
over the server's size limit, a fault) is shown in the newsroom's own page, in
the editor's language, with the newsroom's menu still there, instead of the
public site's error page. The core's error middleware still handles the rest
of the site and anything that fails before the newsroom is reached.
"""

from __future__ import annotations

import logging

from aiohttp import web

from appliance.app import CONFIG, CSRF_MESSAGE, ERROR_TITLES, Failure
from appliance.i18n import format_number
from appliance.i18n import gettext as _

from .labels import N_
from .pages import USER, render
from .permissions import PermissionDenied

log = logging.getLogger("portal.newsroom")

MESSAGES = {
    400: N_("Check what you entered and try again."),
    403: N_("Your role does not allow this. Ask an editor or an administrator."),
    404: N_("The item or page may have been removed, or the address is mistyped."),
    405: N_("Go back and use the form on the page."),
    409: N_("Someone else may have changed it. Reload the page and try again."),
    413: N_(
        "What you sent is larger than the server accepts: an image may be at "
        "most %(n)s MB and a PDF at most %(pdf)s MB. Go back, choose a smaller "
        "file and send the form again; your browser may still hold what you typed."
    ),
    500: N_("The error has been recorded. Go back and try again in a moment."),
}


async def render_failure(request: web.Request, failure: Failure) -> web.Response:
    """The newsroom's page for anything that failed under /admin (the core's
    error middleware calls this for the newsroom's addresses)."""
    exc, status = failure.exc, failure.status
    if isinstance(exc, PermissionDenied):
        user = request.get(USER)
        log.info("refused", extra={"action": exc.action,
                                   "user": user and user.username})
        return await error_page(request, 403, message=_(exc.reason))
    if isinstance(exc, web.HTTPException):
        # aiohttp's own texts are English and technical; only the CSRF refusal
        # (appliance.security.check_csrf) says something staff should read.
        message = _(CSRF_MESSAGE) if status == 403 and failure.detail == "csrf" else None
        if status == 413:
            log.info("request too large", extra={"path": request.path})
        return await error_page(request, status, message=message,
                                headers=failure.headers)
    return await error_page(request, status, failure.detail)


async def error_page(
    request: web.Request,
    status: int,
    detail: str | None = None,
    *,
    message: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """The newsroom's error page for a status; `detail` says what exactly
    went wrong, `message` replaces the status's usual advice."""
    known = status if status in MESSAGES else (400 if status < 500 else 500)
    context = {
        "status": status,
        "title": _(ERROR_TITLES[known]),
        "message": message or _advice(request, known),
        "detail": detail,
    }
    try:
        response = await render(request, "error.html", context, status=status)
    except Exception:
        log.exception("error page failed to render")
        response = web.Response(
            status=status, text=f"{status} {ERROR_TITLES[known]}", content_type="text/plain"
        )
    response.headers.update(headers or {})
    return response


def _advice(request: web.Request, status: int) -> str:
    if status == 413:
        config = request.config_dict[CONFIG]
        return _(MESSAGES[413], n=format_number(config["content.max_upload_mb"]),
                 pdf=format_number(config["content.max_pdf_mb"]))
    return _(MESSAGES[status])
