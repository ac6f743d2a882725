"""A refused form with the keyboard only: focus lands on the error summary, its links move
focus to the fields, and axe finds nothing on the error state.

Nothing is stored: the form is refused (a werkbaar agreement without parties and revisit
date), so the shared demo database stays as it was."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

NEW = "/p/eemland-bsa/agreements/new"
MANAGER = "programmamanager@eemland.test"


def focused(page: Page, script: str):
    return page.evaluate(f"() => {{ const el = document.activeElement; return {script}; }}")


def test_keyboard_journey_through_a_refused_form(page: Page):
    log_in(page, MANAGER)
    visit(page, NEW)
    page.locator("#title").fill("Afspraak zonder partijen (e2e)")
    page.locator("#summary").fill("Wie doet wat, nog onbekend (e2e).")
    page.locator("input[name=kind][value=werkbaar]").check()
    page.locator("#start_on").fill("2026-12-01")
    # Send the form with the keyboard: Enter in a text field submits it.
    page.locator("#title").press("Enter")
    page.wait_for_load_state("load")

    expect(page).to_have_title(re.compile(r"^Fout: "))
    summary = page.locator("main [data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    # Both problems in one round, each a link to its field.
    links = summary.locator("a")
    expect(links).to_have_count(2)
    hrefs = sorted(links.nth(i).get_attribute("href") for i in range(2))
    assert hrefs == ["#parties-0", "#revisit_on"]
    check_accessibility(page)

    # Tab from the summary reaches its first link; Enter moves focus to that field.
    page.keyboard.press("Tab")
    first = links.first.get_attribute("href")
    assert focused(page, "el.getAttribute('href')") == first
    page.keyboard.press("Enter")
    expect(page.locator(first)).to_be_focused()

    # The other link, followed with the keyboard too.
    other = links.nth(1)
    other.focus()
    page.keyboard.press("Enter")
    expect(page.locator(other.get_attribute("href"))).to_be_focused()
    check_accessibility(page)
