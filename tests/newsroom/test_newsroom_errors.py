"""Failures under /admin are shown in the newsroom's own error page, in the
editor's language, keeping the refusal's status and headers."""

from __future__ import annotations

import io
import logging

import pytest
from aiohttp import FormData
from newsroom_support import article_form

from newsroom import dashboard

NEWSROOM_PAGE = "/admin/static/admin.css"


async def in_english(admin) -> None:
    await admin.post("/admin/language", {"lang": "en", "next": "/admin/"})


def assert_newsroom_page(text: str, lang: str = "en") -> None:
    assert NEWSROOM_PAGE in text
    assert f'<html lang="{lang}">' in text
    assert 'class="mainnav"' in text  # the editor keeps their bearings


async def test_an_oversized_upload_gets_the_newsroom_page(admin, config, sections):
    await in_english(admin)
    limit = (config["content.max_upload_mb"] + 1) * 1024 * 1024
    form = FormData()
    for name, value in article_form("vi").items():
        form.add_field(name, value)
    form.add_field("csrf_token", admin.csrf)
    form.add_field(
        "image",
        io.BytesIO(b"\0" * (limit + 1024)),
        filename="huge.jpg",
        content_type="image/jpeg",
    )
    response = await admin.post("/admin/items/new", form)
    assert response.status == 413
    text = await response.text()
    assert_newsroom_page(text)
    assert "The upload is too large" in text
    assert "an image may be at most 10 MB" in text


async def test_a_refused_permission_gets_the_newsroom_page(
    sign_in, add_staff, sections
):
    add_staff("contributor", "writer")
    writer = await sign_in("writer")
    await in_english(writer)
    response = await writer.get("/admin/sections")
    assert response.status == 403
    text = await response.text()
    assert_newsroom_page(text)
    assert "Only the editor-in-chief and administrators may change sections." in text


@pytest.mark.parametrize(
    "path, status, words",
    [
        ("/admin/items/999999", 404, "No item with id 999999."),
        ("/admin/no-such-page", 404, "Page not found"),
        ("/admin/items?lang=fr", 400, "Unknown language"),
    ],
)
async def test_missing_things_get_the_newsroom_page(admin, path, status, words):
    await in_english(admin)
    response = await admin.get(path)
    assert response.status == status
    text = await response.text()
    assert_newsroom_page(text)
    assert words in text


async def test_a_missing_csrf_token_gets_the_newsroom_page(admin, sections):
    response = await admin.client.post(
        "/admin/items/new", data=article_form("vi"), allow_redirects=False
    )
    assert response.status == 403
    text = await response.text()
    assert_newsroom_page(text, "vi")
    assert "Phiên làm việc có thể đã hết hạn" in text


async def test_a_wrong_method_gets_405_with_allow(admin):
    await in_english(admin)
    response = await admin.client.put("/admin/items", allow_redirects=False)
    assert response.status == 405
    assert set(response.headers["Allow"].split(",")) == {"GET", "HEAD"}
    assert_newsroom_page(await response.text())


async def test_a_fault_gets_the_newsroom_page_and_the_log(admin, monkeypatch, caplog):
    def broken(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(dashboard, "dashboard_data", broken)
    caplog.set_level(logging.ERROR, logger="portal.newsroom")
    response = await admin.get("/admin/")
    assert response.status == 500
    text = await response.text()
    assert_newsroom_page(text, "vi")
    assert "disk on fire" not in text
    faults = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert faults and faults[0].exc_info
