"""Every page of the built-in sample site that a reader can reach from the
home pages answers, parses as valid HTML and carries its head."""

from __future__ import annotations

from collections import deque
from urllib.parse import quote, urlsplit

from web_support import parse_strict

MAX_PAGES = 400
SKIP_PREFIXES = ("/static/", "/media/", "/admin", "/api/")


def _internal(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith((".xml", ".json")):
        return None
    path = quote(parts.path, safe="/-._~%")
    return path + (f"?{parts.query}" if parts.query else "")


async def test_every_reachable_page_of_the_sample_site_renders(sample, client, config):
    seen = {"/vi/", "/en/", "/km/"}
    queue = deque(sorted(seen))
    checked = 0
    while queue and checked < MAX_PAGES:
        path = queue.popleft()
        response = await client.get(path)
        assert response.status == 200, f"{path}: {response.status}"
        if response.content_type != "text/html":
            continue
        tree = parse_strict(await response.text())
        checked += 1
        assert tree.find(".//link[@rel='canonical']") is not None, path
        assert tree.find(".//meta[@name='description']").get("content"), path
        assert tree.get("lang") == path.split("/")[1], path
        for a in tree.iter("a"):
            target = _internal(a.get("href", ""))
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
    assert checked > 80, f"only {checked} pages reached"
