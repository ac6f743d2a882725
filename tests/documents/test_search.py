"""Documents in search: found by name (and by text where it is not a case detail), only by
the members policy.may_read_document lets read them, and kept current on attach, new
version, archive, finalising a review, hiding a comment and the retention purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import registry
from app.documents import search as document_search
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db
from app.partnerships.models import ROLES, Membership
from app.policy import may_read_document
from app.reviews import services as reviews
from app.search.models import SearchDocument
from app.search.services import reindex_all
from app.tables import services as tables
from app.timeutil import utcnow
from tests.cycles.helpers import make_cycle
from tests.documents import builders
from tests.reviews.helpers import finalise, make_review
from tests.risks.helpers import make as make_risk
from tests.search.helpers import found, make_agreement
from tests.tables.helpers import access, local_now, make_table, plan, say, start, uid

WORD = "kwartaalcijfers"


def member(world, role: str) -> Membership:
    return db.session.get(Membership, world.memberships[role].id)


def attach(world, kind: str, object_id: int, name: str, text: str = "", *, role="teamlid",
           shareable=False, data: bytes | None = None) -> Document:  # fmt: skip
    return documents.attach(
        world.partnership.id, kind, object_id, data or f"{text or name}\n".encode(),
        name, user_id=uid(world, role), shareable=shareable,
    )  # fmt: skip


def found_names(world, role: str, query: str) -> set[str]:
    results = found(world, role, query, kind="document")
    return {str(hit.title.striptags()) for hit in results.groups.get("document", [])}


def readable_names(world, role: str, attached: list[Document]) -> set[str]:
    """What policy.may_read_document lets this member read, through the object's area."""
    membership = member(world, role)
    names = set()
    for document in attached:
        target = registry.attachables[document.object_kind].resolve(document.object_id, membership)
        if target is not None and may_read_document(membership, document, target):
            names.add(document.name)
    return names


@pytest.fixture
def attached(ctx, world) -> list[Document]:
    """A document (named "<where> kwartaalcijfers.txt") on an object of every kind that
    decides differently who reads it. The table is chaired by the bestuurder with the
    teamlid as member (the partner is not in it); the reviews are the teamlid's, of the
    provider organisation."""
    agreement = make_agreement(world)
    risk = make_risk(world)
    cycle = make_cycle(world)
    table = make_table(world, chair="bestuurder", members=("teamlid",))
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "Zie de bijlage.")
    meeting = plan(world, table, local_now() + timedelta(days=3))
    concept = make_review(world, title="Concept")
    final = make_review(world, title="Vastgesteld")
    made = [
        attach(world, "agreement", agreement.id, f"afspraak {WORD}.txt", role="programmamanager"),
        attach(world, "risk", risk.id, f"risico {WORD}.txt", role="programmamanager"),
        attach(world, "cycle", cycle.id, f"cyclus {WORD}.txt", role="programmamanager"),
        attach(world, "comment", comment.id, f"reactie {WORD}.txt"),
        attach(world, "meeting", meeting.id, f"notulen {WORD}.txt", role="bestuurder"),
        attach(world, "review", concept.id, f"concept {WORD}.txt"),
        attach(world, "review", final.id, f"casus {WORD}.txt"),
        attach(world, "review", final.id, f"deelbaar {WORD}.txt", shareable=True),
    ]
    finalise(world, final)
    return made


@pytest.mark.parametrize("role", ROLES)
def test_search_finds_exactly_the_documents_the_member_may_read(world, attached, role):
    expected = readable_names(world, role, attached)
    assert found_names(world, role, WORD) == expected
    # The fixture tells the cases apart: each role is refused something, or reads all.
    assert expected, role


def test_the_fixture_covers_every_rule(world, attached):
    by_role = {role: found_names(world, role, WORD) for role in ROLES}
    everyone = {f"{w} {WORD}.txt" for w in ("afspraak", "risico", "cyclus", "deelbaar")}
    table = {f"reactie {WORD}.txt", f"notulen {WORD}.txt"}
    provider = {f"concept {WORD}.txt", f"casus {WORD}.txt"}
    assert by_role["teamlid"] == everyone | table | provider
    assert by_role["partner"] == everyone | provider  # not in the table
    for role in ("beheerder", "programmamanager", "bestuurder", "lezer"):  # the municipality
        assert by_role[role] == everyone | table, role


def test_text_is_searchable_except_for_case_details(ctx, world):
    agreement = make_agreement(world)
    review = make_review(world)
    attach(world, "agreement", agreement.id, "verslag.pdf",
           data=builders.pdf(["Inleiding", "Het zorglandschap verandert."]))  # fmt: skip
    attach(world, "review", review.id, "casus.docx",
           data=builders.docx(["Het zorglandschap van dit gezin."]))  # fmt: skip
    assert found_names(world, "teamlid", "zorglandschap") == {"verslag.pdf"}
    assert found_names(world, "teamlid", "casus") == {"casus.docx"}
    [row] = db.session.scalars(select(SearchDocument).where(SearchDocument.title == "casus.docx"))
    assert (row.body, row.organisation_id) == ("casus docx", world.provider.id)


def test_the_indexed_text_is_capped(ctx, world):
    agreement = make_agreement(world)
    filler = "woord " * (document_search.SEARCH_TEXT // 6 + 10)
    attach(world, "agreement", agreement.id, "lang.txt", f"begin {filler} slotakkoord")
    assert found_names(world, "lezer", "begin") == {"lang.txt"}
    assert found_names(world, "lezer", "slotakkoord") == set()
    [row] = db.session.scalars(select(SearchDocument).where(SearchDocument.title == "lang.txt"))
    assert len(row.body) <= len("lang txt\n") + document_search.SEARCH_TEXT


def test_a_new_version_and_archiving_keep_the_index_current(ctx, world):
    agreement = make_agreement(world)
    document = attach(world, "agreement", agreement.id, "monitor.txt", "oude inhoud appelboom")
    documents.add_version(document, b"nieuwe inhoud perenboom\n", "monitor.txt", user_id=None)
    assert found_names(world, "lezer", "appelboom") == set()
    assert found_names(world, "lezer", "perenboom") == {"monitor.txt"}
    documents.add_version(document, b"nieuwe inhoud perenboom\n", "monitor-v3.txt", user_id=None)
    assert found_names(world, "lezer", "perenboom") == {"monitor-v3.txt"}
    documents.archive(document)
    assert found_names(world, "lezer", "perenboom") == set()
    # Rebuilding the index leaves archived documents out too.
    reindex_all(world.partnership.id)
    assert found_names(world, "lezer", "perenboom") == set()


def test_a_hidden_comments_documents_are_no_longer_found(ctx, world):
    table = make_table(world, chair="bestuurder", members=("teamlid",))
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "Zie bijlage.")
    attach(world, "comment", comment.id, "bijlage.txt", "bijlage")
    assert found_names(world, "programmamanager", "bijlage") == {"bijlage.txt"}
    tables.hide_comment(comment, access(world, "programmamanager", table),
                        uid(world, "programmamanager"), "Niet hier.")  # fmt: skip
    assert found_names(world, "programmamanager", "bijlage") == set()
    assert found_names(world, "teamlid", "bijlage") == set()


def test_finalising_shares_only_the_shareable_documents_in_search(ctx, world):
    review = make_review(world)
    attach(world, "review", review.id, "gedeeld.txt", "Algemene les.", shareable=True)
    attach(world, "review", review.id, "intern.txt", "Alleen intern.")
    assert found_names(world, "bestuurder", "txt") == set()
    finalise(world, review)
    assert found_names(world, "bestuurder", "txt") == {"gedeeld.txt"}
    assert found_names(world, "teamlid", "txt") == {"gedeeld.txt", "intern.txt"}


def test_the_retention_purge_takes_case_documents_out_of_search(ctx, world):
    review = make_review(world)
    attach(world, "review", review.id, "gedeeld.txt", "Algemene les.", shareable=True)
    attach(world, "review", review.id, "intern.txt", "Alleen intern.")
    finalise(world, review)
    review.finalised_at = utcnow() - timedelta(days=900)
    db.session.commit()
    assert reviews.purge_expired() == 1
    assert found_names(world, "teamlid", "txt") == {"gedeeld.txt"}
    titles = set(db.session.scalars(select(SearchDocument.title).filter_by(kind="document")))
    assert titles == {"gedeeld.txt"}
