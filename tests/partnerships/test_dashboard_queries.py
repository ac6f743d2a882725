"""The dashboard's statement budget: the same, bounded number of statements for a small
partnership and one with many more agreements and risks (each panel counts its figures in
one statement and reads only the short lists it shows)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from app.agreements.models import ACTIVE, WORKABLE, Agreement
from app.extensions import db
from app.timeutil import utcnow
from tests.agreements.helpers import days, logged_in
from tests.risks.helpers import bulk_risks
from tests.risks.test_queries import statements_for

# What this dashboard costs at most (33 statements for a beheerder and 31 for a lezer before
# the panels counted their figures in one statement each); 21 before the "at a glance" row
# added one statement for the agreements' bar, one for the heat map and one for the counts;
# 24 before the indicators' sparklines added one (and one more for their measurements when
# there are indicators, see tests/cycles/test_glance.py).
BUDGET = 26


def many_agreements(app, world, count: int) -> None:
    """`count` workable agreements, half of them owned by the beheerder, revisits spread
    around today so that some are due."""
    with app.app_context():
        now = utcnow()
        owner = world.users["beheerder"].id
        db.session.execute(
            insert(Agreement),
            [
                {"partnership_id": world.partnership.id, "number": n, "title": f"Afspraak {n:03}",
                 "summary": f"Samenvatting {n}.", "explanation": "", "kind": WORKABLE,
                 "status": ACTIVE, "owner_id": owner if n % 2 else None, "start_on": days(-300),
                 "revisit_on": days(n % 90 - 30), "end_on": None, "origin": "",
                 "origin_label": "", "current_version": 1, "created_at": now,
                 "updated_at": now, "version": 1}
                for n in range(1, count + 1)
            ],
        )  # fmt: skip
        db.session.commit()


@pytest.mark.parametrize("role", ["beheerder", "lezer"])
def test_the_dashboard_statement_count_is_bounded_and_does_not_grow(
    app, make_partnership, count_queries, role
):
    counts = []
    for slug, count in (("klein", 6), ("groot", 400)):
        world = make_partnership(slug)
        bulk_risks(app, world, count)
        many_agreements(app, world, count)
        client = logged_in(app, world.users[role].email)
        page = client.get(f"/p/{world.slug}/").get_data(as_text=True)
        assert "/agreements/" in page and "/risks/" in page  # both panels are shown
        counts.append(statements_for(count_queries, client, f"/p/{world.slug}/"))

    assert counts[0] == counts[1], counts
    assert 0 < counts[0] <= BUDGET, counts
