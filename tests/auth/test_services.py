"""The use cases of people and login, called directly: authenticate, passwords, invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from app.activity.models import AuditEvent
from app.auth import services
from app.auth.models import AuthThrottle, Invitation, User
from app.errors import ServiceError
from app.extensions import db
from app.partnerships.models import Membership, Organisation, Partnership
from app.timeutil import utcnow
from tests.conftest import PASSWORD

NEW_PASSWORD = "another good passphrase"


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def make_invitation(world, email="nieuw@example.org", role="teamlid", **values) -> tuple:
    """An open invitation written straight to the database; returns (invitation, token)."""
    token = f"token-for-{email}"
    invitation = Invitation(
        partnership_id=world.partnership.id,
        organisation_id=world.provider.id,
        role=role,
        email=email,
        token_hash=services._hash(token),
        expires_at=utcnow() + timedelta(days=7),
        **values,
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation, token


# --- authenticate ------------------------------------------------------------------------


def test_authenticate_returns_the_user_and_starting_a_session_sets_last_login(ctx, world):
    found = services.authenticate("  Lezer@TESTVERBAND.test", PASSWORD, "10.0.0.1")
    assert found.id == world.users["lezer"].id
    assert found.last_login_at is None
    # A success gives its attempt back: no count is left for the account or the address.
    assert db.session.execute(select(func.sum(AuthThrottle.count))).scalar() in (0, None)
    services.sessions.start_session(found)
    assert found.last_login_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [("lezer@testverband.test", "wrong password!"), ("nobody@testverband.test", PASSWORD)],
)
def test_authenticate_failures_are_counted_with_one_message(ctx, world, email, password):
    with pytest.raises(ServiceError) as failure:
        services.authenticate(email, password, "10.0.0.1")
    assert str(failure.value) == gettext("The e-mail address or password is not correct.")
    counts = dict(db.session.execute(select(AuthThrottle.key, AuthThrottle.count)).all())
    assert counts == {f"login-account:{email}": 1, "login-address:10.0.0.1": 1}


def test_authenticate_throttles_and_forgets_old_attempts(ctx, world):
    email = world.users["lezer"].email
    old = utcnow() - timedelta(days=2)
    db.session.add_all(
        [
            AuthThrottle(key=f"login-account:{email}", window_start=old, count=9),
            AuthThrottle(key="login-address:10.0.0.9", window_start=old, count=9),
        ]
    )
    db.session.commit()

    # Attempts from two days ago do not count; a failure clears such old counters away.
    assert services.authenticate(email, PASSWORD, "10.0.0.1").email == email
    with pytest.raises(ServiceError):
        services.authenticate(email, "wrong password!", "10.0.0.1")
    assert db.session.get(AuthThrottle, "login-address:10.0.0.9") is None

    for _ in range(5):
        with pytest.raises(ServiceError):
            services.authenticate(email, "wrong password!", "10.0.0.1")
    with pytest.raises(services.LoginThrottled):
        services.authenticate(email, PASSWORD, "10.0.0.2")


def test_throttle_uses_the_configured_limit(app, ctx, world, monkeypatch):
    monkeypatch.setitem(app.config, "SAMENSPEL_LOGIN_LIMIT", 2)
    email = world.users["lezer"].email
    for _ in range(2):
        with pytest.raises(ServiceError):
            services.authenticate(email, "wrong password!", "10.0.0.1")
    with pytest.raises(services.LoginThrottled):
        services.authenticate(email, PASSWORD, "10.0.0.1")


def test_passwords_are_hashed_with_scrypt(ctx, world, production_password_hashing):
    lezer = db.session.get(User, world.users["lezer"].id)
    services.change_password(lezer, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert lezer.password_hash.startswith("scrypt:")
    assert NEW_PASSWORD not in lezer.password_hash


def test_change_password_ends_the_other_sessions(ctx, world):
    lezer = db.session.get(User, world.users["lezer"].id)
    other = services.sessions.start_session(lezer)
    this = services.sessions.start_session(lezer)
    services.sessions.load(this)  # the request's session: it stays
    services.change_password(lezer, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert services.sessions.load(other) is None
    assert services.sessions.load(this).id == lezer.id


@pytest.mark.parametrize(
    ("current", "new", "repeat", "field"),
    [
        ("wrong current password", NEW_PASSWORD, NEW_PASSWORD, "current_password"),
        (PASSWORD, "x" * 11, "x" * 11, "new_password"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "?", "repeat_password"),
    ],
)
def test_change_password_refusals_name_their_field(ctx, world, current, new, repeat, field):
    lezer = db.session.get(User, world.users["lezer"].id)
    before = lezer.password_hash
    with pytest.raises(ServiceError) as refusal:
        services.change_password(lezer, current, new, repeat)
    assert refusal.value.field == field
    db.session.rollback()
    assert db.session.get(User, lezer.id).password_hash == before
    assert count(AuditEvent) == 0


def test_twelve_characters_are_enough(ctx, world):
    lezer = db.session.get(User, world.users["lezer"].id)
    services.change_password(lezer, PASSWORD, "zeven bomen!", "zeven bomen!")
    assert lezer.check_password("zeven bomen!")


def test_set_language_ignores_unknown_and_unchanged_languages(ctx, world):
    lezer = db.session.get(User, world.users["lezer"].id)
    services.set_language(lezer, "fr")
    services.set_language(lezer, "nl")
    assert lezer.language == "nl"
    assert count(AuditEvent) == 0
    services.set_language(lezer, "en")
    assert db.session.get(User, lezer.id).language == "en"
    assert count(AuditEvent) == 1


# --- invitations -------------------------------------------------------------------------


def test_invite_without_a_mail_server_still_creates_the_invitation(ctx, world):
    partnership = db.session.get(Partnership, world.partnership.id)
    provider = db.session.get(Organisation, world.provider.id)
    beheerder = db.session.get(User, world.users["beheerder"].id)

    invitation, token = services.invite(
        partnership, provider, "partner", " Iemand@Example.ORG ", " Iemand ", beheerder
    )

    assert invitation.email == "iemand@example.org"
    assert invitation.name == "Iemand"
    assert invitation.invited_by_id == beheerder.id
    assert invitation.state == "open"
    assert services.find_invitation(token).id == invitation.id
    assert invitation.token_hash != token


def test_invite_refuses_an_unknown_role(ctx, world):
    partnership = db.session.get(Partnership, world.partnership.id)
    provider = db.session.get(Organisation, world.provider.id)
    beheerder = db.session.get(User, world.users["beheerder"].id)
    with pytest.raises(ServiceError) as refusal:
        services.invite(partnership, provider, "koning", "a@example.org", "", beheerder)
    assert refusal.value.field == "role"
    assert count(Invitation) == 0


def test_invite_refuses_a_member_whatever_the_case(ctx, world):
    partnership = db.session.get(Partnership, world.partnership.id)
    provider = db.session.get(Organisation, world.provider.id)
    beheerder = db.session.get(User, world.users["beheerder"].id)
    with pytest.raises(ServiceError) as refusal:
        services.invite(partnership, provider, "lezer", "LEZER@testverband.test", "", beheerder)
    assert refusal.value.field == "email"
    db.session.rollback()
    assert count(Invitation) == 0


@pytest.mark.parametrize("token", ["", "x" * 101, "not-a-token"])
def test_find_invitation_of_bad_tokens_is_none(ctx, world, token):
    make_invitation(world)
    assert services.find_invitation(token) is None


def test_invitation_states(ctx, world):
    invitation, _ = make_invitation(world)
    assert invitation.state == "open"
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    assert invitation.state == "expired"
    invitation.revoked_at = utcnow()
    assert invitation.state == "revoked"
    invitation.accepted_at = utcnow()
    assert invitation.state == "accepted"


def test_accept_new_user_creates_user_and_membership_together(ctx, world):
    invitation, _ = make_invitation(world, role="partner")
    new = services.accept_invitation_new_user(invitation, " Nieuw ", NEW_PASSWORD, NEW_PASSWORD)
    membership = db.session.execute(
        select(Membership).where(Membership.user_id == new.id)
    ).scalar_one()
    assert (new.email, new.name) == ("nieuw@example.org", "Nieuw")
    assert (membership.partnership_id, membership.organisation_id, membership.role) == (
        world.partnership.id,
        world.provider.id,
        "partner",
    )
    assert invitation.state == "accepted"


@pytest.mark.parametrize(
    ("name", "password", "repeat", "field"),
    [
        ("", NEW_PASSWORD, NEW_PASSWORD, "name"),
        ("Nieuw", "short", "short", "new_password"),
        ("Nieuw", NEW_PASSWORD, "something else", "repeat_password"),
    ],
)
def test_accept_new_user_bad_input_creates_nothing(ctx, world, name, password, repeat, field):
    invitation, _ = make_invitation(world)
    users_before = count(User)
    with pytest.raises(ServiceError) as refusal:
        services.accept_invitation_new_user(invitation, name, password, repeat)
    assert refusal.value.field == field
    db.session.rollback()
    assert count(User) == users_before
    assert db.session.get(Invitation, invitation.id).state == "open"


def test_accept_new_user_refuses_an_existing_address(ctx, world):
    invitation, _ = make_invitation(world, email="lezer@testverband.test")
    with pytest.raises(ServiceError):
        services.accept_invitation_new_user(invitation, "Dubbel", NEW_PASSWORD, NEW_PASSWORD)


@pytest.mark.parametrize("state", ["accepted_at", "revoked_at", "expired"])
def test_closed_invitations_cannot_be_accepted(ctx, world, state):
    invitation, _ = make_invitation(world)
    if state == "expired":
        invitation.expires_at = utcnow() - timedelta(minutes=1)
    else:
        setattr(invitation, state, utcnow())
    db.session.commit()
    with pytest.raises(ServiceError):
        services.accept_invitation_new_user(invitation, "Nieuw", NEW_PASSWORD, NEW_PASSWORD)
    db.session.rollback()
    assert count(Membership) == len(world.memberships)


def test_accept_existing_user_requires_the_invited_address(ctx, world, make_partnership):
    other = make_partnership("ander")
    invitation, _ = make_invitation(world, email="lezer@ander.test", role="partner")
    stranger = db.session.get(User, other.users["teamlid"].id)
    with pytest.raises(ServiceError):
        services.accept_invitation_existing_user(invitation, stranger)
    db.session.rollback()

    guest = db.session.get(User, other.users["lezer"].id)
    membership = services.accept_invitation_existing_user(invitation, guest)
    assert (membership.partnership_id, membership.role) == (world.partnership.id, "partner")


def test_revoke_only_open_invitations(ctx, world):
    invitation, _ = make_invitation(world)
    services.revoke_invitation(invitation)
    assert invitation.state == "revoked"
    with pytest.raises(ServiceError):
        services.revoke_invitation(invitation)


# --- create_admin ------------------------------------------------------------------------


def test_create_admin_promotes_an_existing_member(ctx, world):
    membership = services.create_admin(
        "Lezer@testverband.test",
        "ignored",
        "",
        world.slug,
        None,
        world.municipality.name,
        "gemeente",
    )
    assert membership.id == world.memberships["lezer"].id
    assert membership.role == "beheerder"
    # An existing user keeps their password.
    assert user("lezer@testverband.test").check_password(PASSWORD)


def test_create_admin_reactivates_a_deactivated_member(ctx, world):
    lezer = db.session.get(Membership, world.memberships["lezer"].id)
    lezer.active = False
    db.session.commit()
    membership = services.create_admin(
        "lezer@testverband.test", "", "", world.slug, None, world.municipality.name, "gemeente"
    )
    assert membership.active
    assert membership.role == "beheerder"


@pytest.mark.parametrize(
    ("email", "kind", "field"),
    [("not-an-address", "gemeente", "email"), ("ok@example.org", "koninkrijk", "kind")],
)
def test_create_admin_refuses_bad_input(ctx, email, kind, field):
    with pytest.raises(ServiceError) as refusal:
        services.create_admin(email, "N", "long enough password", "p", None, "Org", kind)
    assert refusal.value.field == field
    db.session.rollback()
    assert count(User) == count(Partnership) == count(Organisation) == 0
