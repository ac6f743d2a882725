"""The dashboard's "wat vraagt mijn aandacht" panels; each area registers its own
(app.registry.panels).

A panel is a function (partnership, membership) -> dict | None with keys
``title``, ``template`` and the template's context; None hides the panel.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from sqlalchemy import func, select

from app.extensions import db
from app.kept import kept_fragment
from app.registry import glance_counts, glances, panels


def counts(*queries) -> tuple[int, ...]:
    """The number of rows of each query, all in one statement (a panel's figures)."""
    columns = [
        select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()
        for query in queries
    ]
    return tuple(db.session.execute(select(*columns)).one())


def attention_panels(partnership, membership) -> list[dict]:
    return [p for p in (func(partnership, membership) for func in panels) if p]


def at_a_glance(partnership, membership) -> dict:
    """The "at a glance" row: the areas' small visuals (app.registry.glances) and their big
    counts (app.registry.glance_counts), the counts all in one statement. The visuals read
    the whole partnership's data and differ only by role and language: their HTML is kept
    until that data changes (app/kept.py); the counts are the member's own, read each time."""

    def visuals() -> str:
        found = [v for v in (func(partnership, membership) for func in glances) if v]
        return render_template("partnerships/_glance_visuals.html", visuals=found)

    key = ("glance", partnership.id, membership.role, str(get_locale()))
    entries = [e for e in (func(partnership, membership) for func in glance_counts) if e]
    figures = counts(*(e.query for e in entries)) if entries else ()
    return {
        "visuals": kept_fragment(key, visuals),
        "counts": [
            {"label": e.label, "url": e.url, "total": n}
            for e, n in zip(entries, figures, strict=True)
        ],
    }
