"""`flask users create-admin`, `deactivate` and `activate`."""

from __future__ import annotations

import pytest

from app.activity.models import AuditEvent
from app.auth.models import User
from app.partnerships.models import Membership, Organisation, Participation, Partnership
from tests.conftest import PASSWORD, count_rows, enrol_two_factor, find, login, message

ADMIN_PASSWORD = "first admin passphrase"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def create_admin(runner, *extra, password=ADMIN_PASSWORD, slug="nieuw-verband"):
    return runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "Eerste@Example.org",
            "--name",
            "Eerste Beheerder",
            "--password",
            password,
            "--partnership",
            slug,
            "--partnership-name",
            "Nieuw Verband",
            "--organisation",
            "Gemeente Nieuwstad",
            *extra,
        ]
    )


def test_create_admin_makes_user_partnership_organisation_and_membership(app, runner, client):
    result = create_admin(runner, "--kind", "regio")

    assert result.exit_code == 0, result.output
    assert "eerste@example.org is beheerder of Nieuw Verband (nieuw-verband)" in result.output
    user = find(app, User, email="eerste@example.org")
    partnership = find(app, Partnership, slug="nieuw-verband")
    organisation = find(app, Organisation, name="Gemeente Nieuwstad")
    assert user.name == "Eerste Beheerder"
    assert user.check_password(ADMIN_PASSWORD)
    assert partnership.name == "Nieuw Verband"
    assert organisation.kind == "regio"
    assert count_rows(
        app, Participation, partnership_id=partnership.id, organisation_id=organisation.id
    )
    membership = find(app, Membership, user_id=user.id)
    assert (membership.partnership_id, membership.organisation_id, membership.role) == (
        partnership.id,
        organisation.id,
        "beheerder",
    )
    # The new beheerder can log in, must set up two-factor authentication first, and then
    # opens the admin pages.
    response = login(client, "eerste@example.org", ADMIN_PASSWORD)
    assert response.status_code == 302
    assert response.location.endswith("/account/two-factor/setup")
    page = client.get("/p/nieuw-verband/admin/organisations")
    assert page.status_code == 302 and page.location.endswith("/account/two-factor/setup")
    enrol_two_factor(client)
    assert client.get("/p/nieuw-verband/admin/organisations").status_code == 200


def test_create_admin_reads_the_password_from_the_environment(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "env@example.org",
            "--name",
            "Env",
            "--partnership",
            "env-verband",
            "--organisation",
            "Gemeente Env",
        ],
        env={"SAMENSPEL_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    assert result.exit_code == 0, result.output
    assert find(app, User, email="env@example.org").check_password(ADMIN_PASSWORD)
    # Without --partnership-name the slug names the partnership.
    assert find(app, Partnership, slug="env-verband").name == "env-verband"


def test_create_admin_refuses_a_short_password_and_creates_nothing(app, runner):
    result = create_admin(runner, password="kort")

    assert result.exit_code != 0
    assert message(app, "Use at least %(n)s characters.", n=12) in result.output
    for model in (User, Partnership, Organisation, Participation, Membership, AuditEvent):
        assert count_rows(app, model) == 0, model.__name__


def test_create_admin_refuses_an_unknown_kind(app, runner):
    result = create_admin(runner, "--kind", "koninkrijk")
    assert result.exit_code != 0
    assert count_rows(app, User) == 0


def test_create_admin_refuses_a_bad_slug(app, runner):
    result = create_admin(runner, slug="Niet Goed!")
    assert result.exit_code != 0
    assert message(app, "Use lower-case letters, digits and hyphens.") in result.output
    assert count_rows(app, User) == count_rows(app, Partnership) == 0


def test_create_admin_in_an_existing_partnership_reuses_its_organisation(app, runner, world):
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "tweede@example.org",
            "--name",
            "Tweede",
            "--password",
            ADMIN_PASSWORD,
            "--partnership",
            world.slug,
            "--organisation",
            world.municipality.name,
        ]
    )
    assert result.exit_code == 0, result.output
    assert count_rows(app, Partnership) == 1
    assert count_rows(app, Organisation) == 2
    membership = find(app, Membership, user_id=find(app, User, email="tweede@example.org").id)
    assert (membership.partnership_id, membership.organisation_id, membership.role) == (
        world.partnership.id,
        world.municipality.id,
        "beheerder",
    )


def test_deactivate_and_activate(app, runner, world):
    email = world.users["lezer"].email

    result = runner.invoke(args=["users", "deactivate", email.upper()])

    assert result.exit_code == 0, result.output
    assert f"{email} is now inactive" in result.output
    assert find(app, User, email=email).active is False
    assert login(app.test_client(), email).status_code == 422

    result = runner.invoke(args=["users", "activate", email])

    assert result.exit_code == 0, result.output
    assert find(app, User, email=email).active is True
    assert login(app.test_client(), email, PASSWORD).status_code == 302


def test_deactivate_an_unknown_user_fails(app, runner, world):
    result = runner.invoke(args=["users", "deactivate", "niemand@example.org"])
    assert result.exit_code != 0
    assert "No user with e-mail address niemand@example.org" in result.output
    assert count_rows(app, AuditEvent) == 0
