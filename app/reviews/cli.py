"""`flask reviews purge-expired`: empty case details past their retention period (for cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.ops.jobs import recorded
from app.reviews import services

reviews_cli = AppGroup("reviews", help="Case and quality reviews.")


@reviews_cli.command("purge-expired")
@recorded("reviews_purge_expired")
def purge_expired() -> None:
    """Purge the case details of finalised reviews older than the retention period."""
    count = services.purge_expired()
    click.echo(f"Case details purged from {count} reviews (title, scores and lessons kept).")
