"""The newsroom (Tòa soạn điện tử): the staff's web admin at /admin.

It is its own small application mounted under /admin, so its guard (every
page but the login needs an enabled staff account) and its interface language
(chosen by each editor, Vietnamese by default) apply to its pages only.

    GET|POST /admin/login        POST /admin/logout       POST /admin/language
    GET      /admin/             the dashboard
    ...      /admin/items...     see newsroom.items
    ...      /admin/sections...  see newsroom.sections
    GET|POST /admin/login/code   the second step of signing in (newsroom.auth)
    ...      /admin/profile...   see newsroom.profile
    ...      /admin/users...     see newsroom.accounts
    GET      /admin/audit        see newsroom.auditlog
    POST     /admin/items/{id}/notes      see newsroom.notes
    ...      /admin/notifications...      see newsroom.notify
    ...      /admin/items/{id}/history, /diff    see newsroom.history
    ...      /admin/items/{id}/preview, /review-links, GET /review/{token}
                                          see newsroom.review
    GET      /admin/translations          see newsroom.translations
    ...      /admin/media...     the media library, see newsroom.library
    ...      /admin/redirects... see newsroom.redirects
    ...      /admin/menus...     see newsroom.menus
    ...      /admin/home...      home-page blocks, see newsroom.homepage
    ...      /admin/ratings, /feedback..., /downtime..., /snippets..., /about...
                                 ratings, feedback, downtime notices, outside
                                 snippets and the pages the law expects,
                                 see newsroom.trust
    ...      /admin/widgets, /admin/webhooks..., /admin/partners...
                                 what is shared with other systems, see
                                 newsroom.integrations
    ...      /admin/royalties... contributors, grades, payment periods, see
                                 newsroom.royalties.pages
    ...      /admin/reports...   periodic reports, see newsroom.reports.pages
    ...      /admin/sources...   outside sources and their health, see newsroom.sources
    ...      /admin/search...    top queries, synonyms, pins, see newsroom.searchtools
    GET      /admin/static/...   the newsroom's stylesheet, script and editor
    ...      /api/v1/admin/...   the same actions as JSON for token holders,
                                 see newsroom.api
"""

from __future__ import annotations

from importlib import resources

import aiohttp_jinja2
from aiohttp import web

from appliance.app import ERROR_PAGES, SCHEDULER

from . import auth, dashboard, errors, items, rules, sections, workflow
from . import mailer, notes, notify
from . import history, review, translations
from . import accounts, auditlog, profile
from . import homepage, library, menus, redirects
from . import api, integrations, searchtools, sources, trust
from .reports import pages as report_pages
from .royalties import pages as royalty_pages

PREFIX = "/admin"


def setup(app: web.Application) -> None:
    app.router.add_get(PREFIX, _to_dashboard)
    app.add_subapp(PREFIX, newsroom_app())
    app[ERROR_PAGES][PREFIX] = errors.render_failure
    app[SCHEDULER].every("publish", workflow.SCHEDULE_SECONDS, workflow.publish_due)
    review.setup_review(app)
    api.setup_api(app)
    app.cleanup_ctx.append(mailer.outbox_task)


def newsroom_app() -> web.Application:
    admin = web.Application(
        middlewares=[auth.staff_only, aiohttp_jinja2.context_processors_middleware]
    )
    # Shared by every page: the nav's count of unread notifications.
    admin[aiohttp_jinja2.APP_CONTEXT_PROCESSORS_KEY] = [notify.unread_context]
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
    router.add_post(item + "/transition", items.change_status)
    router.add_post(item + "/takedown", items.set_takedown)
    router.add_post(item + "/lock", items.lock_heartbeat)
    router.add_post(item + "/lock/takeover", items.take_over_lock)
    router.add_post(item + "/lock/release", items.release_lock)
    router.add_post(item + "/link", items.link_translation)
    router.add_post(item + "/unlink", items.unlink_translation)
    router.add_get(item + "/history", history.history_page)
    router.add_get(item + "/diff", history.diff_page)
    router.add_post(item + "/history/{revision}/restore", history.restore)
    router.add_get(item + "/preview", review.preview_page)
    router.add_get(item + "/review-links", review.links_page)
    router.add_post(item + "/review-links", review.create_link)
    router.add_post(item + "/review-links/{link}/revoke", review.revoke_link)
    router.add_get("/translations", translations.status_page)
    router.add_post(item + "/notes", notes.add_note_handler)

    router.add_get("/notifications", notify.notifications_page)
    router.add_post("/notifications/read", notify.read_all)
    router.add_post("/notifications/{id:[0-9]{1,15}}/read", notify.read_one)

    _account_routes(router)
    router.add_get("/workflow", rules.rules_page)
    router.add_post("/workflow", rules.save_rules)
    router.add_get("/sections", sections.sections_page)
    router.add_post("/sections", sections.add_section)
    router.add_post("/sections/{key}", sections.rename_section)
    router.add_post("/sections/{key}/move", sections.move_section)

    _add_site_tools(router)
    trust.add_routes(router)
    integrations.add_routes(router)
    royalty_pages.setup_routes(router)
    report_pages.setup_routes(router)
    _add_search_tools(router)

    static = resources.files(__name__).joinpath("static")
    router.add_static("/static/", str(static), name="static")
    return admin


def _account_routes(router: web.UrlDispatcher) -> None:
    code = router.add_resource("/login/code", name="login-code")
    code.add_route("GET", auth.login_code_page)
    code.add_route("POST", auth.login_code)

    router.add_get("/profile", profile.profile_page)
    router.add_post("/profile", profile.save_details)
    router.add_post("/profile/password", profile.change_password)
    router.add_get("/profile/2fa", profile.enrol_page)
    router.add_post("/profile/2fa", profile.enrol)
    router.add_post("/profile/2fa/recovery", profile.new_recovery_codes)
    router.add_post("/profile/2fa/disable", profile.disable_second_factor)
    router.add_post("/profile/tokens", profile.create_token)
    router.add_post("/profile/tokens/{id:[0-9]{1,15}}/revoke", profile.revoke_token)

    router.add_get("/users", accounts.users_page)
    router.add_post("/users", accounts.add_account)
    account = "/users/{id:[0-9]{1,15}}"
    router.add_get(account, accounts.account_page)
    router.add_post(account + "/role", accounts.change_role)
    router.add_post(account + "/sections", accounts.change_sections)
    router.add_post(account + "/disable", accounts.disable_account)
    router.add_post(account + "/enable", accounts.enable_account)
    router.add_post(account + "/password", accounts.reset_password)
    router.add_post(account + "/2fa-reset", accounts.reset_second_factor)

    router.add_get("/audit", auditlog.audit_page)


def _add_site_tools(router: web.UrlDispatcher) -> None:
    """The media library, redirects, menus and home-page blocks."""
    number = "{id:[0-9]{1,15}}"
    router.add_get("/media", library.library_page)
    router.add_post("/media", library.upload)
    router.add_get(f"/media/{number}", library.media_page)
    router.add_post(f"/media/{number}", library.describe)
    router.add_post(f"/media/{number}/delete", library.delete)
    router.add_get("/redirects", redirects.redirects_page)
    router.add_post("/redirects", redirects.add_redirect)
    router.add_post("/redirects/import", redirects.import_redirects)
    router.add_post(f"/redirects/{number}", redirects.change_redirect)
    router.add_post(f"/redirects/{number}/delete", redirects.delete_redirect)
    router.add_get("/menus", menus.menus_page)
    router.add_post("/menus", menus.add_link)
    router.add_post(f"/menus/{number}", menus.change_link)
    router.add_post(f"/menus/{number}/move", menus.move_link)
    router.add_post(f"/menus/{number}/delete", menus.delete_link)
    router.add_get("/home", homepage.home_page)
    router.add_post("/home", homepage.add_story)
    router.add_post("/home/{item:[0-9]{1,15}}/move", homepage.move_story)
    router.add_post("/home/{item:[0-9]{1,15}}/remove", homepage.remove_story)


def _add_search_tools(router: web.UrlDispatcher) -> None:
    """Outside sources, and search for editors."""
    number = "{id:[0-9]{1,15}}"
    router.add_get("/sources", sources.sources_page)
    router.add_post("/sources", sources.add_source)
    router.add_get(f"/sources/{number}", sources.source_page)
    router.add_post(f"/sources/{number}", sources.change_source)
    router.add_post(f"/sources/{number}/sync", sources.sync_source)
    router.add_post(f"/sources/{number}/delete", sources.delete_source)
    router.add_get("/search", searchtools.queries_page)
    router.add_get("/search/synonyms", searchtools.synonyms_page)
    router.add_post("/search/synonyms", searchtools.save_synonym)
    router.add_post(f"/search/synonyms/{number}", searchtools.save_synonym)
    router.add_post(f"/search/synonyms/{number}/delete", searchtools.delete_synonym)
    router.add_get("/search/pins", searchtools.pins_page)
    router.add_post("/search/pins", searchtools.add_pin)
    router.add_post(f"/search/pins/{number}/delete", searchtools.remove_pin)


async def _to_dashboard(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently(f"{PREFIX}/")
