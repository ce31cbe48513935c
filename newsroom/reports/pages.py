"""Reports in the admin.

GET /admin/reports                          the reports, and a period to choose
GET /admin/reports/{name}?period=2026-11    a report (or ?from=YYYY-MM-DD&to=...)
GET /admin/reports/{name}.csv|.xlsx|.pdf    the same report as a file
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from appliance.app import CONFIG
from appliance.errors import UserError
from appliance.i18n import LOCAL_TZ

from newsroom.pages import in_thread, read, render, signed_in
from newsroom.permissions import can, require

from . import charts, registry

ROUTE = "/reports"


def setup_routes(router: web.UrlDispatcher) -> None:
    router.add_get(ROUTE, reports_page)
    router.add_get(ROUTE + "/{name:[a-z_]+}.{fmt:(csv|xlsx|pdf)}", report_file)
    router.add_get(ROUTE + "/{name:[a-z_]+}", report_page)


def _range(request: web.Request) -> tuple[str, str, str]:
    """The dates asked for: ?period= (month, quarter, year) or ?from=&to=;
    this month by default."""
    starts, ends = request.query.get("from", ""), request.query.get("to", "")
    if starts or ends:
        starts, ends = registry.check_range(starts, ends)
        return starts, ends, ""
    period = request.query.get("period", "") or datetime.now(LOCAL_TZ).strftime("%Y-%m")
    starts, ends = registry.period_range(period)
    return starts, ends, period


def _allowed(request: web.Request) -> list[registry.ReportType]:
    user = signed_in(request)
    require(user, "report.view")
    return [kind for kind in registry.available() if can(user, kind.permission)]


async def reports_page(request: web.Request) -> web.Response:
    kinds = _allowed(request)
    starts, ends, period = _range(request)
    return await render(request, "reports.html", {
        "kinds": kinds, "report": None, "chosen": None, "period": period,
        "starts": starts, "ends": ends, "bars": charts.bars, "cell": registry.cell_text})


def _chosen(request: web.Request) -> registry.ReportType:
    kind = registry.get(request.match_info["name"])
    require(signed_in(request), kind.permission)
    return kind


async def report_page(request: web.Request) -> web.Response:
    kinds = _allowed(request)
    kind = _chosen(request)
    try:
        starts, ends, period = _range(request)
    except UserError as exc:
        return await render(request, "reports.html", {
            "kinds": kinds, "report": None, "chosen": kind, "period": "",
            "starts": "", "ends": "", "error": str(exc), "bars": charts.bars,
            "cell": registry.cell_text}, status=400)
    found = await read(request, registry.run, kind.name, starts, ends)
    return await render(request, "reports.html", {
        "kinds": kinds, "report": found, "chosen": kind, "period": period,
        "starts": starts, "ends": ends, "bars": charts.bars, "cell": registry.cell_text,
        "query": request.query_string})


async def report_file(request: web.Request) -> web.Response:
    from . import export  # openpyxl and fpdf2 are loaded only when needed

    _allowed(request)
    kind = _chosen(request)
    starts, ends, _period = _range(request)
    fmt = request.match_info["fmt"]
    found = await read(request, registry.run, kind.name, starts, ends)
    body = await in_thread(export.render, found, fmt,
                           request.config_dict[CONFIG].site_name("vi"))
    name = f"{kind.name}-{starts}-{ends}.{fmt}"
    return web.Response(body=body, headers={
        "Content-Type": export.FORMATS[fmt],
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})



