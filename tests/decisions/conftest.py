"""Fixtures of the decision tests: a partnership of three organisations that can each
decide, and helpers to make proposals through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from app.auth.models import User
from app.decisions import services
from app.extensions import db
from app.partnerships.models import Membership, Organisation, Participation
from app.timeutil import local, utcnow
from tests.conftest import World


@dataclass
class Council:
    """The world with a third organisation: the municipality decides through its
    bestuurder, the provider through its teamlid (designated by the beheerder), the third
    organisation through its own bestuurder ("bestuurder3")."""

    world: World
    third_id: int
    third_bestuurder_id: int

    @property
    def slug(self) -> str:
        return self.world.slug

    def url(self, path: str = "") -> str:
        return f"/p/{self.world.slug}/decisions{path}"

    def member(self, role: str) -> Membership:
        """The membership of a role (or "bestuurder3"), attached to the current session."""
        if role == "bestuurder3":
            return db.session.query(Membership).filter_by(user_id=self.third_bestuurder_id).one()
        return db.session.get(Membership, self.world.memberships[role].id)

    @property
    def organisation_ids(self) -> list[int]:
        return sorted([self.world.municipality.id, self.world.provider.id, self.third_id])


def add_council(world: World, password_hash: str) -> Council:
    """Needs a request context."""
    third = Organisation(name=f"Derde aanbieder {world.slug}", kind="aanbieder")
    db.session.add(third)
    db.session.flush()
    db.session.add(Participation(partnership_id=world.partnership.id, organisation_id=third.id))
    user = User(email=f"bestuurder3@{world.slug}.test", name=f"Bestuurder Drie {world.slug}",
                password_hash=password_hash, session_token=f"token-b3-{world.slug}")  # fmt: skip
    db.session.add(user)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, partnership_id=world.partnership.id,
                              organisation_id=third.id, role="bestuurder"))  # fmt: skip
    db.session.commit()
    beheerder = db.session.get(Membership, world.memberships["beheerder"].id)
    services.designate(beheerder, world.provider.id, world.users["teamlid"].id)
    return Council(world, third.id, user.id)


@pytest.fixture
def council(app, world, password_hash) -> Council:
    with app.test_request_context():
        result = add_council(world, password_hash)
        db.session.remove()
    return result


def closes_in(hours: float = 72) -> datetime:
    """A closing time `hours` from now, as a naive Dutch time (the way the form gives it)."""
    moment = local(utcnow() + timedelta(hours=hours)).replace(tzinfo=None)
    return moment.replace(second=0, microsecond=0)


def propose(council: Council, role: str = "programmamanager", table=None, **over):
    """A proposal at partnership level (or in a table) through the service."""
    data = {
        "title": "Eén regisseur per gezin",
        "text": "Bij meer dan één aanbieder in een gezin is er **één regisseur**.\n\nDe rest volgt.",
        "rationale": "Gezinnen raken het overzicht kwijt.",
        "method": "consent",
        "quorum": None,
        "closes_at": closes_in(),
        "organisations": council.organisation_ids,
        **over,
    }
    return services.start_proposal(council.member(role), data, table)


def answer(council: Council, proposal, role: str, position: str = "instemmen", reason: str = "",
           now=None):  # fmt: skip
    """The organisation of the member in `role` answers, from a fresh form."""
    from sqlalchemy import select

    from app.decisions.models import ProposalAnswer

    membership = council.member(role)
    current = db.session.execute(
        select(ProposalAnswer.version).where(
            ProposalAnswer.proposal_id == proposal.id,
            ProposalAnswer.organisation_id == membership.organisation_id,
        )
    ).scalar_one_or_none()
    return services.answer_proposal(proposal, membership, position, reason, current or 0, now=now)
