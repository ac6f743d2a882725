"""The reviews' dashboard panel: my open actions, my team's concept reviews, new 3e-orde lessons."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.policy import role_may
from app.registry import GlanceCount
from app.reviews import services


def reviews_attention(partnership, membership):
    figures = services.dashboard_figures(membership)
    if not (figures["actions_total"] or figures["concepts_total"] or figures["level3_total"]):
        return None
    return {"title": _l("Reviews and actions"), "template": "reviews/_panel.html", **figures}


def open_actions_count(partnership, membership):
    """The open actions, as the actions page lists them."""
    if not role_may(membership.role, "review.view"):
        return None
    return GlanceCount(
        _l("Open actions"),
        services.open_actions(partnership.id),
        url_for("reviews.actions", slug=partnership.slug),
    )
