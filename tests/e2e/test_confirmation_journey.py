"""Confirmation dialogs with the keyboard: a button that opens a <dialog> (revoking the links
in earlier mails) is cancelled with Escape and then confirmed with Enter; a form whose choice
is irreversible (ending an agreement) opens its dialog instead of submitting, and Escape
leaves everything as it was. axe finds nothing with a dialog open.

The only change to the shared demo database is the reader's revoked mail links."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

READER = "lezer@eemland.test"
MANAGER = "programmamanager@eemland.test"
AGREEMENTS = "/p/eemland-bsa/agreements"


def focused(page: Page, script: str):
    return page.evaluate(f"() => {{ const el = document.activeElement; return {script}; }}")


def test_revoking_mail_links_in_a_dialog_with_the_keyboard(page: Page):
    log_in(page, READER)
    visit(page, "/account/notifications")
    button = page.locator("main a[href='/account/mail-links'][data-confirm]")
    dialog = page.locator("dialog#confirm-revoke-mail-links")
    expect(dialog).to_be_hidden()

    # Enter on the button opens the dialog, which says what will happen.
    button.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.locator("p")).to_contain_text("voorgoed niet meer")
    # Focus moves into the dialog, on its first button (the real form's).
    assert focused(page, "el.closest('dialog') && el.closest('dialog').id") == dialog.get_attribute(
        "id"
    )
    check_accessibility(page)

    # Escape cancels: the dialog closes, the page stays and nothing is posted.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/account/notifications$"))
    expect(page.locator(".ss-flashes")).to_have_count(0)

    # The Cancel button, reached with Tab, closes it too.
    button.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Tab")
    assert focused(page, "el.closest('form') && el.closest('form').method") == "dialog"
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator(".ss-flashes")).to_have_count(0)

    # Opened again and confirmed with Enter, the links are revoked.
    button.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    assert focused(page, "el.closest('form') && el.closest('form').method") == "post"
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page).to_have_url(re.compile(r"/account/notifications$"))
    expect(page.locator(".ss-flashes")).to_contain_text("eerdere mails")
    check_accessibility(page)


def test_ending_an_agreement_opens_a_dialog_and_escape_changes_nothing(page: Page):
    log_in(page, MANAGER)
    visit(page, f"{AGREEMENTS}/?due=overdue")
    detail = page.locator("main table tbody tr th a").first.get_attribute("href") or ""
    assert re.fullmatch(rf"{AGREEMENTS}/\d+", detail), detail
    visit(page, f"{detail}/revisit")
    form = page.locator("main form#revisit-form")
    dialog = page.locator("dialog#confirm-end")
    form.locator("input[name=decision][value=beeindigen]").check()
    form.locator("#reason").fill("Pilot afgerond (e2e).")

    # Sending the form with the keyboard opens the dialog instead of ending the agreement.
    form.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.locator("p")).to_contain_text("Dit kan niet ongedaan worden gemaakt")
    check_accessibility(page)

    # Escape closes it: still on the form, with what was typed, and nothing recorded.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"{re.escape(detail)}/revisit$"))
    expect(form.locator("#reason")).to_have_value("Pilot afgerond (e2e).")
    visit(page, detail)
    expect(page.locator("main")).not_to_contain_text("Pilot afgerond (e2e).")
    expect(page.locator(f"main a[href='{detail}/revisit']")).to_be_visible()
