"""`flask search reindex`: rebuild the search index (after a bulk load or an upgrade)."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.search.services import reindex_all

search_cli = AppGroup("search", help="The full-text search index.")


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild the whole index from the data."""
    started = time.monotonic()
    with current_app.test_request_context():
        count = reindex_all()
    click.echo(f"{count} documenten geïndexeerd in {time.monotonic() - started:.1f} s.")
