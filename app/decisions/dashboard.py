"""The decisions' dashboard panel: proposals your organisation still has to answer."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.decisions import services
from app.decisions.models import Proposal
from app.policy import role_may
from app.registry import GlanceCount
from app.timeutil import utcnow


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


def open_proposals_count(partnership, membership):
    """The open proposals this member may see, as the decisions page lists them (that page
    first closes the ones whose closing time passed, so those are left out here)."""
    if not role_may(membership.role, "decision.view"):
        return None
    query = services.proposals_query(membership, "open").where(Proposal.closes_at > utcnow())
    return GlanceCount(
        _l("Open proposals"), query,
        url_for("decisions.index", slug=partnership.slug, status="open"),
    )  # fmt: skip
