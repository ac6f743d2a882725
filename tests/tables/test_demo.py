"""The demo tables of Eemland-BSA: conversations, a conclusion that became an agreement,
meetings with minutes and decisions, one long conversation; loading again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.agreements.models import Agreement
from app.extensions import db
from app.partnerships.models import Partnership
from app.seeds import load_demo
from app.tables import services
from app.tables.models import (
    CLOSED,
    Comment,
    Conversation,
    Meeting,
    MeetingAttendee,
    MeetingDecision,
    ThematicTable,
)
from app.timeutil import utcnow
from tests.tables.helpers import state

TABLES = {"Gezinsgericht werken", "18-/18+", "Informatiepositie en sturingsinformatie"}


def test_the_demo_tables_and_loading_them_twice(demo_database, ctx):
    first = state()

    eemland = db.session.execute(
        select(Partnership).where(Partnership.slug == "eemland-bsa")
    ).scalar_one()
    tables = list(
        db.session.execute(
            select(ThematicTable).where(ThematicTable.partnership_id == eemland.id)
        ).scalars()
    )
    assert {t.name for t in tables} == TABLES
    for table in tables:
        members = services.members_of(table)
        assert table.chair_id in {m.user_id for m in members}, table.name
        assert table.theme and table.goal
        # People from several organisations sit at every table.
        from app.partnerships.models import Membership

        organisations = set(
            db.session.execute(
                select(Membership.organisation_id).where(
                    Membership.partnership_id == eemland.id,
                    Membership.user_id.in_([m.user_id for m in members]),
                )
            ).scalars()
        )
        assert len(organisations) >= 2, table.name
        conversations = [r.conversation for r in services.conversations_of(table, table.chair_id)]
        assert len([c for c in conversations if c.comment_count >= 5]) >= 2, table.name
        upcoming, past = services.meetings_of(table)
        assert upcoming and past, table.name
        assert all(m.minutes for m in past), table.name

    conversations = list(
        db.session.execute(
            select(Conversation).where(Conversation.partnership_id == eemland.id)
        ).scalars()
    )
    closed = [c for c in conversations if c.status == CLOSED]
    assert len(closed) >= 2 and all(c.conclusion and c.closed_by_id for c in closed)
    [became] = [c for c in closed if c.agreement_id]
    agreement = db.session.get(Agreement, became.agreement_id)
    assert (agreement.origin_type, agreement.origin_id) == ("conversation", became.id)
    assert agreement.partnership_id == eemland.id
    assert any(kind == "conclusion" for kind, _, _ in services.outcomes_of(became.table))
    assert services.events_of(became)[0].action == "close"

    # Every counter agrees with the comments it counts.
    for conversation in conversations:
        total, top, last_id, last_at = db.session.execute(
            select(func.count(Comment.id),
                   func.count(Comment.id).filter(Comment.parent_id.is_(None)),
                   func.max(Comment.id), func.max(Comment.created_at))
            .where(Comment.conversation_id == conversation.id)
        ).one()  # fmt: skip
        assert conversation.comment_count == total, conversation.title
        assert conversation.top_level_count == top, conversation.title
        assert conversation.last_comment_id == (last_id or 0), conversation.title
        assert conversation.last_comment_at == last_at, conversation.title
    [long] = [c for c in conversations if c.comment_count > 400]
    assert services.comments_page(long, 1).pages >= 9
    # Replies exist, and only one level deep.
    replies = list(
        db.session.execute(
            select(Comment).where(Comment.parent_id.is_not(None))
            .join(Conversation).where(Conversation.partnership_id == eemland.id)
        ).scalars()
    )  # fmt: skip
    assert replies and all(db.session.get(Comment, r.parent_id).parent_id is None for r in replies)

    meetings = list(
        db.session.execute(select(Meeting).where(Meeting.partnership_id == eemland.id)).scalars()
    )
    past = [m for m in meetings if m.ends_at < utcnow()]
    assert past and all(m.minutes for m in past)
    assert (
        db.session.execute(
            select(func.count(MeetingDecision.id)).where(
                MeetingDecision.meeting_id.in_([m.id for m in past]),
                MeetingDecision.owner_id.is_not(None),
            )
        ).scalar_one()
        >= 3
    )
    # Attendance is recorded for past meetings, someone was absent.
    presence = set(
        db.session.execute(
            select(MeetingAttendee.present).where(
                MeetingAttendee.meeting_id.in_([m.id for m in past])
            )
        ).scalars()
    )
    assert presence == {True, False}
    assert all(m.ends_at > m.starts_at for m in meetings)

    # The page shows comments by id: their dates read in the same order.
    for conversation in conversations:
        top = list(
            db.session.execute(
                select(Comment.created_at)
                .where(Comment.conversation_id == conversation.id, Comment.parent_id.is_(None))
                .order_by(Comment.id)
            ).scalars()
        )
        assert top == sorted(top), conversation.title
        assert all(conversation.created_at <= at for at in top), conversation.title

    assert load_demo() == 0
    assert state() == first
