"""The dashboard's "wat vraagt mijn aandacht" panels; each area registers its own
(app.registry.panels, a Panel each): its compose(partnership, membership) gives a dict
with ``title``, ``template`` and the template's context, or None to hide the panel.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup
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


def attention_panels(partnership, membership) -> list[dict | Markup]:
    """The panels to show, in registration order: a kept panel (Panel.kept) as its HTML,
    kept per member and language until what it reads changes (app/kept.py); any other as
    its composed context, rendered by the dashboard's template."""
    shown: list[dict | Markup] = []
    locale = str(get_locale())
    for name, panel in panels.items():
        if not panel.kept:
            found = panel.compose(partnership, membership)
        else:

            def html(panel=panel) -> str:
                found = panel.compose(partnership, membership)
                return render_template("partnerships/_panel.html", panel=found) if found else ""

            key = ("panel", name, partnership.id, membership.user_id, membership.role,
                   membership.organisation_id, locale)  # fmt: skip
            found = kept_fragment(key, html)
        if found:
            shown.append(found)
    return shown


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
