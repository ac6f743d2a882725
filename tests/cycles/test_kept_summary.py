"""The live summary of an open cycle is kept between views (app/cycles/kept.py): composed
again as soon as anything it reads changes, or the day does, and never for the traffic
that does not change it (comments, signing in)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from app import kept as shared
from app.auth.models import User
from app.cycles import kept, routes, services
from app.cycles.models import Cycle, CycleSummary
from app.extensions import db
from app.policy import TABLE_MANAGE
from app.risks.models import Risk
from app.tables import services as tables
from app.tables.models import CLOSED, Conversation
from app.timeutil import today
from tests.conftest import login
from tests.cycles.builders import (
    assess,
    at,
    make_action,
    make_agreement,
    make_conversation,
    make_review,
    make_risk,
    make_table,
    risk_category,
)
from tests.cycles.helpers import (
    adopt,
    advance,
    html,
    interpret,
    logged_in,
    make_cycle,
    member,
    reload,
    section,
    url,
)

INSIDE = date(2024, 3, 15)


@pytest.fixture
def composed(monkeypatch):
    """The number of times the summary was composed."""
    calls = []
    real = services.compose_summary

    def counting(cycle):
        calls.append(cycle.id)
        return real(cycle)

    monkeypatch.setattr(services, "compose_summary", counting)
    return calls


@pytest.fixture
def cycle(ctx, both):
    made = make_cycle(both)
    db.session.commit()
    return made.id


def view(cycle_id: int) -> dict:
    db.session.expire_all()
    return services.summary_for(reload(Cycle, cycle_id))


def counter() -> int:
    return shared.basis()


def test_a_second_view_reads_the_kept_summary(cycle, composed):
    first = view(cycle)
    second = view(cycle)
    assert composed == [cycle]
    assert second == first
    row = db.session.get(CycleSummary, cycle)
    assert (row.basis, row.composed_on) == (counter(), today())


def _new_risk(world):
    make_risk(world, risk_category(world), 1, "Nieuw risico", INSIDE, (4, 4))


def _reassessed(world):
    risk = make_risk(world, risk_category(world), 1, "Herbeoordeeld", date(2023, 6, 1), (2, 2))
    db.session.commit()
    view(world.cycle)  # kept with the first assessment only
    assess(risk, date(2023, 6, 2), (2, 2))
    assess(risk, INSIDE, (5, 5))


def _agreement(world):
    make_agreement(world, 1, "Gestart", start_on=INSIDE, revisit_on=date(2025, 1, 1))


def _review(world):
    make_review(world, 1, INSIDE, {}, lessons=(1, 2))


def _closed_conversation(world):
    make_conversation(world, make_table(world), "Afgerond gesprek", closed_at=None)
    db.session.commit()
    view(world.cycle)
    conversation = db.session.execute(select(Conversation)).scalar_one()
    conversation.status, conversation.closed_at = CLOSED, at(INSIDE)


def _action(world):
    make_action(world, "Nieuwe actie")


def _owner_renamed(world):
    make_action(world, "Actie")
    db.session.commit()
    view(world.cycle)
    db.session.get(User, world.users["programmamanager"].id).name = "Nieuwe Naam"


def _bulk_title(world):
    make_risk(world, risk_category(world), 1, "Oude titel", INSIDE, (4, 4))
    db.session.commit()
    view(world.cycle)
    db.session.execute(update(Risk).values(title="Nieuwe titel"))


def _indicator(world):
    adopt(world, name="Nieuwe indicator")


CHANGES = {
    "new risk": (_new_risk, lambda s: s["risks"]["new"]["count"] == 1),
    "reassessed risk": (_reassessed, lambda s: s["risks"]["raised"]["count"] == 1),
    "agreement": (_agreement, lambda s: s["agreements"]["started"]["count"] == 1),
    "review": (_review, lambda s: s["reviews"]["held"] == 1),
    "closed conversation": (
        _closed_conversation,
        lambda s: s["tables"]["conclusions"]["count"] == 1,
    ),
    "action": (_action, lambda s: s["actions"]["count"] == 1),
    "owner renamed": (_owner_renamed, lambda s: s["actions"]["items"][0]["owner"] == "Nieuwe Naam"),
    "bulk update": (_bulk_title, lambda s: s["risks"]["top"][0]["title"] == "Nieuwe titel"),
    "indicator": (_indicator, lambda s: [i["name"] for i in s["indicators"]] == ["Nieuwe indicator"]),
}  # fmt: skip


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_to_what_it_reads_shows_on_the_next_view(both, cycle, change):
    both.cycle = cycle
    view(cycle)
    make, shows = CHANGES[change]
    make(both)
    db.session.commit()
    assert shows(view(cycle))


def test_commenting_and_signing_in_keep_it(both, cycle, composed, client):
    table = make_table(both)
    conversation = make_conversation(both, table, "Open gesprek", closed_at=None)
    db.session.commit()
    view(cycle)
    before = counter()
    tables.post_comment(conversation, TABLE_MANAGE, both.users["programmamanager"].id, "Eens.")
    user = db.session.get(User, both.users["lezer"].id)
    user.language = "en"  # a column no summary reads
    db.session.commit()
    response = login(client, both.users["lezer"].email)
    assert response.status_code in (200, 302, 303)
    assert counter() == before
    view(cycle)
    assert composed == [cycle]


def test_a_rolled_back_write_keeps_it(both, cycle, composed):
    view(cycle)
    before = counter()
    _new_risk(both)
    db.session.rollback()
    assert counter() == before
    view(cycle)
    assert composed == [cycle]


def test_a_new_day_composes_again(cycle, composed, monkeypatch):
    view(cycle)
    monkeypatch.setattr(kept, "today", lambda: today() + timedelta(days=1))
    view(cycle)
    assert composed == [cycle, cycle]


def test_a_summary_composed_before_a_write_committed_is_not_used(both, cycle):
    # A view read the counter, then a write committed while it composed: what it keeps
    # carries the counter from before the write, so the next view composes again.
    read_before = counter()
    stale = services.compose_summary(reload(Cycle, cycle))
    _new_risk(both)
    db.session.commit()
    kept._keep(cycle, read_before, today(), stale)
    assert stale["risks"]["new"]["count"] == 0
    assert view(cycle)["risks"]["new"]["count"] == 1


def test_without_a_counter_row_it_counts_as_zero(both, cycle, composed):
    db.session.execute(shared.KeptBasis.__table__.delete())
    db.session.commit()
    view(cycle)
    view(cycle)
    assert composed == [cycle]
    _new_risk(both)
    db.session.commit()
    assert counter() > 0
    assert view(cycle)["risks"]["new"]["count"] == 1


def test_submitting_freezes_a_summary_composed_afresh(both, cycle):
    view(cycle)
    # Whatever is kept, the boards get the summary of the data as it is.
    row = db.session.get(CycleSummary, cycle)
    row.summary = {**row.summary, "actions": {"count": 99, "items": []}}
    db.session.commit()
    current = reload(Cycle, cycle)
    advance(both, current)
    interpret(both, current)
    services.submit(current, member(both, "programmamanager"))
    assert reload(Cycle, cycle).snapshot["actions"]["count"] == 0


def test_the_page_renders_the_summary_once_for_every_reader_until_a_change(
    app, both, cycle, monkeypatch
):
    rendered = []
    real = routes._charts
    monkeypatch.setattr(routes, "_charts", lambda i: rendered.append(1) or real(i))
    number = reload(Cycle, cycle).number
    path = url(both, f"/cycles/{number}")
    reader, manager = (
        logged_in(app, both.users["lezer"].email),
        logged_in(app, both.users["programmamanager"].email),
    )
    first = html(reader.get(path))
    assert html(manager.get(path)).count('id="risks-h"') == 1
    assert len(rendered) == 1  # one rendering for both
    assert "Nieuw risico" not in section(first, "risks")
    _new_risk(both)
    db.session.commit()
    page = html(reader.get(path))
    assert len(rendered) == 2
    assert "R-1 Nieuw risico" in section(page, "risks")
