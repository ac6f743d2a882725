"""The start page, a partnership's dashboard and member list: who sees what, and at what cost."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pytest

from app.auth.models import User
from app.extensions import db
from app.partnerships.models import ROLES, Membership, Organisation, Participation, Partnership
from tests.conftest import TOTP_SECRET, change_row, login


def make_sized_partnership(app, password_hash, slug, members=5, organisations=2):
    """A partnership with a beheerder and `members` members in total over `organisations`."""
    with app.app_context():
        partnership = Partnership(name=f"Verband {slug}", slug=slug)
        orgs = [
            Organisation(name=f"Org {slug} {n:02}", kind="gemeente") for n in range(organisations)
        ]
        db.session.add_all([partnership, *orgs])
        db.session.flush()
        db.session.add_all(Participation(partnership=partnership, organisation=o) for o in orgs)
        for n in range(members):
            user = User(
                email=f"lid{n:02}@{slug}.example",
                name=f"Lid {n:02} {slug}",
                password_hash=password_hash,
                session_token=f"t-{slug}-{n}",
            )
            if n == 0:  # the beheerder: two-factor authentication is required
                user.totp_secret, user.totp_enabled_at = TOTP_SECRET, datetime(2026, 1, 1)
            db.session.add(user)
            db.session.add(
                Membership(
                    user=user,
                    partnership=partnership,
                    organisation=orgs[n % organisations],
                    role="beheerder" if n == 0 else ROLES[1 + n % (len(ROLES) - 1)],
                )
            )
        db.session.commit()
    return f"lid00@{slug}.example"


def main_of(response) -> str:
    """The page's main content (the header names the logged-in user on every page)."""
    page = response.get_data(as_text=True)
    return page[page.index("<main") : page.index("</main>")]


# --- start page ---------------------------------------------------------------------------


def test_start_page_lists_partnerships_of_a_member_of_two(app, client, make_partnership):
    world = make_partnership("alfa", name="Alfa Verband")
    other = make_partnership("beta", name="Beta Verband")
    with app.app_context():
        db.session.add(
            Membership(
                user_id=world.users["bestuurder"].id,
                partnership_id=other.partnership.id,
                organisation_id=other.municipality.id,
                role="lezer",
            )
        )
        db.session.commit()
    login(client, world.users["bestuurder"].email)

    response = client.get("/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/p/alfa/"' in page and 'href="/p/beta/"' in page
    assert page.index("Alfa Verband") < page.index("Beta Verband")


def test_start_page_without_partnerships(app, client, world):
    change_row(app, Membership, world.memberships["lezer"].id, active=False)
    login(client, world.users["lezer"].email)
    response = client.get("/")
    assert response.status_code == 200
    assert 'href="/p/testverband/"' not in response.get_data(as_text=True)


def test_start_page_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"


# --- dashboard and members: every role reads, others get nothing --------------------------------


def test_the_dashboard_names_the_members_organisation_also_when_it_left(
    app, client, login_as, world
):
    login_as(world, "partner")
    organisation_id = world.memberships["partner"].organisation_id
    organisation = next(o for o in (world.municipality, world.provider) if o.id == organisation_id)

    def lead() -> str:
        page = client.get("/p/testverband/").get_data(as_text=True)
        start = page.index("utrecht-paragraph--lead")
        return page[start : page.index("</p>", start)]

    assert organisation.name in lead()
    with app.app_context():
        participation = db.session.execute(
            db.select(Participation).filter_by(
                partnership_id=world.partnership.id, organisation_id=organisation.id
            )
        ).scalar_one()
        participation.active = False
        db.session.commit()
    assert organisation.name in lead()  # no longer among the organisations taking part


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_and_members_readable_by_every_role(client, login_as, world, role):
    login_as(world, role)

    dashboard = client.get("/p/testverband/")
    assert dashboard.status_code == 200
    page = dashboard.get_data(as_text=True)
    assert world.partnership.name in page
    assert world.municipality.name in page and world.provider.name in page
    # Only a beheerder sees the way to the admin pages.
    assert ('href="/p/testverband/admin/"' in page) == (role == "beheerder")

    members = client.get("/p/testverband/members")
    assert members.status_code == 200
    page = members.get_data(as_text=True)
    for user in world.users.values():
        assert user.name in page


@pytest.mark.parametrize("path", ["/p/testverband/", "/p/testverband/members"])
def test_partnership_pages_of_another_partnership_are_404(client, make_partnership, world, path):
    other = make_partnership("ander")
    login(client, other.users["beheerder"].email)
    assert client.get(path).status_code == 404
    assert client.get("/p/bestaat-niet/").status_code == 404


@pytest.mark.parametrize("path", ["/p/testverband/", "/p/testverband/members"])
def test_partnership_pages_send_anonymous_to_login(client, world, path):
    response = client.get(path)
    assert response.status_code == 302
    parts = urlsplit(response.location)
    assert parts.path == "/login"
    assert "next=" in parts.query


def test_deactivated_member_gets_404(app, client, login_as, world):
    login_as(world, "lezer")
    change_row(app, Membership, world.memberships["lezer"].id, active=False)
    assert client.get("/p/testverband/").status_code == 404
    assert client.get("/p/testverband/members").status_code == 404


def test_members_list_leaves_out_deactivated_members(app, client, login_as, world):
    change_row(app, Membership, world.memberships["partner"].id, active=False)
    login_as(world, "lezer")
    page = main_of(client.get("/p/testverband/members"))
    assert world.users["partner"].name not in page
    assert world.users["teamlid"].name in page


def test_members_filters(client, login_as, world):
    login_as(world, "lezer")

    by_role = main_of(client.get("/p/testverband/members?role=teamlid"))
    assert world.users["teamlid"].name in by_role
    assert world.users["bestuurder"].name not in by_role

    by_text = main_of(client.get("/p/testverband/members?q=PROGRAMMA"))
    assert world.users["programmamanager"].name in by_text
    assert world.users["lezer"].name not in by_text

    by_org = main_of(client.get(f"/p/testverband/members?organisation={world.provider.id}"))
    assert world.users["teamlid"].name in by_org and world.users["partner"].name in by_org
    assert world.users["beheerder"].name not in by_org

    # Nonsense filters are ignored, not errors.
    assert (
        client.get("/p/testverband/members?role=koning&organisation=x&page=-3").status_code == 200
    )


def test_members_for_htmx_is_the_partial(client, login_as, world):
    login_as(world, "lezer")
    response = client.get("/p/testverband/members?role=lezer", headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" not in page
    assert world.users["lezer"].name in page
    assert world.users["teamlid"].name not in page


def test_members_paginate(app, client, password_hash):
    email = make_sized_partnership(app, password_hash, "groot", members=30)
    login(client, email)
    first = main_of(client.get("/p/groot/members"))
    second = main_of(client.get("/p/groot/members?page=2"))
    assert "Lid 00 groot" in first and "Lid 29 groot" not in first
    assert "Lid 29 groot" in second and "Lid 00 groot" not in second


# --- the number of SQL statements does not grow with the data ------------------------------


def _statements_for(app, count_queries, email, path) -> int:
    client = app.test_client()
    assert login(client, email).status_code == 302
    assert client.get(path).status_code == 200  # warm up (first-request work)
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    "path", ["/p/{slug}/members", "/p/{slug}/admin/members", "/p/{slug}/admin/organisations"]
)
def test_member_pages_query_count_does_not_grow(app, password_hash, count_queries, path):
    small = make_sized_partnership(app, password_hash, "klein", members=5)
    large = make_sized_partnership(app, password_hash, "groot", members=60)

    few = _statements_for(app, count_queries, small, path.format(slug="klein"))
    many = _statements_for(app, count_queries, large, path.format(slug="groot"))

    assert few == many
    assert few > 0


def test_dashboard_query_count_does_not_grow(app, password_hash, count_queries):
    small = make_sized_partnership(app, password_hash, "klein", members=6, organisations=3)
    large = make_sized_partnership(app, password_hash, "groot", members=40, organisations=20)

    few = _statements_for(app, count_queries, small, "/p/klein/")
    many = _statements_for(app, count_queries, large, "/p/groot/")

    assert few == many
    assert few > 0
