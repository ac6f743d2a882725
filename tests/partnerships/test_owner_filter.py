"""The owner filter of the agreement and risk lists offers only the people who own
something there, at most OWNER_CHOICES of them, in one query however many members."""

from __future__ import annotations

import re

import pytest

from app.agreements.models import Agreement
from app.extensions import db
from app.partnerships import services
from app.risks.models import Risk
from tests.agreements.helpers import make_in as make_agreement
from tests.agreements.test_queries import add_members
from tests.risks.helpers import category_in
from tests.risks.helpers import make_in as make_risk


def options(page: str, name: str) -> list[str]:
    """The texts of the options of the select with this name, the "all" option left out."""
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select named {name!r}"
    return [t for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', match.group(1)) if v]


def choices(app, column, partnership_column, world, chosen=None, limit=services.OWNER_CHOICES):
    with app.app_context():
        try:
            return services.owner_choices(
                column, partnership_column, world.partnership.id, chosen, limit
            )
        finally:
            db.session.remove()


def test_the_agreement_owner_filter_lists_only_owners(app, world, login_as):
    make_agreement(app, world, title="Eén", owner_id=world.users["teamlid"].id)
    make_agreement(app, world, title="Twee", owner_id=world.users["teamlid"].id)
    make_agreement(app, world, title="Drie", owner_id=world.users["beheerder"].id)
    make_agreement(app, world, title="Zonder eigenaar", owner_id=None)
    client = login_as(world, "lezer")

    page = client.get(f"/p/{world.slug}/agreements/").get_data(as_text=True)

    owners = options(page, "owner")
    assert owners == sorted([world.users["teamlid"].name, world.users["beheerder"].name])
    assert world.users["lezer"].name not in owners


def test_the_risk_owner_filter_lists_only_owners(app, world, login_as):
    category = category_in(app, world)
    make_risk(app, world, category_id=category, owner_id=world.users["programmamanager"].id)
    make_risk(app, world, category_id=category, owner_id=None)
    client = login_as(world, "lezer")

    page = client.get(f"/p/{world.slug}/risks/").get_data(as_text=True)

    assert options(page, "owner") == [world.users["programmamanager"].name]


def test_owners_are_bounded_to_those_owning_most_and_the_chosen_one_is_kept(app, world):
    with app.app_context():
        people = add_members(world, 5)
        db.session.commit()
        db.session.remove()
    # people[0] owns three, people[1] two, the others one each.
    for n, owner in enumerate([0, 0, 0, 1, 1, 2, 3, 4]):
        make_agreement(app, world, title=f"Afspraak {n}", owner_id=people[owner])

    top = choices(app, Agreement.owner_id, Agreement.partnership_id, world, limit=2)
    assert [uid for uid, _ in top] == sorted(people[:2], key=lambda u: dict(top)[u])
    assert {uid for uid, _ in top} == {people[0], people[1]}
    kept = choices(app, Agreement.owner_id, Agreement.partnership_id, world, people[4], limit=2)
    assert {uid for uid, _ in kept} == {people[0], people[1], people[4]}
    # A chosen id of someone who owns nothing here (or of no one) adds nobody.
    for nobody in (world.users["lezer"].id, 999_999):
        shown = choices(app, Agreement.owner_id, Agreement.partnership_id, world, nobody, limit=2)
        assert {uid for uid, _ in shown} == {people[0], people[1]}


def test_owners_of_another_partnership_are_not_offered(app, world, make_partnership):
    other = make_partnership("elders")
    make_agreement(app, other, title="Elders", owner_id=other.users["teamlid"].id)
    make_agreement(app, world, title="Hier", owner_id=world.users["teamlid"].id)

    shown = choices(app, Agreement.owner_id, Agreement.partnership_id, world,
                    other.users["teamlid"].id)  # fmt: skip

    assert [uid for uid, _ in shown] == [world.users["teamlid"].id]
    assert choices(app, Risk.owner_id, Risk.partnership_id, world) == []


@pytest.mark.parametrize("area", ["agreements", "risks"])
def test_the_owner_filter_costs_the_same_with_many_members(
    app, world, login_as, count_queries, area
):
    client = login_as(world, "lezer")
    path = f"/p/{world.slug}/{area}/"
    # The first view writes the default risk categories; the second makes again what is
    # kept until a change (app/kept.py). Then the figures are steady.
    client.get(path), client.get(path)
    with count_queries() as few:
        client.get(path)
    with app.app_context():
        add_members(world, 400)
        db.session.commit()
        db.session.remove()
    client.get(path)  # what is kept until a change (app/kept.py) is made again first
    with count_queries() as many:
        page = client.get(path).get_data(as_text=True)
    assert len(many) == len(few)
    assert "Lid 399" not in page  # members who own nothing are not offered
