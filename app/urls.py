"""Paths of pages outside a request too: services, reminders, mails and the search index
link to partnership pages by endpoint."""

from __future__ import annotations

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
