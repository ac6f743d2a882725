"""The list of agreements: filters, sorting, pages, htmx, CSV and XLSX export, the dashboard."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook

from app.agreements import services
from app.agreements.models import END, FIRM
from app.extensions import db
from tests.agreements.helpers import (
    days,
    html,
    listed,
    logged_in,
    main_of,
    make,
    make_in,
    principles,
    selected,
    url,
)
from tests.conftest import message


@dataclass
class Catalogue:
    """Seven agreements of one partnership, numbered 1-7 in the order below."""

    principles: dict[str, int]


TITLES = {
    1: "Sturingsinformatie delen",  # werkbaar, active, revisit 10 days ago (herzien nodig)
    2: "Voorrang voor thuiszitters",  # werkbaar, active, revisit in 10 days
    3: "Tariefbandbreedte",  # hard, active, no revisit date
    4: "Concept jeugdhulp op school",  # werkbaar, concept, revisit in 100 days
    5: "Pilot wijkteams",  # ended
    6: "Gezamenlijke monitor",  # werkbaar, active, revisit in 60 days
    7: "Archief afspraak",  # archived
}


@pytest.fixture
def catalogue(app, world) -> Catalogue:
    with app.test_request_context():
        ids = principles(world)
        mun, prov = world.municipality.id, world.provider.id
        pm, beheerder = world.users["programmamanager"].id, world.users["beheerder"].id
        make(world, active=True, title=TITLES[1], start_on=days(-200), revisit_on=days(-10),
             parties=[mun], owner_id=pm, principles=[ids["Open"]])  # fmt: skip
        make(world, active=True, title=TITLES[2], revisit_on=days(10), parties=[prov], owner_id=beheerder)  # fmt: skip
        make(world, active=True, title=TITLES[3], kind=FIRM, revisit_on=None, parties=[mun, prov],
             owner_id=beheerder, principles=[ids["Samen"], ids["Open"]])  # fmt: skip
        make(world, title=TITLES[4], revisit_on=days(100), parties=[prov], owner_id=world.users["teamlid"].id)  # fmt: skip
        ended = make(world, active=True, title=TITLES[5], start_on=days(-200), revisit_on=days(-5), parties=[mun])  # fmt: skip
        services.revisit(ended, END, "Afgerond.", pm)
        make(world, active=True, title=TITLES[6], revisit_on=days(60), parties=[mun, prov])
        archived = make(world, title=TITLES[7], parties=[mun])
        services.set_archived(archived, True, pm)
        db.session.remove()
    return Catalogue(ids)


def numbers(client, world, query: str = "", **headers) -> list[int]:
    response = client.get(url(world, f"/?{query}"), headers=headers)
    assert response.status_code == 200
    return listed(html(response))


FILTERS = [
    ("", [1, 5, 2, 6, 4, 3]),
    ("status=concept", [4]),
    ("status=actief", [2, 6, 3]),
    ("status=herzien_nodig", [1]),
    ("status=beeindigd", [5]),
    ("kind=hard", [3]),
    ("kind=werkbaar", [1, 5, 2, 6, 4]),
    ("due=30", [1, 2]),
    ("due=overdue", [1]),
    ("q=THUIS", [2]),
    ("q=monitor", [6]),
    ("archived=1", [7]),
    ("status=actief&kind=werkbaar", [2, 6]),
    ("status=onzin&kind=zacht&due=7&party=abc", [1, 5, 2, 6, 4, 3]),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[q or "none" for q, _ in FILTERS])
def test_filters(world, catalogue, login_as, query, expected):
    client = login_as(world, "lezer")

    assert numbers(client, world, query) == expected
    assert numbers(client, world, query, **{"HX-Request": "true"}) == expected


def test_filter_by_party_principle_and_owner(world, catalogue, login_as):
    client = login_as(world, "lezer")
    ids = catalogue.principles

    assert numbers(client, world, f"party={world.provider.id}") == [2, 6, 4, 3]
    assert numbers(client, world, f"party={world.municipality.id}") == [1, 5, 6, 3]
    assert numbers(client, world, f"principle={ids['Open']}") == [1, 3]
    assert numbers(client, world, f"principle={ids['Samen']}") == [3]
    assert numbers(client, world, f"principle={ids['Lerend']}") == []
    assert numbers(client, world, f"owner={world.users['beheerder'].id}") == [2, 3]
    assert numbers(client, world, f"owner={world.users['teamlid'].id}&status=concept") == [4]
    assert numbers(client, world, f"owner={world.users['lezer'].id}") == []


def test_an_empty_result_says_so(app, world, catalogue, login_as):
    client = login_as(world, "lezer")

    page = main_of(client.get(url(world, "/?q=bestaatniet")))

    assert message(app, "No agreements match this filter.") in page


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("revisit", [1, 5, 2, 6, 4, 3]), ("number", [1, 2, 3, 4, 5, 6]),
     ("title", [4, 6, 5, 1, 3, 2]), ("start", [2, 3, 4, 6, 1, 5]), ("onzin", [1, 5, 2, 6, 4, 3])],
)  # fmt: skip
def test_sort(world, catalogue, login_as, sort, expected):
    client = login_as(world, "lezer")

    assert numbers(client, world, f"sort={sort}") == expected


def test_sort_by_last_changed(app, world, catalogue, login_as):
    from tests.agreements.helpers import in_context

    def touch():
        agreement = services.get_agreement(world.partnership.id, 4)
        services.update_agreement(
            agreement,
            {
                "title": agreement.title, "summary": "Nieuw geformuleerd.", "explanation": "",
                "kind": agreement.kind, "start_on": agreement.start_on,
                "revisit_on": agreement.revisit_on, "end_on": None, "parties": [world.provider.id],
                "owner_id": agreement.owner_id, "origin": "",
            },
            "Herschreven.", world.users["beheerder"].id,
        )  # fmt: skip

    in_context(app, touch)
    client = login_as(world, "lezer")

    assert numbers(client, world, "sort=updated")[0] == 4


def test_pages_keep_the_filter(app, world, catalogue, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "SAMENSPEL_PAGE_SIZE", 2)
    client = login_as(world, "lezer")

    pages = [numbers(client, world, f"kind=werkbaar&page={n}") for n in (1, 2, 3, 4)]

    assert pages == [[1, 5], [2, 6], [4], []]
    page = html(client.get(url(world, "/?kind=werkbaar")))
    assert "page=2" in page
    link = next(part for part in page.split('href="')[1:] if part.startswith(url(world, "/?")) and "page=2" in part)  # fmt: skip
    assert "kind=werkbaar" in link.split('"')[0]
    assert numbers(client, world, "kind=werkbaar&page=abc") == [1, 5]


def test_htmx_gets_the_partial_and_a_browser_the_full_page(world, catalogue, login_as):
    client = login_as(world, "lezer")

    partial = html(client.get(url(world, "/?kind=hard"), headers={"HX-Request": "true"}))
    full = html(client.get(url(world, "/?kind=hard")))

    assert "<html" not in partial and "<table" in partial
    assert "<html" in full and "<table" in full
    assert 'id="agreements-results"' in full and 'id="agreements-results"' not in partial
    assert listed(partial) == listed(full) == [3]


def test_the_filter_is_in_the_url_of_the_page(world, catalogue, login_as):
    client = login_as(world, "lezer")
    query = f"status=actief&kind=werkbaar&due=30&party={world.provider.id}&owner={world.users['beheerder'].id}&sort=title"  # fmt: skip

    page = html(client.get(url(world, f"/?{query}&q=voorrang")))

    assert 'method="get"' in page and 'data-hx-push-url="true"' in page
    assert selected(page, "status") == {"actief"}
    assert selected(page, "kind") == {"werkbaar"}
    assert selected(page, "due") == {"30"}
    assert selected(page, "party") == {str(world.provider.id)}
    assert selected(page, "owner") == {str(world.users["beheerder"].id)}
    assert selected(page, "sort") == {"title"}
    assert 'value="voorrang"' in page
    assert listed(page) == [2]
    export = page[page.index("export.csv?") : page.index('"', page.index("export.csv?"))]
    for part in ("status=actief", "kind=werkbaar", "due=30", "q=voorrang", "sort=title"):
        assert part in export


def test_a_member_sees_only_their_own_partnerships_agreements(app, make_partnership, login_as):
    world, other = make_partnership("eigen"), make_partnership("ander")
    make_in(app, world, title="Van ons")
    make_in(app, other, title="Van de ander")
    client = login_as(world, "lezer")

    page = main_of(client.get(url(world, "/")))

    assert "Van ons" in page and "Van de ander" not in page
    assert "Van de ander" not in html(client.get(url(world, "/export.csv")))
    assert client.get(url(world, f"/?party={other.provider.id}")).status_code == 200
    assert numbers(client, world, f"party={other.provider.id}") == []


# --- export ------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_each_row_shows_its_parties_by_name_and_its_owner(world, catalogue, login_as):
    client = login_as(world, "lezer")
    mun, prov = world.municipality.name, world.provider.name

    for headers in ({}, {"HX-Request": "true"}):
        page = html(client.get(url(world, "/?kind=hard"), headers=headers))
        row = page[page.index('/agreements/3"') : page.index("</tr>", page.index('/agreements/3"'))]
        cells = re.findall(r'<td class="utrecht-table__cell">([^<]*)</td>', row)
        assert cells[-2:] == [", ".join(sorted([mun, prov])), world.users["beheerder"].name]

    page = html(client.get(url(world, "/?q=thuis")))  # one party
    row = page[page.index('/agreements/2"') : page.index("</tr>", page.index('/agreements/2"'))]
    assert re.findall(r'<td class="utrecht-table__cell">([^<]*)</td>', row)[-2] == prov


def test_csv_export_of_the_filtered_list(app, world, catalogue, login_as):
    client = login_as(world, "lezer")

    response = client.get(url(world, "/export.csv?kind=werkbaar&status=actief"))

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert f"werkafspraken-{world.slug}.csv" in response.headers["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:2] == [message(app, "Reference"), message(app, "Title")]
    assert len(header) == 12
    assert [row[:2] for row in rows] == [["WA-2", TITLES[2]], ["WA-6", TITLES[6]]]
    assert all(len(row) == 12 for row in rows)
    assert rows[0][3] == message(app, "werkbaar")
    assert rows[0][4] == message(app, "active")
    assert rows[0][5] == world.provider.name
    assert rows[0][6] == world.users["beheerder"].name
    assert rows[0][8] == days(10).isoformat()


def test_csv_export_shows_revisit_needed_and_every_row_without_filter(
    app, world, catalogue, login_as
):
    client = login_as(world, "lezer")

    header, *rows = csv_rows(client.get(url(world, "/export.csv")))

    assert [row[0] for row in rows] == ["WA-1", "WA-5", "WA-2", "WA-6", "WA-4", "WA-3"]
    assert rows[0][4] == message(app, "revisit needed")
    assert rows[1][4] == message(app, "ended")


def test_export_neutralises_formulas(app, world, login_as):
    make_in(app, world, title="=HYPERLINK(\"http://kwaad.test\")", summary="+31 staat voorop", origin="@bron")  # fmt: skip
    client = login_as(world, "lezer")

    _, row = csv_rows(client.get(url(world, "/export.csv")))
    sheet = load_workbook(io.BytesIO(client.get(url(world, "/export.xlsx")).get_data())).active
    cells = list(sheet.iter_rows(min_row=2, values_only=False))[0]

    assert row[1] == '\'=HYPERLINK("http://kwaad.test")'
    assert row[2] == "'+31 staat voorop"
    assert row[11] == "'@bron"
    assert cells[1].value == '\'=HYPERLINK("http://kwaad.test")'
    assert cells[1].data_type == "s"


def test_xlsx_export_of_the_filtered_list(app, world, catalogue, login_as):
    client = login_as(world, "lezer")

    response = client.get(url(world, f"/export.xlsx?party={world.municipality.id}"))

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:2] == (message(app, "Reference"), message(app, "Title"))
    assert [row[:2] for row in rows] == [
        ("WA-1", TITLES[1]), ("WA-5", TITLES[5]), ("WA-6", TITLES[6]), ("WA-3", TITLES[3]),
    ]  # fmt: skip
    assert rows[0][8].date() == days(-10)
    assert rows[0][4] == message(app, "revisit needed")


def test_exports_include_archived_only_when_asked(world, catalogue, login_as):
    client = login_as(world, "lezer")

    _, *rows = csv_rows(client.get(url(world, "/export.csv?archived=1")))

    assert [row[0] for row in rows] == ["WA-7"]


# --- dashboard ---------------------------------------------------------------------------


def test_the_dashboard_shows_due_agreements_and_mine(app, world, catalogue, login_as):
    client = login_as(world, "beheerder")

    page = main_of(client.get(f"/p/{world.slug}/"))

    assert message(app, "Agreements with a revisit within 30 days or overdue: %(n)s.", n=2) in page
    assert f"WA-1 {TITLES[1]}" in page and f"WA-2 {TITLES[2]}" in page
    assert TITLES[6] not in page and TITLES[5] not in page and TITLES[4] not in page
    assert message(app, "Agreements you own: %(n)s.", n=2) in page
    assert url(world, f"/?owner={world.users['beheerder'].id}") in page


def test_the_dashboard_shows_my_agreements_even_when_none_are_due(app, world, login_as):
    make_in(app, world, title="Mijn afspraak", owner_id=world.users["teamlid"].id, revisit_on=days(90))  # fmt: skip
    client = login_as(world, "teamlid")

    page = main_of(client.get(f"/p/{world.slug}/"))

    assert message(app, "Agreements you own: %(n)s.", n=1) in page
    assert (
        message(app, "Agreements with a revisit within 30 days or overdue: %(n)s.", n=1) not in page
    )
    lezer = main_of(logged_in(app, world.users["lezer"].email).get(f"/p/{world.slug}/"))
    assert message(app, "Agreements you own: %(n)s.", n=1) not in lezer


def test_the_dashboard_links_to_all_due_agreements_beyond_five(app, world, login_as):
    for n in range(7):
        make_in(app, world, active=True, title=f"Afspraak {n}", revisit_on=days(5 + n))
    client = login_as(world, "lezer")

    page = main_of(client.get(f"/p/{world.slug}/"))

    assert message(app, "Agreements with a revisit within 30 days or overdue: %(n)s.", n=7) in page
    assert len(listed(page)) == 5
    assert url(world, "/?due=30") in page
