"""Helpers of the site-tools tests: files made on the spot, and the record
number in an address a form redirected to."""

from __future__ import annotations

import io
import re

from aiohttp import ClientResponse
from PIL import Image
from pypdf import PdfWriter


def image_bytes(fmt: str, size=(2000, 1000), colour=(30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def pdf_bytes(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def location_id(response: ClientResponse, prefix: str) -> int:
    assert response.status == 303, response.status
    match = re.match(rf"^{re.escape(prefix)}(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))
