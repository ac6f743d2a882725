"""Cycle and indicator pages: who may do what, the forms and their bad input, the frozen
page, board decisions and follow-ups, isolation between partnerships and the dashboard."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest

from app.agreements.models import Agreement
from app.cycles import services
from app.cycles.models import Cycle, CycleProposal, Indicator, Measurement, PhaseChange
from app.extensions import db
from app.reviews.models import Action
from tests.conftest import change_row, count_rows, find, post
from tests.cycles.builders import make_agreement, make_risk, risk_category
from tests.cycles.conftest import PROVIDER_BOARD, PROVIDER_MANAGER
from tests.cycles.helpers import (
    PERIOD,
    PREVIOUS,
    adopt,
    alerts,
    closed,
    decide,
    error_at,
    flashed,
    html,
    in_context,
    logged_in,
    make_cycle,
    member,
    pdf_text,
    propose,
    ready,
    said,
    section,
    state_of,
    submitted,
    text_of,
    url,
)

CONFIRMED = {"confirmed": "1"}

INDICATOR_FORM = {
    "name": "Wachttijd tot start hulp", "definition": "Mediaan in dagen.", "unit": "dagen",
    "source": "Registratie BSA", "direction": "lager", "kind": "kwantitatief", "target": "28",
    "target_text": "", "owner_organisation_id": "",
}  # fmt: skip
CYCLE_FORM = {
    "title": "Eerste halfjaar 2024",
    "period_from": "2024-01-01",
    "period_to": "2024-06-30",
}


def client_of(app, world, key: str):
    return logged_in(app, world.users[key].email)


def send(client, method: str, path: str, data: dict | None = None):
    return client.get(path) if method == "GET" else post(client, path, data or {})


# --- access -----------------------------------------------------------------------------------


@pytest.fixture
def scene(app, both):
    """An adopted indicator, a cycle C-1 in phase duiden with two proposals, and the ids
    the routes need."""

    def build():
        indicator = adopt(both)
        cycle = ready(both)
        return {"indicator": indicator.id, "number": cycle.number, "cycle": cycle.id,
                "proposal": services.proposals_of(cycle)[0].id}  # fmt: skip

    return both, in_context(app, build)


def requests(world, ids) -> dict[str, list[tuple]]:
    """Every cycle route, grouped by the permission it needs."""
    n, i, p = ids["number"], ids["indicator"], ids["proposal"]
    return {
        "view": [
            ("GET", url(world, "/indicators/")),
            ("GET", url(world, "/cycles/")),
            ("GET", url(world, f"/cycles/{n}")),
        ],
        "propose": [
            ("GET", url(world, "/indicators/new")),
            ("POST", url(world, "/indicators/new"), {**INDICATOR_FORM, "name": "Nieuw"}),
            ("GET", url(world, f"/indicators/{i}/edit")),
            ("POST", url(world, f"/indicators/{i}/edit"), {**INDICATOR_FORM, "target": "1"}),
            ("POST", url(world, f"/indicators/{i}/approve")),
            ("POST", url(world, f"/indicators/{i}/retire")),
        ],
        "manage": [
            ("GET", url(world, "/cycles/new")),
            (
                "POST",
                url(world, "/cycles/new"),
                {**CYCLE_FORM, "period_from": "2025-01-01", "period_to": "2025-06-30"},
            ),  # fmt: skip
            ("POST", url(world, f"/cycles/{n}/next-phase")),
            ("GET", url(world, f"/cycles/{n}/measurements")),
            ("POST", url(world, f"/cycles/{n}/measurements"), {f"value_{i}": "12"}),
            ("GET", url(world, f"/cycles/{n}/interpretation")),
            ("POST", url(world, f"/cycles/{n}/interpretation"), {"interpretation": "Anders."}),
            ("POST", url(world, f"/cycles/{n}/submit")),
            ("POST", url(world, f"/cycles/{n}/proposals/{p}/agreement")),
            ("POST", url(world, f"/cycles/{n}/proposals/{p}/action")),
        ],
        "decide": [
            ("POST", url(world, f"/cycles/{n}/decide"), {"decision": "vastgesteld"}),
        ],
    }


def test_anonymous_visitors_are_sent_to_login(app, client, scene):
    world, ids = scene
    before = state_of(app)
    for group in requests(world, ids).values():
        for method, path, *data in group:
            response = send(client, method, path, *data)
            assert response.status_code == 302, (method, path)
            assert urlsplit(response.headers["Location"]).path == "/login", (method, path)
    assert state_of(app) == before


def test_a_member_of_another_partnership_gets_404(app, scene, make_both):
    world, ids = scene
    outsider = make_both("elders")
    client = client_of(app, outsider, "programmamanager")
    before = state_of(app)
    for group in requests(world, ids).values():
        for method, path, *data in group:
            assert send(client, method, path, *data).status_code == 404, (method, path)
    assert state_of(app) == before


@pytest.mark.parametrize(
    ("role", "refused"),
    [
        ("lezer", ("propose", "manage", "decide")),
        ("teamlid", ("propose", "manage", "decide")),
        ("partner", ("propose", "manage", "decide")),
        ("bestuurder", ("propose", "manage")),
        ("beheerder", ("propose", "decide")),
        ("programmamanager", ("decide",)),
    ],
)
def test_roles_are_refused_what_they_may_not_do(app, scene, role, refused):
    world, ids = scene
    client = client_of(app, world, role)
    before = state_of(app)
    groups = requests(world, ids)
    for name in refused:
        for method, path, *data in groups[name]:
            assert send(client, method, path, *data).status_code == 403, (role, method, path)
    # Every member may read.
    for _, path in groups["view"]:
        assert client.get(path).status_code == 200, (role, path)
    assert state_of(app) == before


def test_ids_of_another_partnership_give_404(app, scene, make_both):
    world, ids = scene
    other = make_both("elders")

    def build():
        make_cycle(other, "Elders 1", PREVIOUS)
        indicator = adopt(other, name="Van elders")
        cycle = ready(other, title="Elders 2")
        return {"indicator": indicator.id, "number": cycle.number,
                "proposal": services.proposals_of(cycle)[0].id}  # fmt: skip

    foreign = in_context(app, build)
    assert foreign["number"] == 2  # the world has only C-1
    client = client_of(app, world, "programmamanager")
    bestuurder = client_of(app, world, "bestuurder")
    before = state_of(app)
    n, i = foreign["number"], foreign["indicator"]
    for path in (f"/cycles/{n}", f"/cycles/{n}/measurements", f"/cycles/{n}/interpretation",
                 f"/cycles/{n}/pdf", f"/indicators/{i}/edit"):  # fmt: skip
        assert client.get(url(world, path)).status_code == 404, path
    for path in (f"/cycles/{n}/next-phase", f"/cycles/{n}/submit", f"/indicators/{i}/approve",
                 f"/indicators/{i}/retire", f"/indicators/{i}/edit",
                 f"/cycles/{ids['number']}/proposals/{foreign['proposal']}/agreement",
                 f"/cycles/{ids['number']}/proposals/{ids['proposal']}/iets"):  # fmt: skip
        assert post(client, url(world, path), {}).status_code == 404, path
    assert post(bestuurder, url(world, f"/cycles/{n}/decide"), {}).status_code == 404
    assert state_of(app) == before


# --- indicators -------------------------------------------------------------------------------


def test_proposing_and_adopting_an_indicator_through_the_pages(app, both):
    municipal = client_of(app, both, "programmamanager")
    assert municipal.get(url(both, "/indicators/new")).status_code == 200
    response = post(municipal, url(both, "/indicators/new"), INDICATOR_FORM)
    assert urlsplit(response.headers["Location"]).path == url(both, "/indicators/")
    assert said(
        app, "The indicator has been proposed. A programme manager of the other side agrees to adopt it."
    ) in flashed(municipal, response)  # fmt: skip
    indicator = find(app, Indicator, name="Wachttijd tot start hulp")
    assert (indicator.status, indicator.target, indicator.owner_organisation_id) == (
        "voorgesteld", 28.0, None,
    )  # fmt: skip
    page = html(municipal.get(url(both, "/indicators/")))
    approve = url(both, f"/indicators/{indicator.id}/approve")
    assert f'action="{approve}"' not in page  # the proposer agreed already
    assert f"{both.users['programmamanager'].name} ({both.municipality.name})" in page

    provider = client_of(app, both, PROVIDER_MANAGER)
    page = html(provider.get(url(both, "/indicators/")))
    assert f'action="{approve}"' in page
    response = post(provider, approve)
    assert said(app, "The indicator has been adopted.") in flashed(provider, response)
    assert find(app, Indicator, id=indicator.id).status == "vastgesteld"
    page = text_of(html(provider.get(url(both, "/indicators/"))))
    assert f"{both.users[PROVIDER_MANAGER].name} ({both.provider.name})" in page
    assert said(app, "adopted") in page

    # Agreeing again is refused with a message; nothing changes.
    before = state_of(app)
    response = post(provider, approve)
    assert said(app, "Only a proposed indicator can be agreed to.") in flashed(provider, response)
    assert state_of(app) == before


def test_two_municipal_managers_agreeing_do_not_adopt_through_the_pages(app, both, add_member):
    add_member(both, "pm_gemeente2", "programmamanager", both.municipality.id)
    indicator_id = in_context(app, lambda: propose(both).id)
    client = client_of(app, both, "pm_gemeente2")
    response = post(client, url(both, f"/indicators/{indicator_id}/approve"))
    assert said(app, "Your agreement has been recorded.") in flashed(client, response)
    assert find(app, Indicator, id=indicator_id).status == "voorgesteld"
    # The proposer agreeing twice is refused.
    proposer = client_of(app, both, "programmamanager")
    before = state_of(app)
    response = post(proposer, url(both, f"/indicators/{indicator_id}/approve"))
    assert said(app, "You have already agreed to this indicator.") in flashed(proposer, response)
    assert state_of(app) == before


@pytest.mark.parametrize(
    ("over", "field", "msgid"),
    [
        ({"name": ""}, "name", "Enter a name."),
        ({"name": "   "}, "name", "Enter a name."),
        ({"direction": ""}, "direction", "Choose whether higher or lower is better."),
        ({"direction": "beter"}, "direction", None),
        ({"kind": ""}, "kind", "Choose quantitative or qualitative."),
        ({"target": "veel"}, "target", None),
    ],
)
def test_bad_indicator_input_is_shown_next_to_the_field(app, both, over, field, msgid):
    client = client_of(app, both, "programmamanager")
    before = state_of(app)
    data = {k: v for k, v in {**INDICATOR_FORM, **over}.items() if v != "" or k not in over}
    response = post(client, url(both, "/indicators/new"), data)
    assert response.status_code == 422
    error = error_at(html(response), field)
    assert error
    if msgid:
        assert error == said(app, msgid)
    assert state_of(app) == before


def test_editing_and_retiring_an_indicator_through_the_pages(app, both):
    indicator_id = in_context(app, lambda: adopt(both).id)
    client = client_of(app, both, PROVIDER_MANAGER)
    page = html(client.get(url(both, f"/indicators/{indicator_id}/edit")))
    assert 'value="Wachttijd tot start hulp"' in page
    response = post(client, url(both, f"/indicators/{indicator_id}/edit"),
                    {**INDICATOR_FORM, "target": "21"})  # fmt: skip
    assert said(app, "The indicator has been saved.") in flashed(client, response)
    assert find(app, Indicator, id=indicator_id).target == 21.0

    response = post(client, url(both, f"/indicators/{indicator_id}/retire"), CONFIRMED)
    assert said(app, "The indicator has been retired.") in flashed(client, response)
    assert find(app, Indicator, id=indicator_id).status == "vervallen"
    before = state_of(app)
    response = post(client, url(both, f"/indicators/{indicator_id}/retire"), CONFIRMED)
    assert said(app, "This indicator has been retired already.") in flashed(client, response)
    assert state_of(app) == before


# --- cycles, phases, measurements and the duiding -----------------------------------------------


def test_creating_a_cycle_through_the_form(app, both):
    client = client_of(app, both, "beheerder")
    assert client.get(url(both, "/cycles/new")).status_code == 200
    response = post(client, url(both, "/cycles/new"), CYCLE_FORM)
    assert urlsplit(response.headers["Location"]).path == url(both, "/cycles/1")
    assert said(app, "Cycle %(ref)s has been created.", ref="C-1") in flashed(client, response)
    cycle = find(app, Cycle, number=1)
    assert (cycle.title, cycle.period_from, cycle.period_to, cycle.phase) == (
        "Eerste halfjaar 2024", date(2024, 1, 1), date(2024, 6, 30), "voorbereiden",
    )  # fmt: skip
    assert "C-1 Eerste halfjaar 2024" in html(client.get(url(both, "/cycles/")))


@pytest.mark.parametrize(
    ("over", "field", "msgid", "variables"),
    [
        ({"period_to": "2023-12-31"}, "period_to", "The period must end after it starts.", {}),
        ({"period_from": "2024-03-01", "period_to": "2024-09-30"}, "period_from",
         "This period overlaps cycle C-%(n)s. Cycles of a partnership do not overlap.", {"n": 1}),
        ({"title": ""}, "title", "Enter a title.", {}),
        ({"period_from": ""}, "period_from", "Enter the period.", {}),
        ({"period_to": "31-02-2024"}, "period_to", None, {}),
    ],
)  # fmt: skip
def test_bad_cycle_input_is_shown_and_nothing_is_saved(app, both, over, field, msgid, variables):
    in_context(app, lambda: make_cycle(both, "Eerste halfjaar 2024", PERIOD))
    client = client_of(app, both, "programmamanager")
    before = state_of(app)
    response = post(client, url(both, "/cycles/new"), {**CYCLE_FORM, "title": "Nieuw", **over})
    assert response.status_code == 422
    error = error_at(html(response), field)
    assert error
    if msgid:
        assert error == said(app, msgid, **variables)
    assert state_of(app) == before
    assert count_rows(app, Cycle) == 1


def test_moving_the_phases_is_recorded_and_shown(app, both):
    in_context(app, lambda: make_cycle(both))
    client = client_of(app, both, "programmamanager")
    path = url(both, "/cycles/1/next-phase")
    response = post(client, path, CONFIRMED)
    assert said(
        app, "The cycle is now in the phase “%(phase)s”.", phase=said(app, "monitoring")
    ) in flashed(client, response)
    post(client, path, CONFIRMED)
    assert find(app, Cycle, number=1).phase == "duiden"
    assert count_rows(app, PhaseChange) == 2

    page = html(client.get(url(both, "/cycles/1")))
    assert 'aria-current="step">' + said(app, "interpreting") in page
    history = text_of(page[page.index(said(app, "History of the phases")) :])
    name = both.users["programmamanager"].name
    assert f"{said(app, 'preparing')} → {said(app, 'monitoring')} ({name})" in history
    assert f"{said(app, 'monitoring')} → {said(app, 'interpreting')} ({name})" in history

    # From duiden the cycle moves on only by submitting.
    before = state_of(app)
    response = post(client, path)
    assert said(app, "From here the cycle moves on by submitting it to the boards.") in flashed(
        client, response
    )
    assert state_of(app) == before


@pytest.fixture
def measurable(app, both):
    def build():
        quantitative = adopt(both)
        qualitative = adopt(both, name="Kwaliteit van de samenwerking", kind="kwalitatief",
                            target=None, target_text="Open", unit="")  # fmt: skip
        proposed = propose(both, name="Nog voorgesteld")
        make_cycle(both)
        return quantitative.id, qualitative.id, proposed.id

    return both, *in_context(app, build)


def test_entering_measurements_through_the_form(app, measurable):
    world, number_id, text_id, proposed_id = measurable
    client = client_of(app, world, PROVIDER_MANAGER)
    page = html(client.get(url(world, "/cycles/1/measurements")))
    assert f'name="value_{number_id}"' in page and f'name="value_{text_id}"' in page
    assert f'name="value_{proposed_id}"' not in page

    response = post(client, url(world, "/cycles/1/measurements"), {
        f"value_{number_id}": "31,5", f"explanation_{number_id}": "Daling (demo).",
        f"value_{text_id}": "Vertrouwen groeit.", f"explanation_{text_id}": "",
    })  # fmt: skip
    assert said(app, "The measurements have been saved.") in flashed(client, response)
    value = find(app, Measurement, indicator_id=number_id)
    assert (value.value_number, value.explanation, value.entered_by_id) == (
        31.5, "Daling (demo).", world.users[PROVIDER_MANAGER].id,
    )  # fmt: skip
    assert find(app, Measurement, indicator_id=text_id).value_text == "Vertrouwen groeit."
    page = html(client.get(url(world, "/cycles/1/measurements")))
    assert 'value="31.5"' in page
    indicators = section(html(client.get(url(world, "/cycles/1"))), "indicators")
    assert "31.5" in indicators and "Vertrouwen groeit." in indicators


def test_bad_measurements_are_refused_and_nothing_is_saved(app, measurable, make_both):
    world, number_id, text_id, proposed_id = measurable
    foreign = in_context(app, lambda: adopt(make_both("elders"), name="Van elders").id)
    client = client_of(app, world, "programmamanager")
    before = state_of(app)

    response = post(client, url(world, "/cycles/1/measurements"),
                    {f"value_{text_id}": "Tekst.", f"value_{number_id}": "abc"})  # fmt: skip
    assert response.status_code == 422
    assert error_at(html(response), f"value-{number_id}") == said(
        app, "Enter a number for “%(name)s”.", name="Wachttijd tot start hulp"
    )
    assert 'value="abc"' in html(response)  # the input is kept

    for indicator_id in (proposed_id, foreign):
        response = post(client, url(world, "/cycles/1/measurements"),
                        {f"value_{number_id}": "12", f"value_{indicator_id}": "3"})  # fmt: skip
        assert response.status_code == 422
        assert said(
            app, "Enter measurements only for the adopted indicators of this partnership."
        ) in alerts(html(response))
    assert state_of(app) == before


def test_writing_the_duiding_and_proposals(app, both):
    in_context(app, lambda: make_cycle(both))
    client = client_of(app, both, "programmamanager")
    assert client.get(url(both, "/cycles/1/interpretation")).status_code == 200
    response = post(client, url(both, "/cycles/1/interpretation"), {
        "interpretation": "De wachttijd **daalt**.", "dilemmas": "Budget of wachttijd.",
        "proposals": "Maandelijks cijfers delen.\n\nEen aanpak voor thuiszitters.\n",
    })  # fmt: skip
    assert said(app, "The interpretation has been saved.") in flashed(client, response)
    page = html(client.get(url(both, "/cycles/1")))
    assert "<strong>daalt</strong>" in page
    assert "Budget of wachttijd." in section(page, "interpretation")
    proposals = section(page, "proposals")
    assert (
        "Maandelijks cijfers delen." in proposals and "Een aanpak voor thuiszitters." in proposals
    )
    # The form shows the proposals one per line again.
    page = html(client.get(url(both, "/cycles/1/interpretation")))
    assert "Maandelijks cijfers delen.\nEen aanpak voor thuiszitters." in page


# --- the summary page ----------------------------------------------------------------------------


def test_the_summary_page_links_and_charts(app, both):
    def build():
        make_agreement(both, 1, "Gestart binnen", start_on=date(2024, 3, 1))
        make_risk(both, risk_category(both), 5, "Nieuw risico", date(2024, 3, 1), (4, 4))
        db.session.commit()
        waiting = adopt(both, name="Wachttijd", direction="lager", target=28)
        outflow = adopt(both, name="Uitstroom", direction="hoger", target=45)
        first = make_cycle(both, "Tweede halfjaar 2023", PREVIOUS)
        services.save_measurements(first, _manager(both),
                                   {waiting.id: ("35", ""), outflow.id: ("50", "")})  # fmt: skip
        second = make_cycle(both, "Eerste halfjaar 2024", PERIOD)
        services.save_measurements(second, _manager(both),
                                   {waiting.id: ("30", ""), outflow.id: ("47", "")})  # fmt: skip
        return waiting.id

    waiting_id = in_context(app, build)
    client = client_of(app, both, "lezer")
    page = html(client.get(url(both, "/cycles/2")))
    assert f'href="{url(both, "/agreements/1")}"' in page
    assert f'href="{url(both, "/risks/5")}"' in page
    indicators = section(page, "indicators")
    assert said(app, "off target") in indicators and said(app, "on target") in indicators
    assert said(app, "better than before") in indicators
    assert said(app, "worse than before") in indicators
    # A small server-side chart with the same figures as the table.
    assert f'aria-labelledby="ind-chart-{waiting_id}"' in page
    assert "Wachttijd: C-1 35, C-2 30" in indicators
    # Not frozen yet, and a lezer gets no buttons.
    assert url(both, "/cycles/2/pdf") not in page
    assert url(both, "/cycles/2/measurements") not in page


def _manager(world):
    return member(world, "programmamanager")


# --- submitting and the frozen page ------------------------------------------------------------

SUBMIT_EXPLAINED = (
    "The summary of %(ref)s is frozen as it is now and every bestuurder is asked to decide. "
    "Measurements and the interpretation can no longer be changed. This cannot be undone."
)


def test_submitting_asks_for_confirmation_first(app, both):
    in_context(app, lambda: ready(both, interpretation="De wachttijd daalt (duiding).").number)
    client = client_of(app, both, "programmamanager")
    explained = said(app, SUBMIT_EXPLAINED, ref="C-1")
    # The cycle page offers the step: a link to the confirmation page and a dialog.
    page = html(client.get(url(both, "/cycles/1")))
    assert f'href="{url(both, "/cycles/1/submit")}" data-confirm="confirm-submit"' in page
    assert '<dialog class="ss-confirm-dialog" id="confirm-submit"' in page and explained in page
    # Without JavaScript: the confirmation page says what will happen and holds the form.
    before = state_of(app)
    response = client.get(url(both, "/cycles/1/submit"))
    assert response.status_code == 200
    page = html(response)
    assert explained in page and 'name="confirmed" value="1"' in page
    # A POST without the confirmation acts on nothing: it shows the same page.
    response = post(client, url(both, "/cycles/1/submit"))
    assert response.status_code == 200 and explained in html(response)
    assert state_of(app) == before
    # Confirmed, it is submitted.
    response = post(client, url(both, "/cycles/1/submit"), CONFIRMED)
    assert said(app, "The summary has been frozen and submitted to the boards.") in flashed(
        client, response
    )
    # Once submitted, the confirmation page is not offered again.
    response = client.get(url(both, "/cycles/1/submit"))
    assert response.status_code == 302
    assert said(app, "A cycle is submitted from the phase 'duiden'.") in flashed(client, response)


@pytest.mark.parametrize("role", ["lezer", "bestuurder", "teamlid"])
def test_the_confirmation_page_is_refused_to_who_may_not_submit(app, both, role):
    in_context(app, lambda: ready(both, interpretation="Duiding.").number)
    client = client_of(app, both, role)
    before = state_of(app)
    assert client.get(url(both, "/cycles/1/submit")).status_code == 403
    assert post(client, url(both, "/cycles/1/submit"), CONFIRMED).status_code == 403
    assert state_of(app) == before


NEXT_PHASE_EXPLAINED = (
    "%(ref)s moves from the phase “%(current)s” to “%(following)s”. A cycle never goes back "
    "to an earlier phase. This cannot be undone."
)


def test_the_next_phase_asks_for_confirmation_first(app, both):
    in_context(app, lambda: make_cycle(both))
    client = client_of(app, both, "programmamanager")
    path = url(both, "/cycles/1/next-phase")
    explained = said(app, NEXT_PHASE_EXPLAINED, ref="C-1", current=said(app, "preparing"),
                     following=said(app, "monitoring"))  # fmt: skip
    # The cycle page offers the step as a link to the confirmation page and a dialog.
    page = html(client.get(url(both, "/cycles/1")))
    assert f'href="{path}" data-confirm="confirm-next-phase"' in page
    assert '<dialog class="ss-confirm-dialog" id="confirm-next-phase"' in page
    assert explained in page
    before = state_of(app)
    response = client.get(path)
    assert response.status_code == 200
    assert explained in html(response) and 'name="confirmed" value="1"' in html(response)
    # A POST without the confirmation shows the same page and moves nothing.
    response = post(client, path)
    assert response.status_code == 200 and explained in html(response)
    assert state_of(app) == before
    assert find(app, Cycle, number=1).phase == "voorbereiden"
    response = post(client, path, CONFIRMED)
    assert response.status_code == 302
    assert find(app, Cycle, number=1).phase == "monitoren"
    assert count_rows(app, PhaseChange) == 1


def test_the_next_phase_is_not_offered_from_duiden(app, both):
    in_context(app, lambda: ready(both, interpretation="Duiding.").number)
    client = client_of(app, both, "programmamanager")
    before = state_of(app)
    response = client.get(url(both, "/cycles/1/next-phase"))
    assert response.status_code == 302
    assert said(app, "From here the cycle moves on by submitting it to the boards.") in flashed(
        client, response
    )
    assert state_of(app) == before


@pytest.mark.parametrize("role", ["lezer", "bestuurder", "teamlid"])
def test_the_next_phase_is_refused_to_who_may_not_manage(app, both, role):
    in_context(app, lambda: make_cycle(both))
    client = client_of(app, both, role)
    before = state_of(app)
    assert client.get(url(both, "/cycles/1/next-phase")).status_code == 403
    assert post(client, url(both, "/cycles/1/next-phase"), CONFIRMED).status_code == 403
    assert state_of(app) == before


RETIRE_EXPLAINED = (
    "%(name)s is no longer measured in new cycles; earlier measurements stay. A retired "
    "indicator cannot be taken into use again. This cannot be undone."
)


def test_retiring_an_indicator_asks_for_confirmation_first(app, both):
    indicator_id = in_context(app, lambda: adopt(both).id)
    name = find(app, Indicator, id=indicator_id).name
    client = client_of(app, both, "programmamanager")
    path = url(both, f"/indicators/{indicator_id}/retire")
    explained = said(app, RETIRE_EXPLAINED, name=name)
    page = html(client.get(url(both, "/indicators/")))
    assert f'href="{path}" data-confirm="confirm-retire-{indicator_id}"' in page
    assert f'<dialog class="ss-confirm-dialog" id="confirm-retire-{indicator_id}"' in page
    assert explained in page
    before = state_of(app)
    response = client.get(path)
    assert response.status_code == 200 and explained in html(response)
    response = post(client, path)
    assert response.status_code == 200 and explained in html(response)
    assert state_of(app) == before
    assert find(app, Indicator, id=indicator_id).status == "vastgesteld"
    response = post(client, path, CONFIRMED)
    assert said(app, "The indicator has been retired.") in flashed(client, response)
    assert find(app, Indicator, id=indicator_id).status == "vervallen"
    # Once retired, neither the page nor the dialog is offered again.
    assert client.get(path).status_code == 302
    assert f'data-confirm="confirm-retire-{indicator_id}"' not in html(
        client.get(url(both, "/indicators/"))
    )


@pytest.mark.parametrize("role", ["lezer", "bestuurder", "teamlid", "beheerder"])
def test_retiring_an_indicator_is_refused_to_who_may_not_propose(app, both, role):
    indicator_id = in_context(app, lambda: adopt(both).id)
    client = client_of(app, both, role)
    before = state_of(app)
    path = url(both, f"/indicators/{indicator_id}/retire")
    assert client.get(path).status_code == 403
    assert post(client, path, CONFIRMED).status_code == 403
    assert state_of(app) == before


def test_submitting_is_refused_without_duiding_or_from_another_phase(app, both):
    def build():
        without = ready(both, interpretation="")
        early = make_cycle(both, "Nog in voorbereiding", PREVIOUS)
        return without.number, early.number

    without, early = in_context(app, build)
    client = client_of(app, both, "programmamanager")
    before = state_of(app)
    response = post(client, url(both, f"/cycles/{without}/submit"), CONFIRMED)
    assert said(app, "Write the interpretation (duiding) before submitting.") in flashed(
        client, response
    )
    response = post(client, url(both, f"/cycles/{early}/submit"), CONFIRMED)
    assert said(app, "A cycle is submitted from the phase 'duiden'.") in flashed(client, response)
    assert state_of(app) == before


def test_the_submitted_page_and_pdf_show_the_frozen_figures(app, both):
    def build():
        agreement = make_agreement(both, 1, "Gestart in de periode", start_on=date(2024, 2, 1))
        db.session.commit()
        indicator = adopt(both, name="Wachttijd", target=28)
        cycle = ready(both, interpretation="De wachttijd daalt (duiding).")
        services.save_measurements(cycle, _manager(both), {indicator.id: ("31", "")})
        return agreement.id, indicator.id, cycle.id

    agreement_id, indicator_id, cycle_id = in_context(app, build)
    client = client_of(app, both, "programmamanager")
    assert client.get(url(both, "/cycles/1/pdf")).status_code == 404  # not submitted yet
    response = post(client, url(both, "/cycles/1/submit"), CONFIRMED)
    assert said(app, "The summary has been frozen and submitted to the boards.") in flashed(
        client, response
    )

    # Later changes, straight into the database.
    change_row(app, Agreement, agreement_id, title="Andere titel")
    in_context(app, lambda: (make_risk(both, risk_category(both), 1, "Nieuw risico",
                                       date(2024, 3, 1), (5, 5)), db.session.commit()))  # fmt: skip
    measurement = find(app, Measurement, cycle_id=cycle_id, indicator_id=indicator_id)
    change_row(app, Measurement, measurement.id, value_number=99)

    page = html(client.get(url(both, "/cycles/1")))
    frozen = said(app, "Submitted to the boards on %(date)s. This summary is frozen: later "
                          "changes do not change what the boards read.", date="@@").split("@@")[1]  # fmt: skip
    assert frozen in page
    assert "WA-1 Gestart in de periode" in section(page, "agreements")
    assert "Andere titel" not in page
    assert "R-1 Nieuw risico" not in page
    indicators = section(page, "indicators")
    assert "31" in indicators and "99" not in indicators
    # No more measurement, duiding or submit buttons; the PDF is offered.
    assert url(both, "/cycles/1/measurements") not in page
    assert url(both, "/cycles/1/submit") not in page
    assert url(both, "/cycles/1/pdf") in page
    # Writing to a frozen cycle is refused.
    before = state_of(app)
    response = post(client, url(both, "/cycles/1/measurements"), {f"value_{indicator_id}": "5"})
    assert response.status_code == 422
    assert said(app, "This cycle has been submitted to the boards and is frozen.") in alerts(
        html(response)
    )
    assert state_of(app) == before

    text = pdf_text(client.get(url(both, "/cycles/1/pdf")).data)
    assert "WA-1 Gestart in de periode" in text
    assert "Andere titel" not in text and "Nieuw risico" not in text


# --- board decisions and follow-ups --------------------------------------------------------------


def test_two_bestuurders_decide_the_cycle_closes_and_a_proposal_becomes_a_draft_agreement(
    app, both
):
    ids = in_context(app, lambda: [p["id"] for p in submitted(both).snapshot["proposals"]])
    municipal = client_of(app, both, "bestuurder")
    page = html(municipal.get(url(both, "/cycles/1")))
    assert 'id="decide"' in page
    assert page.count('name="vote_') == 4  # two proposals, two choices each
    response = post(municipal, url(both, "/cycles/1/decide"), {
        "decision": "vastgesteld", "comment": "Eens met de koers.",
        f"vote_{ids[0]}": "akkoord", f"vote_{ids[1]}": "niet_akkoord",
    })  # fmt: skip
    assert said(
        app, "The decision of %(organisation)s has been recorded.",
        organisation=both.municipality.name,
    ) in flashed(municipal, response)  # fmt: skip
    page = html(municipal.get(url(both, "/cycles/1")))
    assert 'id="decide"' not in page  # decided: no form any more
    decisions = section(page, "decisions")
    assert f"{said(app, 'adopted')} – {both.users['bestuurder'].name}" in decisions
    assert "Eens met de koers." in decisions
    assert said(app, "not yet decided") in decisions

    provider = client_of(app, both, PROVIDER_BOARD)
    before = state_of(app)
    response = post(provider, url(both, "/cycles/1/decide"), {
        "decision": "niet_vastgesteld", f"vote_{ids[0]}": "akkoord", f"vote_{ids[1]}": "akkoord",
    })  # fmt: skip
    assert response.status_code == 422
    assert error_at(html(response), "reason") == said(app, "Give the reason for not adopting.")
    response = post(provider, url(both, "/cycles/1/decide"),
                    {"decision": "vastgesteld", f"vote_{ids[0]}": "akkoord"})  # fmt: skip
    assert response.status_code == 422
    assert said(app, "Vote on every proposal: akkoord or niet akkoord.") in alerts(html(response))
    response = post(provider, url(both, "/cycles/1/decide"), {f"vote_{ids[0]}": "akkoord"})
    assert response.status_code == 422
    assert error_at(html(response), "decision") == said(app, "Choose a decision.")
    assert state_of(app) == before

    response = post(provider, url(both, "/cycles/1/decide"), {
        "decision": "vastgesteld_met_opmerkingen", "comment": "Graag meer zicht op verwijzers.",
        f"vote_{ids[0]}": "akkoord", f"vote_{ids[1]}": "niet_akkoord",
    })  # fmt: skip
    assert response.status_code == 302
    cycle = find(app, Cycle, number=1)
    assert cycle.phase == "afgerond" and cycle.closed_at is not None

    # The accepted proposal becomes a draft agreement in one step; the other cannot.
    manager = client_of(app, both, "programmamanager")
    page = html(manager.get(url(both, "/cycles/1")))
    accepted = url(both, f"/cycles/1/proposals/{ids[0]}/agreement")
    rejected = url(both, f"/cycles/1/proposals/{ids[1]}/agreement")
    assert accepted in page and rejected not in page
    assert said(app, "%(yes)s agree, %(no)s do not agree", yes=2, no=0) in page
    response = post(manager, accepted)
    agreement = find(app, Agreement, origin_type="cycle")
    assert urlsplit(response.headers["Location"]).path == url(
        both, f"/agreements/{agreement.number}"
    )
    assert (agreement.origin_id, agreement.status, agreement.title) == (
        cycle.id, "concept", "Maandelijks cijfers delen.",
    )  # fmt: skip
    assert said(
        app, "Draft agreement %(ref)s has been made from the proposal.", ref=agreement.reference
    ) in flashed(manager, response)
    proposals = section(html(manager.get(url(both, "/cycles/1"))), "proposals")
    assert said(app, "draft agreement") in proposals

    before = state_of(app)
    response = post(manager, accepted)
    assert said(app, "This proposal has been carried out already.") in flashed(manager, response)
    response = post(manager, rejected)
    assert said(app, "Only an accepted proposal can be carried out.") in flashed(manager, response)
    assert state_of(app) == before


def test_an_accepted_proposal_becomes_an_action(app, both):
    ids = in_context(app, lambda: [p.id for p in services.proposals_of(closed(both))])
    client = client_of(app, both, "beheerder")
    response = post(client, url(both, f"/cycles/1/proposals/{ids[1]}/action"))
    assert said(app, "An action has been made from the proposal.") in flashed(client, response)
    action = find(app, Action, title="Een aanpak voor thuiszitters.")
    assert action.owner_id == both.users["beheerder"].id
    assert find(app, CycleProposal, id=ids[1]).action_id == action.id


def test_deciding_twice_or_for_an_organisation_that_does_not_decide_is_refused(
    app, both, add_member, add_organisation
):
    in_context(app, lambda: decide(both, submitted(both), "bestuurder"))
    add_member(both, "bestuurder_gemeente2", "bestuurder", both.municipality.id)
    late = add_organisation(both, "Consortium Laat", "consortium")
    add_member(both, "bestuurder_laat", "bestuurder", late)
    outsider = add_organisation(both, "Stichting Buiten", "aanbieder", participates=False)
    add_member(both, "bestuurder_buiten", "bestuurder", outsider)
    ids = in_context(
        app,
        lambda: [p.id for p in services.proposals_of(services.get_cycle(both.partnership.id, 1))],
    )
    data = {"decision": "vastgesteld", **{f"vote_{i}": "akkoord" for i in ids}}

    cases = [
        ("bestuurder", "Your organisation has already decided on this cycle."),
        ("bestuurder_gemeente2", "Your organisation has already decided on this cycle."),
        ("bestuurder_laat", "Your organisation is not one of the organisations that decide on this cycle."),
        ("bestuurder_buiten", "Your organisation is not one of the organisations that decide on this cycle."),
    ]  # fmt: skip
    clients = {key: client_of(app, both, key) for key, _ in cases}
    before = state_of(app)
    for key, msgid in cases:
        client = clients[key]
        page = html(client.get(url(both, "/cycles/1")))
        assert 'id="decide"' not in page, key
        response = post(client, url(both, "/cycles/1/decide"), data)
        assert response.status_code == 422, key
        assert said(app, msgid) in alerts(html(response)), key
    assert state_of(app) == before


# --- the PDF board pack --------------------------------------------------------------------------


def test_the_board_pack_pdf(app, both):
    def build():
        cycle = submitted(both, interpretation="De wachttijd daalt door de regionale aanpak.")
        decide(both, cycle, "bestuurder", "vastgesteld", ["akkoord", "akkoord"])
        decide(both, cycle, PROVIDER_BOARD, "niet_vastgesteld", ["akkoord", "niet_akkoord"],
               reason="De cijfers over verwijzers ontbreken.")  # fmt: skip

    in_context(app, build)
    client = client_of(app, both, "lezer")
    response = client.get(url(both, "/cycles/1/pdf"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "C-1" in response.headers["Content-Disposition"]

    text = pdf_text(response.data)
    assert both.partnership.name in text
    assert "C-1 Eerste halfjaar 2024" in text
    assert "De wachttijd daalt door de regionale aanpak." in text
    for heading in ("Board pack", "Contents", "Agreements", "Risks", "Reviews", "Thematic tables",
                    "Indicators", "Open actions", "Interpretation", "Proposals", "Board decisions"):  # fmt: skip
        assert said(app, heading) in text, heading
    assert "Maandelijks cijfers delen." in text
    assert said(app, "%(yes)s agree, %(no)s do not agree", yes=2, no=0) in text
    assert said(app, "%(yes)s agree, %(no)s do not agree", yes=1, no=1) in text
    assert (
        f"{both.municipality.name} {said(app, 'adopted')} ({both.users['bestuurder'].name}" in text
    )
    assert (
        f"{both.provider.name} {said(app, 'not adopted')} ({both.users[PROVIDER_BOARD].name}"
        in text
    )
    assert "De cijfers over verwijzers ontbreken." in text


def test_no_board_pack_before_submitting(app, both):
    in_context(app, lambda: ready(both))
    client = client_of(app, both, "programmamanager")
    assert client.get(url(both, "/cycles/1/pdf")).status_code == 404
    assert client.get(url(both, "/cycles/9/pdf")).status_code == 404


# --- the dashboard panel ----------------------------------------------------------------------


def test_the_dashboard_panel(app, both):
    def build():
        waiting = adopt(both, name="Wachttijd", target=28)
        outflow = adopt(both, name="Uitstroom", direction="hoger", target=45, unit="%")
        cycle = ready(both, period=PREVIOUS, title="Tweede halfjaar 2023")
        services.save_measurements(cycle, _manager(both), {waiting.id: ("31", ""),
                                                          outflow.id: ("47", "")})  # fmt: skip
        services.submit(cycle, _manager(both))
        make_cycle(both, "Eerste halfjaar 2024", PERIOD)

    in_context(app, build)
    waiting = said(app, "%(ref)s %(title)s is waiting for the decision of your organisation.",
                      ref="C-1", title="Tweede halfjaar 2023")  # fmt: skip
    missing = said(app, "Measurements missing for %(ref)s (%(n)s):", n=2, ref="C-2")
    latest = said(app, "Latest values (%(ref)s):", ref="C-1")

    page = html(client_of(app, both, PROVIDER_BOARD).get(url(both, "/")))
    assert waiting in page
    assert url(both, "/cycles/1") + "#decide" in page
    assert missing not in page

    page = html(client_of(app, both, "programmamanager").get(url(both, "/")))
    assert waiting not in page
    assert missing in page
    assert "Wachttijd, Uitstroom" in text_of(page) or "Uitstroom, Wachttijd" in text_of(page)
    assert latest in page
    panel = text_of(page[page.index(latest) :])
    assert (
        f"Wachttijd: 31 dagen ({said(app, 'target %(t)s', t='28')}, {said(app, 'off target')})"
        in panel
    )
    assert (
        f"Uitstroom: 47 % ({said(app, 'target %(t)s', t='45')}, {said(app, 'on target')})" in panel
    )

    # Once the organisation decided, its bestuurder has nothing waiting.
    in_context(
        app, lambda: decide(both, services.get_cycle(both.partnership.id, 1), PROVIDER_BOARD)
    )
    page = html(client_of(app, both, PROVIDER_BOARD).get(url(both, "/")))
    assert waiting not in page
    assert waiting in html(client_of(app, both, "bestuurder").get(url(both, "/")))


def test_an_indicator_name_in_an_error_message_is_escaped(app, both):
    def build():
        indicator = adopt(both, name='<img src=x onerror="alert(1)">Wachttijd')
        make_cycle(both)
        return indicator.id

    indicator_id = in_context(app, build)
    client = client_of(app, both, "programmamanager")
    response = post(client, url(both, "/cycles/1/measurements"), {f"value_{indicator_id}": "abc"})
    assert response.status_code == 422
    page = html(response)
    assert "<img src=x" not in page
    assert error_at(page, f"value-{indicator_id}") == said(
        app, "Enter a number for “%(name)s”.", name='<img src=x onerror="alert(1)">Wachttijd'
    )


def test_control_characters_in_measurements_are_refused(app, measurable):
    world, number_id, text_id, _proposed_id = measurable
    client = client_of(app, world, PROVIDER_MANAGER)
    before = state_of(app)

    for data in (
        {f"value_{text_id}": "Ver\x00trouwen"},
        {f"value_{number_id}": "3", f"explanation_{number_id}": "Daling\x1b[2J"},
    ):
        response = post(client, url(world, "/cycles/1/measurements"), data)

        assert response.status_code == 422
        assert "Haal de onzichtbare stuurtekens uit deze tekst." in html(response)
    assert state_of(app) == before
