"""The number of SQL statements of the risk pages does not grow with the data."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from app.agreements.models import ACTIVE, WORKABLE, Agreement
from app.extensions import db
from app.risks import services
from app.risks.models import Measure, RiskAssessment, RiskComment
from app.timeutil import utcnow
from tests.risks.helpers import add_members, bulk_risks, days, logged_in, make, principles, url


def statements_for(count_queries, client, path: str, **headers) -> int:
    assert client.get(path, headers=headers).status_code == 200  # warm up
    with count_queries() as statements:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return len(statements)


LIST_PAGES = [
    ("/", {}),
    ("/?sort=bruto", {}),
    ("/?level=hoog&overdue=1", {}),
    ("/?bearer=gedeeld&q=risico", {}),
    ("/?basis=bruto&likelihood=3&impact=2", {}),
    ("/?level=midden", {"HX-Request": "true"}),
    ("/heatmap", {}),
]


@pytest.mark.parametrize(("path", "headers"), LIST_PAGES, ids=[p for p, _ in LIST_PAGES])
def test_the_list_and_heat_map_query_count_does_not_grow(
    app, make_partnership, count_queries, path, headers
):
    counts = []
    for slug, count in (("klein", 10), ("groot", 500)):
        world = make_partnership(slug)
        bulk_risks(app, world, count)
        client = logged_in(app, world.users["lezer"].email)
        counts.append(statements_for(count_queries, client, url(world, path), **headers))

    assert counts[0] == counts[1]
    assert counts[0] > 0


def test_later_pages_cost_the_same(app, make_partnership, count_queries):
    world = make_partnership("groot")
    bulk_risks(app, world, 500)
    client = logged_in(app, world.users["lezer"].email)

    counts = {page: statements_for(count_queries, client, url(world, f"/?page={page}")) for page in (1, 2, 20)}  # fmt: skip

    assert len(set(counts.values())) == 1, counts


def test_the_list_query_count_does_not_depend_on_custom_thresholds(
    app, make_partnership, count_queries
):
    counts = []
    for slug, count in (("klein", 10), ("groot", 500)):
        world = make_partnership(slug)
        bulk_risks(app, world, count)
        with app.test_request_context():
            services.update_thresholds(world.partnership.id, 4, 9, 15)
            db.session.remove()
        client = logged_in(app, world.users["lezer"].email)
        counts.append(statements_for(count_queries, client, url(world, "/")))

    assert counts[0] == counts[1]


def test_the_dashboard_query_count_does_not_grow(app, make_partnership, count_queries):
    counts = []
    for slug, count in (("klein", 10), ("groot", 500)):
        world = make_partnership(slug)
        bulk_risks(app, world, count)
        client = logged_in(app, world.users["beheerder"].email)
        counts.append(statements_for(count_queries, client, f"/p/{world.slug}/"))

    assert counts[0] == counts[1]


def with_history(app, world, count: int) -> int:
    """A risk with `count` reassessments, measures (each with its own owner and agreement)
    and comments, each by a different member; returns its number."""
    with app.test_request_context():
        ids = principles(world)
        risk = make(world, principles=[ids["Open"], ids["Samen"]])
        people = add_members(world, count)
        now = utcnow()
        db.session.execute(
            insert(Agreement),
            [
                {"partnership_id": world.partnership.id, "number": n, "title": f"Afspraak {n}",
                 "summary": "", "explanation": "", "kind": WORKABLE, "status": ACTIVE,
                 "owner_id": people[n - 1], "start_on": days(-300), "revisit_on": days(30),
                 "end_on": None, "origin": "", "origin_label": "", "current_version": 1,
                 "created_at": now, "updated_at": now, "version": 1}
                for n in range(1, count + 1)
            ],
        )  # fmt: skip
        agreements = list(
            db.session.execute(
                select(Agreement.id)
                .where(Agreement.partnership_id == world.partnership.id)
                .order_by(Agreement.number)
            ).scalars()
        )
        db.session.execute(
            insert(RiskAssessment),
            [
                {"risk_id": risk.id, "inherent_likelihood": 4, "inherent_impact": 5,
                 "residual_likelihood": n % 5 + 1, "residual_impact": 1,
                 "reason": f"Herbeoordeling {n}", "assessed_by_id": people[n], "assessed_at": now}
                for n in range(count)
            ],
        )  # fmt: skip
        db.session.execute(
            insert(Measure),
            [
                {"partnership_id": world.partnership.id, "risk_id": risk.id,
                 "description": f"Maatregel {n}", "owner_id": people[n], "due_on": days(n - 5),
                 "status": "gepland", "agreement_id": agreements[n], "created_at": now,
                 "version": 1}
                for n in range(count)
            ],
        )  # fmt: skip
        db.session.execute(
            insert(RiskComment),
            [
                {"risk_id": risk.id, "author_id": people[n], "body": f"Reactie *{n}*",
                 "created_at": now}
                for n in range(count)
            ],
        )  # fmt: skip
        db.session.commit()
        number = risk.number
        db.session.remove()
    return number


@pytest.mark.parametrize("path", ["/{n}", "/{n}/edit", "/{n}/reassess", "/{n}/measures/new"])
def test_the_risk_pages_query_count_does_not_grow(app, make_partnership, count_queries, path):
    counts = []
    for slug, count in (("klein", 2), ("groot", 30)):
        world = make_partnership(slug)
        number = with_history(app, world, count)
        client = logged_in(app, world.users["programmamanager"].email)
        page = url(world, path.format(n=number))
        counts.append(statements_for(count_queries, client, page))
        if path == "/{n}":
            body = client.get(page).get_data(as_text=True)
            assert f"Reactie <em>{count - 1}</em>" in body
            assert f"Maatregel {count - 1}" in body and f"Afspraak {count}" in body
            assert f"Herbeoordeling {count - 1}" in body
            assert body.count("<circle") == count + 1

    assert counts[0] == counts[1]


def test_the_agreement_page_query_count_does_not_grow_with_its_measures(
    app, make_partnership, count_queries
):
    counts = []
    for slug, count in (("klein", 2), ("groot", 30)):
        world = make_partnership(slug)
        with app.test_request_context():
            from tests.risks.helpers import agreement

            made = agreement(world)
            for n in range(count):
                risk = make(world, title=f"Risico {n}")
                services.add_measure(
                    risk, {"description": f"Maatregel {n}", "agreement_id": made.id}, None
                )
            number = made.number
            db.session.remove()
        client = logged_in(app, world.users["lezer"].email)
        path = f"/p/{world.slug}/agreements/{number}"
        counts.append(statements_for(count_queries, client, path))
        assert f"Maatregel {count - 1}" in client.get(path).get_data(as_text=True)

    assert counts[0] == counts[1]
