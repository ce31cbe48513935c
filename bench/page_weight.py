"""Page weight: what a phone downloads for each public page type, measured in
Debian's Chromium with an empty cache, on the built-in sample site.

    .venv/bin/python bench/page_weight.py [--json FILE]

For each page type and language it loads the page once in a fresh browser
context and reads the browser's own Resource Timing entries: bytes on the
wire (transferSize) for the document, stylesheets, scripts and fonts, and
apart from them images. The aim is under 200 KB before images. Prints a
markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import socket
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import quote

from aiohttp import web
from playwright.async_api import async_playwright

from appliance import config as config_mod
from appliance.app import create_app
from appliance.db import open_sync
from appliance.demo import load_sample
from appliance.site import create_site

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
AIM_KB = 200
ENTRIES = """() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const found = {document: nav.transferSize, css: 0, script: 0, font: 0, image: 0};
    for (const r of performance.getEntriesByType("resource")) {
        const url = r.name.split("?")[0];
        const kind = /\\.css$/.test(url) ? "css" : /\\.js$/.test(url) ? "script"
            : /\\.woff2$/.test(url) ? "font"
            : (r.initiatorType === "img" || /\\.(webp|jpe?g|png|svg)$/.test(url))
            ? "image" : "script";
        found[kind] += r.transferSize;
    }
    return found;
}"""


def _first(conn: sqlite3.Connection, sql: str, *args) -> str:
    row = conn.execute(sql, args).fetchone()
    return row[0] if row else ""


def page_types(conn: sqlite3.Connection, lang: str) -> dict[str, str]:
    from appliance import content

    def url_of(kinds: tuple[str, ...], in_lang: bool = True) -> str:
        marks = ",".join("?" * len(kinds))
        sql = (f"SELECT id FROM item WHERE status = 'published' AND kind IN ({marks})"
               + (" AND lang = ?" if in_lang else "") + " ORDER BY id LIMIT 1")
        item_id = _first(conn, sql, *kinds, *([lang] if in_lang else []))
        item = content.get_item(conn, item_id)
        return content.item_url(item.kind, lang, item.slug, item.section_key)

    article = url_of(("article",))
    section = article.split("/")[2]
    return {
        "home": f"/{lang}/",
        "section": f"/{lang}/{section}/",
        "article": article,
        "documents": f"/{lang}/documents/",
        "document": url_of(("legal_document", "directive"), False),
        "procedures": f"/{lang}/procedures/",
        "procedure": url_of(("procedure",), False),
        "service": url_of(("public_service",), False),
        "search": f"/{lang}/search?q=thu+t%E1%BB%A5c",
        "about": f"/{lang}/about/leaders",
        "site map": f"/{lang}/sitemap",
        "feedback": f"/{lang}/feedback",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def measure() -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix="portal-weight-"))
    create_site(folder / "site", "admin", "page-weight-password",
                overrides={"security.totp_required_roles": []})
    config = config_mod.load(folder / "site")
    conn = open_sync(config.database_path)
    load_sample(conn, config.media_dir)
    paths = {lang: page_types(conn, lang) for lang in config.languages}
    conn.close()

    runner = web.AppRunner(create_app(config), access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    rows = []
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for lang, types in paths.items():
                for name, path in types.items():
                    context = await browser.new_context(viewport=PHONE)
                    page = await context.new_page()
                    await page.goto(f"http://127.0.0.1:{port}{quote(path, safe='/?=+%')}",
                                    wait_until="load")
                    await page.evaluate("document.fonts.ready")
                    sizes = await page.evaluate(ENTRIES)
                    before = sum(v for k, v in sizes.items() if k != "image")
                    rows.append({"lang": lang, "page": name, **sizes,
                                 "before_images": before})
                    await context.close()
            await browser.close()
    finally:
        await runner.cleanup()
    return rows


def table(rows: list[dict]) -> str:
    kb = lambda n: f"{n / 1024:.1f}"  # noqa: E731
    lines = ["| page | lang | document | CSS | scripts | fonts | **before images** "
             "| images |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['page']} | {r['lang']} | {kb(r['document'])} | {kb(r['css'])}"
                     f" | {kb(r['script'])} | {kb(r['font'])} | **{kb(r['before_images'])}**"
                     f" | {kb(r['image'])} |")
    heaviest = max(rows, key=lambda r: r["before_images"])
    lines.append("")
    lines.append(f"Heaviest before images: {heaviest['page']} ({heaviest['lang']}), "
                 f"{kb(heaviest['before_images'])} KB; aim under {AIM_KB} KB. "
                 f"Machine: {platform.machine()}, Python {platform.python_version()}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = asyncio.run(measure())
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
