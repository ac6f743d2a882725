"""Signing in in the browser: logging out after "Ingelogd blijven" really logs out, and a
member sets up two-factor authentication with a code computed here, logs in with it and
switches it off again."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Page, expect

from tests.e2e.helpers import DEMO_PASSWORD, check_accessibility, visit


def _submit(page: Page) -> None:
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("load")


def test_logout_after_staying_logged_in_ends_the_session_and_both_cookies(
    page: Page, browser, live_server
):
    visit(page, "/login")
    page.locator("#email").fill("partner@eemland.test")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#remember").check()
    _submit(page)
    expect(page.locator("header form[action='/logout'] button")).to_be_visible()
    check_accessibility(page)
    cookies = page.context.cookies()
    assert {"session", "remember_token"} <= {c["name"] for c in cookies}

    visit(page, "/account/sessions")
    # Other journeys on this server may have left sessions of this account open: the row
    # of this browser is the one marked as this session.
    this = page.locator("main table tbody tr", has_text="deze sessie")
    expect(this).to_have_count(1)
    expect(this).to_contain_text("127.0.0.0/24")
    expect(this).to_contain_text("blijft ingelogd")

    page.locator("header form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    check_accessibility(page)
    assert "remember_token" not in {c["name"] for c in page.context.cookies()}
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount$"))

    # Cookies copied before the logout do not open the account in another browser.
    other = browser.new_context(base_url=live_server.url, bypass_csp=True)
    try:
        other.add_cookies(cookies)
        stolen = other.new_page()
        stolen.goto("/account")
        expect(stolen).to_have_url(re.compile(r"/login\?next=%2Faccount$"))
    finally:
        other.close()


def test_member_sets_up_two_factor_logs_in_with_a_code_and_switches_it_off(page: Page):
    email = "gedragswetenschapper@eemland.test"
    visit(page, "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    _submit(page)
    expect(page.locator("header form[action='/logout'] button")).to_be_visible()

    visit(page, "/account")
    page.locator("main a[href='/account/two-factor']").click()
    expect(page.locator("main h1")).to_have_text("Tweestapsverificatie")
    check_accessibility(page)
    page.locator("main a[href='/account/two-factor/setup']").click()
    expect(page.locator("main svg")).to_be_visible()
    check_accessibility(page)

    secret = page.locator("#totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.locator("#code").fill("000000")
    _submit(page)
    expect(page.locator("#code-error")).to_be_visible()
    check_accessibility(page)
    page.locator("#code").fill(totp.now())
    _submit(page)
    expect(page.locator("main h1")).to_have_text("Uw herstelcodes")
    expect(page.locator("main .ss-recovery-codes li")).to_have_count(10)
    recovery = page.locator("main .ss-recovery-codes li").first.inner_text().strip()
    check_accessibility(page)

    page.locator("header form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    _submit(page)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    check_accessibility(page)
    later = totp.at(time.time() + 30)  # the enrolment used this step's code
    page.locator("#code").fill(later)
    _submit(page)
    expect(page.locator("header form[action='/logout'] button")).to_be_visible()

    visit(page, "/account/two-factor")
    off = page.locator("main form[action='/account/two-factor/off']")
    off.locator("#off-password").fill(DEMO_PASSWORD)
    off.locator("#off-code").fill(later)  # used already: refused
    off.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    expect(page.locator("#off-code-error")).to_be_visible()
    check_accessibility(page)
    # Switched off with the password and a recovery code (no waiting for the next step).
    off = page.locator("main form[action='/account/two-factor/off']")
    off.locator("#off-password").fill(DEMO_PASSWORD)
    off.locator("#off-code").fill(recovery)
    off.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    expect(page.locator("main")).to_contain_text("Uit.")
    check_accessibility(page)
