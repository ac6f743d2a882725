"""The tables' dashboard panel: mentions of me, new comments in my tables, my next meetings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.tables import services


def tables_attention(partnership, membership):
    figures = services.attention(membership)
    if not (figures["unread_total"] or figures["meetings"] or figures["mentions_total"]):
        return None
    return {"title": _l("Thematic tables"), "template": "tables/_panel.html", **figures}
