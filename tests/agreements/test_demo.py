"""The demo agreements: Eemland-BSA and Noordoost-Brabant, with history; loading is idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from app.agreements import services
from app.agreements.models import ACTIVE, DECISIONS, REVISIT_DUE, Agreement, Revisit
from app.extensions import db
from app.manifest.links import linked_principle_ids
from app.partnerships.models import Membership, Participation, Partnership
from app.seeds import load_demo
from tests.agreements.helpers import state


def partnership_id(slug: str) -> int:
    return db.session.execute(select(Partnership.id).where(Partnership.slug == slug)).scalar_one()


def agreements_of(pid: int) -> list[Agreement]:
    return list(
        db.session.execute(
            select(Agreement).where(Agreement.partnership_id == pid).order_by(Agreement.number)
        ).scalars()
    )


def test_demo_agreements_for_eemland_have_due_revisits_versions_and_decisions(demo_database, ctx):
    pid = partnership_id("eemland-bsa")
    agreements = agreements_of(pid)
    today = services.today()

    assert 10 <= len(agreements) <= 15
    assert [a.number for a in agreements] == list(range(1, len(agreements) + 1))
    overdue = [a for a in agreements if a.effective_status(today) == REVISIT_DUE]
    due_soon = [
        a for a in agreements
        if a.status == ACTIVE and a.revisit_on and 0 <= (a.revisit_on - today).days <= 30
    ]  # fmt: skip
    assert len(overdue) >= 2
    assert len(due_soon) >= 1
    assert {a.kind for a in agreements} == {"hard", "werkbaar"}
    assert len({a.effective_status(today) for a in agreements}) >= 3

    edited = [a for a in agreements if a.current_version > 1]
    assert len(edited) >= 3
    for agreement in agreements:
        numbers = [v.number for v in services.versions_of(agreement)]
        assert numbers == list(range(agreement.current_version, 0, -1)), agreement.reference
        assert all(v.change_note for v in services.versions_of(agreement))

    revisits = list(
        db.session.execute(
            select(Revisit).join(Agreement).where(Agreement.partnership_id == pid)
        ).scalars()
    )
    assert len(revisits) >= 2
    assert all(r.reason and r.decided_by_id and r.decision in DECISIONS for r in revisits)
    assert len({r.decision for r in revisits}) >= 2

    members = set(
        db.session.execute(
            select(Membership.user_id).where(Membership.partnership_id == pid)
        ).scalars()
    )
    organisations = set(
        db.session.execute(
            select(Participation.organisation_id).where(Participation.partnership_id == pid)
        ).scalars()
    )
    for agreement in agreements:
        assert agreement.owner_id in members, agreement.reference
        assert agreement.parties and {o.id for o in agreement.parties} <= organisations
    assert any(linked_principle_ids("agreement", a.id, "implements") for a in agreements)

    assert len(agreements_of(partnership_id("noordoost-brabant"))) >= 1


def test_loading_the_demo_twice_changes_nothing(demo_database, ctx):
    before = state()
    total = db.session.execute(select(func.count(Agreement.id))).scalar_one()

    assert load_demo() == 0

    assert state() == before
    assert db.session.execute(select(func.count(Agreement.id))).scalar_one() == total
