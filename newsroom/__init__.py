"""The newsroom (Tòa soạn điện tử): the staff's web admin at /admin.

It is its own small application mounted under /admin, so its guard (every
page but the login needs an enabled staff account) and its interface language
(chosen by each editor, Vietnamese by default) apply to its pages only.

    GET|POST /admin/login        POST /admin/logout       POST /admin/language
    GET      /admin/             the dashboard
    ...      /admin/items...     see newsroom.items
    ...      /admin/sections...  see newsroom.sections
    GET      /admin/static/...   the newsroom's stylesheet, script and editor
"""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from appliance.app import ERROR_PAGES

from . import auth, dashboard, errors, items, sections

PREFIX = "/admin"


def setup(app: web.Application) -> None:
    app.router.add_get(PREFIX, _to_dashboard)
    app.add_subapp(PREFIX, newsroom_app())
    app[ERROR_PAGES][PREFIX] = errors.render_failure


def newsroom_app() -> web.Application:
    admin = web.Application(middlewares=[auth.staff_only])
    router = admin.router
    # Named resources are the ones open without signing in (auth.OPEN_ROUTES).
    login = router.add_resource("/login", name="login")
    login.add_route("GET", auth.login_page)
    login.add_route("HEAD", auth.login_page)
    login.add_route("POST", auth.login)
    router.add_post("/language", auth.switch_language, name="language")
    router.add_post("/logout", auth.logout)
    router.add_get("/", dashboard.dashboard)

    router.add_get("/items", items.item_list)
    router.add_get("/items/new", items.new_article_page)
    router.add_post("/items/new", items.create_article)
    item = "/items/{id:[0-9]{1,15}}"
    router.add_get(item, items.item_page)
    router.add_post(item, items.update_article)
    router.add_post(item + "/{move:publish|unpublish}", items.change_status)
    router.add_post(item + "/link", items.link_translation)
    router.add_post(item + "/unlink", items.unlink_translation)

    router.add_get("/sections", sections.sections_page)
    router.add_post("/sections", sections.add_section)
    router.add_post("/sections/{key}", sections.rename_section)
    router.add_post("/sections/{key}/move", sections.move_section)

    static = resources.files(__name__).joinpath("static")
    router.add_static("/static/", str(static), name="static")
    return admin


async def _to_dashboard(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently(f"{PREFIX}/")
