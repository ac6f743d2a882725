"""Paths of pages outside a request too: services, reminders, mails and the search index
link to partnership pages by endpoint."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, has_request_context, url_for

from app.extensions import db
from app.partnerships.models import Partnership


def path_for(endpoint: str, **values) -> str:
    """url_for's path, also outside a request (CLI commands, the demo loader)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def path_in(partnership_id: int, endpoint: str, **values) -> str:
    """path_for() of a partnership page, by the partnership's id (its slug looked up once
    per request or command)."""
    slugs = g.setdefault("partnership_slugs", {})
    if partnership_id not in slugs:
        slugs[partnership_id] = db.session.get(Partnership, partnership_id).slug
    return path_for(endpoint, slug=slugs[partnership_id], **values)


# Put in the place of the varying argument; digits only, so url_for leaves it as it is.
_MARKER = 918273645546372819


def url_pattern(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """url_for for many links that differ only in one integer argument (the rows of a
    list): the URL is built once, and each link puts its number in that argument's place.
    ``url_pattern("tables.edit_comment", "comment_id", slug=…, …)(7)`` equals
    ``url_for("tables.edit_comment", slug=…, …, comment_id=7)``."""
    prefix, _, suffix = url_for(endpoint, **values, **{key: _MARKER}).partition(str(_MARKER))
    return lambda number: f"{prefix}{int(number)}{suffix}"
