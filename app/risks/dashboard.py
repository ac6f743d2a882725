"""The risks' dashboard panel: high and critical risks, reviews overdue, my open measures."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.agreements.services import register_related
from app.partnerships.dashboard import panel
from app.risks import services


@panel
def risks_attention(partnership, membership):
    figures = services.attention(partnership.id, membership.user_id)
    if not (figures["high_total"] or figures["overdue_total"] or figures["measures_total"]):
        return None
    return {"title": _l("Risks"), "template": "risks/_panel.html", **figures}


@register_related
def measures_of_agreement(agreement):
    measures = services.measures_for_agreement(agreement.id)
    return {"template": "risks/_agreement_measures.html", "measures": measures}
