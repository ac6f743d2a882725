"""Scheduled jobs record each run: a JSON log line and the job's row in ``job_run`` (read
by the metrics endpoint and `flask doctor`). Decorate a CLI command's function with
``@recorded("name")``; a run that raises or exits with a non-zero code counts as failed.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.ops.models import JobRun
from app.timeutil import utcnow

log = logging.getLogger("samenspel.jobs")

F = TypeVar("F", bound=Callable[..., Any])

# The jobs the schedule runs (app/ops/schedule.py) and the metrics report.
JOBS = ("notify_send", "reviews_purge_expired", "backup_create")


def _write(job: str, changes: dict, first: dict) -> None:
    """Apply changes to the job's row, or insert it with first (a transaction of its own:
    the job's session may have failed)."""
    table = JobRun.__table__
    for _attempt in range(2):
        try:
            with db.engine.begin() as connection:
                done = connection.execute(
                    update(table).where(table.c.job == job).values(**changes)
                ).rowcount
                if not done:
                    connection.execute(table.insert().values(job=job, **first))
            return
        except IntegrityError:  # another run inserted it meanwhile: update it
            continue


def record_start(job: str) -> None:
    table = JobRun.__table__
    now = utcnow()
    common = {"last_started_at": now, "last_finished_at": None, "last_status": "running"}
    _write(
        job,
        {**common, "runs": table.c.runs + 1},
        {**common, "runs": 1, "failures": 0, "last_duration_ms": 0},
    )


def record_end(job: str, ok: bool, seconds: float) -> None:
    table = JobRun.__table__
    now = utcnow()
    values: dict = {
        "last_finished_at": now,
        "last_status": "ok" if ok else "failed",
        "last_duration_ms": round(seconds * 1000),
    }
    if ok:
        values["last_success_at"] = now
    first = {**values, "last_started_at": now, "runs": 1, "failures": 0 if ok else 1}
    changes = values if ok else {**values, "failures": table.c.failures + 1}
    _write(job, changes, first)
    log.info(
        "job run",
        extra={
            "event": "job",
            "job": job,
            "status": values["last_status"],
            "duration_ms": values["last_duration_ms"],
        },
    )


def recorded(job: str) -> Callable[[F], F]:
    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            record_start(job)
            db.session.remove()
            started = time.monotonic()
            ok = False
            try:
                result = func(*args, **kwargs)
                ok = True
                return result
            except SystemExit as stop:
                ok = stop.code in (None, 0)
                raise
            finally:
                db.session.remove()
                record_end(job, ok, time.monotonic() - started)

        return wrapper  # type: ignore[return-value]

    return decorator
