"""The cycle page composes its summary in a fixed number of SQL statements: the same with
10 and with 1,000 objects of each kind in the period, before and after submitting."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import insert, select

from app.agreements.models import ACTIVE, ENDED, WORKABLE, Agreement, Revisit
from app.cycles import services
from app.cycles.models import Cycle
from app.extensions import db
from app.reviews.models import FINAL, Action, Lesson, Review, ReviewScore
from app.risks.models import Risk, RiskAssessment
from app.tables.models import CLOSED, Comment, Conversation, Meeting, MeetingDecision
from tests.cycles.builders import make_table, risk_category
from tests.cycles.conftest import PROVIDER_BOARD
from tests.cycles.helpers import (
    PERIOD,
    PREVIOUS,
    adopt,
    decide,
    html,
    in_context,
    logged_in,
    member,
    ready,
    reload,
    url,
)
from tests.reviews.helpers import adopt_manifest

START = PERIOD[0]


def inside(n: int) -> datetime:
    """The n-th moment inside the period (spread over its days)."""
    return datetime.combine(START + timedelta(days=n % 170), time(12, n % 60))


def fill(world, count: int) -> None:
    """`count` objects of every kind the summary reads, in the period, inserted in bulk;
    and two cycles (the second one in duiden) with measurements of three indicators."""
    pid = world.partnership.id
    owner = world.users["programmamanager"].id
    principles = list(adopt_manifest(world).values())
    indicators = [
        adopt(world, name="Wachttijd", target=28),
        adopt(world, name="Uitstroom", direction="hoger", target=45),
        adopt(world, name="Samenwerking", kind="kwalitatief", target=None, target_text="Open"),
    ]
    manager = member(world, "programmamanager")
    previous = ready(world, period=PREVIOUS, title="Vorige periode")
    services.save_measurements(previous, manager, {indicators[0].id: ("35", ""),
                                                   indicators[1].id: ("40", "")})  # fmt: skip
    current = ready(world)
    services.save_measurements(current, manager, {
        indicators[0].id: ("30", ""), indicators[1].id: ("47", ""),
        indicators[2].id: ("Vertrouwen groeit.", ""),
    })  # fmt: skip

    numbers = range(1, count + 1)
    db.session.execute(insert(Agreement), [
        {"partnership_id": pid, "number": n, "title": f"Afspraak {n}", "summary": "S.",
         "kind": WORKABLE, "status": ENDED if n % 3 == 0 else ACTIVE, "owner_id": owner,
         "start_on": START + timedelta(days=n % 170), "revisit_on": START + timedelta(days=n % 90),
         "end_on": START + timedelta(days=100) if n % 3 == 0 else None}
        for n in numbers
    ])  # fmt: skip
    agreement_ids = list(db.session.execute(
        select(Agreement.id).where(Agreement.partnership_id == pid)).scalars())  # fmt: skip
    db.session.execute(insert(Revisit), [
        {"agreement_id": aid, "decision": ("verlengen", "aanpassen", "structureel")[k % 3],
         "reason": "R.", "decided_at": inside(k)}
        for k, aid in enumerate(agreement_ids)
    ])  # fmt: skip

    category = risk_category(world)
    db.session.execute(insert(Risk), [
        {"partnership_id": pid, "number": n, "title": f"Risico {n}", "category_id": category,
         "inherent_likelihood": 5, "inherent_impact": 5, "residual_likelihood": 1 + n % 5,
         "residual_impact": 1 + n % 4, "inherent_score": 25,
         "residual_score": (1 + n % 5) * (1 + n % 4), "strategy": "verminderen",
         "status": "open", "created_at": datetime.combine(PREVIOUS[0], time(12))
         if n % 2 else inside(n), "owner_id": owner}
        for n in numbers
    ])  # fmt: skip
    risk_ids = list(db.session.execute(select(Risk.id).where(Risk.partnership_id == pid)).scalars())
    db.session.execute(insert(RiskAssessment), [
        {"risk_id": rid, "inherent_likelihood": 5, "inherent_impact": 5,
         "residual_likelihood": likelihood, "residual_impact": 3, "reason": "B.",
         "assessed_at": moment}
        for k, rid in enumerate(risk_ids)
        for likelihood, moment in ((3, datetime.combine(PREVIOUS[0], time(12))),
                                   (1 + k % 5, inside(k)))
    ])  # fmt: skip

    db.session.execute(insert(Review), [
        {"partnership_id": pid, "number": n, "kind": "casusbespreking",
         "held_on": START + timedelta(days=n % 170), "organisation_id": world.provider.id,
         "team": "Team", "title": f"Review {n}", "status": FINAL, "aims": {}}
        for n in numbers
    ])  # fmt: skip
    review_ids = list(
        db.session.execute(select(Review.id).where(Review.partnership_id == pid)).scalars()
    )
    db.session.execute(insert(ReviewScore), [
        {"review_id": rid, "principle_id": pid_, "score": 1 + (k + j) % 5}
        for k, rid in enumerate(review_ids) for j, pid_ in enumerate(principles)
    ])  # fmt: skip
    db.session.execute(insert(Lesson), [
        {"partnership_id": pid, "review_id": rid, "text": "L.", "level": 1 + k % 3,
         "arena": "casus"}
        for k, rid in enumerate(review_ids)
    ])  # fmt: skip

    table = make_table(world)
    db.session.execute(insert(Conversation), [
        {"partnership_id": pid, "table_id": table.id, "title": f"Gesprek {n}",
         "status": CLOSED, "closed_at": inside(n), "conclusion": "C.", "author_id": owner}
        for n in numbers
    ])  # fmt: skip
    conversation_ids = list(db.session.execute(
        select(Conversation.id).where(Conversation.partnership_id == pid)).scalars())  # fmt: skip
    db.session.execute(insert(Comment), [
        {"conversation_id": cid, "author_id": owner, "body": "Reactie.", "created_at": inside(k)}
        for k, cid in enumerate(conversation_ids)
    ])  # fmt: skip
    db.session.execute(insert(Meeting), [
        {"partnership_id": pid, "table_id": table.id, "title": f"Overleg {n}",
         "starts_at": inside(n), "ends_at": inside(n) + timedelta(hours=1)}
        for n in numbers
    ])  # fmt: skip
    meeting_ids = list(
        db.session.execute(select(Meeting.id).where(Meeting.partnership_id == pid)).scalars()
    )
    db.session.execute(insert(MeetingDecision), [
        {"meeting_id": mid, "text": f"Besluit {k}", "owner_id": owner} for k, mid in enumerate(meeting_ids)
    ])  # fmt: skip
    db.session.execute(insert(Action), [
        {"partnership_id": pid, "title": f"Actie {n}", "owner_id": owner, "status": "open",
         "due_on": START + timedelta(days=n % 200)}
        for n in numbers
    ])  # fmt: skip
    db.session.commit()


def statements(count_queries, client, path: str) -> int:
    assert client.get(path).status_code == 200  # warm up
    with count_queries() as executed:
        response = client.get(path)
    assert response.status_code == 200
    return len(executed)


def test_the_cycle_page_issues_the_same_number_of_statements_with_10_and_1000_objects(
    app, both, make_both, count_queries
):
    big = make_both("groot")
    in_context(app, fill, both, 10)
    in_context(app, fill, big, 1000)

    def summary_of(world):
        cycle = services.get_cycle(world.partnership.id, 2)
        return services.compose_summary(cycle)

    small_summary, big_summary = in_context(app, summary_of, both), in_context(app, summary_of, big)
    # The data is really there, and in the period.
    assert (small_summary["agreements"]["started"]["count"], big_summary["agreements"]["started"]["count"]) == (10, 1000)  # fmt: skip
    assert big_summary["risks"]["new"]["count"] == 500
    assert big_summary["risks"]["raised"]["count"] + big_summary["risks"]["lowered"]["count"] > 0
    assert big_summary["reviews"]["held"] == 1000
    assert big_summary["tables"]["conclusions"]["count"] == 1000
    assert big_summary["tables"]["decisions"]["count"] == 1000
    assert big_summary["actions"]["count"] == 1000
    assert len(big_summary["agreements"]["started"]["items"]) == services.LIST_LIMIT

    small = logged_in(app, both.users["programmamanager"].email)
    large = logged_in(app, big.users["programmamanager"].email)
    path = "/cycles/2"
    live = statements(count_queries, small, url(both, path))
    assert statements(count_queries, large, url(big, path)) == live
    assert "Afspraak 1" in html(large.get(url(big, path)))

    # After submitting (and a decision) the page reads the frozen snapshot.
    def submit_and_decide(world):
        cycle = services.get_cycle(world.partnership.id, 2)
        services.submit(cycle, member(world, "programmamanager"))
        decide(world, reload(Cycle, cycle.id), PROVIDER_BOARD)

    in_context(app, submit_and_decide, both)
    in_context(app, submit_and_decide, big)
    frozen = statements(count_queries, small, url(both, path))
    assert statements(count_queries, large, url(big, path)) == frozen
    assert frozen < live, (frozen, live)  # nothing is composed any more
    page = html(large.get(url(big, path)))
    assert "Afspraak 1" in page
