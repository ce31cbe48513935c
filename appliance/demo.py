"""`portal demo`: the built-in sample site, with no set-up.

The sample content (appliance/sample/) is written by the project for the
demo; Khmer texts in it are marked as awaiting review by a Khmer speaker.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import sqlite3
import tempfile
from importlib import resources
from pathlib import Path

from . import config as config_mod
from .content import ItemInput, add_media, save_item, set_lead_image
from .db import open_sync, transaction
from .importer import import_files
from .server import serve
from .site import create_site
from .users import add_user, generate_password

SAMPLE_SOURCE = "sample"
SAMPLE_FILES = ("sections.jsonl", "articles.jsonl", "documents.jsonl",
                "procedures.jsonl")


def sample_paths() -> list[Path]:
    base = resources.files("appliance.sample")
    return [Path(str(base.joinpath(name))) for name in SAMPLE_FILES]


def load_sample(conn: sqlite3.Connection, media_dir: Path) -> None:
    """Import the sample content and give its stories their illustrations."""
    summary = import_files(conn, sample_paths(), source=SAMPLE_SOURCE)
    if summary.rejected:
        raise RuntimeError(f"sample content has bad records: {summary.rejections[:3]}")
    transaction(conn, _attach_images, media_dir)


@functools.cache
def _picture(theme: str) -> bytes:
    """Drawing takes a while; a process draws each illustration once."""
    from .sample.images import draw

    return draw(theme)


def _attach_images(conn: sqlite3.Connection, media_dir: Path) -> None:
    from .sample.images import THEMES

    rows = conn.execute(
        "SELECT id, lang, json_extract(extra, '$.image') AS theme FROM item"
        " WHERE source = ? AND json_extract(extra, '$.image') IS NOT NULL",
        (SAMPLE_SOURCE,)).fetchall()
    folder = media_dir / "sample"
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[tuple[str, str], int] = {}
    for row in rows:
        theme, lang = row["theme"], row["lang"]
        if theme not in THEMES:
            continue
        if (theme, lang) not in made:
            # One media record per language: the alt text is in that language.
            picture = _picture(theme)
            name = f"sample/{theme}-{lang}.jpg"
            (media_dir / name).write_bytes(picture)
            media = add_media(conn, path=name, mime="image/jpeg", size=len(picture),
                              width=1200, height=675, alt=THEMES[theme].get(lang, ""))
            made[(theme, lang)] = media.id
        set_lead_image(conn, row["id"], made[(theme, lang)])


# Staff of each editorial role, so the workflow can be tried end to end.
DEMO_STAFF = {"writer": "contributor", "editor": "editor", "chief": "editor-in-chief"}
DEMO_STORIES = (
    ("writer", "submitted", "Đề xuất mở rộng chợ nổi Long Xuyên"),
    ("editor", "awaiting_approval", "Tổng kết mùa nước nổi năm nay"),
)


def _add_newsroom(conn: sqlite3.Connection, password: str) -> None:
    """Demo staff, and a few stories waiting at different steps of review."""
    ids = {name: add_user(conn, name, role, password).id
           for name, role in DEMO_STAFF.items()}
    for author, status, title in DEMO_STORIES:
        data = ItemInput(kind="article", lang="vi", title=title, section_key="kinh-te",
                         summary=title + ".", body=f"<p>{title}.</p>")
        save_item(conn, data, user_id=ids[author], status=status)


# The structure of a provincial People's Committee, for the sample's
# organisation chart; no person is named.
SAMPLE_UNITS = (
    ("Ủy ban nhân dân tỉnh", "", "Cơ quan hành chính nhà nước ở địa phương."),
    ("Văn phòng Ủy ban nhân dân tỉnh", "Ủy ban nhân dân tỉnh",
     "Tham mưu, tổng hợp; quản lý Cổng thông tin điện tử tỉnh."),
    ("Sở Nội vụ", "Ủy ban nhân dân tỉnh", "Tổ chức bộ máy, công chức, viên chức."),
    ("Sở Tài chính", "Ủy ban nhân dân tỉnh", "Tài chính, ngân sách, đầu tư."),
    ("Sở Khoa học và Công nghệ", "Ủy ban nhân dân tỉnh",
     "Khoa học, công nghệ, chuyển đổi số."),
)


def add_portal_pages(conn: sqlite3.Connection, base_url: str) -> None:
    """Sample entries for the pages the law expects: the organisation chart,
    the portal's contact point and its official channels."""
    from . import about

    for name, parent, functions in SAMPLE_UNITS:
        about.add_entry(conn, "organisation", "vi", {
            "name": name, "parent": parent, "functions": functions}, None)
    about.add_entry(conn, "contacts", "vi", {
        "name": "Ban biên tập Cổng thông tin điện tử tỉnh",
        "purpose": "Tin bài, góp ý về nội dung của Cổng",
        "phone": "0297 3862 000", "email": "congthongtin@angiang.gov.vn",
        "hours": "Thứ Hai đến thứ Sáu, 7 giờ đến 17 giờ"}, None)
    for lang, name in (("vi", "Cổng thông tin điện tử tỉnh"), ("en", "Provincial portal"),
                       ("km", "វិបផតថលខេត្ត")):
        about.add_entry(conn, "channels", lang, {
            "name": name, "kind": "website", "url": base_url + f"/{lang}/"}, None)


def run_demo(port: int = 8080, host: str = "localhost", data: str | None = None) -> None:
    if data:
        data_dir = Path(data).expanduser().resolve()
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="portal-demo-"))
        atexit.register(shutil.rmtree, data_dir, True)

    password = None
    if not (data_dir / config_mod.CONFIG_FILE).exists():
        password = generate_password()
        base_url = f"http://{host}:{port}"
        # A throwaway sample site: staff sign in without an authenticator app
        # (a real site requires one for its senior roles).
        create_site(data_dir, "admin", password,
                    overrides={"site.base_url": base_url, "server.port": port,
                               "security.totp_required_roles": []})
        cfg = config_mod.load(data_dir)
        conn = open_sync(cfg.database_path)
        try:
            load_sample(conn, cfg.media_dir)
            transaction(conn, _add_newsroom, password)
            transaction(conn, add_portal_pages, base_url)
        finally:
            conn.close()
    cfg = config_mod.load(data_dir)
    login = (f"user admin, password {password}; also {', '.join(DEMO_STAFF)}"
             " with the same password" if password
             else "the administrator account you created earlier")
    banner = (f"Sample portal running at http://{host}:{port}/\n"
              f"Newsroom: http://{host}:{port}/admin ({login})\n"
              f"Data: {data_dir}{'' if data else ' (temporary, removed on exit)'}\n"
              "Press Ctrl+C to stop.")
    serve(cfg, host=host, port=port, banner=banner)
