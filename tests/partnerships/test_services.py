"""The use cases of partnerships, organisations and memberships, called directly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.activity.models import AuditEvent
from app.errors import ServiceError
from app.extensions import db
from app.partnerships import services
from app.partnerships.models import Membership, Organisation, Participation, Partnership


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.fixture
def p(ctx, world):
    """world's partnership, attached to the test's session."""
    return db.session.get(Partnership, world.partnership.id)


def member(world, role) -> Membership:
    return db.session.get(Membership, world.memberships[role].id)


def participation(partnership, organisation_id) -> Participation:
    return services.participation_of(partnership, organisation_id)


# --- partnerships -----------------------------------------------------------------------------


def test_create_partnership(ctx):
    partnership = services.create_partnership(" Regio Test ", "regio-test", "Over ons")
    db.session.commit()
    assert (partnership.name, partnership.slug) == ("Regio Test", "regio-test")
    assert count(AuditEvent, AuditEvent.object_type == "Partnership") == 1


@pytest.mark.parametrize(
    ("name", "slug", "field"),
    [
        ("", "goed", "name"),
        ("Naam", "Hoofdletters", "slug"),
        ("Naam", "met spatie", "slug"),
        ("Naam", "-rand-", "slug"),
        ("Naam", "testverband", "slug"),  # taken
    ],
)
def test_create_partnership_refusals(ctx, world, name, slug, field):
    with pytest.raises(ServiceError) as refusal:
        services.create_partnership(name, slug)
    assert refusal.value.field == field


def test_partnerships_of_lists_active_memberships_by_name(ctx, make_partnership):
    world = make_partnership("zulu", name="Zulu")
    other = make_partnership("alfa", name="Alfa")
    db.session.add(
        Membership(
            user_id=world.users["lezer"].id,
            partnership_id=other.partnership.id,
            organisation_id=other.provider.id,
            role="lezer",
        )
    )
    db.session.commit()
    lezer = world.users["lezer"]
    assert [p.slug for p in services.partnerships_of(lezer)] == ["alfa", "zulu"]

    member(world, "lezer").active = False
    db.session.commit()
    assert [p.slug for p in services.partnerships_of(lezer)] == ["alfa"]


# --- organisations ----------------------------------------------------------------------------


def test_add_organisation_creates_and_joins(p):
    organisation = services.add_organisation(p, "Nieuwe Stichting", "aanbieder")
    assert organisation.id is not None
    assert participation(p, organisation.id).active
    assert count(AuditEvent, AuditEvent.object_type == "Organisation") == 1
    assert count(AuditEvent, AuditEvent.object_type == "Participation") == 1


def test_add_organisation_refuses_one_that_takes_part(p, world):
    with pytest.raises(ServiceError) as refusal:
        services.add_organisation(p, world.provider.name.upper(), "aanbieder")
    assert refusal.value.field == "name"


def test_add_organisation_restores_an_archived_participation(p, world):
    organisation = services.add_organisation(p, "Tijdelijk", "overig")
    services.set_participation_active(participation(p, organisation.id), False)

    again = services.add_organisation(p, "tijdelijk", "overig")

    assert again.id == organisation.id
    assert participation(p, organisation.id).active
    assert count(Participation, Participation.organisation_id == organisation.id) == 1


@pytest.mark.parametrize(
    ("name", "kind", "field"),
    [("", "gemeente", "name"), ("   ", "gemeente", "name"), ("x" * 201, "gemeente", "name"),
     ("Goed", "onbekend", "kind")],
)  # fmt: skip
def test_add_organisation_bad_input(p, name, kind, field):
    with pytest.raises(ServiceError) as refusal:
        services.add_organisation(p, name, kind)
    assert refusal.value.field == field
    db.session.rollback()
    assert count(Organisation) == 2


def test_update_organisation_records_old_and_new(p, world):
    organisation = db.session.get(Organisation, world.provider.id)
    services.update_organisation(p, organisation, "Nieuwe Naam", "consortium")
    assert organisation.version == 2
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "update")).scalar_one()
    assert event.changes == {
        "name": [world.provider.name, "Nieuwe Naam"],
        "kind": ["aanbieder", "consortium"],
    }


def test_update_organisation_may_keep_its_own_name(p, world):
    organisation = db.session.get(Organisation, world.provider.id)
    services.update_organisation(p, organisation, world.provider.name.upper(), "aanbieder")
    assert organisation.name == world.provider.name.upper()


def test_update_organisation_refuses_a_name_in_use(p, world):
    organisation = db.session.get(Organisation, world.provider.id)
    with pytest.raises(ServiceError) as refusal:
        services.update_organisation(p, organisation, world.municipality.name, "aanbieder")
    assert refusal.value.field == "name"


def test_archive_refused_with_active_members_allowed_without(p, world):
    provider = participation(p, world.provider.id)
    with pytest.raises(ServiceError):
        services.set_participation_active(provider, False)
    db.session.rollback()
    for role in ("teamlid", "partner"):
        services.set_membership_active(
            member(world, role), False, actor_id=world.users["beheerder"].id
        )
    services.set_participation_active(participation(p, world.provider.id), False)
    assert not participation(p, world.provider.id).active


def test_organisations_with_counts(p, world):
    services.set_membership_active(
        member(world, "partner"), False, actor_id=world.users["beheerder"].id
    )
    empty = services.add_organisation(p, "Zonder Leden", "overig")
    services.set_participation_active(participation(p, empty.id), False)

    rows = {row[0].organisation.name: row[1] for row in services.organisations_with_counts(p)}
    assert rows == {world.municipality.name: 4, world.provider.name: 1}

    everything = services.organisations_with_counts(p, include_archived=True)
    assert [row[0].organisation.name for row in everything] == sorted(
        [world.municipality.name, world.provider.name, "Zonder Leden"]
    )


def test_active_organisations(p, world):
    empty = services.add_organisation(p, "Zonder Leden", "overig")
    services.set_participation_active(participation(p, empty.id), False)
    assert [o.name for o in services.active_organisations(p)] == sorted(
        [world.municipality.name, world.provider.name]
    )


# --- memberships ------------------------------------------------------------------------------


def test_members_query_filters_and_scopes(p, world, make_partnership):
    make_partnership("ander")

    def emails(**filters):
        query = services.members_query(p, **filters)
        return {m.user.email for m in db.session.execute(query).scalars()}

    assert emails() == {u.email for u in world.users.values()}
    assert emails(text="TEAMLID") == {world.users["teamlid"].email}
    assert emails(role="partner") == {world.users["partner"].email}
    assert emails(role="nonsense") == emails()
    assert emails(organisation_id=world.provider.id) == {
        world.users["teamlid"].email,
        world.users["partner"].email,
    }
    services.set_membership_active(member(world, "lezer"), False, world.users["beheerder"].id)
    assert world.users["lezer"].email not in emails()
    assert emails(active=False) == {world.users["lezer"].email}
    assert len(emails(active=None)) == 6


def test_update_membership(p, world):
    membership = member(world, "lezer")
    services.update_membership(membership, world.provider.id, "teamlid")
    assert (membership.organisation_id, membership.role, membership.version) == (
        world.provider.id,
        "teamlid",
        2,
    )


@pytest.mark.parametrize(
    ("role", "organisation", "field"),
    [("koning", "provider", "role"), ("lezer", "elsewhere", "organisation_id")],
)
def test_update_membership_refusals(p, world, make_partnership, role, organisation, field):
    other = make_partnership("ander")
    organisation_id = {"provider": world.provider.id, "elsewhere": other.provider.id}[organisation]
    with pytest.raises(ServiceError) as refusal:
        services.update_membership(member(world, "lezer"), organisation_id, role)
    assert refusal.value.field == field


def test_update_membership_keeps_the_last_beheerder(p, world):
    with pytest.raises(ServiceError) as refusal:
        services.update_membership(member(world, "beheerder"), world.municipality.id, "lezer")
    assert refusal.value.field == "role"
    db.session.rollback()
    # With a second beheerder, the first may step down.
    services.update_membership(member(world, "lezer"), world.municipality.id, "beheerder")
    services.update_membership(member(world, "beheerder"), world.municipality.id, "lezer")
    assert member(world, "beheerder").role == "lezer"


def test_an_inactive_beheerder_does_not_count(p, world):
    second = member(world, "lezer")
    services.update_membership(second, world.municipality.id, "beheerder")
    services.set_membership_active(second, False, actor_id=world.users["beheerder"].id)
    with pytest.raises(ServiceError):
        services.update_membership(member(world, "beheerder"), world.municipality.id, "lezer")


def test_set_membership_active_refusals(p, world):
    beheerder = member(world, "beheerder")
    with pytest.raises(ServiceError):
        services.set_membership_active(beheerder, False, actor_id=beheerder.user_id)
    db.session.rollback()
    # Nobody may deactivate the last active beheerder either (e.g. from the command line).
    with pytest.raises(ServiceError):
        services.set_membership_active(
            member(world, "beheerder"), False, actor_id=world.users["lezer"].id
        )
    db.session.rollback()
    assert member(world, "beheerder").active
    assert count(AuditEvent) == 0
