"""`flask notify send`: reminders, composing and sending mail. Run it from cron, e.g.
every five minutes; running it twice, or after an interruption, sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

notify_cli = AppGroup("notify", help="Notifications and their mail.")


@notify_cli.command("send")
@click.option("--now", "now_text", default="", help="Act as if it is this UTC time (ISO 8601).")
def send(now_text: str) -> None:
    """Add due reminders, compose mails per each person's setting, and send them."""
    from app.activity.notifications import send_due

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
    with current_app.test_request_context(
        base_url=current_app.config.get("SAMENSPEL_BASE_URL") or None
    ):
        result = send_due(now)
    click.echo(
        f"{result['reminders']} herinneringen, {result['composed']} mails samengesteld, "
        f"{result['sent']} verzonden, {result['failed']} mislukt."
    )
    if result["failed"]:
        raise SystemExit(1)
