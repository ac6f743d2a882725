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
import os
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


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


def _acquire(path: str) -> None:
    with _guard:
        if path not in _files:
            _files[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _holders.get(path):
            # Closing any descriptor of the file would drop the process's POSIX lock,
            # so each file is opened once per process and never closed.
            fcntl.lockf(_files[path], fcntl.LOCK_EX)
        _holders[path] = _holders.get(path, 0) + 1


def _release(path: str) -> None:
    with _guard:
        _holders[path] -= 1
        if not _holders[path]:
            fcntl.lockf(_files[path], fcntl.LOCK_UN)


@event.listens_for(Engine, "before_cursor_execute")
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


event.listen(Pool, "checkin", _let_go)
event.listen(Pool, "invalidate", _let_go)
event.listen(Pool, "soft_invalidate", _let_go)
