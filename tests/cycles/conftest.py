"""Fixtures of the cycle tests: a world where both sides have a programmamanager and a
bestuurder, and extra members or organisations on demand."""

from __future__ import annotations

import pytest

from app.auth.models import User
from app.extensions import db
from app.partnerships.models import Membership, Organisation, Participation
from tests.conftest import World

# Keys of the extra members of the provider organisation in World.users / .memberships.
PROVIDER_MANAGER = "programmamanager_aanbieder"
PROVIDER_BOARD = "bestuurder_aanbieder"


@pytest.fixture
def add_member(app, password_hash):
    """add_member(world, key, role, organisation_id) adds an active member; it is then in
    world.users[key] and world.memberships[key] (detached, like the others)."""

    def add(world: World, key: str, role: str, organisation_id: int) -> Membership:
        with app.app_context():
            user = User(
                email=f"{key}@{world.slug}.test",
                name=f"{key.replace('_', ' ').title()} {world.slug}",
                password_hash=password_hash,
                session_token=f"token-{key}-{world.slug}",
            )
            membership = Membership(
                user=user,
                partnership_id=world.partnership.id,
                organisation_id=organisation_id,
                role=role,
            )
            db.session.add_all([user, membership])
            db.session.commit()
            for obj in (user, membership):
                db.session.refresh(obj)
                db.session.expunge(obj)
            world.users[key] = user
            world.memberships[key] = membership
            db.session.remove()
        return membership

    return add


@pytest.fixture
def add_organisation(app):
    """add_organisation(world, name, kind, participates=True) -> the organisation's id."""

    def add(world: World, name: str, kind: str, participates: bool = True) -> int:
        with app.app_context():
            organisation = Organisation(name=name, kind=kind)
            db.session.add(organisation)
            db.session.flush()
            if participates:
                db.session.add(
                    Participation(
                        partnership_id=world.partnership.id, organisation_id=organisation.id
                    )
                )
            db.session.commit()
            organisation_id = organisation.id
            db.session.remove()
        return organisation_id

    return add


def _with_provider_members(world: World, add_member) -> World:
    add_member(world, PROVIDER_MANAGER, "programmamanager", world.provider.id)
    add_member(world, PROVIDER_BOARD, "bestuurder", world.provider.id)
    return world


@pytest.fixture
def both(world, add_member) -> World:
    """The world with a programmamanager and a bestuurder in the provider organisation too
    (the standard ones are in the municipality)."""
    return _with_provider_members(world, add_member)


@pytest.fixture
def make_both(make_partnership, add_member):
    """make_both(slug) -> another partnership like `both`."""

    def make(slug: str) -> World:
        return _with_provider_members(make_partnership(slug), add_member)

    return make
