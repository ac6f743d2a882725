"""The risks' dashboard panel: high and critical risks, reviews overdue, my open measures."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.partnerships.dashboard import counts
from app.risks.models import Measure, Risk
from app.risks.services import OPEN_MEASURES, Filters, risks_query, thresholds
from app.timeutil import today


def risks_attention(partnership, membership, limit: int = 5):
    """The figures of app.risks.services.attention(), counted in one statement; only the
    lists the panel shows are read, and only when they have rows."""
    pid = partnership.id
    high = risks_query(pid, Filters()).where(
        Risk.residual_score >= thresholds(pid)[1], Risk.status != "gesloten"
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
