"""The agreements' dashboard panel: revisits due within 30 days or overdue, and mine."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.agreements.models import ENDED, Agreement
from app.agreements.services import Filters, agreements_query
from app.extensions import db
from app.partnerships.dashboard import counts


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
