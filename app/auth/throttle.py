"""Attempt counters that hold under concurrency: one INSERT … ON CONFLICT DO UPDATE …
RETURNING per attempt, so every request gets its own number from the database (SQLite
serialises writers; PostgreSQL locks the row until the transaction ends)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.auth.models import AuthThrottle
from app.extensions import db
from app.timeutil import utcnow


def count_attempt(key: str, window: timedelta) -> int:
    """Count one attempt under key in its window; returns the count including this one.

    The window starts at the first attempt and is reset by the first attempt after it has
    passed. The caller commits (soon: the row stays locked until then)."""
    now = utcnow()
    table = AuthThrottle.__table__
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    passed = table.c.window_start <= now - window
    statement = (
        insert(table)
        .values(key=key, window_start=now, count=1)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            # Both expressions read the row as it was: SQL evaluates SET from the old row.
            set_={
                "count": case((passed, 1), else_=table.c.count + 1),
                "window_start": case((passed, now), else_=table.c.window_start),
            },
        )
        .returning(table.c.count)
    )
    return db.session.execute(statement).scalar_one()


def forget(key: str) -> None:
    """Start counting afresh (after a success that needs no more throttling)."""
    db.session.execute(delete(AuthThrottle).where(AuthThrottle.key == key))


def uncount(key: str) -> None:
    """Take back one attempt (a success counted while the outcome was unknown)."""
    db.session.execute(
        update(AuthThrottle)
        .where(AuthThrottle.key == key, AuthThrottle.count > 0)
        .values(count=AuthThrottle.count - 1)
    )


def purge_old(older_than: timedelta = timedelta(days=1)) -> None:
    db.session.execute(
        delete(AuthThrottle).where(AuthThrottle.window_start < utcnow() - older_than)
    )
