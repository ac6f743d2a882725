"""The demo data: complete, loadable from the command line, and idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.activity.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.partnerships.models import ROLES, Membership, Organisation, Partnership
from app.seeds import load_demo
from tests.conftest import count_rows, login

DEMO_PASSWORD = "samenspel-demo"


def row_counts() -> dict[str, int]:
    """The number of rows in every table."""
    return {
        table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def demo(demo_database, ctx):
    assert demo_database > 0
    return row_counts()


def test_loading_the_demo_twice_changes_nothing(ctx, demo):
    assert load_demo() == 0
    after = row_counts()
    assert after == demo
    for table in ("user", "membership", "organisation", "audit_event"):
        assert after[table] > 0, table


def test_demo_content(ctx, demo):
    # Two partnerships with the real municipalities of their regions.
    slugs = set(db.session.execute(select(Partnership.slug)).scalars())
    assert slugs == {"eemland-bsa", "noordoost-brabant"}
    eemland = db.session.execute(
        select(Partnership).where(Partnership.slug == "eemland-bsa")
    ).scalar_one()
    assert eemland.name == "Regio Eemland – BSA"
    names = set(db.session.execute(select(Organisation.name)).scalars())
    assert {"Gemeente Amersfoort", "Gemeente Soest", "Gemeente Oss", "Gemeente Vught"} <= names

    # One account per role in eemland-bsa, all with the demo password.
    for role in ROLES:
        user = db.session.execute(
            select(User).where(User.email == f"{role}@eemland.test")
        ).scalar_one()
        assert user.active, role
        assert user.check_password(DEMO_PASSWORD), role
        membership = db.session.execute(
            select(Membership).where(
                Membership.user_id == user.id, Membership.partnership_id == eemland.id
            )
        ).scalar_one()
        assert (membership.role, membership.active) == (role, True)

    # The bestuurder takes part in both partnerships.
    both = set(
        db.session.execute(
            select(Partnership.slug)
            .join(Membership, Membership.partnership_id == Partnership.id)
            .join(User, User.id == Membership.user_id)
            .where(User.email == "bestuurder@eemland.test")
        ).scalars()
    )
    assert both == {"eemland-bsa", "noordoost-brabant"}

    # Every partnership can be administered.
    for partnership in db.session.execute(select(Partnership)).scalars():
        beheerders = db.session.execute(
            select(func.count(Membership.id)).where(
                Membership.partnership_id == partnership.id, Membership.role == "beheerder"
            )
        ).scalar_one()
        assert beheerders >= 1, partnership.slug

    # Loading leaves an audit trail like any other write.
    created_users = db.session.execute(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.object_type == "User", AuditEvent.action == "create"
        )
    ).scalar_one()
    assert created_users == demo["user"]


def test_seed_demo_command_if_empty(app):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert count_rows(app, Partnership) == 2
    with app.app_context():
        loaded = row_counts()

    second = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert second.exit_code == 0, second.output
    assert "demo not loaded" in second.output
    with app.app_context():
        assert row_counts() == loaded

    # The demo accounts log in with the demo password.
    client = app.test_client()
    assert login(client, "programmamanager@eemland.test", DEMO_PASSWORD).status_code == 302
    assert client.get("/p/eemland-bsa/").status_code == 200
    assert client.get("/p/noordoost-brabant/").status_code == 404
    bestuurder = app.test_client()
    assert login(bestuurder, "bestuurder@eemland.test", DEMO_PASSWORD).status_code == 302
    assert bestuurder.get("/").status_code == 200  # a choice of two partnerships
    assert bestuurder.get("/p/noordoost-brabant/").status_code == 200
    with app.app_context():
        loaded = row_counts()  # logging in wrote login events

    # Without --if-empty it runs again, and still changes nothing.
    third = runner.invoke(args=["seed", "demo"])
    assert third.exit_code == 0, third.output
    assert "(0 objects created)" in third.output
    with app.app_context():
        assert row_counts() == loaded


def test_seed_demo_if_empty_leaves_existing_data_alone(app, world):
    result = app.test_cli_runner().invoke(args=["seed", "demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert count_rows(app, Partnership) == 1
    assert count_rows(app, User, email="beheerder@eemland.test") == 0
