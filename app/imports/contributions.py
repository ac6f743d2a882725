"""How imports are wired into the app: the import pages. What can be imported the
areas register themselves (app.registry.importers)."""

from __future__ import annotations

from flask import Flask

from app.imports.routes import allow_import_size, bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # First of all before_request functions: Flask-WTF's CSRF check reads the request
    # body, so the upload route's own size limit must be set before it runs.
    first = app.before_request_funcs.setdefault(None, [])
    if allow_import_size not in first:
        first.insert(0, allow_import_size)
