"""No result, count or snippet leaks what the member may not read: across partnerships,
across organisations (case details, concept reviews and their lessons), and across
thematic tables a partner is not a member of. Checked in the service's Results and in the
rendered page (full and htmx), for every role."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from app.auth.models import User
from app.extensions import db
from app.partnerships.models import ROLES, Membership, Participation
from app.reviews.models import Review
from app.tables import services as tables
from app.tables.models import TableMember, ThematicTable
from tests.conftest import message
from tests.reviews.helpers import SECRETS, add_lesson, finalise, make_review
from tests.search.helpers import (
    REVIEW_KINDS,
    a_bit_of_everything,
    found,
    hit_links,
    html,
    in_context,
    logged_in,
    make_agreement,
    results_of,
    shown_counts,
    shown_groups,
    text_of,
    url,
)
from tests.tables.helpers import local_now, make_table, plan, say, start, uid

PROVIDER = ("teamlid", "partner")  # the organisation that records the review
MUNICIPALITY = ("beheerder", "programmamanager", "bestuurder", "lezer")
# Every kind of document the areas index, in the order results are shown.
ALL_KINDS = ("document", "principle", "agreement", "risk", "conversation", "comment", "meeting", "review",
             "case", "lesson", "cycle", "decision")  # fmt: skip
TABLE_KINDS = ("conversation", "comment", "meeting")


def counts_for(app, world, role: str, query: str, kind: str | None = None) -> dict[str, int]:
    return in_context(app, lambda: found(world, role, query, kind).counts)


def page_for(app, world, role: str, query: str, **args) -> str:
    client = logged_in(app, world.users[role].email)
    response = client.get(url(world, query, **args))
    assert response.status_code == 200
    return html(response)


def assert_page_shows(app, world, page: str, query: str, counts: dict[str, int]) -> None:
    """The page shows exactly these counts, and hits only of this partnership."""
    results = results_of(page)
    total = sum(counts.values())
    if total:
        found_text = message(app, "Found for “%(query)s”: %(total)s.", query=query, total=total)
        assert found_text in results
        assert shown_counts(results) == counts
    else:
        assert message(app, "Nothing found for “%(query)s”.", query=query) in results
        assert "<mark>" not in results
        assert shown_counts(results) == {}
    assert shown_groups(results) == counts
    links = hit_links(results)
    assert len(links) == total  # at most one hit per kind in these tests
    assert all(link.startswith(f"/p/{world.slug}/") for link in links), links


def expected(*kinds: str) -> dict[str, int]:
    return {kind: 1 for kind in ALL_KINDS if kind in kinds}


# --- across partnerships -------------------------------------------------------------------


@pytest.fixture
def two_partnerships(app, make_partnership):
    """Two partnerships with an object of every kind; only the other one says
    'thuiszitters', only ours 'wachttijden'."""
    mine, theirs = make_partnership("eemland"), make_partnership("brabant")
    in_context(app, a_bit_of_everything, mine)
    in_context(app, a_bit_of_everything, theirs, word="thuiszitters")
    return mine, theirs


@pytest.mark.parametrize("role", ROLES)
def test_a_term_of_another_partnership_finds_nothing_and_counts_nothing(
    app, two_partnerships, role
):
    mine, theirs = two_partnerships

    for kind in (None, *ALL_KINDS):
        assert counts_for(app, mine, role, "thuiszitters", kind) == {}, kind
    page = page_for(app, mine, role, "thuiszitters")
    assert_page_shows(app, mine, page, "thuiszitters", {})
    assert "/p/brabant/" not in page
    # In their own partnership the same member role does find them.
    assert counts_for(app, theirs, role, "thuiszitters")


@pytest.mark.parametrize("role", ROLES)
def test_a_common_term_finds_only_this_partnerships_objects(app, two_partnerships, role):
    mine, theirs = two_partnerships
    in_context(app, make_agreement, theirs, title="Wachttijden in Brabant")
    own = expected(*ALL_KINDS) if role in PROVIDER else expected(*set(ALL_KINDS) - {*REVIEW_KINDS})

    assert counts_for(app, mine, role, "wachttijden") == own
    assert_page_shows(app, mine, page_for(app, mine, role, "wachttijden"), "wachttijden", own)
    assert "Brabant" not in page_for(app, mine, role, "wachttijden", kind="agreement")


def test_a_member_of_both_partnerships_finds_in_each_only_its_own(app, two_partnerships):
    mine, theirs = two_partnerships
    with app.app_context():
        db.session.add(
            Membership(user_id=mine.users["lezer"].id, partnership_id=theirs.partnership.id,
                       organisation_id=theirs.municipality.id, role="lezer")
        )  # fmt: skip
        db.session.commit()
    client = logged_in(app, mine.users["lezer"].email)

    here = html(client.get(url(mine, "thuiszitters")))
    there = html(client.get(url(theirs, "thuiszitters")))
    not_there = html(client.get(url(theirs, "wachttijden")))

    assert_page_shows(app, mine, here, "thuiszitters", {})
    assert_page_shows(
        app, theirs, there, "thuiszitters", expected(*set(ALL_KINDS) - {*REVIEW_KINDS})
    )
    assert_page_shows(app, theirs, not_there, "wachttijden", {})


def test_case_details_stay_in_the_organisation_and_the_partnership(app, two_partnerships):
    """The provider organisation also takes part in the other partnership: its members
    there still find nothing of the case recorded here."""
    mine, theirs = two_partnerships
    with app.app_context():
        user = User(
            email="teamlid-elders@brabant.test",
            name="Elders",
            password_hash=db.session.get(User, mine.users["teamlid"].id).password_hash,
        )
        db.session.add_all([
            user,
            Participation(partnership_id=theirs.partnership.id, organisation_id=mine.provider.id),
            Membership(user=user, partnership_id=theirs.partnership.id,
                       organisation_id=mine.provider.id, role="teamlid"),
        ])  # fmt: skip
        db.session.commit()
    client = logged_in(app, "teamlid-elders@brabant.test")

    for query in ("wachttijden", "ZEBRAGEHEIM", "Noord"):
        page = html(client.get(url(theirs, query)))
        assert_page_shows(app, theirs, page, query, {})
        assert "/p/eemland/" not in page


# --- across organisations: case details and concept reviews ---------------------------------


@pytest.fixture
def concept(app, world) -> int:
    """A concept review recorded by the teamlid (provider) with a lesson; its id."""

    def make():
        review = make_review(world)  # title "Gezin met twee aanbieders", SECRETS in the case
        add_lesson(world, review, text="Eén regisseur vanaf de aanmelding.")
        return review.id

    return in_context(app, make)


@pytest.mark.parametrize("role", MUNICIPALITY)
def test_another_organisation_finds_nothing_of_a_concept_review(app, world, concept, role):
    for query in ("aanbieders", "regisseur", "Noord", *SECRETS):
        assert counts_for(app, world, role, query) == {}, query
        for kind in REVIEW_KINDS:
            assert counts_for(app, world, role, query, kind) == {}, (query, kind)
        page = page_for(app, world, role, query)
        assert_page_shows(app, world, page, query, {})
        # No snippet: none of the case's other words is on the page.
        others = {"regisseur", "aanmelding", "aanbieders", "gedragswetenschapper", *SECRETS}
        assert not [w for w in others - {query} if w in text_of(results_of(page))], query


@pytest.mark.parametrize("role", PROVIDER)
def test_the_recording_organisation_finds_its_concept_review(app, world, concept, role):
    assert counts_for(app, world, role, "aanbieders") == expected(*REVIEW_KINDS)
    assert counts_for(app, world, role, "regisseur") == expected("lesson")
    for secret in SECRETS:
        if secret == "OKAPIDOEL":  # the aims of a quality review; this is a casusbespreking
            continue
        assert counts_for(app, world, role, secret) == expected("case"), secret
    page = page_for(app, world, role, "ZEBRAGEHEIM")
    assert_page_shows(app, world, page, "ZEBRAGEHEIM", expected("case"))
    assert "<mark>ZEBRAGEHEIM</mark>" in page


@pytest.mark.parametrize("role", ROLES)
def test_once_final_the_review_and_lessons_are_shared_but_the_case_never(app, world, concept, role):
    def share():
        finalise(world, db.session.get(Review, concept))

    in_context(app, share)
    case = ("case",) if role in PROVIDER else ()

    assert counts_for(app, world, role, "aanbieders") == expected("review", "lesson", *case)
    assert counts_for(app, world, role, "regisseur") == expected("lesson")
    assert counts_for(app, world, role, "ZEBRAGEHEIM") == expected(*case)
    assert counts_for(app, world, role, "ZEBRAGEHEIM", kind="case") == expected(*case)
    page = page_for(app, world, role, "aanbieders")
    assert_page_shows(app, world, page, "aanbieders", expected("review", "lesson", *case))
    if not case:
        assert not [secret for secret in SECRETS if secret in page]
        assert "Noord" not in page


# --- across thematic tables -----------------------------------------------------------------


@pytest.fixture
def table_without_partner(app, world) -> int:
    """Everything of every kind says 'wachttijden'; the table (chair: bestuurder, member:
    teamlid) does not have the partner as a member. Returns the table's id."""
    return in_context(app, lambda: a_bit_of_everything(world, members=("teamlid",))["table"])


# Words said only in the table: in its conversation's introduction (and so not in the
# comments, which carry the conversation's title), a comment, and the meeting's place.
SAID_IN_THE_TABLE = {"meerdere": "conversation", "gehalveerd": "comment", "stadhuis": "meeting"}


def test_a_partner_finds_nothing_said_in_a_table_they_are_not_in(app, world, table_without_partner):
    outside = expected(*set(ALL_KINDS) - set(TABLE_KINDS))

    assert counts_for(app, world, "partner", "wachttijden") == outside
    for kind in TABLE_KINDS:
        assert counts_for(app, world, "partner", "wachttijden", kind) == outside
        page = page_for(app, world, "partner", "wachttijden", kind=kind)
        assert f"/tables/{table_without_partner}" not in page
    for query in SAID_IN_THE_TABLE:
        assert counts_for(app, world, "partner", query) == {}
        assert_page_shows(app, world, page_for(app, world, "partner", query), query, {})
    page = page_for(app, world, "partner", "wachttijden")
    assert_page_shows(app, world, page, "wachttijden", outside)
    assert f"/tables/{table_without_partner}" not in page
    assert not [word for word in SAID_IN_THE_TABLE if word in page]


def test_htmx_results_leak_no_more_than_the_page(app, world, table_without_partner):
    client = logged_in(app, world.users["partner"].email)
    partial = html(client.get(url(world, "gehalveerd"), headers={"HX-Request": "true"}))
    assert "<html" not in partial
    assert_page_shows(app, world, partial, "gehalveerd", {})


@pytest.mark.parametrize(
    "role", ("beheerder", "programmamanager", "bestuurder", "teamlid", "lezer")
)
def test_who_reads_every_table_finds_what_is_said_in_it(app, world, table_without_partner, role):
    for query, kind in SAID_IN_THE_TABLE.items():
        assert counts_for(app, world, role, query) == expected(kind), query
    tables_found = counts_for(app, world, role, "wachttijden")
    assert {k: tables_found.get(k) for k in TABLE_KINDS} == expected(*TABLE_KINDS)
    page = page_for(app, world, role, "gehalveerd")
    assert_page_shows(app, world, page, "gehalveerd", expected("comment"))
    assert "<mark>gehalveerd</mark>" in page


def test_a_partner_added_to_the_table_finds_it_and_removed_no_longer(
    app, world, table_without_partner
):
    def change(service):
        table = db.session.get(ThematicTable, table_without_partner)
        service(table, uid(world, "partner"), uid(world, "programmamanager"))

    in_context(app, change, tables.add_member)
    assert counts_for(app, world, "partner", "wachttijden") == expected(*ALL_KINDS)
    page = page_for(app, world, "partner", "gehalveerd")
    assert_page_shows(app, world, page, "gehalveerd", expected("comment"))

    in_context(app, change, tables.remove_member)
    assert counts_for(app, world, "partner", "gehalveerd") == {}
    assert_page_shows(app, world, page_for(app, world, "partner", "gehalveerd"), "gehalveerd", {})


def test_a_partner_finds_only_the_tables_they_are_in(app, world, table_without_partner):
    def other_table():
        table = make_table(world, name="18-/18+", chair="programmamanager", members=("partner",))
        conversation = start(world, table, role="partner", title="Overgang naar volwassenheid")
        say(world, conversation, "partner", "Het gat bij achttien jaar.")
        plan(world, table, local_now(), title="Overleg volwassenheid")

    in_context(app, other_table)

    assert counts_for(app, world, "partner", "volwassenheid") == expected(*TABLE_KINDS)
    assert counts_for(app, world, "partner", "achttien") == expected("comment")
    assert counts_for(app, world, "partner", "gehalveerd") == {}


def test_a_partner_who_chairs_a_table_finds_what_is_said_in_it(app, world):
    def chaired():
        return a_bit_of_everything(world, members=("teamlid",), chair="partner")["table"]

    table_id = in_context(app, chaired)
    assert counts_for(app, world, "partner", "gehalveerd") == expected("comment")
    assert counts_for(app, world, "partner", "wachttijden") == expected(*ALL_KINDS)

    # Even where the chair's membership row is missing (data from before it was added).
    with app.app_context():
        db.session.execute(delete(TableMember).where(TableMember.table_id == table_id))
        db.session.commit()
    assert counts_for(app, world, "partner", "gehalveerd") == expected("comment")
    assert counts_for(app, world, "lezer", "gehalveerd") == expected("comment")
