"""Writers to one SQLite file queue in the kernel instead of in SQLite's busy handler.

SQLite lets one transaction write at a time. A writer that finds the file locked sleeps
in SQLite's busy handler (1, 2, 5, 10 … 100 ms) and tries again, so under a few
concurrent writers some wait far longer than the write takes — at the benchmark's eight
clients posting comments, p50 56 ms but p95 642 ms. Here a transaction's first INSERT,
UPDATE or DELETE first takes an exclusive POSIX lock on ``<database>-writers`` (waiting
in ``lockf``, which the kernel ends the moment the holder lets go) and keeps it until
its connection goes back to the pool, which the ORM session does right after the commit
or rollback.

The lock only orders writers; SQLite's own locking still guarantees correctness. POSIX
locks belong to the process, so two connections of one process (a test and the app it
drives, threads of a gthread worker) do not wait for each other here: they fall back to
SQLite's busy handler as before, and a process releases the lock when its last writing
connection is back. Nothing of this applies to PostgreSQL or to an in-memory database.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
import time
from contextlib import contextmanager

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from app.errors import error_page
from app.extensions import db

log = logging.getLogger("samenspel.sqlite_writes")

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")

DEFAULT_DEADLINE = 10.0


class WriterBusy(Exception):
    """Another process held SQLite's writer lock past the deadline."""

    def __init__(self, waited: float):
        super().__init__(f"writer lock not free after {waited:.1f} s")
        self.waited = waited


def is_write(sql: str) -> bool:
    """Whether an SQL statement's text writes (INSERT, UPDATE, DELETE, REPLACE)."""
    return sql.lstrip()[:6].upper() in _WRITES


_KEY = "sqlite_writer_lock"

_guard = threading.Lock()
_files: dict[str, int] = {}  # lock file path -> open descriptor (kept open: see lockf)
_holders: dict[str, int] = {}  # lock file path -> this process's writing connections


def _lock_path(database: str | None) -> str | None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + "-writers"


def deadline() -> float:
    """Seconds a writer waits for the lock: the app's setting, else the default."""
    if has_app_context():
        return float(current_app.config.get("SAMENSPEL_WRITE_LOCK_SECONDS", DEFAULT_DEADLINE))
    return DEFAULT_DEADLINE


class _Alarm(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Alarm


def _try_lock(fd: int) -> bool:
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _wait_for_lock(fd: int, seconds: float) -> bool:
    """Take the lock on fd within seconds; False when the deadline passed."""
    if _try_lock(fd):
        return True
    if seconds <= 0:
        return False
    if threading.current_thread() is threading.main_thread():
        # Wait in the kernel's queue; the timer's signal interrupts lockf at the deadline.
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX)
            return True
        except _Alarm:
            # The signal may come just after lockf returned: then the lock is ours.
            return _try_lock(fd)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    end = time.monotonic() + seconds
    pause = 0.001
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return _try_lock(fd)
        time.sleep(min(pause, left))
        if _try_lock(fd):
            return True
        pause = min(pause * 2, 0.005)


def _acquire(path: str, seconds: float | None = None) -> None:
    seconds = deadline() if seconds is None else seconds
    started = time.monotonic()
    if not _guard.acquire(timeout=max(seconds, 0.001)):
        raise _busy(path, time.monotonic() - started)
    try:
        if path not in _files:
            _files[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _holders.get(path):
            # Closing any descriptor of the file would drop the process's POSIX lock,
            # so each file is opened once per process and never closed.
            left = seconds - (time.monotonic() - started)
            if not _wait_for_lock(_files[path], left):
                raise _busy(path, time.monotonic() - started)
        _holders[path] = _holders.get(path, 0) + 1
    finally:
        _guard.release()


def _busy(path: str, waited: float) -> WriterBusy:
    log.warning(
        "sqlite writer lock busy",
        extra={"event": "writer_busy", "waited_ms": round(waited * 1000), "lock": path},
    )
    return WriterBusy(waited)


def _release(path: str) -> None:
    with _guard:
        _holders[path] -= 1
        if not _holders[path]:
            fcntl.lockf(_files[path], fcntl.LOCK_UN)


@contextmanager
def holding(database: str, seconds: float | None = None):
    """Hold the writer lock of an SQLite file (as a writing connection would)."""
    path = _lock_path(database)
    if path is None:
        yield
        return
    _acquire(path, seconds)
    try:
        yield
    finally:
        _release(path)


def _queue_writer(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.dialect.name != "sqlite" or _KEY in conn.info:
        return
    if not is_write(statement):
        return
    path = _lock_path(conn.engine.url.database)
    if path is None:
        return
    _acquire(path)
    conn.info[_KEY] = path


def _let_go(dbapi_connection, connection_record, *_args) -> None:
    path = connection_record.info.pop(_KEY, None) if connection_record is not None else None
    if path is not None:
        _release(path)


_POOL_EVENTS = ("checkin", "invalidate", "soft_invalidate")


def listen() -> None:
    """Queue SQLite writers of every engine (once per process)."""
    if event.contains(Engine, "before_cursor_execute", _queue_writer):
        return
    event.listen(Engine, "before_cursor_execute", _queue_writer)
    for name in _POOL_EVENTS:
        event.listen(Pool, name, _let_go)


def installed() -> bool:
    return event.contains(Engine, "before_cursor_execute", _queue_writer)


def install(app) -> None:
    """Switch the queue on for this app: the deadline from the environment, the listeners,
    and the 503 page for a writer that waited too long."""
    app.config.setdefault(
        "SAMENSPEL_WRITE_LOCK_SECONDS",
        float(os.environ.get("SAMENSPEL_WRITE_LOCK_SECONDS", DEFAULT_DEADLINE)),
    )
    listen()

    @app.errorhandler(WriterBusy)
    def writer_busy(error: WriterBusy):
        db.session.rollback()
        response, code = error_page(
            503, _l("It is too busy right now; nothing was saved. Please try again.")
        )
        return response, code, {"Retry-After": "5"}
