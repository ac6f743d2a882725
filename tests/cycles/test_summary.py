"""The summary of a cycle composes itself from the data of its period: agreements, risks,
reviews, tables, indicators (against target and the previous cycle) and open actions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.agreements.models import CONCEPT, ENDED, FIRM
from app.cycles import services
from app.cycles.models import Cycle
from app.extensions import db
from tests.cycles.builders import (
    assess,
    at,
    make_action,
    make_agreement,
    make_conversation,
    make_meeting,
    make_review,
    make_revisit,
    make_risk,
    make_table,
    risk_category,
)
from tests.cycles.helpers import NEXT, PERIOD, PREVIOUS, adopt, make_cycle, member, propose, reload
from tests.reviews.helpers import adopt_manifest

INSIDE = date(2024, 3, 15)
BEFORE = date(2023, 11, 15)
AFTER = date(2024, 8, 15)


def numbers(part) -> list[int]:
    return [item["number"] for item in part["items"]]


@pytest.fixture
def elsewhere(ctx, make_both):
    """Another partnership with data inside the period: none of it may show."""
    other = make_both("elders")
    make_agreement(other, 1, "Elders gestart", start_on=INSIDE)
    make_risk(other, risk_category(other), 1, "Elders risico", INSIDE, (5, 5))
    make_action(other, "Elders actie")
    db.session.commit()
    return other


# --- agreements ---------------------------------------------------------------------------------


def test_agreements_started_revisited_ended_and_overdue_in_the_period(ctx, both, elsewhere):
    started = make_agreement(
        both, 1, "Gestart binnen", start_on=INSIDE, revisit_on=date(2025, 1, 1)
    )
    earlier = make_agreement(
        both, 2, "Gestart ervoor", start_on=BEFORE, revisit_on=date(2025, 1, 1)
    )
    make_agreement(both, 3, "Gestart erna", start_on=AFTER, revisit_on=date(2025, 1, 1))
    make_agreement(both, 4, "Concept binnen", status=CONCEPT, start_on=INSIDE)
    make_agreement(both, 5, "Beëindigd binnen", status=ENDED, end_on=INSIDE)
    make_agreement(both, 6, "Beëindigd erna", status=ENDED, end_on=AFTER)
    make_agreement(both, 7, "Herziening te laat", revisit_on=date(2024, 5, 1))
    make_agreement(both, 8, "Herziening na de periode", revisit_on=date(2024, 8, 1))
    make_agreement(both, 9, "Hard", kind=FIRM, revisit_on=None)
    make_agreement(both, 10, "Gearchiveerd", start_on=INSIDE, revisit_on=date(2023, 2, 1),
                   archived=True)  # fmt: skip
    make_revisit(earlier, "verlengen", at(INSIDE))
    make_revisit(earlier, "verlengen", at(INSIDE + timedelta(days=30)))
    make_revisit(started, "aanpassen", at(INSIDE))
    make_revisit(earlier, "beeindigen", at(BEFORE))
    make_revisit(earlier, "structureel", at(AFTER))
    db.session.commit()

    part = services.compose_summary(make_cycle(both))["agreements"]
    assert (part["started"]["count"], numbers(part["started"])) == (1, [1])
    assert part["started"]["items"] == [{"number": 1, "title": "Gestart binnen"}]
    assert (part["ended"]["count"], numbers(part["ended"])) == (1, [5])
    # Overdue at the end of the period: a workable, active agreement whose revisit date
    # passed before the period ended.
    assert (part["overdue"]["count"], numbers(part["overdue"])) == (1, [7])
    assert part["revisits"] == {"verlengen": 2, "aanpassen": 1}


def test_the_period_is_a_dutch_calendar_period(ctx, both):
    """Moments are stored in UTC; the period's first and last day are Dutch days."""
    table = make_table(both)
    agreement = make_agreement(both, 1, "Afspraak", start_on=BEFORE)
    # 1 January 00:30 in Amsterdam is 31 December 23:30 UTC: inside the period.
    make_revisit(agreement, "verlengen", at(date(2023, 12, 31), 23, 30))
    # 1 July 00:30 in Amsterdam (summer time) is 30 June 22:30 UTC: after the period.
    make_conversation(both, table, "Na de periode", at(date(2024, 6, 30), 22, 30))
    # 30 June 23:00 in Amsterdam is 21:00 UTC: inside.
    make_conversation(both, table, "Laatste avond", at(date(2024, 6, 30), 21, 0))
    db.session.commit()

    summary = services.compose_summary(make_cycle(both))
    assert summary["agreements"]["revisits"] == {"verlengen": 1}
    assert [c["title"] for c in summary["tables"]["conclusions"]["items"]] == ["Laatste avond"]


# --- risks --------------------------------------------------------------------------------------


def test_risks_new_raised_lowered_top_5_and_heat_map(ctx, both, elsewhere):
    category = risk_category(both)
    rising = make_risk(both, category, 1, "Stijgend", BEFORE, (3, 3))
    assess(rising, BEFORE, (2, 2))
    assess(rising, INSIDE, (3, 3))
    falling = make_risk(both, category, 2, "Dalend", BEFORE, (2, 2))
    assess(falling, BEFORE, (4, 4))
    assess(falling, INSIDE, (2, 2))
    later = make_risk(both, category, 3, "Later gestegen", BEFORE, (5, 5))
    assess(later, BEFORE, (3, 3))
    assess(later, AFTER, (5, 5))
    same = make_risk(both, category, 4, "Gelijk", BEFORE, (3, 3))
    assess(same, BEFORE, (3, 3))
    assess(same, INSIDE, (3, 3))
    new = make_risk(both, category, 5, "Nieuw", INSIDE, (4, 4))
    assess(new, INSIDE, (4, 3))
    assess(new, INSIDE + timedelta(days=10), (4, 4))
    make_risk(both, category, 6, "Gesloten", BEFORE, (5, 4), status="gesloten")
    make_risk(both, category, 7, "Gearchiveerd", BEFORE, (5, 5), archived=True)
    make_risk(both, category, 8, "Laag", BEFORE, (1, 1))
    make_risk(both, category, 9, "Na de periode", AFTER, (2, 1))
    db.session.commit()

    part = services.compose_summary(make_cycle(both))["risks"]
    # New in the period (not the other partnership's).
    assert (part["new"]["count"], numbers(part["new"])) == (1, [5])
    assert (part["raised"]["count"], numbers(part["raised"])) == (1, [1])
    assert part["raised"]["items"] == [{"number": 1, "title": "Stijgend"}]
    assert (part["lowered"]["count"], numbers(part["lowered"])) == (1, [2])
    # The top 5 by netto score: open, not archived, highest first.
    assert [(t["number"], t["score"], t["level"]) for t in part["top"]] == [
        (3, 25, "kritiek"), (5, 16, "kritiek"), (1, 9, "midden"), (4, 9, "midden"),
        (2, 4, "laag"),
    ]  # fmt: skip
    # Heat map: rows from impact 5 down to 1, columns likelihood 1 to 5.
    heat = part["heat_map"]
    assert sum(map(sum, heat)) == 7
    cell = {
        (5 - row, col + 1): n for row, line in enumerate(heat) for col, n in enumerate(line) if n
    }
    assert cell == {(5, 5): 1, (4, 4): 1, (3, 3): 2, (2, 2): 1, (1, 1): 1, (1, 2): 1}
    assert part["levels"][0][4] == "kritiek" and part["levels"][4][0] == "laag"


# --- reviews, tables and actions -----------------------------------------------------------------


def test_reviews_held_average_scores_and_lessons_by_level(ctx, both):
    ids = adopt_manifest(both)
    samen, open_, lerend = ids["Samen"], ids["Open"], ids["Lerend"]
    make_review(both, 1, INSIDE, {samen: 4, open_: 2, lerend: None}, (1, 3))
    make_review(both, 2, INSIDE + timedelta(days=40), {samen: 3, open_: 5}, (1, 2))
    make_review(both, 3, INSIDE, {samen: 1}, (3,), status="concept")
    make_review(both, 4, BEFORE, {samen: 1, lerend: 1}, (2,))
    make_review(both, 5, AFTER, {lerend: 5}, (3,))
    db.session.commit()

    part = services.compose_summary(make_cycle(both))["reviews"]
    assert part["held"] == 2
    assert part["scores"] == [
        {"title": "Samen", "average": 3.5},
        {"title": "Open", "average": 3.5},
    ]
    assert part["lessons"] == {"1": 2, "2": 1, "3": 1}


def test_table_conclusions_and_meeting_decisions_in_the_period(ctx, both):
    table = make_table(both, "Wachttijden")
    inside = make_conversation(both, table, "Conclusie binnen", at(INSIDE))
    make_conversation(both, table, "Conclusie ervoor", at(BEFORE))
    make_conversation(both, table, "Conclusie erna", at(AFTER))
    make_conversation(both, table, "Nog open", None)
    meeting = make_meeting(both, table, at(INSIDE), ("Besluit een", "Besluit twee"))
    make_meeting(both, table, at(AFTER), ("Besluit later",))
    make_meeting(both, table, at(BEFORE), ("Besluit eerder",))
    db.session.commit()

    part = services.compose_summary(make_cycle(both))["tables"]
    assert part["conclusions"] == {
        "count": 1,
        "items": [{"id": inside.id, "table_id": table.id, "title": "Conclusie binnen",
                   "table": "Wachttijden"}],
    }  # fmt: skip
    assert part["decisions"]["count"] == 2
    assert sorted(d["text"] for d in part["decisions"]["items"]) == ["Besluit een", "Besluit twee"]
    assert {(d["meeting_id"], d["table"]) for d in part["decisions"]["items"]} == {
        (meeting.id, "Wachttijden")
    }


def test_open_actions(ctx, both, elsewhere):
    make_action(both, "Later", due_on=date(2024, 9, 1))
    make_action(both, "Eerst", status="in_uitvoering", due_on=date(2024, 4, 1))
    make_action(both, "Klaar", status="gereed")
    make_action(both, "Vervallen", status="vervallen")
    db.session.commit()

    part = services.compose_summary(make_cycle(both))["actions"]
    assert part["count"] == 2
    assert [(a["title"], a["due"]) for a in part["items"]] == [
        ("Eerst", "2024-04-01"), ("Later", "2024-09-01"),
    ]  # fmt: skip
    assert {a["owner"] for a in part["items"]} == {both.users["programmamanager"].name}


def test_the_lists_are_bounded_but_the_counts_are_not(ctx, both):
    for number in range(1, 26):
        make_agreement(both, number, f"Afspraak {number}", start_on=INSIDE)
    db.session.commit()
    part = services.compose_summary(make_cycle(both))["agreements"]["started"]
    assert part["count"] == 25
    assert numbers(part) == list(range(1, services.LIST_LIMIT + 1))


# --- indicators ---------------------------------------------------------------------------------


@pytest.fixture
def indicated(ctx, both):
    """Five adopted indicators (both directions, one qualitative), one proposed and one
    retired; three cycles with measurements."""
    ind = {
        "wachttijd": adopt(both, name="Wachttijd", direction="lager", target=28),
        "uitstroom": adopt(both, name="Uitstroom", direction="hoger", target=45, unit="%"),
        "thuiszitters": adopt(both, name="Thuiszitters", direction="lager", target=10),
        "tevredenheid": adopt(both, name="Tevredenheid", direction="hoger", target=7.5),
        "samenwerking": adopt(
            both,
            name="Samenwerking",
            kind="kwalitatief",
            target=None,
            target_text="Open en gelijkwaardig",
            unit="",
        ),  # fmt: skip
    }
    proposed = propose(both, name="Nog voorgesteld")
    retired = adopt(both, name="Vervallen")
    manager = member(both, "programmamanager")
    previous = make_cycle(both, "Tweede halfjaar 2023", PREVIOUS)
    services.save_measurements(previous, manager, {
        ind["wachttijd"].id: ("35", ""), ind["uitstroom"].id: ("50", ""),
        ind["thuiszitters"].id: ("8", ""), ind["tevredenheid"].id: ("7", ""),
        retired.id: ("1", ""),
    })  # fmt: skip
    services.retire_indicator(retired, manager)
    current = make_cycle(both, "Eerste halfjaar 2024", PERIOD)
    services.save_measurements(current, manager, {
        ind["wachttijd"].id: ("30", "Daling."), ind["uitstroom"].id: ("47", ""),
        ind["thuiszitters"].id: ("9", ""), ind["tevredenheid"].id: ("7", ""),
        ind["samenwerking"].id: ("Vertrouwen groeit.", ""),
    })  # fmt: skip
    following = make_cycle(both, "Tweede halfjaar 2024", NEXT)
    services.save_measurements(following, manager, {ind["wachttijd"].id: ("20", "")})
    return both, ind, proposed, previous, current, following


def test_indicators_against_target_and_the_previous_cycle(indicated):
    world, ind, proposed, previous, current, following = indicated
    rows = {i["name"]: i for i in services.compose_summary(reload(Cycle, current.id))["indicators"]}

    # Only the adopted indicators.
    assert set(rows) == {"Wachttijd", "Uitstroom", "Thuiszitters", "Tevredenheid", "Samenwerking"}

    def figures(name):
        row = rows[name]
        return row["value"], row["target"], row["previous"], row["judgement"], row["trend"]

    # Lower is better: 30 is above the target 28 (bad) but below the previous 35 (better).
    assert figures("Wachttijd") == (30.0, 28.0, 35.0, "bad", "better")
    assert rows["Wachttijd"]["explanation"] == "Daling."
    # Higher is better: 47 reaches the target 45 (good) but is below the previous 50 (worse).
    assert figures("Uitstroom") == (47.0, 45.0, 50.0, "good", "worse")
    # Lower is better: 9 is within the target 10 (good) but above the previous 8 (worse).
    assert figures("Thuiszitters") == (9.0, 10.0, 8.0, "good", "worse")
    # Higher is better: 7 is below the target 7.5 (bad) and the same as before.
    assert figures("Tevredenheid") == (7.0, 7.5, 7.0, "bad", "same")
    # Qualitative: a text, no judgement.
    row = rows["Samenwerking"]
    assert (row["value"], row["value_text"], row["target_text"], row["judgement"], row["trend"]) == (
        None, "Vertrouwen groeit.", "Open en gelijkwaardig", None, None,
    )  # fmt: skip
    # The history for the chart: cycles up to this one (not the later one).
    assert rows["Wachttijd"]["history"] == [
        {"cycle": 1, "value": 35.0},
        {"cycle": 2, "value": 30.0},
    ]
    assert rows["Samenwerking"]["history"] == []

    # The first cycle has nothing to compare with.
    first = {
        i["name"]: i for i in services.compose_summary(reload(Cycle, previous.id))["indicators"]
    }
    assert (first["Wachttijd"]["previous"], first["Wachttijd"]["trend"]) == (None, None)
    assert (first["Samenwerking"]["value"], first["Samenwerking"]["value_text"]) == (None, "")
    # The later cycle compares with this one.
    last = {
        i["name"]: i for i in services.compose_summary(reload(Cycle, following.id))["indicators"]
    }
    assert (last["Wachttijd"]["value"], last["Wachttijd"]["previous"]) == (20.0, 30.0)
    assert (last["Wachttijd"]["judgement"], last["Wachttijd"]["trend"]) == ("good", "better")
    assert (last["Uitstroom"]["value"], last["Uitstroom"]["judgement"]) == (None, None)


@pytest.mark.parametrize(
    ("direction", "value", "target", "judgement"),
    [
        ("lager", 27, 28, "good"),
        ("lager", 28, 28, "good"),
        ("lager", 29, 28, "bad"),
        ("hoger", 44, 45, "bad"),
        ("hoger", 45, 45, "good"),
        ("hoger", 46, 45, "good"),
        ("hoger", None, 45, None),
        ("lager", 3, None, None),
    ],
)
def test_judging_against_the_target_follows_the_direction(direction, value, target, judgement):
    assert services.judge({"direction": direction, "target": target}, value) == judgement


@pytest.mark.parametrize(
    ("direction", "value", "previous", "trend"),
    [
        ("lager", 30, 35, "better"),
        ("lager", 36, 35, "worse"),
        ("hoger", 50, 47, "better"),
        ("hoger", 40, 47, "worse"),
        ("hoger", 47, 47, "same"),
        ("lager", 30, None, None),
        ("lager", None, 30, None),
    ],
)
def test_comparing_with_the_previous_cycle_follows_the_direction(direction, value, previous, trend):
    assert services.trend({"direction": direction}, value, previous) == trend


def test_the_summary_before_submitting_carries_the_duiding_and_proposals(ctx, both):
    cycle = make_cycle(both)
    services.save_interpretation(cycle, member(both, "programmamanager"), "Duiding.", "Dilemma.",
                                 "Eerste.\nTweede.")  # fmt: skip
    summary = services.summary_for(reload(Cycle, cycle.id))
    assert (summary["interpretation"], summary["dilemmas"]) == ("Duiding.", "Dilemma.")
    assert [(p["position"], p["text"]) for p in summary["proposals"]] == [
        (1, "Eerste."), (2, "Tweede."),
    ]  # fmt: skip
    assert set(summary) >= {"agreements", "risks", "reviews", "tables", "indicators", "actions"}
