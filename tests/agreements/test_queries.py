"""The number of SQL statements of the agreement pages does not grow with the data."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from app.agreements import services
from app.agreements.models import (
    ACTIVE,
    FIRM,
    WORKABLE,
    Agreement,
    AgreementComment,
    AgreementParty,
    AgreementVersion,
    Revisit,
)
from app.auth.models import User
from app.extensions import db
from app.partnerships.models import Membership
from app.timeutil import utcnow
from tests.agreements.helpers import days, logged_in, make, principles, url


def add_members(world, count: int) -> list[int]:
    """`count` extra members (teamlid) of the world's partnership; their user ids."""
    db.session.execute(
        insert(User),
        [
            {"email": f"lid{n}@{world.slug}.test", "name": f"Lid {n:03} {world.slug}",
             "password_hash": "", "session_token": f"lid-{world.slug}-{n}"}
            for n in range(count)
        ],
    )  # fmt: skip
    ids = list(
        db.session.execute(
            select(User.id).where(User.email.like(f"lid%@{world.slug}.test")).order_by(User.id)
        ).scalars()
    )
    db.session.execute(
        insert(Membership),
        [
            {"user_id": uid, "partnership_id": world.partnership.id,
             "organisation_id": world.provider.id, "role": "teamlid"}
            for uid in ids
        ],
    )  # fmt: skip
    return ids


def bulk_agreements(app, world, count: int) -> None:
    """`count` active agreements, each with both organisations as parties and (on a page)
    each with a different owner, inserted in bulk."""
    with app.app_context():
        owners = add_members(world, 30)
        now = utcnow()
        db.session.execute(
            insert(Agreement),
            [
                {
                    "partnership_id": world.partnership.id, "number": n,
                    "title": f"Afspraak {n:03}", "summary": f"Samenvatting {n}.", "explanation": "",
                    "kind": WORKABLE if n % 3 else FIRM, "status": ACTIVE,
                    "owner_id": owners[n % len(owners)], "start_on": days(-300),
                    "revisit_on": days(n % 90 - 30) if n % 3 else None, "end_on": None,
                    "origin": "", "origin_label": "", "current_version": 1,
                    "created_at": now, "updated_at": now, "version": 1,
                }
                for n in range(1, count + 1)
            ],
        )  # fmt: skip
        ids = db.session.execute(
            select(Agreement.id).where(Agreement.partnership_id == world.partnership.id)
        ).scalars()
        db.session.execute(
            insert(AgreementParty),
            [
                {"agreement_id": aid, "organisation_id": oid}
                for aid in ids
                for oid in (world.municipality.id, world.provider.id)
            ],
        )
        db.session.commit()
        db.session.remove()


def statements_for(count_queries, client, path: str, **headers) -> int:
    assert client.get(path, headers=headers).status_code == 200  # warm up
    with count_queries() as statements:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return len(statements)


LIST_PAGES = [
    ("/", {}),
    ("/?sort=title", {}),
    ("/?due=30&kind=werkbaar", {}),
    ("/?status=herzien_nodig", {}),
    ("/?q=afspraak", {"HX-Request": "true"}),
]


@pytest.mark.parametrize(("path", "headers"), LIST_PAGES, ids=[p for p, _ in LIST_PAGES])
def test_the_list_query_count_does_not_grow(app, make_partnership, count_queries, path, headers):
    counts = []
    for slug, count in (("klein", 10), ("groot", 500)):
        world = make_partnership(slug)
        bulk_agreements(app, world, count)
        client = logged_in(app, world.users["lezer"].email)
        counts.append(statements_for(count_queries, client, url(world, path), **headers))

    assert counts[0] == counts[1]
    assert counts[0] > 0


def test_later_pages_cost_the_same(app, make_partnership, count_queries):
    world = make_partnership("groot")
    bulk_agreements(app, world, 500)
    client = logged_in(app, world.users["lezer"].email)

    counts = {page: statements_for(count_queries, client, url(world, f"/?page={page}")) for page in (1, 2, 20)}  # fmt: skip

    assert len(set(counts.values())) == 1, counts


def test_the_dashboard_query_count_does_not_grow(app, make_partnership, count_queries):
    counts = []
    for slug, count in (("klein", 10), ("groot", 500)):
        world = make_partnership(slug)
        bulk_agreements(app, world, count)
        client = logged_in(app, world.users["beheerder"].email)
        counts.append(statements_for(count_queries, client, f"/p/{world.slug}/"))

    assert counts[0] == counts[1]


def with_history(app, world, count: int) -> int:
    """An agreement with `count` versions, revisit decisions and comments, each by a
    different member; returns its number."""
    with app.test_request_context():
        ids = principles(world)
        agreement = make(world, active=True, principles=[ids["Open"], ids["Samen"]])
        people = add_members(world, count)
        now = utcnow()
        version = services.versions_of(agreement)[0]
        db.session.execute(
            insert(AgreementVersion),
            [
                {"agreement_id": agreement.id, "number": n,
                 "content": {**version.content, "summary": f"Tekst {n}"},
                 "change_note": f"Wijziging {n}", "created_by_id": people[n - 2], "created_at": now}
                for n in range(2, count + 2)
            ],
        )  # fmt: skip
        db.session.execute(
            insert(Revisit),
            [
                {"agreement_id": agreement.id, "decision": "verlengen", "reason": f"Reden {n}",
                 "previous_revisit_on": days(n), "new_revisit_on": days(n + 1),
                 "version_number": n + 2, "decided_by_id": people[n], "decided_at": now}
                for n in range(count)
            ],
        )  # fmt: skip
        db.session.execute(
            insert(AgreementComment),
            [
                {"agreement_id": agreement.id, "author_id": people[n], "body": f"Reactie *{n}*",
                 "is_proposal": n % 2 == 0, "origin_label": "", "created_at": now}
                for n in range(count)
            ],
        )  # fmt: skip
        agreement.current_version = count + 1
        db.session.commit()
        number = agreement.number
        db.session.remove()
    return number


@pytest.mark.parametrize("path", ["/{n}", "/{n}/compare", "/{n}/compare?a=1&b=2", "/{n}/edit", "/{n}/revisit"])  # fmt: skip
def test_the_agreement_pages_query_count_does_not_grow(app, make_partnership, count_queries, path):
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
            assert f"Wijziging {count + 1}" in body

    assert counts[0] == counts[1]
