"""Single sign-on in the browser, against a real OpenID Connect provider on loopback
(tests/auth/oidc_provider.py): the e-mail step, the round trip to the provider, a new
account made for the organisation's colleague, logging out at the provider too, and the
clear page a refused ID token gives."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from app.auth import sso
from app.auth.models import SsoProvider, User, UserSession
from app.extensions import db
from tests.auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider
from tests.e2e.helpers import check_accessibility, visit

DOMAIN = "gemeente-sso.test"
EMAIL = f"collega@{DOMAIN}"


@pytest.fixture
def idp(live_server) -> Iterator[Provider]:
    """A provider for DOMAIN that may create accounts; removed again afterwards, so the
    other journeys on this server see the login page without single sign-on."""
    app = live_server.app
    app.config["SAMENSPEL_SSO_KEY"] = Fernet.generate_key().decode()
    person = {"sub": "sub-collega", "email": EMAIL, "email_verified": True, "name": "Sam Collega"}
    with running_provider(person) as provider:
        with app.app_context():
            sso.add_provider(
                name="Gemeente SSO",
                issuer=provider.issuer,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                domains=DOMAIN,
                auto_create=True,
            )
        try:
            yield provider
        finally:
            with app.app_context():
                db.session.execute(delete(SsoProvider))
                db.session.commit()
            app.config["SAMENSPEL_SSO_KEY"] = ""


def _submit(page: Page) -> None:
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("load")


def test_signing_in_and_out_through_the_organisation(page: Page, live_server, idp):
    visit(page, "/login")
    expect(page.locator("#password")).to_have_count(0)  # the e-mail address first
    page.locator("#email").fill(EMAIL)
    _submit(page)  # to the provider, which consents and sends the browser back
    expect(page.locator("header form[action='/logout'] button")).to_be_visible()
    check_accessibility(page)
    assert idp.token_requests == 1
    with live_server.app.app_context():
        user = db.session.execute(select(User).where(User.email == EMAIL)).scalar_one()
        assert user.name == "Sam Collega" and user.memberships == []
        session_ids = [
            row.id
            for row in db.session.execute(
                select(UserSession).where(
                    UserSession.user_id == user.id, UserSession.ended_at.is_(None)
                )
            ).scalars()
        ]
    assert len(session_ids) == 1

    page.locator("header form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))  # back from the provider's logout
    assert len(idp.logouts) == 1 and idp.logouts[0]["id_token_hint"]
    check_accessibility(page)
    with live_server.app.app_context():
        row = db.session.get(UserSession, session_ids[0])
        assert row.ended_at is not None


def test_a_refused_id_token_gives_a_clear_page(page: Page, live_server, idp):
    idp.faults.add("tampered")
    visit(page, "/login")
    page.locator("#email").fill(EMAIL)
    _submit(page)
    expect(page.locator("main h1")).to_have_text("Inloggen is niet gelukt")
    expect(page.locator("main")).to_contain_text("Inloggen via uw organisatie is niet gelukt")
    expect(page.locator("header form[action='/logout'] button")).to_have_count(0)
    check_accessibility(page)
