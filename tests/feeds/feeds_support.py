"""Helpers of the feeds tests.

`fill` writes a small site with known content, so feeds, sitemap and search
answers can be checked item by item: dated and undated news in two sections
and three languages, one story translated, a lead image, documents, a
procedure, a draft and a title full of markup."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from urllib.parse import quote, urlsplit

from PIL import Image

from appliance.content import (
    ItemInput,
    add_media,
    link_translations,
    save_item,
    save_section,
)

BASE = "http://localhost:8080"  # the default site.base_url
HOSTILE_TITLE = 'Giá lúa <b>tăng</b> & “ổn định” <script>alert(1)</script>'


def _image(media_dir: Path) -> tuple[str, int]:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (20, 90, 160)).save(buffer, "JPEG")
    relative = "test/lead.jpg"
    (media_dir / "test").mkdir(parents=True, exist_ok=True)
    (media_dir / relative).write_bytes(buffer.getvalue())
    return relative, len(buffer.getvalue())


def fill(conn: sqlite3.Connection, media_dir: Path) -> dict:
    save_section(conn, "tin-tuc", {"vi": "Tin tức", "en": "News", "km": "ព័ត៌មាន"})
    save_section(conn, "thong-bao", {"vi": "Thông báo", "en": "Announcements",
                                     "km": "សេចក្ដីជូនដំណឹង"})
    path, size = _image(media_dir)
    image = add_media(conn, path=path, mime="image/jpeg", size=size, width=64,
                      height=40, alt="Cánh đồng lúa")

    def item(name, **fields):
        status = fields.pop("status", "published")
        items[name] = save_item(conn, ItemInput(**fields), status=status)

    items: dict = {}
    item("harvest", kind="article", lang="vi", section_key="tin-tuc",
         title="Nông dân An Giang thu hoạch lúa Đông Xuân",
         summary="Năng suất lúa vụ Đông Xuân đạt cao.", body="<p>Toàn văn.</p>",
         tags=["Nông nghiệp", "Đất đai"], byline="Minh Anh",
         published_at="2024-03-01T08:00", lead_image_id=image.id)
    item("hostile", kind="article", lang="vi", section_key="tin-tuc",
         title=HOSTILE_TITLE, summary="Giá lúa <i>trong</i> tuần.",
         published_at="2024-02-01T08:00")
    item("undated", kind="article", lang="vi", section_key="tin-tuc",
         title="Tin không ghi ngày đăng", summary="Một tin cũ.")
    item("notice", kind="disclosure", lang="vi", section_key="thong-bao",
         title="Công khai ngân sách quý I", published_at="2024-01-15T09:30")
    item("directive", kind="directive", lang="vi",
         title="Chỉ thị về phòng chống hạn mặn", published_at="2024-02-15T10:00",
         document={"number": "12/CT-UBND", "doc_type": "Chỉ thị",
                   "issuer": "UBND tỉnh An Giang", "issued_at": "2024-02-15"})
    item("law", kind="legal_document", lang="vi", title="Luật Đất đai",
         published_at="2024-01-18T00:00",
         document={"number": "31/2024/QH15", "doc_type": "Luật", "issuer": "Quốc hội"})
    item("procedure", kind="procedure", lang="vi",
         title="Đăng ký đất đai lần đầu", procedure={"code": "1.012345"},
         summary="Thủ tục đăng ký đất đai, tài sản gắn liền với đất lần đầu.",
         published_at="2023-12-01T00:00")
    item("draft", kind="article", lang="vi", section_key="tin-tuc",
         title="Bản nháp chưa đăng", published_at="2024-04-01T00:00", status="draft")
    item("harvest_en", kind="article", lang="en", section_key="tin-tuc",
         title="An Giang farmers bring in the winter-spring rice",
         summary="Yields are high.", published_at="2024-03-01T09:00",
         byline="Minh Anh")
    item("announcement_en", kind="article", lang="en", section_key="thong-bao",
         title="Office hours during the Tet holiday", published_at="2024-01-20T09:00")
    item("harvest_km", kind="article", lang="km", section_key="tin-tuc",
         title="កសិករអានយ៉ាងប្រមូលផលស្រូវ", summary="ទិន្នផលខ្ពស់។",
         published_at="2024-03-02T09:00")
    link_translations(conn, items["harvest"].id, items["harvest_en"].id)
    link_translations(conn, items["harvest"].id, items["harvest_km"].id)
    return items


def local(url: str) -> str:
    """The path and query of an absolute site URL, to fetch through the client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def address(path: str) -> str:
    """The absolute, percent-encoded address of a site path."""
    return BASE + quote(path, safe="/:@!$&'()*+,;=-._~")
