"""The reviews list and the overview issue as many SQL statements with 5 finalised reviews
as with 60."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from app.extensions import db
from app.reviews.models import FINAL, Action, Lesson, Review, ReviewScore
from app.reviews.services import rebuild_tallies
from app.timeutil import utcnow
from tests.reviews.helpers import adopt_manifest, days, logged_in, url


def bulk_reviews(app, world, count: int) -> None:
    """`count` finalised reviews of both organisations over two years, each with a score for
    every principle, a lesson per level and an open action, inserted in bulk."""
    with app.test_request_context():
        principles = list(adopt_manifest(world).values())
        now = utcnow()
        orgs = (world.provider.id, world.municipality.id)
        db.session.execute(
            insert(Review),
            [
                {"partnership_id": world.partnership.id, "number": n + 1,
                 "kind": ("casusbespreking", "kwaliteitsreview")[n % 2],
                 "held_on": days(-(n * 12 + 1)), "organisation_id": orgs[n % 2],
                 "team": f"Team {n % 3}", "participants": "jeugdprofessional",
                 "title": f"Review {n + 1}", "case_description": "Casus.", "aims": {},
                 "went_well": "", "could_be_better": "", "status": FINAL,
                 "created_by_id": world.users["teamlid"].id, "created_at": now,
                 "finalised_at": now - timedelta(days=n), "finalised_by_id": world.users["teamlid"].id,
                 "version": 1}
                for n in range(count)
            ],
        )  # fmt: skip
        ids = list(db.session.execute(select(Review.id).order_by(Review.id)).scalars())
        db.session.execute(
            insert(ReviewScore),
            [{"review_id": rid, "principle_id": pid, "score": 1 + (rid + pid) % 5, "explanation": ""}
             for rid in ids for pid in principles],
        )  # fmt: skip
        owners = [world.users[role].id for role in ("teamlid", "programmamanager", "beheerder")]
        db.session.execute(
            insert(Action),
            [{"partnership_id": world.partnership.id, "title": f"Actie {rid}",
              "owner_id": owners[rid % 3], "due_on": days(rid), "status": "open",
              "source_label": f"Leerpunt uit CR-{rid}", "created_at": now, "version": 1}
             for rid in ids],
        )  # fmt: skip
        db.session.execute(
            insert(Lesson),
            [{"partnership_id": world.partnership.id, "review_id": rid, "text": f"Les {rid}-{level}",
              "level": level, "arena": ("casus", "organisatie", "systeem")[level - 1],
              "follow_up": "none", "proposal_title": "", "proposal_text": "", "created_at": now}
             for rid in ids for level in (1, 2, 3)],
        )  # fmt: skip
        rebuild_tallies(world.partnership.id)  # as the scale seeder does after its bulk load
        db.session.commit()
        db.session.remove()


def statements_for(count_queries, client, path: str, **headers) -> int:
    # Warm up (session, caches): twice, as the first view's statements may carry another
    # cache key than later ones, so what is kept is made again at the second (app/kept.py).
    client.get(path, headers=headers)
    client.get(path, headers=headers)
    with count_queries() as statements:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return len(statements)


PAGES = [
    ("/", {}),
    ("/?kind=kwaliteitsreview&status=vastgesteld&level=3", {}),
    ("/", {"HX-Request": "true"}),
    ("/overview", {}),
    ("/overview?level=3&arena=systeem", {}),
    ("/actions", {}),
]


@pytest.mark.parametrize(("path", "headers"), PAGES, ids=[f"{p} {h}" for p, h in PAGES])
def test_the_query_count_does_not_grow_with_the_reviews(app, make_partnership, count_queries,
                                                        path, headers):  # fmt: skip
    counts = []
    for slug, count in (("klein", 5), ("groot", 60)):
        world = make_partnership(slug)
        bulk_reviews(app, world, count)
        client = logged_in(app, world.users["programmamanager"].email)
        counts.append(statements_for(count_queries, client, url(world, path), **headers))
    assert counts[0] == counts[1]
    assert counts[0] > 0


def test_the_list_shows_the_data_it_was_counted_with(app, make_partnership):
    world = make_partnership("groot")
    bulk_reviews(app, world, 60)
    client = logged_in(app, world.users["programmamanager"].email)
    page = client.get(url(world, "/")).get_data(as_text=True)
    assert len(re.findall(r"CR-\d+ Review \d+", page)) == 25  # a full page of reviews
    overview = client.get(url(world, "/overview")).get_data(as_text=True)
    assert "<svg" in overview and "Les 1-3" in overview
