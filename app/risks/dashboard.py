"""The risks' dashboard panel: high and critical risks, reviews overdue, my open measures."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.risks import services


def risks_attention(partnership, membership):
    figures = services.attention(partnership.id, membership.user_id)
    if not (figures["high_total"] or figures["overdue_total"] or figures["measures_total"]):
        return None
    return {"title": _l("Risks"), "template": "risks/_panel.html", **figures}
