"""How search is wired into the app: its page and `flask search`. What is indexed the
areas register themselves (app.registry.indexers)."""

from __future__ import annotations

from flask import Flask

from app import registry
from app.search.cli import search_cli
from app.search.routes import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(search_cli)
    # The group headings of the results: the kinds the areas register, as page labels.
    registry.page_labels.register("search", {"search_kind_labels": registry.search_kinds})
