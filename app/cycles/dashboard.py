"""The cycles' dashboard panel: decisions waiting, missing measurements, latest values."""

from __future__ import annotations

from app.cycles import services
from app.partnerships.dashboard import panel


@panel
def cycles_attention(partnership, membership):
    figures = services.attention(membership)
    if not (figures["waiting"] or figures["missing"] or figures["latest"]):
        return None
    return {"title": "cycles", "template": "cycles/_panel.html", **figures}
