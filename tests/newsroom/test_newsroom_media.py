"""Lead images: uploads are checked, cleaned of metadata (EXIF GPS above
all), resized and stored; bad files get a clear message and store nothing."""

from __future__ import annotations

import io
import os
import random
import re

import pytest
from aiohttp import FormData
from newsroom_support import article_form, item_id_from
from PIL import ExifTags, Image, PngImagePlugin

from appliance import content

GPS = ExifTags.IFD.GPSInfo


def jpeg_with_gps(size=(2400, 1600), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.BodySerialNumber] = "SN-12345"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(GPS)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (10.0, 22.0, 5.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 26.0, 9.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Nguyễn Văn A, 0912 345 678")
    buffer = io.BytesIO()
    Image.new("RGBA", (640, 480), (200, 30, 30, 128)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def noise_png(side: int) -> bytes:
    rng = random.Random(7)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def encoded(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 160, 90)).save(buffer, fmt)
    return buffer.getvalue()


def upload_form(
    csrf: str, data: bytes, filename: str, content_type: str, **fields
) -> FormData:
    form = FormData()
    values = article_form("vi", image_alt="Cầu Đình Phước nhìn từ bờ sông")
    values.update(fields)
    for name, value in values.items():
        form.add_field(name, value)
    form.add_field("csrf_token", csrf)
    # A file object, as a browser would stream it (raw bytes over 1 MB warn).
    form.add_field(
        "image", io.BytesIO(data), filename=filename, content_type=content_type
    )
    return form


def opened(path) -> Image.Image:
    """The stored image, read fully and closed."""
    with Image.open(path) as image:
        image.load()
        return image


def media_rows(conn) -> list:
    return conn.execute("SELECT * FROM media ORDER BY id").fetchall()


def media_files(config) -> list[str]:
    return sorted(
        str(path.relative_to(config.media_dir))
        for path in config.media_dir.rglob("*")
        if path.is_file()
    )


async def test_a_photo_is_stored_without_its_location(
    admin, client, conn, config, sections
):
    original = jpeg_with_gps(orientation=6)
    assert opened(io.BytesIO(original)).getexif().get_ifd(GPS)

    response = await admin.post(
        "/admin/items/new",
        upload_form(admin.csrf, original, "IMG_0001.JPG", "image/jpeg"),
    )
    item = content.get_item(conn, item_id_from(response))
    media = item.lead_image
    assert media is not None and media.alt == "Cầu Đình Phước nhìn từ bờ sông"
    assert re.fullmatch(r"\d{4}/\d{2}/[0-9a-f]{20}\.jpg", media.path)

    stored = opened(config.media_dir / media.path)
    assert stored.format == "JPEG"
    assert "exif" not in stored.info and len(stored.getexif()) == 0
    assert b"PhoneMaker" not in (config.media_dir / media.path).read_bytes()
    # Turned upright as the camera meant, then capped at 2000 px.
    assert stored.size == (1333, 2000) == (media.width, media.height)

    served = await client.get(media.url)
    assert served.status == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    row = media_rows(conn)[0]
    assert (row["original_name"], row["mime"], row["created_by"]) == (
        "IMG_0001.JPG",
        "image/jpeg",
        1,
    )


async def test_png_text_chunks_are_dropped(admin, conn, config, sections):
    response = await admin.post(
        "/admin/items/new",
        upload_form(admin.csrf, png_with_text(), "banner.png", "image/png"),
    )
    item = content.get_item(conn, item_id_from(response))
    stored = opened(config.media_dir / item.lead_image.path)
    assert stored.format == "PNG" and stored.mode == "RGBA"
    assert "Author" not in stored.info and not getattr(stored, "text", {})


async def test_webp_is_accepted(admin, conn, config, sections):
    response = await admin.post(
        "/admin/items/new",
        upload_form(admin.csrf, encoded("WEBP"), "anh.webp", "image/webp"),
    )
    item = content.get_item(conn, item_id_from(response))
    assert item.lead_image.path.endswith(".webp")
    assert opened(config.media_dir / item.lead_image.path).format == "WEBP"


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"Day khong phai la anh\n" * 50, "ghi-chu.jpg"),
        (encoded("GIF"), "hoat-hinh.gif"),
        (encoded("BMP"), "anh.bmp"),
        (encoded("JPEG")[:400], "bi-cat.jpg"),
        (b"%PDF-1.7\n" + os.urandom(2000), "cong-van.pdf"),
    ],
    ids=["text", "gif", "bmp", "truncated-jpeg", "pdf"],
)
async def test_anything_but_a_jpeg_png_or_webp_is_refused(
    admin, conn, config, sections, data, filename
):
    response = await admin.post(
        "/admin/items/new", upload_form(admin.csrf, data, filename, "image/jpeg")
    )
    assert response.status == 400
    text = await response.text()
    assert "Tệp không phải ảnh JPEG, PNG hoặc WebP, hoặc đã bị hỏng." in text
    assert 'href="#f-image"' in text
    assert media_rows(conn) == [] and media_files(config) == []
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == 0


@pytest.fixture
def one_megabyte_uploads(config):
    config.values["content.max_upload_mb"] = 1
    return config


async def test_an_image_over_the_limit_gets_a_clear_message(
    one_megabyte_uploads, admin, conn, sections
):
    data = noise_png(700)
    assert 1024 * 1024 < len(data) < 2 * 1024 * 1024
    response = await admin.post(
        "/admin/items/new", upload_form(admin.csrf, data, "rat-lon.png", "image/png")
    )
    assert response.status == 400
    text = await response.text()
    assert "dung lượng tối đa cho phép là 1 MB" in text
    assert media_rows(conn) == []


async def test_a_request_over_the_server_limit_is_refused(
    one_megabyte_uploads, admin, conn, sections
):
    response = await admin.post(
        "/admin/items/new",
        upload_form(
            admin.csrf, os.urandom(3 * 1024 * 1024), "qua-lon.jpg", "image/jpeg"
        ),
    )
    assert response.status == 413
    assert media_rows(conn) == []


async def test_a_new_image_needs_alternative_text(admin, conn, config, sections):
    response = await admin.post(
        "/admin/items/new",
        upload_form(
            admin.csrf, encoded("JPEG"), "anh.jpg", "image/jpeg", image_alt=" "
        ),
    )
    assert response.status == 400
    assert "văn bản thay thế" in await response.text()
    assert media_rows(conn) == [] and media_files(config) == []


async def test_an_upload_survives_other_errors_in_the_form(admin, conn, sections):
    response = await admin.post(
        "/admin/items/new",
        upload_form(admin.csrf, encoded("JPEG"), "anh.jpg", "image/jpeg", title=""),
    )
    assert response.status == 400
    [media] = media_rows(conn)
    text = await response.text()
    assert f'name="lead_image" value="{media["id"]}" checked' in text


async def test_a_recent_image_can_be_chosen_again(admin, conn, sections):
    first = content.get_item(
        conn,
        item_id_from(
            await admin.post(
                "/admin/items/new",
                upload_form(admin.csrf, encoded("PNG"), "a.png", "image/png"),
            )
        ),
    )
    form = await (await admin.get("/admin/items/new")).text()
    assert f'name="lead_image" value="{first.lead_image_id}"' in form
    assert f'src="{first.lead_image.url}"' in form

    second = content.get_item(
        conn,
        item_id_from(
            await admin.post(
                "/admin/items/new",
                article_form(
                    "vi", title="Tin thứ hai", lead_image=str(first.lead_image_id)
                ),
            )
        ),
    )
    assert second.lead_image_id == first.lead_image_id
    assert len(media_rows(conn)) == 1


async def test_a_missing_image_cannot_be_chosen(admin, conn, sections):
    response = await admin.post(
        "/admin/items/new", article_form("vi", lead_image="4242")
    )
    assert response.status == 400
    assert "Ảnh đã chọn không còn tồn tại." in await response.text()
