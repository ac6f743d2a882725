"""The main menu of a partnership's pages (app.partnerships.contributions.main_menu): the
items a role may open, the current one marked, its HTML kept per partnership, role,
language and current item."""

from __future__ import annotations

import re

import pytest

from app import kept
from app.extensions import db
from app.partnerships.models import Partnership
from tests.conftest import sign_in


def menu(page: str) -> list[tuple[str, str, bool]]:
    """(href, text, current) of each item of the page's main menu."""
    nav = re.search(r'<nav class="utrecht-nav-bar ss-nav"[^>]*>(.*?)</nav>', page, re.S).group(1)
    return [
        (href, text, bool(current))
        for href, current, text in re.findall(
            r'<a class="utrecht-nav-list__link" href="([^"]+)"( aria-current="page")?>([^<]+)</a>',
            nav,
        )
    ]


@pytest.fixture
def fresh_fragments():
    kept._fragments.clear()
    yield
    kept._fragments.clear()


def test_each_role_sees_the_items_it_may_open(app, world, fresh_fragments):
    base = f"/p/{world.slug}"
    beheerder = menu(sign_in(app.test_client(), world.users["beheerder"].email)
                     .get(f"{base}/").get_data(as_text=True))  # fmt: skip
    lezer = menu(sign_in(app.test_client(), world.users["lezer"].email)
                 .get(f"{base}/").get_data(as_text=True))  # fmt: skip
    assert [text for _, text, _ in beheerder][0] == "Dashboard"
    assert (f"{base}/admin/", "Beheer", False) in beheerder
    assert all(href != f"{base}/admin/" for href, _, _ in lezer)
    assert len(lezer) < len(beheerder)


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", "/"),
        ("/agreements/", "/agreements/"),
        ("/agreements/new", "/agreements/"),  # a page of the area marks its list
        ("/risks/heatmap", "/risks/"),
        ("/members", "/members"),
        ("/admin/organisations", "/admin/"),  # every admin page marks Administration
    ],
)
def test_the_current_item_is_marked(app, world, fresh_fragments, path, current):
    base = f"/p/{world.slug}"
    client = sign_in(app.test_client(), world.users["beheerder"].email)
    response = client.get(base + path)
    assert response.status_code == 200
    marked = [href for href, _, is_current in menu(response.get_data(as_text=True)) if is_current]
    assert marked == [base + current]


def test_the_menu_is_kept_until_the_partnership_changes(app, world, fresh_fragments):
    client = sign_in(app.test_client(), world.users["teamlid"].email)
    client.get(f"/p/{world.slug}/")
    keys = [k for k in kept._fragments if k[0] == "main menu"]
    assert len(keys) == 1
    client.get(f"/p/{world.slug}/")
    assert [k for k in kept._fragments if k[0] == "main menu"] == keys  # kept, not added
    with client.session_transaction() as session:
        session["lang"] = "en"
    english = menu(client.get(f"/p/{world.slug}/").get_data(as_text=True))
    assert english[0][1] == "Dashboard" and ("Agreements" in [t for _, t, _ in english])
    with app.app_context():
        db.session.get(Partnership, world.partnership.id).slug = "nieuw"
        db.session.commit()
    page = client.get("/p/nieuw/").get_data(as_text=True)
    assert all(href.startswith("/p/nieuw/") for href, _, _ in menu(page))
