"""Sign-in as a security officer tries it: sessions that really end, password reset, equal
timing, throttling under concurrency, the password policy and two-factor authentication."""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from app.activity.models import OutgoingMail
from app.auth import services, sessions
from app.auth.models import PasswordReset, RecoveryCode, User, UserSession
from app.errors import ServiceError
from app.extensions import db
from app.partnerships.models import Membership, Partnership
from app.timeutil import utcnow
from tests.conftest import (
    PASSWORD,
    TOTP_SECRET,
    alert_text,
    audit_events,
    change_row,
    count_rows,
    csrf_token,
    enrol_two_factor,
    field_error,
    find,
    login,
    message,
    post,
)

NEW_PASSWORD = "a brand new passphrase"
ROOT = Path(__file__).resolve().parents[2]


def fetch(app, model, ident):
    """The row read fresh with its deferred columns (the two-factor ones), detached."""
    from sqlalchemy.orm import undefer

    with app.app_context():
        obj = db.session.get(model, ident, options=[undefer("*")])
        if obj is not None:
            db.session.expunge(obj)
        return obj


def is_logged_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def session_rows(app, user_id: int) -> list[UserSession]:
    with app.app_context():
        rows = list(
            db.session.execute(
                select(UserSession).where(UserSession.user_id == user_id).order_by(UserSession.id)
            ).scalars()
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def move_session(app, user_id: int, **ago) -> None:
    """Move the user's session timestamps into the past (no sleeping)."""
    with app.app_context():
        values = {name: utcnow() - delta for name, delta in ago.items()}
        db.session.execute(
            update(UserSession).where(UserSession.user_id == user_id).values(**values)
        )
        db.session.commit()


def account_mails(app, email: str) -> list[OutgoingMail]:
    with app.app_context():
        mails = list(
            db.session.execute(
                select(OutgoingMail)
                .where(OutgoingMail.recipient == email, OutgoingMail.kind == "account")
                .order_by(OutgoingMail.id)
            ).scalars()
        )
        for mail in mails:
            db.session.expunge(mail)
        return mails


# --- sessions ---------------------------------------------------------------------------


def test_logout_after_remember_me_clears_both_cookies_and_ends_the_session(app, client, world):
    user = world.users["lezer"]
    assert login(client, user.email, remember="y").status_code == 302
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value

    response = post(client, "/logout")

    assert response.status_code == 302
    cleared = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert cleared and ("Max-Age=0" in cleared[0] or "1970" in cleared[0]), cleared
    assert client.get_cookie("remember_token") is None
    assert not is_logged_in(client)
    assert session_rows(app, user.id)[0].ended_at is not None
    assert [e.action for e in audit_events(app, object_id=user.id, object_type="User")] == [
        "login",
        "logout",
    ]

    # A copied session cookie and a stolen remember cookie are both refused afterwards.
    replay = app.test_client()
    replay.set_cookie("session", session_cookie)
    assert not is_logged_in(replay)
    stolen = app.test_client()
    stolen.set_cookie("remember_token", remember_cookie)
    response = stolen.get("/account")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"


def test_the_cookies_hold_only_the_random_session_id(app, client, world):
    user = world.users["lezer"]
    login(client, user.email, remember="y")
    with client.session_transaction() as flask_session:
        token = flask_session["_user_id"]
    assert len(token) >= 40 and str(user.id) != token
    row = session_rows(app, user.id)[0]
    assert row.token_hash == sessions.hash_token(token) and token not in row.token_hash
    assert (row.remember, row.address) == (True, "127.0.0.0/24")


def test_idle_sessions_end(app, client, world):
    user = world.users["lezer"]
    login(client, user.email, remember="y")
    move_session(app, user.id, last_seen_at=timedelta(minutes=479))
    assert is_logged_in(client)  # and being seen moves last_seen forward
    assert utcnow() - session_rows(app, user.id)[0].last_seen_at < timedelta(minutes=1)
    move_session(app, user.id, last_seen_at=timedelta(minutes=481))
    assert not is_logged_in(client)
    assert session_rows(app, user.id)[0].ended_at is not None


def test_the_idle_timeout_is_configurable(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "SAMENSPEL_SESSION_IDLE_MINUTES", 15)
    login(client, world.users["lezer"].email)
    move_session(app, world.users["lezer"].id, last_seen_at=timedelta(minutes=16))
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    ("remember", "limit"), [("", timedelta(hours=12)), ("y", timedelta(days=30))]
)
def test_sessions_end_after_their_absolute_lifetime(app, client, world, remember, limit):
    user = world.users["lezer"]
    extra = {"remember": remember} if remember else {}
    login(client, user.email, **extra)
    move_session(app, user.id, created_at=limit - timedelta(minutes=1))
    assert is_logged_in(client)
    move_session(app, user.id, created_at=limit + timedelta(minutes=1))
    assert not is_logged_in(client)


def test_last_seen_is_written_at_most_every_few_minutes(app, client, world):
    user = world.users["lezer"]
    login(client, user.email)
    seen = session_rows(app, user.id)[0].last_seen_at
    client.get("/account")
    assert session_rows(app, user.id)[0].last_seen_at == seen
    move_session(app, user.id, last_seen_at=timedelta(minutes=6))
    client.get("/account")
    assert utcnow() - session_rows(app, user.id)[0].last_seen_at < timedelta(minutes=1)


def test_sessions_page_lists_and_ends_one_or_all_others(app, client, world):
    user = world.users["lezer"]
    phone, tablet = app.test_client(), app.test_client()

    def login_with(browser, agent):
        data = {"email": user.email, "password": PASSWORD}
        assert post(browser, "/login", data, headers={"User-Agent": agent}).status_code == 302

    login_with(phone, "Mozilla/5.0 (iPhone) AppleWebKit Version/17.0 Mobile Safari/604")
    login(tablet, user.email)
    login_with(client, "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0")

    page = client.get("/account/sessions").get_data(as_text=True)
    assert "Safari / iPhone" in page and "Firefox / Linux" in page
    assert page.count('/end"') == 2  # an End button for the two others, not this one

    phone_row, tablet_row, own_row = session_rows(app, user.id)
    response = post(client, f"/account/sessions/{phone_row.id}/end")
    assert response.status_code == 302
    assert not is_logged_in(phone)
    assert is_logged_in(tablet)

    # Not this session, and nobody else's.
    other = world.users["teamlid"]
    login(app.test_client(), other.email)
    foreign = session_rows(app, other.id)[0]
    post(client, f"/account/sessions/{foreign.id}/end")
    post(client, f"/account/sessions/{own_row.id}/end")
    assert fetch(app, UserSession, foreign.id).ended_at is None
    assert is_logged_in(client)

    post(client, "/account/sessions/end-others")
    assert not is_logged_in(tablet)
    assert is_logged_in(client)
    actions = [e.action for e in audit_events(app, object_id=user.id, object_type="User")]
    assert actions.count("sessions_ended") == 2
    assert len(account_mails(app, user.email)) == 2


def test_a_beheerder_deactivating_a_member_ends_their_sessions(app, client, login_as, world):
    member = app.test_client()
    login(member, world.users["lezer"].email)
    login_as(world, "beheerder")
    membership = world.memberships["lezer"]
    post(client, f"/p/{world.slug}/admin/members/{membership.id}/deactivate")
    assert not is_logged_in(member)


def test_cli_deactivation_ends_sessions(app, world):
    member = app.test_client()
    login(member, world.users["lezer"].email)
    result = app.test_cli_runner().invoke(args=["users", "deactivate", world.users["lezer"].email])
    assert result.exit_code == 0, result.output
    assert session_rows(app, world.users["lezer"].id)[0].ended_at is not None
    assert not is_logged_in(member)


def test_start_session_signs_a_test_client_in_directly(app, world):
    client = app.test_client()
    with app.app_context():
        token = sessions.start_session(db.session.get(User, world.users["lezer"].id))
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = token
    assert is_logged_in(client)


def test_the_session_statement_reads_the_membership_of_the_page_partnership(
    app, world, make_partnership, count_queries
):
    """One statement signs a partnership page in and finds the member's membership there;
    a deactivated membership, another partnership's slug or one the user is not a member
    of is still refused (404), and a page outside a partnership reads no membership."""
    other = make_partnership("anderverband")
    member = app.test_client()
    login(member, world.users["teamlid"].email)
    heatmap = f"/p/{world.slug}/risks/heatmap"
    member.get(heatmap)
    with count_queries() as statements:
        assert member.get(heatmap).status_code == 200
    assert [s for s in statements if "membership" in s and "FROM user_session" not in s] == []
    assert sum("FROM user_session" in s for s in statements) == 1
    assert member.get(f"/p/{other.slug}/risks/heatmap").status_code == 404
    assert member.get("/p/bestaat-niet/risks/heatmap").status_code == 404
    assert member.get("/notifications").status_code == 200
    change_row(app, Membership, world.memberships["teamlid"].id, active=False)
    assert member.get(heatmap).status_code == 404
    change_row(app, Membership, world.memberships["teamlid"].id, active=True, role="lezer")
    assert member.get(f"/p/{world.slug}/risks/new").status_code == 403  # the role read now
    assert member.get(heatmap).status_code == 200


def test_a_membership_noted_for_another_user_or_slug_is_read_anew(app, world):
    from app import policy

    membership = world.memberships["lezer"]
    with app.test_request_context(f"/p/{world.slug}/"):
        policy.note_page_membership(world.slug, world.users["teamlid"].id, None)
        found = policy._page_membership(world.slug, world.users["lezer"].id)
        assert found is not None and found.id == membership.id
        policy.note_page_membership("anderverband", world.users["lezer"].id, None)
        assert policy._page_membership(world.slug, world.users["lezer"].id).id == membership.id
        policy.note_page_membership(world.slug, world.users["lezer"].id, None)
        assert policy._page_membership(world.slug, world.users["lezer"].id) is None


# --- password reset -----------------------------------------------------------------------


def _request_reset(client, email: str):
    return post(client, "/password/forgot", {"email": email})


def _reset_link(app, email: str) -> str:
    mail = account_mails(app, email)[-1]
    match = re.search(r"http://samenspel\.test(/password/reset/\S+)", mail.text)
    assert match, mail.text
    return match.group(1)


def test_reset_request_answers_the_same_for_known_and_unknown_addresses(app, client, world):
    known = _request_reset(client, world.users["lezer"].email)
    unknown = _request_reset(client, "nobody@testverband.test")
    strip = lambda r: re.sub(r'value="[^"]+"', "", r.get_data(as_text=True))  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    assert count_rows(app, PasswordReset) == 1
    assert account_mails(app, "nobody@testverband.test") == []


def test_reset_link_sets_the_password_once_and_ends_every_session(app, client, world):
    user = world.users["lezer"]
    elsewhere = app.test_client()
    login(elsewhere, user.email, remember="y")
    _request_reset(client, user.email)
    _request_reset(client, user.email)
    first, link = _reset_link(app, user.email), None
    link = _reset_link(app, user.email)
    assert first == link
    older = re.search(r"(/password/reset/\S+)", account_mails(app, user.email)[0].text).group(1)
    assert client.get(link).status_code == 200

    response = post(client, link, {"new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD})

    assert response.status_code == 302
    assert fetch(app, User, user.id).check_password(NEW_PASSWORD)
    assert not is_logged_in(elsewhere)
    # The link works once, and older links stop working too.
    assert client.get(link).status_code == 410
    again = post(
        client,
        link,
        {"new_password": "yet another passphrase", "repeat_password": "yet another passphrase"},
    )
    assert again.status_code == 410
    assert client.get(older).status_code == 410
    assert fetch(app, User, user.id).check_password(NEW_PASSWORD)
    assert "password_reset" in [e.action for e in audit_events(app, object_type="User")]
    assert account_mails(app, user.email)[-1].subject == message(app, "Your password was changed")


def test_reset_link_expires_after_sixty_minutes(app, client, world):
    user = world.users["lezer"]
    _request_reset(client, user.email)
    link = _reset_link(app, user.email)
    reset = find(app, PasswordReset, user_id=user.id)
    assert reset.expires_at - reset.created_at == timedelta(minutes=60)
    change_row(app, PasswordReset, reset.id, expires_at=utcnow() + timedelta(seconds=30))
    assert client.get(link).status_code == 200
    change_row(app, PasswordReset, reset.id, expires_at=utcnow() - timedelta(seconds=1))
    assert client.get(link).status_code == 410
    response = post(client, link, {"new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD})
    assert response.status_code == 410
    assert not fetch(app, User, user.id).check_password(NEW_PASSWORD)


def test_reset_with_a_weak_password_changes_nothing(app, client, world):
    user = world.users["lezer"]
    _request_reset(client, user.email)
    link = _reset_link(app, user.email)
    response = post(
        client, link, {"new_password": "123456789012", "repeat_password": "123456789012"}
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "new_password")
    assert client.get(link).status_code == 200  # still usable
    assert fetch(app, User, user.id).check_password(PASSWORD)


def test_reset_tokens_are_long_and_stored_hashed(app, client, world):
    _request_reset(client, world.users["lezer"].email)
    token = _reset_link(app, world.users["lezer"].email).rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, base64: 256 bits
    assert find(app, PasswordReset, user_id=world.users["lezer"].id).token_hash != token


def test_reset_mail_is_sent_through_the_outbox(app, client, world, smtp):
    from app.activity.notifications import deliver

    _request_reset(client, world.users["lezer"].email)
    with app.app_context():
        assert deliver() == (1, 0)
    assert smtp[0]["To"] == world.users["lezer"].email
    assert "/password/reset/" in smtp[0].get_body(preferencelist=("plain",)).get_content()


# --- equal timing -----------------------------------------------------------------------------


def test_unknown_addresses_take_as_long_as_wrong_passwords(
    app, client, world, monkeypatch, production_password_hashing
):
    """Medians over 30 interleaved tries each. The test client serves the request in this
    thread, so this thread's CPU time is the work the request did (on SQLite including
    the database), without the time other processes on a busy machine, or threads an
    earlier test left in this process (a mail server, a throttle test's server), keep the
    CPU: that difference must stay under 10 ms. The wall-clock medians, which such waiting
    blurs, must still be far closer than the hash's cost (an unknown address answered
    without hashing would be ~100 ms or more faster)."""
    monkeypatch.setitem(app.config, "SAMENSPEL_LOGIN_LIMIT", 1000)
    # Both sides as in production: the account's hash and the dummy hash are scrypt.
    real_hash = generate_password_hash(PASSWORD, method=production_password_hashing)
    change_row(app, User, world.users["lezer"].id, password_hash=real_hash)
    token = csrf_token(client)
    cpu = {"known": [], "unknown": []}
    wall = {"known": [], "unknown": []}

    def timed(kind: str, email: str) -> None:
        data = {"email": email, "password": "not the password at all", "csrf_token": token}
        start_cpu, start_wall = time.thread_time(), time.perf_counter()
        response = client.post("/login", data=data)
        cpu[kind].append(time.thread_time() - start_cpu)
        wall[kind].append(time.perf_counter() - start_wall)
        assert response.status_code == 422

    timed("known", world.users["lezer"].email), timed("unknown", "warm-up@testverband.test")
    for values in (*cpu.values(), *wall.values()):
        values.clear()  # the first tries did first-use work (the dummy hash, caches)
    for n in range(30):
        timed("known", world.users["lezer"].email)
        timed("unknown", f"nobody{n}@testverband.test")
    medians = {k: statistics.median(v) for k, v in cpu.items()}
    assert abs(medians["known"] - medians["unknown"]) < 0.010, medians
    walls = {k: statistics.median(v) for k, v in wall.items()}
    assert abs(walls["known"] - walls["unknown"]) < 0.050, walls


# --- throttling under concurrency --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port: int, method: str, path: str, body: str = "", cookie: str = ""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read().decode()
    finally:
        connection.close()


def test_forty_parallel_wrong_passwords_evaluate_exactly_the_limit(app, world):
    from urllib.parse import urlencode

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=url, SAMENSPEL_LOGIN_LIMIT="5", SAMENSPEL_MAIL_ECHO="0")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", "4", "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(200):  # until it answers
            try:
                status, cookie, page = _request(port, "GET", "/login")
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("gunicorn did not start")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        cookie = cookie.split(";", 1)[0]
        body = urlencode(
            {"csrf_token": token, "email": world.users["lezer"].email, "password": "wrong guess"}
        )
        with ThreadPoolExecutor(max_workers=40) as pool:
            answers = list(
                pool.map(lambda _: _request(port, "POST", "/login", body, cookie)[0], range(40))
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert sorted(answers) == [422] * 5 + [429] * 35, answers


# --- password policy ----------------------------------------------------------------------------


GUESSABLE = (
    "This password is too easy to guess (repeats, sequences or keyboard patterns). Make it "
    "longer or less predictable, for instance a few unrelated words."
)
PERSONAL = "The password must not contain your e-mail address or your name."


@pytest.mark.parametrize(
    ("password", "msgid"),
    [
        ("elevenchars", "Use at least %(n)s characters."),
        ("x" * 257, "Use at most %(n)s characters."),
        ("aaaaaaaaaaaa", GUESSABLE),
        ("123456789012", GUESSABLE),
        (
            "password1234",
            "This password is in a list of common or leaked passwords. Choose another one.",
        ),
        ("samenspel-demo", "This is the public demo password. Choose another one."),
        ("lezer@testverband.test", PERSONAL),
        ("mijnnaamislezerhoor", PERSONAL),
        ("Testverband rules 2026", PERSONAL),
    ],
)
def test_the_policy_refuses_with_its_own_message(app, ctx, world, password, msgid):
    user = db.session.get(User, world.users["lezer"].id)
    with pytest.raises(ServiceError) as refusal:
        services.change_password(user, PASSWORD, password, password)
    assert refusal.value.field == "new_password"
    n = 12 if "least" in msgid else 256
    assert str(refusal.value) == message(app, msgid, n=n)
    db.session.rollback()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_the_policy_messages_are_dutch_on_the_page(app, client, login_as, world):
    login_as(world, "lezer")
    data = {"current_password": PASSWORD, "new_password": "x" * 300, "repeat_password": "x" * 300}
    page = post(client, "/account/password", data).get_data(as_text=True)
    assert field_error(page, "new_password") == "Gebruik hooguit 256 tekens."
    data = {"current_password": PASSWORD, "new_password": "kort", "repeat_password": "kort"}
    page = post(client, "/account/password", data).get_data(as_text=True)
    assert field_error(page, "new_password") == "Gebruik minstens 12 tekens."


def test_the_demo_password_is_accepted_in_demo_mode_only(app, ctx, world, monkeypatch):
    user = db.session.get(User, world.users["lezer"].id)
    monkeypatch.setitem(app.config, "SAMENSPEL_DEMO", True)
    services.change_password(user, PASSWORD, "samenspel-demo", "samenspel-demo")
    assert user.check_password("samenspel-demo")


def test_strength_feedback_while_typing(app, client, login_as, world):
    login_as(world, "lezer")
    headers = {"HX-Request": "true"}
    weak = post(client, "/password/strength", {"new_password": "aaaaaaaaaaaa"}, headers=headers)
    assert weak.status_code == 200
    assert message(app, GUESSABLE) in weak.get_data(as_text=True)
    strong = post(client, "/password/strength", {"new_password": NEW_PASSWORD}, headers=headers)
    assert "ss-strength--ok" in strong.get_data(as_text=True)
    mine = post(
        client, "/password/strength", {"new_password": "lezer-testverband-x"}, headers=headers
    )
    assert "ss-strength--refused" in mine.get_data(as_text=True)
    page = client.get("/account/password").get_data(as_text=True)
    assert 'data-hx-post="/password/strength"' in page and 'id="password-strength"' in page


# --- two-factor authentication ------------------------------------------------------------------


def _enrolled_lezer(app, client, world) -> str:
    login(client, world.users["lezer"].email)
    return enrol_two_factor(client)


def test_enrolment_shows_a_qr_code_and_the_key_and_needs_a_right_code(app, client, world):
    login(client, world.users["lezer"].email)
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    assert "<svg" in page and 'id="totp-secret"' in page
    wrong = post(client, "/account/two-factor/setup", {"code": "000000"})
    assert wrong.status_code == 422
    assert fetch(app, User, world.users["lezer"].id).totp_enabled_at is None

    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', wrong.get_data(as_text=True)).group(1)
    done = post(client, "/account/two-factor/setup", {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.get_data(as_text=True))
    assert len(set(codes)) == 10
    user = fetch(app, User, world.users["lezer"].id)
    assert user.totp_secret == secret and user.totp_enabled_at is not None
    assert count_rows(app, RecoveryCode, user_id=user.id) == 10
    with app.app_context():
        stored = db.session.execute(select(RecoveryCode.code_hash)).scalars().all()
    assert not set(codes) & set(stored)
    assert "two_factor_enabled" in [e.action for e in audit_events(app, object_type="User")]
    assert account_mails(app, user.email)[-1].subject == message(
        app, "Two-factor authentication is on"
    )


def test_login_with_two_factor_needs_the_code_and_refuses_a_replayed_one(app, client, world):
    secret = _enrolled_lezer(app, client, world)
    post(client, "/logout")
    email = world.users["lezer"].email
    response = post(client, "/login", {"email": email, "password": PASSWORD})
    assert response.location.endswith("/login/code")
    assert not is_logged_in(client)  # the password alone is not enough
    # The code used to confirm the enrolment (this time step) cannot be used again.
    used = pyotp.TOTP(secret).now()
    replay = post(client, "/login/code", {"code": used})
    assert replay.status_code == 422
    nxt = pyotp.TOTP(secret).at(time.time() + 30)
    assert post(client, "/login/code", {"code": nxt}).status_code == 302
    assert is_logged_in(client)
    post(client, "/logout")
    post(client, "/login", {"email": email, "password": PASSWORD})
    assert post(client, "/login/code", {"code": nxt}).status_code == 422
    assert not is_logged_in(client)


def test_codes_are_tried_at_most_five_times_in_a_quarter_of_an_hour(app, client, world):
    secret = _enrolled_lezer(app, client, world)
    post(client, "/logout")
    post(client, "/login", {"email": world.users["lezer"].email, "password": PASSWORD})
    for _ in range(5):
        assert post(client, "/login/code", {"code": "000000"}).status_code == 422
    change_row(app, User, world.users["lezer"].id, totp_last_step=None)
    right = post(client, "/login/code", {"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 429
    assert not is_logged_in(client)
    from app.auth.models import AuthThrottle

    with app.app_context():
        db.session.execute(
            update(AuthThrottle).values(window_start=utcnow() - timedelta(minutes=16))
        )
        db.session.commit()
    assert post(client, "/login/code", {"code": pyotp.TOTP(secret).now()}).status_code == 302


def test_a_recovery_code_logs_in_once(app, client, world):
    login(client, world.users["lezer"].email)
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    done = post(client, "/account/two-factor/setup", {"code": pyotp.TOTP(secret).now()})
    code = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.get_data(as_text=True))[0]
    post(client, "/logout")
    email = world.users["lezer"].email
    post(client, "/login", {"email": email, "password": PASSWORD})
    assert post(client, "/login/code", {"code": code.upper()}).status_code == 302
    assert is_logged_in(client)
    assert "recovery_code_used" in [e.action for e in audit_events(app, object_type="User")]
    post(client, "/logout")
    post(client, "/login", {"email": email, "password": PASSWORD})
    assert post(client, "/login/code", {"code": code}).status_code == 422
    assert not is_logged_in(client)


def test_switching_off_needs_the_password_and_a_code(app, client, world):
    secret = _enrolled_lezer(app, client, world)
    user_id = world.users["lezer"].id
    later = pyotp.TOTP(secret).at(time.time() + 30)
    bad = post(
        client, "/account/two-factor/off", {"off-password": "wrong password x", "off-code": later}
    )
    assert bad.status_code == 422
    assert fetch(app, User, user_id).totp_enabled_at is not None
    ok = post(client, "/account/two-factor/off", {"off-password": PASSWORD, "off-code": later})
    assert ok.status_code == 302
    assert fetch(app, User, user_id).totp_enabled_at is None
    assert count_rows(app, RecoveryCode, user_id=user_id) == 0
    assert "two_factor_disabled" in [e.action for e in audit_events(app, object_type="User")]


def test_reenrolment_replaces_the_key(app, client, world):
    first = _enrolled_lezer(app, client, world)
    second = enrol_two_factor(client)
    assert first != second
    assert fetch(app, User, world.users["lezer"].id).totp_secret == second


def test_beheerders_cannot_switch_two_factor_off(app, client, login_as, world):
    login_as(world, "beheerder")
    code = pyotp.TOTP(TOTP_SECRET).at(time.time() + 30)
    response = post(client, "/account/two-factor/off", {"off-password": PASSWORD, "off-code": code})
    assert response.status_code == 422
    assert fetch(app, User, world.users["beheerder"].id).totp_enabled_at is not None


def _setting(app, world, required: bool) -> None:
    change_row(app, Partnership, world.partnership.id, require_two_factor=required)


def test_required_two_factor_sends_members_to_enrolment_from_every_route(app, client, world):
    _setting(app, world, True)
    response = login(client, world.users["lezer"].email)
    assert response.location.endswith("/account/two-factor/setup")
    token = csrf_token(client)
    allowed = {"auth.two_factor_setup", "auth.logout", "static"}
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in allowed or getattr(view, "access_rule", None) == "public":
            continue
        values = {name: (world.slug if name == "slug" else 1) for name in rule.arguments}
        values = {k: ("x" if "token" in k else v) for k, v in values.items()}
        path = app.url_map.bind("localhost").build(rule.endpoint, values)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (rule.rule, response.status_code)
        assert response.location.endswith("/account/two-factor/setup"), rule.rule
        checked += 1
    assert checked > 100
    # After enrolling the member gets in.
    enrol_two_factor(client)
    assert client.get(f"/p/{world.slug}/").status_code == 200


def test_without_the_setting_members_need_no_second_factor(app, client, world):
    login(client, world.users["lezer"].email)
    assert client.get(f"/p/{world.slug}/").status_code == 200


def test_beheerders_without_two_factor_must_enrol(app, client, world):
    change_row(app, User, world.users["beheerder"].id, totp_secret="", totp_enabled_at=None)
    response = login(client, world.users["beheerder"].email)
    assert response.location.endswith("/account/two-factor/setup")
    assert client.get(f"/p/{world.slug}/admin/members").location.endswith("/two-factor/setup")


def test_beheerder_sets_the_requirement(app, client, login_as, world):
    login_as(world, "beheerder")
    response = post(client, f"/p/{world.slug}/admin/security", {"require_two_factor": "y"})
    assert response.status_code == 302
    assert fetch(app, Partnership, world.partnership.id).require_two_factor is True
    assert audit_events(app, object_type="Partnership", action="update")
    lezer = app.test_client()
    login_as_lezer = login(lezer, world.users["lezer"].email)
    assert login_as_lezer.location.endswith("/account/two-factor/setup")


def test_others_cannot_change_the_requirement(app, client, login_as, world):
    login_as(world, "programmamanager")
    response = post(client, f"/p/{world.slug}/admin/security", {"require_two_factor": "y"})
    assert response.status_code == 403
    assert fetch(app, Partnership, world.partnership.id).require_two_factor is False


def test_beheerder_resets_a_members_two_factor(app, client, login_as, world):
    member = app.test_client()
    _enrolled_lezer(app, member, world)
    login_as(world, "beheerder")
    membership = world.memberships["lezer"]

    response = post(client, f"/p/{world.slug}/admin/members/{membership.id}/reset-two-factor")

    assert response.status_code == 302
    user = fetch(app, User, world.users["lezer"].id)
    assert user.totp_enabled_at is None and user.totp_secret == ""
    assert not is_logged_in(member)
    event = audit_events(app, action="two_factor_reset")[0]
    assert (event.actor_id, event.object_id) == (world.users["beheerder"].id, user.id)
    assert account_mails(app, user.email)[-1].subject == message(
        app, "Your two-factor authentication was reset"
    )
    # The member logs in with the password alone again.
    assert login(member, user.email).location.endswith("/")


def test_only_beheerders_reset_two_factor(app, client, login_as, world):
    member = app.test_client()
    _enrolled_lezer(app, member, world)
    login_as(world, "programmamanager")
    membership = world.memberships["lezer"]
    response = post(client, f"/p/{world.slug}/admin/members/{membership.id}/reset-two-factor")
    assert response.status_code == 403
    assert fetch(app, User, world.users["lezer"].id).totp_enabled_at is not None


def test_a_password_change_is_mailed_and_ends_other_sessions(app, client, login_as, world):
    other = app.test_client()
    login(other, world.users["lezer"].email)
    login_as(world, "lezer")
    data = {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD,
    }
    assert post(client, "/account/password", data).status_code == 302
    assert is_logged_in(client) and not is_logged_in(other)
    assert account_mails(app, world.users["lezer"].email)[-1].subject == message(
        app, "Your password was changed"
    )


def test_the_login_page_offers_the_reset(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page
    assert alert_text(page) == ""


def test_membership_helpers_are_unchanged(app, world):
    # The world's beheerder is enrolled; the other roles are not.
    with app.app_context():
        users = db.session.execute(select(User).join(Membership)).scalars().all()
        enrolled = {u.email for u in users if u.has_two_factor}
    assert enrolled == {world.users["beheerder"].email}


def test_operator_resets_two_factor_from_the_command_line(app, world):
    member = app.test_client()
    login(member, world.users["beheerder"].email)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-two-factor", world.users["beheerder"].email])
    assert result.exit_code == 0, result.output
    assert fetch(app, User, world.users["beheerder"].id).totp_enabled_at is None
    assert not is_logged_in(member)
    assert audit_events(app, action="two_factor_reset")
    again = runner.invoke(args=["users", "reset-two-factor", world.users["beheerder"].email])
    assert again.exit_code != 0
    unknown = runner.invoke(args=["users", "reset-two-factor", "nobody@example.org"])
    assert unknown.exit_code != 0
