"""Uploads: check, clean and store pictures and PDF files.

Every image is decoded and written again from its pixels alone. That proves
it is an image, caps its size for the web, and drops everything else in the
file: EXIF (with the camera's GPS position and serial number), XMP, comments
and any bytes smuggled after the picture. Only the colour profile is kept.
Smaller WebP copies are made beside it for phones (`make_variants`).

A PDF is known by its content, never its name: it must start as a PDF does
and pypdf must be able to read it and count its pages. It is stored as sent.
"""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader

from appliance.errors import UserError
from appliance.i18n import LOCAL_TZ, format_number
from appliance.i18n import gettext as _

# Pillow format name -> (MIME type, file extension).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
PDF_MIME = "application/pdf"
PDF_MAGIC = b"%PDF-"
MAX_SIDE = 2000
# Widths of the WebP copies, for srcset; only those narrower than the original.
VARIANT_WIDTHS = (480, 960, 1600)
_VARIANT_OPTIONS = {"quality": 80, "method": 4}
# pypdf logs every oddity of a damaged file as a warning; an upload it cannot
# read is refused with a message to the user, which is all that matters.
logging.getLogger("pypdf").setLevel(logging.ERROR)
# Far above any camera's output; refuses decompression bombs before decoding.
MAX_PIXELS = 60_000_000
_SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {},
    "WEBP": {"quality": 85, "method": 4},
}


@dataclass(frozen=True)
class Picture:
    data: bytes
    mime: str
    extension: str
    width: int
    height: int


def prepare_image(raw: bytes, max_bytes: int) -> Picture:
    """Check an uploaded file and return it cleaned and resized; UserError when
    it is empty, too large, or not a JPEG, PNG or WebP image."""
    check_size(len(raw), max_bytes)
    image_format = _verified_format(raw)
    try:
        with _open(raw) as image:
            if image_format == "JPEG":
                # Decode big photos at a reduced scale straight away: faster,
                # and far less memory on a small server.
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            upright = ImageOps.exif_transpose(image)
            profile = image.info.get("icc_profile") if image.mode != "CMYK" else None
        pixels = _web_mode(upright, image_format)
        pixels.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        # A new image from the pixels alone carries no metadata at all.
        clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    except UserError:
        raise
    # A file cut short or damaged inside passes the structural check and
    # fails only while its pixels are decoded, with Pillow's own exceptions.
    except Exception:  # noqa: BLE001
        raise _not_an_image() from None
    return _encode(clean, image_format, profile)


def check_size(size: int, max_bytes: int, what: str = "image") -> None:
    if size == 0:
        raise UserError(_("The chosen file is empty."))
    if size > max_bytes and what == "pdf":
        raise UserError(
            _(
                "The PDF file is %(size)s MB; the largest allowed is %(limit)s MB. "
                "Make it smaller (for example by scanning at a lower resolution) "
                "and upload it again.",
                size=format_number(round(size / 1048576, 1)),
                limit=format_number(max_bytes // 1048576),
            )
        )
    if size > max_bytes:
        raise UserError(
            _(
                "The image is %(size)s MB; the largest allowed is %(limit)s MB. "
                "Make it smaller and upload it again.",
                size=format_number(round(size / 1048576, 1)),
                limit=format_number(max_bytes // 1048576),
            )
        )


def _open(raw: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _not_an_image() from None
    if image.width * image.height > MAX_PIXELS:
        image.close()
        raise _too_many_pixels()
    return image


def _verified_format(raw: bytes) -> str:
    """The Pillow format name, after a structural check of the whole file."""
    try:
        with _open(raw) as probe:
            image_format = probe.format
            probe.verify()
    except UserError:
        raise
    # Pillow reports a damaged file with many exception types, none of them ours.
    except Exception:  # noqa: BLE001
        raise _not_an_image() from None
    if image_format not in FORMATS:
        raise _not_an_image()
    return image_format


def _web_mode(image: Image.Image, image_format: str) -> Image.Image:
    """The image in a colour mode its format can store and browsers show."""
    if image_format == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    has_alpha = image.mode in ("PA", "RGBa", "La") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _encode(image: Image.Image, image_format: str, profile: bytes | None) -> Picture:
    options = dict(_SAVE_OPTIONS[image_format])
    if profile:
        options["icc_profile"] = profile
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    mime, extension = FORMATS[image_format]
    return Picture(buffer.getvalue(), mime, extension, image.width, image.height)


class NotAnImage(UserError):
    """The bytes are no image the newsroom takes."""


def _not_an_image() -> UserError:
    return NotAnImage(
        _(
            "The file is not a JPEG, PNG or WebP image, or it is damaged. Choose "
            "a photo in one of those formats."
        )
    )


def _too_many_pixels() -> UserError:
    return UserError(
        _(
            "The image has more than %(n)s million pixels. Make it "
            "smaller and upload it again.",
            n=MAX_PIXELS // 1_000_000,
        )
    )


def store_file(media_dir: Path, picture: Picture) -> str:
    """Write the picture under media/YYYY/MM/ with a random name; returns the
    path relative to the media folder."""
    month = datetime.now(LOCAL_TZ).strftime("%Y/%m")
    folder = media_dir / month
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        name = f"{secrets.token_hex(10)}.{picture.extension}"
        try:
            with open(folder / name, "xb") as handle:
                handle.write(picture.data)
        except FileExistsError:
            continue
        return f"{month}/{name}"


def store_beside(media_dir: Path, path: str, suffix: str, data: bytes) -> str:
    """Write a companion file named after a stored one (its WebP copies)."""
    beside = f"{path}.{suffix}"
    (media_dir / beside).write_bytes(data)
    return beside


def store_bytes(media_dir: Path, data: bytes, extension: str) -> str:
    """Write any checked upload under media/YYYY/MM/ with a random name."""
    return store_file(media_dir, Picture(data, "", extension, 0, 0))


def digest(raw: bytes) -> str:
    """The SHA-256 of an upload as sent: the same file is stored once."""
    return hashlib.sha256(raw).hexdigest()


def is_pdf(raw: bytes) -> bool:
    return raw.startswith(PDF_MAGIC)


# -- resized copies -----------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """A WebP copy of a picture at one width."""

    width: int
    height: int
    data: bytes


def make_variants(picture: Picture) -> list[Variant]:
    """WebP copies at the standard widths narrower than the picture, and one
    at full size unless the picture already is WebP."""
    widths = [w for w in VARIANT_WIDTHS if w < picture.width]
    if picture.extension != "webp":
        widths.append(picture.width)
    if not widths:
        return []
    with Image.open(io.BytesIO(picture.data)) as image:
        image.load()
        return [_webp_copy(image, width) for width in widths]


def _webp_copy(image: Image.Image, width: int) -> Variant:
    height = max(1, round(image.height * width / image.width))
    copy = image if width == image.width else image.resize(
        (width, height), Image.Resampling.LANCZOS)
    if copy.mode not in ("RGB", "RGBA"):
        copy = copy.convert("RGBA" if "A" in copy.mode else "RGB")
    buffer = io.BytesIO()
    copy.save(buffer, format="WEBP", **_VARIANT_OPTIONS)
    return Variant(width, height, buffer.getvalue())


# -- PDF files ----------------------------------------------------------------


def pdf_pages(raw: bytes, max_bytes: int) -> int:
    """The page count of an uploaded PDF; UserError when it is empty, too
    large, or not a PDF that can be read."""
    check_size(len(raw), max_bytes, "pdf")
    if not is_pdf(raw):
        raise _not_a_pdf()
    try:
        with warnings.catch_warnings():
            # A damaged but readable file is still a PDF; what matters is
            # whether its pages can be found.
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted:
                raise _encrypted_pdf()
            pages = len(reader.pages)
    except UserError:
        raise
    # pypdf reports a broken file with many exception types.
    except Exception:  # noqa: BLE001
        raise _not_a_pdf() from None
    if pages < 1:
        raise _not_a_pdf()
    return pages


def _not_a_pdf() -> UserError:
    return UserError(
        _(
            "The file is not a readable PDF document, whatever its name says. "
            "Save it again as PDF and upload it, or choose a JPEG, PNG or "
            "WebP image."
        )
    )


def _encrypted_pdf() -> UserError:
    return UserError(
        _(
            "The PDF file is protected with a password. Save a copy without "
            "the password and upload that."
        )
    )
