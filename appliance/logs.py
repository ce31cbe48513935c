"""Logging: named loggers per part, fields rather than prose, no personal data.

Loggers: portal.access (one line per request), portal.app, portal.db,
portal.web, portal.newsroom, portal.search, portal.feeds, portal.import.
"""

from __future__ import annotations

import json
import logging
import re
import sys

from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError

# Attributes every LogRecord has; anything else was passed as `extra` fields.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _fields(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


# Request paths and user names reach the log; control characters in them
# could forge lines or drive the operator's terminal, so they are escaped.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _safe(value: object) -> str:
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), str(value))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
        fields = " ".join(f"{k}={_safe(v)}" for k, v in _fields(record).items())
        line = f"{stamp} {record.levelname} {record.name}: {_safe(record.getMessage())}"
        if fields:
            line += " " + fields
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup(level: str = "INFO", fmt: str = "text", stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger("portal")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # aiohttp's own loggers report real faults; keep them, at WARNING.
    aio = logging.getLogger("aiohttp")
    aio.handlers[:] = [handler]
    aio.setLevel(logging.WARNING)
    aio.propagate = False
    server = logging.getLogger("aiohttp.server")
    server.filters[:] = [MalformedRequestFilter()]
    # aiosqlite logs every database call with its arguments (configs holding
    # keys among them) at DEBUG: never worth showing, whatever log.level says.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)


class MalformedRequestFilter(logging.Filter):
    """Malformed HTTP from clients (over-long lines, bad headers) is not a
    fault of ours: one short line without the client's address or the
    request text, instead of aiohttp's traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            record.msg = "malformed request rejected"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.__dict__["reason"] = type(exc).__name__
        return True


# Addresses whose last part is a secret (a review link opens an unpublished
# story to whoever holds it): the log keeps the prefix only.
SECRET_PATHS = ("/review/",)


def loggable_path(path: str) -> str:
    for prefix in SECRET_PATHS:
        if path.startswith(prefix) and len(path) > len(prefix):
            return prefix + "…"
    return path


class AccessLogger(AbstractAccessLogger):
    """One line per request: method, path without query, status, size, time.

    The client address, query string, cookies and user agent are left out on
    purpose: they can identify citizens and are not needed to run the site.
    """

    def log(self, request, response, time: float) -> None:
        self.logger.info(
            "request",
            extra={
                "method": request.method,
                "path": loggable_path(request.path),
                "status": response.status,
                "bytes": response.body_length,
                "ms": round(time * 1000, 1),
            },
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
