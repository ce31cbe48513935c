"""The newsroom over the real corpus: thousands of items in every kind."""

from __future__ import annotations

import re

import pytest
from staff_support import ADMIN_PASSWORD, ADMIN_USER, sign_in_with

from appliance import config as config_mod
from appliance.app import create_app


@pytest.mark.corpus
async def test_the_newsroom_lists_and_finds_real_content(aiohttp_client, corpus_site):
    client = await aiohttp_client(create_app(config_mod.load(corpus_site)))
    assert (await sign_in_with(client, ADMIN_USER, ADMIN_PASSWORD)).status == 303

    dashboard = await (await client.get("/admin/")).text()
    total = int(
        re.search(r"Tổng cộng ([\d.]+) tin bài", dashboard).group(1).replace(".", "")
    )
    assert total > 6000

    listing = await client.get("/admin/items?kind=procedure&q=dat+dai")
    assert listing.status == 200
    text = await listing.text()
    found = int(re.search(r"Tìm thấy ([\d.]+) tin bài", text).group(1).replace(".", ""))
    assert found > 0
    first = re.search(r'href="/admin/items/(\d+)"', text).group(1)

    page = await client.get(f"/admin/items/{first}")
    assert page.status == 200
    assert "không sửa được tại đây" in await page.text()

    last = await client.get("/admin/items?page=2&lang=vi&status=published")
    assert last.status == 200
