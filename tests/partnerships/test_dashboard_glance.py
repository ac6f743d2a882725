"""The dashboard's "at a glance" row: each figure equals what the page it links to lists,
for members of different organisations and roles, with the list's own filters."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import sign_in

AGREEMENT_STATUSES = ("concept", "actief", "herzien_nodig", "beeindigd")


def glance_of(page: str) -> str:
    start = page.index('id="glance-heading"')
    return page[start : page.index('id="attention-heading"')]


def legend(glance: str) -> dict[str, tuple[str, int]]:
    """status -> (link, figure) of the agreements' bar legend."""
    found = re.findall(
        r'<a class="utrecht-link" href="([^"]*/agreements/\?status=(\w+))">[^<:]+: (\d+)</a>',
        glance,
    )
    return {status: (link, int(n)) for link, status, n in found}


def mini_heat_map(glance: str) -> dict[tuple[int, int], int]:
    """(likelihood, impact) -> figure, read by position: impact 5 at the top, likelihood 1
    on the left."""
    table = glance[glance.index('<table class="ss-minimap">') : glance.index("</table>")]
    figures = [int(n) for n in re.findall(r'<td class="ss-level--\w+[^"]*">(\d+)<', table)]
    assert len(figures) == 25
    return {(i % 5 + 1, 5 - i // 5): n for i, n in enumerate(figures)}


def big_counts(glance: str) -> dict[str, int]:
    """link -> figure of the big counts."""
    found = re.findall(
        r'class="utrecht-link ss-glance__count" href="([^"]+)"><span class="ss-glance__number">(\d+)<',
        glance,
    )
    return {link.replace("&amp;", "&"): int(n) for link, n in found}


def heat_map_page(page: str) -> dict[tuple[int, int], int]:
    found = re.findall(r"basis=netto&amp;likelihood=(\d)&amp;impact=(\d)\">(\d+)<", page)
    return {(int(lk), int(im)): int(n) for lk, im, n in found}


def list_items(page: str) -> int:
    main = page[page.index("<main") :]
    return main.count('class="ss-list__item"')


@pytest.mark.parametrize(
    "email", ["programmamanager@eemland.test", "partner@eemland.test", "lezer@eemland.test"]
)
def test_the_figures_equal_the_linked_lists(app, client, demo_database, monkeypatch, email):
    monkeypatch.setitem(app.config, "SAMENSPEL_PAGE_SIZE", 500)
    sign_in(client, email)
    glance = glance_of(client.get("/p/eemland-bsa/").get_data(as_text=True))

    bars = legend(glance)
    assert list(bars) == list(AGREEMENT_STATUSES)
    assert sum(n for _, n in bars.values()) > 0
    for status, (link, figure) in bars.items():
        assert parse_qs(urlsplit(link).query) == {"status": [status]}
        listed = client.get(link).get_data(as_text=True)
        numbers = set(re.findall(r'/agreements/(\d+)"', listed[listed.index("<table") :]))
        assert len(numbers) == figure, (status, figure)

    assert '/p/eemland-bsa/risks/heatmap"' in glance
    page = client.get("/p/eemland-bsa/risks/heatmap").get_data(as_text=True)
    mini = mini_heat_map(glance)
    assert {cell: n for cell, n in mini.items() if n} == heat_map_page(page)
    assert sum(mini.values()) > 0

    counts = big_counts(glance)
    assert set(counts) == {
        "/p/eemland-bsa/reviews/actions",
        "/p/eemland-bsa/decisions/?status=open",
    }
    for link, figure in counts.items():
        assert list_items(client.get(link).get_data(as_text=True)) == figure, link


def test_an_empty_partnership_shows_zero_states(world, client):
    sign_in(client, world.users["lezer"])
    response = client.get(f"/p/{world.slug}/")
    assert response.status_code == 200
    glance = glance_of(response.get_data(as_text=True))
    assert {s: n for s, (_, n) in legend(glance).items()} == dict.fromkeys(AGREEMENT_STATUSES, 0)
    assert set(mini_heat_map(glance).values()) == {0}
    assert set(big_counts(glance).values()) == {0}
