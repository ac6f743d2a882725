"""Login, logout, session, password change, language and accepting invitations over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from app.auth.models import AuthThrottle, Invitation, User, UserSession
from app.partnerships.models import Membership
from app.timeutil import utcnow
from tests.conftest import (
    PASSWORD,
    alert_text,
    audit_events,
    change_row,
    count_rows,
    fetch,
    field_error,
    find,
    login,
    mail_text,
    message,
    post,
    set_language,
)

NEW_PASSWORD = "a brand new passphrase"
GENERIC = "The e-mail address or password is not correct."
THROTTLED = "Too many failed attempts. Wait a minute and try again."


def cookie_header(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert headers, f"no {name} cookie set; got {response.headers.getlist('Set-Cookie')}"
    return headers[-1]


def is_logged_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    return False


def path_of(response) -> str:
    parts = urlsplit(response.location)
    assert not parts.netloc, response.location
    return parts.path


# --- login ---------------------------------------------------------------------------


def test_login_page_is_in_dutch_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="nl"' in response.get_data(as_text=True)


def test_good_login_redirects_and_records_the_time(app, client, world):
    assert fetch(app, User, world.users["lezer"].id).last_login_at is None
    before = utcnow()

    response = login(client, "lezer@testverband.test")

    assert response.status_code == 302
    assert path_of(response) == "/"
    last_login = fetch(app, User, world.users["lezer"].id).last_login_at
    assert last_login is not None and before - timedelta(seconds=1) <= last_login
    # The start page sends a member of one partnership straight to it.
    start = client.get("/")
    assert start.status_code == 302
    assert path_of(start) == "/p/testverband/"
    assert client.get("/p/testverband/").status_code == 200


def test_login_ignores_case_and_spaces_in_the_address(client, world):
    response = login(client, "  LEZER@TestVerband.test ")
    assert response.status_code == 302
    assert is_logged_in(client)


def test_session_cookie_is_httponly_and_samesite_lax(client, world):
    response = login(client, world.users["lezer"].email)
    header = cookie_header(response, "session")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_")]


def test_remember_me_sets_a_remember_cookie_that_logs_in_again(app, client, world):
    response = login(client, world.users["lezer"].email, remember="y")
    assert response.status_code == 302
    header = cookie_header(response, "remember_token")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Expires=" in header

    # A browser that kept only the remember cookie is still logged in.
    fresh = app.test_client()
    fresh.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert is_logged_in(fresh)


def test_wrong_password_and_unknown_user_get_the_same_message(app, client, world):
    wrong = login(client, world.users["lezer"].email, "not the password at all")
    unknown = login(client, "nobody@testverband.test", "not the password at all")

    assert wrong.status_code == unknown.status_code == 422
    wrong_text = alert_text(wrong.get_data(as_text=True))
    assert wrong_text == alert_text(unknown.get_data(as_text=True))
    assert wrong_text == message(app, GENERIC)
    assert not is_logged_in(client)
    # Counted per account (two) and per address (one, twice).
    assert count_rows(app, AuthThrottle) == 3
    assert find(app, AuthThrottle, key="login-address:127.0.0.1").count == 2


def test_login_form_without_password_is_refused(client, world):
    response = post(client, "/login", {"email": world.users["lezer"].email})
    assert response.status_code == 422
    assert not is_logged_in(client)


def test_inactive_user_cannot_log_in(app, client, world):
    user_id = world.users["lezer"].id
    change_row(app, User, user_id, active=False)

    response = login(client, world.users["lezer"].email)

    assert response.status_code == 422
    assert alert_text(response.get_data(as_text=True)) == message(app, GENERIC)
    assert not is_logged_in(client)
    assert fetch(app, User, user_id).last_login_at is None


def test_a_deactivated_user_loses_an_open_session(app, client, login_as, world):
    login_as(world, "lezer")
    assert is_logged_in(client)
    change_row(app, User, world.users["lezer"].id, active=False)
    assert not is_logged_in(client)


def _fail(client, email: str, address: str):
    return post(
        client,
        "/login",
        {"email": email, "password": "wrong password here"},
        environ_base={"REMOTE_ADDR": address},
    )


def _login_from(client, email: str, address: str):
    return post(
        client,
        "/login",
        {"email": email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": address},
    )


def test_rate_limit_per_account(app, client, world):
    email = world.users["lezer"].email
    for n in range(5):  # from five different addresses: only the account is in common
        assert _fail(client, email, f"10.0.0.{n + 1}").status_code == 422

    response = _login_from(client, email, "10.0.0.99")  # right password, fresh address

    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert message(app, THROTTLED) in page
    assert not is_logged_in(client)
    assert fetch(app, User, world.users["lezer"].id).last_login_at is None
    # Another account from that same address is not affected.
    assert _login_from(client, world.users["teamlid"].email, "10.0.0.99").status_code == 302


def test_rate_limit_message_in_english(app, client, world):
    set_language(client, "en")
    for _ in range(5):
        _fail(client, world.users["lezer"].email, "10.0.0.1")
    response = _login_from(client, world.users["lezer"].email, "10.0.0.2")
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)


def test_rate_limit_per_address(app, client, world):
    for n in range(5):  # five different accounts, one address
        assert _fail(client, f"someone{n}@elsewhere.test", "10.9.9.9").status_code == 422

    response = _login_from(client, world.users["lezer"].email, "10.9.9.9")

    assert response.status_code == 429
    assert message(app, THROTTLED) in response.get_data(as_text=True)
    assert not is_logged_in(client)
    # The same account from another address gets in.
    assert _login_from(client, world.users["lezer"].email, "10.8.8.8").status_code == 302


def test_rate_limit_lifts_after_a_minute(app, client, world):
    email = world.users["lezer"].email
    for _ in range(5):
        _fail(client, email, "10.0.0.1")
    assert _login_from(client, email, "10.0.0.1").status_code == 429

    with app.app_context():
        from app.extensions import db

        db.session.query(AuthThrottle).update({"window_start": utcnow() - timedelta(seconds=61)})
        db.session.commit()

    assert _login_from(client, email, "10.0.0.1").status_code == 302


def test_four_failures_do_not_lock_the_account(client, world):
    email = world.users["lezer"].email
    for _ in range(4):
        _fail(client, email, "10.0.0.1")
    assert _login_from(client, email, "10.0.0.1").status_code == 302


def test_login_renews_the_session_but_keeps_the_language(app, client, world):
    with client.session_transaction() as session:
        session["planted"] = "from before the login"
        session["lang"] = "en"

    assert login(client, world.users["lezer"].email).status_code == 302

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"
        token = session["_user_id"]
    # The session holds only a random id; the database keeps its hash.
    assert str(world.users["lezer"].id) not in token.split("-")[0] or len(token) >= 40
    from app.auth.sessions import hash_token

    row = find(app, UserSession, token_hash=hash_token(token))
    assert row.user_id == world.users["lezer"].id and row.ended_at is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/p/testverband/members", "/p/testverband/members"),
        ("https://evil.example/steal", "/"),
        ("//evil.example/steal", "/"),
        ("http:/evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\\evil.example/steal", "/"),
        ("/\tevil", "/"),
    ],
)
def test_next_only_follows_local_paths(client, world, target, expected):
    response = post(
        client,
        "/login",
        {"email": world.users["lezer"].email, "password": PASSWORD},
        query_string={"next": target},
    )
    assert response.status_code == 302
    parts = urlsplit(response.location)
    assert parts.netloc == ""
    assert parts.path == expected


def test_logged_in_user_visiting_login_goes_to_start(client, login_as, world):
    login_as(world, "lezer")
    response = client.get("/login")
    assert response.status_code == 302
    assert path_of(response) == "/"


def test_logout_requires_post_and_ends_the_session(client, login_as, world):
    login_as(world, "lezer")

    assert client.get("/logout").status_code == 405
    assert is_logged_in(client)

    response = post(client, "/logout")
    assert response.status_code == 302
    assert path_of(response) == "/login"
    assert not is_logged_in(client)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/account")
    assert response.status_code == 302
    parts = urlsplit(response.location)
    assert parts.path == "/login"
    assert "next=%2Faccount" in parts.query


# --- account and password ---------------------------------------------------------------


def test_account_update_saves_name_and_language(app, client, login_as, world):
    login_as(world, "lezer")
    response = post(client, "/account", {"name": "Nieuwe Naam", "language": "en"})
    assert response.status_code == 302
    user = fetch(app, User, world.users["lezer"].id)
    assert (user.name, user.language) == ("Nieuwe Naam", "en")
    assert '<html lang="en"' in client.get("/account").get_data(as_text=True)


def test_account_update_refuses_an_empty_name(app, client, login_as, world):
    login_as(world, "lezer")
    response = post(client, "/account", {"name": "  ", "language": "nl"})
    assert response.status_code == 422
    assert fetch(app, User, world.users["lezer"].id).name == world.users["lezer"].name


def _change_password(client, current=PASSWORD, new=NEW_PASSWORD, repeat=None):
    return post(
        client,
        "/account/password",
        {
            "current_password": current,
            "new_password": new,
            "repeat_password": new if repeat is None else repeat,
        },
    )


def test_password_change_refuses_a_wrong_current_password(app, client, login_as, world):
    login_as(world, "lezer")
    before = fetch(app, User, world.users["lezer"].id).password_hash

    response = _change_password(client, current="this is not it at all")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "current_password") == message(
        app, "Your current password is not correct."
    )
    assert fetch(app, User, world.users["lezer"].id).password_hash == before


def test_password_change_refuses_a_short_password(app, client, login_as, world):
    login_as(world, "lezer")
    before = fetch(app, User, world.users["lezer"].id).password_hash

    response = _change_password(client, new="elevenchars")

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "new_password") == message(
        app, "Use at least %(n)s characters.", n=12
    )
    assert fetch(app, User, world.users["lezer"].id).password_hash == before


def test_password_change_refuses_different_repeat(app, client, login_as, world):
    login_as(world, "lezer")
    before = fetch(app, User, world.users["lezer"].id).password_hash

    response = _change_password(client, repeat=NEW_PASSWORD + "!")

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "repeat_password") == message(
        app, "The two passwords are not the same."
    )
    assert fetch(app, User, world.users["lezer"].id).password_hash == before


def test_password_change_ends_other_sessions_only(app, client, login_as, world):
    email = world.users["lezer"].email
    other = app.test_client()
    assert login(other, email).status_code == 302
    login_as(world, "lezer")
    before = fetch(app, User, world.users["lezer"].id)

    response = _change_password(client)

    assert response.status_code == 302
    assert path_of(response) == "/account"
    after = fetch(app, User, world.users["lezer"].id)
    assert after.password_hash != before.password_hash
    assert after.check_password(NEW_PASSWORD)
    assert not after.check_password(PASSWORD)
    assert is_logged_in(client)
    assert not is_logged_in(other)
    # The new password works for a new login, the old one does not.
    assert login(app.test_client(), email, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), email, PASSWORD).status_code == 422


# --- language -------------------------------------------------------------------------


def test_language_switch_sets_html_lang(client):
    response = post(client, "/language", {"language": "en", "next": "/login"})
    assert response.status_code == 302
    assert path_of(response) == "/login"
    assert '<html lang="en"' in client.get("/login").get_data(as_text=True)

    post(client, "/language", {"language": "nl", "next": "/login"})
    assert '<html lang="nl"' in client.get("/login").get_data(as_text=True)


def test_language_switch_ignores_unknown_languages_and_foreign_next(client):
    response = post(client, "/language", {"language": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert urlsplit(response.location).netloc == ""
    assert '<html lang="nl"' in client.get("/login").get_data(as_text=True)


def test_language_of_a_logged_in_user_is_stored(app, client, login_as, world):
    login_as(world, "lezer")
    post(client, "/language", {"language": "en", "next": "/account"})
    assert fetch(app, User, world.users["lezer"].id).language == "en"

    # A new session (another device) starts in the stored language.
    elsewhere = app.test_client()
    login(elsewhere, world.users["lezer"].email)
    assert '<html lang="en"' in elsewhere.get("/account").get_data(as_text=True)


# --- invitations ---------------------------------------------------------------------

LINK = re.compile(r"http://samenspel\.test(/invite/[A-Za-z0-9_\-]+)")


def send_invitation(client, world, email, role="teamlid", organisation=None, name="Nieuw Lid"):
    organisation = organisation or world.provider
    return post(
        client,
        f"/p/{world.slug}/admin/invitations",
        {"email": email, "name": name, "organisation_id": str(organisation.id), "role": role},
    )


def link_from(mail) -> str:
    match = LINK.search(mail_text(mail))
    assert match, mail_text(mail)
    return match.group(1)


@pytest.fixture
def invited(app, client, login_as, world, smtp):
    """A beheerder has invited nieuw@example.org as teamlid for the provider."""
    login_as(world, "beheerder")
    response = send_invitation(client, world, "Nieuw@Example.org")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert len(smtp) == 1
    return link_from(smtp[0])


def accept(client, path, name="Nieuw Lid", password=NEW_PASSWORD, repeat=None):
    return post(
        client,
        path,
        {
            "name": name,
            "new_password": password,
            "repeat_password": password if repeat is None else repeat,
        },
    )


def test_invitation_mail_arrives_with_the_link(app, world, invited, smtp):
    mail = smtp[0]
    assert mail["To"] == "nieuw@example.org"
    assert world.partnership.name in mail["Subject"]
    text = mail_text(mail)
    assert "http://samenspel.test/invite/" in text
    assert world.provider.name in text
    invitation = find(app, Invitation, email="nieuw@example.org")
    assert invitation.role == "teamlid"
    assert invitation.organisation_id == world.provider.id
    assert invitation.state == "open"
    # Only the hash of the token is stored.
    assert invited.rsplit("/", 1)[1] not in invitation.token_hash


def test_invitation_link_shows_the_form(app, invited):
    invitee = app.test_client()
    response = invitee.get(invited)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="new_password"' in page
    assert "nieuw@example.org" in page


def test_accepting_creates_the_account_and_membership_and_logs_in(app, world, invited):
    invitee = app.test_client()

    response = accept(invitee, invited)

    assert response.status_code == 302
    assert path_of(response) == f"/p/{world.slug}/"
    user = find(app, User, email="nieuw@example.org")
    assert user is not None and user.name == "Nieuw Lid"
    assert user.check_password(NEW_PASSWORD)
    membership = find(app, Membership, user_id=user.id, partnership_id=world.partnership.id)
    assert membership.organisation_id == world.provider.id
    assert membership.role == "teamlid"
    assert membership.active
    assert invitee.get(f"/p/{world.slug}/").status_code == 200
    assert find(app, Invitation, email="nieuw@example.org").accepted_at is not None

    # The link works once.
    again = app.test_client()
    assert again.get(invited).status_code == 410
    assert accept(again, invited, name="Tweede Keer").status_code == 410
    assert count_rows(app, User, email="nieuw@example.org") == 1
    assert message(
        app, "This invitation has already been used. Log in with your account."
    ) in again.get(invited).get_data(as_text=True)


def test_accepting_with_a_short_password_creates_nothing(app, world, invited):
    invitee = app.test_client()
    response = accept(invitee, invited, password="too short")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "new_password") == message(
        app, "Use at least %(n)s characters.", n=12
    )
    assert find(app, User, email="nieuw@example.org") is None
    assert find(app, Invitation, email="nieuw@example.org").state == "open"


def test_expired_invitation_is_refused(app, invited):
    invitation = find(app, Invitation, email="nieuw@example.org")
    change_row(app, Invitation, invitation.id, expires_at=utcnow() - timedelta(minutes=1))
    invitee = app.test_client()

    response = invitee.get(invited)

    assert response.status_code == 410
    assert message(
        app, "This invitation has expired. Ask a beheerder of the partnership for a new one."
    ) in response.get_data(as_text=True)
    assert accept(invitee, invited).status_code == 410
    assert find(app, User, email="nieuw@example.org") is None


def test_invitation_still_valid_just_before_it_expires(app, invited):
    invitation = find(app, Invitation, email="nieuw@example.org")
    change_row(app, Invitation, invitation.id, expires_at=utcnow() + timedelta(minutes=1))
    assert app.test_client().get(invited).status_code == 200


def test_invitation_expires_after_seven_days(app, invited):
    invitation = find(app, Invitation, email="nieuw@example.org")
    lifetime = invitation.expires_at - invitation.created_at
    assert timedelta(days=7) - timedelta(minutes=1) < lifetime <= timedelta(days=7)


@pytest.mark.parametrize("tamper", ["change", "truncate", "long", "unknown"])
def test_tampered_or_unknown_token_is_404(app, invited, tamper):
    token = invited.rsplit("/", 1)[1]
    bad = {
        "change": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "truncate": token[:-3],
        "long": token * 4,
        "unknown": "x" * len(token),
    }[tamper]
    invitee = app.test_client()
    assert invitee.get(f"/invite/{bad}").status_code == 404
    assert accept(invitee, f"/invite/{bad}").status_code == 404
    assert find(app, User, email="nieuw@example.org") is None


def test_revoked_invitation_link_is_refused(app, client, world, invited):
    invitation = find(app, Invitation, email="nieuw@example.org")
    response = post(
        client, f"/p/{world.slug}/admin/invitations/{invitation.id}/revoke", {"confirmed": "1"}
    )
    assert response.status_code == 302
    assert find(app, Invitation, id=invitation.id).state == "revoked"

    invitee = app.test_client()
    response = invitee.get(invited)
    assert response.status_code == 410
    assert message(app, "This invitation has been withdrawn.") in response.get_data(as_text=True)
    assert accept(invitee, invited).status_code == 410
    assert find(app, User, email="nieuw@example.org") is None


def test_invitation_for_an_existing_user_joins_after_login(
    app, client, login_as, make_partnership, world, smtp
):
    other = make_partnership("ander")
    guest = other.users["lezer"]
    # The invitation form accepts only deliverable-looking addresses (no ".test").
    change_row(app, User, guest.id, email="gast@example.org")
    guest.email = "gast@example.org"
    login_as(world, "beheerder")
    assert send_invitation(client, world, guest.email, role="partner").status_code == 302
    link = link_from(smtp[-1])

    invitee = app.test_client()
    # Not logged in: the page asks to log in as that account, and nothing is joined.
    page = invitee.get(link)
    assert page.status_code == 200
    assert f'href="/login?next={link}"' in page.get_data(as_text=True)
    assert 'name="new_password"' not in page.get_data(as_text=True)
    post(invitee, link)
    assert find(app, Membership, user_id=guest.id, partnership_id=world.partnership.id) is None

    # Logged in as someone else: still no joining.
    login(invitee, other.users["teamlid"].email)
    assert f'href="/login?next={link}"' in invitee.get(link).get_data(as_text=True)
    post(invitee, link)
    assert find(app, Membership, user_id=guest.id, partnership_id=world.partnership.id) is None
    post(invitee, "/logout")

    # Logged in as the invited account: the login follows next back to the invitation.
    response = post(
        invitee, "/login", {"email": guest.email, "password": PASSWORD}, query_string={"next": link}
    )
    assert path_of(response) == link
    join_page = invitee.get(link)
    assert join_page.status_code == 200
    assert find(app, Membership, user_id=guest.id, partnership_id=world.partnership.id) is None

    response = post(invitee, link)

    assert response.status_code == 302
    assert path_of(response) == f"/p/{world.slug}/"
    membership = find(app, Membership, user_id=guest.id, partnership_id=world.partnership.id)
    assert membership.role == "partner"
    assert membership.organisation_id == world.provider.id
    assert invitee.get(f"/p/{world.slug}/").status_code == 200
    assert invitee.get(link).status_code == 410
    # Their account is unchanged: same password, still in their own partnership.
    assert fetch(app, User, guest.id).check_password(PASSWORD)
    assert invitee.get(f"/p/{other.slug}/").status_code == 200
    assert audit_events(app, action="accept", object_type="Invitation")[0].actor_id == guest.id
