"""The one link mechanism from other areas to principles, and the principle page's sections."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from app.errors import ServiceError
from app.extensions import db
from app.manifest import links
from app.manifest.models import PrincipleLink
from tests.conftest import message
from tests.manifest.helpers import build_manifest, built, in_context, said

EMPTY_STATES = (
    "No agreement implements this principle yet.",
    "No risk has been linked to this principle yet.",
    "No review has scored this principle yet.",
    "No lesson cites this principle yet.",
)
SECTION_TITLES = (
    "Agreements that implement this principle",
    "Risks that threaten this principle",
    "Reviews that scored practice against this principle",
    "Lessons that cite this principle",
)


def describe_agreements(ids):
    return {i: (f"Afspraak {i}", f"/x/{i}") for i in ids}


def stored_links(partnership_id) -> set[tuple]:
    return {
        (link.principle_id, link.source_type, link.source_id, link.relation)
        for link in db.session.execute(
            select(PrincipleLink).where(PrincipleLink.partnership_id == partnership_id)
        ).scalars()
    }


def test_set_links_stores_the_links(ctx, world):
    ids = build_manifest(world).ids

    links.set_links(world.partnership.id, "agreement", 5, "implements", [ids["Samen"], ids["Open"]])
    db.session.commit()

    assert stored_links(world.partnership.id) == {
        (ids["Samen"], "agreement", 5, "implements"),
        (ids["Open"], "agreement", 5, "implements"),
    }
    assert sorted(links.linked_principle_ids("agreement", 5, "implements")) == sorted(
        [ids["Samen"], ids["Open"]]
    )


def test_set_links_replaces_the_previous_links(ctx, world):
    ids = build_manifest(world).ids
    links.set_links(world.partnership.id, "agreement", 5, "implements", [ids["Samen"], ids["Open"]])
    links.set_links(world.partnership.id, "risk", 5, "threatens", [ids["Samen"]])
    db.session.commit()

    links.set_links(
        world.partnership.id, "agreement", 5, "implements", [str(ids["Open"]), ids["Lerend"]]
    )
    db.session.commit()

    assert sorted(links.linked_principle_ids("agreement", 5, "implements")) == sorted(
        [ids["Open"], ids["Lerend"]]
    )
    # Only that source's links with that relation are replaced.
    assert links.linked_principle_ids("risk", 5, "threatens") == [ids["Samen"]]

    links.set_links(world.partnership.id, "agreement", 5, "implements", [])
    db.session.commit()

    assert links.linked_principle_ids("agreement", 5, "implements") == []
    assert stored_links(world.partnership.id) == {(ids["Samen"], "risk", 5, "threatens")}


def test_set_links_refuses_a_principle_of_another_partnership(ctx, world, make_partnership):
    ids = build_manifest(world).ids
    other = build_manifest(make_partnership("ander")).ids
    links.set_links(world.partnership.id, "agreement", 5, "implements", [ids["Samen"]])
    db.session.commit()

    for wanted in ([other["Samen"]], [ids["Open"], other["Open"]], [999999]):
        with pytest.raises(ServiceError) as caught:
            links.set_links(world.partnership.id, "agreement", 5, "implements", wanted)
        db.session.rollback()
        assert str(caught.value.message) == said("Choose principles of this partnership.")
        assert caught.value.field == "principles"

    assert stored_links(world.partnership.id) == {(ids["Samen"], "agreement", 5, "implements")}


def test_sections_use_the_registered_describer(ctx, world, describers):
    ids = build_manifest(world).ids
    describers.register("agreement", describe_agreements)
    links.set_links(world.partnership.id, "agreement", 5, "implements", [ids["Open"]])
    links.set_links(world.partnership.id, "agreement", 9, "implements", [ids["Open"]])
    links.set_links(world.partnership.id, "agreement", 6, "implements", [ids["Samen"]])
    db.session.commit()

    sections = links.sections_for(ids["Open"])

    assert [(s.source_type, s.relation) for s, _ in sections] == [
        ("agreement", "implements"),
        ("risk", "threatens"),
        ("review", "scores"),
        ("lesson", "cites"),
    ]
    assert sections[0][1] == [("Afspraak 5", "/x/5"), ("Afspraak 9", "/x/9")]
    assert all(items == [] for _, items in sections[1:])


def test_links_without_a_describer_are_not_shown(ctx, world, no_describers):
    ids = build_manifest(world).ids
    links.set_links(world.partnership.id, "lesson", 3, "cites", [ids["Open"]])
    db.session.commit()

    assert all(items == [] for _, items in links.sections_for(ids["Open"]))


def test_principle_page_shows_the_empty_states(app, world, login_as, no_describers):
    ids = built(app, world).ids
    client = login_as(world, "lezer")

    response = client.get(f"/p/{world.slug}/manifest/principles/{ids['Open']}")

    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    for text in (*SECTION_TITLES, *EMPTY_STATES):
        assert unescape(message(app, text)) in page, text


def test_principle_page_lists_what_refers_to_it(app, world, login_as, describers):
    ids = built(app, world).ids

    def link():
        describers.register("agreement", describe_agreements)
        links.set_links(world.partnership.id, "agreement", 5, "implements", [ids["Open"]])
        db.session.commit()

    in_context(app, link)
    client = login_as(world, "teamlid")

    page = client.get(f"/p/{world.slug}/manifest/principles/{ids['Open']}").get_data(as_text=True)
    other = client.get(f"/p/{world.slug}/manifest/principles/{ids['Samen']}").get_data(as_text=True)

    assert '<a class="utrecht-link" href="/x/5">Afspraak 5</a>' in page
    assert message(app, EMPTY_STATES[0]) not in page
    for text in EMPTY_STATES[1:]:
        assert message(app, text) in page, text
    assert "Afspraak 5" not in other
    assert message(app, EMPTY_STATES[0]) in other
