"""The cycles' dashboard panel: decisions waiting, missing measurements, latest values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.agreements.services import register_origin
from app.cycles import services
from app.partnerships.dashboard import panel


@panel
def cycles_attention(partnership, membership):
    figures = services.attention(membership)
    if not (figures["waiting"] or figures["missing"] or figures["latest"]):
        return None
    return {"title": _l("Evaluation cycles"), "template": "cycles/_panel.html", **figures}


@register_origin("cycle")
def cycle_url(cycle_id: int):
    from flask import g, url_for

    from app.cycles.models import Cycle
    from app.extensions import db

    cycle = db.session.get(Cycle, cycle_id)
    return (
        url_for("cycles.show", slug=g.partnership.slug, number=cycle.number) + "#proposals"
        if cycle
        else None
    )
