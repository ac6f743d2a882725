"""Risk pages: create, settings, bad input next to the field, reassess with its trend,
measures linked to agreements, conflicts, archive, comments, dashboard, principle page,
who may do what, and the audit trail of the forms."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from app.activity.models import AuditEvent
from app.extensions import db
from app.risks import services
from app.risks.models import Risk, RiskCategory, RiskComment
from tests.conftest import count_rows, field_error, find, input_value, message, post
from tests.risks.helpers import (
    EDITORS,
    NOT_EDITORS,
    agreement,
    assessments_in,
    category_in,
    days,
    flashed,
    form,
    html,
    in_context,
    listed,
    logged_in,
    main_of,
    make,
    make_in,
    measures_in,
    principles,
    state_of,
    stored,
    text_of,
    url,
)


def checked(page: str, name: str) -> set[str]:
    """The values of the checked checkboxes or radio buttons with this name."""
    tags = re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    return {re.search(r'value="([^"]*)"', t).group(1) for t in tags if re.search(r"\schecked\b", t)}


def options(page: str, name: str) -> dict[str, str]:
    """value -> text of the options of the select with this name."""
    match = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select named {name!r} on the page"
    return {
        value: text_of(text)
        for value, text in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', match.group(1), re.S)
    }  # fmt: skip


def selected(page: str, name: str) -> set[str]:
    """The values of the selected options of the select with this name."""
    match = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select named {name!r} on the page"
    tags = re.findall(r"<option[^>]*>", match.group(1))
    return {
        re.search(r'value="([^"]*)"', t).group(1) for t in tags if re.search(r"\sselected\b", t)
    }


def reassess_form(client, world, number: int, **over) -> dict:
    """The reassess form as the page gives it (current figures and version), with `over`."""
    page = html(client.get(url(world, f"/{number}/reassess")))
    data = {
        name: next(iter(checked(page, name)))
        for name in ("inherent_likelihood", "inherent_impact", "residual_likelihood",
                     "residual_impact")
    }  # fmt: skip
    data.update(version=input_value(page, "version"), reason="Besproken in het RBO.")
    data.update(over)
    return data


def edit_form(client, world, number: int, default_category: int, **over) -> dict:
    page = html(client.get(url(world, f"/{number}/edit")))
    data = form(world, default_category, **over)
    for name in ("inherent_likelihood", "inherent_impact", "residual_likelihood",
                 "residual_impact", "residual_reason"):  # fmt: skip
        data.pop(name, None)
    data["version"] = input_value(page, "version")
    return data


# --- create --------------------------------------------------------------------------------


def test_a_manager_creates_a_risk_with_every_field(app, world, login_as):
    ids = in_context(app, principles, world)
    financieel = category_in(app, world)
    client = login_as(world, "programmamanager")

    response = post(
        client,
        url(world, "/new"),
        form(world, financieel, principles=[str(ids["Open"])], shared="y", status="beheerst"),
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(world, "/1"))
    risk = stored(app, world, 1)
    assert risk.title == "Budgetoverschrijding door taakgerichte bekostiging"
    assert (risk.inherent_score, risk.residual_score) == (20, 9)
    assert risk.shared is True
    assert {o.id for o in risk.bearers} == {world.municipality.id, world.provider.id}
    assert (risk.strategy, risk.status, risk.review_on) == ("verminderen", "beheerst", days(60))
    assert risk.owner_id == world.users["programmamanager"].id
    [first] = assessments_in(app, world, 1)
    assert first.assessed_by_id == world.users["programmamanager"].id

    page = main_of(client.get(url(world, "/1")))
    assert "R-1 Budgetoverschrijding door taakgerichte bekostiging" in page
    assert "<strong>sneller</strong>" in page
    assert "Meer jeugdigen met zware hulp." in page and "Gemeenten moeten bijbetalen." in page
    assert world.municipality.name in page and world.provider.name in page
    assert world.users["programmamanager"].name in page
    assert "financieel" in page
    assert f'/manifest/principles/{ids["Open"]}"' in page
    assert message(app, "critical") in page  # bruto 20
    assert message(app, "medium") in page  # netto 9


def test_the_new_form_proposes_me_as_owner_and_offers_the_partnerships_choices(
    app, make_partnership, login_as
):
    world, other = make_partnership("een"), make_partnership("twee")
    client = login_as(world, "beheerder")

    page = html(client.get(url(world, "/new")))

    owners = options(page, "owner_id")
    assert world.users["lezer"].name in owners.values()
    assert other.users["lezer"].name not in owners.values()
    assert [k for k in owners if owners[k] == world.users["beheerder"].name] == [
        str(world.users["beheerder"].id)
    ]
    assert selected(page, "owner_id") == {str(world.users["beheerder"].id)}
    assert checked(page, "strategy") == {"verminderen"}
    assert len(options(page, "category_id")) == 7
    bearer_values = set(re.findall(r'name="bearers"[^>]*value="(\d+)"', page))
    assert bearer_values == {str(world.municipality.id), str(world.provider.id)}


BAD_INPUT = [
    ({"inherent_likelihood": "0"}, "inherent_likelihood"),
    ({"inherent_impact": "6"}, "inherent_impact"),
    ({"residual_likelihood": "abc"}, "residual_likelihood"),
    ({"residual_impact": None}, "residual_impact"),
    ({"inherent_likelihood": "2", "inherent_impact": "2", "residual_likelihood": "3",
      "residual_impact": "2"}, "residual_reason"),
    ({"review_on": days(-1)}, "review_on"),
    ({"review_on": "31-02-2025"}, "review_on"),
    ({"category_id": ""}, "category_id"),
    ({"category_id": None}, "category_id"),
    ({"category_id": "999999"}, "category_id"),
    ({"strategy": None}, "strategy"),
    ({"strategy": "negeren"}, "strategy"),
    ({"bearers": None}, "bearers"),
    ({"title": "  "}, "title"),
    ({"owner_id": "999999"}, "owner_id"),
]  # fmt: skip


@pytest.mark.parametrize(("over", "field"), BAD_INPUT, ids=[f for _, f in BAD_INPUT])
def test_bad_input_on_create_changes_nothing_and_is_shown_next_to_the_field(
    app, world, login_as, over, field
):
    financieel = category_in(app, world)
    client = login_as(world, "programmamanager")
    before = state_of(app)

    response = post(client, url(world, "/new"), form(world, financieel, **over))

    assert response.status_code == 422
    assert field_error(html(response), field), html(response)[:3000]
    assert state_of(app) == before


@pytest.mark.parametrize(
    ("over", "field", "msgid", "variables"),
    [
        ({"review_on": days(-1)}, "review_on", "The review date cannot lie in the past.", {}),
        ({"bearers": None}, "bearers", "Choose the bearing organisations, or 'gedeeld'.", {}),
        ({"strategy": None}, "strategy", "Choose a strategy.", {}),
        ({"category_id": ""}, "category_id", "Choose a category.", {}),
        ({"inherent_likelihood": "2", "inherent_impact": "2", "residual_likelihood": "3",
          "residual_impact": "2"}, "residual_reason",
         "The netto score (%(netto)s) is higher than the bruto score (%(bruto)s). "
         "Explain why, or lower it.", {"netto": 6, "bruto": 4}),
    ],
)  # fmt: skip
def test_the_messages_next_to_the_fields_are_dutch(app, world, login_as, over, field, msgid, variables):  # fmt: skip
    financieel = category_in(app, world)
    client = login_as(world, "programmamanager")

    response = post(client, url(world, "/new"), form(world, financieel, **over))

    assert response.status_code == 422
    assert unescape(field_error(html(response), field)) == unescape(
        message(app, msgid, **variables)
    )


def test_a_bearer_or_owner_of_another_partnership_is_refused(app, make_partnership, login_as):
    world, other = make_partnership("een"), make_partnership("twee")
    financieel = category_in(app, world)
    client = login_as(world, "programmamanager")
    before = state_of(app)

    bearer = post(client, url(world, "/new"), form(world, financieel, bearers=[str(other.provider.id)]))  # fmt: skip
    owner = post(client, url(world, "/new"), form(world, financieel, owner_id=str(other.users["lezer"].id)))  # fmt: skip

    assert (bearer.status_code, owner.status_code) == (422, 422)
    assert field_error(html(bearer), "bearers")
    assert field_error(html(owner), "owner_id")
    assert state_of(app) == before


def test_netto_above_bruto_with_a_reason_is_accepted_and_the_reason_shown(app, world, login_as):
    financieel = category_in(app, world)
    client = login_as(world, "programmamanager")
    reason = "De nieuwe werkwijze brengt een aanloopperiode met zich mee."

    response = post(
        client,
        url(world, "/new"),
        form(world, financieel, inherent_likelihood="2", inherent_impact="2",
             residual_likelihood="3", residual_impact="2", residual_reason=reason),
    )  # fmt: skip

    assert response.status_code == 302
    risk = stored(app, world, 1)
    assert (risk.inherent_score, risk.residual_score, risk.residual_reason) == (4, 6, reason)
    assert reason in main_of(client.get(url(world, "/1")))


def test_a_shared_risk_is_shown_as_gedeeld(app, world, login_as):
    make_in(app, world, shared=True, bearers=[])
    client = login_as(world, "lezer")

    page = main_of(client.get(url(world, "/1")))

    assert message(app, "gedeeld (jointly)") in page


# --- settings ----------------------------------------------------------------------------


def test_the_beheerder_sees_the_default_categories_and_levels(app, world, login_as):
    client = login_as(world, "beheerder")

    response = client.get(url(world, "/settings"))

    assert response.status_code == 200
    page = html(response)
    for name in ("financieel", "kwaliteit van zorg", "continuïteit", "informatiepositie",
                 "samenwerking", "capaciteit/personeel", "juridisch"):  # fmt: skip
        assert name in page
    assert [input_value(page, f"t-{n}") for n in ("medium_from", "high_from", "critical_from")] == [
        "5",
        "10",
        "16",
    ]


def test_the_beheerder_adds_archives_and_restores_a_category(app, world, login_as):
    client = login_as(world, "beheerder")
    client.get(url(world, "/settings"))

    added = post(client, url(world, "/settings"), {"form": "category", "c-name": "Reputatie"})
    assert added.status_code == 302
    reputatie = find(app, RiskCategory, partnership_id=world.partnership.id, name="Reputatie")
    assert reputatie.active
    assert "Reputatie" in options(html(client.get(url(world, "/new"))), "category_id").values()

    duplicate = post(client, url(world, "/settings"), {"form": "category", "c-name": "reputatie"})
    assert duplicate.status_code == 422
    assert field_error(html(duplicate), "c-name") == message(app, "This category exists already.")
    assert count_rows(app, RiskCategory, partnership_id=world.partnership.id) == 8

    archived = post(client, url(world, f"/settings/categories/{reputatie.id}/archive"))
    assert archived.status_code == 302
    assert not find(app, RiskCategory, id=reputatie.id).active
    assert "Reputatie" not in options(html(client.get(url(world, "/new"))), "category_id").values()

    restored = post(client, url(world, f"/settings/categories/{reputatie.id}/restore"))
    assert restored.status_code == 302
    assert find(app, RiskCategory, id=reputatie.id).active


def test_an_empty_category_name_is_refused(app, world, login_as):
    client = login_as(world, "beheerder")
    client.get(url(world, "/settings"))
    before = state_of(app)

    response = post(client, url(world, "/settings"), {"form": "category", "c-name": ""})

    assert response.status_code == 422
    assert field_error(html(response), "c-name")
    assert state_of(app) == before


def test_a_category_of_another_partnership_or_an_unknown_action_is_404(
    app, make_partnership, login_as
):
    world, other = make_partnership("een"), make_partnership("twee")
    theirs = category_in(app, other)
    mine = category_in(app, world)
    client = login_as(world, "beheerder")

    assert post(client, url(world, f"/settings/categories/{theirs}/archive")).status_code == 404
    assert post(client, url(world, f"/settings/categories/{mine}/delete")).status_code == 404
    assert find(app, RiskCategory, id=theirs).active


def thresholds_form(medium, high, critical) -> dict:
    return {"form": "thresholds", "t-medium_from": str(medium), "t-high_from": str(high),
            "t-critical_from": str(critical)}  # fmt: skip


def test_the_beheerder_changes_the_thresholds_and_the_levels_follow(app, world, login_as):
    make_in(app, world, residual_likelihood=3, residual_impact=3)  # netto 9
    client = login_as(world, "beheerder")

    before = main_of(client.get(url(world, "/1")))
    response = post(client, url(world, "/settings"), thresholds_form(4, 8, 20))
    after = main_of(client.get(url(world, "/1")))

    assert response.status_code == 302
    assert in_context(app, services.thresholds, world.partnership.id) == (4, 8, 20)
    assert 'ss-level--midden">9' in before
    assert 'ss-level--hoog">9' in after
    assert f'9 <span class="ss-level__name">{message(app, "high")}</span>' in after


@pytest.mark.parametrize(
    "values", [(10, 5, 16), (5, 5, 16), (5, 10, 30), (1, 10, 16), ("", 10, 16), ("x", 10, 16)]
)
def test_thresholds_that_do_not_rise_are_refused(app, world, login_as, values):
    client = login_as(world, "beheerder")
    client.get(url(world, "/settings"))
    before = state_of(app)

    response = post(client, url(world, "/settings"), thresholds_form(*values))

    assert response.status_code == 422
    page = html(response)
    assert any(field_error(page, f"t-{n}") for n in ("medium_from", "high_from", "critical_from"))
    assert state_of(app) == before


@pytest.mark.parametrize("role", ["programmamanager", *NOT_EDITORS])
def test_only_the_beheerder_may_change_the_settings(app, world, login_as, role):
    mine = category_in(app, world)
    client = login_as(world, role)
    before = state_of(app)

    assert client.get(url(world, "/settings")).status_code == 403
    assert post(client, url(world, "/settings"), thresholds_form(3, 6, 9)).status_code == 403
    assert post(client, url(world, "/settings"), {"form": "category", "c-name": "X"}).status_code == 403  # fmt: skip
    assert post(client, url(world, f"/settings/categories/{mine}/archive")).status_code == 403
    assert state_of(app) == before
    assert url(world, "/settings") not in html(client.get(url(world, "/")))


# --- reassess and the trend ----------------------------------------------------------------


def test_the_reassess_form_starts_from_the_current_figures(app, world, login_as):
    make_in(app, world)
    client = login_as(world, "programmamanager")

    page = html(client.get(url(world, "/1/reassess")))

    assert checked(page, "inherent_likelihood") == {"4"}
    assert checked(page, "inherent_impact") == {"5"}
    assert checked(page, "residual_likelihood") == {"3"}
    assert checked(page, "residual_impact") == {"3"}


def test_reassessing_keeps_every_assessment_with_who_and_why(app, world, login_as):
    make_in(app, world)
    client = login_as(world, "beheerder")

    first = post(client, url(world, "/1/reassess"),
                 reassess_form(client, world, 1, residual_likelihood="2", reason="Maatregel werkt",
                               next_review_on=days(90).isoformat()))  # fmt: skip
    second = post(client, url(world, "/1/reassess"),
                  reassess_form(client, world, 1, reason="Bevestigd, ongewijzigd"))  # fmt: skip

    assert (first.status_code, second.status_code) == (302, 302)
    rows = assessments_in(app, world, 1)
    assert [(a.inherent_score, a.residual_score) for a in rows] == [(20, 9), (20, 6), (20, 6)]
    assert [a.reason for a in rows[1:]] == ["Maatregel werkt", "Bevestigd, ongewijzigd"]
    assert [a.assessed_by_id for a in rows[1:]] == [world.users["beheerder"].id] * 2
    risk = stored(app, world, 1)
    assert (risk.residual_likelihood, risk.residual_score, risk.review_on) == (2, 6, days(90))


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"next_review_on": days(-1).isoformat()}, "next_review_on"),
        ({"inherent_likelihood": "6"}, "inherent_likelihood"),
        ({"residual_impact": "0"}, "residual_impact"),
        ({"inherent_likelihood": "1", "inherent_impact": "1"}, "residual_reason"),
    ],
)
def test_a_bad_reassessment_changes_nothing(app, world, login_as, over, field):
    make_in(app, world)
    client = login_as(world, "programmamanager")
    data = reassess_form(client, world, 1, **over)
    before = state_of(app)

    response = post(client, url(world, "/1/reassess"), data)

    assert response.status_code == 422
    assert field_error(html(response), field)
    assert state_of(app) == before


def trend(page: str) -> tuple[list[tuple[float, float]], list[tuple[str, str]]]:
    """The (bruto, netto) scores the SVG chart draws, read back through its grid, and the
    (bruto, netto) cells of the table below it."""
    svg = re.search(r"<svg\b.*?</svg>", page, re.S).group(0)
    grid = [
        (float(y), int(score))
        for y, score in re.findall(r'<line [^>]*y1="([\d.]+)"[^>]*/>\s*<text [^>]*>(\d+)</text>', svg)
    ]  # fmt: skip
    (y0, s0), (y1, s1) = grid[0], grid[-1]

    def score(y: str) -> float:
        return round(s0 + (float(y) - y0) * (s1 - s0) / (y1 - y0), 1)

    lines = {
        kind: [score(point.split(",")[1]) for point in points.split()]
        for points, kind in re.findall(r'<polyline points="([^"]*)" class="ss-chart__(\w+)"', svg)
    }
    table = page[page.index("</svg>") :]
    table = table[table.index("<tbody") : table.index("</tbody>")]
    rows = [
        tuple(re.findall(r"<td[^>]*>([^<]*)</td>", row)[:2])
        for row in re.findall(r"<tr\b.*?</tr>", table, re.S)
    ]
    return list(zip(lines["bruto"], lines["netto"], strict=True)), rows


def test_the_risk_page_shows_the_trend_as_svg_and_as_a_table_with_the_same_figures(
    app, world, login_as
):
    make_in(app, world)
    client = login_as(world, "beheerder")
    for netto, reason in ((("2", "3"), "Beter"), (("1", "2"), "Nog beter"), (("4", "4"), "Tegenvaller")):  # fmt: skip
        data = reassess_form(client, world, 1, residual_likelihood=netto[0],
                             residual_impact=netto[1], reason=reason)  # fmt: skip
        assert post(client, url(world, "/1/reassess"), data).status_code == 302

    page = main_of(client.get(url(world, "/1")))

    svg = re.search(r"<svg\b.*?</svg>", page, re.S).group(0)
    assert "<script" not in svg and not re.search(r"\son\w+=", svg)
    assert svg.count("<circle") == 4 and svg.count("<rect") == 4
    drawn, rows = trend(page)
    assert drawn == [(20, 9), (20, 6), (20, 2), (20, 16)]
    assert [(b.strip(), n.strip()) for b, n in rows] == [
        ("4 × 5 = 20", "3 × 3 = 9"),
        ("4 × 5 = 20", "2 × 3 = 6"),
        ("4 × 5 = 20", "1 × 2 = 2"),
        ("4 × 5 = 20", "4 × 4 = 16"),
    ]
    for reason in ("Beter", "Nog beter", "Tegenvaller", message(app, "First assessment")):
        assert reason in page
    assert world.users["beheerder"].name in page


# --- measures ---------------------------------------------------------------------------


def make_agreement_in(app, world, title: str = "Kwartaalrapportage aan het bestuur") -> tuple[int, int]:  # fmt: skip
    with app.test_request_context():
        made = agreement(world, title)
        result = (made.id, made.number)
        db.session.remove()
    return result


def measure_form(world, **over) -> dict:
    data = {
        "description": "Elk kwartaal de uitgaven rapporteren",
        "owner_id": str(world.users["teamlid"].id),
        "due_on": days(30).isoformat(),
        "status": "in_uitvoering",
        "agreement_id": "",
    }
    data.update(over)
    return data


def test_a_measure_linked_to_an_agreement_shows_on_both_pages(app, world, login_as):
    make_in(app, world)
    agreement_id, agreement_number = make_agreement_in(app, world)
    client = login_as(world, "programmamanager")

    offered = options(html(client.get(url(world, "/1/measures/new"))), "agreement_id")
    response = post(client, url(world, "/1/measures/new"), measure_form(world, agreement_id=str(agreement_id)))  # fmt: skip

    assert str(agreement_id) in offered
    assert response.status_code == 302
    [measure] = measures_in(app, world, 1)
    assert (measure.owner_id, measure.due_on, measure.status, measure.agreement_id) == (
        world.users["teamlid"].id, days(30), "in_uitvoering", agreement_id,
    )  # fmt: skip
    risk_page = main_of(client.get(url(world, "/1")))
    assert "Elk kwartaal de uitgaven rapporteren" in risk_page
    assert f'href="/p/{world.slug}/agreements/{agreement_number}"' in risk_page
    assert world.users["teamlid"].name in risk_page
    agreement_page = main_of(client.get(f"/p/{world.slug}/agreements/{agreement_number}"))
    assert f'href="/p/{world.slug}/risks/1#measures"' in agreement_page
    assert "Elk kwartaal de uitgaven rapporteren" in agreement_page


def test_a_measure_is_changed_through_its_form(app, world, login_as):
    make_in(app, world)
    client = login_as(world, "programmamanager")
    post(client, url(world, "/1/measures/new"), measure_form(world))
    [measure] = measures_in(app, world, 1)
    page = html(client.get(url(world, f"/1/measures/{measure.id}")))

    response = post(
        client,
        url(world, f"/1/measures/{measure.id}"),
        measure_form(world, status="gereed", owner_id="", due_on="",
                     version=input_value(page, "version")),
    )  # fmt: skip

    assert response.status_code == 302
    [changed] = measures_in(app, world, 1)
    assert (changed.status, changed.owner_id, changed.due_on) == ("gereed", None, None)


def test_a_measure_with_an_agreement_or_owner_of_another_partnership_is_refused(
    app, make_partnership, login_as
):
    world, other = make_partnership("een"), make_partnership("twee")
    make_in(app, world)
    theirs, _ = make_agreement_in(app, other)
    client = login_as(world, "programmamanager")
    before = state_of(app)

    foreign = post(client, url(world, "/1/measures/new"), measure_form(world, agreement_id=str(theirs)))  # fmt: skip
    outsider = post(client, url(world, "/1/measures/new"),
                    measure_form(world, owner_id=str(other.users["teamlid"].id)))  # fmt: skip
    empty = post(client, url(world, "/1/measures/new"), measure_form(world, description=""))

    assert [r.status_code for r in (foreign, outsider, empty)] == [422, 422, 422]
    assert field_error(html(foreign), "agreement_id")
    assert field_error(html(outsider), "owner_id")
    assert field_error(html(empty), "description")
    assert state_of(app) == before
    assert str(theirs) not in options(html(client.get(url(world, "/1/measures/new"))), "agreement_id")  # fmt: skip


def test_a_measure_of_another_risk_is_404(app, world, login_as):
    make_in(app, world)
    make_in(app, world)
    client = login_as(world, "programmamanager")
    post(client, url(world, "/1/measures/new"), measure_form(world))
    [measure] = measures_in(app, world, 1)

    assert client.get(url(world, f"/2/measures/{measure.id}")).status_code == 404
    assert client.get(url(world, "/1/measures/999999")).status_code == 404


# --- concurrent edits ------------------------------------------------------------------


def test_a_stale_edit_form_gets_the_conflict_page_and_overwrites_nothing(app, world, login_as):
    make_in(app, world)
    financieel = category_in(app, world)
    mine = login_as(world, "programmamanager")
    theirs = logged_in(app, world.users["beheerder"].email)
    my_form = edit_form(mine, world, 1, financieel, title="Mijn titel")
    their_form = edit_form(theirs, world, 1, financieel, title="Hun titel")

    assert post(theirs, url(world, "/1/edit"), their_form).status_code == 302
    response = post(mine, url(world, "/1/edit"), my_form)

    assert response.status_code == 409
    assert "Mijn titel" in html(response) and "Hun titel" in html(response)
    assert stored(app, world, 1).title == "Hun titel"


def test_an_edit_with_the_current_version_is_saved(app, world, login_as):
    make_in(app, world)
    financieel = category_in(app, world)
    client = login_as(world, "programmamanager")

    response = post(client, url(world, "/1/edit"),
                    edit_form(client, world, 1, financieel, title="Nieuw", status="beheerst"))  # fmt: skip

    assert response.status_code == 302
    risk = stored(app, world, 1)
    assert (risk.title, risk.status) == ("Nieuw", "beheerst")
    assert (risk.inherent_score, risk.residual_score) == (20, 9)


def test_a_stale_reassess_form_gets_the_conflict_page(app, world, login_as):
    make_in(app, world)
    mine = login_as(world, "programmamanager")
    theirs = logged_in(app, world.users["beheerder"].email)
    my_form = reassess_form(mine, world, 1, residual_likelihood="1", reason="Mijn reden")
    their_form = reassess_form(theirs, world, 1, residual_likelihood="2", reason="Hun reden")

    assert post(theirs, url(world, "/1/reassess"), their_form).status_code == 302
    response = post(mine, url(world, "/1/reassess"), my_form)

    assert response.status_code == 409
    assert "Mijn reden" in html(response)
    assert [a.reason for a in assessments_in(app, world, 1)][1:] == ["Hun reden"]
    assert stored(app, world, 1).residual_likelihood == 2


def test_a_stale_measure_form_gets_the_conflict_page(app, world, login_as):
    make_in(app, world)
    mine = login_as(world, "programmamanager")
    post(mine, url(world, "/1/measures/new"), measure_form(world))
    [measure] = measures_in(app, world, 1)
    theirs = logged_in(app, world.users["beheerder"].email)
    path = url(world, f"/1/measures/{measure.id}")
    my_version = input_value(html(mine.get(path)), "version")
    their_version = input_value(html(theirs.get(path)), "version")

    assert post(theirs, path, measure_form(world, status="gereed", version=their_version)).status_code == 302  # fmt: skip
    response = post(mine, path, measure_form(world, status="vervallen", version=my_version))

    assert response.status_code == 409
    assert measures_in(app, world, 1)[0].status == "gereed"


# --- archive and restore -------------------------------------------------------------------


def test_archive_and_restore(app, world, login_as):
    make_in(app, world, title="Te archiveren")
    client = login_as(world, "beheerder")

    archived = post(client, url(world, "/1/archive"))
    assert flashed(client, archived)
    assert stored(app, world, 1).archived_at is not None
    assert listed(html(client.get(url(world, "/")))) == []
    assert listed(html(client.get(url(world, "/?archived=1")))) == [1]
    page = main_of(client.get(url(world, "/1")))
    assert url(world, "/1/restore") in page
    assert url(world, "/1/edit") not in page and url(world, "/1/reassess") not in page
    before = state_of(app)
    again = post(client, url(world, "/1/archive"))
    assert again.status_code == 302 and state_of(app) == before
    refused = post(client, url(world, "/1/reassess"), reassess_form(client, world, 1))
    assert refused.status_code == 422 and state_of(app) == before

    restored = post(client, url(world, "/1/restore"))
    assert flashed(client, restored)
    assert stored(app, world, 1).archived_at is None
    assert listed(html(client.get(url(world, "/")))) == [1]


# --- comments -------------------------------------------------------------------------


def test_a_comment_is_shown_as_sanitised_markdown(app, world, login_as):
    make_in(app, world)
    client = login_as(world, "partner")

    response = post(client, url(world, "/1/comments"),
                    {"body": "Zie **vooral** dit.\n\n<script>alert('x')</script><img src=x onerror=alert(1)>"})  # fmt: skip

    assert response.status_code == 302
    page = main_of(client.get(url(world, "/1")))
    assert "<strong>vooral</strong>" in page
    assert "<script>alert" not in page and "onerror" not in page
    assert world.users["partner"].name in page


def test_an_empty_comment_is_refused(app, world, login_as):
    make_in(app, world)
    client = login_as(world, "teamlid")
    before = state_of(app)

    response = post(client, url(world, "/1/comments"), {"body": "   "})

    assert response.status_code == 422
    assert field_error(html(response), "body")
    assert state_of(app) == before


def test_a_lezer_may_not_comment(app, world, login_as):
    make_in(app, world)
    client = login_as(world, "lezer")
    before = state_of(app)

    assert post(client, url(world, "/1/comments"), {"body": "Hallo"}).status_code == 403
    assert 'name="body"' not in html(client.get(url(world, "/1")))
    assert state_of(app) == before


# --- dashboard and principle page --------------------------------------------------------


def test_the_dashboard_panel_shows_high_risks_overdue_reviews_and_my_measures(app, world, login_as):
    make_in(app, world, title="Kritiek tekort", residual_likelihood=4, residual_impact=4)
    make_in(app, world, title="Rustig risico", residual_likelihood=1, residual_impact=1)
    with app.test_request_context():
        quiet = services.get_risk(world.partnership.id, 2)
        quiet.review_on = days(-5)
        db.session.commit()
        services.add_measure(quiet, {"description": "Mijn openstaande maatregel",
                                     "owner_id": world.users["teamlid"].id}, None)  # fmt: skip
        db.session.remove()
    client = login_as(world, "teamlid")

    page = main_of(client.get(f"/p/{world.slug}/"))

    assert "R-1 Kritiek tekort" in page
    assert "R-2 Rustig risico" not in page  # netto laag
    assert f"{url(world)}/?overdue=1" in page
    assert "Mijn openstaande maatregel" in page
    lezer = logged_in(app, world.users["lezer"].email)
    assert "Mijn openstaande maatregel" not in main_of(lezer.get(f"/p/{world.slug}/"))


def test_the_principle_page_lists_the_risks_that_threaten_it(app, world, login_as):
    ids = in_context(app, principles, world)
    make_in(app, world, title="Bedreigt openheid", principles=[ids["Open"], ids["Samen"]])
    client = login_as(world, "lezer")

    open_page = main_of(client.get(f"/p/{world.slug}/manifest/principles/{ids['Open']}"))
    other_page = main_of(client.get(f"/p/{world.slug}/manifest/principles/{ids['Lerend']}"))

    assert f'href="{url(world, "/1")}">R-1 Bedreigt openheid' in open_page
    assert "R-1 Bedreigt openheid" not in other_page


def test_editing_the_principles_of_a_risk_updates_the_principle_page(app, world, login_as):
    ids = in_context(app, principles, world)
    make_in(app, world, title="Bedreigt openheid", principles=[ids["Open"]])
    financieel = category_in(app, world)
    client = login_as(world, "programmamanager")
    data = edit_form(client, world, 1, financieel, title="Bedreigt openheid",
                     principles=[str(ids["Lerend"])])  # fmt: skip

    assert post(client, url(world, "/1/edit"), data).status_code == 302

    assert "R-1" not in main_of(client.get(f"/p/{world.slug}/manifest/principles/{ids['Open']}"))
    assert "R-1" in main_of(client.get(f"/p/{world.slug}/manifest/principles/{ids['Lerend']}"))


# --- access -------------------------------------------------------------------------------


def edit_requests(world, measure_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/new"), ("POST", "/new"), ("GET", "/1/edit"), ("POST", "/1/edit"),
        ("GET", "/1/reassess"), ("POST", "/1/reassess"), ("GET", "/1/measures/new"),
        ("POST", "/1/measures/new"), ("GET", f"/1/measures/{measure_id}"),
        ("POST", f"/1/measures/{measure_id}"), ("POST", "/1/archive"), ("POST", "/1/restore"),
    ]  # fmt: skip


def with_measure(app, world) -> int:
    with app.test_request_context():
        risk = make(world)
        measure = services.add_measure(risk, {"description": "Iets"}, None)
        measure_id = measure.id
        db.session.remove()
    return measure_id


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_only_editors_may_use_the_edit_routes(app, world, login_as, role):
    measure_id = with_measure(app, world)
    financieel = category_in(app, world)
    client = login_as(world, role)
    before = state_of(app)

    for method, path in edit_requests(world, measure_id):
        if method == "GET":
            response = client.get(url(world, path))
        else:
            response = post(client, url(world, path), form(world, financieel, reason="x"))
        assert response.status_code == 403, (method, path)
    assert state_of(app) == before
    page = main_of(client.get(url(world, "/1")))
    assert url(world, "/1/edit") not in page and url(world, "/new") not in page


@pytest.mark.parametrize("role", EDITORS)
def test_editors_may_open_every_edit_form(app, world, login_as, role):
    measure_id = with_measure(app, world)
    client = login_as(world, role)

    for method, path in edit_requests(world, measure_id):
        if method == "GET":
            assert client.get(url(world, path)).status_code == 200, path


@pytest.mark.parametrize("role", [*EDITORS, *NOT_EDITORS])
def test_every_member_may_read_the_risk_pages(app, world, login_as, role):
    make_in(app, world)
    client = login_as(world, role)

    for path in ("/", "/heatmap", "/1", "/export.csv", "/export.xlsx"):
        assert client.get(url(world, path)).status_code == 200, path


def test_another_partnerships_risk_numbers_and_non_members_get_404(app, make_partnership, login_as):
    world, other = make_partnership("een"), make_partnership("twee")
    make_in(app, world)
    make_in(app, other)
    make_in(app, other)
    client = login_as(world, "beheerder")

    assert client.get(url(world, "/2")).status_code == 404
    assert client.get(url(world, "/2/edit")).status_code == 404
    assert post(client, url(world, "/2/archive")).status_code == 404
    for path in ("/", "/1", "/heatmap", "/export.csv", "/settings", "/new"):
        assert client.get(url(other, path)).status_code == 404, path
    assert post(client, url(other, "/1/archive")).status_code == 404
    assert stored(app, other, 1).archived_at is None


def test_anonymous_visitors_are_sent_to_the_login_page(app, world, client):
    make_in(app, world)

    for path in ("/", "/1", "/heatmap", "/new", "/settings", "/export.csv"):
        response = client.get(url(world, path))
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


# --- audit through the forms -------------------------------------------------------------


def test_every_form_leaves_an_audit_event_with_partnership_and_actor(app, world, login_as):
    financieel = category_in(app, world)
    manager = world.users["programmamanager"].id
    beheerder = world.users["beheerder"].id
    partner = world.users["partner"].id
    client = login_as(world, "programmamanager")

    assert post(client, url(world, "/new"), form(world, financieel)).status_code == 302
    assert post(client, url(world, "/1/edit"), edit_form(client, world, 1, financieel, title="Nieuw")).status_code == 302  # fmt: skip
    assert post(client, url(world, "/1/reassess"), reassess_form(client, world, 1)).status_code == 302  # fmt: skip
    assert post(client, url(world, "/1/measures/new"), measure_form(world)).status_code == 302
    [measure] = measures_in(app, world, 1)
    version = input_value(html(client.get(url(world, f"/1/measures/{measure.id}"))), "version")
    assert post(client, url(world, f"/1/measures/{measure.id}"), measure_form(world, status="gereed", version=version)).status_code == 302  # fmt: skip
    assert post(client, url(world, "/1/archive")).status_code == 302
    assert post(client, url(world, "/1/restore")).status_code == 302
    other = logged_in(app, world.users["partner"].email)
    assert post(other, url(world, "/1/comments"), {"body": "Eens"}).status_code == 302
    admin = logged_in(app, world.users["beheerder"].email)
    assert post(admin, url(world, "/settings"), thresholds_form(4, 9, 15)).status_code == 302
    assert post(admin, url(world, "/settings"), {"form": "category", "c-name": "Reputatie"}).status_code == 302  # fmt: skip

    with app.app_context():
        risk_id = db.session.execute(select(Risk.id)).scalar_one()
        comment_id = db.session.execute(select(RiskComment.id)).scalar_one()
        trail = [
            tuple(row)
            for row in db.session.execute(
                select(AuditEvent.object_type, AuditEvent.object_id, AuditEvent.action,
                       AuditEvent.actor_id, AuditEvent.partnership_id)
                .where(AuditEvent.object_type.in_(
                    ["Risk", "Measure", "RiskComment", "RiskSettings", "RiskCategory"]))
                .order_by(AuditEvent.id)
            )
        ]  # fmt: skip
        reputatie = db.session.execute(
            select(RiskCategory.id).where(RiskCategory.name == "Reputatie")
        ).scalar_one()
        update = db.session.execute(
            select(AuditEvent).where(
                AuditEvent.action == "update", AuditEvent.object_type == "Risk"
            )
        ).scalar_one()
        assert update.changes["title"] == [
            "Budgetoverschrijding door taakgerichte bekostiging",
            "Nieuw",
        ]
    pid = world.partnership.id
    assert trail == [
        ("Risk", risk_id, "create", manager, pid),
        ("Risk", risk_id, "update", manager, pid),
        ("Risk", risk_id, "reassess", manager, pid),
        ("Measure", measure.id, "create", manager, pid),
        ("Measure", measure.id, "update", manager, pid),
        ("Risk", risk_id, "archive", manager, pid),
        ("Risk", risk_id, "restore", manager, pid),
        ("RiskComment", comment_id, "create", partner, pid),
        ("RiskSettings", pid, "update", beheerder, pid),
        ("RiskCategory", reputatie, "create", beheerder, pid),
    ]


def test_bearers_and_the_netto_reason_say_when_they_are_required(app, world, login_as):
    financieel = category_in(app, world)
    client = login_as(world, "programmamanager")
    page = html(client.get(url(world, "/new")))
    bearers = re.search(r"<legend[^>]*>\s*Dragende organisaties(.*?)</legend>", page, re.S)
    assert (
        bearers and "(optioneel)" not in bearers.group(1) and "(verplicht)" not in bearers.group(1)
    )
    assert "Verplicht, tenzij het risico gedeeld wordt gedragen." in page
    reason = re.search(r'<label[^>]*for="residual_reason"[^>]*>(.*?)</label>', page, re.S).group(1)
    assert "(optioneel)" not in reason and "(verplicht)" not in reason
    assert 'id="residual_reason-description"' in page
    before = state_of(app)

    # Neither bearers nor "gedeeld": refused at the field whose hint said so.
    response = post(client, url(world, "/new"), form(world, financieel, bearers=None))

    assert response.status_code == 422
    assert unescape(field_error(html(response), "bearers")) == unescape(
        message(app, "Choose the bearing organisations, or 'gedeeld'.")
    )
    assert state_of(app) == before
    # Borne jointly, the same risk needs no bearing organisation.
    shared = post(client, url(world, "/new"), form(world, financieel, bearers=None, shared="y"))
    assert shared.status_code == 302
