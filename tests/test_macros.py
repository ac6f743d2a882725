"""The list and alert macros every page uses: data_table(), alert() and filter_bar()."""

from __future__ import annotations

import re

import pytest

from tests.conftest import alert_text


@pytest.fixture
def render(app):
    def render(source: str, **context) -> str:
        with app.test_request_context():
            return app.jinja_env.from_string(source).render(**context)

    return render


TABLE = """{% from "_macros/lists.html" import data_table %}
{% call(row) data_table("Afspraken van Testverband",
                        ["Afspraak", {"label": "Leden", "numeric": true}, {"label": "Acties", "hidden": true}],
                        rows=rows, empty="Geen afspraken gevonden.") %}
  <th class="utrecht-table__header-cell" scope="row">{{ row.title }}</th>
  <td class="utrecht-table__cell">{{ row.count }}</td><td class="utrecht-table__cell"></td>
{% endcall %}"""


def _rows(page: str) -> list[str]:
    body = page[page.index("<tbody") : page.index("</tbody>")]
    return re.findall(r"<tr\b.*?</tr>", body, re.S)


def test_a_table_sits_in_the_named_focusable_scroll_container(render):
    page = render(TABLE, rows=[{"title": "WA-1 <Wachttijden>", "count": 3}])
    container = re.search(r"<div [^>]*>", page).group(0)
    assert 'class="utrecht-table-container ss-table-scroll"' in container
    assert 'tabindex="0"' in container and 'role="region"' in container
    assert 'aria-label="Tabel (scrolt opzij op een klein scherm)"' in container
    assert '<caption class="utrecht-table__caption">Afspraken van Testverband</caption>' in page


def test_header_cells_are_column_headers_and_the_rows_come_from_the_call_block(render):
    page = render(
        TABLE, rows=[{"title": "WA-1 <Wachttijden>", "count": 3}, {"title": "WA-2", "count": 0}]
    )
    headers = re.findall(r'<th class="([^"]*)" scope="col">(.*?)</th>', page, re.S)
    assert [label for _, label in headers] == [
        "Afspraak",
        "Leden",
        '<span class="ss-visually-hidden">Acties</span>',
    ]
    assert "utrecht-table__header-cell--numeric-column" in headers[1][0]
    rows = _rows(page)
    assert len(rows) == 2
    assert "WA-1 &lt;Wachttijden&gt;" in rows[0]  # escaped like any other output
    assert "Geen afspraken gevonden." not in page


def test_an_empty_list_gives_one_row_that_spans_every_column(render):
    page = render(TABLE, rows=[])
    [row] = _rows(page)
    assert '<td class="utrecht-table__cell" colspan="3">Geen afspraken gevonden.</td>' in row
    assert "<thead" in page  # the headers stay, so the place of the list does not jump


def test_a_table_named_by_its_caption_and_a_corner_cell(render):
    page = render(
        """{% from "_macros/lists.html" import data_table %}
        {% call data_table("Hittekaart", [{"label": "Impact / kans", "corner": true, "class": "ss-heatmap__corner"}, "Kans 1"],
                           class="ss-heatmap", caption_id="heat", caption_hidden=true) %}
          <tr class="utrecht-table__row"><th scope="row">Impact 1</th><td>2</td></tr>
        {% endcall %}"""
    )
    assert 'aria-labelledby="heat"' in page and "aria-label=" not in page
    assert 'class="utrecht-table__caption ss-visually-hidden" id="heat"' in page
    assert 'class="utrecht-table utrecht-table--html-table ss-heatmap"' in page
    assert '<td class="utrecht-table__cell ss-heatmap__corner">Impact / kans</td>' in page
    assert len(_rows(page)) == 1


@pytest.mark.parametrize(
    ("kind", "role"), [("error", "alert"), ("ok", "status"), ("warning", None), ("info", None)]
)
def test_an_alert_is_announced_by_its_kind(render, kind, role):
    page = render(
        '{% from "_macros/ui.html" import alert %}{{ alert(kind, "Let <op>") }}', kind=kind
    )
    assert f'class="utrecht-alert utrecht-alert--{kind}"' in page
    assert (f'role="{role}"' in page) if role else ("role=" not in page)
    assert alert_text(page) == "Let &lt;op&gt;"


def test_an_alert_with_several_messages_a_call_block_or_no_role(render):
    several = render(
        '{% from "_macros/ui.html" import alert %}{{ alert("error", messages=["Een", "Twee"]) }}'
    )
    assert re.findall(r'<p class="utrecht-alert__message[^"]*">(.*?)</p>', several) == [
        "Een",
        "Twee",
    ]
    called = render(
        '{% from "_macros/ui.html" import alert %}'
        '{% call alert("warning") %}Verouderd. <a class="utrecht-link" href="/x">Lees</a>{% endcall %}'
    )
    assert alert_text(called) == 'Verouderd. <a class="utrecht-link" href="/x">Lees</a>'
    extra = render(
        '{% from "_macros/ui.html" import alert %}'
        '{% call alert("ok", "Gelukt:", role="") %}<p class="utrecht-paragraph">code</p>{% endcall %}'
    )
    assert alert_text(extra) == "Gelukt:" and '<p class="utrecht-paragraph">code</p>' in extra
    assert "role=" not in extra


def test_the_filter_bar_keeps_the_choices_and_works_with_and_without_htmx(render):
    page = render(
        """{% from "_macros/lists.html" import filter_bar %}
        {% call filter_bar("Filter afspraken", "/p/x/agreements/", "results", "wacht",
                           [("kind", "Soort", "Alle soorten", [("hard", "hard"), ("werkbaar", "werkbaar")], "werkbaar"),
                            ("sort", "Sorteer op", none, [("number", "nummer")], none)],
                           [("archived", "Toon gearchiveerd", true)]) %}
          <input type="hidden" name="basis" value="bruto">
        {% endcall %}"""
    )
    form = re.search(r"<form [^>]*>", page).group(0)
    assert (
        'method="get"' in form
        and 'role="search"' in form
        and 'aria-label="Filter afspraken"' in form
    )
    assert 'data-hx-get="/p/x/agreements/"' in form and 'data-hx-target="#results"' in form
    assert 'data-hx-push-url="true"' in form and " hx-" not in form
    assert 'id="filter-q" name="q" value="wacht"' in page
    assert '<label class="utrecht-form-label" for="filter-kind">Soort</label>' in page
    assert '<option value="">Alle soorten</option>' in page
    assert '<option value="werkbaar" selected>werkbaar</option>' in page
    assert '<option value="hard">hard</option>' in page
    sort = page[page.index('id="filter-sort"') :]
    assert sort[: sort.index("</select>")].count("<option") == 1  # no "all" option
    assert 'id="filter-archived" name="archived" value="1" checked' in page
    assert page.index('name="basis"') < page.index('type="submit"')
