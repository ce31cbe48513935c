"""Running the server (`portal serve`): logging, the app, the listening
sockets (plain HTTP, and HTTPS when a certificate is configured, on every
configured address), signals.

SIGTERM and SIGINT stop it cleanly: no new connections, requests in flight
finish, the database is closed. SIGHUP loads the certificate again.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from . import logs
from .app import SCHEDULER, create_app
from .config import Config
from .errors import UserError
from .tls import CERTIFICATES, WATCH_SECONDS, Certificates

log = logging.getLogger("portal.app")

SHUTDOWN_SECONDS = 10


@dataclass(frozen=True)
class Listener:
    host: str
    port: int
    context: ssl.SSLContext | None

    @property
    def where(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.context else 'http'}://{host}:{self.port}"

    @property
    def url(self) -> str:
        # Loopback and every-address listeners are both reached as localhost.
        shown = "localhost" if self.host in ("127.0.0.1", "::1", "localhost", "0.0.0.0",
                                             "::") else (
            f"[{self.host}]" if ":" in self.host else self.host)
        return f"{'https' if self.context else 'http'}://{shown}:{self.port}/"


def serve(cfg: Config, host: str | list[str] | None = None, port: int | None = None,
          banner: str | None = None) -> None:
    """Serve until SIGINT or SIGTERM."""
    logs.setup(cfg["log.level"], cfg["log.format"])
    hosts = ([host] if isinstance(host, str) else list(host)) if host else cfg.hosts
    port = port or cfg["server.port"]
    app = create_app(cfg)
    certificates = None
    if cfg.https:
        certificates = Certificates(cfg.data_path("tls.certificate"),
                                    cfg.data_path("tls.key"))
        app[CERTIFICATES] = certificates
        app[SCHEDULER].every("certificate-reload", WATCH_SECONDS, certificates.watch)
    listeners = [Listener(h, port, None) for h in hosts]
    if certificates:
        listeners += [Listener(h, cfg["tls.port"], certificates.listener) for h in hosts]

    def announce() -> None:
        main = listeners[len(hosts) if certificates else 0]  # the first HTTPS one
        where = f"serving {main.url}"
        if certificates:
            where += f" ({listeners[0].url} redirects to it)"
        print(banner or f"{where} (press Ctrl+C to stop)", flush=True)

    asyncio.run(_serve(app, listeners, announce, certificates))
    log.info("stopped")


async def _serve(app: web.Application, listeners: list[Listener],
                 announce: Callable[[], None], certificates: Certificates | None) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # Without a handler SIGHUP would end the process; `systemctl reload` sends it.
    loop.add_signal_handler(signal.SIGHUP, _reload, certificates)
    runner = web.AppRunner(
        app, access_log_class=logs.AccessLogger,
        access_log=logging.getLogger("portal.access"),
        shutdown_timeout=SHUTDOWN_SECONDS)
    app[SCHEDULER].hold()
    try:
        # Opens the database and applies migrations. When that fails, the
        # cleanup below still closes what started before it (the clients of
        # the webhooks and the dossier look-up), so the one line saying why
        # is all that is printed.
        await runner.setup()
        for listener in listeners:
            await _listen(runner, listener)
        log.info("listening", extra={"on": " ".join(x.where for x in listeners)})
        app[SCHEDULER].release()
        if os.geteuid() == 0:
            log.warning("serving as root: run it as the service account that "
                        "`portal install` sets up, which binds ports 80 and 443 "
                        "without root")
        announce()
        await stop.wait()
        log.info("stopping")
    finally:
        await runner.cleanup()


async def _listen(runner: web.AppRunner, listener: Listener) -> None:
    site = web.TCPSite(runner, listener.host, listener.port, ssl_context=listener.context)
    try:
        await site.start()
    except OSError as exc:
        hint = ""
        if exc.errno == errno.EACCES and listener.port < 1024:
            hint = ("; ports below 1024 need the capability the systemd unit "
                    "from `portal install` gives, never root")
        raise UserError(f"cannot listen on {listener.host}:{listener.port}: "
                        f"{exc.strerror or exc}{hint}") from None


def _reload(certificates: Certificates | None) -> None:
    if certificates is None:
        log.info("SIGHUP: no certificate to reload (plain HTTP)")
    elif not certificates.reload(force=True):
        log.warning("SIGHUP: the certificate was not reloaded")
