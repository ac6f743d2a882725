"""The dashboard's count of open proposals follows who may see them, as the list does."""

from __future__ import annotations

import re

from app.extensions import db
from tests.conftest import sign_in
from tests.decisions.conftest import propose
from tests.partnerships.test_dashboard_glance import big_counts, glance_of, list_items
from tests.reviews.helpers import make_table


def open_proposals(client, slug: str) -> tuple[int, int]:
    """(the dashboard's figure, the rows of the page it links to)."""
    glance = glance_of(client.get(f"/p/{slug}/").get_data(as_text=True))
    link = f"/p/{slug}/decisions/?status=open"
    listed = list_items(client.get(link).get_data(as_text=True))
    return big_counts(glance)[link], listed


def test_a_partner_does_not_count_a_proposal_of_a_table_they_are_not_in(app, council, client):
    with app.test_request_context():
        propose(council, title="Voor iedereen")
        table = make_table(council.world, members=("teamlid",))
        propose(council, title="Alleen aan de tafel", table=table)
        db.session.remove()

    sign_in(client, council.world.users["programmamanager"])
    assert open_proposals(client, council.slug) == (2, 2)

    sign_in(client, council.world.users["partner"])
    assert open_proposals(client, council.slug) == (1, 1)
    page = client.get(f"/p/{council.slug}/decisions/?status=open").get_data(as_text=True)
    assert "Alleen aan de tafel" not in page and re.search("Voor iedereen", page)


def test_a_proposal_past_its_closing_time_is_not_counted_as_open(app, council, client):
    with app.test_request_context():
        proposal = propose(council)
        proposal.closes_at = proposal.created_at
        db.session.commit()
        db.session.remove()
    sign_in(client, council.world.users["lezer"])
    assert open_proposals(client, council.slug) == (0, 0)
