"""The risk list (filters, sort, pages, htmx, CSV and XLSX) and the heat maps."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.risks import services
from tests.conftest import message, post
from tests.risks.helpers import (
    bulk_risks,
    html,
    listed,
    logged_in,
    make,
    make_in,
    make_inventory,
    text_of,
    url,
)

LEVEL_LABELS = {"laag": "low", "midden": "medium", "hoog": "high", "kritiek": "critical"}


@pytest.fixture
def inventory(app, make_partnership):
    """The five risks of make_inventory(); returns (world, id of category Reputatie)."""
    world = make_partnership("een")
    with app.test_request_context():
        reputatie = make_inventory(world)
        db.session.remove()
    return world, reputatie


# --- the list ----------------------------------------------------------------------------


def test_the_list_shows_open_risks_highest_netto_score_first(app, inventory):
    world, _ = inventory
    client = logged_in(app, world.users["lezer"].email)

    page = html(client.get(url(world, "/")))

    assert listed(page) == [1, 4, 2, 5, 3]
    assert listed(html(client.get(url(world, "/?sort=bruto")))) == [1, 4, 2, 3, 5]
    assert listed(html(client.get(url(world, "/?sort=title")))) == [3, 5, 4, 1, 2]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=kritiek", [1]),
        ("level=hoog", [4]),
        ("level=midden", [2]),
        ("level=laag", [5, 3]),
        ("level=hoog&basis=bruto", [2]),
        ("status=beheerst", [3]),
        ("status=gesloten", [5]),
        ("bearer=gedeeld", [3]),
        ("overdue=1", [4]),
        ("q=wacht", [2, 3]),
        ("q=WACHT&level=laag", [3]),
        ("basis=bruto&likelihood=3&impact=4", [2]),
        ("likelihood=3&impact=4", [4]),
        ("category=999999999999999999999", [1, 4, 2, 5, 3]),
        ("owner=%C2%B2&bearer=%C2%B3&category=%C2%B9", [1, 4, 2, 5, 3]),
    ],
)
def test_the_list_filters(app, inventory, query, expected):
    world, _ = inventory
    client = logged_in(app, world.users["lezer"].email)

    response = client.get(url(world, f"/?{query}"))

    assert response.status_code == 200
    assert listed(html(response)) == expected


def test_the_list_filters_by_category_bearer_and_owner(app, inventory):
    world, reputatie = inventory
    client = logged_in(app, world.users["lezer"].email)

    def shown(query):
        return listed(html(client.get(url(world, f"/?{query}"))))

    assert shown(f"category={reputatie}") == [3]
    assert shown(f"bearer={world.provider.id}") == [1, 2, 5]
    assert shown(f"bearer={world.municipality.id}") == [1, 4, 5]
    assert shown(f"owner={world.users['teamlid'].id}") == [2]


def test_the_filter_form_keeps_the_chosen_values(app, inventory):
    world, reputatie = inventory
    client = logged_in(app, world.users["lezer"].email)

    page = html(client.get(url(world, f"/?category={reputatie}&level=laag&overdue=1&q=wacht")))

    assert re.search(rf'<option value="{reputatie}" selected>', page)
    assert '<option value="laag" selected>' in page
    assert re.search(r'id="filter-overdue"[^>]*checked', page)
    assert 'value="wacht"' in page


def test_an_htmx_request_gets_only_the_list(app, inventory):
    world, _ = inventory
    client = logged_in(app, world.users["lezer"].email)

    partial = client.get(url(world, "/?level=laag"), headers={"HX-Request": "true"})
    full = client.get(url(world, "/?level=laag"))

    assert "<html" not in html(partial) and 'class="ss-filter"' not in html(partial)
    assert "<table" in html(partial)
    assert listed(html(partial)) == [5, 3]
    assert "<html" in html(full) and 'class="ss-filter"' in html(full)
    assert listed(html(full)) == [5, 3]


def test_the_list_pages_and_the_page_links_keep_the_filter(app, make_partnership):
    world = make_partnership("groot")
    bulk_risks(app, world, 60)
    client = logged_in(app, world.users["lezer"].email)
    size = app.config["SAMENSPEL_PAGE_SIZE"]

    pages = [listed(html(client.get(url(world, f"/?page={n}")))) for n in (1, 2, 3, 4)]
    filtered = html(client.get(url(world, "/?q=risico&bearer=gedeeld")))

    assert [len(p) for p in pages] == [size, size, 60 - 2 * size, 0]
    everything = pages[0] + pages[1] + pages[2]
    assert sorted(everything) == list(range(1, 61))
    with app.app_context():
        scores = {
            r.number: (r.residual_score, r.inherent_score)
            for r in db.session.execute(
                services.risks_query(world.partnership.id, services.Filters())
            ).scalars()
        }
    assert [scores[n] for n in everything] == sorted((scores[n] for n in everything), reverse=True)
    assert len(listed(filtered)) == 15
    links = {unescape(h) for h in re.findall(r'href="([^"]*page=\d+[^"]*)"', filtered)}
    assert links == set()  # 15 shared risks fit on one page
    more = html(client.get(url(world, "/?q=risico")))
    links = {unescape(h) for h in re.findall(r'href="([^"]*page=2[^"]*)"', more)}
    assert links and all("q=risico" in link for link in links)


def test_archived_risks_are_hidden_unless_asked_for(app, inventory):
    world, _ = inventory
    with app.test_request_context():
        services.set_archived(services.get_risk(world.partnership.id, 2), True, None)
        db.session.remove()
    client = logged_in(app, world.users["lezer"].email)

    assert 2 not in listed(html(client.get(url(world, "/"))))
    assert listed(html(client.get(url(world, "/?archived=1")))) == [2]


# --- exports -------------------------------------------------------------------------------


def test_the_csv_export_holds_the_filtered_list(app, inventory):
    world, _ = inventory
    client = logged_in(app, world.users["lezer"].email)

    response = client.get(url(world, "/export.csv?level=laag"))

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0][0] == message(app, "Reference")
    assert rows[0][1] == message(app, "Title")
    assert message(app, "Score netto") in rows[0]
    assert [r[0] for r in rows[1:]] == ["R-5", "R-3"]
    shared = rows[2]
    assert shared[1] == "Informatiepositie"
    assert shared[rows[0].index(message(app, "Score netto"))] == "2"
    assert shared[rows[0].index(message(app, "Level netto"))] == message(app, "low")
    assert message(app, "gedeeld") in shared[rows[0].index(message(app, "Bearer"))]


def test_the_xlsx_export_holds_the_filtered_list(app, inventory):
    world, _ = inventory
    client = logged_in(app, world.users["lezer"].email)

    response = client.get(url(world, "/export.xlsx?bearer=" + str(world.municipality.id)))

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == message(app, "Reference")
    assert [r[0] for r in rows[1:]] == ["R-1", "R-4", "R-5"]
    header = list(rows[0])
    first = rows[1]
    assert first[header.index(message(app, "Score bruto"))] == 25
    assert first[header.index(message(app, "Score netto"))] == 16


def test_an_export_without_risks_has_only_the_header(app, world):
    client = logged_in(app, world.users["lezer"].email)

    rows = list(csv.reader(io.StringIO(client.get(url(world, "/export.csv")).get_data(as_text=True)[1:]), delimiter=";"))  # fmt: skip

    assert len(rows) == 1


# --- heat map ------------------------------------------------------------------------------


def heat_maps(page: str) -> list[dict]:
    """Each heat map table: caption, headers and {(likelihood, impact): cell}."""
    maps = []
    for table in re.findall(r"<table\b.*?</table>", page, re.S):
        cells = {}
        body = table[table.index("<tbody") :]
        rows = re.findall(r"<tr\b.*?</tr>", body, re.S)
        for row in rows:
            impact = int(re.search(r'<th[^>]*scope="row"[^>]*>\D*(\d)', row).group(1))
            for likelihood, cell in enumerate(re.findall(r"<td\b.*?</td>", row, re.S), start=1):
                link = re.search(r'href="([^"]+)"', cell)
                cells[(likelihood, impact)] = {
                    "count": int(re.search(r'ss-heatmap__count"[^>]*>(\d+)', cell).group(1)),
                    "level": text_of(re.search(r'ss-heatmap__level">(.*?)</span>', cell, re.S).group(1)),
                    "href": unescape(link.group(1)) if link else None,
                }  # fmt: skip
        maps.append(
            {
                "caption": text_of(re.search(r"<caption[^>]*>(.*?)</caption>", table, re.S).group(1)),
                "cols": re.findall(r'<th[^>]*scope="col"', table),
                "rows": re.findall(r'<th[^>]*scope="row"', table),
                "cells": cells,
            }
        )  # fmt: skip
    return maps


@pytest.fixture
def heat(app, world):
    """Open risks at known cells, a closed one and an archived one at (4, 5) bruto."""
    with app.test_request_context():
        for netto, status in (((3, 3), "open"), ((2, 3), "beheerst"), ((3, 3), "gesloten")):
            make(world, residual_likelihood=netto[0], residual_impact=netto[1], status=status)
        make(world, inherent_likelihood=2, inherent_impact=2, residual_likelihood=1,
             residual_impact=1)  # fmt: skip
        archived = make(world)
        services.set_archived(archived, True, None)
        db.session.remove()
    return world


def test_the_heat_maps_are_two_accessible_5_by_5_tables_with_counts(app, heat):
    client = logged_in(app, heat.users["lezer"].email)

    page = html(client.get(url(heat, "/heatmap")))

    bruto, netto = heat_maps(page)
    assert bruto["caption"] == text_of(message(app, "Before measures (bruto)"))
    assert netto["caption"] == text_of(message(app, "After measures (netto)"))
    for table in (bruto, netto):
        assert len(table["cols"]) == 5 and len(table["rows"]) == 5
        assert len(table["cells"]) == 25
        for (likelihood, impact), cell in table["cells"].items():
            level = services.level(likelihood * impact, (5, 10, 16))
            assert cell["level"] == text_of(message(app, LEVEL_LABELS[level]))
            assert (cell["href"] is None) == (cell["count"] == 0)
    assert {k: c["count"] for k, c in bruto["cells"].items() if c["count"]} == {(4, 5): 2, (2, 2): 1}  # fmt: skip
    assert {k: c["count"] for k, c in netto["cells"].items() if c["count"]} == {
        (3, 3): 1,
        (2, 3): 1,
        (1, 1): 1,
    }


def test_each_heat_map_cell_links_to_exactly_its_risks(app, heat):
    client = logged_in(app, heat.users["lezer"].email)
    maps = heat_maps(html(client.get(url(heat, "/heatmap"))))

    for basis, table in zip(("bruto", "netto"), maps, strict=True):
        for (likelihood, impact), cell in table["cells"].items():
            if not cell["href"]:
                continue
            assert f"basis={basis}" in cell["href"]
            assert f"likelihood={likelihood}" in cell["href"]
            assert f"impact={impact}" in cell["href"]
            shown = listed(html(client.get(cell["href"])))
            assert len(shown) == cell["count"], (basis, likelihood, impact, shown)
            with app.app_context():
                for number in shown:
                    risk = services.get_risk(heat.partnership.id, number)
                    figures = (
                        (risk.inherent_likelihood, risk.inherent_impact)
                        if basis == "bruto"
                        else (risk.residual_likelihood, risk.residual_impact)
                    )
                    assert figures == (likelihood, impact)
                    assert risk.status != "gesloten" and risk.archived_at is None
                db.session.remove()


def test_the_heat_map_colours_follow_the_thresholds(app, heat):
    client = logged_in(app, heat.users["beheerder"].email)
    post(client, url(heat, "/settings"), {"form": "thresholds", "t-medium_from": "2",
                                          "t-high_from": "3", "t-critical_from": "4"})  # fmt: skip

    bruto, _ = heat_maps(html(client.get(url(heat, "/heatmap"))))

    assert bruto["cells"][(1, 1)]["level"] == text_of(message(app, "low"))
    assert bruto["cells"][(2, 1)]["level"] == text_of(message(app, "medium"))
    assert bruto["cells"][(3, 1)]["level"] == text_of(message(app, "high"))
    assert bruto["cells"][(2, 2)]["level"] == text_of(message(app, "critical"))


def test_the_kept_heat_maps_follow_the_thresholds_and_the_language(app, heat):
    """The heat maps' HTML is kept per partnership and language (app/kept.py): a change of
    the thresholds shows at once, and each language gets its own."""
    from tests.conftest import set_language

    client = logged_in(app, heat.users["beheerder"].email)
    before, _ = heat_maps(html(client.get(url(heat, "/heatmap"))))
    post(client, url(heat, "/settings"), {"form": "thresholds", "t-medium_from": "2",
                                          "t-high_from": "3", "t-critical_from": "4"})  # fmt: skip
    after, _ = heat_maps(html(client.get(url(heat, "/heatmap"))))
    set_language(client, "en")
    english, _ = heat_maps(html(client.get(url(heat, "/heatmap"))))

    assert before["cells"][(2, 2)]["level"] != after["cells"][(2, 2)]["level"]
    assert after["cells"][(2, 2)]["level"] == text_of(message(app, "critical"))
    assert english["cells"][(2, 2)]["level"] == "critical"
    assert english["cells"][(1, 1)]["level"] == "low"


def test_a_risk_made_through_the_form_appears_in_its_cell(app, world):
    make_in(app, world, inherent_likelihood=5, inherent_impact=1, residual_likelihood=1,
            residual_impact=1)  # fmt: skip
    client = logged_in(app, world.users["lezer"].email)

    bruto, netto = heat_maps(html(client.get(url(world, "/heatmap"))))

    assert bruto["cells"][(5, 1)]["count"] == 1
    assert netto["cells"][(1, 1)]["count"] == 1
    assert listed(html(client.get(bruto["cells"][(5, 1)]["href"]))) == [1]
