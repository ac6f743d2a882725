"""Helpers for the thematic table tests: tables, conversations, comments and meetings made
through the services, bulk data, URLs and reading pages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

from sqlalchemy import func, insert, select

from app.activity.models import AuditEvent
from app.extensions import db
from app.tables import services
from app.tables.models import (
    Comment,
    CommentRevision,
    Conversation,
    ConversationEvent,
    Meeting,
    MeetingAttendee,
    MeetingDecision,
    Mention,
    ReadMarker,
    TableMember,
    ThematicTable,
)
from app.timeutil import utcnow

# The standard table of these tests: made by the programmamanager, chaired by the
# bestuurder (so the chair is not a manager by role), with a teamlid and a partner.
CHAIR = "bestuurder"
MEMBERS = ("teamlid", "partner")


def uid(world, role: str) -> int:
    return world.users[role].id


def make_table(
    world, *, name: str = "Gezinsgericht werken", chair: str | None = CHAIR,
    members: tuple[str, ...] = MEMBERS, by: str = "programmamanager", **over,
) -> ThematicTable:  # fmt: skip
    """A table made through the services (needs a request context)."""
    data = {
        "name": name,
        "theme": "Eén gezin, **één plan**.",
        "goal": "Beleid aanscherpen.",
        "chair_id": uid(world, chair) if chair else None,
        **over,
    }
    table = services.create_table(world.partnership.id, data, uid(world, by))
    for role in members:
        if not services.is_member(table.id, uid(world, role)):
            services.add_member(table, uid(world, role), uid(world, by))
    return table


def access(world, role: str, table: ThematicTable) -> int:
    return services.access_to(table, world.memberships[role])


def start(world, table: ThematicTable, role: str = "teamlid", title: str = "Wie houdt de regie?",
          introduction: str = "Meerdere aanbieders in *één* gezin.") -> Conversation:  # fmt: skip
    return services.start_conversation(
        table, access(world, role, table), uid(world, role), title, introduction
    )


def say(world, conversation: Conversation, role: str, body: str, parent_id=None) -> Comment:
    """A comment (or reply) by the member in this role, through the service."""
    table = db.session.get(ThematicTable, conversation.table_id)
    return services.post_comment(
        conversation, access(world, role, table), uid(world, role), body, parent_id
    )


def close(world, conversation: Conversation, role: str = "programmamanager",
          conclusion: str = "We werken met **één regisseur** per gezin.") -> None:  # fmt: skip
    table = db.session.get(ThematicTable, conversation.table_id)
    services.close_conversation(conversation, access(world, role, table), uid(world, role),
                                conclusion)  # fmt: skip


def plan(world, table: ThematicTable, starts: datetime, hours: int = 2, role: str = "programmamanager",
         **over) -> Meeting:  # fmt: skip
    """A meeting starting at `starts` (Dutch local time, naive) through the service."""
    data = {
        "title": "Bijeenkomst thematafel",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=hours),
        "place": "Stadhuis Amersfoort, zaal 2",
        "agenda": "1. Opening\n2. Regie in gezinnen",
        "minutes": "",
        **over,
    }
    return services.create_meeting(table, access(world, role, table), data, uid(world, role))


def local_now() -> datetime:
    """Now as a naive Dutch local time, the way a form gives times, to the minute."""
    from app.timeutil import local

    return local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)


def in_context(app, func, *args, **kwargs):
    """Run func in a request context of the app, the way a route calls a service."""
    with app.test_request_context():
        try:
            return func(*args, **kwargs)
        finally:
            db.session.remove()


def bulk_comments(conversation_id: int, authors: list[int], count: int, *,
                  replies_every: int = 0, start: datetime | None = None) -> None:  # fmt: skip
    """`count` top-level comments inserted in bulk (and a reply to every n-th), with the
    conversation's counters set as post_comment keeps them (needs an application context)."""
    start = start or utcnow() - timedelta(days=3)
    db.session.execute(
        insert(Comment),
        [
            {"conversation_id": conversation_id, "author_id": authors[i % len(authors)],
             "body": f"Bijdrage {i + 1} met **nadruk**.", "created_at": start + timedelta(seconds=i),
             "version": 1, "hidden_reason": ""}
            for i in range(count)
        ],
    )  # fmt: skip
    if replies_every:
        parents = list(
            db.session.execute(
                select(Comment.id)
                .where(Comment.conversation_id == conversation_id, Comment.parent_id.is_(None))
                .order_by(Comment.id)
            ).scalars()
        )[::replies_every]
        db.session.execute(
            insert(Comment),
            [
                {"conversation_id": conversation_id, "parent_id": pid,
                 "author_id": authors[(n + 1) % len(authors)], "body": f"Antwoord op {pid}.",
                 "created_at": start + timedelta(seconds=count + n), "version": 1,
                 "hidden_reason": ""}
                for n, pid in enumerate(parents)
            ],
        )  # fmt: skip
    total, top, last_id, last_at = db.session.execute(
        select(
            func.count(Comment.id),
            func.count(Comment.id).filter(Comment.parent_id.is_(None)),
            func.max(Comment.id),
            func.max(Comment.created_at),
        ).where(Comment.conversation_id == conversation_id)
    ).one()
    db.session.execute(
        Conversation.__table__.update()
        .where(Conversation.id == conversation_id)
        .values(comment_count=total, top_level_count=top, last_comment_id=last_id,
                last_comment_at=last_at)
    )  # fmt: skip
    db.session.commit()


def count(model, **by) -> int:
    return db.session.execute(select(func.count()).select_from(model).filter_by(**by)).scalar_one()


def state() -> dict:
    """Everything the tables area stores, as plain values, and the audit trail's size."""

    def rows(model):
        return [
            {c.key: getattr(obj, c.key) for c in model.__table__.columns}
            for obj in db.session.execute(select(model).order_by(model.id)).scalars()
        ]

    db.session.expire_all()
    return {
        model.__name__: rows(model)
        for model in (
            ThematicTable,
            TableMember,
            Conversation,
            ConversationEvent,
            Comment,
            CommentRevision,
            Mention,
            ReadMarker,
            Meeting,
            MeetingAttendee,
            MeetingDecision,
        )  # fmt: skip
    } | {"audit": db.session.execute(select(func.count(AuditEvent.id))).scalar_one()}


# --- pages ------------------------------------------------------------------------------


def url(world, path: str = "") -> str:
    return f"/p/{world.slug}/tables{path}"


def html(response) -> str:
    return response.get_data(as_text=True)


def main_of(response) -> str:
    page = html(response)
    return page[page.index("<main") : page.index("</main>")]


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def logged_in(app, email: str):
    """A new client with its own session, signed in as email."""
    from tests.conftest import sign_in

    return sign_in(app.test_client(), email)


def flashed(client, response) -> str:
    """The messages shown on the page a redirect leads to."""
    from tests.conftest import alert_text

    assert response.status_code == 302, html(response)[:800]
    return alert_text(html(client.get(response.headers["Location"])))


def article(page: str, comment_id: int) -> str:
    """The HTML of one comment (without its replies' forms) on a page."""
    start = page.index(f'id="comment-{comment_id}"')
    end = page.find('class="ss-actions"', start)
    return page[start:end]
