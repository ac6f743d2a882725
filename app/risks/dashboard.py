"""The risks' dashboard panel: high and critical risks, reviews overdue, my open measures."""

from __future__ import annotations

from flask import g, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.partnerships.dashboard import counts
from app.policy import role_may
from app.risks.models import Measure, Risk
from app.risks.services import (
    OPEN_MEASURES,
    Filters,
    heat_map,
    level,
    risks_query,
    thresholds,
)
from app.timeutil import today


def _thresholds(partnership_id: int) -> tuple[int, int, int]:
    """The level limits, read once per dashboard request (the panel and the miniature heat
    map both need them; the dashboard changes nothing)."""
    cached = g.get("risk_thresholds")
    if cached is None or cached[0] != partnership_id:
        cached = g.risk_thresholds = (partnership_id, thresholds(partnership_id))
    return cached[1]


def risks_attention(partnership, membership, limit: int = 5):
    """The figures of app.risks.services.attention(), counted in one statement; only the
    lists the panel shows are read, and only when they have rows."""
    pid = partnership.id
    high = risks_query(pid, Filters()).where(
        Risk.residual_score >= _thresholds(pid)[1], Risk.status != "gesloten"
    )
    overdue = risks_query(pid, Filters(overdue=True, sort="review"))
    measures = (
        select(Measure)
        .options(joinedload(Measure.risk))
        .join(Risk)
        .where(
            Measure.partnership_id == pid,
            Measure.owner_id == membership.user_id,
            Measure.status.in_(OPEN_MEASURES),
            Risk.archived_at.is_(None),
        )
        .order_by(Measure.due_on.is_(None), Measure.due_on)
    )
    high_total, overdue_total, measures_total = counts(high, overdue, measures)
    if not (high_total or overdue_total or measures_total):
        return None

    def rows(query, total):
        return list(db.session.execute(query.limit(limit)).scalars()) if total else []

    return {
        "title": _l("Risks"),
        "template": "risks/_panel.html",
        "high_total": high_total,
        "high": rows(high, high_total),
        "overdue_total": overdue_total,
        "measures_total": measures_total,
        "measures": rows(measures, measures_total),
        "today": today(),
    }


def risks_glance(partnership, membership):
    """The netto heat map in miniature: the heat map page's own grouped count (one
    statement), impact 5 at the top and likelihood 1 on the left as on that page."""
    if not role_may(membership.role, "risk.view"):
        return None
    grid = heat_map(partnership.id, "netto")
    limits = _thresholds(partnership.id)
    rows = [
        [
            {
                "likelihood": lk,
                "impact": im,
                "total": grid.get((lk, im), 0),
                "level": level(lk * im, limits),
            }
            for lk in range(1, 6)
        ]  # fmt: skip
        for im in range(5, 0, -1)
    ]
    return {
        "template": "risks/_glance.html",
        "rows": rows,
        "total": sum(grid.values()),
        "url": url_for("risks.heatmap", slug=partnership.slug),
    }
