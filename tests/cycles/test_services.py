"""Cycle services: indicators agreed by both sides, cycles and phases, measurements, the
duiding, submitting (freezing), board decisions, follow-ups, the dashboard panel and the
audit trail."""

from __future__ import annotations

from datetime import date

import pytest

from app.agreements.models import Agreement
from app.cycles import services
from app.cycles.models import (
    BoardDecision,
    Cycle,
    CycleProposal,
    Indicator,
    Measurement,
)
from app.errors import ServiceError
from app.extensions import db
from app.reviews.models import Action
from tests.cycles.conftest import PROVIDER_BOARD, PROVIDER_MANAGER
from tests.cycles.helpers import (
    NEXT,
    PERIOD,
    PREVIOUS,
    adopt,
    advance,
    audit,
    closed,
    decide,
    dutch,
    indicator_fields,
    interpret,
    make_cycle,
    member,
    propose,
    ready,
    refusal,
    reload,
    state,
    submitted,
)

# --- indicators ---------------------------------------------------------------------------------


def test_a_programme_manager_proposes_an_indicator_and_agrees_to_it_for_their_organisation(
    ctx, both
):
    indicator = propose(both, owner_organisation_id=both.provider.id)

    indicator = reload(Indicator, indicator.id)
    assert indicator.status == "voorgesteld"
    assert indicator.partnership_id == both.partnership.id
    assert indicator.proposed_by_id == both.users["programmamanager"].id
    assert (indicator.name, indicator.unit, indicator.direction, indicator.kind) == (
        "Wachttijd tot start hulp", "dagen", "lager", "kwantitatief",
    )  # fmt: skip
    assert indicator.target == 28.0
    assert indicator.owner_organisation_id == both.provider.id
    approvals = services.approvals_of([indicator.id])[indicator.id]
    assert [(a.user_id, a.organisation_id) for a in approvals] == [
        (both.users["programmamanager"].id, both.municipality.id)
    ]


@pytest.mark.parametrize("role", ["beheerder", "bestuurder", "lezer", "teamlid", "partner"])
def test_only_a_programme_manager_proposes_an_indicator(ctx, both, role):
    before = state()
    with pytest.raises(ServiceError) as refused:
        propose(both, role)
    db.session.rollback()
    assert refusal(refused) == dutch("Only a programme manager can propose an indicator.")
    assert state() == before


def test_two_municipal_managers_do_not_adopt_an_indicator_a_provider_manager_does(
    ctx, both, add_member
):
    add_member(both, "programmamanager_gemeente2", "programmamanager", both.municipality.id)
    indicator = propose(both)

    assert (
        services.approve_indicator(indicator, member(both, "programmamanager_gemeente2")) is False
    )
    assert reload(Indicator, indicator.id).status == "voorgesteld"

    indicator = reload(Indicator, indicator.id)
    assert services.approve_indicator(indicator, member(both, PROVIDER_MANAGER)) is True
    indicator = reload(Indicator, indicator.id)
    assert indicator.status == "vastgesteld"
    # Who agreed, for which organisation, is recorded.
    approvals = services.approvals_of([indicator.id])[indicator.id]
    assert sorted((a.user.name, a.organisation.name) for a in approvals) == sorted(
        [
            (both.users["programmamanager"].name, both.municipality.name),
            (both.users["programmamanager_gemeente2"].name, both.municipality.name),
            (both.users[PROVIDER_MANAGER].name, both.provider.name),
        ]
    )
    assert all(a.at is not None for a in approvals)


def test_a_region_and_a_consortium_count_as_the_two_sides(ctx, world, add_member, add_organisation):
    region = add_organisation(world, "Regio Eemland", "regio")
    consortium = add_organisation(world, "Consortium BSA", "consortium")
    add_member(world, "pm_regio", "programmamanager", region)
    add_member(world, "pm_consortium", "programmamanager", consortium)
    add_member(world, "pm_consortium2", "programmamanager", consortium)

    # Proposed by the provider side, agreed by another provider: not yet.
    indicator = propose(world, "pm_consortium")
    assert services.approve_indicator(indicator, member(world, "pm_consortium2")) is False
    # The region is a commissioning side.
    assert services.approve_indicator(reload(Indicator, indicator.id), member(world, "pm_regio"))
    assert reload(Indicator, indicator.id).status == "vastgesteld"


def test_agreeing_twice_or_to_an_adopted_indicator_or_without_the_role_is_refused(ctx, both):
    indicator = propose(both)
    before = state()
    with pytest.raises(ServiceError) as twice:
        services.approve_indicator(indicator, member(both, "programmamanager"))
    db.session.rollback()
    assert refusal(twice) == dutch("You have already agreed to this indicator.")
    with pytest.raises(ServiceError) as role:
        services.approve_indicator(reload(Indicator, indicator.id), member(both, PROVIDER_BOARD))
    db.session.rollback()
    assert refusal(role) == dutch("Only a programme manager can agree to an indicator.")
    assert state() == before

    services.approve_indicator(reload(Indicator, indicator.id), member(both, PROVIDER_MANAGER))
    before = state()
    with pytest.raises(ServiceError) as adopted:
        services.approve_indicator(reload(Indicator, indicator.id), member(both, PROVIDER_MANAGER))
    db.session.rollback()
    assert refusal(adopted) == dutch("Only a proposed indicator can be agreed to.")
    assert state() == before


def test_retiring_an_indicator(ctx, both):
    indicator = adopt(both)
    services.retire_indicator(indicator, member(both, PROVIDER_MANAGER))
    indicator = reload(Indicator, indicator.id)
    assert indicator.status == "vervallen"
    # Still listed (history), no longer among the adopted ones.
    assert indicator in services.indicators_of(both.partnership.id, ("vervallen",))
    assert services.indicators_of(both.partnership.id, ("vastgesteld",)) == []

    before = state()
    for attempt in (
        lambda i: services.retire_indicator(i, member(both, "programmamanager")),
        lambda i: services.update_indicator(i, member(both, "programmamanager"), indicator_fields()),
        lambda i: services.approve_indicator(i, member(both, "programmamanager")),
    ):  # fmt: skip
        with pytest.raises(ServiceError):
            attempt(indicator)
        db.session.rollback()
        indicator = reload(Indicator, indicator.id)
    assert state() == before


NAME = "Enter a name of at most 200 characters."
DIRECTION = "Choose whether higher or lower is better."


@pytest.mark.parametrize(
    ("over", "field", "msgid"),
    [
        ({"name": ""}, "name", NAME),
        ({"name": "   "}, "name", NAME),
        ({"name": "x" * 201}, "name", NAME),
        ({"direction": None}, "direction", DIRECTION),
        ({"direction": "beter"}, "direction", DIRECTION),
        ({"kind": "anders"}, "kind", "Choose quantitative or qualitative."),
        ({"target": "veel"}, "target", "Enter the target as a number."),
        ({"owner_organisation_id": 99999}, "owner_organisation_id",
         "Choose an organisation of this partnership."),
    ],
)  # fmt: skip
def test_bad_indicator_input_is_refused_with_a_message(ctx, both, over, field, msgid):
    before = state()
    with pytest.raises(ServiceError) as refused:
        propose(both, **over)
    db.session.rollback()
    assert refused.value.field == field
    assert refusal(refused) == dutch(msgid)
    assert state() == before


def test_an_organisation_of_another_partnership_cannot_own_an_indicator(
    ctx, both, make_partnership
):
    other = make_partnership("elders")
    with pytest.raises(ServiceError) as refused:
        propose(both, owner_organisation_id=other.provider.id)
    db.session.rollback()
    assert refused.value.field == "owner_organisation_id"
    assert services.indicators_of(both.partnership.id) == []


def test_updating_an_indicator(ctx, both):
    indicator = adopt(both)
    services.update_indicator(
        indicator, member(both, PROVIDER_MANAGER), indicator_fields(target=21, unit="werkdagen")
    )
    indicator = reload(Indicator, indicator.id)
    assert (indicator.target, indicator.unit, indicator.status) == (
        21.0,
        "werkdagen",
        "vastgesteld",
    )


# --- cycles and phases ------------------------------------------------------------------------


def test_creating_cycles_numbers_them_per_partnership(ctx, both, make_both):
    other = make_both("elders")
    first = make_cycle(both, "Tweede halfjaar 2023", PREVIOUS)
    second = make_cycle(both, "Eerste halfjaar 2024", PERIOD, key="beheerder")
    # Another partnership's cycles neither overlap nor share numbers.
    elsewhere = make_cycle(other, "Elders", PERIOD)

    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    cycle = reload(Cycle, second.id)
    assert (cycle.title, cycle.period_from, cycle.period_to, cycle.phase, cycle.reference) == (
        "Eerste halfjaar 2024", PERIOD[0], PERIOD[1], "voorbereiden", "C-2",
    )  # fmt: skip
    assert [c.number for c in services.cycles_of(both.partnership.id)] == [2, 1]


@pytest.mark.parametrize(
    ("title", "period", "field"),
    [
        ("", PERIOD, "title"),
        ("x" * 201, PERIOD, "title"),
        ("Omgekeerd", (PERIOD[1], PERIOD[0]), "period_to"),
        ("Eén dag", (PERIOD[0], PERIOD[0]), "period_to"),
        ("Zonder periode", (None, PERIOD[1]), "period_from"),
    ],
)
def test_bad_cycle_input_is_refused(ctx, both, title, period, field):
    before = state()
    with pytest.raises(ServiceError) as refused:
        services.create_cycle(member(both, "programmamanager"), title, *period)
    db.session.rollback()
    assert refused.value.field == field
    assert state() == before


@pytest.mark.parametrize(
    "period",
    [
        (date(2024, 3, 1), date(2024, 9, 30)),  # starts inside
        (date(2023, 10, 1), date(2024, 1, 1)),  # ends on the first day
        (date(2024, 6, 30), date(2024, 12, 31)),  # starts on the last day
        (date(2024, 2, 1), date(2024, 3, 1)),  # inside
        (date(2023, 1, 1), date(2025, 1, 1)),  # around
    ],
)
def test_a_period_that_overlaps_another_cycle_is_refused_with_a_clear_message(ctx, both, period):
    make_cycle(both, "Eerste halfjaar 2024", PERIOD)
    before = state()
    with pytest.raises(ServiceError) as refused:
        make_cycle(both, "Overlappend", period)
    db.session.rollback()
    assert refused.value.field == "period_from"
    assert refusal(refused) == dutch(
        "This period overlaps cycle C-%(n)s. Cycles of a partnership do not overlap.", n=1
    )
    assert state() == before


def test_adjacent_periods_do_not_overlap(ctx, both):
    make_cycle(both, "Eerste halfjaar 2024", PERIOD)
    make_cycle(both, "Tweede halfjaar 2023", PREVIOUS)
    make_cycle(both, "Tweede halfjaar 2024", NEXT)
    assert len(services.cycles_of(both.partnership.id)) == 3


def test_the_phases_move_on_one_by_one_and_each_move_is_recorded(ctx, both):
    cycle = make_cycle(both)
    assert services.next_phase(cycle, member(both, "programmamanager")) == "monitoren"
    assert services.next_phase(cycle, member(both, "beheerder")) == "duiden"

    changes = services.phase_changes(reload(Cycle, cycle.id))
    assert [(c.from_phase, c.to_phase, c.user_id) for c in changes] == [
        ("voorbereiden", "monitoren", both.users["programmamanager"].id),
        ("monitoren", "duiden", both.users["beheerder"].id),
    ]
    assert all(c.at is not None for c in changes)

    # From duiden the cycle only moves on by submitting it.
    cycle = reload(Cycle, cycle.id)
    before = state()
    with pytest.raises(ServiceError):
        services.next_phase(cycle, member(both, "programmamanager"))
    db.session.rollback()
    assert state() == before
    assert reload(Cycle, cycle.id).phase == "duiden"


# --- measurements -----------------------------------------------------------------------------


@pytest.fixture
def measured(ctx, both):
    """Two adopted indicators (quantitative and qualitative) and a cycle."""
    number = adopt(both)
    words = adopt(both, name="Kwaliteit van de samenwerking", kind="kwalitatief", target=None,
                  target_text="Open en gelijkwaardig", unit="")  # fmt: skip
    return both, number, words, make_cycle(both)


def test_measurements_are_a_number_or_a_text_with_who_entered_them(measured):
    world, number, words, cycle = measured
    services.save_measurements(
        cycle, member(world, PROVIDER_MANAGER),
        {number.id: (" 31,5 ", "Daling door de wachtlijstaanpak."), words.id: ("Vertrouwen groeit.", "")},
    )  # fmt: skip

    rows = services.measurements_of(reload(Cycle, cycle.id))
    assert (rows[number.id].value_number, rows[number.id].value_text) == (31.5, "")
    assert rows[number.id].explanation == "Daling door de wachtlijstaanpak."
    assert (rows[words.id].value_number, rows[words.id].value_text) == (None, "Vertrouwen groeit.")
    assert {m.entered_by_id for m in rows.values()} == {world.users[PROVIDER_MANAGER].id}
    assert all(m.entered_at is not None for m in rows.values())

    # Entering again replaces the value (one measurement per indicator per cycle) and
    # records who entered it last; an empty value leaves the other one alone.
    services.save_measurements(
        reload(Cycle, cycle.id), member(world, "programmamanager"),
        {number.id: ("30", ""), words.id: ("", "")},
    )  # fmt: skip
    rows = services.measurements_of(reload(Cycle, cycle.id))
    assert len(rows) == 2
    assert rows[number.id].value_number == 30.0
    assert rows[number.id].entered_by_id == world.users["programmamanager"].id
    assert rows[words.id].value_text == "Vertrouwen groeit."


@pytest.mark.parametrize("value", ["abc", "12 dagen", "1.2.3", "nan", "inf", "-inf"])
def test_a_quantitative_measurement_must_be_a_number(measured, value):
    world, number, words, cycle = measured
    before = state()
    with pytest.raises(ServiceError) as refused:
        services.save_measurements(
            cycle, member(world, "programmamanager"),
            {words.id: ("Tekst.", ""), number.id: (value, "")},
        )  # fmt: skip
    db.session.rollback()
    assert refused.value.field == f"value_{number.id}"
    assert refusal(refused) == dutch(
        "Enter a number for “%(name)s”.", name="Wachttijd tot start hulp"
    )
    assert state() == before


def test_measurements_only_for_the_adopted_indicators_of_the_partnership(ctx, both, make_both):
    adopted = adopt(both)
    proposed = propose(both, name="Nog niet vastgesteld")
    retired = adopt(both, name="Vervallen")
    services.retire_indicator(retired, member(both, "programmamanager"))
    other = make_both("elders")
    foreign = adopt(other, name="Van elders")
    cycle = make_cycle(both)

    before = state()
    for indicator_id in (proposed.id, retired.id, foreign.id, 99999):
        with pytest.raises(ServiceError) as refused:
            services.save_measurements(
                reload(Cycle, cycle.id), member(both, "programmamanager"),
                {adopted.id: ("12", ""), indicator_id: ("10", "")},
            )  # fmt: skip
        db.session.rollback()
        assert refusal(refused) == dutch(
            "Enter measurements only for the adopted indicators of this partnership."
        )
    assert state() == before


# --- interpretation ---------------------------------------------------------------------------


def test_interpretation_dilemmas_and_one_proposal_per_line(ctx, both):
    cycle = make_cycle(both)
    services.save_interpretation(
        cycle, member(both, "programmamanager"), "  De wachttijd daalt.  ", "Budget of wachttijd?",
        "- Maandelijks cijfers delen.\n\n* Een aanpak voor thuiszitters.\n   \nEen derde voorstel.\n",
    )  # fmt: skip
    cycle = reload(Cycle, cycle.id)
    assert cycle.interpretation == "De wachttijd daalt."
    assert cycle.dilemmas == "Budget of wachttijd?"
    assert [(p.position, p.text) for p in services.proposals_of(cycle)] == [
        (1, "Maandelijks cijfers delen."),
        (2, "Een aanpak voor thuiszitters."),
        (3, "Een derde voorstel."),
    ]
    # Saving again replaces the proposals.
    interpret(both, cycle, proposals=("Alleen dit.",))
    assert [p.text for p in services.proposals_of(reload(Cycle, cycle.id))] == ["Alleen dit."]


# --- submitting and the frozen summary ---------------------------------------------------------


def test_submitting_needs_the_interpretation(ctx, both):
    cycle = ready(both, interpretation="   ")
    before = state()
    with pytest.raises(ServiceError) as refused:
        services.submit(cycle, member(both, "programmamanager"))
    db.session.rollback()
    assert refused.value.field == "interpretation"
    assert refusal(refused) == dutch("Write the interpretation (duiding) before submitting.")
    assert state() == before


@pytest.mark.parametrize("phase", ["voorbereiden", "monitoren"])
def test_submitting_is_only_from_the_phase_duiden(ctx, both, phase):
    cycle = make_cycle(both)
    advance(both, cycle, phase)
    interpret(both, cycle)
    before = state()
    with pytest.raises(ServiceError):
        services.submit(reload(Cycle, cycle.id), member(both, "programmamanager"))
    db.session.rollback()
    assert state() == before


def test_submitting_freezes_the_summary_and_names_the_deciding_organisations(ctx, both):
    indicator = adopt(both)
    cycle = ready(both)
    services.save_measurements(cycle, member(both, "programmamanager"), {indicator.id: ("31", "")})
    services.submit(reload(Cycle, cycle.id), member(both, "beheerder"))

    cycle = reload(Cycle, cycle.id)
    assert cycle.phase == "besluitvorming"
    assert cycle.submitted_by_id == both.users["beheerder"].id
    assert cycle.submitted_at is not None and cycle.closed_at is None
    snapshot = cycle.snapshot
    assert snapshot["interpretation"] == "De wachttijd daalt."
    assert [p["text"] for p in snapshot["proposals"]] == [
        "Maandelijks cijfers delen.", "Een aanpak voor thuiszitters.",
    ]  # fmt: skip
    assert [i["value"] for i in snapshot["indicators"]] == [31.0]
    assert sorted(d["id"] for d in snapshot["deciders"]) == sorted(
        [both.municipality.id, both.provider.id]
    )
    assert services.phase_changes(cycle)[-1].to_phase == "besluitvorming"

    # Frozen: no second submit, no measurements, no interpretation, no phase change.
    before = state()
    manager = member(both, "programmamanager")
    for attempt in (
        lambda c: services.submit(c, manager),
        lambda c: services.save_measurements(c, manager, {indicator.id: ("20", "")}),
        lambda c: interpret(both, c, interpretation="Anders."),
        lambda c: services.next_phase(c, manager),
    ):
        with pytest.raises(ServiceError):
            attempt(cycle)
        db.session.rollback()
        cycle = reload(Cycle, cycle.id)
    assert state() == before


def test_later_changes_do_not_change_the_frozen_summary(ctx, both):
    from tests.cycles.builders import make_agreement, make_risk, risk_category

    indicator = adopt(both)
    agreement = make_agreement(both, 1, "Gestart in de periode", start_on=date(2024, 2, 1))
    cycle = ready(both)
    services.save_measurements(cycle, member(both, "programmamanager"), {indicator.id: ("31", "")})
    services.submit(reload(Cycle, cycle.id), member(both, "programmamanager"))
    frozen = reload(Cycle, cycle.id).snapshot
    assert frozen["agreements"]["started"]["items"] == [
        {"number": 1, "title": "Gestart in de periode"}
    ]

    # Direct changes to the data of the period.
    db.session.get(Agreement, agreement.id).title = "Andere titel"
    make_risk(both, risk_category(both), 1, "Nieuw risico", date(2024, 3, 1), (4, 4))
    db.session.get(Measurement, services.measurements_of(cycle)[indicator.id].id).value_number = 12
    db.session.commit()

    cycle = reload(Cycle, cycle.id)
    live = services.compose_summary(cycle)
    assert live["agreements"]["started"]["items"][0]["title"] == "Andere titel"
    assert live["risks"]["new"]["count"] == 1
    assert live["indicators"][0]["value"] == 12.0
    # What the boards read has not changed.
    shown = services.summary_for(cycle)
    assert shown == frozen
    assert shown["agreements"]["started"]["items"][0]["title"] == "Gestart in de periode"
    assert shown["risks"]["new"]["count"] == 0
    assert shown["indicators"][0]["value"] == 31.0


# --- board decisions --------------------------------------------------------------------------


def test_only_bestuurders_of_the_deciding_organisations_decide(
    ctx, both, add_member, add_organisation
):
    outsider = add_organisation(both, "Stichting Buiten", "aanbieder", participates=False)
    add_member(both, "bestuurder_buiten", "bestuurder", outsider)
    cycle = submitted(both)
    # An organisation that gets a bestuurder after submitting is not among the deciders.
    late = add_organisation(both, "Consortium Laat", "consortium")
    add_member(both, "bestuurder_laat", "bestuurder", late)
    assert sorted(d["id"] for d in reload(Cycle, cycle.id).snapshot["deciders"]) == sorted(
        [both.municipality.id, both.provider.id]
    )

    before = state()
    for key in ("bestuurder_buiten", "bestuurder_laat", "programmamanager", "beheerder", "lezer"):
        with pytest.raises(ServiceError) as refused:
            decide(both, reload(Cycle, cycle.id), key)
        db.session.rollback()
        assert refusal(refused) in (
            dutch("Only a bestuurder decides on behalf of an organisation."),
            dutch("Your organisation is not one of the organisations that decide on this cycle."),
        ), key
        if key.startswith("bestuurder"):
            assert refusal(refused) == dutch(
                "Your organisation is not one of the organisations that decide on this cycle."
            )
    assert state() == before


def test_a_bestuurder_of_another_partnership_is_not_a_decider(ctx, both, make_both):
    other = make_both("elders")
    cycle = submitted(both)
    before = state()
    with pytest.raises(ServiceError):
        services.decide(
            cycle, member(other, "bestuurder"), "vastgesteld", "", "",
            {p["id"]: "akkoord" for p in cycle.snapshot["proposals"]},
        )  # fmt: skip
    db.session.rollback()
    assert state() == before


def test_deciding_before_submitting_is_refused(ctx, both):
    cycle = ready(both)
    before = state()
    with pytest.raises(ServiceError):
        services.decide(cycle, member(both, "bestuurder"), "vastgesteld", "", "", {})
    db.session.rollback()
    assert state() == before


def test_an_organisation_decides_once(ctx, both, add_member):
    add_member(both, "bestuurder_gemeente2", "bestuurder", both.municipality.id)
    cycle = submitted(both)
    decide(both, cycle, "bestuurder", comment="Eens.")
    before = state()
    for key in ("bestuurder", "bestuurder_gemeente2"):
        with pytest.raises(ServiceError) as refused:
            decide(both, reload(Cycle, cycle.id), key, decision="niet_vastgesteld", reason="Nee.")
        db.session.rollback()
        assert refusal(refused) == dutch("Your organisation has already decided on this cycle.")
    assert state() == before
    assert reload(Cycle, cycle.id).phase == "besluitvorming"


@pytest.mark.parametrize(
    ("decision", "reason", "votes", "field"),
    [
        ("niet_vastgesteld", "", ["akkoord", "akkoord"], "reason"),
        ("niet_vastgesteld", "   ", ["akkoord", "akkoord"], "reason"),
        ("misschien", "", ["akkoord", "akkoord"], "decision"),
        ("vastgesteld", "", ["akkoord", None], "votes"),
        ("vastgesteld", "", ["akkoord", "onthouding"], "votes"),
    ],
)
def test_bad_decisions_are_refused(ctx, both, decision, reason, votes, field):
    cycle = submitted(both)
    before = state()
    with pytest.raises(ServiceError) as refused:
        decide(both, cycle, decision=decision, reason=reason, votes=votes)
    db.session.rollback()
    assert refused.value.field == field
    if field == "reason":
        assert refusal(refused) == dutch("Give the reason for not adopting.")
    assert state() == before


def test_a_vote_is_needed_on_every_proposal(ctx, both):
    cycle = submitted(both)
    first = cycle.snapshot["proposals"][0]["id"]
    with pytest.raises(ServiceError) as refused:
        services.decide(
            cycle, member(both, "bestuurder"), "vastgesteld", "", "", {first: "akkoord"}
        )
    db.session.rollback()
    assert refused.value.field == "votes"
    assert services.decisions_of(reload(Cycle, cycle.id)) == []


def test_the_cycle_closes_when_every_deciding_organisation_has_decided(ctx, both):
    cycle = submitted(both)
    row = decide(both, cycle, "bestuurder", "niet_vastgesteld", ["akkoord", "niet_akkoord"],
                 comment="Te weinig zicht.", reason="De cijfers zijn onvolledig.")  # fmt: skip
    cycle = reload(Cycle, cycle.id)
    assert cycle.phase == "besluitvorming" and cycle.closed_at is None
    row = db.session.get(BoardDecision, row.id)
    assert (row.organisation_id, row.user_id, row.decision, row.comment, row.reason) == (
        both.municipality.id, both.users["bestuurder"].id, "niet_vastgesteld",
        "Te weinig zicht.", "De cijfers zijn onvolledig.",
    )  # fmt: skip
    ids = [str(p["id"]) for p in cycle.snapshot["proposals"]]
    assert row.votes == {ids[0]: "akkoord", ids[1]: "niet_akkoord"}

    decide(both, cycle, PROVIDER_BOARD, "vastgesteld_met_opmerkingen", ["akkoord", "akkoord"])
    cycle = reload(Cycle, cycle.id)
    assert cycle.phase == "afgerond"
    assert cycle.closed_at is not None
    change = services.phase_changes(cycle)[-1]
    assert (change.from_phase, change.to_phase, change.user_id) == (
        "besluitvorming", "afgerond", both.users[PROVIDER_BOARD].id,
    )  # fmt: skip
    assert [d.organisation_id for d in services.decisions_of(cycle)] == [
        both.municipality.id, both.provider.id,
    ]  # fmt: skip
    # Majority of the deciding organisations: the first proposal 2 of 2, the second 1 of 2.
    results = services.proposal_results(cycle)
    assert [(r["yes"], r["no"], r["accepted"]) for r in results.values()] == [
        (2, 0, True), (1, 1, False),
    ]  # fmt: skip


def test_a_single_deciding_organisation_closes_the_cycle_alone(ctx, world):
    # Only the municipality has a bestuurder: it is the only decider.
    cycle = submitted(world)
    assert [d["id"] for d in cycle.snapshot["deciders"]] == [world.municipality.id]
    decide(world, cycle)
    assert reload(Cycle, cycle.id).phase == "afgerond"


def test_submitting_without_any_bestuurder_is_refused(ctx, world):
    member(world, "bestuurder").active = False
    db.session.commit()
    cycle = ready(world)
    with pytest.raises(ServiceError):
        services.submit(cycle, member(world, "programmamanager"))
    db.session.rollback()
    assert reload(Cycle, cycle.id).snapshot is None


# --- follow-ups -------------------------------------------------------------------------------


def test_an_accepted_proposal_becomes_a_draft_agreement_in_one_step(ctx, both):
    cycle = closed(both, votes=("akkoord", "niet_akkoord"), other_votes=("akkoord", "akkoord"))
    accepted, rejected = services.proposals_of(cycle)

    made = services.follow_up_proposal(
        cycle, accepted, member(both, "programmamanager"), "agreement"
    )
    agreement = db.session.get(Agreement, made.id)
    assert agreement.status == "concept"
    assert (agreement.origin_type, agreement.origin_id) == ("cycle", cycle.id)
    assert agreement.title == "Maandelijks cijfers delen."
    assert "C-1" in agreement.origin_label
    assert agreement.partnership_id == both.partnership.id
    assert reload(CycleProposal, accepted.id).agreement_id == agreement.id

    before = state()
    manager = member(both, "programmamanager")
    for proposal, kind in ((accepted, "agreement"), (accepted, "action"), (rejected, "agreement"),
                           (rejected, "action")):  # fmt: skip
        with pytest.raises(ServiceError):
            services.follow_up_proposal(
                reload(Cycle, cycle.id), reload(CycleProposal, proposal.id), manager, kind
            )
        db.session.rollback()
    assert state() == before


def test_an_accepted_proposal_becomes_an_action_in_one_step(ctx, both):
    cycle = closed(both)
    first, second = services.proposals_of(cycle)
    action = services.follow_up_proposal(cycle, second, member(both, "beheerder"), "action")
    action = db.session.get(Action, action.id)
    assert (action.partnership_id, action.title, action.status, action.owner_id) == (
        both.partnership.id, "Een aanpak voor thuiszitters.", "open", both.users["beheerder"].id,
    )  # fmt: skip
    assert "C-1" in action.source_label
    assert action.due_on is not None
    assert reload(CycleProposal, second.id).action_id == action.id
    with pytest.raises(ServiceError):
        services.follow_up_proposal(
            reload(Cycle, cycle.id), reload(CycleProposal, second.id), member(both, "beheerder"),
            "agreement",
        )  # fmt: skip
    db.session.rollback()
    with pytest.raises(ServiceError):
        services.follow_up_proposal(cycle, first, member(both, "beheerder"), "iets anders")
    db.session.rollback()
    assert reload(CycleProposal, first.id).action_id is None


def test_proposals_are_carried_out_only_once_the_cycle_is_closed(ctx, both):
    cycle = submitted(both)
    decide(both, cycle, "bestuurder")
    proposal = services.proposals_of(cycle)[0]
    before = state()
    with pytest.raises(ServiceError):
        services.follow_up_proposal(
            reload(Cycle, cycle.id), proposal, member(both, "programmamanager"), "agreement"
        )
    db.session.rollback()
    assert state() == before


# --- the dashboard panel ------------------------------------------------------------------------


def test_the_panel_shows_decisions_waiting_missing_measurements_and_latest_values(ctx, both):
    waiting_for = adopt(both, name="Wachttijd tot start hulp", target=28)
    outflow = adopt(
        both, name="Uitstroom naar lichtere zorg", direction="hoger", target=45, unit="%"
    )
    previous = ready(both, period=PREVIOUS, title="Tweede halfjaar 2023")
    services.save_measurements(
        previous, member(both, "programmamanager"), {waiting_for.id: ("31", ""), outflow.id: ("47", "")}
    )  # fmt: skip
    services.submit(reload(Cycle, previous.id), member(both, "programmamanager"))
    running = make_cycle(both, "Eerste halfjaar 2024", PERIOD)
    services.save_measurements(running, member(both, "programmamanager"), {outflow.id: ("40", "")})

    # The bestuurders: the submitted cycle waits for their organisation.
    for key in ("bestuurder", PROVIDER_BOARD):
        panel = services.attention(member(both, key))
        assert [c.number for c in panel["waiting"]] == [previous.number], key
        assert panel["missing"] == []
    decide(both, reload(Cycle, previous.id), "bestuurder")
    assert services.attention(member(both, "bestuurder"))["waiting"] == []
    assert [c.number for c in services.attention(member(both, PROVIDER_BOARD))["waiting"]] == [1]

    # The programme manager: the running cycle misses the wachttijd.
    panel = services.attention(member(both, "programmamanager"))
    assert panel["waiting"] == []
    assert panel["running"].number == running.number
    assert panel["missing"] == ["Wachttijd tot start hulp"]
    # The latest values are those of the most recent cycle with measurements.
    assert panel["latest_cycle"].number == running.number
    assert [(i["name"], i["value"], i["target"], i["judgement"]) for i in panel["latest"]] == [
        ("Uitstroom naar lichtere zorg", 40.0, 45.0, "bad")
    ]
    # A lezer sees the latest values but no tasks.
    panel = services.attention(member(both, "lezer"))
    assert (panel["waiting"], panel["missing"]) == ([], [])
    assert panel["latest"]


# --- the audit trail --------------------------------------------------------------------------


def test_every_write_leaves_an_audit_event(ctx, both):
    indicator = propose(both)
    services.approve_indicator(indicator, member(both, PROVIDER_MANAGER))
    retired = adopt(both, name="Vervalt")
    services.retire_indicator(retired, member(both, "programmamanager"))
    cycle = make_cycle(both)
    advance(both, cycle)
    services.save_measurements(cycle, member(both, "programmamanager"), {indicator.id: ("30", "")})
    interpret(both, cycle)
    services.submit(cycle, member(both, "programmamanager"))
    decide(both, cycle, "bestuurder")
    decide(both, reload(Cycle, cycle.id), PROVIDER_BOARD)
    first, second = services.proposals_of(cycle)
    manager = member(both, "programmamanager")
    agreement = services.follow_up_proposal(reload(Cycle, cycle.id), first, manager, "agreement")
    action = services.follow_up_proposal(reload(Cycle, cycle.id), second, manager, "action")

    pm, provider_pm = both.users["programmamanager"].id, both.users[PROVIDER_MANAGER].id
    expected = [
        ("Indicator", "create", indicator.id, pm),
        ("Indicator", "approve", indicator.id, provider_pm),
        ("Indicator", "retire", retired.id, pm),
        ("Cycle", "create", cycle.id, pm),
        ("Cycle", "measurements", cycle.id, pm),
        ("Cycle", "interpret", cycle.id, pm),
        ("Cycle", "submit", cycle.id, pm),
        ("Cycle", "close", cycle.id, both.users[PROVIDER_BOARD].id),
        ("Cycle", "follow_up", cycle.id, pm),
        ("Agreement", "create", agreement.id, pm),
        ("Action", "create", action.id, pm),
    ]
    for object_type, action_name, object_id, actor in expected:
        events = audit(object_type, action_name, object_id)
        assert events, (object_type, action_name)
        assert events[-1].actor_id == actor, (object_type, action_name)
        assert events[-1].partnership_id == both.partnership.id, (object_type, action_name)
    phases = audit("Cycle", "phase", cycle.id)
    assert [e.changes["phase"] for e in phases] == [
        ["voorbereiden", "monitoren"], ["monitoren", "duiden"],
    ]  # fmt: skip
    decisions = audit("BoardDecision", "decide")
    assert [(e.actor_id, e.changes["decision"][1]) for e in decisions] == [
        (both.users["bestuurder"].id, "vastgesteld"),
        (both.users[PROVIDER_BOARD].id, "vastgesteld"),
    ]
    assert audit("Indicator", "approve", indicator.id)[-1].changes["status"] == [
        "voorgesteld", "vastgesteld",
    ]  # fmt: skip
