"""The media library: uploads are known by their content, not their name;
images need alt text, get WebP copies and serve them; the same bytes are
stored once; limits hold; files in use cannot be deleted; only editors
change or delete."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sitetools_support import image_bytes, location_id, pdf_bytes

from appliance import content, media_store
from appliance.content import ItemInput
from appliance.db import transaction

FORMATS = [("JPEG", "image/jpeg", "photo.jpg"), ("PNG", "image/png", "chart.png"),
           ("WEBP", "image/webp", "banner.webp")]


async def _upload(staff, name, raw, **fields):
    return await staff.upload("/admin/media", name, raw, **fields)


@pytest.mark.parametrize(("fmt", "mime", "name"), FORMATS)
async def test_an_image_is_stored_with_webp_copies_that_are_served(
        admin, client, conn, config, fmt, mime, name):
    response = await _upload(admin, name, image_bytes(fmt),
                             alt="Cầu Vàm Cống", caption="Ảnh chụp sáng nay",
                             credit="Minh Châu")
    media_id = location_id(response, "/admin/media/")
    assert response.headers["Location"].endswith("?done=uploaded")

    record = media_store.get_media(conn, media_id)
    assert (record.mime, record.width, record.height) == (mime, 2000, 1000)
    assert (record.alt, record.caption, record.credit) == (
        "Cầu Vàm Cống", "Ảnh chụp sáng nay", "Minh Châu")
    widths = [variant.width for variant in record.variants]
    assert widths == ([480, 960, 1600] if fmt == "WEBP" else [480, 960, 1600, 2000])
    for variant in record.variants:
        served = await client.get(variant.url)
        assert served.status == 200
        with Image.open(io.BytesIO(await served.read())) as copy:
            assert copy.format == "WEBP"
            assert copy.size == (variant.width, variant.height)
    assert (await client.get(record.url)).status == 200

    page = await admin.get(f"/admin/media/{media_id}?done=uploaded")
    text = await page.text()
    assert page.status == 200
    assert "Cầu Vàm Cống" in text and record.variants[0].url in text


async def test_a_pdf_is_checked_and_its_pages_counted(admin, conn, config):
    response = await _upload(admin, "quyet-dinh.pdf", pdf_bytes(3),
                             caption="Quyết định số 12")
    record = media_store.get_media(conn, location_id(response, "/admin/media/"))
    assert (record.mime, record.pages, record.variants) == ("application/pdf", 3, [])
    assert (config.media_dir / record.path).read_bytes() == pdf_bytes(3)
    grid = await (await admin.get("/admin/media?kind=pdf")).text()
    assert "quyet-dinh.pdf" in grid


async def test_the_type_comes_from_the_content_not_the_name(admin, conn):
    renamed_png = await _upload(admin, "report.pdf", image_bytes("PNG", (300, 200)),
                                alt="Biểu đồ")
    record = media_store.get_media(conn, location_id(renamed_png, "/admin/media/"))
    assert record.mime == "image/png" and record.path.endswith(".png")

    text_as_jpeg = await _upload(admin, "photo.jpg", b"just some text, not a photo",
                                 alt="Ảnh")
    assert text_as_jpeg.status == 400
    # The library takes PDFs too, and says so, whatever the file's name.
    assert "neither a PDF nor a JPEG, PNG or WebP image" in await text_as_jpeg.text()
    text_as_pdf = await _upload(admin, "scan.pdf", b"just some text, not a scan")
    assert "neither a PDF nor a JPEG, PNG or WebP image" in await text_as_pdf.text()

    fake_pdf = await _upload(admin, "scan.pdf", b"%PDF-1.7\nnot really a pdf")
    assert fake_pdf.status == 400
    assert "not a readable PDF" in await fake_pdf.text()
    assert conn.execute("SELECT count(*) FROM media").fetchone()[0] == 1


async def test_an_image_needs_alt_text_and_nothing_is_stored_without(admin, conn, config):
    response = await _upload(admin, "photo.jpg", image_bytes("JPEG"), alt="  ")
    assert response.status == 400
    assert "alternative text" in await response.text()
    assert conn.execute("SELECT count(*) FROM media").fetchone()[0] == 0
    assert not any(path.is_file() for path in config.media_dir.rglob("*"))


async def test_the_same_file_twice_is_stored_once(admin, conn, config):
    raw = image_bytes("JPEG", (800, 600))
    first = location_id(await _upload(admin, "a.jpg", raw, alt="Một"), "/admin/media/")
    again = await _upload(admin, "copy-of-a.jpg", raw, alt="Hai")
    assert location_id(again, "/admin/media/") == first
    assert again.headers["Location"].endswith("?done=duplicate")
    page = await admin.get(again.headers["Location"])
    assert "already in the library" in await page.text()
    assert conn.execute("SELECT count(*) FROM media").fetchone()[0] == 1
    stored = [path for path in config.media_dir.rglob("*") if path.is_file()]
    assert len(stored) == 1 + 2  # the original and its 480 and 800 copies


async def test_size_limits_hold_for_images_and_pdfs(admin, conn, config):
    text = (config.data_dir / "portal.toml").read_text()
    assert "max_upload_mb = 10" in text
    big_png = await _upload(admin, "big.png", b"\x89PNG" + b"\0" * (10 * 1048576 + 10),
                            alt="Ảnh lớn")
    assert big_png.status == 400
    assert "the largest allowed is 10 MB" in await big_png.text()

    big_pdf = await _upload(admin, "big.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1048576 + 10))
    assert big_pdf.status == 400
    assert "The PDF file is" in await big_pdf.text()
    # A PDF over the image limit but under its own is accepted.
    padded = pdf_bytes(1) + b"\n%" + b"0" * (12 * 1048576)
    accepted = await _upload(admin, "long.pdf", padded)
    assert accepted.status == 303, await accepted.text()
    assert conn.execute("SELECT count(*) FROM media").fetchone()[0] == 1


async def test_editors_describe_files_and_delete_only_unused_ones(admin, conn, config):
    media_id = location_id(await _upload(admin, "a.jpg", image_bytes("JPEG"), alt="Cũ"),
                           "/admin/media/")
    saved = await admin.post(f"/admin/media/{media_id}",
                             {"alt": "Mới", "caption": "Chú thích", "credit": "TTXVN"})
    assert saved.status == 303
    record = media_store.get_media(conn, media_id)
    assert (record.alt, record.caption, record.credit) == ("Mới", "Chú thích", "TTXVN")
    refused = await admin.post(f"/admin/media/{media_id}", {"alt": ""})
    assert refused.status == 400

    transaction(conn, content.save_section, "tin-tuc", {"vi": "Tin tức"})
    story = transaction(conn, lambda c: content.save_item(c, ItemInput(
        kind="article", lang="vi", title="Bài có ảnh", section_key="tin-tuc",
        body=f'<p><img src="{record.variants[1].url}" alt="x"></p>')))
    grid = await (await admin.get("/admin/media")).text()
    assert "Bài có ảnh" in grid
    in_use = await admin.post(f"/admin/media/{media_id}/delete")
    assert in_use.status == 409
    assert "still used" in await in_use.text()

    transaction(conn, lambda c: content.save_item(c, ItemInput(
        kind="article", lang="vi", title="Bài có ảnh", section_key="tin-tuc",
        body="<p>Không còn ảnh.</p>"), item_id=story.id))
    deleted = await admin.post(f"/admin/media/{media_id}/delete")
    assert deleted.status == 303
    assert conn.execute("SELECT count(*) FROM media").fetchone()[0] == 0
    assert not any(path.is_file() for path in config.media_dir.rglob("*"))
    actions = [row[0] for row in conn.execute(
        "SELECT action FROM audit WHERE action LIKE 'media.%' ORDER BY id")]
    assert actions == ["media.upload", "media.update", "media.delete"]


async def test_a_lead_image_counts_as_a_use(admin, conn, stories):
    media_id = location_id(await _upload(admin, "a.jpg", image_bytes("JPEG"), alt="Cầu"),
                           "/admin/media/")
    transaction(conn, content.set_lead_image, stories["bridge"].id, media_id, None)
    assert [use.item_id for use in media_store.get_media(conn, media_id).uses] == [
        stories["bridge"].id]
    assert (await admin.post(f"/admin/media/{media_id}/delete")).status == 409


async def test_writers_upload_but_only_editors_change_or_delete(
        admin, sign_in, add_staff, conn):
    add_staff("contributor")
    writer = await sign_in("contributor")
    uploaded = await _upload(writer, "a.jpg", image_bytes("JPEG", (600, 400)), alt="Ảnh")
    media_id = location_id(uploaded, "/admin/media/")
    assert (await writer.get("/admin/media")).status == 200
    changed = await writer.post(f"/admin/media/{media_id}", {"alt": "Khác"})
    assert changed.status == 403
    assert (await writer.post(f"/admin/media/{media_id}/delete")).status == 403
    assert media_store.get_media(conn, media_id).alt == "Ảnh"


async def test_the_library_searches_with_or_without_marks_and_pages(admin, conn):
    for number in range(26):
        raw = image_bytes("PNG", (100 + number, 80))
        alt = "Đồng lúa Thoại Sơn" if number == 3 else f"Ảnh số {number}"
        assert (await _upload(admin, f"p{number}.png", raw, alt=alt)).status == 303
    found = await (await admin.get("/admin/media?q=dong+lua")).text()
    assert "Files found: 1" in found and "p3.png" in found
    first = await (await admin.get("/admin/media")).text()
    assert "Page 1 of 2" in first and "p25.png" in first and "p0.png" not in first
    second = await (await admin.get("/admin/media?page=2")).text()
    assert "p0.png" in second
    assert (await admin.get("/admin/media?kind=video")).status == 400
