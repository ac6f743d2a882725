"""Comments in the search apart from the other kinds: read newest first (not by relevance),
at most services.COMMENT_LIMIT of them ("1000+"), within what the member may read and
this partnership; edits keep a comment's place; the index really is split (FTS5 table
`comment_fts` on SQLite, partial GIN indexes on PostgreSQL), and migration 0011 goes
down and up again."""

from __future__ import annotations

import os
import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.extensions import db
from app.kept import before_commit as kept_before_commit
from app.search import services
from app.search.models import SearchDocument
from app.tables import services as tables
from app.tables.models import Comment, Conversation, ThematicTable
from tests.conftest import message, set_language
from tests.search.helpers import (
    document,
    found,
    hit_links,
    html,
    in_context,
    make_agreement,
    results_of,
)
from tests.search.helpers import url as search_url
from tests.tables.helpers import access, make_table, say, start, uid

POSTGRESQL = bool(os.environ.get("DATABASE_URL"))  # as tests/conftest.py chooses
NOTICE = (
    "Comments are shown newest first, the newest %(limit)s of them. "
    "Add a word to your search to find older ones."
)
WORD = "wachttijd"  # what the tests search for; only the comments say it


def talk(world, conversation, count: int, role: str = "teamlid", word: str = "wachttijden",
         label: str = "Bijdrage") -> list[int]:  # fmt: skip
    """`count` comments saying `word`, oldest first; their ids. The older a comment, the
    more often it says the word: ranked by relevance, the oldest would come first."""
    return [
        say(world, conversation, role, f"{label} {n}: " + " ".join([word] * (count - n + 1))).id
        for n in range(1, count + 1)
    ]


def conversation_in(world, members=("teamlid", "partner"), name: str = "Gezinsgericht werken"):
    """An open conversation (its title and introduction do not say the WORD) in a new table
    chaired by the bestuurder with these members."""
    return start(world, make_table(world, name=name, members=members))


def comment_ids(results) -> list[int]:
    """The ids of the comments among the hits, in the order shown."""
    return [int(hit.url.rsplit("/", 1)[1]) for hit in results.groups.get("comment", [])]


def page_comment_ids(page: str) -> list[int]:
    return [
        int(m.group(1)) for link in hit_links(page) if (m := re.search(r"/comments/(\d+)$", link))
    ]


def newest_first(ids: list[int]) -> list[int]:
    return list(reversed(ids))


# --- newest first ------------------------------------------------------------------------


def test_comments_are_listed_newest_first_in_the_overview_and_their_listing(ctx, world):
    ids = talk(world, conversation_in(world), 7)
    make_agreement(world, title="Afspraken over wachttijden")

    overview = found(world, "lezer", WORD)
    listing = found(world, "lezer", WORD, kind="comment")

    assert overview.counts == {"agreement": 1, "comment": 7}
    assert overview.more == set() and overview.count_label() == "8"
    assert comment_ids(overview) == newest_first(ids)[: services.PER_KIND]
    assert listing.counts == {"agreement": 1, "comment": 7}
    assert list(listing.groups) == ["comment"]
    assert (listing.page, listing.pages) == (1, 1)
    assert comment_ids(listing) == newest_first(ids)


def test_the_comment_listing_pages_newest_first(ctx, world, monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 3)
    ids = talk(world, conversation_in(world), 7)

    pages = [found(world, "lezer", WORD, kind="comment", page=n) for n in (1, 2, 3)]
    beyond = found(world, "lezer", WORD, kind="comment", page=99)

    assert [r.pages for r in pages] == [3, 3, 3]
    assert [comment_ids(r) for r in pages] == [
        newest_first(ids)[0:3], newest_first(ids)[3:6], newest_first(ids)[6:]
    ]  # fmt: skip
    assert (beyond.page, comment_ids(beyond)) == (3, comment_ids(pages[2]))


def test_comments_of_several_conversations_and_authors_are_newest_first_together(ctx, world):
    first, second = conversation_in(world), conversation_in(world, name="18-/18+")
    ids = []
    for n in range(3):  # turn by turn, in two tables, by two authors
        ids += talk(world, first, 1, role="teamlid", label=f"Eerste {n}")
        ids += talk(world, second, 1, role="partner", label=f"Tweede {n}")

    assert comment_ids(found(world, "programmamanager", WORD, kind="comment")) == newest_first(ids)


# --- at most COMMENT_LIMIT -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("made", "counted", "more"), [(2, 2, False), (3, 3, False), (4, 3, True), (5, 3, True)]
)
def test_at_most_comment_limit_comments_are_counted_and_shown(
    ctx, world, monkeypatch, made, counted, more
):
    monkeypatch.setattr(services, "COMMENT_LIMIT", 3)
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    ids = talk(world, conversation_in(world), made)
    make_agreement(world, title="Afspraken over wachttijden")
    plus = "+" if more else ""

    overview = found(world, "lezer", WORD)
    listing = [found(world, "lezer", WORD, kind="comment", page=n) for n in (1, 2, 3)]

    newest = newest_first(ids)[:counted]
    for results in (overview, *listing):
        assert results.counts == {"agreement": 1, "comment": counted}
        assert results.more == ({"comment"} if more else set())
        assert results.count_label("comment") == f"{counted}{plus}"
        assert results.count_label("agreement") == "1"
        assert results.count_label() == f"{counted + 1}{plus}"
        assert results.total == counted + 1
    assert comment_ids(overview) == newest  # PER_KIND (5) is more than the limit
    pages = -(-counted // 2)
    assert [(r.page, r.pages) for r in listing] == [(min(n, pages), pages) for n in (1, 2, 3)]
    assert [comment_ids(r) for r in listing] == [
        newest[(r.page - 1) * 2 : r.page * 2] for r in listing
    ]
    assert sum((comment_ids(r) for r in listing[:pages]), []) == newest


def test_without_matching_comments_there_is_no_count_of_comments(ctx, world):
    talk(world, conversation_in(world), 2, word="doorlooptijden")
    make_agreement(world, title="Afspraken over wachttijden")

    results = found(world, "lezer", WORD)

    assert (results.counts, results.more) == ({"agreement": 1}, set())
    assert (results.count_label(), results.count_label("comment")) == ("1", "0")
    assert found(world, "lezer", WORD, kind="comment").groups == {}


# --- only what the member may read, of this partnership -------------------------------------


def test_comments_in_a_table_the_partner_is_not_in_are_neither_counted_nor_shown(ctx, world):
    theirs = conversation_in(world)  # the partner is a member
    closed = conversation_in(world, members=("teamlid",), name="Zonder partner")
    readable, unreadable = [], []
    for n in range(3):
        readable += talk(world, theirs, 1, label=f"Open {n}")
        unreadable += talk(world, closed, 1, label=f"Dicht {n}")

    partner = found(world, "partner", WORD)
    listing = found(world, "partner", WORD, kind="comment")

    assert partner.counts == {"comment": 3} and partner.more == set()
    assert comment_ids(partner) == comment_ids(listing) == newest_first(readable)
    everything = found(world, "teamlid", WORD, kind="comment")
    assert comment_ids(everything) == newest_first(sorted(readable + unreadable))


def test_the_limit_counts_only_comments_the_member_may_read(ctx, world, monkeypatch):
    monkeypatch.setattr(services, "COMMENT_LIMIT", 2)
    readable = talk(world, conversation_in(world), 2)  # older
    closed = conversation_in(world, members=("teamlid",), name="Zonder partner")
    unreadable = talk(world, closed, 3)  # newer, beyond the partner's reach

    partner = found(world, "partner", WORD)
    listing = found(world, "partner", WORD, kind="comment")
    teamlid = found(world, "teamlid", WORD, kind="comment")

    for results in (partner, listing):
        assert results.counts == {"comment": 2}
        assert results.more == set()
        assert (results.count_label("comment"), results.count_label()) == ("2", "2")
        assert comment_ids(results) == newest_first(readable)
    # Who reads every table gets the two newest of all five, and more.
    assert (teamlid.counts, teamlid.more) == ({"comment": 2}, {"comment"})
    assert comment_ids(teamlid) == newest_first(unreadable)[:2]


def test_comments_of_another_partnership_are_not_found_nor_counted(
    ctx, world, make_partnership, monkeypatch
):
    monkeypatch.setattr(services, "COMMENT_LIMIT", 1)
    other = make_partnership("brabant")
    mine = talk(world, conversation_in(world), 1)  # older than theirs
    talk(other, conversation_in(other), 3)
    talk(other, conversation_in(other, name="Thuiszitters"), 1, word="thuiszitters")

    for role in ("beheerder", "lezer", "teamlid"):
        results = found(world, role, WORD)
        assert (results.counts, results.more) == ({"comment": 1}, set()), role
        assert comment_ids(results) == mine
        assert comment_ids(found(world, role, WORD, kind="comment")) == mine
        assert found(world, role, "thuiszitters").counts == {}
        assert found(world, role, "thuiszitters", kind="comment").groups == {}
    # There, the same search finds their own (the newest one, and more).
    theirs = found(other, "lezer", WORD)
    assert (theirs.counts, theirs.more) == ({"comment": 1}, {"comment"})


# --- edits and moderation -------------------------------------------------------------------


def test_an_edited_comment_keeps_its_place(ctx, world):
    ids = talk(world, conversation_in(world), 3)
    before = document("comment", ids[0]).id
    oldest = db.session.get(Comment, ids[0])

    tables.edit_comment(oldest, uid(world, "teamlid"), "Nu zijn de wachttijden korter.")

    assert document("comment", ids[0]).id == before
    listing = found(world, "lezer", WORD, kind="comment")
    assert comment_ids(listing) == newest_first(ids)
    assert "korter" in listing.groups["comment"][-1].snippet
    assert comment_ids(found(world, "lezer", "korter")) == [ids[0]]


def test_reindexing_keeps_comments_newest_first(ctx, world):
    """`flask search reindex` writes the documents again: an edited (so rewritten) oldest
    comment must not become the newest."""
    ids = talk(world, conversation_in(world), 3)
    tables.edit_comment(
        db.session.get(Comment, ids[0]), uid(world, "teamlid"), "Nu zijn de wachttijden korter."
    )

    services.reindex_all()

    assert comment_ids(found(world, "lezer", WORD, kind="comment")) == newest_first(ids)


def test_a_hidden_comment_is_not_counted(ctx, world, monkeypatch):
    monkeypatch.setattr(services, "COMMENT_LIMIT", 2)
    conversation = conversation_in(world)
    ids = talk(world, conversation, 3)
    assert found(world, "lezer", WORD).more == {"comment"}

    table = db.session.get(ThematicTable, conversation.table_id)
    tables.hide_comment(db.session.get(Comment, ids[2]), access(world, "programmamanager", table),
                        uid(world, "programmamanager"), "Geen verwijten.")  # fmt: skip

    for role in ("lezer", "programmamanager", "teamlid"):
        results = found(world, role, WORD)
        assert (results.counts, results.more) == ({"comment": 2}, set()), role
        assert results.count_label() == "2"
        assert comment_ids(results) == [ids[1], ids[0]]


# --- the page -------------------------------------------------------------------------------


def comment_heading(page: str) -> str:
    match = re.search(r'id="group-comment">([^<]*)</h2>', page)
    assert match, "no group of comments on the page"
    return match.group(1)


@pytest.fixture
def three_comments(app, world) -> list[int]:
    return in_context(app, lambda: talk(world, conversation_in(world), 3))


def test_the_page_says_comments_are_capped_when_there_are_more(
    app, world, three_comments, login_as, monkeypatch
):
    monkeypatch.setattr(services, "COMMENT_LIMIT", 2)
    client = login_as(world, "lezer")

    for args in ({}, {"kind": "comment"}):
        page = results_of(html(client.get(search_url(world, WORD, **args))))

        assert comment_heading(page).endswith("(2+)"), args
        assert message(app, NOTICE, limit=2) in page, args
        total = message(app, "Found for “%(query)s”: %(total)s.", query=WORD, total="2+")
        assert total in page, args
        assert page_comment_ids(page) == newest_first(three_comments)[:2], args
    overview = results_of(html(client.get(search_url(world, WORD))))
    assert re.search(r'kind=comment"[^>]*>[^<]*: 2\+</a>', overview)


def test_the_page_in_english_explains_the_cap(app, world, login_as, monkeypatch):
    monkeypatch.setattr(services, "COMMENT_LIMIT", 3)
    monkeypatch.setattr(services, "PER_KIND", 2)
    in_context(app, lambda: talk(world, conversation_in(world), 5))
    client = login_as(world, "lezer")
    set_language(client, "en")

    page = results_of(html(client.get(search_url(world, WORD))))

    assert comment_heading(page) == "Comments (3+)"
    assert NOTICE % {"limit": 3} in page
    assert "Found for “wachttijd”: 3+." in page
    assert "Comments: 3+</a>" in page
    assert "All 3+ results in Comments</a>" in page


def test_the_page_says_nothing_of_a_cap_it_did_not_reach(
    app, world, three_comments, login_as, monkeypatch
):
    monkeypatch.setattr(services, "COMMENT_LIMIT", 3)
    client = login_as(world, "lezer")

    for language, notice in (("nl", message(app, NOTICE, limit=3)), ("en", NOTICE % {"limit": 3})):
        set_language(client, language)
        for args in ({}, {"kind": "comment"}):
            page = results_of(html(client.get(search_url(world, WORD, **args))))

            assert comment_heading(page).endswith("(3)"), (language, args)
            assert notice not in page, (language, args)
            assert "+" not in re.sub(r"<[^>]+>", "", page), (language, args)
            assert page_comment_ids(page) == newest_first(three_comments), (language, args)


# --- the index is split ---------------------------------------------------------------------


def one_of_each(world) -> tuple[int, int]:
    """An agreement and a comment saying the WORD; their document ids."""
    agreement = make_agreement(world, title="Afspraken over wachttijden")
    [comment] = talk(world, conversation_in(world), 1)
    return document("agreement", agreement.id).id, document("comment", comment).id


def indexed(fts: str) -> set[int]:
    """The documents an FTS5 table has indexed. (SELECT rowid FROM the table itself would
    read its content table, search_document, and so list every document.)"""
    return set(db.session.execute(text(f"SELECT id FROM {fts}_docsize")).scalars())


def matching(fts: str, stem: str = WORD) -> set[int]:
    query = text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :terms")
    return set(db.session.execute(query, {"terms": f'"{stem}"'}).scalars())


def all_documents() -> set[int]:
    return set(db.session.execute(text("SELECT id FROM search_document")).scalars())


@pytest.mark.skipif(POSTGRESQL, reason="the FTS5 tables are SQLite's")
def test_sqlite_indexes_comments_in_an_fts5_table_of_their_own(ctx, world):
    agreement, comment = one_of_each(world)

    assert indexed("comment_fts") == {comment}
    assert indexed("search_fts") == all_documents() - {comment}
    assert agreement in indexed("search_fts")
    assert matching("comment_fts") == {comment}
    assert matching("search_fts") == {agreement}

    # Edited and hidden, the comment stays out of the other table.
    edited = db.session.get(Comment, db.session.get(SearchDocument, comment).object_id)
    tables.edit_comment(edited, uid(world, "teamlid"), "De doorlooptijden lopen op.")
    assert (matching("comment_fts", "doorlooptijd"), matching("search_fts", "doorlooptijd")) == (
        {comment}, set()
    )  # fmt: skip
    assert matching("comment_fts") == set()
    conversation = db.session.get(Conversation, edited.conversation_id)
    table = db.session.get(ThematicTable, conversation.table_id)
    tables.hide_comment(edited, access(world, "programmamanager", table),
                        uid(world, "programmamanager"), "Geen verwijten.")  # fmt: skip
    assert indexed("comment_fts") == set()
    assert indexed("search_fts") == all_documents()


@pytest.mark.skipif(POSTGRESQL, reason="FTS5's merge setting is SQLite's")
def test_sqlite_merges_both_fts5_tables_at_eight_segments_a_level(ctx):
    for fts in ("search_fts", "comment_fts"):
        setting = db.session.execute(
            text(f"SELECT v FROM {fts}_config WHERE k = 'automerge'")  # noqa: S608
        ).scalar()
        assert setting == 8, fts


def partial_indexes() -> dict[str, str]:
    """The GIN indexes on search_document's vector: name -> definition."""
    rows = db.session.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_document' "
            "AND indexdef LIKE '%search_vector%'"
        )
    )
    return dict(rows.all())


@pytest.mark.skipif(not POSTGRESQL, reason="the partial GIN indexes are PostgreSQL's")
def test_postgresql_indexes_comments_in_a_partial_index_of_their_own(ctx, world):
    agreement, comment = one_of_each(world)

    indexes = partial_indexes()

    assert set(indexes) == {"ix_search_document_vector", "ix_search_document_comment_vector"}
    assert re.search(r"USING gin \(search_vector\) WHERE \(\(kind\)::text = 'comment'::text\)",
                     indexes["ix_search_document_comment_vector"])  # fmt: skip
    assert re.search(r"USING gin \(search_vector\) WHERE \(\(kind\)::text <> 'comment'::text\)",
                     indexes["ix_search_document_vector"])  # fmt: skip
    assert found(world, "lezer", WORD).counts == {"agreement": 1, "comment": 1}


@pytest.mark.skipif(not POSTGRESQL, reason="SQLite reads comments from their own FTS5 table")
def test_postgresql_has_the_comments_ids_in_an_index_of_their_own(ctx, world):
    """Read newest first, a search of comments walks this index and stops early, instead
    of passing every newer document of another kind on the primary key (0023)."""
    definition = db.session.execute(
        text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_document_comment_newest'"
        )
    ).scalar_one()
    assert re.search(r"btree \(id\) WHERE \(\(kind\)::text = 'comment'::text\)", definition)


# --- migration 0011 goes down and up ---------------------------------------------------------

TOP_LEVEL_ADD = "ALTER TABLE conversation ADD COLUMN top_level_count INTEGER NOT NULL DEFAULT 0"
TOP_LEVEL_DROP = "ALTER TABLE conversation DROP COLUMN top_level_count"


def test_migration_0011_goes_down_to_one_index_and_up_to_two(app, world):
    """On the shared test database; whatever happens, it is upgraded again at the end."""
    agreement, comment = in_context(app, one_of_each, world)

    def comment_while_down() -> int:
        conversation = conversation_in(world, name="Na de downgrade")
        [later] = talk(world, conversation, 1)
        return document("comment", later).id

    def check_down() -> None:
        if POSTGRESQL:
            indexes = partial_indexes()
            assert set(indexes) == {"ix_search_document_vector"}
            assert " WHERE " not in indexes["ix_search_document_vector"]
        else:
            tables_there = db.session.execute(
                text("SELECT name FROM sqlite_master WHERE name = 'comment_fts'")
            ).all()
            assert tables_there == []
            assert indexed("search_fts") == all_documents()
            assert matching("search_fts") == {agreement, comment, later}

    def check_up() -> None:
        if POSTGRESQL:
            indexes = partial_indexes()
            assert set(indexes) == {
                "ix_search_document_vector", "ix_search_document_comment_vector"
            }  # fmt: skip
            assert "<> 'comment'" in indexes["ix_search_document_vector"]
            assert "= 'comment'" in indexes["ix_search_document_comment_vector"]
        else:
            assert indexed("comment_fts") == {comment, later}
            assert indexed("search_fts") == all_documents() - {comment, later}
            assert matching("comment_fts") == {comment, later}
            assert matching("search_fts") == {agreement}
        results = found(world, "lezer", WORD)
        assert results.counts == {"agreement": 1, "comment": 2}
        assert comment_ids(results) == [document_object(later), document_object(comment)]

    def document_object(document_id: int) -> int:
        return db.session.execute(
            text("SELECT object_id FROM search_document WHERE id = :id"), {"id": document_id}
        ).scalar_one()

    try:
        with app.app_context():
            db.session.remove()
            downgrade(revision="0010_data_version")
        # Kept data (app/kept.py, 0022) counts writes in a table
        # this old schema does not have: not while the app writes on it. And the app of
        # today keeps a conversation's top-level comments (0024): the column is there only
        # while it writes.
        event.remove(Session, "before_commit", kept_before_commit)
        with app.app_context():
            db.session.execute(text(TOP_LEVEL_ADD))
            db.session.commit()
        try:
            later = in_context(app, comment_while_down)
        finally:
            event.listen(Session, "before_commit", kept_before_commit)
            with app.app_context():
                db.session.execute(text(TOP_LEVEL_DROP))
                db.session.commit()
        in_context(app, check_down)
        with app.app_context():
            db.session.remove()
            upgrade()
        in_context(app, check_up)
    finally:
        with app.app_context():
            db.session.remove()
            upgrade()  # to head, if a check above failed while down
