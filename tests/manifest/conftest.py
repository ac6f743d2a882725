"""Fixtures of the manifest tests: extra members, and a clean registry of link describers."""

from __future__ import annotations

import pytest

from app import registry
from app.auth.models import User
from app.extensions import db
from app.partnerships.models import Membership


@pytest.fixture
def add_member(app, password_hash):
    """add_member(world, role, organisation="provider") -> email of a new active member."""
    made = {"n": 0}

    def add(world, role: str, organisation: str = "provider") -> str:
        made["n"] += 1
        org = world.provider if organisation == "provider" else world.municipality
        email = f"{role}{made['n']}-{organisation}@{world.slug}.test"
        with app.app_context():
            user = User(
                email=email,
                name=f"{role.title()} {made['n']} {org.name}",
                password_hash=password_hash,
                session_token=f"token-extra-{made['n']}-{world.slug}",
            )
            db.session.add(user)
            db.session.add(
                Membership(
                    user=user,
                    partnership_id=world.partnership.id,
                    organisation_id=org.id,
                    role=role,
                )
            )
            db.session.commit()
        return email

    return add


@pytest.fixture
def describers(app, monkeypatch):
    """The registry of link describers; what a test registers is forgotten after it."""
    monkeypatch.setattr(registry.describers, "_entries", dict(registry.describers.items()))
    return registry.describers


@pytest.fixture
def no_describers(app, monkeypatch):
    """No link describers registered during the test."""
    monkeypatch.setattr(registry.describers, "_entries", {})
    return registry.describers
