"""`flask partnership archive SLUG`: the archive of a partnership as a ZIP file."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.exports.archive import build_archive
from app.extensions import db
from app.partnerships.models import Partnership

partnership_cli = AppGroup("partnership", help="Partnerships: the archive.")


@partnership_cli.command("archive")
@click.argument("slug")
@click.option("--with-case-details", is_flag=True,
              help="Include the case details of case reviews (left out otherwise).")  # fmt: skip
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the ZIP (default: archief-SLUG.zip here).")  # fmt: skip
def archive(slug: str, with_case_details: bool, output: Path | None) -> None:
    """Write a ZIP with every object of the partnership, its PDFs, CSVs and a README."""
    partnership = db.session.execute(
        select(Partnership).where(Partnership.slug == slug)
    ).scalar_one_or_none()
    if partnership is None:
        raise click.ClickException(f"no partnership with slug {slug!r}")
    # The PDFs are rendered from templates, which build URLs: a request context is needed.
    base = current_app.config["SAMENSPEL_BASE_URL"] or "http://localhost"
    with current_app.test_request_context(base_url=base):
        data = build_archive(partnership, with_case_details)
    target = output or Path(f"archief-{slug}.zip")
    target.write_bytes(data)
    click.echo(f"{target} ({len(data)} bytes)")
