"""`flask notify send`: reminders, composing and sending mail. Run it from cron, e.g.
every five minutes; running it twice, or after an interruption, sends nothing twice.
Two runs never work at once: a slow run (a large morning digest) makes the next one
step aside instead of sending the same outbox again."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import text

from app.activity.notifications import OUTSIDE_REQUEST, send_due
from app.extensions import db
from app.ops.jobs import recorded

# Any fixed number: the PostgreSQL advisory lock of `notify send`.
_PG_LOCK_KEY = 7_401_120


@contextmanager
def only_one_run() -> Iterator[bool]:
    """Yield whether this is the only run: an advisory lock on PostgreSQL (across
    hosts), a file lock in instance/ on SQLite (one host by nature)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": _PG_LOCK_KEY}
            ).scalar_one()
            try:
                yield bool(got)
            finally:
                if got:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY}
                    )
                connection.rollback()
        return
    path = Path(current_app.instance_path) / "notify-send.lock"
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


notify_cli = AppGroup("notify", help="Notifications and their mail.")


@notify_cli.command("send")
@click.option("--now", "now_text", default="", help="Act as if it is this UTC time (ISO 8601).")
@recorded("notify_send")
def send(now_text: str) -> None:
    """Add due reminders, compose mails per each person's setting, and send them."""
    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError as error:
            raise click.BadParameter(
                "Geef een tijd als 2026-11-27T08:00.", param_hint="--now"
            ) from error
        if now.tzinfo is not None:  # a time with an offset: that moment, in UTC
            now = now.astimezone(UTC).replace(tzinfo=None)
    with only_one_run() as alone:
        if not alone:
            click.echo("Een andere `flask notify send` is nog bezig; deze run doet niets.")
            return
        with current_app.test_request_context(
            base_url=current_app.config.get("SAMENSPEL_BASE_URL") or None,
            environ_overrides={OUTSIDE_REQUEST: True},
        ):
            result = send_due(now)
    click.echo(
        f"{result['reminders']} herinneringen, {result['composed']} mails samengesteld, "
        f"{result['sent']} verzonden, {result['failed']} mislukt."
    )
    if result["failed"]:
        raise SystemExit(1)
