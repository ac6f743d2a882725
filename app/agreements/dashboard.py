"""The agreements' dashboard panel: revisits due within 30 days or overdue, and mine."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.agreements import services


def agreements_attention(partnership, membership):
    due_total, due = services.due_soon(partnership.id)
    mine_total, _ = services.owned_by(partnership.id, membership.user_id, limit=0)
    if not due_total and not mine_total:
        return None
    return {
        "title": _l("Agreements"),
        "template": "agreements/_panel.html",
        "due_total": due_total,
        "due": due,
        "mine_total": mine_total,
    }
