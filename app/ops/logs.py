"""Logs as JSON lines on standard error: one line per request (method, route, status,
duration, user id, request id) and per job run, nothing else of the request.

A line carries no personal data or case text: the route is the URL rule
(``/p/<slug>/reviews/<int:number>``), not the path or query; the user is an id; an
exception is logged by its type and where it happened, never by its message (which may
hold the values of a failed statement). The request id comes from a sane
``X-Request-ID`` header (set by the reverse proxy) or is made here; the 500 page shows
it, so a person can quote it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# LogRecord attributes that are not extra fields.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

request_log = logging.getLogger("samenspel.requests")

# Loggers whose messages are logged with their values: ours, and Alembic's (revision ids).
_INTERPOLATED = ("samenspel", "alembic")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the extra fields, the
    request id when there is a request, and an exception's type and frames."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            # Other libraries' messages without their values (which may hold what people
            # wrote), except those known to log only names of things.
            "msg": record.getMessage() if record.name.startswith(_INTERPOLATED) else record.msg,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if "request_id" not in line and has_request_context():
            line["request_id"] = g.get("request_id")
        if record.exc_info and record.exc_info[0] is not None:
            kind, _error, tb = record.exc_info
            line["error"] = kind.__name__
            frames = traceback.extract_tb(tb)
            # The application's own frames, and the innermost one (where it was raised).
            ours = [f for f in frames if f"{os.sep}app{os.sep}" in f.filename][-5:]
            line["where"] = [
                f"{'/'.join(frame.filename.rsplit('/', 2)[-2:])}:{frame.lineno} {frame.name}"
                for frame in [*ours, *frames[-1:]]
                if frame is not None
            ]
        return json.dumps(line, default=str, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):
    """Writes to the process's standard error, also while a command's output is being
    captured (a CLI runner swaps sys.stderr; the log is not the command's output)."""

    def __init__(self) -> None:
        super().__init__(sys.__stderr__)


class _NoExceptionText(logging.Filter):
    """Flask logs an unhandled exception as "Exception on <path> [<method>]": keep the
    route instead of the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and has_request_context():
            rule = request.url_rule.rule if request.url_rule else None
            record.msg, record.args = "unhandled exception", ()
            record.route = rule
            record.method = request.method
        return True


def configure() -> None:
    """JSON lines on standard error for the whole process (once)."""
    root = logging.getLogger()
    if not any(isinstance(handler, _StderrHandler) for handler in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(os.environ.get("SAMENSPEL_LOG_LEVEL", "INFO").upper())
    # Statements with their values (SQLAlchemy) and paths with their query strings (the
    # development server) would carry what people wrote: never below WARNING.
    for name in ("sqlalchemy", "werkzeug"):
        logging.getLogger(name).setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    configure()
    app.logger.removeHandler(default_handler)
    if not any(isinstance(f, _NoExceptionText) for f in app.logger.filters):
        app.logger.addFilter(_NoExceptionText())

    def start_request() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    # First of all: a request that another before_request function answers is logged too.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        if started is None:  # a request that failed before start_request
            return response
        user = g.get("_login_user")  # the user Flask-Login loaded, if any; not loaded here
        request_log.info(
            "request",
            extra={
                "event": "request",
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule else None,
                "endpoint": request.endpoint,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": getattr(user, "id", None) if user is not None else None,
                "request_id": g.request_id,
            },
        )
        return response
