"""Fixtures of the review tests: an adopted manifest to score against, and extra members."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.auth.models import User
from app.extensions import db
from app.partnerships.models import Membership
from tests.conftest import World
from tests.reviews.helpers import adopt_manifest


@dataclass
class Reviewed:
    """The world with an adopted manifest of three principles (title -> principle id)."""

    world: World
    principles: dict[str, int]

    @property
    def slug(self) -> str:
        return self.world.slug


@pytest.fixture
def reviewed(app, world) -> Reviewed:
    """For route tests: the world and its adopted manifest, made in its own context."""
    with app.test_request_context():
        principles = adopt_manifest(world)
        db.session.remove()
    return Reviewed(world, principles)


@pytest.fixture
def principles(ctx, world) -> dict[str, int]:
    """For service tests (inside `ctx`): the adopted manifest's principle ids by title."""
    return adopt_manifest(world)


@pytest.fixture
def add_member(app, password_hash):
    """add_member(world, role, organisation="provider") -> (user id, email) of a new member."""
    made = {"n": 0}

    def add(world, role: str, organisation: str = "provider") -> tuple[int, str]:
        made["n"] += 1
        org = world.provider if organisation == "provider" else world.municipality
        email = f"{role}{made['n']}-{organisation}@{world.slug}.test"
        with app.app_context():
            user = User(
                email=email,
                name=f"Collega {made['n']} {org.name}",
                password_hash=password_hash,
                session_token=f"token-review-{made['n']}-{world.slug}",
            )
            membership = Membership(
                user=user,
                partnership_id=world.partnership.id,
                organisation_id=org.id,
                role=role,
            )
            db.session.add_all([user, membership])
            db.session.commit()
            user_id = user.id
        return user_id, email

    return add
