"""A small public site written for these tests through the content store:
two sections, one story in three languages, a Vietnamese-only story, enough
news for two pages, a legal document and a directive, a procedure whose legal
basis cites that document, an online public service and an unpublished draft."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction

LANGS = ("vi", "en", "km")
EXTRA_NEWS = 14  # with only-vi: 15 items in tin-tuc, two pages of 12


@dataclass
class Site:
    urls: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


def _picture(media_dir: Path) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (160, 90), (40, 90, 140)).save(buffer, "JPEG")
    (media_dir / "tests").mkdir(parents=True, exist_ok=True)
    (media_dir / "tests" / "bridge.jpg").write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _save(conn, site: Site, name: str, data: ItemInput, status="published"):
    item = content.save_item(conn, data, status=status)
    site.urls[name] = item.url
    site.ids[name] = item.id
    return item


def _build(conn, media_dir: Path) -> Site:
    site = Site()
    content.save_section(
        conn, "tin-tuc", {"vi": "Tin tức", "en": "News", "km": "ព័ត៌មាន"}
    )
    content.save_section(conn, "kinh-te", {"vi": "Kinh tế", "en": "Economy"})

    picture = _picture(media_dir)
    media = content.add_media(
        conn,
        path="tests/bridge.jpg",
        mime="image/jpeg",
        size=len(picture),
        width=160,
        height=90,
        alt="Cầu Vàm Cống bắc qua sông Hậu",
    )
    story = {
        "vi": (
            "Khởi công cầu nối Long Xuyên với Rạch Giá",
            "Công trình rút ngắn thời gian đi lại giữa hai trung tâm của tỉnh.",
        ),
        "en": (
            "Work begins on bridge linking Long Xuyên and Rạch Giá",
            "The bridge shortens travel between the province's two centres.",
        ),
        "km": (
            "ចាប់ផ្ដើមសាងសង់ស្ពានតភ្ជាប់ឡុងស៊ុយៀន និងរ៉ាចយ៉ា",
            "ស្ពាននេះកាត់បន្ថយពេលធ្វើដំណើររវាងមជ្ឈមណ្ឌលទាំងពីរ។",
        ),
    }
    for lang, (title, summary) in story.items():
        _save(
            conn,
            site,
            f"story-{lang}",
            ItemInput(
                kind="article",
                lang=lang,
                title=title,
                summary=summary,
                body=f"{summary}\n\nĐoạn thứ hai của bài viết.",
                body_is_text=True,
                section_key="kinh-te",
                tags=["Giao thông"] if lang == "vi" else [],
                published_at="2026-11-20T08:30:00+07:00",
                featured=True,
                translation_group="story-bridge",
                byline="Phòng Biên tập",
                lead_image_id=media.id if lang == "vi" else None,
                attribution="Văn phòng UBND tỉnh" if lang == "vi" else None,
                extra={"review": "awaiting-khmer-review"} if lang == "km" else {},
            ),
        )

    _save(
        conn,
        site,
        "only-vi",
        ItemInput(
            kind="article",
            lang="vi",
            title="Đường Trần Hưng Đạo được mở rộng",
            summary="Tuyến đường chính của phường Rạch Giá được nâng cấp.",
            body="<p>Tuyến đường chính được nâng cấp.</p>",
            section_key="tin-tuc",
            published_at="2026-11-25",
        ),
    )
    for n in range(EXTRA_NEWS):
        _save(
            conn,
            site,
            f"news-{n}",
            ItemInput(
                kind="article",
                lang="vi",
                title=f"Tin hoạt động số {n + 1} của tỉnh",
                summary=f"Tóm tắt tin số {n + 1}.",
                section_key="tin-tuc",
                published_at=f"2026-10-{n + 1:02d}",
            ),
        )
    _save(
        conn,
        site,
        "draft",
        ItemInput(
            kind="article", lang="vi", title="Bản nháp chưa đăng", section_key="tin-tuc"
        ),
        status="draft",
    )

    _save(
        conn,
        site,
        "law",
        ItemInput(
            kind="legal_document",
            lang="vi",
            title="Bộ luật Dân sự",
            summary="Bộ luật quy định địa vị pháp lý, chuẩn mực pháp lý.",
            body="Điều 1. Phạm vi điều chỉnh\n\nBộ luật này quy định địa vị pháp lý.",
            body_is_text=True,
            published_at="2015-11-24",
            document={
                "number": "91/2015/QH13",
                "doc_type": "Bộ luật",
                "issuer": "Quốc hội",
                "signer": "Nguyễn Thị Kim Ngân",
                "issued_at": "2015-11-24",
                "effective_at": "2017-01-01",
                "status": "in_force",
            },
            attribution="Vietnamese legal text",
        ),
    )
    _save(
        conn,
        site,
        "directive",
        ItemInput(
            kind="directive",
            lang="vi",
            title="Chỉ thị về phòng, chống hạn mặn",
            summary="Tăng cường phòng, chống hạn hán, xâm nhập mặn.",
            body="Các sở, ngành thực hiện nghiêm.",
            body_is_text=True,
            published_at="2026-11-27",
            document={
                "number": "15/CT-UBND",
                "doc_type": "Chỉ thị",
                "issuer": "Ủy ban nhân dân tỉnh An Giang",
                "issued_at": "2026-11-27",
            },
        ),
    )
    _save(
        conn,
        site,
        "procedure",
        ItemInput(
            kind="procedure",
            lang="vi",
            title="Giải quyết khiếu nại lần đầu",
            procedure={
                "code": "1.000178",
                "agency": "Thanh tra tỉnh",
                "field": "Khiếu nại, tố cáo",
                "level": "Cấp tỉnh",
                "applicants": "Công dân Việt Nam",
                "steps": [
                    "Bước 1: Thụ lý giải quyết khiếu nại",
                    "Người khiếu nại gửi đơn.",
                ],
                "channels": [
                    {
                        "channel": "Trực tiếp",
                        "processing_time": "30 ngày",
                        "fee": "Không thu phí",
                    }
                ],
                "requirements": "Đơn khiếu nại hợp lệ.",
                "result": "Quyết định giải quyết",
                "legal_basis": ["91/2015/QH13", "99/2099/NĐ-CP"],
            },
            attribution="National Public Service Portal",
        ),
    )
    _save(
        conn,
        site,
        "service",
        ItemInput(
            kind="public_service",
            lang="vi",
            title="Nộp đơn khiếu nại trực tuyến",
            summary="Nộp đơn và theo dõi kết quả qua mạng.",
            extra={
                "procedure_code": "1.000178",
                "service_level": "full",
                "link": "https://dichvucong.gov.vn/p/home/dvc-tthc.html",
            },
        ),
    )
    return site


@pytest.fixture
def site(config, conn) -> Site:
    """The test site; request it before `client` so pages see it from the start."""
    return transaction(conn, _build, config.media_dir)


# -- the one-stop system ----------------------------------------------------------

@pytest.fixture
def one_stop_port() -> int:
    from dossier_support import free_port

    return free_port()


@pytest.fixture
def data_dir(tmp_path, one_stop_port):
    """The public site's tests run with the dossier look-up turned on; the
    one-stop system answers only where a test starts `one_stop`."""
    from dossier_support import TOKEN
    from staff_support import NO_SECOND_FACTOR, new_site

    site = new_site(tmp_path, NO_SECOND_FACTOR | {
        "dossier.endpoint": f"http://127.0.0.1:{one_stop_port}/api/ho-so/{{code}}",
        "dossier.timeout": 1})
    with (site / "secrets.toml").open("a", encoding="utf-8") as secrets:
        secrets.write(f'dossier_token = "{TOKEN}"\n')
    return site


@pytest.fixture
async def one_stop(aiohttp_server, one_stop_port):
    from dossier_support import one_stop_app

    return await aiohttp_server(one_stop_app(), port=one_stop_port)
