"""The cycles' dashboard panel: decisions waiting, missing measurements, latest values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.cycles import services


def cycles_attention(partnership, membership):
    figures = services.attention(membership)
    if not (figures["waiting"] or figures["missing"] or figures["latest"]):
        return None
    return {"title": _l("Evaluation cycles"), "template": "cycles/_panel.html", **figures}
