"""Risk use cases: create, categories, thresholds and levels, bad input, reassessment and
its history, measures, heat map, list filters, archive, comments, the dashboard figures and
the audit trail of every write."""

from __future__ import annotations

import pytest
from flask_babel import gettext
from sqlalchemy import select

from app.activity.models import AuditEvent
from app.errors import ServiceError
from app.extensions import db
from app.manifest.links import linked_principle_ids
from app.risks import services
from app.risks.models import (
    DEFAULT_CATEGORIES,
    Measure,
    Risk,
    RiskComment,
)
from app.timeutil import utcnow
from tests.risks.helpers import (
    FIGURES,
    agreement,
    category,
    days,
    fields,
    make,
    make_inventory,
    principles,
    risk_of,
    state,
)


def said(msgid: str, **variables) -> str:
    return gettext(msgid, **variables)


def refused(call, msgid: str, field: str | None = None, **variables) -> ServiceError:
    """call() raises a ServiceError with this message and field, and changes nothing once
    the transaction is undone the way the routes undo it."""
    before = state()
    with pytest.raises(ServiceError) as caught:
        call()
    db.session.rollback()
    assert str(caught.value.message) == said(msgid, **variables)
    assert caught.value.field == field
    assert state() == before
    return caught.value


def events(obj_type: str, action: str) -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_type == obj_type, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        ).scalars()
    )


def figures(bruto=(4, 5), netto=(3, 3), reason: str = "") -> dict:
    return {
        "inherent_likelihood": bruto[0],
        "inherent_impact": bruto[1],
        "residual_likelihood": netto[0],
        "residual_impact": netto[1],
        "residual_reason": reason,
    }


# --- create ------------------------------------------------------------------------------


def test_create_keeps_every_field_the_scores_and_a_first_assessment(ctx, world):
    ids = principles(world)
    owner = world.users["programmamanager"].id

    risk = make(world, principles=[ids["Open"], ids["Samen"]], status="beheerst")

    risk = risk_of(world, risk.number)
    assert risk.number == 1 and risk.reference == "R-1"
    assert risk.title == "Budgetoverschrijding door taakgerichte bekostiging"
    assert risk.description == "De kosten stijgen **sneller** dan het budget."
    assert risk.cause == "Meer jeugdigen met zware hulp."
    assert risk.consequence == "Gemeenten moeten bijbetalen."
    assert risk.category.name == "financieel"
    assert {o.id for o in risk.bearers} == {world.municipality.id, world.provider.id}
    assert risk.shared is False
    assert risk.owner_id == owner
    assert (risk.inherent_likelihood, risk.inherent_impact) == (4, 5)
    assert (risk.residual_likelihood, risk.residual_impact) == (3, 3)
    assert (risk.inherent_score, risk.residual_score) == (20, 9)
    assert risk.strategy == "verminderen"
    assert risk.status == "beheerst"
    assert risk.review_on == days(60)
    assert risk.archived_at is None
    assert sorted(linked_principle_ids("risk", risk.id, "threatens")) == sorted(
        [ids["Open"], ids["Samen"]]
    )
    [first] = services.assessments_of(risk)
    assert [getattr(first, name) for name in FIGURES] == [4, 5, 3, 3]
    assert first.assessed_by_id == owner
    assert first.reason == said("First assessment")


def test_a_shared_risk_needs_no_bearing_organisation(ctx, world):
    risk = make(world, shared=True, bearers=[])

    assert risk_of(world, risk.number).shared is True
    assert risk_of(world, risk.number).bearers == []


def test_numbers_count_per_partnership(ctx, make_partnership):
    one, other = make_partnership("een"), make_partnership("twee")

    numbers = [make(one).number, make(one).number, make(other).number]

    assert numbers == [1, 2, 1]


@pytest.mark.parametrize(
    ("likelihood", "impact", "score"), [(1, 1, 1), (2, 3, 6), (3, 2, 6), (4, 5, 20), (5, 5, 25)]
)
def test_the_score_is_likelihood_times_impact(ctx, world, likelihood, impact, score):
    risk = make(
        world,
        inherent_likelihood=likelihood,
        inherent_impact=impact,
        residual_likelihood=likelihood,
        residual_impact=impact,
    )

    assert risk_of(world, risk.number).inherent_score == score
    assert risk_of(world, risk.number).residual_score == score


# --- categories ------------------------------------------------------------------------


def test_the_seven_default_categories_appear_the_first_time_and_only_once(ctx, world):
    first = [c.name for c in services.categories_of(world.partnership.id)]
    again = [c.name for c in services.categories_of(world.partnership.id, include_archived=True)]

    assert first == list(DEFAULT_CATEGORIES)
    assert len(first) == 7
    assert again == first


def test_every_partnership_has_its_own_categories(ctx, make_partnership):
    one, other = make_partnership("een"), make_partnership("twee")

    services.add_category(one.partnership.id, "Reputatie")

    assert "Reputatie" in [c.name for c in services.categories_of(one.partnership.id)]
    assert "Reputatie" not in [c.name for c in services.categories_of(other.partnership.id)]


def test_a_category_can_be_added_archived_and_restored(ctx, world):
    pid = world.partnership.id

    added = services.add_category(pid, "  Reputatie  ")
    names = [c.name for c in services.categories_of(pid)]
    assert names[-1] == "Reputatie"

    services.set_category_active(added, False)
    assert "Reputatie" not in [c.name for c in services.categories_of(pid)]
    archived = services.categories_of(pid, include_archived=True)
    assert [c.active for c in archived if c.name == "Reputatie"] == [False]

    services.set_category_active(added, True)
    assert "Reputatie" in [c.name for c in services.categories_of(pid)]


@pytest.mark.parametrize("name", ["financieel", "FINANCIEEL", "Reputatie"])
def test_a_duplicate_category_is_refused(ctx, world, name):
    services.add_category(world.partnership.id, "Reputatie")

    refused(
        lambda: services.add_category(world.partnership.id, name),
        "This category exists already.",
        "name",
    )


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_category_needs_a_short_name(ctx, world, name):
    services.categories_of(world.partnership.id)

    refused(
        lambda: services.add_category(world.partnership.id, name),
        "Enter a name of at most 80 characters.",
        "name",
    )


def test_an_archived_category_cannot_be_chosen_for_a_new_risk(ctx, world):
    pid = world.partnership.id
    reputatie = services.add_category(pid, "Reputatie")
    services.set_category_active(reputatie, False)
    data = fields(world, category_id=reputatie.id)

    refused(
        lambda: services.create_risk(pid, data, world.users["beheerder"].id),
        "Choose a category.",
        "category_id",
    )


# --- thresholds and levels -------------------------------------------------------------


def test_the_default_thresholds_are_5_10_16(ctx, world):
    assert services.thresholds(world.partnership.id) == (5, 10, 16)


@pytest.mark.parametrize(
    ("score", "expected"),
    [(1, "laag"), (4, "laag"), (5, "midden"), (9, "midden"), (10, "hoog"), (15, "hoog"),
     (16, "kritiek"), (25, "kritiek")],
)  # fmt: skip
def test_levels_follow_the_default_thresholds(score, expected):
    assert services.level(score, (5, 10, 16)) == expected


def test_levels_follow_the_partnerships_own_thresholds(ctx, make_partnership):
    strict, default = make_partnership("streng"), make_partnership("gewoon")
    services.update_thresholds(strict.partnership.id, 3, 6, 12)

    assert services.thresholds(strict.partnership.id) == (3, 6, 12)
    assert services.thresholds(default.partnership.id) == (5, 10, 16)
    levels = [services.level(s, services.thresholds(strict.partnership.id)) for s in (2, 4, 9, 12)]
    assert levels == ["laag", "midden", "hoog", "kritiek"]
    assert services.level(12, services.thresholds(default.partnership.id)) == "hoog"


def test_changing_the_thresholds_changes_which_risks_have_a_level(ctx, world):
    pid = world.partnership.id
    risk = make(world, residual_likelihood=3, residual_impact=3)  # netto 9
    high = services.Filters(level="hoog")

    before = list(db.session.execute(services.risks_query(pid, high)).scalars())
    services.update_thresholds(pid, 4, 8, 20)
    after = list(db.session.execute(services.risks_query(pid, high)).scalars())

    assert before == []
    assert [r.number for r in after] == [risk.number]


@pytest.mark.parametrize(
    "values",
    [(10, 5, 16), (5, 5, 16), (5, 10, 10), (1, 10, 16), (5, 10, 26), (16, 10, 5), (0, 1, 2)],
)
def test_thresholds_must_rise(ctx, world, values):
    services.update_thresholds(world.partnership.id, 6, 11, 17)

    refused(
        lambda: services.update_thresholds(world.partnership.id, *values),
        "The thresholds must rise: 1 < midden < hoog < kritiek ≤ 25.",
        "medium_from",
    )
    assert services.thresholds(world.partnership.id) == (6, 11, 17)


def test_thresholds_must_be_whole_numbers(ctx, world):
    refused(
        lambda: services.update_thresholds(world.partnership.id, "5", 10, 16),
        "The thresholds must rise: 1 < midden < hoog < kritiek ≤ 25.",
        "medium_from",
    )


def test_level_range_covers_every_score_once():
    limits = (4, 9, 15)
    covered = []
    for name in ("laag", "midden", "hoog", "kritiek"):
        low, high = services.level_range(name, limits)
        covered += list(range(low, high + 1))
        assert all(services.level(s, limits) == name for s in range(low, high + 1))
    assert covered == list(range(1, 26))


# --- bad input changes nothing -----------------------------------------------------------


@pytest.mark.parametrize("name", FIGURES)
@pytest.mark.parametrize("value", [0, 6, -1, "abc", "", None, "2.5"])
def test_a_figure_outside_1_to_5_is_refused(ctx, world, name, value):
    data = fields(world, **{name: value})

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "Choose a value from 1 to 5.",
        name,
    )


def test_netto_above_bruto_needs_a_reason(ctx, world):
    data = fields(world, **figures(bruto=(2, 2), netto=(3, 2)))

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "The netto score (%(netto)s) is higher than the bruto score (%(bruto)s). "
        "Explain why, or lower it.",
        "residual_reason",
        netto=6,
        bruto=4,
    )


def test_netto_above_bruto_with_a_reason_is_kept_with_the_reason(ctx, world):
    reason = "De maatregel zelf brengt een nieuw risico mee."

    risk = make(world, **figures(bruto=(2, 2), netto=(3, 2), reason=f"  {reason} "))

    stored = risk_of(world, risk.number)
    assert (stored.inherent_score, stored.residual_score) == (4, 6)
    assert stored.residual_reason == reason


def test_a_reason_is_not_kept_when_netto_does_not_exceed_bruto(ctx, world):
    risk = make(world, **figures(bruto=(3, 3), netto=(3, 3), reason="Niet nodig"))

    assert risk_of(world, risk.number).residual_reason == ""


def test_an_owner_outside_the_partnership_is_refused(ctx, make_partnership):
    world, other = make_partnership("een"), make_partnership("twee")
    data = fields(world, owner_id=other.users["programmamanager"].id)

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "Choose an owner who is a member of this partnership.",
        "owner_id",
    )


def test_a_review_date_in_the_past_is_refused_on_create(ctx, world):
    data = fields(world, review_on=days(-1))

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "The review date cannot lie in the past.",
        "review_on",
    )


def test_a_review_date_today_or_none_is_accepted_on_create(ctx, world):
    assert make(world, review_on=days(0)).review_on == days(0)
    assert make(world, review_on=None).review_on is None


@pytest.mark.parametrize("value", [None, "", "abc", 999999])
def test_a_risk_needs_a_category_of_the_partnership(ctx, world, value):
    data = fields(world, category_id=value)

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "Choose a category.",
        "category_id",
    )


def test_a_category_of_another_partnership_is_refused(ctx, make_partnership):
    world, other = make_partnership("een"), make_partnership("twee")
    data = fields(world, category_id=category(other))

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "Choose a category.",
        "category_id",
    )


@pytest.mark.parametrize("value", [None, "", "negeren"])
def test_a_risk_needs_a_strategy(ctx, world, value):
    data = fields(world, strategy=value)

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "Choose a strategy.",
        "strategy",
    )


def test_an_unknown_status_is_refused(ctx, world):
    data = fields(world, status="vergeten")

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "Choose a status.",
        "status",
    )


def test_a_bearer_outside_the_partnership_is_refused(ctx, make_partnership):
    world, other = make_partnership("een"), make_partnership("twee")
    data = fields(world, bearers=[world.municipality.id, other.provider.id])

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "Choose organisations that take part in this partnership.",
        "bearers",
    )


def test_a_risk_without_bearer_that_is_not_shared_is_refused(ctx, world):
    data = fields(world, bearers=[], shared=False)

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "Choose the bearing organisations, or 'gedeeld'.",
        "bearers",
    )


@pytest.mark.parametrize("title", ["", "   ", None])
def test_a_risk_needs_a_title(ctx, world, title):
    data = fields(world, title=title)

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "Enter a title.",
        "title",
    )


def test_a_principle_of_another_partnership_is_refused(ctx, make_partnership):
    world, other = make_partnership("een"), make_partnership("twee")
    theirs = principles(other)
    data = fields(world, principles=[theirs["Open"]])

    refused(
        lambda: services.create_risk(world.partnership.id, data, world.users["beheerder"].id),
        "Choose principles of this partnership.",
        "principles",
    )


# --- update ------------------------------------------------------------------------------


def test_update_changes_the_description_but_never_the_figures(ctx, world):
    ids = principles(world)
    risk = make(world)
    editor = world.users["beheerder"].id

    services.update_risk(
        risk,
        fields(world, title="Nieuwe titel", shared=True, bearers=[world.provider.id],
               owner_id=editor, strategy="accepteren", status="geaccepteerd",
               category_id=category(world, "juridisch"), principles=[ids["Lerend"]],
               **figures(bruto=(1, 1), netto=(1, 1))),
        editor,
    )  # fmt: skip

    risk = risk_of(world, risk.number)
    assert risk.title == "Nieuwe titel"
    assert risk.shared is True
    assert [o.id for o in risk.bearers] == [world.provider.id]
    assert risk.owner_id == editor
    assert (risk.strategy, risk.status, risk.category.name) == ("accepteren", "geaccepteerd", "juridisch")  # fmt: skip
    assert linked_principle_ids("risk", risk.id, "threatens") == [ids["Lerend"]]
    assert [getattr(risk, name) for name in FIGURES] == [4, 5, 3, 3]
    assert len(services.assessments_of(risk)) == 1
    [event] = events("Risk", "update")
    assert event.actor_id == editor
    assert event.partnership_id == world.partnership.id
    assert event.changes["title"][1] == "Nieuwe titel"
    old_bearers, new_bearers = event.changes["bearers"]
    assert sorted(old_bearers) == sorted([world.municipality.id, world.provider.id])
    assert new_bearers == [world.provider.id]
    assert event.changes["principles"] == [[], [ids["Lerend"]]]


def test_update_refuses_bad_input_and_changes_nothing(ctx, world):
    risk = make(world)
    data = fields(world, title="Anders", bearers=[], shared=False)

    refused(
        lambda: services.update_risk(risk, data, world.users["beheerder"].id),
        "Choose the bearing organisations, or 'gedeeld'.",
        "bearers",
    )


def test_an_archived_risk_cannot_be_changed(ctx, world):
    risk = make(world)
    services.set_archived(risk, True, world.users["beheerder"].id)
    data = fields(world, title="Anders")

    refused(
        lambda: services.update_risk(risk, data, world.users["beheerder"].id),
        "This risk is archived. Restore it first.",
    )
    refused(
        lambda: services.reassess(risk, figures(), "Herzien", world.users["beheerder"].id),
        "This risk is archived. Restore it first.",
    )
    refused(
        lambda: services.add_measure(risk, {"description": "Iets"}, world.users["beheerder"].id),
        "This risk is archived. Restore it first.",
    )


# --- reassessment -------------------------------------------------------------------------


def test_every_reassessment_is_kept_with_who_when_and_why(ctx, world):
    risk = make(world)
    beheerder = world.users["beheerder"].id
    manager = world.users["programmamanager"].id
    started = utcnow()

    services.reassess(risk, figures(bruto=(4, 5), netto=(2, 3)), "Maatregel werkt", beheerder)
    services.reassess(risk, figures(bruto=(5, 5), netto=(4, 4)), " Nieuwe wet ", manager)

    rows = services.assessments_of(risk_of(world, risk.number))
    assert [[getattr(a, n) for n in FIGURES] for a in rows] == [
        [4, 5, 3, 3],
        [4, 5, 2, 3],
        [5, 5, 4, 4],
    ]
    assert [a.reason for a in rows[1:]] == ["Maatregel werkt", "Nieuwe wet"]
    assert [a.assessed_by_id for a in rows] == [manager, beheerder, manager]
    assert all(a.assessed_at >= started.replace(microsecond=0) for a in rows[1:])
    assert [(a.inherent_score, a.residual_score) for a in rows] == [(20, 9), (20, 6), (25, 16)]
    now = risk_of(world, risk.number)
    assert (now.inherent_score, now.residual_score) == (25, 16)
    assert [getattr(now, n) for n in FIGURES] == [5, 5, 4, 4]


def test_confirming_the_same_figures_with_a_reason_is_a_reassessment(ctx, world):
    risk = make(world)

    services.reassess(risk, figures(), "Ongewijzigd na de review", world.users["beheerder"].id)

    rows = services.assessments_of(risk)
    assert len(rows) == 2
    assert [getattr(rows[1], n) for n in FIGURES] == [4, 5, 3, 3]
    assert rows[1].reason == "Ongewijzigd na de review"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reassessment_needs_a_reason(ctx, world, reason):
    risk = make(world)

    refused(
        lambda: services.reassess(risk, figures(netto=(1, 1)), reason, world.users["beheerder"].id),
        "Explain why the assessment changes.",
        "reason",
    )


def test_a_reassessment_checks_the_figures(ctx, world):
    risk = make(world)
    uid = world.users["beheerder"].id

    refused(
        lambda: services.reassess(risk, figures(netto=(6, 1)), "Herzien", uid),
        "Choose a value from 1 to 5.",
        "residual_likelihood",
    )
    refused(
        lambda: services.reassess(risk, figures(bruto=(1, 1), netto=(2, 1)), "Herzien", uid),
        "The netto score (%(netto)s) is higher than the bruto score (%(bruto)s). "
        "Explain why, or lower it.",
        "residual_reason",
        netto=2,
        bruto=1,
    )


def test_a_reassessment_sets_the_next_review_date_but_not_in_the_past(ctx, world):
    risk = make(world)
    uid = world.users["beheerder"].id

    refused(
        lambda: services.reassess(risk, figures(), "Herzien", uid, next_review_on=days(-1)),
        "The review date cannot lie in the past.",
        "next_review_on",
    )
    services.reassess(risk, figures(), "Herzien", uid, next_review_on=days(200))

    assert risk_of(world, risk.number).review_on == days(200)


# --- measures --------------------------------------------------------------------------


def measure_data(world, **over) -> dict:
    return {
        "description": "Kwartaalrapportage over de uitgaven",
        "owner_id": world.users["teamlid"].id,
        "due_on": days(30),
        "status": "in_uitvoering",
        "agreement_id": None,
        **over,
    }


def test_a_measure_keeps_owner_due_date_status_and_agreement(ctx, world):
    risk = make(world)
    implementing = agreement(world)

    measure = services.add_measure(
        risk, measure_data(world, agreement_id=implementing.id), world.users["beheerder"].id
    )

    [stored] = services.measures_of(risk_of(world, risk.number))
    assert stored.id == measure.id
    assert stored.description == "Kwartaalrapportage over de uitgaven"
    assert stored.owner_id == world.users["teamlid"].id
    assert stored.due_on == days(30)
    assert stored.status == "in_uitvoering"
    assert stored.agreement_id == implementing.id
    assert stored.partnership_id == world.partnership.id
    assert [m.id for m in services.measures_for_agreement(implementing.id)] == [measure.id]


def test_a_measure_can_be_changed(ctx, world):
    risk = make(world)
    implementing = agreement(world)
    measure = services.add_measure(risk, measure_data(world), world.users["beheerder"].id)

    services.update_measure(
        measure,
        measure_data(world, status="gereed", owner_id=None, due_on=None,
                     agreement_id=implementing.id, description="Afgerond"),
        world.users["programmamanager"].id,
    )  # fmt: skip

    db.session.expire_all()
    stored = db.session.get(Measure, measure.id)
    assert (stored.status, stored.owner_id, stored.due_on) == ("gereed", None, None)
    assert stored.description == "Afgerond"
    assert stored.agreement_id == implementing.id


def test_a_measure_cannot_refer_to_an_agreement_of_another_partnership(ctx, make_partnership):
    world, other = make_partnership("een"), make_partnership("twee")
    risk = make(world)
    theirs = agreement(other)

    refused(
        lambda: services.add_measure(
            risk, measure_data(world, agreement_id=theirs.id), world.users["beheerder"].id
        ),
        "Choose an agreement of this partnership.",
        "agreement_id",
    )
    refused(
        lambda: services.add_measure(
            risk, measure_data(world, agreement_id=987654), world.users["beheerder"].id
        ),
        "Choose an agreement of this partnership.",
        "agreement_id",
    )


def test_a_measure_owner_outside_the_partnership_is_refused(ctx, make_partnership):
    world, other = make_partnership("een"), make_partnership("twee")
    risk = make(world)
    measure = services.add_measure(risk, measure_data(world), world.users["beheerder"].id)
    data = measure_data(world, owner_id=other.users["teamlid"].id)

    refused(
        lambda: services.add_measure(risk, data, world.users["beheerder"].id),
        "Choose an owner who is a member of this partnership.",
        "owner_id",
    )
    refused(
        lambda: services.update_measure(measure, data, world.users["beheerder"].id),
        "Choose an owner who is a member of this partnership.",
        "owner_id",
    )


@pytest.mark.parametrize(
    ("over", "msgid", "field"),
    [
        ({"description": "  "}, "Describe the measure.", "description"),
        ({"status": "misschien"}, "Choose a status.", "status"),
        ({"due_on": "morgen"}, "Enter a valid date.", "due_on"),
    ],
)
def test_a_measure_with_bad_input_is_refused(ctx, world, over, msgid, field):
    risk = make(world)

    refused(
        lambda: services.add_measure(
            risk, measure_data(world, **over), world.users["beheerder"].id
        ),
        msgid,
        field,
    )


# --- heat map and list -----------------------------------------------------------------


def test_the_heat_map_counts_open_risks_per_cell(ctx, world):
    uid = world.users["beheerder"].id
    make(world, **figures(bruto=(4, 5), netto=(3, 3)))
    make(world, **figures(bruto=(4, 5), netto=(2, 3)))
    make(world, **figures(bruto=(2, 2), netto=(1, 1)))
    make(world, **figures(bruto=(4, 5), netto=(3, 3)), status="gesloten")
    services.set_archived(make(world, **figures(bruto=(4, 5), netto=(3, 3))), True, uid)

    assert services.heat_map(world.partnership.id, "bruto") == {(4, 5): 2, (2, 2): 1}
    assert services.heat_map(world.partnership.id, "netto") == {(3, 3): 1, (2, 3): 1, (1, 1): 1}


def test_the_heat_map_counts_only_its_own_partnership(ctx, make_partnership):
    world, other = make_partnership("een"), make_partnership("twee")
    make(world)
    make(other)
    make(other)

    assert services.heat_map(world.partnership.id, "bruto") == {(4, 5): 1}


def numbers(world, **filters) -> list[int]:
    query = services.risks_query(world.partnership.id, services.Filters(**filters))
    return [r.number for r in db.session.execute(query).scalars()]


@pytest.fixture
def inventory(ctx, make_partnership):
    world = make_partnership("een")
    return world, make_inventory(world)


def test_the_list_sorts_by_netto_score_highest_first(inventory):
    world, _ = inventory

    assert numbers(world) == [1, 4, 2, 5, 3]
    assert numbers(world, sort="bruto") == [1, 4, 2, 3, 5]
    assert numbers(world, sort="number") == [1, 2, 3, 4, 5]


def test_the_list_filters(inventory):
    world, reputatie = inventory

    assert numbers(world, category=reputatie) == [3]
    assert numbers(world, level="kritiek") == [1]
    assert numbers(world, level="hoog") == [4]
    assert numbers(world, level="midden") == [2]
    assert numbers(world, level="laag") == [5, 3]
    assert numbers(world, level="hoog", basis="bruto") == [2]
    assert numbers(world, status="beheerst") == [3]
    assert numbers(world, status="gesloten") == [5]
    assert numbers(world, bearer="gedeeld") == [3]
    assert numbers(world, bearer=str(world.provider.id)) == [1, 2, 5]
    assert numbers(world, bearer=str(world.municipality.id)) == [1, 4, 5]
    assert numbers(world, owner=world.users["teamlid"].id) == [2]
    assert numbers(world, overdue=True) == [4]
    assert numbers(world, q="wacht") == [2, 3]
    assert numbers(world, likelihood=3, impact=4, basis="bruto") == [2]
    assert numbers(world, likelihood=3, impact=4) == [4]
    # A heat map cell leaves closed risks out, as its count does.
    assert numbers(world, likelihood=2, impact=2, basis="bruto") == []


def test_filters_come_from_the_query_string_and_ignore_nonsense():
    from werkzeug.datastructures import MultiDict

    good = services.Filters.from_args(
        MultiDict({"category": "3", "level": "hoog", "status": "open", "bearer": "gedeeld",
                   "owner": "7", "overdue": "1", "basis": "bruto", "likelihood": "2",
                   "impact": "5", "q": " budget ", "archived": "1", "sort": "review"})
    )  # fmt: skip
    bad = services.Filters.from_args(
        MultiDict({"category": "x", "level": "extreem", "status": "weg", "bearer": "iedereen",
                   "owner": "-1", "overdue": "ja", "basis": "anders", "likelihood": "6",
                   "impact": "0", "sort": "DROP TABLE"})
    )  # fmt: skip

    assert good == services.Filters(
        category=3, level="hoog", status="open", bearer="gedeeld", owner=7, overdue=True,
        basis="bruto", likelihood=2, impact=5, q="budget", archived=True, sort="review",
    )  # fmt: skip
    assert bad == services.Filters()
    assert (
        services.Filters.from_args(MultiDict({k: str(v) for k, v in good.as_args().items()}))
        == good
    )


@pytest.mark.parametrize("value", ["²", "³", "¹"])
def test_filters_ignore_digits_that_are_not_numbers(value):
    from werkzeug.datastructures import MultiDict

    args = MultiDict({"category": value, "owner": value, "likelihood": value, "bearer": value})

    assert services.Filters.from_args(args) == services.Filters()


# --- archive and comments ------------------------------------------------------------------


def test_archive_and_restore(ctx, world):
    risk = make(world)
    uid = world.users["beheerder"].id

    services.set_archived(risk, True, uid)
    assert risk_of(world, risk.number).archived_at is not None
    assert numbers(world) == []
    assert numbers(world, archived=True) == [risk.number]
    refused(lambda: services.set_archived(risk, True, uid), "This risk is already archived.")

    services.set_archived(risk, False, uid)
    assert risk_of(world, risk.number).archived_at is None
    assert numbers(world) == [risk.number]
    refused(lambda: services.set_archived(risk, False, uid), "This risk is not archived.")
    assert [e.action for e in events("Risk", "archive") + events("Risk", "restore")] == [
        "archive",
        "restore",
    ]


def test_a_comment_is_kept_and_an_empty_one_refused(ctx, world):
    risk = make(world)
    uid = world.users["partner"].id

    comment = services.add_comment(risk, uid, "  Eens, **graag** snel.  ")
    refused(lambda: services.add_comment(risk, uid, "   "), "Write a comment.", "body")
    refused(
        lambda: services.add_comment(risk, uid, "x" * 10001),
        "Use at most %(n)s characters.",
        "body",
        n=10000,
    )

    assert [c.body for c in services.comments_of(risk)] == ["Eens, **graag** snel."]
    assert db.session.get(RiskComment, comment.id).author_id == uid


# --- dashboard ---------------------------------------------------------------------------


def test_the_dashboard_figures(ctx, world):
    me = world.users["teamlid"].id
    critical = make(world, **figures(bruto=(5, 5), netto=(4, 4)))
    high = make(world, **figures(bruto=(5, 5), netto=(2, 5)))
    make(world, **figures(bruto=(5, 5), netto=(3, 3)))  # midden: not shown
    make(world, status="gesloten", **figures(bruto=(5, 5), netto=(5, 5)))
    overdue = make(world, **figures(bruto=(2, 2), netto=(1, 1)))
    db.session.execute(
        Risk.__table__.update().where(Risk.id == overdue.id).values(review_on=days(-1))
    )
    db.session.commit()
    uid = world.users["beheerder"].id
    mine = services.add_measure(overdue, {"description": "Mijn taak", "owner_id": me}, uid)
    services.add_measure(critical, {"description": "Klaar", "owner_id": me, "status": "gereed"}, uid)  # fmt: skip
    services.add_measure(critical, {"description": "Van een ander", "owner_id": uid}, uid)

    panel = services.attention(world.partnership.id, me)

    assert [r.number for r in panel["high"]] == [critical.number, high.number]
    assert panel["high_total"] == 2
    assert [r.number for r in panel["overdue"]] == [overdue.number]
    assert panel["overdue_total"] == 1
    assert [m.id for m in panel["measures"]] == [mine.id]
    assert panel["measures_total"] == 1


def test_the_dashboard_follows_the_thresholds(ctx, world):
    make(world, **figures(bruto=(5, 5), netto=(3, 3)))
    services.update_thresholds(world.partnership.id, 3, 8, 20)

    assert services.attention(world.partnership.id, world.users["lezer"].id)["high_total"] == 1


# --- audit ---------------------------------------------------------------------------------


def test_every_write_leaves_an_audit_event_with_partnership_and_actor(ctx, world):
    pid = world.partnership.id
    manager = world.users["programmamanager"].id
    beheerder = world.users["beheerder"].id
    partner = world.users["partner"].id
    risk = make(world)
    services.update_risk(risk, fields(world, title="Anders"), beheerder)
    services.reassess(risk, figures(netto=(2, 2)), "Beter", beheerder)
    measure = services.add_measure(risk, {"description": "Iets"}, beheerder)
    services.update_measure(measure, {"description": "Iets anders"}, manager)
    comment = services.add_comment(risk, partner, "Goed")
    services.set_archived(risk, True, beheerder)
    services.set_archived(risk, False, manager)

    trail = list(
        db.session.execute(
            select(AuditEvent.object_type, AuditEvent.object_id, AuditEvent.action,
                   AuditEvent.actor_id, AuditEvent.partnership_id)
            .where(AuditEvent.object_type.in_(["Risk", "Measure", "RiskComment"]))
            .order_by(AuditEvent.id)
        ).all()
    )  # fmt: skip
    assert [tuple(row) for row in trail] == [
        ("Risk", risk.id, "create", manager, pid),
        ("Risk", risk.id, "update", beheerder, pid),
        ("Risk", risk.id, "reassess", beheerder, pid),
        ("Measure", measure.id, "create", beheerder, pid),
        ("Measure", measure.id, "update", manager, pid),
        ("RiskComment", comment.id, "create", partner, pid),
        ("Risk", risk.id, "archive", beheerder, pid),
        ("Risk", risk.id, "restore", manager, pid),
    ]


def test_settings_and_categories_leave_an_audit_event(ctx, world):
    pid = world.partnership.id

    added = services.add_category(pid, "Reputatie")
    services.set_category_active(added, False)
    services.update_thresholds(pid, 4, 9, 15)

    trail = list(
        db.session.execute(
            select(AuditEvent.object_type, AuditEvent.action, AuditEvent.partnership_id)
            .where(AuditEvent.object_type.in_(["RiskCategory", "RiskSettings"]))
            .order_by(AuditEvent.id)
        ).all()
    )
    assert [tuple(row) for row in trail] == [
        ("RiskCategory", "create", pid),
        ("RiskCategory", "update", pid),
        ("RiskSettings", "update", pid),
    ]
    [settings] = events("RiskSettings", "update")
    assert settings.changes == {"thresholds": [None, [4, 9, 15]]}
