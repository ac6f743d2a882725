"""The number of SQL statements of the table pages does not grow with the data: a
conversation with 20 or 2,000 comments, a table with 2 or 30 conversations, a list of 2 or
12 tables."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select, update

from app.auth.models import User
from app.extensions import db
from app.markdown import mention_token
from app.partnerships.models import Membership
from app.policy import TABLE_MANAGE
from app.tables import services
from app.tables.models import Comment, Conversation, TableMember, ThematicTable
from app.timeutil import utcnow
from tests.conftest import input_value
from tests.tables.helpers import (
    bulk_comments,
    close,
    html,
    in_context,
    local_now,
    logged_in,
    make_table,
    plan,
    say,
    start,
    uid,
    url,
)


def extra_members(world, table_id: int, count: int) -> list[int]:
    """`count` extra members of the partnership (teamlid) who sit at the table."""
    db.session.execute(
        insert(User),
        [
            {"email": f"lid{n}@{world.slug}.test", "name": f"Lid {n:03} {world.slug}",
             "password_hash": "", "session_token": f"lid-{world.slug}-{n}"}
            for n in range(count)
        ],
    )  # fmt: skip
    ids = list(
        db.session.execute(
            select(User.id).where(User.email.like(f"lid%@{world.slug}.test")).order_by(User.id)
        ).scalars()
    )
    db.session.execute(
        insert(Membership),
        [{"user_id": i, "partnership_id": world.partnership.id,
          "organisation_id": world.provider.id, "role": "teamlid"} for i in ids],
    )  # fmt: skip
    db.session.execute(insert(TableMember), [{"table_id": table_id, "user_id": i} for i in ids])
    db.session.commit()
    return ids


def statements_of(app, count_queries, who, path: str, **kw) -> int:
    """The number of SQL statements of one GET, by a client or a new one logged in as who."""
    client = logged_in(app, who) if isinstance(who, str) else who
    with count_queries() as statements:
        response = client.get(path, **kw)
    assert response.status_code == 200, path
    return len(statements)


# --- a conversation with 20 and with 2,000 comments ---------------------------------------------


def conversation_with(world, table: ThematicTable, title: str, count: int) -> int:
    """A conversation with `count` top-level comments by many authors, a reply to every fifth,
    some hidden by the chair and some edited."""
    # Started by someone who also comments on the first page, so that loading the author
    # costs the same on both pages (an identity-map hit, not a difference in the page).
    conversation = start(world, table, role="teamlid", title=title)
    # The readers of the test write the first comments on both pages (so their own user
    # is loaded alike); the other authors differ, which shows any per-author query.
    readers = [uid(world, r) for r in ("teamlid", "partner", "bestuurder", "programmamanager")]
    others = [m.user_id for m in services.members_of(table) if m.user_id not in readers]
    bulk_comments(conversation.id, readers + others, count, replies_every=5)
    ids = list(
        db.session.execute(
            select(Comment.id)
            .where(Comment.conversation_id == conversation.id)
            .order_by(Comment.id)
        ).scalars()
    )
    now = utcnow()
    db.session.execute(
        update(Comment)
        .where(Comment.id.in_(ids[1::7]))
        .values(hidden_at=now, hidden_by_id=uid(world, "bestuurder"), hidden_reason="Privé")
    )
    db.session.execute(update(Comment).where(Comment.id.in_(ids[2::9])).values(edited_at=now))
    # The first page mentions someone in both (the names a page's mentions show are read
    # only for a page with a mention).
    partner = world.users["partner"]
    db.session.execute(
        update(Comment)
        .where(Comment.id == ids[3])
        .values(body=f"Bijdrage: eens met {mention_token(partner.id, partner.name)}.")
    )
    db.session.commit()
    # The newest comment is the reader's own, with a mention: recent, editable.
    say(world, db.session.get(Conversation, conversation.id), "teamlid", "Klopt, @partner.")
    return conversation.id


def test_a_conversation_page_costs_the_same_with_20_or_2000_comments(app, world, count_queries):
    def setup():
        table = make_table(world)
        extra_members(world, table.id, 25)
        small = conversation_with(world, table, "Kort gesprek", 20)
        large = conversation_with(world, table, "Lang gesprek", 2000)
        return table.id, small, large

    table, small, large = in_context(app, setup)
    with app.app_context():
        assert db.session.get(Conversation, large).comment_count >= 2400
        db.session.remove()

    for role in ("teamlid", "partner", "bestuurder", "lezer"):
        client = logged_in(app, world.users[role].email)
        client.get(f"/p/{world.slug}/")  # what is kept per person is made (app/kept.py)
        few = statements_of(
            app, count_queries, client, url(world, f"/{table}/conversations/{small}")
        )
        many = statements_of(
            app, count_queries, client, url(world, f"/{table}/conversations/{large}")
        )
        assert many == few, role
        # A second visit (nothing new) costs the same for both too.
        again_few = statements_of(app, count_queries, client,
                                  url(world, f"/{table}/conversations/{small}"))  # fmt: skip
        again_many = statements_of(app, count_queries, client,
                                   url(world, f"/{table}/conversations/{large}"))  # fmt: skip
        assert again_many == again_few, role

    reader = logged_in(app, world.users["teamlid"].email)
    more = statements_of(app, count_queries, reader,
                         url(world, f"/{table}/conversations/{large}?page=20&more=1"),
                         headers={"HX-Request": "true"})  # fmt: skip
    first = statements_of(app, count_queries, reader,
                          url(world, f"/{table}/conversations/{large}?page=2&more=1"),
                          headers={"HX-Request": "true"})  # fmt: skip
    assert more == first


def test_a_conversation_page_shows_what_it_loaded(app, world):
    """The page the counts above are for really shows comments, replies and hidden notes."""

    def setup():
        table = make_table(world)
        return table.id, conversation_with(world, table, "Kort gesprek", 20)

    table, small = in_context(app, setup)
    client = logged_in(app, world.users["teamlid"].email)
    page = html(client.get(url(world, f"/{table}/conversations/{small}")))
    assert page.count('class="ss-comment ss-comment--reply"') == 4
    assert page.count("Privé") == 4  # three comments and one reply
    assert page.count("Bijdrage") == 20 - 3


# --- a table with 2 and with 30 conversations --------------------------------------------------------


def table_with(world, name: str, conversations: int, meetings: int) -> int:
    table = make_table(world, name=name)
    extra_members(world, table.id, conversations)
    members = [m.user_id for m in services.members_of(table)]
    for n in range(conversations):
        conversation = start(world, table, role="programmamanager", title=f"Gesprek {n:02}")
        conversation.author_id = members[n % len(members)]
        db.session.commit()
        if n % 2 == 0:
            say(world, conversation, "partner", f"Reactie op gesprek {n}.")
        if n % 3 == 0:
            close(world, conversation, conclusion=f"Conclusie {n}.")
            if n % 6 == 0:
                services.make_agreement_from_conclusion(
                    conversation, uid(world, "programmamanager")
                )
    for n in range(meetings):
        meeting = plan(world, table, local_now() + timedelta(days=n * 7 - 20), title=f"Ronde {n}")
        decision = services.add_decision(meeting, TABLE_MANAGE, f"Besluit {n}.",
                                         members[n % len(members)], uid(world, "bestuurder"))  # fmt: skip
        if n % 2 == 0:
            services.make_agreement_from_decision(decision, meeting, uid(world, "programmamanager"))
    return table.id


def test_a_table_page_costs_the_same_with_2_or_30_conversations(app, make_partnership,
                                                                count_queries):  # fmt: skip
    small, large = make_partnership("klein"), make_partnership("groot")
    few_id = in_context(app, table_with, small, "Kleine tafel", 2, 2)
    many_id = in_context(app, table_with, large, "Grote tafel", 30, 8)

    for role in ("teamlid", "partner", "programmamanager", "lezer"):
        few = statements_of(app, count_queries, small.users[role].email, url(small, f"/{few_id}"))
        many = statements_of(app, count_queries, large.users[role].email, url(large, f"/{many_id}"))
        assert many == few, role

    client = logged_in(app, large.users["teamlid"].email)
    page = html(client.get(url(large, f"/{many_id}")))
    assert page.count("Gesprek ") >= 30 and "Lid 029" in page


def test_the_table_list_costs_the_same_with_2_or_12_tables(app, make_partnership, count_queries):
    small, large = make_partnership("klein"), make_partnership("groot")

    def tables(world, count):
        for n in range(count):
            table = make_table(world, name=f"Tafel {n:02}", chair=("bestuurder", "teamlid")[n % 2],
                               members=("partner",) if n % 3 else ())  # fmt: skip
            say(world, start(world, table, role="programmamanager"), "programmamanager", "Hoi.")

    in_context(app, tables, small, 2)
    in_context(app, tables, large, 12)

    for role in ("partner", "lezer", "beheerder"):
        few = statements_of(app, count_queries, small.users[role].email, url(small, "/"))
        many = statements_of(app, count_queries, large.users[role].email, url(large, "/"))
        assert many == few, role


# --- posting a comment ---------------------------------------------------------------------------


def test_posting_a_comment_costs_the_same_with_20_or_2000_comments(app, world, count_queries):
    def setup():
        table = make_table(world)
        extra_members(world, table.id, 25)
        small = conversation_with(world, table, "Kort gesprek", 20)
        large = conversation_with(world, table, "Lang gesprek", 2000)
        return table.id, small, large

    table, small, large = in_context(app, setup)
    client = logged_in(app, world.users["teamlid"].email)
    token = input_value(
        html(client.get(url(world, f"/{table}/conversations/{small}"))), "csrf_token"
    )

    def posting(conversation_id: int) -> int:
        path = url(world, f"/{table}/conversations/{conversation_id}/comments")
        with count_queries() as statements:
            response = client.post(path, data={"csrf_token": token, "body": "Eens, @partner."})
        assert response.status_code == 302, html(response)[:300]
        return len(statements)

    posting(small), posting(large)  # the poster follows both from now on
    few, many = posting(small), posting(large)
    assert many == few
    # The whole post: who, the table, the conversation, the comment and its mention, the
    # audit event, followers, read marker, counters, the search index, the version, and
    # the page to go to. More means a query crept in per something.
    assert few <= 20, few


def test_the_newest_comment_stays_the_conversations_last_whichever_commits_first(app, world):
    def setup():
        table = make_table(world)
        conversation = start(world, table)
        first = say(world, conversation, "teamlid", "Eerste")
        # As if a later comment (a higher id) committed before this one's counters did.
        db.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation.id)
            .values(last_comment_id=first.id + 1000)
        )
        db.session.commit()
        say(world, db.session.get(Conversation, conversation.id), "partner", "Tweede")
        return conversation.id, first.id

    conversation_id, first_id = in_context(app, setup)
    with app.app_context():
        conversation = db.session.get(Conversation, conversation_id)
        assert conversation.last_comment_id == first_id + 1000
        assert conversation.comment_count == 2
        db.session.remove()
