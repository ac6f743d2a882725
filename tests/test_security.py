"""Security headers, CSRF refusals, the health check, error pages and cookie settings."""

from __future__ import annotations

import re

import pytest

from app import config
from app.activity.models import AuditEvent
from app.auth import sessions
from app.partnerships.models import Organisation
from tests.conftest import (
    PASSWORD,
    count_rows,
    csrf_token,
    login,
    message,
    scraped_csrf_token,
    sign_in,
)

STRICT_REFERRER = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    directives = csp_directives(response)
    script_sources = directives.get("script-src", directives.get("default-src"))
    assert script_sources, "no script-src or default-src"
    assert "'unsafe-inline'" not in script_sources
    assert "'unsafe-eval'" not in script_sources
    assert "'unsafe-inline'" not in directives.get("default-src", [])
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in STRICT_REFERRER


@pytest.mark.parametrize("path", ["/login", "/healthz", "/toegankelijkheid", "/bestaat-niet"])
def test_security_headers_on_public_responses(client, path):
    assert_security_headers(client.get(path))


def test_security_headers_on_member_pages_and_redirects(client, login_as, world):
    login_as(world, "beheerder")
    for path in ["/p/testverband/", "/p/testverband/admin/members", "/"]:
        assert_security_headers(client.get(path))


def test_pages_have_no_inline_scripts(client, login_as, world):
    login_as(world, "beheerder")
    for path in ["/p/testverband/", "/p/testverband/members", "/p/testverband/admin/invitations"]:
        page = client.get(path).get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert scripts, path
        assert all("src=" in tag for tag in scripts), (path, scripts)
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", page), path  # no inline handlers


def test_member_pages_are_not_cached(client, login_as, world):
    login_as(world, "lezer")
    assert client.get("/p/testverband/").headers["Cache-Control"] == "no-store"


def test_healthz_is_plain_ok_without_database_work(client, count_queries):
    with count_queries() as statements:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert response.mimetype == "text/plain"
    assert statements == []


# --- CSRF ------------------------------------------------------------------------------------


def test_login_post_without_csrf_token_is_refused(app, client, world):
    response = client.post(
        "/login", data={"email": world.users["lezer"].email, "password": "whatever it is"}
    )
    assert response.status_code == 400
    assert client.get("/account").status_code == 302  # not logged in
    assert count_rows(app, AuditEvent) == 0


def test_admin_post_without_csrf_token_changes_nothing(app, client, login_as, world):
    login_as(world, "beheerder")
    before = count_rows(app, AuditEvent)

    response = client.post(
        "/p/testverband/admin/organisations", data={"name": "Sluiproute", "kind": "overig"}
    )

    assert response.status_code == 400
    assert message(
        app, "The form has expired or was not sent from this site. Reload and try again."
    ) in response.get_data(as_text=True)
    assert count_rows(app, Organisation, name="Sluiproute") == 0
    assert count_rows(app, AuditEvent) == before


def test_post_with_a_wrong_csrf_token_is_refused(app, client, login_as, world):
    login_as(world, "beheerder")
    token = csrf_token(client)
    response = client.post(
        f"/p/testverband/admin/members/{world.memberships['lezer'].id}/deactivate",
        data={"csrf_token": token[:-2] + "xx"},
    )
    assert response.status_code == 400
    assert count_rows(app, AuditEvent) == 1  # only the login


def test_csrf_token_of_another_session_is_refused(app, client, login_as, world):
    stranger = app.test_client()
    foreign_token = csrf_token(stranger)
    login_as(world, "beheerder")
    response = client.post(
        f"/p/testverband/admin/members/{world.memberships['lezer'].id}/deactivate",
        data={"csrf_token": foreign_token},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("token_of", [scraped_csrf_token, csrf_token])
def test_a_token_from_a_page_and_a_computed_token_are_both_accepted(app, client, world, token_of):
    # The tests' csrf_token() computes what the page's form carries; both work alike.
    sign_in(client, world.users["beheerder"])
    token = token_of(client)
    response = client.post(
        "/p/testverband/admin/organisations",
        data={"name": "Via het formulier", "kind": "overig", "csrf_token": token},
    )
    assert response.status_code == 302
    assert count_rows(app, Organisation, name="Via het formulier") == 1


def test_a_session_s_pages_carry_one_signed_token_that_flask_wtf_accepts(app, client, world):
    from flask_wtf.csrf import validate_csrf

    sign_in(client, world.users["beheerder"])
    first, second = scraped_csrf_token(client), scraped_csrf_token(client)
    assert first == second  # signed once for the session's secret
    other = app.test_client()
    sign_in(other, world.users["beheerder"])
    assert scraped_csrf_token(other) != first  # another session: its own
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    with app.test_request_context():
        from flask import session as request_session

        request_session["csrf_token"] = raw
        validate_csrf(first)  # raises when Flask-WTF would refuse it
        request_session["csrf_token"] = "een ander geheim"
        with pytest.raises(Exception, match="do not match"):
            validate_csrf(first)
    response = client.post(
        "/p/testverband/admin/organisations",
        data={"name": "Met het bewaarde token", "kind": "overig", "csrf_token": first},
    )
    assert response.status_code == 302
    assert count_rows(app, Organisation, name="Met het bewaarde token") == 1


def test_with_a_time_limit_every_page_signs_its_token_anew(app, client, world, monkeypatch):
    import time

    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    sign_in(client, world.users["beheerder"])
    first = scraped_csrf_token(client)
    time.sleep(1.1)  # the signed time is in seconds
    assert scraped_csrf_token(client) != first


def test_a_token_from_a_page_logs_in_through_the_form(app, client, world):
    token = scraped_csrf_token(client)
    response = client.post(
        "/login",
        data={"email": world.users["lezer"].email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert count_rows(app, AuditEvent, action="login") == 1


def test_signing_in_without_the_form_gives_the_session_a_login_gives(app, world):
    by_form, direct = app.test_client(), app.test_client()
    assert login(by_form, world.users["lezer"].email).status_code == 302
    sign_in(direct, world.users["lezer"])
    with by_form.session_transaction() as one, direct.session_transaction() as other:
        assert set(one) == set(other) == {"_user_id", "_fresh", "_id"}
        # The same session apart from _user_id: each the random id of its own server-side
        # session, both of the same person.
        assert {k: one[k] for k in one if k != "_user_id"} == {
            k: other[k] for k in other if k != "_user_id"
        }
        ids = (one["_user_id"], other["_user_id"])
    assert ids[0] != ids[1]
    with app.app_context():
        assert {sessions.load(i).id for i in ids} == {world.users["lezer"].id}
    for client in (by_form, direct):
        page = client.get("/account")
        assert page.status_code == 200
        assert world.users["lezer"].email in page.get_data(as_text=True)


def test_logout_and_language_without_csrf_token_are_refused(client, login_as, world):
    login_as(world, "lezer")
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200  # still logged in
    assert client.post("/language", data={"language": "en"}).status_code == 400
    assert '<html lang="nl"' in client.get("/account").get_data(as_text=True)


# --- error pages -------------------------------------------------------------------------------


def test_error_pages_are_in_the_layout_and_language(app, client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="nl"' in page
    assert message(app, "Page not found") in page
    assert '<main id="main"' in page

    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get("/bestaat-niet").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "Page not found" in page


def test_method_not_allowed_page(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert '<main id="main"' in response.get_data(as_text=True)


# --- cookie settings ---------------------------------------------------------------------------


def test_cookies_are_httponly_and_lax_and_secure_only_over_https(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMENSPEL_SECRET_KEY", "k")
    monkeypatch.delenv("SAMENSPEL_HTTPS", raising=False)
    plain = config.load(tmp_path)
    assert plain["SESSION_COOKIE_HTTPONLY"] and plain["REMEMBER_COOKIE_HTTPONLY"]
    assert plain["SESSION_COOKIE_SAMESITE"] == plain["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert not plain["SESSION_COOKIE_SECURE"]

    monkeypatch.setenv("SAMENSPEL_HTTPS", "1")
    secure = config.load(tmp_path)
    assert secure["SESSION_COOKIE_SECURE"] and secure["REMEMBER_COOKIE_SECURE"]


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SAMENSPEL_SECRET_KEY", raising=False)
    first = config.load(tmp_path)["SECRET_KEY"]
    assert len(first) >= 32
    assert config.load(tmp_path)["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_secure_app_sends_hsts_and_secure_cookies(app, world):
    from app import create_app

    secure = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SESSION_COOKIE_SECURE": True,
            "REMEMBER_COOKIE_SECURE": True,
            "MAIL_HOST": "",
            "MAIL_ECHO": False,
        }
    )
    client = secure.test_client()
    response = login(client, world.users["lezer"].email, remember="y")
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert all("Secure" in cookie for cookie in cookies), cookies
    assert "max-age=" in response.headers["Strict-Transport-Security"]


# --- the signed session cookie, checked once per process (app._CookieSessions) -------------


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_session_cookie_is_checked_once_and_each_request_gets_its_own_copy(
    app, world, monkeypatch
):
    from app import _CookieSessions

    _CookieSessions._opened.clear()
    client = app.test_client()
    sign_in(client, world.users["lezer"])
    client.get("/account")  # the first page adds the CSRF secret: a new cookie
    assert client.get("/account").status_code == 200
    value = _session_cookie(client)
    kept = [v for (keys, cookie), v in _CookieSessions._opened.items() if cookie == value]
    assert len(kept) == 1
    checked = []
    real = _CookieSessions.get_signing_serializer
    monkeypatch.setattr(
        _CookieSessions,
        "get_signing_serializer",
        lambda self, app: checked.append(1) or real(self, app),
    )
    assert client.get("/account").status_code == 200
    assert checked == []  # taken from what is kept
    before = dict(kept[0][1])
    with client.session_transaction() as session:  # a change in one request's copy
        session["lang"] = "en"
    assert dict(kept[0][1]) == before  # leaves the kept value as it was
    assert "My account" in client.get("/account").get_data(as_text=True)
    assert checked  # a new cookie value: checked


def test_a_kept_cookie_still_expires_and_a_changed_one_is_refused(app, world, monkeypatch):
    import time

    from app import _CookieSessions

    _CookieSessions._opened.clear()
    client = app.test_client()
    sign_in(client, world.users["lezer"])
    client.get("/account")
    assert client.get("/account").status_code == 200
    value = _session_cookie(client)
    assert any(cookie == value for (keys, cookie) in _CookieSessions._opened)
    # A character inside the signature changed (the last one may carry only padding
    # bits, which base64 ignores): not signed in, whatever is kept.
    at = len(value) - 10
    tampered = value[:at] + ("A" if value[at] != "A" else "B") + value[at + 1 :]
    client.set_cookie("session", tampered)
    assert client.get("/account").status_code == 302
    client.set_cookie("session", value)
    assert client.get("/account").status_code == 200
    # Past the session lifetime the kept value is not used: the cookie is refused.
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/account").status_code == 302


def test_a_session_holding_flashed_messages_is_not_kept(app, world):
    from app import _CookieSessions

    _CookieSessions._opened.clear()
    client = app.test_client()
    sign_in(client, world.users["lezer"])
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Opgeslagen.")]
    value = _session_cookie(client)
    page = client.get("/account").get_data(as_text=True)
    assert "Opgeslagen." in page
    assert all(cookie != value for (keys, cookie) in _CookieSessions._opened)
    assert "Opgeslagen." not in client.get("/account").get_data(as_text=True)
