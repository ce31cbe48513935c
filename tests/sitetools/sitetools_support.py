"""Helpers of the site-tools tests: a browser-like client per member of
staff, files made on the spot, and published stories to point at."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from aiohttp import ClientResponse, FormData
from aiohttp.test_utils import TestClient
from PIL import Image
from pypdf import PdfWriter

ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct-horse-battery"
STAFF_PASSWORD = "staff-password-123"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_in(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@dataclass
class Staff:
    client: TestClient
    csrf: str

    async def get(self, path: str, **kwargs) -> ClientResponse:
        return await self.client.get(path, allow_redirects=False, **kwargs)

    async def post(self, path: str, data=None, **kwargs) -> ClientResponse:
        if data is None or isinstance(data, dict):
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf)
        return await self.client.post(path, data=data, allow_redirects=False, **kwargs)

    async def upload(self, path: str, name: str, raw: bytes, field: str = "file",
                     **fields: str) -> ClientResponse:
        form = FormData()
        form.add_field("csrf_token", self.csrf)
        for key, value in fields.items():
            form.add_field(key, value)
        form.add_field(field, io.BytesIO(raw), filename=name,
                       content_type="application/octet-stream")
        return await self.post(path, data=form)


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
