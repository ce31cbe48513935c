"""A one-stop system on loopback for the dossier look-up: it answers with
more than the portal may show (the applicant's name, phone and identity
number), wants a bearer token, and has an address that never answers."""

from __future__ import annotations

import asyncio
import socket

from aiohttp import web

TOKEN = "mot-cua-test-token"
CODE = "000.00.25.H01-251120-0001"
DOSSIERS = {
    CODE: {
        "maHoSo": CODE, "trangThai": "Đang giải quyết",
        "ngayTiepNhan": "2025-11-20T08:15:00+07:00", "ngayHenTra": "27/11/2025",
        "coQuanTiepNhan": "Trung tâm Phục vụ hành chính công tỉnh An Giang",
        "tenThuTuc": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        # Personal data the look-up must never show or keep.
        "chuHoSo": "Nguyễn Văn Bình", "soDienThoai": "0912345678",
        "soCCCD": "089123456789", "diaChi": "Số 5, đường Lê Lợi, phường Mỹ Bình",
    },
}
HITS = web.AppKey("hits", list)


async def dossier(request: web.Request) -> web.Response:
    request.app[HITS].append(request.match_info["code"])
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        raise web.HTTPUnauthorized()
    found = DOSSIERS.get(request.match_info["code"])
    if found is None:
        return web.json_response({"error": "not found"}, status=404)
    return web.json_response({"duLieu": found})


async def hangs(request: web.Request) -> web.Response:
    request.app[HITS].append(request.match_info["code"])
    await asyncio.sleep(30)
    return web.json_response({})


async def too_deep(request: web.Request) -> web.Response:
    """Valid JSON nested deeper than any parser goes, in 60 KB."""
    request.app[HITS].append(request.match_info["code"])
    return web.Response(text="[" * 30_000 + "]" * 30_000, content_type="application/json")


async def moved(request: web.Request) -> web.Response:
    """Sends the portal elsewhere (here: to the real answer)."""
    raise web.HTTPFound(f"/api/ho-so/{request.match_info['code']}")


def one_stop_app() -> web.Application:
    app = web.Application()
    app[HITS] = []
    app.router.add_get("/api/ho-so/{code}", dossier)
    app.router.add_get("/treo/ho-so/{code}", hangs)
    app.router.add_get("/sau/ho-so/{code}", too_deep)
    app.router.add_get("/chuyen/ho-so/{code}", moved)
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
