"""Uploading to the media library through the API: the type proven by the
content, alt text required for images, the same bytes stored once, and the
file usable as an article's lead image."""

from __future__ import annotations

import io

from adminapi_support import API, article, problem_of
from aiohttp import FormData
from PIL import Image
from pypdf import PdfWriter


def png(colour: str = "green", size: tuple[int, int] = (1200, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def upload(client, caller, data: bytes, name: str, **fields: str):
    form = FormData()
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    for key, value in fields.items():
        form.add_field(key, value)
    return await client.post(f"{API}/media", data=form, headers=caller.headers())


async def test_an_image_is_stored_once_with_its_copies(conn, client, sections,
                                                       add_staff, caller, config):
    lan = caller(add_staff("contributor", "lan"))
    response = await upload(client, lan, png(), "cau.png", alt="Cầu Đình Phước",
                            caption="Lễ khởi công", credit="Minh Châu")
    assert response.status == 201, await response.text()
    record = await response.json()
    assert record["mime"] == "image/png" and record["width"] == 1200
    assert record["alt"] == "Cầu Đình Phước" and record["credit"] == "Minh Châu"
    assert record["duplicate"] is False and record["variants"]
    assert response.headers["Location"] == record["url"]
    assert (config.media_dir / record["url"].removeprefix("/media/")).is_file()

    again = await upload(client, lan, png(), "other-name.png", alt="Khác")
    assert again.status == 200
    assert (await again.json())["id"] == record["id"]
    assert (await again.json())["duplicate"] is True
    assert conn.execute("SELECT count(*) FROM media").fetchone()[0] == 1

    item = await lan.post("/items", article(lead_image_id=record["id"]))
    assert (await item.json())["lead_image_id"] == record["id"]
    missing = await lan.post("/items", article(lead_image_id=record["id"] + 50))
    await problem_of(missing, 400)


async def test_a_pdf_needs_no_alt_text(client, add_staff, caller):
    lan = caller(add_staff("reporter", "lan"))
    response = await upload(client, lan, pdf(), "ke-hoach.pdf")
    assert response.status == 201, await response.text()
    record = await response.json()
    assert record["mime"] == "application/pdf" and record["pages"] == 1


async def test_bad_uploads_are_refused_by_field(conn, client, add_staff, caller):
    lan = caller(add_staff("reporter", "lan"))
    no_alt = await upload(client, lan, png("red"), "anh.png")
    problem = await problem_of(no_alt, 400)
    assert problem["invalid_params"][0]["name"] == "alt"
    text = await upload(client, lan, b"just words, not a picture", "anh.png", alt="x")
    assert (await problem_of(text, 400))["invalid_params"][0]["name"] == "file"
    only_alt = FormData()
    only_alt.add_field("alt", "x", content_type="text/plain")  # multipart, no file
    nothing = await client.post(f"{API}/media", data=only_alt, headers=lan.headers())
    assert (await problem_of(nothing, 400))["invalid_params"][0]["name"] == "file"
    as_json = await lan.post("/media", {"file": "aGVsbG8="})
    await problem_of(as_json, 400)
    assert conn.execute("SELECT count(*) FROM media").fetchone()[0] == 0


async def test_uploads_need_a_token(client):
    response = await client.post(f"{API}/media", data=FormData({"alt": "x"}))
    await problem_of(response, 401)
