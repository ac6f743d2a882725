"""Every write leaves one audit event (actor, partnership, object, action, changes); a
refused write leaves none."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from app.activity.models import AuditEvent
from app.activity.services import changed_fields, initial_fields, record
from app.auth.models import Invitation, User
from app.extensions import db
from app.partnerships.models import Membership, Organisation, Participation, Partnership
from tests.conftest import (
    PASSWORD,
    audit_events,
    count_rows,
    find,
    input_value,
    login,
    mail_text,
    post,
)

SECRETS = {"password_hash", "session_token", "token_hash"}


def only_event(app, **by) -> AuditEvent:
    events = audit_events(app, **by)
    assert len(events) == 1, [(e.object_type, e.action) for e in events]
    return events[0]


def assert_no_secrets(event: AuditEvent) -> None:
    assert not SECRETS & set(event.changes), event.changes


@pytest.fixture
def beheerder(client, login_as, world):
    login_as(world, "beheerder")
    return client


# --- login and account ------------------------------------------------------------------------


def test_login_is_recorded_with_the_user_as_actor(app, client, world):
    user = world.users["lezer"]
    login(client, user.email)
    event = only_event(app, action="login")
    assert (event.actor_id, event.object_type, event.object_id) == (user.id, "User", user.id)
    assert event.partnership_id is None
    assert isinstance(event.at, datetime)


def test_failed_login_leaves_no_event(app, client, world):
    login(client, world.users["lezer"].email, "wrong password here")
    login(client, "nobody@example.org", "wrong password here")
    assert audit_events(app) == []


def test_password_change_is_recorded_without_the_hash(app, client, login_as, world):
    login_as(world, "lezer")
    user = world.users["lezer"]
    post(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "zeven bomen!",
            "repeat_password": "zeven bomen!",
        },
    )
    event = only_event(app, action="password_changed")
    assert (event.actor_id, event.object_type, event.object_id) == (user.id, "User", user.id)
    assert event.changes == {}


def test_refused_password_change_leaves_no_event(app, client, login_as, world):
    login_as(world, "lezer")
    post(
        client,
        "/account/password",
        {"current_password": "wrong one!", "new_password": "x" * 14, "repeat_password": "x" * 14},
    )
    assert audit_events(app, object_type="User", action="password_changed") == []
    assert count_rows(app, AuditEvent) == 1  # only the login


def test_language_preference_is_recorded(app, client, login_as, world):
    login_as(world, "lezer")
    post(client, "/language", {"language": "en", "next": "/"})
    event = only_event(app, action="update", object_type="User")
    assert event.actor_id == world.users["lezer"].id
    assert event.changes == {"language": ["nl", "en"]}


# --- organisations --------------------------------------------------------------------------


def test_add_organisation_is_recorded(app, beheerder, world):
    post(beheerder, "/p/testverband/admin/organisations", {"name": "Nieuw", "kind": "regio"})
    organisation = find(app, Organisation, name="Nieuw")

    created = only_event(app, object_type="Organisation", action="create")
    assert created.actor_id == world.users["beheerder"].id
    assert created.partnership_id == world.partnership.id
    assert created.object_id == organisation.id
    assert created.changes["name"] == [None, "Nieuw"]
    assert created.changes["kind"] == [None, "regio"]
    joined = only_event(app, object_type="Participation", action="create")
    assert joined.partnership_id == world.partnership.id
    assert joined.changes["organisation_id"] == [None, organisation.id]


def test_refused_organisation_leaves_no_event(app, beheerder, world):
    before = count_rows(app, AuditEvent)
    post(
        beheerder,
        "/p/testverband/admin/organisations",
        {"name": world.provider.name, "kind": "aanbieder"},
    )
    post(beheerder, "/p/testverband/admin/organisations", {"name": "Goed", "kind": "fout"})
    assert count_rows(app, AuditEvent) == before


def test_update_organisation_records_old_and_new(app, beheerder, world):
    url = f"/p/testverband/admin/organisations/{world.provider.id}"
    version = input_value(beheerder.get(url).get_data(as_text=True), "version")
    post(beheerder, url, {"name": "Hernoemd", "kind": "aanbieder", "version": version})

    event = only_event(app, object_type="Organisation", action="update")
    assert event.actor_id == world.users["beheerder"].id
    assert event.partnership_id == world.partnership.id
    assert event.object_id == world.provider.id
    assert event.changes == {"name": [world.provider.name, "Hernoemd"]}


def test_archive_and_restore_are_recorded(app, beheerder, world):
    post(beheerder, "/p/testverband/admin/organisations", {"name": "Leeg", "kind": "overig"})
    organisation = find(app, Organisation, name="Leeg")
    participation = find(app, Participation, organisation_id=organisation.id)
    post(beheerder, f"/p/testverband/admin/organisations/{organisation.id}/archive")
    post(beheerder, f"/p/testverband/admin/organisations/{organisation.id}/restore")

    updates = audit_events(app, object_type="Participation", action="update")
    assert [e.changes for e in updates] == [{"active": [True, False]}, {"active": [False, True]}]
    for event in updates:
        assert event.object_id == participation.id
        assert event.actor_id == world.users["beheerder"].id
        assert event.partnership_id == world.partnership.id


def test_refused_archive_leaves_no_event(app, beheerder, world):
    before = count_rows(app, AuditEvent)
    post(beheerder, f"/p/testverband/admin/organisations/{world.provider.id}/archive")
    assert count_rows(app, AuditEvent) == before


# --- members ---------------------------------------------------------------------------------


def test_membership_update_records_old_and_new(app, beheerder, world):
    membership = world.memberships["lezer"]
    url = f"/p/testverband/admin/members/{membership.id}"
    version = input_value(beheerder.get(url).get_data(as_text=True), "version")
    post(
        beheerder,
        url,
        {"organisation_id": str(world.provider.id), "role": "partner", "version": version},
    )

    event = only_event(app, object_type="Membership", action="update")
    assert (event.actor_id, event.partnership_id, event.object_id) == (
        world.users["beheerder"].id,
        world.partnership.id,
        membership.id,
    )
    assert event.changes == {
        "organisation_id": [world.municipality.id, world.provider.id],
        "role": ["lezer", "partner"],
    }


def test_refused_membership_update_leaves_no_event(app, beheerder, world):
    membership = world.memberships["beheerder"]
    url = f"/p/testverband/admin/members/{membership.id}"
    version = input_value(beheerder.get(url).get_data(as_text=True), "version")
    before = count_rows(app, AuditEvent)
    post(
        beheerder,
        url,
        {"organisation_id": str(world.municipality.id), "role": "lezer", "version": version},
    )
    post(beheerder, f"{url}/deactivate")
    assert count_rows(app, AuditEvent) == before


def test_deactivate_and_restore_are_recorded(app, beheerder, world):
    membership = world.memberships["teamlid"]
    post(beheerder, f"/p/testverband/admin/members/{membership.id}/deactivate")
    post(beheerder, f"/p/testverband/admin/members/{membership.id}/restore")

    events = audit_events(app, object_type="Membership", action="update")
    assert [e.changes for e in events] == [{"active": [True, False]}, {"active": [False, True]}]
    assert {(e.actor_id, e.partnership_id, e.object_id) for e in events} == {
        (world.users["beheerder"].id, world.partnership.id, membership.id)
    }


# --- invitations --------------------------------------------------------------------------------


def invite(client, world, email="nieuw@example.org"):
    return post(
        client,
        "/p/testverband/admin/invitations",
        {
            "email": email,
            "name": "Nieuw",
            "organisation_id": str(world.provider.id),
            "role": "lezer",
        },
    )


def test_invite_accept_and_revoke_are_recorded(app, beheerder, world, smtp):
    invite(beheerder, world)
    invitation = find(app, Invitation, email="nieuw@example.org")

    created = only_event(app, object_type="Invitation", action="create")
    assert (created.actor_id, created.partnership_id, created.object_id) == (
        world.users["beheerder"].id,
        world.partnership.id,
        invitation.id,
    )
    assert created.changes["email"] == [None, "nieuw@example.org"]
    assert created.changes["role"] == [None, "lezer"]
    assert created.changes["organisation_id"] == [None, world.provider.id]
    assert_no_secrets(created)

    link = re.search(r"http://samenspel\.test(\S+)", mail_text(smtp[0])).group(1)
    invitee = app.test_client()
    post(
        invitee,
        link,
        {"name": "Nieuw", "new_password": "zeven bomen!", "repeat_password": "zeven bomen!"},
    )
    user = find(app, User, email="nieuw@example.org")

    accepted = only_event(app, object_type="Invitation", action="accept")
    assert (accepted.actor_id, accepted.partnership_id, accepted.object_id) == (
        user.id,
        world.partnership.id,
        invitation.id,
    )
    assert accepted.changes["accepted_at"][0] is None
    account = only_event(app, object_type="User", action="create")
    assert account.object_id == user.id
    assert account.partnership_id == world.partnership.id
    assert account.changes["email"] == [None, "nieuw@example.org"]
    assert_no_secrets(account)
    membership = find(app, Membership, user_id=user.id)
    joined = only_event(app, object_type="Membership", action="create")
    assert (joined.actor_id, joined.partnership_id, joined.object_id) == (
        user.id,
        world.partnership.id,
        membership.id,
    )
    assert joined.changes["role"] == [None, "lezer"]

    invite(beheerder, world, email="tweede@example.org")
    second = find(app, Invitation, email="tweede@example.org")
    post(beheerder, f"/p/testverband/admin/invitations/{second.id}/revoke", {"confirmed": "1"})
    revoked = only_event(app, object_type="Invitation", action="revoke")
    assert (revoked.actor_id, revoked.partnership_id, revoked.object_id) == (
        world.users["beheerder"].id,
        world.partnership.id,
        second.id,
    )
    assert revoked.changes["revoked_at"][0] is None
    assert revoked.changes["revoked_at"][1]


def test_refused_invitation_leaves_no_event(app, beheerder, world, smtp):
    before = count_rows(app, AuditEvent)
    invite(beheerder, world, email=world.users["lezer"].email)
    assert count_rows(app, AuditEvent) == before


# --- command line ----------------------------------------------------------------------------


def test_create_admin_is_recorded(app):
    result = app.test_cli_runner().invoke(
        args=[
            "users", "create-admin", "--email", "eerste@example.org", "--name", "Eerste",
            "--password", "first admin passphrase", "--partnership", "nieuw",
            "--organisation", "Gemeente Nieuw",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    partnership = find(app, Partnership, slug="nieuw")
    user = find(app, User, email="eerste@example.org")

    kinds = {(e.object_type, e.action) for e in audit_events(app)}
    assert kinds == {
        ("User", "create"),
        ("Partnership", "create"),
        ("Organisation", "create"),
        ("Participation", "create"),
        ("Membership", "create"),
    }
    membership = only_event(app, object_type="Membership", action="create")
    assert membership.partnership_id == partnership.id
    assert membership.changes["role"] == [None, "beheerder"]
    assert membership.changes["user_id"] == [None, user.id]
    # From the command line there is no logged-in actor.
    assert {e.actor_id for e in audit_events(app)} == {None}
    assert_no_secrets(only_event(app, object_type="User", action="create"))


def test_cli_deactivate_is_recorded(app, world):
    app.test_cli_runner().invoke(args=["users", "deactivate", world.users["lezer"].email])
    event = only_event(app, object_type="User", action="update")
    assert event.object_id == world.users["lezer"].id
    assert event.changes == {"active": [True, False]}


# --- the mechanism ------------------------------------------------------------------------


def test_record_adds_to_the_open_transaction_only(ctx, world):
    organisation = db.session.get(Organisation, world.provider.id)
    organisation.name = "Nooit Opgeslagen"
    record("update", organisation, partnership_id=world.partnership.id)
    db.session.rollback()
    assert db.session.query(AuditEvent).count() == 0
    assert db.session.get(Organisation, world.provider.id).name == world.provider.name


def test_changed_and_initial_fields_leave_out_secrets(ctx, world):
    user = db.session.get(User, world.users["lezer"].id)
    user.set_password("y" * 20)
    user.session_token = "new"
    user.name = "Ander"
    assert changed_fields(user) == {"name": [world.users["lezer"].name, "Ander"]}

    fresh = User(email="n@example.org", name="N", password_hash="secret", session_token="t")
    fields = initial_fields(fresh)
    assert fields["email"] == [None, "n@example.org"]
    assert not SECRETS & set(fields)
    assert "id" not in fields
