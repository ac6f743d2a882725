"""What thematic tables add to the shared layers (history, the calendar, search and who
may find it, the dashboard, agreement origins), and init_app(), which wires the area in."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app import registry
from app.activity.objects import Target, in_partnership
from app.documents.services import document_ids
from app.exports.ics import event
from app.extensions import db
from app.markdown import plain_mentions
from app.partnerships.models import Membership
from app.policy import TABLE_MANAGE, TABLE_NONE, TABLE_READ, TABLE_TAKE_PART
from app.registry import (
    Attachable,
    AttachTarget,
    AuditType,
    CalendarQuery,
    DocumentScope,
    Indexer,
    ObjectKind,
)
from app.search.services import Doc, join_text
from app.tables.dashboard import tables_attention
from app.tables.forms import CONVERSATION_STATUS_LABELS, STATUS_LABELS
from app.tables.models import (
    OPEN,
    Comment,
    Conversation,
    Meeting,
    MeetingDecision,
    TableMember,
    ThematicTable,
)
from app.tables.routes import PAGE_LABELS, _page_of, bp
from app.tables.services import access_to
from app.urls import path_in

# --- history -------------------------------------------------------------------------------


def resolve_table(object_id: int, membership: Membership) -> Target | None:
    t = in_partnership(ThematicTable, object_id, membership)
    if t is None or access_to(t, membership) == TABLE_NONE:
        return None
    members = select(TableMember.id).where(TableMember.table_id == t.id)
    return Target("table", t, t.name,
                  url_for("tables.show", slug=membership.partnership.slug, table_id=t.id),
                  [("ThematicTable", t.id), ("TableMember", members)])  # fmt: skip


def resolve_conversation(object_id: int, membership: Membership) -> Target | None:
    c = in_partnership(Conversation, object_id, membership)
    if c is None:
        return None
    access = access_to(c.table, membership)
    if access == TABLE_NONE:
        return None
    comments = select(Comment.id).where(Comment.conversation_id == c.id)
    target = Target("conversation", c, c.title,
                    url_for("tables.conversation", slug=membership.partnership.slug,
                            table_id=c.table_id, conversation_id=c.id),
                    [("Conversation", c.id), ("Comment", comments)])  # fmt: skip
    # The documents of the comments a member may read (a hidden comment's: moderators only).
    readable = comments if access >= TABLE_MANAGE else comments.where(Comment.hidden_at.is_(None))
    target.audit.append(("Document", document_ids("comment", readable)))
    if access < TABLE_MANAGE:
        # The text of a hidden comment is for moderators only.
        hidden = select(Comment.id).where(
            Comment.conversation_id == c.id, Comment.hidden_at.is_not(None)
        )
        for comment_id in db.session.execute(hidden).scalars():
            target.redact[("Comment", comment_id)] = frozenset({"body"})
    return target


def resolve_meeting(object_id: int, membership: Membership) -> Target | None:
    m = in_partnership(Meeting, object_id, membership)
    if m is None or access_to(m.table, membership) == TABLE_NONE:
        return None
    decisions = select(MeetingDecision.id).where(MeetingDecision.meeting_id == m.id)
    return Target("meeting", m, m.title,
                  url_for("tables.meeting", slug=membership.partnership.slug, table_id=m.table_id,
                          meeting_id=m.id),
                  [("Meeting", m.id), ("MeetingDecision", decisions),
                   ("Document", document_ids("meeting", m.id))])  # fmt: skip


# --- documents: a table's documents are for those who may read the table -------------------


def attach_meeting(object_id: int, membership: Membership) -> AttachTarget | None:
    """A meeting's documents (signed minutes) are read by those who may read its table and
    attached by those who manage the table (who edit its meetings)."""
    m = in_partnership(Meeting, object_id, membership)
    if m is None:
        return None
    access = access_to(m.table, membership)
    if access < TABLE_READ:
        return None
    return AttachTarget(m, m.partnership_id, m.title,
                        url_for("tables.meeting", slug=membership.partnership.slug,
                                table_id=m.table_id, meeting_id=m.id),
                        may_read=True, may_attach=access >= TABLE_MANAGE)  # fmt: skip


def meeting_document_scope(document) -> DocumentScope | None:
    """A meeting's documents are found by those who may read its table."""
    m = db.session.get(Meeting, document.object_id)
    return DocumentScope(table_id=m.table_id) if m is not None else None


def comment_document_scope(document) -> DocumentScope | None:
    """A comment's documents are found by those who may read its table, and, like the
    comment itself, by no one while it is hidden."""
    comment = db.session.get(Comment, document.object_id)
    if comment is None or comment.hidden_at is not None:
        return None
    return DocumentScope(table_id=db.session.get(Conversation, comment.conversation_id).table_id)


def attach_comment(object_id: int, membership: Membership) -> AttachTarget | None:
    """A comment's documents are read by those who may read its table (a hidden comment's
    by its moderators only). Its author attaches them while they may comment there (the
    conversation is open and they take part); the table's moderators may too."""
    comment = db.session.get(Comment, object_id)
    if comment is None:
        return None
    c = in_partnership(Conversation, comment.conversation_id, membership)
    if c is None:
        return None
    access = access_to(c.table, membership)
    if access < TABLE_READ or (comment.hidden_at is not None and access < TABLE_MANAGE):
        return None
    may_comment = access >= TABLE_TAKE_PART and c.status == OPEN and comment.hidden_at is None
    own = comment.author_id == membership.user_id
    page = _page_of(c.id, comment.parent_id or comment.id)
    return AttachTarget(comment, c.partnership_id,
                        _("Comment by %(name)s in “%(title)s”", name=comment.author.name, title=c.title),
                        url_for("tables.conversation", slug=membership.partnership.slug,
                                table_id=c.table_id, conversation_id=c.id, page=page,
                                _anchor=f"comment-{comment.id}"),
                        may_read=True,
                        may_attach=may_comment and (own or access >= TABLE_MANAGE))  # fmt: skip


# --- calendar ------------------------------------------------------------------------------


def meeting_dates(q: CalendarQuery) -> list[list[str]]:
    """The meetings of the tables one is a member or the chair of."""
    my_tables = select(TableMember.table_id).where(TableMember.user_id == q.user.id)
    chaired = select(ThematicTable.id).where(ThematicTable.chair_id == q.user.id)
    meetings = db.session.execute(
        select(Meeting).where(
            Meeting.partnership_id.in_(q.partnership_ids),
            or_(Meeting.table_id.in_(my_tables), Meeting.table_id.in_(chaired)),
            Meeting.starts_at >= datetime.combine(q.start, datetime.min.time()),
            Meeting.starts_at < datetime.combine(q.end, datetime.min.time()),
        ).order_by(Meeting.starts_at).limit(q.limit)
    ).scalars()  # fmt: skip
    return [event(
        f"meeting-{m.id}@samenspel", m.title, m.starts_at, m.ends_at, m.place, m.agenda,
        q.url("tables.meeting", m.partnership_id, table_id=m.table_id, meeting_id=m.id),
    ) for m in meetings]  # fmt: skip


# --- search: readable by who may read the table -------------------------------------------


def index_conversation(conversation: Conversation):
    url = path_in(conversation.partnership_id, "tables.conversation",
                  table_id=conversation.table_id, conversation_id=conversation.id)  # fmt: skip
    return [("conversation", conversation.id, Doc(
        "conversation", conversation.id, conversation.partnership_id, conversation.title,
        join_text(conversation.introduction, conversation.conclusion), url,
        table_id=conversation.table_id,
    ))]  # fmt: skip


def index_comment(comment: Comment):
    if comment.hidden_at is not None:
        return [("comment", comment.id, None)]
    conversation = db.session.get(Conversation, comment.conversation_id)
    url = path_in(conversation.partnership_id, "tables.comment_link", table_id=conversation.table_id,
                  conversation_id=conversation.id, comment_id=comment.id)  # fmt: skip
    return [("comment", comment.id, Doc(
        "comment", comment.id, conversation.partnership_id, conversation.title,
        plain_mentions(comment.body),
        url, table_id=conversation.table_id,
    ))]  # fmt: skip


def index_meeting(meeting: Meeting):
    url = path_in(meeting.partnership_id, "tables.meeting", table_id=meeting.table_id,
        meeting_id=meeting.id,
    )  # fmt: skip
    return [("meeting", meeting.id, Doc(
        "meeting", meeting.id, meeting.partnership_id, meeting.title,
        join_text(meeting.place, meeting.agenda, meeting.minutes), url, table_id=meeting.table_id,
    ))]  # fmt: skip


def readable_tables(membership: Membership, documents: type) -> list:
    """A partner finds only what was said in the tables they are a member or chair of
    (see policy.table_access); other roles read every table."""
    if membership.role != "partner":
        return []
    member_of = select(TableMember.table_id).where(TableMember.user_id == membership.user_id)
    chair_of = select(ThematicTable.id).where(ThematicTable.chair_id == membership.user_id)
    column = documents.table_id
    return [or_(column.is_(None), column.in_(member_of), column.in_(chair_of))]


# --- where an agreement came from ---------------------------------------------------------


def conversation_url(conversation_id: int) -> str | None:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    return url_for("tables.conversation", slug=g.partnership.slug, table_id=conversation.table_id,
                   conversation_id=conversation.id) + "#conclusion"  # fmt: skip


def decision_url(decision_id: int) -> str | None:
    decision = db.session.get(MeetingDecision, decision_id)
    meeting = db.session.get(Meeting, decision.meeting_id) if decision else None
    if meeting is None:
        return None
    return url_for("tables.meeting", slug=g.partnership.slug, table_id=meeting.table_id,
                   meeting_id=meeting.id) + "#decisions"  # fmt: skip


def table_titles(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(
        select(ThematicTable.id, ThematicTable.name).where(ThematicTable.id.in_(ids))
    )
    return dict(rows.all())


def conversation_titles(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(
        select(Conversation.id, Conversation.title).where(Conversation.id.in_(ids))
    )
    return dict(rows.all())


def meeting_titles(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(select(Meeting.id, Meeting.title).where(Meeting.id.in_(ids)))
    return dict(rows.all())


AUDIT_TYPES = {
    "ThematicTable": AuditType(
        _l("Thematic table"), history_kind="table", values={"status": STATUS_LABELS}
    ),
    "TableMember": AuditType(_l("Table member"), references={"table_id": "table"}),
    "Conversation": AuditType(
        _l("Conversation"),
        history_kind="conversation",
        values={"status": CONVERSATION_STATUS_LABELS},
        references={"table_id": "table", "agreement_id": "agreement"},
    ),
    "Comment": AuditType(_l("Comment"), references={"conversation_id": "conversation"}),
    "Meeting": AuditType(_l("Meeting"), history_kind="meeting", references={"table_id": "table"}),
    "MeetingDecision": AuditType(
        _l("Meeting decision"), references={"meeting_id": "meeting", "agreement_id": "agreement"}
    ),
}

INDEXERS = [
    Indexer(Conversation, index_conversation, everything=lambda: select(Conversation)),
    # In order: a comment's document id then follows the order the comments were written,
    # which is how search lists comments (newest first).
    Indexer(
        Comment, index_comment,
        everything=lambda: select(Comment).where(Comment.hidden_at.is_(None)).order_by(Comment.id),
    ),
    Indexer(Meeting, index_meeting, everything=lambda: select(Meeting)),
]  # fmt: skip

SEARCH_KINDS = {
    "conversation": _l("Conversations"),
    "comment": _l("Comments"),
    "meeting": _l("Meetings"),
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry.page_labels.register("tables", PAGE_LABELS)
    registry.objects.register("table", ObjectKind(resolve_table))
    registry.objects.register("conversation", ObjectKind(resolve_conversation, followable=True))
    registry.objects.register("meeting", ObjectKind(resolve_meeting))
    registry.attachables.register(
        "meeting", Attachable(_l("Meeting"), attach_meeting, search_scope=meeting_document_scope)
    )
    registry.attachables.register(
        "comment", Attachable(_l("Comment"), attach_comment, search_scope=comment_document_scope)
    )
    for name, audit_type in AUDIT_TYPES.items():
        registry.audit_types.register(name, audit_type)
    registry.titles.register("table", table_titles)
    registry.titles.register("conversation", conversation_titles)
    registry.titles.register("meeting", meeting_titles)
    registry.calendar_sources.register("meetings", meeting_dates)
    for indexer in INDEXERS:
        registry.indexers.register(indexer.model, indexer)
    for kind, heading in SEARCH_KINDS.items():
        registry.search_kinds.register(kind, heading)
    registry.search_filters.register("tables", readable_tables)
    registry.panels.register("tables", registry.Panel(tables_attention))
    registry.origins.register("conversation", conversation_url)
    registry.origins.register("meeting_decision", decision_url)
