"""Running the server (`portal serve`): logging, the app, signals."""

from __future__ import annotations

import logging

from aiohttp import web

from . import logs
from .app import create_app
from .config import Config
from .errors import UserError

log = logging.getLogger("portal.app")


def serve(cfg: Config, host: str | None = None, port: int | None = None,
          banner: str | None = None) -> None:
    """Serve until SIGINT or SIGTERM; both shut down cleanly (requests finish,
    the database is closed)."""
    logs.setup(cfg["log.level"], cfg["log.format"])
    host = host or cfg["server.host"]
    port = port or cfg["server.port"]
    app = create_app(cfg)

    def announce(_message: str) -> None:
        shown = "localhost" if host in ("127.0.0.1", "::1") else host
        print(banner or f"serving http://{shown}:{port}/ (press Ctrl+C to stop)",
              flush=True)

    try:
        web.run_app(
            app, host=host, port=port, print=announce, shutdown_timeout=10,
            access_log_class=logs.AccessLogger,
            access_log=logging.getLogger("portal.access"),
            handle_signals=True,
        )
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    log.info("stopped")
