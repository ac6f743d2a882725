"""History pages name the objects a change points to (a measure's risk and agreement, a
proposal's table) by their title, in one query per kind of object for a page of events, and
show the stored choices of every area (a decision's status and outcome) by their label."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.risks.models import Measure
from app.timeutil import utcnow
from tests.activity.history_helpers import add_events, events_on, history_url, html
from tests.activity.history_helpers import make_everything as make_objects
from tests.conftest import login, set_language

GONE = 999_999  # an id no object has (any more)


def logged_in(app, world, role: str):
    client = app.test_client()
    assert login(client, world.users[role].email).status_code == 302
    return client


def measure_event(world, made, *, risk_id: int, agreement_id, minutes: int = 1) -> dict:
    return {
        "partnership_id": world.partnership.id, "object_type": "Measure",
        "object_id": _measure_id(made), "action": "update",
        "actor_id": world.users["programmamanager"].id, "at": utcnow() + timedelta(minutes=minutes),
        "changes": {"risk_id": [None, risk_id], "agreement_id": agreement_id},
    }  # fmt: skip


def _measure_id(made) -> int:
    return made.ids["measure"]


def with_measure(app, world):
    made = make_objects(app, world)
    with app.app_context():
        made.ids["measure"] = db.session.scalar(
            select(Measure.id).where(Measure.risk_id == made.ids["risk"])
        )
        db.session.remove()
    return made


def test_a_measure_shows_its_risk_and_agreement_by_title_in_both_languages(app, world):
    made = with_measure(app, world)
    add_events(app, [measure_event(world, made, risk_id=made.ids["risk"],
                                   agreement_id=[None, made.ids["agreement"]])])  # fmt: skip
    client = logged_in(app, world, "lezer")
    url = history_url(world, "risk", made.ids["risk"])

    dutch = events_on(html(client.get(url)))[0].changes
    set_language(client, "en")
    english = events_on(html(client.get(url)))[0].changes

    assert dutch == {
        "Risico": ("–", made.labels["risk"]),
        "Afspraak": ("–", made.labels["agreement"]),
    }
    assert english == {
        "Risk": ("–", made.labels["risk"]),
        "Agreement": ("–", made.labels["agreement"]),
    }
    # The measure's own creation, recorded by the service, names the risk too.
    created = [row for row in events_on(html(client.get(url)))[1:] if "Risk" in row.changes]
    assert [row.changes["Risk"] for row in created] == [("–", made.labels["risk"])]


def test_a_removed_object_is_named_neutrally(app, world):
    made = with_measure(app, world)
    add_events(app, [measure_event(world, made, risk_id=made.ids["risk"],
                                   agreement_id=[GONE, made.ids["agreement"]])])  # fmt: skip
    client = logged_in(app, world, "lezer")
    url = history_url(world, "risk", made.ids["risk"])

    dutch = events_on(html(client.get(url)))[0].changes
    set_language(client, "en")
    english = events_on(html(client.get(url)))[0].changes

    assert dutch["Afspraak"] == (f"verwijderd object #{GONE}", made.labels["agreement"])
    assert english["Agreement"] == (f"removed object #{GONE}", made.labels["agreement"])


def test_titles_cost_one_query_per_kind_however_many_events(app, world, count_queries):
    made = with_measure(app, world)
    client = logged_in(app, world, "lezer")
    url = history_url(world, "risk", made.ids["risk"])
    add_events(app, [measure_event(world, made, risk_id=made.ids["risk"],
                                   agreement_id=[None, made.ids["agreement"]])])  # fmt: skip
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200

    # Thirty more events, each pointing to another (removed) agreement and risk.
    add_events(app, [
        measure_event(world, made, risk_id=GONE + n, agreement_id=[GONE + 100 + n, None],
                      minutes=2 + n)
        for n in range(30)
    ])  # fmt: skip
    with count_queries() as many:
        page = html(client.get(url))

    assert len(events_on(page)) > 30
    assert len(many) == len(few)


def test_a_decisions_history_shows_its_status_and_outcome_by_label(app, world):
    made = make_objects(app, world)
    add_events(app, [
        {"partnership_id": world.partnership.id, "object_type": "Proposal",
         "object_id": made.ids["decision"], "action": "close",
         "actor_id": world.users["programmamanager"].id, "at": utcnow() + timedelta(minutes=1),
         "changes": {"status": ["open", "gesloten"], "result": [None, "aangenomen"],
                     "outcome": [None, "verworpen"], "table_id": [None, made.ids["table"]]}},
    ])  # fmt: skip
    client = logged_in(app, world, "lezer")
    url = history_url(world, "decision", made.ids["decision"])

    dutch = events_on(html(client.get(url)))[0].changes
    set_language(client, "en")
    english = events_on(html(client.get(url)))[0].changes

    assert dutch == {
        "Status": ("open", "gesloten"),
        "Resultaat": ("–", "aangenomen"),
        "Uitkomst": ("–", "Verworpen"),
        "Thematafel": ("–", made.labels["table"]),
    }
    assert english == {
        "Status": ("open", "closed"),
        "Result": ("–", "passed"),
        "Outcome": ("–", "Rejected"),
        "Table": ("–", made.labels["table"]),
    }
