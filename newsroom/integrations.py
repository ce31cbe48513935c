"""The newsroom's pages for what the portal shares with other systems.

    GET  /admin/widgets                      the iframe snippet of a news widget
    GET  /admin/webhooks                     subscribers; POST adds one
    GET  /admin/webhooks/{id}                one subscriber and its delivery log
    POST /admin/webhooks/{id}/active         turn it on or off
    POST /admin/webhooks/{id}/secret         give it a new signing secret
    POST /admin/webhooks/{id}/delete         remove it
    POST /admin/webhooks/deliveries/{id}/resend   send a delivery again
    GET  /admin/partners                     partners and their keys; POST adds one
    POST /admin/partners/{id}/rotate         a new key; the old ones stop
    POST /admin/partners/{id}/revoke         stop all its keys

Widgets are for every member of staff (editors paste the snippet into
component sites); webhooks and partners are for administrators. The data
functions are the feeds part's (feeds.webhooks, feeds.partners), so the
command line and these pages act alike. Secrets are shown once, on the page
that answers the action that made them.
"""

from __future__ import annotations

import logging

from aiohttp import web

from appliance import content
from appliance.app import CONFIG
from appliance.errors import UserError
from appliance.i18n import gettext as _
from feeds import partners as partner_store
from feeds import webhooks as hooks
from feeds import widgets

from .forms import FieldError
from .labels import N_
from .pages import as_id, field, posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")

NOTICES = {
    "added": N_("The subscriber was added."),
    "on": N_("The subscriber receives events again."),
    "off": N_("The subscriber receives no events until it is turned on again."),
    "deleted": N_("The subscriber was removed."),
    "resent": N_("The delivery will be sent again in a few seconds."),
    "revoked": N_("The partner's keys no longer work."),
}


def _notice(request: web.Request) -> str | None:
    message = NOTICES.get(request.query.get("done", ""))
    return _(message) if message else None


def _number(request: web.Request, name: str = "id") -> int:
    number = as_id(request.match_info[name])
    if number is None:
        raise UserError(_("The number must be a whole number."))
    return number


# -- widgets ------------------------------------------------------------------

async def widgets_page(request: web.Request) -> web.Response:
    require(signed_in(request), "widget.embed")
    config = request.config_dict[CONFIG]
    sections = await read(request, content.list_sections)
    lang = request.query.get("lang", config.default_language)
    if lang not in config.languages:
        lang = config.default_language
    chosen = next((s for s in sections if s.key == request.query.get("section")), None)
    limit = as_id(request.query.get("limit", "")) or widgets.DEFAULT_LIMIT
    limit = min(max(limit, 1), widgets.MAX_LIMIT)
    return await render(request, "widgets.html", {
        "sections": sections, "chosen_lang": lang, "chosen": chosen, "limit": limit,
        "max_limit": widgets.MAX_LIMIT,
        "snippet": widgets.snippet(config, lang, chosen, limit),
        "preview": widgets.widget_path(lang, chosen.key if chosen else None, limit),
        "origins": config["widgets.origins"],
    })


# -- webhooks -----------------------------------------------------------------

async def webhooks_page(request: web.Request, *, errors: list[FieldError] | None = None,
                        draft: dict | None = None, status: int = 200) -> web.Response:
    require(signed_in(request), "integrations.manage")
    return await render(request, "webhooks.html", {
        "subscribers": await read(request, hooks.list_subscribers),
        "sections": await read(request, content.list_sections),
        "events": hooks.EVENTS, "kinds": content.KINDS,
        "errors": errors or [], "draft": draft or {"events": list(hooks.EVENTS)},
        "notice": _notice(request),
    }, status=status)


async def add_webhook(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "integrations.manage")
    async with posted_form(request) as form:
        draft = {"name": field(form, "name"), "url": field(form, "url"),
                 "events": form.getall("events", []),
                 "lang": form.getall("lang", []), "kind": form.getall("kind", []),
                 "section": form.getall("section", [])}
    try:
        subscriber, secret = await write(
            request, hooks.add_subscriber, request.config_dict[hooks.SECRETS],
            draft["name"], draft["url"], draft["events"],
            {name: draft[name] for name in hooks.FILTERS}, user.id)
    except UserError as exc:
        return await webhooks_page(request, errors=[FieldError("url", str(exc))],
                                   draft=draft, status=400)
    log.info("webhook added", extra={"webhook": subscriber.id, "user": user.username})
    return await render(request, "webhook_secret.html",
                        {"subscriber": subscriber, "secret": secret})


async def webhook_page(request: web.Request) -> web.Response:
    require(signed_in(request), "integrations.manage")
    webhook_id = _number(request)
    subscriber = await read(request, hooks.get_subscriber, webhook_id)
    return await render(request, "webhook.html", {
        "subscriber": subscriber,
        "deliveries": await read(request, hooks.delivery_log, webhook_id),
        "notice": _notice(request),
    })


async def toggle_webhook(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "integrations.manage")
    webhook_id = _number(request)
    async with posted_form(request) as form:
        active = field(form, "active") == "1"
    await write(request, hooks.set_active, webhook_id, active, user.id)
    raise web.HTTPSeeOther(f"/admin/webhooks/{webhook_id}?done={'on' if active else 'off'}")


async def new_webhook_secret(request: web.Request) -> web.Response:
    user = signed_in(request)
    require(user, "integrations.manage")
    webhook_id = _number(request)
    async with posted_form(request):
        pass
    secret = await write(request, hooks.new_signing_secret,
                         request.config_dict[hooks.SECRETS], webhook_id, user.id)
    subscriber = await read(request, hooks.get_subscriber, webhook_id)
    return await render(request, "webhook_secret.html",
                        {"subscriber": subscriber, "secret": secret})


async def delete_webhook(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "integrations.manage")
    webhook_id = _number(request)
    async with posted_form(request):
        pass
    await write(request, hooks.delete_subscriber, webhook_id, user.id)
    raise web.HTTPSeeOther("/admin/webhooks?done=deleted")


async def resend_delivery(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "integrations.manage")
    delivery_id = _number(request)
    async with posted_form(request) as form:
        back = as_id(field(form, "webhook"))
    await write(request, hooks.resend, delivery_id, user.id)
    log.info("webhook delivery resent", extra={"delivery": delivery_id,
                                               "user": user.username})
    raise web.HTTPSeeOther(f"/admin/webhooks/{back}?done=resent" if back
                           else "/admin/webhooks?done=resent")


# -- partners -----------------------------------------------------------------

async def partners_page(request: web.Request, *, errors: list[FieldError] | None = None,
                        draft: dict | None = None, status: int = 200) -> web.Response:
    require(signed_in(request), "integrations.manage")
    return await render(request, "partners.html", {
        "partners": await read(request, partner_store.list_partners),
        "errors": errors or [], "draft": draft or {}, "notice": _notice(request),
    }, status=status)


async def add_partner(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "integrations.manage")
    async with posted_form(request) as form:
        draft = {"name": field(form, "name"), "scopes": field(form, "scopes"),
                 "trusted": field(form, "trusted") == "1"}
    try:
        partner, key = await write(request, partner_store.add_partner, draft["name"],
                                   draft["scopes"], draft["trusted"], user.id)
    except UserError as exc:
        return await partners_page(request, errors=[FieldError("scopes", str(exc))],
                                   draft=draft, status=400)
    log.info("partner added", extra={"partner": partner.id, "user": user.username})
    return await render(request, "partner_key.html", {"partner": partner, "key": key})


async def rotate_partner_key(request: web.Request) -> web.Response:
    user = signed_in(request)
    require(user, "integrations.manage")
    partner_id = _number(request)
    async with posted_form(request):
        pass
    key = await write(request, partner_store.rotate_key, partner_id, user.id)
    partner = await read(request, partner_store.get_partner, partner_id)
    log.info("partner key rotated", extra={"partner": partner_id, "user": user.username})
    return await render(request, "partner_key.html", {"partner": partner, "key": key})


async def revoke_partner(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "integrations.manage")
    partner_id = _number(request)
    async with posted_form(request):
        pass
    await write(request, partner_store.revoke_partner, partner_id, user.id)
    log.info("partner revoked", extra={"partner": partner_id, "user": user.username})
    raise web.HTTPSeeOther("/admin/partners?done=revoked")


def add_routes(router: web.UrlDispatcher) -> None:
    number = "{id:[0-9]{1,15}}"
    router.add_get("/widgets", widgets_page)
    router.add_get("/webhooks", webhooks_page)
    router.add_post("/webhooks", add_webhook)
    router.add_get(f"/webhooks/{number}", webhook_page)
    router.add_post(f"/webhooks/{number}/active", toggle_webhook)
    router.add_post(f"/webhooks/{number}/secret", new_webhook_secret)
    router.add_post(f"/webhooks/{number}/delete", delete_webhook)
    router.add_post(f"/webhooks/deliveries/{number}/resend", resend_delivery)
    router.add_get("/partners", partners_page)
    router.add_post("/partners", add_partner)
    router.add_post(f"/partners/{number}/rotate", rotate_partner_key)
    router.add_post(f"/partners/{number}/revoke", revoke_partner)
