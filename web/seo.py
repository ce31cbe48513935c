"""Structured data for search engines: schema.org JSON-LD for each page type
(GovernmentOrganization and WebSite on home pages, NewsArticle, Legislation,
GovernmentService, BreadcrumbList).

JSON-LD sits in <script type="application/ld+json">: a data block, which the
browser never runs, so the Content-Security-Policy (no inline scripts) does
not apply to it. What must hold is that the text cannot end the element
early: `<`, `>` and `&` are written as JSON escapes.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from appliance import content
from appliance.config import Config

from .pages import absolute

CONTEXT = "https://schema.org"
LEGAL_FORCE = {
    "in_force": "InForce",
    "amended": "PartiallyInForce",
    "not_yet_in_force": "NotInForce",
    "replaced": "NotInForce",
    "expired": "NotInForce",
}


def ld_json(data: dict[str, Any]) -> Markup:
    """JSON safe to put inside a script element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def organisation(config: Config, lang: str) -> dict[str, Any]:
    found = {
        "@type": "GovernmentOrganization",
        "@id": config.base_url + "/#organisation",
        "name": config.site_owner(lang),
        "url": absolute(config, f"/{lang}/"),
        "logo": config.base_url + "/static/img/emblem.svg",
        "address": {"@type": "PostalAddress", "streetAddress": config["site.address"],
                    "addressRegion": config["site.province"], "addressCountry": "VN"},
    }
    if config["site.phone"]:
        found["telephone"] = config["site.phone"]
    if config["site.email"]:
        found["email"] = config["site.email"]
    return found


def home(config: Config, lang: str) -> list[dict[str, Any]]:
    site = {
        "@context": CONTEXT,
        "@type": "WebSite",
        "name": config.site_name(lang),
        "url": absolute(config, f"/{lang}/"),
        "inLanguage": lang,
        "publisher": {"@id": config.base_url + "/#organisation"},
        "potentialAction": {
            "@type": "SearchAction",
            "target": absolute(config, f"/{lang}/search") + "?q={query}",
            "query-input": "required name=query",
        },
    }
    return [{"@context": CONTEXT} | organisation(config, lang), site]


def breadcrumbs(config: Config, lang: str, home_name: str,
                trail: list[tuple[str, str]]) -> dict[str, Any]:
    """Home, then (name, path) steps; the last is the page itself."""
    steps = [(home_name, f"/{lang}/"), *trail]
    return {
        "@context": CONTEXT,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name,
             "item": absolute(config, path)}
            for n, (name, path) in enumerate(steps, start=1)
        ],
    }


def _image(config: Config, item: content.Item) -> list[str]:
    return [absolute(config, item.lead_image.url)] if item.lead_image else []


def _publisher(config: Config, lang: str) -> dict[str, Any]:
    return {"@type": "GovernmentOrganization", "@id": config.base_url + "/#organisation",
            "name": config.site_owner(lang),
            "logo": {"@type": "ImageObject",
                     "url": config.base_url + "/static/img/emblem.svg"}}


def article(config: Config, item: content.Item) -> dict[str, Any]:
    found: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "NewsArticle",
        "headline": item.title[:110],
        "description": item.summary or None,
        "inLanguage": item.lang,
        "url": absolute(config, item.url),
        "mainEntityOfPage": absolute(config, item.url),
        "datePublished": item.published_at,
        "dateModified": item.updated_at,
        "image": _image(config, item),
        "author": {"@type": "Organization" if not item.byline else "Person",
                   "name": item.byline or config.site_owner(item.lang)},
        "publisher": _publisher(config, item.lang),
        "keywords": [tag.name for tag in item.tags],
    }
    if item.section_key:
        found["articleSection"] = item.section_key
    return _compact(found)


def legislation(config: Config, item: content.Item) -> dict[str, Any]:
    doc = item.document or {}
    found = {
        "@context": CONTEXT,
        "@type": "Legislation",
        "name": item.title,
        "abstract": item.summary or None,
        "inLanguage": item.lang,
        "url": absolute(config, item.url),
        "legislationIdentifier": doc.get("number"),
        "legislationType": doc.get("doc_type"),
        "legislationDate": doc.get("issued_at"),
        "legislationDateOfApplicability": doc.get("effective_at"),
        "legislationLegalForce": LEGAL_FORCE.get(doc.get("legal_status") or ""),
        "legislationPassedBy": {"@type": "GovernmentOrganization",
                                "name": doc["issuer"]} if doc.get("issuer") else None,
        "legislationResponsible": {"@type": "Person", "name": doc["signer"]}
        if doc.get("signer") else None,
        "legislationJurisdiction": "VN",
        "datePublished": item.published_at,
    }
    return _compact(found)


def government_service(config: Config, item: content.Item, lang: str,
                       link: str | None = None) -> dict[str, Any]:
    proc = item.procedure or {}
    provider = proc.get("agency") or config.site_owner(lang)
    found: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "GovernmentService",
        "name": item.title,
        "description": item.summary or None,
        "url": absolute(config, content.item_url(item.kind, lang, item.slug)),
        "identifier": proc.get("code") or item.extra.get("procedure_code") or None,
        "serviceType": proc.get("field"),
        "provider": {"@type": "GovernmentOrganization", "name": provider},
        "areaServed": {"@type": "AdministrativeArea", "name": config["site.province"]},
        "audience": {"@type": "Audience", "audienceType": proc["applicants"]}
        if proc.get("applicants") else None,
    }
    if link:
        found["availableChannel"] = {"@type": "ServiceChannel", "serviceUrl": link}
    return _compact(found)


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Leave out what is unknown rather than send empty values."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}
