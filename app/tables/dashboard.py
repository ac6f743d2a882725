"""The tables' dashboard panel: mentions of me, new comments in my tables, my next meetings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.agreements.services import register_origin
from app.partnerships.dashboard import panel
from app.tables import services


@panel
def tables_attention(partnership, membership):
    figures = services.attention(membership)
    if not (figures["unread_total"] or figures["meetings"] or figures["mentions_total"]):
        return None
    return {"title": _l("Thematic tables"), "template": "tables/_panel.html", **figures}


@register_origin("conversation")
def conversation_url(conversation_id: int):
    from flask import g, url_for

    from app.extensions import db
    from app.tables.models import Conversation

    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    return url_for("tables.conversation", slug=g.partnership.slug, table_id=conversation.table_id,
                   conversation_id=conversation.id) + "#conclusion"  # fmt: skip


@register_origin("meeting_decision")
def decision_url(decision_id: int):
    from flask import g, url_for

    from app.extensions import db
    from app.tables.models import Meeting, MeetingDecision

    decision = db.session.get(MeetingDecision, decision_id)
    meeting = db.session.get(Meeting, decision.meeting_id) if decision else None
    if meeting is None:
        return None
    return url_for("tables.meeting", slug=g.partnership.slug, table_id=meeting.table_id,
                   meeting_id=meeting.id) + "#decisions"  # fmt: skip
