"""The demo risks: Noordoost-Brabant's risk paragraph with its measures, Eemland-BSA's
inventory with reassessments over two years; loading again changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.partnerships.models import Partnership
from app.risks import services
from app.risks.models import Measure, Risk, RiskAssessment
from app.seeds import load_demo
from tests.risks.helpers import state


def partnership_id(slug: str) -> int:
    return db.session.execute(select(Partnership.id).where(Partnership.slug == slug)).scalar_one()


def risks_of(pid: int) -> list[Risk]:
    return list(
        db.session.execute(
            select(Risk).where(Risk.partnership_id == pid).order_by(Risk.number)
        ).scalars()
    )


def test_the_demo_risks_and_loading_them_twice(demo_database, ctx):
    first = state()

    brabant = risks_of(partnership_id("noordoost-brabant"))
    assert len(brabant) >= 5
    assert any("tarieven" in r.title.lower() for r in brabant)
    assert all(services.measures_of(r) for r in brabant)
    assert any(m.agreement_id for r in brabant for m in services.measures_of(r))

    eemland_id = partnership_id("eemland-bsa")
    eemland = risks_of(eemland_id)
    assert 10 <= len(eemland) <= 15
    assert [r.number for r in eemland] == list(range(1, len(eemland) + 1))
    today = services.today()
    for risk in eemland:
        assessments = services.assessments_of(risk)
        assert len(assessments) >= 2, risk.title
        assert all(a.reason and a.assessed_by_id for a in assessments)
        # Oldest first, and the last one is the risk's current figures.
        assert [a.assessed_at for a in assessments] == sorted(a.assessed_at for a in assessments)
        last = assessments[-1]
        assert (last.inherent_score, last.residual_score) == (
            risk.inherent_score,
            risk.residual_score,
        )
        assert risk.bearers or risk.shared
        assert risk.owner_id is not None
    spread = [
        services.assessments_of(r)[-1].assessed_at - services.assessments_of(r)[0].assessed_at
        for r in eemland
    ]
    assert max(spread) >= timedelta(days=365)
    assert any(r.review_on and r.review_on < today for r in eemland)
    assert any(r.residual_score >= services.thresholds(eemland_id)[1] for r in eemland)
    assert db.session.execute(
        select(func.count(Measure.id)).where(Measure.partnership_id == eemland_id)
    ).scalar_one() >= len(eemland)
    assert len({r.category_id for r in eemland}) >= 4
    # Every demo risk has been reassessed at least once.
    assert db.session.execute(select(func.count(RiskAssessment.id))).scalar_one() >= 2 * (
        len(eemland) + len(brabant)
    )

    assert load_demo() == 0
    assert state() == first
