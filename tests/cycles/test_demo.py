"""The demo's indicators and cycles: adopted indicators, two closed cycles with board
decisions, one cycle being interpreted; loading again changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from app.cycles import services
from app.cycles.models import COMMISSIONER_KINDS, PROVIDER_KINDS
from app.extensions import db
from app.partnerships.models import Membership, Partnership
from app.seeds import load_demo
from tests.conftest import login
from tests.cycles.helpers import state

DEMO_PASSWORD = "samenspel-demo"


def test_the_demo_cycles_and_loading_them_twice(demo_database, ctx, app):
    assert demo_database > 0
    pid = db.session.execute(
        select(Partnership.id).where(Partnership.slug == "eemland-bsa")
    ).scalar_one()

    indicators = services.indicators_of(pid, ("voorgesteld", "vastgesteld", "vervallen"))
    names = {i.name for i in indicators}
    assert {
        "Wachttijd tot start hulp", "Doorlooptijd trajecten", "Jeugdigen in specialistische jeugdhulp",
        "Uitstroom naar lichtere zorg", "Thuiszitters langer dan 3 maanden", "Cliënttevredenheid",
        "Budgetuitputting",
    } <= names  # fmt: skip
    assert {i.status for i in indicators} == {"vastgesteld"}
    assert {i.direction for i in indicators} == {"hoger", "lager"}
    assert {i.kind for i in indicators} == {"kwantitatief", "kwalitatief"}
    approvals = services.approvals_of([i.id for i in indicators])
    for indicator in indicators:
        kinds = {a.organisation.kind for a in approvals[indicator.id]}
        assert kinds & set(COMMISSIONER_KINDS) and kinds & set(PROVIDER_KINDS), indicator.name

    cycles = sorted(services.cycles_of(pid), key=lambda c: c.period_from)
    assert [c.phase for c in cycles] == ["afgerond", "afgerond", "duiden"]
    for cycle in cycles[:2]:
        assert cycle.snapshot is not None and cycle.closed_at is not None
        assert cycle.submitted_at < cycle.closed_at
        deciders = {d["id"] for d in cycle.snapshot["deciders"]}
        decisions = services.decisions_of(cycle)
        assert len(deciders) >= 2
        assert {d.organisation_id for d in decisions} == deciders
        assert all(d.user_id and d.decision for d in decisions)
        assert all(r["accepted"] for r in services.proposal_results(cycle).values())
        assert len(services.measurements_of(cycle)) == len(indicators)
        assert cycle.snapshot["interpretation"]
    running = cycles[2]
    assert services.running_cycle(pid).id == running.id
    assert running.snapshot is None and running.interpretation
    # The running cycle still misses a measurement: the programme manager sees which.
    manager = db.session.execute(
        select(Membership).where(Membership.partnership_id == pid,
                                 Membership.role == "programmamanager").order_by(Membership.id)
    ).scalars().first()  # fmt: skip
    assert set(services.attention(manager)["missing"]) == {
        "Budgetuitputting", "Kwaliteit van de samenwerking",
    }  # fmt: skip
    # Each cycle compares with the one before it.
    waiting = {i["name"]: i for i in services.compose_summary(running)["indicators"]}
    assert waiting["Wachttijd tot start hulp"]["previous"] is not None
    assert waiting["Wachttijd tot start hulp"]["trend"] == "better"

    # The demo pages render, the board pack of a closed cycle too.
    client = app.test_client()
    assert login(client, "programmamanager@eemland.test", DEMO_PASSWORD).status_code == 302
    for cycle in cycles:
        assert client.get(f"/p/eemland-bsa/cycles/{cycle.number}").status_code == 200
    pdf = client.get(f"/p/eemland-bsa/cycles/{cycles[0].number}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert client.get("/p/eemland-bsa/indicators/").status_code == 200

    # Loading again changes nothing (the audit trail included).
    before = state()
    assert load_demo() == 0
    assert state() == before
