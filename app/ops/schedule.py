"""`flask schedule run`: the scheduler container's loop.

It runs each job as its own `flask` process, one at a time, at fixed UTC times:

- ``notify send`` every ``SAMENSPEL_NOTIFY_MINUTES`` minutes (5), at whole multiples of it;
- ``reviews purge-expired`` daily at 02:30 UTC;
- ``backup create --keep SAMENSPEL_BACKUP_KEEP`` (14) daily at 03:00 UTC.

A job that is still running when another falls due delays it (nothing runs twice at
once); a time missed while the scheduler was down is not made up: the next one comes
at its time. A job's failure is logged and recorded (``job_run``) and the loop goes on.
Stop it with SIGTERM (it finishes the running job first).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask.cli import AppGroup

from app.timeutil import utcnow

log = logging.getLogger("samenspel.schedule")


@dataclass(frozen=True)
class Entry:
    name: str
    command: tuple[str, ...]
    every_minutes: int | None = None  # every N minutes (at multiples of N past midnight)
    daily_at: tuple[int, int] | None = None  # (hour, minute) UTC

    def next_after(self, moment: datetime) -> datetime:
        """The first time strictly after moment that this entry is due."""
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.every_minutes:
            step = timedelta(minutes=self.every_minutes)
            passed = (moment - midnight) // step
            return midnight + (passed + 1) * step
        hour, minute = self.daily_at or (0, 0)
        today = midnight.replace(hour=hour, minute=minute)
        return today if today > moment else today + timedelta(days=1)


def entries() -> list[Entry]:
    minutes = int(os.environ.get("SAMENSPEL_NOTIFY_MINUTES", "5"))
    keep = os.environ.get("SAMENSPEL_BACKUP_KEEP", "14")
    return [
        Entry("notify_send", ("notify", "send"), every_minutes=minutes),
        Entry("reviews_purge_expired", ("reviews", "purge-expired"), daily_at=(2, 30)),
        Entry("backup_create", ("backup", "create", "--keep", keep), daily_at=(3, 0)),
    ]


def plan(schedule: list[Entry], moment: datetime) -> dict[str, datetime]:
    return {entry.name: entry.next_after(moment) for entry in schedule}


def run_job(entry: Entry) -> int:
    """Run one job as `flask <command>`; returns its exit code."""
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "flask", *entry.command])
    log.info(
        "scheduled job finished",
        extra={
            "event": "schedule",
            "job": entry.name,
            "exit_code": code,
            "duration_ms": round((time.monotonic() - started) * 1000),
        },
    )
    return code


def loop(
    schedule: list[Entry],
    *,
    now: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], None] = time.sleep,
    run: Callable[[Entry], int] = run_job,
    until: Callable[[], bool] = lambda: False,
) -> None:
    """Run each entry when due until ``until()`` says stop."""
    due = plan(schedule, now())
    by_name = {entry.name: entry for entry in schedule}
    while not until():
        name = min(due, key=lambda key: due[key])
        wait = (due[name] - now()).total_seconds()
        if wait > 0:
            sleep(min(wait, 5))  # wake now and then, so a stop is noticed soon
            continue
        run(by_name[name])
        due[name] = by_name[name].next_after(max(now(), due[name]))


schedule_cli = AppGroup("schedule", help="The schedule of recurring jobs.")


@schedule_cli.command("run")
def run_command() -> None:
    """Run the recurring jobs at their times (the scheduler container's command)."""
    stopping = {"now": False}

    def stop(signum, frame):
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    schedule = entries()
    for name, when in plan(schedule, utcnow()).items():
        click.echo(f"{name}: eerst om {when:%Y-%m-%d %H:%M} UTC")
    loop(schedule, until=lambda: stopping["now"])


@schedule_cli.command("show")
def show_command() -> None:
    """Print the jobs and when each runs next."""
    for name, when in plan(entries(), utcnow()).items():
        click.echo(f"{name}: {when:%Y-%m-%d %H:%M} UTC")
