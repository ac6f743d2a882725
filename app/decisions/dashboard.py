"""The decisions' dashboard panel: proposals your organisation still has to answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.decisions import services


def decisions_attention(partnership, membership):
    total, proposals = services.awaiting(membership)
    if not total:
        return None
    return {
        "title": _l("Decisions your organisation still has to answer"),
        "template": "decisions/_panel.html",
        "total": total,
        "proposals": proposals,
    }
