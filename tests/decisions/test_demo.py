"""The demo decisions of Eemland-BSA: a closed proposal at "Gezinsgericht werken" that
became an agreement, and an open one on the 18-/18+ transition with one objection."""

from __future__ import annotations

from sqlalchemy import select

from app.agreements.models import Agreement
from app.decisions import services
from app.decisions.models import CLOSED, OPEN, PASSED, Proposal
from app.extensions import db
from app.partnerships.models import Membership
from app.seeds import load_demo
from app.tables.models import ThematicTable
from app.timeutil import today
from tests.conftest import login


def test_the_demo_decisions(ctx):
    load_demo()
    proposals = {
        p.title: p for p in db.session.execute(select(Proposal).order_by(Proposal.number)).scalars()
    }
    closed = proposals["Eén gezin, één plan, één regisseur"]
    assert closed.status == CLOSED and closed.result == PASSED and closed.outcome == "aangenomen"
    assert db.session.get(ThematicTable, closed.table_id).name == "Gezinsgericht werken"
    agreement = db.session.get(Agreement, closed.agreement_id)
    assert (agreement.origin_type, agreement.origin_id) == ("decision", closed.id)
    assert agreement.revisit_on == closed.review_on and closed.review_on > today()
    assert "één regisseur" in agreement.explanation

    open_one = proposals["Warme overdracht naar 18+ vanaf 16,5 jaar"]
    assert open_one.status == OPEN
    tally = services.tally(open_one)
    assert (tally.agree, tally.object, tally.pending) == (1, 1, 2)
    objection = next(r.answer for r in tally.rows if r.answer and r.answer.position == "bezwaar")
    assert "financiering" in objection.reason

    # The bestuurder of De Brug still has to answer: it is on their dashboard.
    bestuurder = db.session.execute(
        select(Membership)
        .join(Membership.user)
        .where(
            Membership.partnership_id == open_one.partnership_id,
            Membership.user.has(email="bestuurder@eemland.test"),
        )
    ).scalar_one()
    total, listed = services.awaiting(bestuurder)
    assert total == 1 and listed[0].id == open_one.id


def test_the_demo_proposal_pages(app, client):
    with app.app_context():
        load_demo()
        db.session.remove()
    assert login(client, "bestuurder@eemland.test", "samenspel-demo").status_code == 302
    page = client.get("/p/eemland-bsa/decisions/2").get_data(as_text=True)
    assert "Warme overdracht" in page and "Reageren namens De Brug Jeugdzorg (demo)" in page
    page = client.get("/p/eemland-bsa/decisions/1").get_data(as_text=True)
    assert "Werd de werkafspraak" in page
