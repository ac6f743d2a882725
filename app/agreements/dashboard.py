"""The agreements' dashboard panel: revisits due within 30 days or overdue, and mine."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.agreements.models import ACTIVE, CONCEPT, ENDED, REVISIT_DUE, Agreement
from app.agreements.services import Filters, agreements_query
from app.extensions import db
from app.partnerships.dashboard import counts
from app.policy import role_may


def agreements_attention(partnership, membership, limit: int = 5):
    due = agreements_query(partnership.id, Filters(due="30"))
    mine = agreements_query(partnership.id, Filters(owner=membership.user_id)).where(
        Agreement.status != ENDED
    )
    due_total, mine_total = counts(due, mine)
    if not due_total and not mine_total:
        return None
    return {
        "title": _l("Agreements"),
        "template": "agreements/_panel.html",
        "due_total": due_total,
        "due": list(db.session.execute(due.limit(limit)).scalars()) if due_total else [],
        "mine_total": mine_total,
    }


GLANCE_STATUSES = (CONCEPT, ACTIVE, REVISIT_DUE, ENDED)


def agreements_glance(partnership, membership):
    """The agreements by status as one bar: each figure is the row count of the list page's
    own query with that status filter (archived ones left out, as on the list), counted in
    one statement."""
    if not role_may(membership.role, "agreement.view"):
        return None
    figures = counts(
        *(agreements_query(partnership.id, Filters(status=s)) for s in GLANCE_STATUSES)
    )
    total = sum(figures)
    segments, offset = [], 0.0
    for status, n in zip(GLANCE_STATUSES, figures, strict=True):
        width = 100.0 * n / total if total else 0.0
        segments.append({
            "status": status, "total": n, "x": round(offset, 2), "width": round(width, 2),
            "url": url_for("agreements.index", slug=partnership.slug, status=status),
        })  # fmt: skip
        offset += width
    return {"template": "agreements/_glance.html", "total": total, "segments": segments}
