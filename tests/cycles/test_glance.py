"""The indicators in the dashboard's "at a glance" row: a sparkline per adopted indicator of
the recent cycles with its target, an arrow and words saying where it is heading, the same
figures as text, each a link to the cycle page's chart; two statements whatever the data."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import insert, select

from app.cycles.dashboard import GLANCE_INDICATORS, indicators_glance, movement, sparkline
from app.cycles.models import Cycle, Indicator, Measurement
from app.extensions import db
from app.partnerships.models import Membership, Partnership
from tests.conftest import sign_in
from tests.cycles.helpers import adopt, in_context, make_cycle, propose, url
from tests.partnerships.test_dashboard_glance import glance_of
from tests.risks.test_queries import statements_for


def sparklines(page: str) -> list[dict]:
    """Each indicator of the glance: link, name, visible figures and the text for screen
    readers, in the order shown."""
    glance = glance_of(page)
    start = glance.index('class="ss-spark__list"')
    items = []
    for item in re.findall(r'<li class="ss-spark">(.*?)</li>', glance[start:], flags=re.S):
        link, name = re.search(
            r'class="utrecht-link ss-spark__name" href="([^"]+)">([^<]+)<', item
        ).groups()
        figures = re.search(
            r'class="ss-spark__figures[^"]*">(.*?)</span>\s*(?:<span class="ss-visually-hidden">|$)',
            item,
            flags=re.S,
        )
        hidden = re.search(r'<span class="ss-visually-hidden">([^<]*)</span>', item)
        items.append({
            "url": unescape(link), "name": unescape(name), "svg": "<svg" in item,
            "figures": " ".join(re.sub(r"<[^>]+>", " ", figures.group(1)).split()) if figures else "",
            "text": unescape(hidden.group(1)) if hidden else "",
        })  # fmt: skip
    return items


def measured(text: str, dutch: bool = True) -> list[tuple[int, float]]:
    """(cycle, value) pairs of a text such as "C-1 1.290, C-2 7,5" (Dutch, as the glance
    writes them) or "C-1 1290, C-2 7.5" (as the cycle page's chart caption does)."""

    def value(v: str) -> float:
        return float(v.replace(".", "").replace(",", ".") if dutch else v)

    return [(int(c), value(v)) for c, v in re.findall(r"C-(\d+) ([\d.,]*\d)", text)]


@pytest.mark.parametrize("email", ["programmamanager@eemland.test", "lezer@eemland.test"])
def test_the_demo_shows_its_indicators_against_their_targets(client, demo_database, email):
    sign_in(client, email)
    page = client.get("/p/eemland-bsa/").get_data(as_text=True)
    items = sparklines(page)

    # The first six adopted quantitative indicators, in the order they were proposed; the
    # seventh (and the qualitative one) behind the link to all of them.
    assert [i["name"] for i in items] == [
        "Wachttijd tot start hulp", "Doorlooptijd trajecten",
        "Jeugdigen in specialistische jeugdhulp", "Uitstroom naar lichtere zorg",
        "Thuiszitters langer dan 3 maanden", "Cliënttevredenheid",
    ]  # fmt: skip
    assert len(items) == GLANCE_INDICATORS
    assert "Alle 7 indicatoren</a>" in glance_of(page)
    assert all(i["svg"] for i in items)
    by_name = {i["name"]: i for i in items}
    assert (
        by_name["Wachttijd tot start hulp"]["figures"]
        == "31 dagen ↓ richting streefwaarde (streefwaarde ≤ 28)"
    )
    assert (
        by_name["Doorlooptijd trajecten"]["figures"]
        == "10,8 maanden ↑ van streefwaarde af (streefwaarde ≤ 9)"
    )
    assert (
        by_name["Cliënttevredenheid"]["figures"]
        == "7,6 cijfer ↑ streefwaarde gehaald (streefwaarde ≥ 7,5)"
    )
    assert (
        by_name["Uitstroom naar lichtere zorg"]["figures"]
        == "43 % ↑ richting streefwaarde (streefwaarde ≥ 45)"
    )
    assert by_name["Wachttijd tot start hulp"]["text"] == (
        "Gemeten: C-1 41, C-2 36, C-3 31 dagen; streefwaarde 28 of lager; dalend."
    )
    assert by_name["Cliënttevredenheid"]["text"].endswith("streefwaarde 7,5 of hoger; stijgend.")

    # Each links to its chart on the page of the cycle of its latest value, which shows the
    # same values.
    for item in items:
        path, anchor = item["url"].split("#")
        assert re.fullmatch(r"/p/eemland-bsa/cycles/\d+", path) and anchor.startswith("indicator-")
        cycle_page = client.get(path).get_data(as_text=True)
        figure = cycle_page[cycle_page.index(f'id="{anchor}"') :]
        caption = figure[figure.index("<figcaption") : figure.index("</figcaption>")]
        assert measured(caption, dutch=False) == measured(item["text"]), item["name"]
        assert len(measured(item["text"])) == 3


def test_an_indicator_last_measured_in_an_earlier_cycle_shows_that_value(
    app, client, demo_database
):
    # Budgetuitputting is not yet measured in the running cycle: its value is the one before.
    with app.app_context():
        budget = db.session.execute(
            select(Indicator).where(Indicator.name == "Budgetuitputting")
        ).scalar_one()
        pid = budget.partnership_id
        # Retire the oldest indicator so that Budgetuitputting is among the six shown.
        first = db.session.execute(
            select(Indicator).where(Indicator.partnership_id == pid).order_by(Indicator.id)
        ).scalars().first()  # fmt: skip
        first.status = "vervallen"
        db.session.commit()
        budget_id = budget.id
    sign_in(client, "lezer@eemland.test")
    page = client.get("/p/eemland-bsa/").get_data(as_text=True)
    items = {i["name"]: i for i in sparklines(page)}
    assert "Wachttijd tot start hulp" not in items
    assert (
        items["Budgetuitputting"]["figures"] == "103 % ↓ richting streefwaarde (streefwaarde ≤ 100)"
    )
    assert measured(items["Budgetuitputting"]["text"]) == [(1, 108), (2, 103)]
    assert items["Budgetuitputting"]["url"].endswith(f"/cycles/2#indicator-{budget_id}")
    assert "Alle 7 indicatoren" not in glance_of(page)


def test_only_adopted_quantitative_indicators_and_a_first_or_missing_measurement(both, app, client):
    def build():
        measured_one = adopt(both, name="Wachttijd", target=28)
        adopt(both, name="Nog niet gemeten", target=None, direction="hoger")
        adopt(
            both, name="Samenwerking", kind="kwalitatief", target=None, target_text="Open", unit=""
        )
        propose(both, name="Alleen voorgesteld")
        cycle = make_cycle(both)
        db.session.add(
            Measurement(cycle_id=cycle.id, indicator_id=measured_one.id, value_number=30)
        )
        db.session.commit()
        return cycle.number

    number = in_context(app, build)
    sign_in(client, both.users["teamlid"])
    page = client.get(url(both, "/")).get_data(as_text=True)
    items = sparklines(page)
    assert [i["name"] for i in items] == ["Wachttijd", "Nog niet gemeten"]
    first, never = items
    assert first["figures"] == "30 dagen eerste meting (streefwaarde ≤ 28)"
    assert first["text"] == "Gemeten: C-1 30 dagen; streefwaarde 28 of lager."
    assert first["url"].endswith(f"/cycles/{number}#indicator-" + first["url"].split("-")[-1])
    assert never["figures"] == "Nog niet gemeten" and not never["svg"]
    assert never["url"] == url(both, "/indicators/")


def test_an_empty_partnership_says_there_are_no_indicators(world, client):
    sign_in(client, world.users["lezer"])
    glance = glance_of(client.get(f"/p/{world.slug}/").get_data(as_text=True))
    assert "Indicatoren ten opzichte van streefwaarde</a>" in glance
    assert "Nog geen vastgestelde indicatoren." in glance


@pytest.mark.parametrize(
    ("direction", "target", "last", "previous", "expected"),
    [
        ("lager", 28, 31, 36, "toward"),
        ("lager", 28, 36, 31, "away"),
        ("lager", 28, 31, 31, "same"),
        ("lager", 28, 28, 31, "reached"),
        ("hoger", 45, 43, 39, "toward"),
        ("hoger", 45, 39, 43, "away"),
        ("hoger", 7.5, 7.55, 7.6, "reached"),
        ("hoger", None, 5, 4, "better"),
        ("lager", None, 5, 4, "worse"),
        ("hoger", None, 5, 5, "same"),
        ("hoger", 45, 43, None, "first"),
    ],
)
def test_movement_against_the_target(direction, target, last, previous, expected):
    assert movement(direction, target, last, previous) == expected


def test_the_sparkline_puts_higher_values_higher_and_fits_the_target():
    line = sparkline([41, 36, None, 31], 28)
    points = [tuple(map(float, p.split(","))) for p in line["points"].split()]
    assert len(points) == 3  # the unmeasured cycle is left out, its place kept
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    assert points[0][1] < points[1][1] < points[2][1] < line["target_y"]
    assert (
        line["pad"] <= min(y for _, y in points)
        and line["target_y"] <= line["height"] - line["pad"]
    )
    assert line["last"] == points[-1]
    flat = sparkline([5, 5], None)
    assert flat["target_y"] is None and {
        y for _, y in (tuple(map(float, p.split(","))) for p in flat["points"].split())
    } == {flat["height"] / 2}


def many(app, world, indicators: int, cycles: int) -> None:
    """`indicators` adopted indicators measured in each of `cycles` cycles."""
    if not indicators:
        return
    with app.app_context():
        pid = world.partnership.id
        db.session.execute(insert(Indicator), [
            {"partnership_id": pid, "name": f"Indicator {n:02}", "unit": "%", "direction": "hoger",
             "kind": "kwantitatief", "target": 50, "status": "vastgesteld", "version": 1}
            for n in range(indicators)
        ])  # fmt: skip
        db.session.execute(insert(Cycle), [
            {"partnership_id": pid, "number": n + 1, "title": f"Cyclus {n + 1}",
             "period_from": date(2015 + n, 1, 1), "period_to": date(2015 + n, 6, 30),
             "phase": "afgerond", "version": 1}
            for n in range(cycles)
        ])  # fmt: skip
        ids = (
            db.session.execute(select(Indicator.id).where(Indicator.partnership_id == pid))
            .scalars()
            .all()
        )
        cycle_ids = (
            db.session.execute(select(Cycle.id).where(Cycle.partnership_id == pid)).scalars().all()
        )
        db.session.execute(insert(Measurement), [
            {"cycle_id": c, "indicator_id": i, "value_number": 40 + (c * i) % 17, "explanation": "", "value_text": ""}
            for c in cycle_ids for i in ids
        ])  # fmt: skip
        db.session.commit()


def glance_statements(app, world, count_queries) -> int:
    """The statements indicators_glance() itself runs for the world's lezer."""

    def run():
        partnership = db.session.get(Partnership, world.partnership.id)
        membership = db.session.get(Membership, world.memberships["lezer"].id)
        with count_queries() as statements:
            indicators_glance(partnership, membership)
        return len(statements)

    return in_context(app, run)


def test_the_glance_costs_two_statements_whatever_the_data(app, make_partnership, count_queries):
    pages, own = [], []
    for slug, indicators, cycles in (("leeg", 0, 0), ("klein", 2, 2), ("groot", 15, 12)):
        world = make_partnership(slug)
        many(app, world, indicators, cycles)
        client = sign_in(app.test_client(), world.users["lezer"])
        pages.append(statements_for(count_queries, client, f"/p/{slug}/"))
        own.append(glance_statements(app, world, count_queries))
        if indicators:
            items = sparklines(client.get(f"/p/{slug}/").get_data(as_text=True))
            assert len(items) == min(indicators, GLANCE_INDICATORS)
            assert all(len(measured(i["text"])) == min(cycles, 6) for i in items)
    # no indicators: one statement; with them one more, however many there are; the whole
    # dashboard the same with 2 indicators in 2 cycles as with 15 in 12
    assert own == [1, 2, 2], own
    assert pages[1] == pages[2], pages
