"""Single sign-on against a real OpenID Connect provider on loopback (oidc_provider.py):
the app's browser redirects are followed by hand, its back-channel token request goes
over HTTP to the provider."""

from __future__ import annotations

import logging
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import select

from app.auth import sso
from app.auth.models import SsoIdentity, SsoProvider, User, UserSession
from app.extensions import db
from app.partnerships.models import Membership
from tests.auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider
from tests.conftest import (
    PASSWORD,
    audit_events,
    change_row,
    count_rows,
    find,
    message,
    post,
    sign_in,
    totp_code,
)

DOMAIN = "testverband.test"


@pytest.fixture
def sso_key(app, monkeypatch):
    monkeypatch.setitem(app.config, "SAMENSPEL_SSO_KEY", Fernet.generate_key().decode())


@pytest.fixture
def idp(app, sso_key, world):
    person = {
        "sub": "sub-teamlid",
        "email": f"teamlid@{DOMAIN}",
        "email_verified": True,
        "name": "Teamlid via SSO",
    }
    with running_provider(person) as provider:
        yield provider


def add_provider(app, issuer: str, **settings) -> int:
    with app.app_context():
        provider = sso.add_provider(
            name=settings.pop("name", "Gemeente Testverband"),
            issuer=issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            domains=settings.pop("domains", DOMAIN),
            **settings,
        )
        return provider.id


def start(client, email: str):
    """The e-mail step, then the app's redirect to the provider; returns the answer that
    sends the browser to the provider."""
    response = post(client, "/login", {"email": email})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert urlsplit(response.location).path == "/login/sso"
    return client.get(response.location)


def at_provider(authorize_url: str) -> str:
    """What the browser does at the provider: the provider consents and redirects back;
    returns the app's callback path with its query."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/login/sso/callback"
    return f"{back.path}?{back.query}"


def sso_login(client, idp, email: str = f"teamlid@{DOMAIN}"):
    response = start(client, email)
    assert response.status_code == 302
    assert response.location.startswith(idp.issuer + "/authorize?")
    return client.get(at_provider(response.location))


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def sessions_of(app, email: str) -> list[UserSession]:
    with app.app_context():
        return list(
            db.session.execute(select(UserSession).join(User).where(User.email == email)).scalars()
        )


def test_happy_path_signs_in_through_the_provider(app, client, idp):
    add_provider(app, idp.issuer)
    response = sso_login(client, idp)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/"
    assert signed_in(client)
    # PKCE S256, a nonce and the login hint went to the provider; the code was used once.
    grant = next(iter(idp.codes.values()))
    assert grant["used"] and grant["login_hint"] == f"teamlid@{DOMAIN}"
    assert idp.token_requests == 1
    with app.app_context():
        identity = db.session.execute(select(SsoIdentity)).scalar_one()
        assert (identity.issuer, identity.subject) == (idp.issuer, "sub-teamlid")
        assert identity.user.email == f"teamlid@{DOMAIN}"
    (row,) = sessions_of(app, f"teamlid@{DOMAIN}")
    assert row.ended_at is None and not row.mfa_by_provider
    logins = audit_events(app, action="login")
    assert logins[-1].changes == {"provider": [None, "Gemeente Testverband"]}


def test_the_stored_sub_matches_when_the_email_is_not_verified(app, client, idp):
    add_provider(app, idp.issuer)
    assert sso_login(client, idp).status_code == 302
    other = app.test_client()
    idp.person["email_verified"] = False
    idp.person["email"] = "iemand-anders@testverband.test"
    response = sso_login(other, idp, f"teamlid@{DOMAIN}")
    assert response.status_code == 302 and signed_in(other)
    assert count_rows(app, User, email="iemand-anders@testverband.test") == 0


def test_unknown_person_is_refused_in_dutch(app, client, idp):
    add_provider(app, idp.issuer)
    idp.person.update(sub="sub-new", email=f"nieuw@{DOMAIN}")
    response = sso_login(client, idp, f"nieuw@{DOMAIN}")
    assert response.status_code == 403
    assert message(app, "You have no Samenspel account yet. A beheerder of your partnership can invite you; after that you log in here through your organisation.") in response.get_data(as_text=True)  # fmt: skip
    assert count_rows(app, User, email=f"nieuw@{DOMAIN}") == 0
    assert count_rows(app, SsoIdentity) == 0
    assert not signed_in(client)


def test_unknown_person_is_created_without_memberships_when_switched_on(app, client, idp):
    add_provider(app, idp.issuer, auto_create=True)
    idp.person.update(sub="sub-new", email=f"nieuw@{DOMAIN}", name="Nieuwe Collega")
    response = sso_login(client, idp, f"nieuw@{DOMAIN}")
    assert response.status_code == 302 and signed_in(client)
    user = find(app, User, email=f"nieuw@{DOMAIN}")
    assert user.name == "Nieuwe Collega" and user.password_hash == ""
    assert count_rows(app, Membership, user_id=user.id) == 0


def test_an_unverified_address_creates_no_account(app, client, idp):
    add_provider(app, idp.issuer, auto_create=True)
    idp.person.update(sub="sub-new", email=f"nieuw@{DOMAIN}", email_verified=False)
    assert sso_login(client, idp, f"nieuw@{DOMAIN}").status_code == 403
    assert count_rows(app, User, email=f"nieuw@{DOMAIN}") == 0


def test_wrong_state_is_refused_before_the_code_is_used(app, client, idp, caplog):
    add_provider(app, idp.issuer)
    callback = at_provider(start(client, f"teamlid@{DOMAIN}").location)
    forged = callback.replace("state=", "state=forged")
    with caplog.at_level(logging.WARNING):
        response = client.get(forged)
    assert response.status_code == 403
    assert "state does not match" in caplog.text
    assert idp.token_requests == 0 and not signed_in(client)


def test_a_callback_without_a_started_login_is_refused(app, client, idp):
    add_provider(app, idp.issuer)
    callback = at_provider(start(app.test_client(), f"teamlid@{DOMAIN}").location)
    assert client.get(callback).status_code == 403
    assert not signed_in(client)


def test_a_replayed_code_is_refused(app, client, idp):
    add_provider(app, idp.issuer)
    first = at_provider(start(client, f"teamlid@{DOMAIN}").location)
    assert client.get(first).status_code == 302
    attacker = app.test_client()
    fresh = at_provider(start(attacker, f"teamlid@{DOMAIN}").location)
    old_code = parse_qs(urlsplit(first).query)["code"][0]
    state = parse_qs(urlsplit(fresh).query)["state"][0]
    response = attacker.get(f"/login/sso/callback?code={old_code}&state={state}")
    assert response.status_code == 403
    assert not signed_in(attacker)
    assert len(sessions_of(app, f"teamlid@{DOMAIN}")) == 1


@pytest.mark.parametrize(
    ("fault", "logged"),
    [
        ("expired", "expired"),
        ("tampered", "rejected"),
        ("wrong_key", "rejected"),
        ("wrong_audience", "aud"),
        ("wrong_nonce", "nonce"),
    ],
)
def test_a_bad_id_token_is_refused_and_logged(app, client, idp, caplog, fault, logged):
    add_provider(app, idp.issuer)
    idp.faults.add(fault)
    with caplog.at_level(logging.WARNING):
        response = sso_login(client, idp)
    assert response.status_code == 403
    assert message(app, "Logging in through your organisation did not succeed. Try again.") in (
        response.get_data(as_text=True)
    )
    assert "ID token" in caplog.text and logged in caplog.text.lower()
    assert not signed_in(client)
    assert sessions_of(app, f"teamlid@{DOMAIN}") == []
    assert count_rows(app, SsoIdentity) == 0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_provider_that_is_down_gives_a_clear_page(app, client, sso_key, world):
    add_provider(app, f"http://127.0.0.1:{_closed_port()}")
    response = start(client, f"teamlid@{DOMAIN}")
    assert response.status_code == 502
    assert message(app, "The sign-in service of your organisation cannot be reached or gave an answer we do not understand. Try again later.") in response.get_data(as_text=True)  # fmt: skip
    assert not signed_in(client)


def test_a_provider_answering_nonsense_gives_a_clear_page(app, client, idp):
    add_provider(app, idp.issuer)
    idp.faults.add("nonsense")
    assert start(client, f"teamlid@{DOMAIN}").status_code == 502


def test_a_provider_that_goes_down_during_the_login_gives_a_clear_page(app, client, sso_key, world):
    with running_provider(
        {"sub": "s", "email": f"teamlid@{DOMAIN}", "email_verified": True}
    ) as idp:
        add_provider(app, idp.issuer)
        callback = at_provider(start(client, f"teamlid@{DOMAIN}").location)
    response = client.get(callback)  # the provider has stopped: the token call fails
    assert response.status_code == 502 and not signed_in(client)


def test_mfa_asserted_by_the_provider_satisfies_two_factor(app, client, idp, world):
    add_provider(app, idp.issuer)
    email = f"beheerder@{DOMAIN}"  # must use two-factor, has TOTP
    idp.person.update(sub="sub-beheerder", email=email)
    idp.amr = ["pwd", "mfa"]
    response = sso_login(client, idp, email)
    assert urlsplit(response.location).path == "/"  # no code step
    assert signed_in(client)
    (row,) = sessions_of(app, email)
    assert row.mfa_by_provider


def test_an_accepted_acr_satisfies_two_factor(app, client, idp, world):
    add_provider(app, idp.issuer, mfa_acr_values="urn:test:loa:high")
    email = f"beheerder@{DOMAIN}"
    idp.person.update(sub="sub-beheerder", email=email)
    idp.acr = "urn:test:loa:high"
    assert urlsplit(sso_login(client, idp, email).location).path == "/"
    assert signed_in(client)


def test_without_mfa_the_local_code_is_asked(app, client, idp, world):
    add_provider(app, idp.issuer, mfa_acr_values="urn:test:loa:high")
    email = f"beheerder@{DOMAIN}"
    idp.person.update(sub="sub-beheerder", email=email)
    idp.acr = "urn:test:loa:low"
    response = sso_login(client, idp, email)
    assert urlsplit(response.location).path == "/login/code"
    assert not signed_in(client)
    response = post(client, "/login/code", {"code": totp_code(app, email)})
    assert response.status_code == 302 and signed_in(client)
    (row,) = sessions_of(app, email)
    assert not row.mfa_by_provider


def test_without_mfa_someone_who_must_enrol_is_sent_to_enrolment(app, client, idp, world):
    add_provider(app, idp.issuer)
    change_row(app, User, world.users["teamlid"].id, instance_admin=True)
    response = sso_login(client, idp)
    assert urlsplit(response.location).path == "/account/two-factor/setup"
    assert client.get("/account").status_code == 302  # only the enrolment page


def test_with_mfa_someone_who_must_enrol_may_go_on(app, client, idp, world):
    add_provider(app, idp.issuer)
    change_row(app, User, world.users["teamlid"].id, instance_admin=True)
    idp.amr = ["mfa"]
    assert urlsplit(sso_login(client, idp).location).path == "/"
    assert client.get("/admin/sso").status_code == 200


def test_logout_ends_the_session_and_the_providers(app, client, idp):
    add_provider(app, idp.issuer)
    sso_login(client, idp)
    response = post(client, "/logout")
    assert response.location.startswith(idp.issuer + "/logout?")
    query = parse_qs(urlsplit(response.location).query)
    assert query["post_logout_redirect_uri"] == ["http://samenspel.test/login"]
    back = requests.get(response.location, allow_redirects=False, timeout=10)
    assert back.headers["Location"] == "http://samenspel.test/login"
    assert idp.logouts[0]["id_token_hint"] == query["id_token_hint"][0]
    assert not signed_in(client)
    assert all(row.ended_at is not None for row in sessions_of(app, f"teamlid@{DOMAIN}"))


# --- the login page -------------------------------------------------------------


def test_without_providers_the_login_page_asks_both_at_once(app, client, world):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="password"' in page


def test_with_providers_the_email_comes_first(app, client, idp):
    add_provider(app, idp.issuer, domains="elders.test")
    page = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' not in page
    # Another domain: the password step, then a normal password login.
    response = post(client, "/login", {"email": f"teamlid@{DOMAIN}"})
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)
    response = post(client, "/login", {"email": f"teamlid@{DOMAIN}", "password": PASSWORD})
    assert response.status_code == 302 and signed_in(client)


def test_a_domain_with_passwords_allowed_offers_both(app, client, idp):
    add_provider(app, idp.issuer, passwords_allowed=True)
    response = post(client, "/login", {"email": f"teamlid@{DOMAIN}"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="password"' in page and "/login/sso?email=" in page
    response = post(client, "/login", {"email": f"teamlid@{DOMAIN}", "password": PASSWORD})
    assert response.status_code == 302 and signed_in(client)


def test_a_password_login_for_a_domain_without_passwords_is_refused(app, client, idp):
    add_provider(app, idp.issuer)
    response = post(client, "/login", {"email": f"teamlid@{DOMAIN}", "password": PASSWORD})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message(app, "Log in with the sign-in of your organisation (%(name)s).", name="Gemeente Testverband") in page  # fmt: skip
    assert 'name="password"' not in page
    assert not signed_in(client)
    assert sessions_of(app, f"teamlid@{DOMAIN}") == []


def test_sso_start_for_an_address_without_provider_goes_back(app, client, idp):
    add_provider(app, idp.issuer, domains="elders.test")
    response = client.get(f"/login/sso?email=teamlid@{DOMAIN}")
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"


# --- configuration: secret, CLI, admin page --------------------------------------


def test_the_secret_is_stored_encrypted(app, idp):
    add_provider(app, idp.issuer)
    provider = find(app, SsoProvider, name="Gemeente Testverband")
    assert CLIENT_SECRET not in provider.client_secret_encrypted
    with app.app_context():
        assert sso.decrypt_secret(provider) == CLIENT_SECRET


def test_without_a_key_no_provider_is_stored(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "SAMENSPEL_SSO_KEY", "")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["sso", "add", "--name", "X", "--issuer", "https://login.example.nl",
              "--client-id", "c", "--client-secret", "s", "--domains", DOMAIN],
    )  # fmt: skip
    assert result.exit_code != 0 and "SAMENSPEL_SSO_KEY" in result.output
    assert count_rows(app, SsoProvider) == 0


def test_cli_adds_lists_and_removes(app, sso_key, world):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["sso", "add", "--name", "Gemeente Testverband", "--issuer",
              "https://login.example.nl/realms/gemeente/", "--client-id", "samenspel",
              "--domains", f"{DOMAIN} @Leusden.test", "--mfa-acr", "loa3",
              "--organisation", f"Gemeente {world.slug}"],
        input=f"{CLIENT_SECRET}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    provider = find(app, SsoProvider, name="Gemeente Testverband")
    assert provider.issuer == "https://login.example.nl/realms/gemeente"
    assert provider.domains == f"{DOMAIN} leusden.test"
    assert provider.organisation_id == world.municipality.id
    assert not provider.passwords_allowed and not provider.auto_create
    listed = runner.invoke(args=["sso", "list"])
    assert "Gemeente Testverband" in listed.output and CLIENT_SECRET not in listed.output
    clash = runner.invoke(
        args=["sso", "add", "--name", "Ander", "--issuer", "https://other.example.nl",
              "--client-id", "x", "--client-secret", "y", "--domains", "leusden.test"],
    )  # fmt: skip
    assert clash.exit_code != 0 and count_rows(app, SsoProvider) == 1
    assert runner.invoke(args=["sso", "remove", "Gemeente Testverband"]).exit_code == 0
    assert count_rows(app, SsoProvider) == 0


def test_cli_refuses_bad_input(app, sso_key, world):
    runner = app.test_cli_runner()
    base = ["sso", "add", "--name", "X", "--client-id", "c", "--client-secret", "s"]
    bad_issuer = runner.invoke(args=[*base, "--issuer", "http://login.example.nl", "--domains", DOMAIN])  # fmt: skip
    bad_domain = runner.invoke(args=[*base, "--issuer", "https://l.example.nl", "--domains", "not a domain!"])  # fmt: skip
    assert bad_issuer.exit_code != 0 and bad_domain.exit_code != 0
    assert count_rows(app, SsoProvider) == 0


def _admin_form(client, **values) -> dict:
    data = {
        "name": "Gemeente Testverband",
        "issuer": "https://login.example.nl",
        "client_id": "samenspel",
        "client_secret": CLIENT_SECRET,
        "domains": DOMAIN,
        "mfa_acr_values": "",
        "organisation": "",
    }
    data.update(values)
    return data


def test_the_instance_beheerder_adds_and_removes_providers(app, client, sso_key, world):
    change_row(app, User, world.users["beheerder"].id, instance_admin=True)
    sign_in(client, world.users["beheerder"])
    page = client.get("/admin/sso")
    assert page.status_code == 200
    assert "http://samenspel.test/login/sso/callback" in page.get_data(as_text=True)
    response = post(client, "/admin/sso", _admin_form(client, auto_create="y"))
    assert response.status_code == 302
    page = client.get("/admin/sso").get_data(as_text=True)
    assert "Gemeente Testverband" in page and CLIENT_SECRET not in page
    provider = find(app, SsoProvider, name="Gemeente Testverband")
    assert provider.auto_create and not provider.passwords_allowed
    assert post(client, f"/admin/sso/{provider.id}/remove").status_code == 302
    assert count_rows(app, SsoProvider) == 0


def test_the_admin_page_refuses_bad_input(app, client, sso_key, world):
    change_row(app, User, world.users["beheerder"].id, instance_admin=True)
    sign_in(client, world.users["beheerder"])
    response = post(client, "/admin/sso", _admin_form(client, domains="domein!"))
    assert response.status_code == 422
    assert message(app, "%(domain)s is not an e-mail domain.", domain="domein!") in (
        response.get_data(as_text=True)
    )
    response = post(client, "/admin/sso", _admin_form(client, client_secret=""))
    assert response.status_code == 422
    assert count_rows(app, SsoProvider) == 0


def test_only_the_instance_beheerder_reaches_the_admin_page(app, client, sso_key, world):
    sign_in(client, world.users["beheerder"])  # beheerder of a partnership, not the instance
    assert client.get("/admin/sso").status_code == 404
    assert post(client, "/admin/sso", _admin_form(client)).status_code == 404
    assert count_rows(app, SsoProvider) == 0
    anonymous = app.test_client()
    assert anonymous.get("/admin/sso").status_code == 302


def test_the_instance_beheerder_must_use_two_factor(app, client, sso_key, world):
    change_row(app, User, world.users["teamlid"].id, instance_admin=True)
    sign_in(client, world.users["teamlid"])  # no TOTP yet
    response = client.get("/admin/sso")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/account/two-factor/setup"


def test_the_account_page_links_the_instance_beheerder_to_single_sign_on(app, client, world):
    sign_in(client, world.users["beheerder"])
    assert "/admin/sso" not in client.get("/account").get_data(as_text=True)
    change_row(app, User, world.users["beheerder"].id, instance_admin=True)
    assert "/admin/sso" in client.get("/account").get_data(as_text=True)


def test_entra_ids_xms_edov_counts_as_a_verified_address(app, client, idp):
    add_provider(app, idp.issuer)
    del idp.person["email_verified"]
    idp.person["xms_edov"] = True
    assert sso_login(client, idp).status_code == 302 and signed_in(client)


def test_an_address_of_another_domain_is_not_trusted(app, client, idp, world):
    add_provider(app, idp.issuer)
    # The provider vouches for an address outside its domains: no account is matched.
    idp.person.update(sub="sub-x", email="beheerder@elders.test")
    change_row(app, User, world.users["beheerder"].id, email="beheerder@elders.test")
    assert sso_login(client, idp).status_code == 403
    assert count_rows(app, SsoIdentity) == 0


def test_cli_makes_and_unmakes_the_instance_beheerder(app, world):
    runner = app.test_cli_runner()
    email = world.users["teamlid"].email
    assert runner.invoke(args=["users", "instance-admin", email]).exit_code == 0
    with app.app_context():
        assert db.session.get(User, world.users["teamlid"].id).instance_admin
    assert runner.invoke(args=["users", "instance-admin", email, "--off"]).exit_code == 0
    with app.app_context():
        assert not db.session.get(User, world.users["teamlid"].id).instance_admin
    unknown = runner.invoke(args=["users", "instance-admin", "niemand@testverband.test"])
    assert unknown.exit_code != 0
