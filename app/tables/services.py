"""Use cases of thematic tables: tables and members, conversations and comments, meetings."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from app.activity.notifications import comment_posted, follow_automatically, notify
from app.activity.services import record
from app.agreements import services as agreements
from app.agreements.models import Agreement
from app.auth.models import User
from app.documents import search as document_search
from app.errors import ServiceError
from app.extensions import db
from app.markdown import MENTION_TOKEN, mention_token
from app.partnerships.models import Membership
from app.partnerships.services import members_of as partnership_members
from app.policy import READ_ONLY_ROLES, TABLE_MANAGE, TABLE_NONE, TABLE_TAKE_PART, table_access
from app.registry import table_outcomes
from app.tables.models import (
    ACTIVE,
    CLOSED,
    FINISHED,
    OPEN,
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
from app.timeutil import LOCAL, utcnow
from app.urls import path_in

COMMENTS_PER_PAGE = 50


def handle(user: User) -> str:
    """The @name of a person: the part of their e-mail address before the @."""
    return user.email.split("@", 1)[0]


# --- access -----------------------------------------------------------------------------


@cache
def _page_statements() -> dict:
    """Built once, with bind parameters: every conversation page runs them, and building
    a statement (with its loader options) and its cache key costs more than running it."""
    conversation_id, user_id = bindparam("conversation_id"), bindparam("user_id")
    top_level = (Comment.conversation_id == conversation_id, Comment.parent_id.is_(None))
    author, hider = aliased(User), aliased(User)
    shown = (
        select(*SHOWN_COLUMNS, author.name, hider.name)
        .join(author, author.id == Comment.author_id)
        .outerjoin(hider, hider.id == Comment.hidden_by_id)
    )
    return {
        "is_member": select(TableMember.id).where(
            TableMember.table_id == bindparam("table_id"), TableMember.user_id == user_id
        ),
        "events": select(ConversationEvent)
        .options(joinedload(ConversationEvent.user))
        .where(ConversationEvent.conversation_id == conversation_id)
        .order_by(ConversationEvent.at, ConversationEvent.id),
        "top_level": shown.where(*top_level)
        .order_by(Comment.id)
        .offset(bindparam("skip"))
        .limit(bindparam("size")),
        "top_level_newest": shown.where(*top_level)
        .order_by(Comment.id.desc())
        .offset(bindparam("skip"))
        .limit(bindparam("size")),
        "replies": shown.where(
            Comment.conversation_id == conversation_id,
            Comment.parent_id.in_(bindparam("parents", expanding=True)),
        ).order_by(Comment.id),
        "last_read": select(func.coalesce(func.max(ReadMarker.last_read_comment_id), 0)).where(
            ReadMarker.conversation_id == conversation_id, ReadMarker.user_id == user_id
        ),
        "unseen_mention": select(Mention.id)
        .where(
            Mention.conversation_id == conversation_id,
            Mention.user_id == user_id,
            Mention.seen_at.is_(None),
        )
        .limit(1),
        "mentioned_names": select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.partnership_id == bindparam("partnership_id"),
            Membership.active.is_(True),
            User.id.in_(bindparam("ids", expanding=True)),
        ),
    }


def is_member(table_id: int, user_id: int) -> bool:
    values = {"table_id": table_id, "user_id": user_id}
    return db.session.execute(_page_statements()["is_member"], values).first() is not None


def access_to(table: ThematicTable, membership: Membership) -> int:
    return table_access(membership, table.chair_id, is_member(table.id, membership.user_id))


def _require(level: int, needed: int, message) -> None:
    if level < needed:
        raise ServiceError(message)


# --- tables ------------------------------------------------------------------------------


@dataclass
class TableRow:
    table: ThematicTable
    members: int
    conversations: int
    unread: int
    mine: bool


def tables_for(membership: Membership) -> list[TableRow]:
    """The tables this member may see, with counts and unread conversations; four queries."""
    user_id = membership.user_id
    tables = list(
        db.session.execute(
            select(ThematicTable)
            .options(joinedload(ThematicTable.chair))
            .where(ThematicTable.partnership_id == membership.partnership_id)
            .order_by(ThematicTable.status, ThematicTable.name)
        ).scalars()
    )
    ids = [t.id for t in tables]
    if not ids:
        return []
    members = dict(
        db.session.execute(
            select(TableMember.table_id, func.count(TableMember.id))
            .where(TableMember.table_id.in_(ids))
            .group_by(TableMember.table_id)
        ).all()
    )
    mine = set(
        db.session.execute(
            select(TableMember.table_id).where(
                TableMember.table_id.in_(ids), TableMember.user_id == user_id
            )
        ).scalars()
    )
    counts = {
        row.table_id: (row.total, row.unread)
        for row in db.session.execute(
            select(
                Conversation.table_id,
                func.count(Conversation.id).label("total"),
                func.count(Conversation.id)
                .filter(
                    Conversation.last_comment_id > func.coalesce(ReadMarker.last_read_comment_id, 0)
                )
                .label("unread"),
            )
            .outerjoin(
                ReadMarker,
                and_(ReadMarker.conversation_id == Conversation.id, ReadMarker.user_id == user_id),
            )
            .where(Conversation.table_id.in_(ids))
            .group_by(Conversation.table_id)
        )
    }
    rows = []
    for table in tables:
        if table_access(membership, table.chair_id, table.id in mine) == TABLE_NONE:
            continue
        total, unread = counts.get(table.id, (0, 0))
        rows.append(TableRow(table, members.get(table.id, 0), total, unread, table.id in mine))
    return rows


def chair_candidates(partnership_id: int) -> list[tuple[int, str]]:
    """(user id, name) of the active members who may chair a table: never a reader, who
    reads and never writes (see policy.READ_ONLY_ROLES)."""
    return [
        (row.id, row.name)
        for row in db.session.execute(
            select(User.id, User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.partnership_id == partnership_id,
                Membership.active.is_(True),
                Membership.role.not_in(READ_ONLY_ROLES),
            )
            .order_by(User.name)
        )
    ]


def _check_table(data: dict, partnership_id: int) -> dict:
    name = (data.get("name") or "").strip()
    if not name:
        raise ServiceError(_l("Enter a name."), "name")
    if len(name) > 200:
        raise ServiceError(_l("Use at most %(n)s characters.", n=200), "name")
    clean = {"name": name}
    for field in ("theme", "goal"):
        clean[field] = (data.get(field) or "").strip()
        if len(clean[field]) > 20000:
            raise ServiceError(_l("Use at most %(n)s characters.", n=20000), field)
    chair_id = data.get("chair_id")
    chair_id = int(chair_id) if chair_id not in (None, "", 0) else None
    if chair_id is not None and chair_id not in {u for u, _ in chair_candidates(partnership_id)}:
        if chair_id in {u for u, _ in partnership_members(partnership_id)}:
            raise ServiceError(
                _l("A reader cannot chair a table. Choose someone else."), "chair_id"
            )
        raise ServiceError(_l("Choose a chair who is a member of this partnership."), "chair_id")
    clean["chair_id"] = chair_id
    status = data.get("status") or ACTIVE
    if status not in (ACTIVE, FINISHED):
        raise ServiceError(_l("Choose a status."), "status")
    clean["status"] = status
    return clean


def create_table(partnership_id: int, data: dict, user_id: int) -> ThematicTable:
    clean = _check_table(data, partnership_id)
    table = ThematicTable(partnership_id=partnership_id, **clean)
    db.session.add(table)
    db.session.flush()
    record("create", table, partnership_id=partnership_id, actor_id=user_id)
    # The chair and the maker take part from the start.
    for uid in {clean["chair_id"], user_id} - {None}:
        db.session.add(TableMember(table_id=table.id, user_id=uid))
    db.session.commit()
    return table


def update_table(table: ThematicTable, data: dict, user_id: int) -> None:
    clean = _check_table(data, table.partnership_id)
    for name, value in clean.items():
        setattr(table, name, value)
    record("update", table, partnership_id=table.partnership_id, actor_id=user_id)
    if clean["chair_id"] and not is_member(table.id, clean["chair_id"]):
        db.session.add(TableMember(table_id=table.id, user_id=clean["chair_id"]))
    db.session.commit()


def members_of(table: ThematicTable) -> list[TableMember]:
    return list(
        db.session.execute(
            select(TableMember)
            .join(User, User.id == TableMember.user_id)
            .options(joinedload(TableMember.user))
            .where(TableMember.table_id == table.id)
            .order_by(User.name)
        ).scalars()
    )


def add_member(table: ThematicTable, user_id: int, actor_id: int) -> None:
    if user_id not in {u for u, _ in partnership_members(table.partnership_id)}:
        raise ServiceError(_l("Choose a member of this partnership."), "user_id")
    if is_member(table.id, user_id):
        raise ServiceError(_l("This person is already a member of the table."), "user_id")
    member = TableMember(table_id=table.id, user_id=user_id)
    db.session.add(member)
    record("create", member, partnership_id=table.partnership_id, actor_id=actor_id)
    db.session.commit()


def remove_member(table: ThematicTable, user_id: int, actor_id: int) -> None:
    member = db.session.execute(
        select(TableMember).where(TableMember.table_id == table.id, TableMember.user_id == user_id)
    ).scalar_one_or_none()
    if member is None:
        raise ServiceError(_l("This person is not a member of the table."))
    if table.chair_id == user_id:
        raise ServiceError(_l("The chair stays a member. Choose another chair first."))
    record("delete", member, partnership_id=table.partnership_id, actor_id=actor_id,
           changes={"user_id": [user_id, None]})  # fmt: skip
    db.session.delete(member)
    db.session.commit()


# --- conversations ------------------------------------------------------------------------


@dataclass
class ConversationRow:
    conversation: Conversation
    unread: bool


def conversations_of(table: ThematicTable, user_id: int) -> list[ConversationRow]:
    rows = db.session.execute(
        select(Conversation, func.coalesce(ReadMarker.last_read_comment_id, 0))
        .outerjoin(
            ReadMarker,
            and_(ReadMarker.conversation_id == Conversation.id, ReadMarker.user_id == user_id),
        )
        .options(joinedload(Conversation.agreement))
        .where(Conversation.table_id == table.id)
        .order_by(
            Conversation.status,
            func.coalesce(Conversation.last_comment_at, Conversation.created_at).desc(),
        )
    ).all()
    return [ConversationRow(c, c.last_comment_id > last) for c, last in rows]


def _check_text(value: str, field: str, empty_message, limit: int = 10000) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(empty_message, field)
    if len(value) > limit:
        raise ServiceError(_l("Use at most %(n)s characters.", n=limit), field)
    return value


def start_conversation(
    table: ThematicTable, access: int, author_id: int, title: str, introduction: str
) -> Conversation:
    _require(access, TABLE_TAKE_PART, _l("Only members of the table can start a conversation."))
    if table.status != ACTIVE:
        raise ServiceError(_l("This table has finished; no new conversations."))
    title = _check_text(title, "title", _l("Enter a title."), 200)
    introduction = (introduction or "").strip()
    if len(introduction) > 20000:
        raise ServiceError(_l("Use at most %(n)s characters.", n=20000), "introduction")
    conversation = Conversation(
        partnership_id=table.partnership_id, table_id=table.id, title=title,
        introduction=introduction, author_id=author_id,
    )  # fmt: skip
    db.session.add(conversation)
    record("create", conversation, partnership_id=table.partnership_id, actor_id=author_id)
    follow_automatically([author_id], table.partnership_id, "conversation", conversation.id)
    db.session.commit()
    return conversation


def readers_among(table: ThematicTable, user_ids: list[int]) -> list[int]:
    """Those of user_ids who may read the table (a partner only when a member)."""
    if not user_ids:
        return []
    memberships = db.session.execute(
        select(Membership).where(
            Membership.partnership_id == table.partnership_id, Membership.active.is_(True),
            Membership.user_id.in_(user_ids),
        )
    ).scalars().all()  # fmt: skip
    members = set(
        db.session.execute(
            select(TableMember.user_id).where(
                TableMember.table_id == table.id, TableMember.user_id.in_(user_ids)
            )
        ).scalars()
    )
    return [
        m.user_id for m in memberships
        if table_access(m, table.chair_id, m.user_id in members) != TABLE_NONE
    ]  # fmt: skip


def _comment_path(conversation: Conversation, comment: Comment) -> str:
    return path_in(conversation.partnership_id, "tables.comment_link",
                   table_id=conversation.table_id, conversation_id=conversation.id,
                   comment_id=comment.id)  # fmt: skip


def _notify_mentions(conversation: Conversation, comment: Comment, mentioned: list[User]) -> None:
    author = db.session.get(User, comment.author_id)
    notify([u.id for u in mentioned], partnership_id=conversation.partnership_id, kind="mention",
           object_type="conversation", object_id=conversation.id,
           url=_comment_path(conversation, comment),
           params={"actor": author.name, "title": conversation.title}, actor_id=author.id)  # fmt: skip


def _notify_comment(conversation: Conversation, comment: Comment, mentioned: list[User]) -> None:
    _notify_mentions(conversation, comment, mentioned)
    url = _comment_path(conversation, comment)
    comment_posted(
        object_type="conversation", object_id=conversation.id,
        partnership_id=conversation.partnership_id, author_id=comment.author_id,
        title=f"“{conversation.title}”", url=url, exclude=[u.id for u in mentioned],
        readers=lambda ids: readers_among(conversation.table, ids),
    )  # fmt: skip


def fold(text: str) -> str:
    """Text for matching names: lower case, without accents ("Çelik" -> "celik")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _keys(user: User) -> set[str]:
    """What a plain @mention of this person may say: first name, full name, the part of
    the e-mail address before the @, the whole address."""
    name = " ".join(user.name.split())
    return {k for k in (name.split(" ")[0] if name else "", name, handle(user), user.email) if k}


def _mentionable(table: ThematicTable) -> list[User]:
    """The table's members who are active members of its partnership: those a mention
    may notify (they can read the table), by name."""
    return list(
        db.session.execute(
            select(User)
            .join(TableMember, TableMember.user_id == User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(TableMember.table_id == table.id,
                   Membership.partnership_id == table.partnership_id,
                   Membership.active.is_(True))
            .order_by(User.name, User.id)
        ).scalars()
    )  # fmt: skip


def _match_at(text: str, people: list[User]) -> tuple[str, list[User]]:
    """The longest name, handle or address of `people` that `text` (after an @) starts
    with as whole words, as typed, and everyone it fits."""
    best, fits = "", []
    for user in people:
        for key in _keys(user):
            typed = text[: len(key)]
            if len(typed) < len(key) or fold(typed) != fold(key):
                continue
            if len(text) > len(key) and (text[len(key)].isalnum() or text[len(key)] == "_"):
                continue
            if len(key) > len(best):
                best, fits = typed, [user]
            elif len(key) == len(best) and all(u.id != user.id for u in fits):
                fits.append(user)
    return best, fits


PLAIN_AT = re.compile(r"(?<![\w@\[])@(?=\w)")


def _mentioned_users(table: ThematicTable, body: str) -> tuple[str, list[User]]:
    """The body as stored, and the members it mentions. A stored mention "@[name](user:id)"
    counts when the id is a member of the table (its name is brought up to date); another
    id (a removed member, someone elsewhere) is left as text and notifies nobody. A plain
    "@name" that fits exactly one member (first name, full name, the e-mail address or its
    part before the @) becomes that member's mention; one that fits several, or nobody,
    stays plain text. A plain @name of someone in the partnership but not at the table is
    refused, so nobody is told about a conversation they cannot read."""
    if "@" not in body:
        return body, []
    members = _mentionable(table)
    by_id = {u.id: u for u in members}
    found: dict[int, User] = {}
    others: list[User] | None = None
    parts, last = [], 0

    def plain(segment: str) -> str:
        nonlocal others
        out, pos = [], 0
        for at in PLAIN_AT.finditer(segment):
            if at.start() < pos:
                continue
            rest = segment[at.end() : at.end() + 300]
            typed, fits = _match_at(rest, members)
            if len(fits) == 1:
                found[fits[0].id] = fits[0]
                out.append(segment[pos : at.start()] + mention_token(fits[0].id, fits[0].name))
                pos = at.end() + len(typed)
            elif not fits:
                if others is None:
                    others = _partnership_people(table.partnership_id, set(by_id))
                typed, strangers = _match_at(rest, others)
                if strangers:
                    raise ServiceError(
                        _l("@%(name)s is not a member of this table. Mention members only.",
                           name=typed), "body",
                    )  # fmt: skip
        out.append(segment[pos:])
        return "".join(out)

    for token in MENTION_TOKEN.finditer(body):
        parts.append(plain(body[last : token.start()]))
        user = by_id.get(int(token.group(2)))
        if user is None:
            parts.append(token.group(0))
        else:
            found[user.id] = user
            parts.append(mention_token(user.id, user.name))
        last = token.end()
    parts.append(plain(body[last:]))
    return "".join(parts), list(found.values())


def names_in(partnership_id: int) -> dict[int, str]:
    """Id -> name of the partnership's active members: the names stored mentions show."""
    return dict(
        db.session.execute(
            select(User.id, User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.partnership_id == partnership_id, Membership.active.is_(True))
        ).all()
    )


def mentioned_names(partnership_id: int, bodies) -> dict[int, str]:
    """names_in() of only the members these texts mention: one query whose rows follow
    the page, not the partnership's 3,000 members at factor 10; none without a mention."""
    ids = {int(m.group(2)) for body in bodies for m in MENTION_TOKEN.finditer(body or "")}
    if not ids:
        return {}
    values = {"partnership_id": partnership_id, "ids": sorted(ids)}
    return dict(db.session.execute(_page_statements()["mentioned_names"], values).all())


def _partnership_people(partnership_id: int, leave_out: set[int]) -> list[User]:
    people = db.session.execute(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.partnership_id == partnership_id, Membership.active.is_(True))
    ).scalars()
    return [u for u in people if u.id not in leave_out]


def _add_mentions(
    comment: Comment, conversation: Conversation, users: list[User], author_id: int,
    fresh: bool = False,
):  # fmt: skip
    """Mention rows for those not mentioned in this comment before (none, for a fresh
    comment); returns them."""
    if not users:
        return []
    already = set() if fresh else set(
        db.session.execute(
            select(Mention.user_id).where(Mention.comment_id == comment.id)
        ).scalars()
    )  # fmt: skip
    new = [user for user in users if user.id != author_id and user.id not in already]
    for user in new:
        db.session.add(
            Mention(comment_id=comment.id, conversation_id=conversation.id,
                    partnership_id=conversation.partnership_id, user_id=user.id)
        )  # fmt: skip
    return new


def post_comment(
    conversation: Conversation, access: int, author_id: int, body: str,
    parent_id: int | None = None,
) -> Comment:  # fmt: skip
    """A comment, or a reply to a top-level comment; @mentions notify table members."""
    _require(access, TABLE_TAKE_PART, _l("Only members of the table can comment."))
    if conversation.status != OPEN:
        raise ServiceError(_l("This conversation is closed. Reopen it to comment."))
    body = _check_text(body, "body", _l("Write a comment."))
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.conversation_id != conversation.id:
            raise ServiceError(_l("The comment you reply to does not exist in this conversation."))
        if parent.parent_id is not None:
            raise ServiceError(_l("You can only reply to a comment, not to a reply."))
    body, mentioned = _mentioned_users(conversation.table, body)
    comment = Comment(
        conversation_id=conversation.id, parent_id=parent_id, author_id=author_id, body=body
    )
    db.session.add(comment)
    db.session.flush()
    mentioned = _add_mentions(comment, conversation, mentioned, author_id, fresh=True)
    record("create", comment, partnership_id=conversation.partnership_id, actor_id=author_id)
    _notify_comment(conversation, comment, mentioned)
    # Last before the commit: the rows every comment in this conversation (or by this
    # author) updates, so that concurrent comments hold each other up as briefly as
    # possible. The counters in one UPDATE, so concurrent comments don't lose counts; the
    # newest comment stays the newest whichever commits first.
    _mark_read(conversation.id, author_id, comment.id)
    newer = or_(Conversation.last_comment_id.is_(None), Conversation.last_comment_id < comment.id)
    db.session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(
            comment_count=Conversation.comment_count + 1,
            top_level_count=Conversation.top_level_count + (1 if parent_id is None else 0),
            last_comment_id=case((newer, comment.id), else_=Conversation.last_comment_id),
            last_comment_at=case((newer, comment.created_at), else_=Conversation.last_comment_at),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return comment


def edit_window() -> timedelta:
    return timedelta(minutes=current_app.config.get("SAMENSPEL_COMMENT_EDIT_MINUTES", 30))


def may_edit(comment: Comment, user_id: int, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        comment.author_id == user_id
        and comment.hidden_at is None
        and now - comment.created_at <= edit_window()
    )


def edit_comment(comment: Comment, user_id: int, body: str) -> None:
    """Change one's own comment within the edit window; the old text is kept."""
    if comment.author_id != user_id:
        raise ServiceError(_l("You can only edit your own comments."))
    if comment.hidden_at is not None:
        raise ServiceError(_l("A hidden comment cannot be edited."))
    if not may_edit(comment, user_id):
        minutes = int(edit_window().total_seconds() // 60)
        raise ServiceError(
            _l("A comment can be edited for %(n)s minutes after posting.", n=minutes)
        )
    conversation = db.session.get(Conversation, comment.conversation_id)
    if conversation.status != OPEN:
        raise ServiceError(_l("This conversation is closed. Reopen it to comment."))
    body = _check_text(body, "body", _l("Write a comment."))
    body, mentioned = _mentioned_users(conversation.table, body)
    if body == comment.body:
        raise ServiceError(_l("Nothing was changed."), "body")
    db.session.add(CommentRevision(comment_id=comment.id, body=comment.body))
    comment.body = body
    comment.edited_at = utcnow()
    # Record before _add_mentions queries: its autoflush would clear the changed fields.
    record("update", comment, partnership_id=conversation.partnership_id, actor_id=user_id)
    newly = _add_mentions(comment, conversation, mentioned, user_id)
    _notify_mentions(conversation, comment, newly)
    db.session.commit()


def hide_comment(comment: Comment, access: int, user_id: int, reason: str) -> None:
    """A moderator hides a comment with a reason; the text is kept, not deleted."""
    _require(access, TABLE_MANAGE, _l("Only the chair or a programme manager can moderate."))
    if comment.hidden_at is not None:
        raise ServiceError(_l("This comment is already hidden."))
    reason = _check_text(reason, "reason", _l("Give the reason for hiding."), 2000)
    # Loaded before the change: a query's autoflush would clear the recorded fields.
    conversation = db.session.get(Conversation, comment.conversation_id)
    comment.hidden_at = utcnow()
    comment.hidden_by_id = user_id
    comment.hidden_reason = reason
    record("hide", comment, partnership_id=conversation.partnership_id, actor_id=user_id)
    document_search.reindex("comment", comment.id)  # its documents are no longer found
    db.session.commit()


def revisions_of(comment: Comment) -> list[CommentRevision]:
    return list(
        db.session.execute(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.replaced_at.desc(), CommentRevision.id.desc())
        ).scalars()
    )


def close_conversation(conversation: Conversation, access: int, user_id: int, conclusion: str):
    _require(
        access, TABLE_MANAGE, _l("Only the chair or a programme manager can close a conversation.")
    )
    if conversation.status == CLOSED:
        raise ServiceError(_l("This conversation is already closed."))
    conclusion = _check_text(conclusion, "conclusion", _l("Write the conclusion."), 20000)
    conversation.status = CLOSED
    conversation.conclusion = conclusion
    conversation.closed_at = utcnow()
    conversation.closed_by_id = user_id
    db.session.add(ConversationEvent(conversation_id=conversation.id, action="close",
                                     text=conclusion, user_id=user_id))  # fmt: skip
    record("close", conversation, partnership_id=conversation.partnership_id, actor_id=user_id)
    db.session.commit()


def reopen_conversation(conversation: Conversation, access: int, user_id: int, reason: str):
    _require(
        access, TABLE_MANAGE, _l("Only the chair or a programme manager can reopen a conversation.")
    )
    if conversation.status != CLOSED:
        raise ServiceError(_l("This conversation is open."))
    reason = _check_text(reason, "reason", _l("Give the reason for reopening."), 5000)
    conversation.status = OPEN
    db.session.add(ConversationEvent(conversation_id=conversation.id, action="reopen",
                                     text=reason, user_id=user_id))  # fmt: skip
    record("reopen", conversation, partnership_id=conversation.partnership_id, actor_id=user_id,
           changes={"status": [CLOSED, OPEN], "reason": [None, reason]})  # fmt: skip
    db.session.commit()


def events_of(conversation: Conversation) -> list[ConversationEvent]:
    values = {"conversation_id": conversation.id}
    return list(db.session.execute(_page_statements()["events"], values).scalars())


@dataclass(frozen=True, slots=True)
class Person:
    name: str


# The columns of a comment a conversation page shows (ShownComment), besides the names.
SHOWN_COLUMNS = (Comment.id, Comment.conversation_id, Comment.parent_id, Comment.author_id,
                 Comment.body, Comment.created_at, Comment.edited_at, Comment.hidden_at,
                 Comment.hidden_by_id, Comment.hidden_reason)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ShownComment:
    """A comment as a conversation page shows it, read as a plain row with its author's
    and hider's names: a page shows 50 comments with their replies, and loading them as
    objects of the session cost more than the rest of the page. What the article and
    may_edit() read of a Comment, under the same names."""

    id: int
    conversation_id: int
    parent_id: int | None
    author_id: int
    body: str
    created_at: datetime
    edited_at: datetime | None
    hidden_at: datetime | None
    hidden_by_id: int | None
    hidden_reason: str
    author: Person
    hidden_by: Person | None

    @classmethod
    def of(cls, row) -> ShownComment:
        *columns, author, hider = row
        return cls(*columns, Person(author), Person(hider) if hider is not None else None)


@dataclass
class CommentPage:
    comments: list[ShownComment]
    replies: dict[int, list[ShownComment]]
    page: int
    pages: int
    total: int


def comments_page(conversation: Conversation, page: int | None) -> CommentPage:
    """One page of top-level comments (oldest first) with all their replies; two queries
    whatever the conversation's length. Page None is the last. The number of pages comes
    from the conversation's counter (post_comment keeps it), and a page in the second half
    is read from the newest end: an offset walks the index up to the page, so the last page
    of a long conversation (where a new comment takes its reader) would walk all of it."""
    statements, values = _page_statements(), {"conversation_id": conversation.id}
    total = conversation.top_level_count
    pages = max(1, -(-total // COMMENTS_PER_PAGE))
    page = pages if page is None else min(max(page, 1), pages)
    skip = (page - 1) * COMMENTS_PER_PAGE
    after = total - skip - COMMENTS_PER_PAGE  # top-level comments after this page
    if total > 0 and after < skip:
        window = {"skip": max(after, 0), "size": COMMENTS_PER_PAGE + min(after, 0)}
        rows = reversed(
            db.session.execute(statements["top_level_newest"], {**values, **window}).all()
        )
    else:
        window = {"skip": skip, "size": COMMENTS_PER_PAGE}
        rows = db.session.execute(statements["top_level"], {**values, **window})
    top = [ShownComment.of(row) for row in rows]
    replies: dict[int, list[ShownComment]] = {c.id: [] for c in top}
    if top:
        parents = {**values, "parents": list(replies)}
        for row in db.session.execute(statements["replies"], parents):
            reply = ShownComment.of(row)
            replies[reply.parent_id].append(reply)
    return CommentPage(top, replies, page, pages, total)


def _mark_read(conversation_id: int, user_id: int, comment_id: int) -> None:
    marker = db.session.execute(
        select(ReadMarker).where(
            ReadMarker.conversation_id == conversation_id, ReadMarker.user_id == user_id
        )
    ).scalar_one_or_none()
    if marker is None:
        db.session.add(ReadMarker(conversation_id=conversation_id, user_id=user_id,
                                  last_read_comment_id=comment_id))  # fmt: skip
    elif marker.last_read_comment_id < comment_id:
        marker.last_read_comment_id = comment_id


def last_read(conversation: Conversation, user_id: int) -> int:
    values = {"conversation_id": conversation.id, "user_id": user_id}
    return db.session.execute(_page_statements()["last_read"], values).scalar_one()


def mark_read(conversation: Conversation, user_id: int, read_up_to: int | None = None) -> None:
    """The person has seen the conversation up to its newest comment, and their mentions.
    read_up_to: last_read() when the caller has just read it."""
    changed = False
    if read_up_to is None and conversation.last_comment_id:
        read_up_to = last_read(conversation, user_id)
    if conversation.last_comment_id and read_up_to < conversation.last_comment_id:
        _mark_read(conversation.id, user_id, conversation.last_comment_id)
        changed = True
    unseen = (Mention.conversation_id == conversation.id, Mention.user_id == user_id,
              Mention.seen_at.is_(None))  # fmt: skip
    # Look before writing: on SQLite even an UPDATE that matches nothing takes the write
    # lock until the request ends, which would queue every reader of the conversation.
    values = {"conversation_id": conversation.id, "user_id": user_id}
    if db.session.execute(_page_statements()["unseen_mention"], values).first():
        db.session.execute(
            update(Mention).where(*unseen).values(seen_at=utcnow())
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        changed = True
    if changed:
        db.session.commit()


def member_suggestions(table: ThematicTable, text: str, limit: int = 8) -> list[User]:
    """Members of the table to mention for what was typed after an @ (at least one
    letter): a word of their name starting with it, or their e-mail address; accents and
    case do not matter. At most `limit`, by name."""
    text = fold(" ".join((text or "").lstrip("@").split()))[:60]
    if not any(c.isalpha() for c in text):
        return []
    rows = []
    for user in _mentionable(table):
        name = fold(" ".join(user.name.split()))
        words = name.split(" ")
        if (
            name.startswith(text)
            or fold(handle(user)).startswith(text)
            or any(" ".join(words[i:]).startswith(text) for i in range(len(words)))
        ):
            rows.append((name, user.id, user))
    return [user for _name, _id, user in sorted(rows, key=lambda row: row[:2])[:limit]]


# --- from conclusion or decision to an agreement ---------------------------------------------


def make_agreement_from_conclusion(conversation: Conversation, user_id: int):
    if conversation.status != CLOSED or not conversation.conclusion:
        raise ServiceError(
            _l("Only a closed conversation with a conclusion can become an agreement.")
        )
    if conversation.agreement_id:
        raise ServiceError(_l("An agreement has already been made from this conclusion."))
    table = conversation.table
    agreement = agreements.draft_from_origin(
        conversation.partnership_id, user_id, conversation.title,
        conversation.conclusion.split("\n")[0][:500], "conversation", conversation.id,
        f"{table.name}: {conversation.title}"[:300], commit=False,
    )  # fmt: skip
    conversation.agreement_id = agreement.id
    record("make_agreement", conversation, partnership_id=conversation.partnership_id,
           actor_id=user_id, changes={"agreement_id": [None, agreement.id]})  # fmt: skip
    db.session.commit()
    return agreement


def make_agreement_from_decision(decision: MeetingDecision, meeting: Meeting, user_id: int):
    if decision.agreement_id:
        raise ServiceError(_l("An agreement has already been made from this decision."))
    agreement = agreements.draft_from_origin(
        meeting.partnership_id, user_id, decision.text[:200], decision.text[:500],
        "meeting_decision", decision.id, f"{meeting.table.name}: {meeting.title}"[:300],
        commit=False,
    )  # fmt: skip
    decision.agreement_id = agreement.id
    record("make_agreement", decision, partnership_id=meeting.partnership_id, actor_id=user_id,
           changes={"agreement_id": [None, agreement.id]})  # fmt: skip
    db.session.commit()
    return agreement


def contributed_outcomes(table: ThematicTable) -> list[dict]:
    """What other areas add to the table's "what came of it" (app.registry.table_outcomes:
    decisions taken by the organisations), so tables need not import them."""
    return [row for source in table_outcomes for row in source(table)]


def outcomes_of(table: ThematicTable) -> list[tuple[str, object, object]]:
    """What came of the table: (kind, source, agreement) for conclusions and decisions."""
    conclusions = db.session.execute(
        select(Conversation, Agreement)
        .join(Agreement, Agreement.id == Conversation.agreement_id)
        .where(Conversation.table_id == table.id)
    ).all()
    decisions = db.session.execute(
        select(MeetingDecision, Agreement)
        .join(Agreement, Agreement.id == MeetingDecision.agreement_id)
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .where(Meeting.table_id == table.id)
    ).all()
    return [("conclusion", c, a) for c, a in conclusions] + [
        ("decision", d, a) for d, a in decisions
    ]


# --- meetings ---------------------------------------------------------------------------------


def _check_meeting(data: dict) -> dict:
    title = _check_text(data.get("title"), "title", _l("Enter a title."), 200)
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts, datetime):
        raise ServiceError(_l("Enter the date and start time."), "starts_at")
    if not isinstance(ends, datetime):
        raise ServiceError(_l("Enter the end time."), "ends_at")
    if ends <= starts:
        raise ServiceError(_l("The meeting must end after it starts."), "ends_at")
    place = (data.get("place") or "").strip()
    if len(place) > 300:
        raise ServiceError(_l("Use at most %(n)s characters.", n=300), "place")
    clean = {"title": title, "place": place}
    for field in ("agenda", "minutes"):
        clean[field] = (data.get(field) or "").strip()
        if len(clean[field]) > 50000:
            raise ServiceError(_l("Use at most %(n)s characters.", n=50000), field)
    # Form times are Dutch local times; stored as naive UTC.
    for name in ("starts_at", "ends_at"):
        value = data[name]
        aware = value.replace(tzinfo=LOCAL) if value.tzinfo is None else value
        clean[name] = aware.astimezone(UTC).replace(tzinfo=None)
    return clean


def create_meeting(table: ThematicTable, access: int, data: dict, user_id: int) -> Meeting:
    _require(access, TABLE_MANAGE, _l("Only the chair or a programme manager can plan meetings."))
    clean = _check_meeting(data)
    meeting = Meeting(partnership_id=table.partnership_id, table_id=table.id,
                      created_by_id=user_id, **clean)  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    for member in members_of(table):
        db.session.add(MeetingAttendee(meeting_id=meeting.id, user_id=member.user_id))
    record("create", meeting, partnership_id=table.partnership_id, actor_id=user_id)
    db.session.commit()
    return meeting


def update_meeting(meeting: Meeting, access: int, data: dict, present: set[int], user_id: int):
    """Change the meeting, its minutes and who was present (the others: afwezig)."""
    _require(access, TABLE_MANAGE, _l("Only the chair or a programme manager can edit meetings."))
    clean = _check_meeting(data)
    # Queried before the change: the query's autoflush would clear the recorded fields.
    attendees = attendees_of(meeting)
    if not present <= {a.user_id for a in attendees}:
        raise ServiceError(_l("Choose attendees from the list."), "present")
    for name, value in clean.items():
        setattr(meeting, name, value)
    if meeting.starts_at <= utcnow():
        for attendee in attendees:
            attendee.present = attendee.user_id in present
    record("update", meeting, partnership_id=meeting.partnership_id, actor_id=user_id)
    db.session.commit()


def attendees_of(meeting: Meeting) -> list[MeetingAttendee]:
    return list(
        db.session.execute(
            select(MeetingAttendee)
            .join(User, User.id == MeetingAttendee.user_id)
            .options(joinedload(MeetingAttendee.user))
            .where(MeetingAttendee.meeting_id == meeting.id)
            .order_by(User.name)
        ).scalars()
    )


def decisions_of(meeting: Meeting) -> list[MeetingDecision]:
    return list(
        db.session.execute(
            select(MeetingDecision)
            .options(joinedload(MeetingDecision.owner), joinedload(MeetingDecision.agreement))
            .where(MeetingDecision.meeting_id == meeting.id)
            .order_by(MeetingDecision.id)
        ).scalars()
    )


def add_decision(meeting: Meeting, access: int, text: str, owner_id, user_id: int):
    _require(access, TABLE_MANAGE, _l("Only the chair or a programme manager can edit meetings."))
    text = _check_text(text, "text", _l("Write the decision."), 2000)
    owner_id = int(owner_id) if owner_id not in (None, "", 0) else None
    if owner_id is not None and owner_id not in {
        u for u, _ in partnership_members(meeting.partnership_id)
    }:
        raise ServiceError(_l("Choose an owner who is a member of this partnership."), "owner_id")
    decision = MeetingDecision(meeting_id=meeting.id, text=text, owner_id=owner_id)
    db.session.add(decision)
    record("create", decision, partnership_id=meeting.partnership_id, actor_id=user_id)
    db.session.commit()
    return decision


def meetings_of(table: ThematicTable) -> tuple[list[Meeting], list[Meeting]]:
    """(upcoming, past) meetings of a table."""
    now = utcnow()
    meetings = list(
        db.session.execute(
            select(Meeting).where(Meeting.table_id == table.id).order_by(Meeting.starts_at)
        ).scalars()
    )
    return [m for m in meetings if m.ends_at >= now], [m for m in meetings if m.ends_at < now][::-1]


# --- dashboard --------------------------------------------------------------------------------


ATTENTION_LIMIT = 5


@cache
def _attention_statements() -> dict:
    """Built once, with bind parameters (member, partnership, now): every dashboard asks
    them, and building a statement and its cache key cost more than running it. The
    first ATTENTION_LIMIT rows of each, with how many there are in one statement: the
    matches are found once (the unread conversations of a member of a hundred tables are
    found by joining thousands of conversations with their read markers)."""
    user_id, partnership_id = bindparam("user_id"), bindparam("partnership_id")
    my_tables = select(TableMember.table_id).where(TableMember.user_id == user_id)
    total = func.count().over().label("total")
    table_name = ThematicTable.name.label("table_name")
    conversation = (Conversation.id, Conversation.table_id, Conversation.title)
    mention = (Mention.comment_id, Mention.conversation_id, Conversation.table_id)
    return {
        "unread": select(*conversation, table_name, total)
        .join(ThematicTable, ThematicTable.id == Conversation.table_id)
        .outerjoin(
            ReadMarker,
            and_(ReadMarker.conversation_id == Conversation.id, ReadMarker.user_id == user_id),
        )
        .where(
            Conversation.partnership_id == partnership_id,
            Conversation.table_id.in_(my_tables),
            Conversation.last_comment_id > func.coalesce(ReadMarker.last_read_comment_id, 0),
        )
        .order_by(Conversation.last_comment_at.desc())
        .limit(ATTENTION_LIMIT),
        "mentions": select(*mention, Conversation.title, User.name.label("author_name"), total)
        .join(Comment, Comment.id == Mention.comment_id)
        .join(User, User.id == Comment.author_id)
        .join(Conversation, Conversation.id == Mention.conversation_id)
        .where(
            Mention.partnership_id == partnership_id,
            Mention.user_id == user_id,
            Mention.seen_at.is_(None),
        )
        .order_by(Mention.created_at.desc())
        .limit(ATTENTION_LIMIT),
        "meetings": select(
            Meeting.id, Meeting.table_id, Meeting.title, Meeting.starts_at, table_name
        )
        .join(ThematicTable, ThematicTable.id == Meeting.table_id)
        .where(
            Meeting.partnership_id == partnership_id,
            Meeting.table_id.in_(my_tables),
            Meeting.ends_at >= bindparam("now"),
        )
        .order_by(Meeting.starts_at)
        .limit(3),
    }


def attention(membership: Membership) -> dict:
    """The tables' dashboard figures of a member, as rows (a dashboard shows some ten
    lines of them): the first unread conversations and mentions of them with how many
    there are, and their next meetings."""
    statements = _attention_statements()
    values = {"user_id": membership.user_id, "partnership_id": membership.partnership_id}

    def first_with_total(name: str) -> tuple[list, int]:
        rows = db.session.execute(statements[name], values).all()
        return rows, (rows[0].total if rows else 0)

    unread, unread_total = first_with_total("unread")
    mentions, mentions_total = first_with_total("mentions")
    return {
        "unread_total": unread_total,
        "unread": unread,
        "meetings": db.session.execute(statements["meetings"], {**values, "now": utcnow()}).all(),
        "mentions_total": mentions_total,
        "mentions": mentions,
    }
