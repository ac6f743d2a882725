"""The use cases of thematic tables, called directly: tables and members, who may do what,
conversations with comments, replies and @mentions, editing and moderation, closing and
reopening, agreements from conclusions and decisions, meetings, unread markers, the
dashboard's figures and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from app.activity.models import AuditEvent
from app.agreements.models import Agreement
from app.errors import ServiceError
from app.extensions import db
from app.policy import TABLE_MANAGE, TABLE_NONE, TABLE_READ, TABLE_TAKE_PART, table_access
from app.tables import services
from app.tables.models import (
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
    TableMember,
    ThematicTable,
)
from app.timeutil import utcnow
from tests.tables.helpers import (
    access,
    bulk_comments,
    close,
    count,
    in_context,
    local_now,
    make_table,
    plan,
    say,
    start,
    state,
    uid,
)


def fresh(obj):
    """The object as the database holds it now."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def said(error, msgid: str, **variables) -> bool:
    """Whether the ServiceError carries this message (compared as the page shows it)."""
    from flask_babel import gettext

    return str(error.value.message) == gettext(msgid, **variables)


def member_ids(table) -> set[int]:
    return {m.user_id for m in services.members_of(table)}


# --- tables -------------------------------------------------------------------------------


def test_a_new_table_has_its_fields_and_the_chair_and_maker_as_members(ctx, world):
    table = make_table(world, members=())

    stored = fresh(table)
    assert stored.partnership_id == world.partnership.id
    assert (stored.name, stored.theme, stored.goal) == (
        "Gezinsgericht werken", "Eén gezin, **één plan**.", "Beleid aanscherpen.",
    )  # fmt: skip
    assert stored.chair_id == uid(world, "bestuurder")
    assert stored.status == "actief"
    assert member_ids(stored) == {uid(world, "bestuurder"), uid(world, "programmamanager")}


@pytest.mark.parametrize("name", ["", "   ", None])
def test_a_table_needs_a_name(ctx, world, name):
    with pytest.raises(ServiceError) as error:
        make_table(world, name=name)
    assert error.value.field == "name"
    db.session.rollback()
    assert count(ThematicTable) == 0


def test_the_chair_must_be_a_member_of_the_partnership(ctx, make_partnership):
    world, other = make_partnership("eemland"), make_partnership("brabant")

    with pytest.raises(ServiceError) as error:
        services.create_table(
            world.partnership.id,
            {"name": "18-/18+", "chair_id": other.users["programmamanager"].id},
            uid(world, "programmamanager"),
        )
    assert error.value.field == "chair_id"
    db.session.rollback()
    assert count(ThematicTable) == 0


def test_an_inactive_member_cannot_be_chair(ctx, world):
    from app.partnerships.models import Membership

    db.session.execute(
        Membership.__table__.update()
        .where(Membership.id == world.memberships["teamlid"].id)
        .values(active=False)
    )
    db.session.commit()
    with pytest.raises(ServiceError):
        make_table(world, chair="teamlid", members=())


def test_editing_a_table_changes_its_fields_and_a_new_chair_joins(ctx, world):
    table = make_table(world, members=())

    services.update_table(
        table,
        {"name": "Gezinsgericht werken 2.0", "theme": "Nieuw thema", "goal": "Nieuw doel",
         "chair_id": uid(world, "teamlid"), "status": "actief"},
        uid(world, "beheerder"),
    )  # fmt: skip

    stored = fresh(table)
    assert (stored.name, stored.theme, stored.goal, stored.chair_id) == (
        "Gezinsgericht werken 2.0", "Nieuw thema", "Nieuw doel", uid(world, "teamlid"),
    )  # fmt: skip
    assert uid(world, "teamlid") in member_ids(stored)
    # The former chair stays a member.
    assert uid(world, "bestuurder") in member_ids(stored)


def test_editing_with_an_unknown_status_changes_nothing(ctx, world):
    table = make_table(world)

    with pytest.raises(ServiceError) as error:
        services.update_table(
            table, {"name": "Andere naam", "status": "gesloopt"}, uid(world, "beheerder")
        )
    assert error.value.field == "status"
    db.session.rollback()
    assert fresh(table).name == "Gezinsgericht werken"


def test_a_finished_table_takes_no_new_conversations(ctx, world):
    table = make_table(world)
    start(world, table, title="Voor het afronden")
    services.update_table(
        table, {"name": table.name, "chair_id": table.chair_id, "status": FINISHED},
        uid(world, "programmamanager"),
    )  # fmt: skip

    with pytest.raises(ServiceError):
        start(world, table, title="Na het afronden")
    db.session.rollback()
    assert [c.title for c in db.session.execute(select(Conversation)).scalars()] == [
        "Voor het afronden"
    ]

    services.update_table(
        table, {"name": table.name, "chair_id": table.chair_id, "status": "actief"},
        uid(world, "programmamanager"),
    )  # fmt: skip
    assert start(world, table, title="Weer actief").id


# --- members --------------------------------------------------------------------------------


def test_members_are_added_and_removed(ctx, world):
    table = make_table(world, members=())

    services.add_member(table, uid(world, "partner"), uid(world, "bestuurder"))
    assert uid(world, "partner") in member_ids(table)

    services.remove_member(table, uid(world, "partner"), uid(world, "bestuurder"))
    assert uid(world, "partner") not in member_ids(table)


def test_someone_outside_the_partnership_cannot_join(ctx, make_partnership):
    world, other = make_partnership("eemland"), make_partnership("brabant")
    table = make_table(world, members=())

    with pytest.raises(ServiceError) as error:
        services.add_member(table, other.users["teamlid"].id, uid(world, "programmamanager"))
    assert error.value.field == "user_id"
    db.session.rollback()
    assert other.users["teamlid"].id not in member_ids(table)


def test_a_member_cannot_be_added_twice(ctx, world):
    table = make_table(world)

    with pytest.raises(ServiceError) as error:
        services.add_member(table, uid(world, "teamlid"), uid(world, "programmamanager"))
    assert error.value.field == "user_id"
    db.session.rollback()
    assert count(TableMember, table_id=table.id, user_id=uid(world, "teamlid")) == 1


def test_the_chair_cannot_be_removed(ctx, world):
    table = make_table(world)

    with pytest.raises(ServiceError):
        services.remove_member(table, uid(world, "bestuurder"), uid(world, "programmamanager"))
    db.session.rollback()
    assert uid(world, "bestuurder") in member_ids(table)


def test_removing_someone_who_is_not_a_member_is_refused(ctx, world):
    table = make_table(world, members=())
    with pytest.raises(ServiceError):
        services.remove_member(table, uid(world, "lezer"), uid(world, "programmamanager"))


# --- who may do what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "member", "level"),
    [
        ("beheerder", False, TABLE_MANAGE),
        ("programmamanager", False, TABLE_MANAGE),
        ("bestuurder", False, TABLE_READ),
        ("bestuurder", True, TABLE_TAKE_PART),
        ("teamlid", False, TABLE_READ),
        ("teamlid", True, TABLE_TAKE_PART),
        ("partner", False, TABLE_NONE),
        ("partner", True, TABLE_TAKE_PART),
        ("lezer", False, TABLE_READ),
        ("lezer", True, TABLE_READ),
    ],
)
def test_access_to_a_table_follows_role_and_membership(ctx, world, role, member, level):
    table = make_table(world, chair=None, members=(role,) if member else ())
    assert access(world, role, table) == level


@pytest.mark.parametrize("role", ["teamlid", "partner", "bestuurder"])
def test_the_chair_manages_the_table_whatever_their_role(world, role):
    assert table_access(world.memberships[role], world.users[role].id, True) == TABLE_MANAGE


def test_a_reader_who_chairs_a_table_still_only_reads(world):
    # "A lezer reads, never writes" wins over the chair rule.
    assert table_access(world.memberships["lezer"], world.users["lezer"].id, True) == TABLE_READ


def test_a_partner_lists_only_the_tables_they_sit_at(ctx, world):
    make_table(world, name="Gezinsgericht werken", members=("partner",))
    make_table(world, name="18-/18+", members=())

    partner = [row.table.name for row in services.tables_for(world.memberships["partner"])]
    lezer = [row.table.name for row in services.tables_for(world.memberships["lezer"])]

    assert partner == ["Gezinsgericht werken"]
    assert sorted(lezer) == ["18-/18+", "Gezinsgericht werken"]


def test_the_table_list_counts_members_conversations_and_unread(ctx, world):
    table = make_table(world)
    first = start(world, table, title="Eerste")
    start(world, table, title="Tweede")
    say(world, first, "partner", "Een reactie.")

    [row] = services.tables_for(world.memberships["teamlid"])
    assert (row.members, row.conversations, row.unread, row.mine) == (4, 2, 1, True)
    [row] = services.tables_for(world.memberships["lezer"])
    assert (row.mine, row.unread) == (False, 1)


# --- conversations and comments ---------------------------------------------------------------


def test_a_member_starts_a_conversation(ctx, world):
    table = make_table(world)
    conversation = start(world, table, role="partner")

    stored = fresh(conversation)
    assert (stored.title, stored.status, stored.author_id) == (
        "Wie houdt de regie?", OPEN, uid(world, "partner"),
    )  # fmt: skip
    assert (stored.partnership_id, stored.table_id) == (world.partnership.id, table.id)


@pytest.mark.parametrize("role", ["teamlid", "lezer"])
def test_who_does_not_sit_at_the_table_cannot_start_a_conversation(ctx, world, role):
    table = make_table(world, members=())
    with pytest.raises(ServiceError):
        start(world, table, role=role)
    db.session.rollback()
    assert count(Conversation) == 0


def test_a_conversation_needs_a_title(ctx, world):
    table = make_table(world)
    with pytest.raises(ServiceError) as error:
        start(world, table, title="  ")
    assert error.value.field == "title"


def test_comments_and_replies_update_the_counters(ctx, world):
    table = make_table(world)
    conversation = start(world, table)

    first = say(world, conversation, "teamlid", "Wie is de regisseur?")
    reply = say(world, conversation, "partner", "De aanbieder met de meeste uren.", first.id)
    second = say(world, conversation, "bestuurder", "Een tweede punt.")

    stored = fresh(conversation)
    assert stored.comment_count == 3
    assert stored.top_level_count == 2  # the reply makes no page longer
    assert stored.last_comment_id == second.id
    assert stored.last_comment_at is not None
    assert fresh(reply).parent_id == first.id
    page = services.comments_page(stored, 1)
    assert [c.id for c in page.comments] == [first.id, second.id]
    assert [c.id for c in page.replies[first.id]] == [reply.id]
    assert page.replies[second.id] == []


def test_a_reply_to_a_reply_is_refused(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    first = say(world, conversation, "teamlid", "Vraag.")
    reply = say(world, conversation, "partner", "Antwoord.", first.id)
    before = state()

    with pytest.raises(ServiceError) as error:
        say(world, conversation, "teamlid", "Antwoord op het antwoord.", reply.id)
    assert said(error, "You can only reply to a comment, not to a reply.")
    db.session.rollback()
    assert state() == before


def test_a_reply_to_a_comment_of_another_conversation_is_refused(ctx, world):
    table = make_table(world)
    here, there = start(world, table, title="Hier"), start(world, table, title="Daar")
    elsewhere = say(world, there, "teamlid", "Elders.")
    before = state()

    for parent in (elsewhere.id, 999_999):
        with pytest.raises(ServiceError) as error:
            say(world, here, "partner", "Antwoord.", parent)
        assert said(error, "The comment you reply to does not exist in this conversation.")
        db.session.rollback()
    assert state() == before


@pytest.mark.parametrize("body", ["", "   \n  ", None])
def test_an_empty_comment_is_refused(ctx, world, body):
    table = make_table(world)
    conversation = start(world, table)
    with pytest.raises(ServiceError) as error:
        say(world, conversation, "teamlid", body)
    assert error.value.field == "body"
    db.session.rollback()
    assert count(Comment) == 0


def test_a_too_long_comment_is_refused(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    with pytest.raises(ServiceError):
        say(world, conversation, "teamlid", "x" * 10001)


def test_no_comment_in_a_closed_conversation(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    first = say(world, conversation, "teamlid", "Vraag.")
    close(world, conversation)
    before = state()

    for parent in (None, first.id):
        with pytest.raises(ServiceError) as error:
            say(world, conversation, "teamlid", "Nog iets.", parent)
        assert said(error, "This conversation is closed. Reopen it to comment.")
        db.session.rollback()
    assert state() == before


@pytest.mark.parametrize("role", ["lezer", "teamlid"])
def test_who_does_not_sit_at_the_table_cannot_comment(ctx, world, role):
    table = make_table(world, members=("partner",))
    conversation = start(world, table, role="partner")
    with pytest.raises(ServiceError):
        say(world, conversation, role, "Mag ik iets zeggen?")
    db.session.rollback()
    assert count(Comment) == 0


# --- mentions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "@programmamanager kun jij dit oppakken?",
        "Dit is iets voor @programmamanager.",
        "Vraag aan @programmamanager, en verder niemand",
        "(@programmamanager)",
        "Via @programmamanager@testverband.test graag.",
    ],
)
def test_a_mention_of_a_member_is_stored(ctx, world, body):
    table = make_table(world)
    conversation = start(world, table)

    comment = say(world, conversation, "teamlid", body)

    mentions = list(db.session.execute(select(Mention)).scalars())
    assert [(m.user_id, m.comment_id, m.conversation_id, m.partnership_id) for m in mentions] == [
        (uid(world, "programmamanager"), comment.id, conversation.id, world.partnership.id)
    ]
    assert mentions[0].seen_at is None


def test_several_mentions_and_a_mention_of_oneself(ctx, world):
    table = make_table(world)
    conversation = start(world, table)

    say(world, conversation, "teamlid", "@partner en @BESTUURDER, en ik (@teamlid) ook. @partner!")

    mentioned = set(db.session.execute(select(Mention.user_id)).scalars())
    assert mentioned == {uid(world, "partner"), uid(world, "bestuurder")}
    assert count(Mention) == 2


def test_an_email_address_in_the_text_is_not_a_mention(ctx, world):
    table = make_table(world)
    conversation = start(world, table)

    say(world, conversation, "teamlid", "Mail het naar info@lezer.nl of naar lezer@example.nl.")

    assert count(Mention) == 0


@pytest.mark.parametrize("who", ["lezer", "Lezer testverband"])
def test_a_mention_of_someone_not_at_the_table_is_refused_and_nothing_is_saved(ctx, world, who):
    table = make_table(world)
    conversation = start(world, table)
    say(world, conversation, "partner", "Eerste reactie.")
    before = state()

    with pytest.raises(ServiceError) as error:
        say(world, conversation, "teamlid", f"@programmamanager en @{who}: wat vinden jullie?")
    assert error.value.field == "body"
    assert said(error, "@%(name)s is not a member of this table. Mention members only.", name=who)
    db.session.rollback()
    assert state() == before
    stored = fresh(conversation)
    assert (stored.comment_count, count(Comment), count(Mention)) == (1, 1, 0)


# --- editing one's own comment ---------------------------------------------------------------


def move_back(comment, minutes: int) -> None:
    comment.created_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()


def test_editing_within_the_window_keeps_the_old_text(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "Eerste versie.")
    move_back(comment, 29)

    services.edit_comment(comment, uid(world, "teamlid"), "Tweede versie, @partner.")

    stored = fresh(comment)
    # The plain @name is stored as the member's id.
    assert stored.body == f"Tweede versie, @[Partner testverband](user:{uid(world, 'partner')})."
    assert stored.edited_at is not None
    assert [r.body for r in services.revisions_of(stored)] == ["Eerste versie."]
    # A mention added by the edit notifies that member.
    assert [m.user_id for m in db.session.execute(select(Mention)).scalars()] == [
        uid(world, "partner")
    ]


def test_editing_after_the_window_is_refused(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "Eerste versie.")
    move_back(comment, 31)

    assert not services.may_edit(comment, uid(world, "teamlid"))
    with pytest.raises(ServiceError):
        services.edit_comment(comment, uid(world, "teamlid"), "Te laat.")
    db.session.rollback()
    assert fresh(comment).body == "Eerste versie."
    assert count(CommentRevision) == 0


def test_the_edit_window_is_configurable(ctx, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "SAMENSPEL_COMMENT_EDIT_MINUTES", 5)
    table = make_table(world)
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "Eerste versie.")
    move_back(comment, 6)

    with pytest.raises(ServiceError) as error:
        services.edit_comment(comment, uid(world, "teamlid"), "Te laat.")
    assert said(error, "A comment can be edited for %(n)s minutes after posting.", n=5)

    monkeypatch.setitem(app.config, "SAMENSPEL_COMMENT_EDIT_MINUTES", 60)
    db.session.rollback()
    services.edit_comment(fresh(comment), uid(world, "teamlid"), "Nog op tijd.")
    assert fresh(comment).body == "Nog op tijd."


def test_editing_someone_elses_comment_is_refused(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "Mijn tekst.")

    for role in ("partner", "programmamanager", "bestuurder"):
        with pytest.raises(ServiceError):
            services.edit_comment(comment, uid(world, role), "Overschreven.")
        db.session.rollback()
    assert fresh(comment).body == "Mijn tekst."
    assert count(CommentRevision) == 0


@pytest.mark.parametrize("body", ["", "Mijn tekst.", "@lezer kijk mee"])
def test_a_bad_edit_changes_nothing(ctx, world, body):
    table = make_table(world)
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "Mijn tekst.")
    before = state()

    with pytest.raises(ServiceError):
        services.edit_comment(comment, uid(world, "teamlid"), body)
    db.session.rollback()
    assert state() == before


def test_no_edit_of_a_hidden_comment_or_in_a_closed_conversation(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    hidden = say(world, conversation, "teamlid", "Ongepast.")
    other = say(world, conversation, "teamlid", "Gewoon.")
    services.hide_comment(hidden, TABLE_MANAGE, uid(world, "bestuurder"), "Persoonsgegevens.")
    close(world, conversation)

    assert not services.may_edit(fresh(hidden), uid(world, "teamlid"))
    assert services.may_edit(fresh(other), uid(world, "teamlid"))
    for comment in (hidden, other):
        with pytest.raises(ServiceError):
            services.edit_comment(fresh(comment), uid(world, "teamlid"), "Aangepast.")
        db.session.rollback()
    assert [fresh(hidden).body, fresh(other).body] == ["Ongepast.", "Gewoon."]


# --- moderation --------------------------------------------------------------------------------


@pytest.mark.parametrize("moderator", ["bestuurder", "programmamanager", "beheerder"])
def test_a_moderator_hides_a_comment_and_the_text_is_kept(ctx, world, moderator):
    table = make_table(world)
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "Naam en BSN van een jeugdige.")

    services.hide_comment(
        comment, access(world, moderator, table), uid(world, moderator), "Persoonsgegevens."
    )

    stored = fresh(comment)
    assert stored.body == "Naam en BSN van een jeugdige."
    assert stored.hidden_at is not None
    assert (stored.hidden_by_id, stored.hidden_reason) == (
        uid(world, moderator),
        "Persoonsgegevens.",
    )
    assert not services.may_edit(stored, uid(world, "teamlid"))


@pytest.mark.parametrize("role", ["teamlid", "partner", "lezer"])
def test_others_cannot_hide_a_comment(ctx, world, role):
    table = make_table(world)
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "Tekst.")

    with pytest.raises(ServiceError):
        services.hide_comment(comment, access(world, role, table), uid(world, role), "Weg ermee.")
    db.session.rollback()
    assert fresh(comment).hidden_at is None


def test_hiding_needs_a_reason_and_happens_once(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "Tekst.")

    with pytest.raises(ServiceError) as error:
        services.hide_comment(comment, TABLE_MANAGE, uid(world, "bestuurder"), "  ")
    assert error.value.field == "reason"
    db.session.rollback()
    assert fresh(comment).hidden_at is None

    services.hide_comment(fresh(comment), TABLE_MANAGE, uid(world, "bestuurder"), "Reden.")
    with pytest.raises(ServiceError):
        services.hide_comment(fresh(comment), TABLE_MANAGE, uid(world, "programmamanager"), "Nog.")
    db.session.rollback()
    assert fresh(comment).hidden_by_id == uid(world, "bestuurder")


# --- closing and reopening -----------------------------------------------------------------------


def test_closing_with_a_conclusion_and_reopening_with_a_reason(ctx, world):
    table = make_table(world)
    conversation = start(world, table)

    close(world, conversation, role="bestuurder", conclusion="Eén regisseur per gezin.")
    stored = fresh(conversation)
    assert (stored.status, stored.conclusion, stored.closed_by_id) == (
        CLOSED, "Eén regisseur per gezin.", uid(world, "bestuurder"),
    )  # fmt: skip
    assert stored.closed_at is not None

    services.reopen_conversation(stored, TABLE_MANAGE, uid(world, "programmamanager"),
                                 "Nieuwe casus besproken.")  # fmt: skip
    assert fresh(conversation).status == OPEN
    events = services.events_of(fresh(conversation))
    assert [(e.action, e.text, e.user_id) for e in events] == [
        ("close", "Eén regisseur per gezin.", uid(world, "bestuurder")),
        ("reopen", "Nieuwe casus besproken.", uid(world, "programmamanager")),
    ]
    # Open again: comments are welcome.
    assert say(world, fresh(conversation), "partner", "Fijn.").id


def test_closing_needs_a_conclusion_and_a_moderator(ctx, world):
    table = make_table(world)
    conversation = start(world, table)

    with pytest.raises(ServiceError) as error:
        close(world, conversation, conclusion=" ")
    assert error.value.field == "conclusion"
    db.session.rollback()
    for role in ("teamlid", "partner", "lezer"):
        with pytest.raises(ServiceError):
            close(world, fresh(conversation), role=role)
        db.session.rollback()
    assert fresh(conversation).status == OPEN
    assert count(ConversationEvent) == 0


def test_reopening_needs_a_reason_a_moderator_and_a_closed_conversation(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    with pytest.raises(ServiceError):
        services.reopen_conversation(conversation, TABLE_MANAGE, uid(world, "bestuurder"), "Reden")
    db.session.rollback()
    close(world, fresh(conversation))

    with pytest.raises(ServiceError) as error:
        services.reopen_conversation(
            fresh(conversation), TABLE_MANAGE, uid(world, "bestuurder"), ""
        )
    assert error.value.field == "reason"
    db.session.rollback()
    with pytest.raises(ServiceError):
        services.reopen_conversation(
            fresh(conversation), access(world, "teamlid", table), uid(world, "teamlid"), "Reden"
        )
    db.session.rollback()
    assert fresh(conversation).status == CLOSED
    with pytest.raises(ServiceError):
        close(world, fresh(conversation))


# --- from a conclusion or decision to an agreement ----------------------------------------------


def test_a_conclusion_becomes_a_draft_agreement_that_points_back(ctx, world):
    table = make_table(world)
    conversation = start(world, table, title="Regie in gezinnen")
    close(world, conversation, conclusion="Eén regisseur per gezin.\n\nToelichting volgt.")

    agreement = services.make_agreement_from_conclusion(
        fresh(conversation), uid(world, "programmamanager")
    )

    stored = db.session.get(Agreement, agreement.id)
    assert stored.partnership_id == world.partnership.id
    assert stored.status == "concept"
    assert stored.title == "Regie in gezinnen"
    assert stored.summary == "Eén regisseur per gezin."
    assert (stored.origin_type, stored.origin_id) == ("conversation", conversation.id)
    assert stored.origin_label == "Gezinsgericht werken: Regie in gezinnen"
    assert fresh(conversation).agreement_id == agreement.id
    assert [(kind, source.id, a.id) for kind, source, a in services.outcomes_of(table)] == [
        ("conclusion", conversation.id, agreement.id)
    ]


def test_an_open_conversation_or_a_second_time_makes_no_agreement(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    user = uid(world, "programmamanager")

    with pytest.raises(ServiceError):
        services.make_agreement_from_conclusion(conversation, user)
    db.session.rollback()
    assert count(Agreement) == 0

    close(world, fresh(conversation))
    services.make_agreement_from_conclusion(fresh(conversation), user)
    with pytest.raises(ServiceError):
        services.make_agreement_from_conclusion(fresh(conversation), user)
    db.session.rollback()
    assert count(Agreement) == 1


def test_a_meeting_decision_becomes_a_draft_agreement_once(ctx, world):
    table = make_table(world)
    meeting = plan(world, table, local_now() - timedelta(days=7), title="Eerste bijeenkomst")
    decision = services.add_decision(meeting, TABLE_MANAGE, "We starten met één gezinsplan.",
                                     uid(world, "teamlid"), uid(world, "bestuurder"))  # fmt: skip

    agreement = services.make_agreement_from_decision(decision, meeting, uid(world, "beheerder"))

    stored = db.session.get(Agreement, agreement.id)
    assert (stored.origin_type, stored.origin_id) == ("meeting_decision", decision.id)
    assert stored.origin_label == "Gezinsgericht werken: Eerste bijeenkomst"
    assert stored.title == "We starten met één gezinsplan."
    assert fresh(decision).agreement_id == agreement.id
    assert [(kind, source.id) for kind, source, _ in services.outcomes_of(table)] == [
        ("decision", decision.id)
    ]
    with pytest.raises(ServiceError):
        services.make_agreement_from_decision(
            fresh(decision), fresh(meeting), uid(world, "beheerder")
        )
    db.session.rollback()
    assert count(Agreement) == 1


# --- meetings ----------------------------------------------------------------------------------


def test_meeting_times_in_dutch_local_time_are_stored_as_utc(ctx, world):
    table = make_table(world)
    winter = plan(world, table, datetime(2030, 12, 10, 14, 0))
    summer = plan(world, table, datetime(2030, 7, 10, 14, 0), hours=1)

    assert (fresh(winter).starts_at, fresh(winter).ends_at) == (
        datetime(2030, 12, 10, 13, 0), datetime(2030, 12, 10, 15, 0),
    )  # fmt: skip
    assert (fresh(summer).starts_at, fresh(summer).ends_at) == (
        datetime(2030, 7, 10, 12, 0), datetime(2030, 7, 10, 13, 0),
    )  # fmt: skip


def test_a_meeting_invites_the_members_of_the_table(ctx, world):
    table = make_table(world)
    meeting = plan(world, table, datetime(2030, 12, 10, 14, 0))

    attendees = services.attendees_of(meeting)
    assert {a.user_id for a in attendees} == member_ids(table)
    assert all(a.present is None for a in attendees)
    assert fresh(meeting).created_by_id == uid(world, "programmamanager")


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"title": ""}, "title"),
        ({"starts_at": None}, "starts_at"),
        ({"ends_at": None}, "ends_at"),
        ({"ends_at": datetime(2030, 12, 10, 14, 0)}, "ends_at"),
        ({"ends_at": datetime(2030, 12, 10, 13, 0)}, "ends_at"),
        ({"place": "x" * 301}, "place"),
    ],
)
def test_a_bad_meeting_is_refused(ctx, world, over, field):
    table = make_table(world)
    with pytest.raises(ServiceError) as error:
        plan(world, table, datetime(2030, 12, 10, 14, 0), **over)
    assert error.value.field == field
    db.session.rollback()
    assert count(Meeting) == 0


@pytest.mark.parametrize("role", ["teamlid", "partner", "lezer"])
def test_only_a_moderator_plans_and_edits_meetings(ctx, world, role):
    table = make_table(world)
    with pytest.raises(ServiceError):
        plan(world, table, datetime(2030, 12, 10, 14, 0), role=role)
    db.session.rollback()
    meeting = plan(world, table, datetime(2030, 12, 10, 14, 0), role="bestuurder")
    with pytest.raises(ServiceError):
        services.add_decision(
            meeting, access(world, role, table), "Besluit", None, uid(world, role)
        )
    db.session.rollback()
    assert count(MeetingDecision) == 0


def test_minutes_and_presence_of_a_past_meeting(ctx, world):
    table = make_table(world)
    starts = local_now() - timedelta(days=2)
    meeting = plan(world, table, starts)

    services.update_meeting(
        meeting, TABLE_MANAGE,
        {"title": "Bijeenkomst 1", "starts_at": starts, "ends_at": starts + timedelta(hours=2),
         "place": "Online", "agenda": "1. Opening", "minutes": "We spraken over **regie**."},
        {uid(world, "teamlid"), uid(world, "bestuurder")}, uid(world, "bestuurder"),
    )  # fmt: skip

    stored = fresh(meeting)
    assert (stored.title, stored.place, stored.minutes) == (
        "Bijeenkomst 1", "Online", "We spraken over **regie**.",
    )  # fmt: skip
    presence = {a.user_id: a.present for a in services.attendees_of(stored)}
    assert presence == {
        uid(world, "teamlid"): True,
        uid(world, "bestuurder"): True,
        uid(world, "partner"): False,
        uid(world, "programmamanager"): False,
    }


def test_presence_of_someone_not_invited_is_refused(ctx, world):
    table = make_table(world)
    starts = local_now() - timedelta(days=2)
    meeting = plan(world, table, starts)

    with pytest.raises(ServiceError) as error:
        services.update_meeting(
            meeting, TABLE_MANAGE,
            {"title": "Anders", "starts_at": starts, "ends_at": starts + timedelta(hours=1)},
            {uid(world, "lezer")}, uid(world, "bestuurder"),
        )  # fmt: skip
    assert error.value.field == "present"
    db.session.rollback()
    assert fresh(meeting).title == "Bijeenkomst thematafel"
    assert all(a.present is None for a in services.attendees_of(fresh(meeting)))


def test_decisions_have_an_owner_from_the_partnership(ctx, make_partnership):
    world, other = make_partnership("eemland"), make_partnership("brabant")
    table = make_table(world)
    meeting = plan(world, table, local_now() - timedelta(days=1))

    decision = services.add_decision(meeting, TABLE_MANAGE, "Gezinsplan invoeren.",
                                     str(uid(world, "teamlid")), uid(world, "bestuurder"))  # fmt: skip
    without = services.add_decision(meeting, TABLE_MANAGE, "Evalueren in juni.", "",
                                    uid(world, "bestuurder"))  # fmt: skip
    assert [(d.text, d.owner_id) for d in services.decisions_of(meeting)] == [
        ("Gezinsplan invoeren.", uid(world, "teamlid")),
        ("Evalueren in juni.", None),
    ]
    assert (decision.meeting_id, without.meeting_id) == (meeting.id, meeting.id)

    for text, owner in (("", None), ("Besluit", other.users["teamlid"].id)):
        with pytest.raises(ServiceError):
            services.add_decision(meeting, TABLE_MANAGE, text, owner, uid(world, "bestuurder"))
        db.session.rollback()
    assert count(MeetingDecision) == 2


def test_meetings_are_split_into_upcoming_and_past(ctx, world):
    table = make_table(world)
    old = plan(world, table, local_now() - timedelta(days=30), title="Oud")
    recent = plan(world, table, local_now() - timedelta(days=3), title="Recent")
    soon = plan(world, table, local_now() + timedelta(days=3), title="Binnenkort")
    later = plan(world, table, local_now() + timedelta(days=30), title="Later")

    upcoming, past = services.meetings_of(table)
    assert [m.id for m in upcoming] == [soon.id, later.id]
    assert [m.id for m in past] == [recent.id, old.id]


# --- unread markers and the dashboard ------------------------------------------------------------


def unread(world, role: str, table) -> dict[str, bool]:
    return {row.conversation.title: row.unread
            for row in services.conversations_of(table, uid(world, role))}  # fmt: skip


def test_unread_markers_follow_what_a_member_has_seen(ctx, world):
    table = make_table(world)
    conversation = start(world, table, title="Regie")
    quiet = start(world, table, title="Stil")
    assert unread(world, "partner", table) == {"Regie": False, "Stil": False}

    say(world, conversation, "teamlid", "Nieuw.")
    assert unread(world, "partner", table) == {"Regie": True, "Stil": False}
    # One's own comments are not news.
    assert unread(world, "teamlid", table) == {"Regie": False, "Stil": False}

    services.mark_read(fresh(conversation), uid(world, "partner"))
    assert unread(world, "partner", table)["Regie"] is False
    assert (
        services.last_read(fresh(conversation), uid(world, "partner"))
        == fresh(conversation).last_comment_id
    )

    say(world, fresh(conversation), "bestuurder", "Nog nieuwer.")
    assert unread(world, "partner", table)["Regie"] is True
    assert unread(world, "partner", table)["Stil"] is False
    assert quiet.id


def test_the_dashboard_figures(ctx, world):
    table = make_table(world)
    other = make_table(world, name="18-/18+", chair="programmamanager", members=())
    conversation = start(world, table, title="Regie")
    elsewhere = start(world, other, role="programmamanager", title="Elders")
    mention = say(world, conversation, "teamlid", "@partner, wat vind jij?")
    say(world, elsewhere, "programmamanager", "Niet aan de tafel van de partner.")
    soon = plan(world, table, local_now() + timedelta(days=2), title="Binnenkort")
    plan(world, table, local_now() - timedelta(days=2), title="Voorbij")
    plan(world, other, local_now() + timedelta(days=1), title="Andere tafel")

    figures = services.attention(world.memberships["partner"])

    assert figures["mentions_total"] == 1
    [found] = figures["mentions"]
    assert (found.comment_id, found.conversation_id, found.table_id, found.title) == (
        mention.id, conversation.id, table.id, "Regie"
    )  # fmt: skip
    assert found.author_name == world.users["teamlid"].name
    assert figures["unread_total"] == 1
    assert [(c.id, c.table_name) for c in figures["unread"]] == [(conversation.id, table.name)]
    assert [(m.id, m.table_name) for m in figures["meetings"]] == [(soon.id, table.name)]

    services.mark_read(fresh(conversation), uid(world, "partner"))
    figures = services.attention(world.memberships["partner"])
    assert (figures["mentions_total"], figures["unread_total"]) == (0, 0)


def test_member_suggestions_for_mentions(ctx, world):
    table = make_table(world)
    assert [u.id for u in services.member_suggestions(table, "@part")] == [uid(world, "partner")]
    assert {u.email.split("@")[0] for u in services.member_suggestions(table, "testverb")} == {
        "bestuurder", "partner", "programmamanager", "teamlid",
    }  # fmt: skip
    # At least one letter; someone not at the table is never suggested.
    assert services.member_suggestions(table, "") == []
    assert services.member_suggestions(table, "@ 12") == []
    assert services.member_suggestions(table, "lezer") == []


# --- paging ----------------------------------------------------------------------------------


def test_comments_come_in_pages_of_fifty_with_their_replies(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    bulk_comments(conversation.id, [uid(world, "teamlid"), uid(world, "partner")], 120,
                  replies_every=10)  # fmt: skip

    first, third = (
        services.comments_page(fresh(conversation), 1),
        services.comments_page(fresh(conversation), 3),
    )
    assert (first.total, first.pages, len(first.comments), len(third.comments)) == (120, 3, 50, 20)
    assert sum(len(r) for r in first.replies.values()) == 5
    assert all(c.parent_id is None for c in first.comments)
    assert services.comments_page(fresh(conversation), 99).page == 3
    assert services.comments_page(fresh(conversation), 0).page == 1


# --- the audit trail --------------------------------------------------------------------------------


def test_every_write_leaves_an_audit_event_with_partnership_and_actor(ctx, world):
    pm, chair, teamlid = (
        uid(world, "programmamanager"),
        uid(world, "bestuurder"),
        uid(world, "teamlid"),
    )
    table = make_table(world, members=())
    services.update_table(table, {"name": "Gezinsgericht werken", "chair_id": chair,
                                  "goal": "Nieuw doel"}, pm)  # fmt: skip
    services.add_member(table, teamlid, chair)
    services.add_member(table, uid(world, "partner"), chair)
    services.remove_member(table, uid(world, "partner"), chair)
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "Eerste versie.")
    services.edit_comment(comment, teamlid, "Tweede versie.")
    services.hide_comment(comment, TABLE_MANAGE, chair, "Reden.")
    close(world, conversation, role="bestuurder")
    services.reopen_conversation(fresh(conversation), TABLE_MANAGE, chair, "Nieuwe feiten.")
    close(world, fresh(conversation), role="bestuurder")
    services.make_agreement_from_conclusion(fresh(conversation), pm)
    meeting = plan(world, table, local_now() - timedelta(days=1), role="bestuurder")
    services.update_meeting(
        meeting, TABLE_MANAGE,
        {"title": "Anders", "starts_at": local_now() - timedelta(days=1),
         "ends_at": local_now() - timedelta(hours=20), "minutes": "Notulen."},
        {teamlid}, chair,
    )  # fmt: skip
    decision = services.add_decision(meeting, TABLE_MANAGE, "Besluit.", teamlid, chair)
    services.make_agreement_from_decision(decision, meeting, pm)

    events = list(
        db.session.execute(
            select(AuditEvent).where(
                AuditEvent.object_type.in_(
                    ["ThematicTable", "TableMember", "Conversation", "Comment", "Meeting",
                     "MeetingDecision"]
                )
            ).order_by(AuditEvent.id)
        ).scalars()
    )  # fmt: skip
    assert [(e.object_type, e.action, e.actor_id) for e in events] == [
        ("ThematicTable", "create", pm),
        ("ThematicTable", "update", pm),
        ("TableMember", "create", chair),
        ("TableMember", "create", chair),
        ("TableMember", "delete", chair),
        ("Conversation", "create", teamlid),
        ("Comment", "create", teamlid),
        ("Comment", "update", teamlid),
        ("Comment", "hide", chair),
        ("Conversation", "close", chair),
        ("Conversation", "reopen", chair),
        ("Conversation", "close", chair),
        ("Conversation", "make_agreement", pm),
        ("Meeting", "create", chair),
        ("Meeting", "update", chair),
        ("MeetingDecision", "create", chair),
        ("MeetingDecision", "make_agreement", pm),
    ]
    assert {e.partnership_id for e in events} == {world.partnership.id}
    by_action = {(e.object_type, e.action): e for e in events}
    assert by_action[("ThematicTable", "update")].changes["goal"] == [
        "Beleid aanscherpen.", "Nieuw doel",
    ]  # fmt: skip
    # The changed fields are recorded, not an empty change.
    assert by_action[("Comment", "update")].changes["body"] == ["Eerste versie.", "Tweede versie."]
    assert by_action[("Comment", "hide")].changes["hidden_reason"] == ["", "Reden."]
    assert by_action[("Comment", "hide")].changes["hidden_by_id"] == [None, chair]
    assert by_action[("Meeting", "update")].changes["title"] == ["Bijeenkomst thematafel", "Anders"]
    assert by_action[("Meeting", "update")].changes["minutes"] == ["", "Notulen."]
    assert by_action[("Conversation", "close")].changes["status"] == ["open", "gesloten"]
    assert by_action[("Conversation", "reopen")].changes["reason"] == [None, "Nieuwe feiten."]
    assert by_action[("TableMember", "delete")].changes["user_id"] == [uid(world, "partner"), None]
    assert db.session.get(Comment, comment.id).id == comment.id
    assert count(MeetingAttendee, meeting_id=meeting.id) == 3


@pytest.mark.parametrize("whole, rest", [(0, 1), (1, 0), (1, 1), (2, -1), (2, 0), (2, 1), (3, 7)])
def test_every_page_shows_its_top_level_comments_read_from_either_end(ctx, world, whole, rest):
    # Pages in the second half are read newest first and turned around: each page, the
    # last (None) too, shows the same comments as the oldest-first order cut into pages.
    size = services.COMMENTS_PER_PAGE
    count = whole * size + rest
    table = make_table(world)
    conversation = start(world, table)
    bulk_comments(conversation.id, [uid(world, "teamlid"), uid(world, "partner")], count,
                  replies_every=4)  # fmt: skip
    stored = fresh(conversation)
    ids = list(
        db.session.execute(
            select(Comment.id)
            .where(Comment.conversation_id == conversation.id, Comment.parent_id.is_(None))
            .order_by(Comment.id)
        ).scalars()
    )
    assert stored.top_level_count == count == len(ids)
    pages = -(-count // size)
    for number in range(1, pages + 1):
        page = services.comments_page(stored, number)
        assert (page.page, page.pages, page.total) == (number, pages, count)
        assert [c.id for c in page.comments] == ids[(number - 1) * size : number * size]
        assert all(r.parent_id == c.id for c in page.comments for r in page.replies[c.id])
    assert [c.id for c in services.comments_page(stored, None).comments] == ids[
        (pages - 1) * size :
    ]
    assert services.comments_page(stored, pages + 5).page == pages  # past the end: the last


def test_migration_0024_goes_down_and_counts_the_top_level_comments_on_the_way_up(app, world):
    """On the shared test database; whatever happens, it is upgraded again at the end."""

    def build():
        table = make_table(world)
        long, empty = start(world, table), start(world, table, title="Nog leeg")
        bulk_comments(long.id, [uid(world, "teamlid"), uid(world, "partner")], 60,
                      replies_every=3)  # fmt: skip
        say(world, fresh(long), "teamlid", "Nog een punt.")
        return long.id, empty.id

    long, empty = in_context(app, build)

    def columns() -> set[str]:
        return {c["name"] for c in inspect(db.engine).get_columns("conversation")}

    try:
        with app.app_context():
            db.session.remove()
            downgrade(revision="0023_comment_newest")
            assert "top_level_count" not in columns()
            upgrade()
            assert "top_level_count" in columns()
            counted = dict(
                db.session.execute(
                    select(Conversation.id, Conversation.top_level_count).where(
                        Conversation.id.in_([long, empty])
                    )
                ).all()
            )
            assert counted == {long: 61, empty: 0}
            page = services.comments_page(db.session.get(Conversation, long), None)
            assert (page.pages, len(page.comments)) == (2, 11)
    finally:
        with app.app_context():
            db.session.remove()
            upgrade()  # to head, if a check above failed while down
