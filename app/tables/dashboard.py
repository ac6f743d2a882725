"""The tables' dashboard panel: mentions of me, new comments in my tables, my next meetings."""

from __future__ import annotations

from app.partnerships.dashboard import panel
from app.tables import services


@panel
def tables_attention(partnership, membership):
    figures = services.attention(membership)
    if not (figures["unread_total"] or figures["meetings"] or figures["mentions_total"]):
        return None
    return {"title": "tables", "template": "tables/_panel.html", **figures}
