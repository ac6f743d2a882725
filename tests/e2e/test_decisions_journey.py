"""Decisions by the organisations in Chromium: propose in a table, two organisations consent
and one objects with a reason, the proposer amends, all consent, the outcome is adopted
with a review date and becomes a draft agreement that carries the text and the date.

Every page the journey reaches is checked with axe-core, including form errors and the
tally updated in place by htmx. The journey only adds to the shared demo database: one
proposal at "Informatiepositie en sturingsinformatie" and the agreement made from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

SLUG = "eemland-bsa"
TABLE = "Informatiepositie en sturingsinformatie"
PROPOSER = "programmamanager@eemland.test"
# Who answers for each organisation in the demo (a bestuurder, or a designated member).
AMERSFOORT = "bestuurder-amersfoort@eemland.test"
DE_BRUG = "bestuurder@eemland.test"
KOMPAS = "teamlid@eemland.test"
ORGANISATIONS = ("Gemeente Amersfoort", "De Brug Jeugdzorg (demo)", "Kompas Gezinshulp (demo)")

TITLE = "Kwartaalcijfers wachttijden delen (e2e)"
TEXT = "Elke aanbieder levert per kwartaal de **wachttijden** aan het RISB (e2e)."
AMENDED = TEXT + "\n\nDe cijfers worden alleen geaggregeerd gedeeld, nooit per jeugdige (e2e)."
OBJECTION = "Zonder afspraak over privacy leveren wij geen cijfers aan (e2e)."
AMEND_REASON = "Bezwaar van Kompas verwerkt: alleen geaggregeerde cijfers (e2e)."
OUTCOME = "Door alle drie organisaties aangenomen (e2e)."
REVIEW_DAYS = 150


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


@contextmanager
def signed_in(browser, live_server, email: str) -> Iterator[Page]:
    """A fresh browser context logged in as email; fails on uncaught JavaScript errors."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, email)
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def tally_row(page: Page, organisation: str):
    return page.locator("#tally tbody tr").filter(
        has=page.get_by_role("rowheader", name=organisation)
    )


def answer(page: Page, proposal_path: str, position: str, reason: str = "") -> None:
    """Answer on the proposal page; htmx replaces the tally in place (no navigation)."""
    visit(page, proposal_path)
    page.locator(f"#tally input[name=position][value={position}]").check()
    page.locator("#tally #reason").fill(reason)
    with page.expect_response(lambda r: r.url.endswith("/answer")) as response:
        page.locator("#tally form button[type=submit]").click()
    assert response.value.status in (200, 422)
    assert path_of(page) == proposal_path
    check_accessibility(page)


def test_propose_answer_amend_adopt_as_agreement(browser, live_server):
    closes = datetime.now() + timedelta(days=4)
    review = date.today() + timedelta(days=REVIEW_DAYS)

    # --- the proposer starts a proposal in the table ---------------------------------------
    with signed_in(browser, live_server, PROPOSER) as page:
        visit(page, f"/p/{SLUG}/tables/")
        page.locator("main a").filter(has_text=TABLE).first.click()
        check_accessibility(page)
        page.locator("main a[href*='/decisions/new?table=']").click()
        expect(page.locator("h1")).to_be_visible()
        check_accessibility(page)
        new_path = path_of(page)

        # Empty: Dutch errors next to the fields, nothing stored.
        page.locator("#title").fill("")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#title")).to_have_attribute("aria-invalid", "true")
        check_accessibility(page)

        page.locator("#title").fill(TITLE)
        page.locator("#text").fill(TEXT)
        page.locator("#rationale").fill("Zo zien we samen waar het vastloopt (e2e).")
        page.locator("#closes_at").fill(closes.strftime("%Y-%m-%dT%H:%M"))
        # The table's default: the organisations of its members, some without anyone who
        # may decide for them, which the form names.
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#organisations-error")).to_contain_text("Niemand mag beslissen")
        check_accessibility(page)
        for box in page.locator("main input[name=organisations]").all():
            box.uncheck()
        for name in ORGANISATIONS:
            label = page.locator("main form label[for^='organisations-']").filter(
                has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")
            )
            page.locator(f"#{label.get_attribute('for')}").check()
        page.locator("main form button[type=submit]").click()
        expect(page.locator("h1")).to_contain_text(TITLE)
        assert path_of(page) != new_path
        proposal_path = path_of(page)
        expect(page.locator("#tally")).to_contain_text("3 hebben nog niet gereageerd")
        check_accessibility(page)

    # --- two organisations consent, one objects with a reason ------------------------------
    with signed_in(browser, live_server, AMERSFOORT) as page:
        # The dashboard asks for an answer.
        visit(page, f"/p/{SLUG}/")
        expect(page.locator("main")).to_contain_text(TITLE)
        answer(page, proposal_path, "instemmen")
        expect(tally_row(page, "Gemeente Amersfoort")).to_contain_text("Instemmen")
    with signed_in(browser, live_server, DE_BRUG) as page:
        answer(page, proposal_path, "instemmen")
        expect(tally_row(page, "De Brug Jeugdzorg (demo)")).to_contain_text("Instemmen")
    with signed_in(browser, live_server, KOMPAS) as page:
        answer(page, proposal_path, "bezwaar", "")  # no reason: refused in place
        expect(page.locator("#reason-error")).to_contain_text("Geef de reden van het bezwaar.")
        answer(page, proposal_path, "bezwaar", OBJECTION)
        expect(tally_row(page, "Kompas Gezinshulp (demo)")).to_contain_text(OBJECTION)
        # All answered, but an objection stands: it stays open for an amendment.
        expect(page.locator("main")).to_contain_text("Open tot")

    # --- the proposer amends; every organisation is asked again ---------------------------------
    with signed_in(browser, live_server, PROPOSER) as page:
        visit(page, proposal_path)
        expect(page.locator("#tally")).to_contain_text(OBJECTION)
        page.locator(f"main a[href='{proposal_path}/amend']").click()
        check_accessibility(page)
        page.locator("#text").fill(AMENDED)
        page.locator("main form button[type=submit]").click()  # without a reason
        expect(page.locator("#reason")).to_have_attribute("aria-invalid", "true")
        check_accessibility(page)
        page.locator("#reason").fill(AMEND_REASON)
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#tally")).to_contain_text("3 hebben nog niet gereageerd")
        expect(page.locator("main")).to_contain_text(AMEND_REASON)
        check_accessibility(page)

    # --- all consent; the last answer closes it -----------------------------------------------
    for email, organisation in ((AMERSFOORT, ORGANISATIONS[0]), (DE_BRUG, ORGANISATIONS[1])):
        with signed_in(browser, live_server, email) as page:
            answer(page, proposal_path, "instemmen")
            expect(tally_row(page, organisation)).to_contain_text("Instemmen")
    with signed_in(browser, live_server, KOMPAS) as page:
        visit(page, proposal_path)
        page.locator("#tally input[name=position][value=instemmen]").check()
        page.locator("#tally #reason").fill("Met de privacyparagraaf stemmen wij in (e2e).")
        page.locator("#tally form button[type=submit]").click()
        # Closed early: the page reloads with the outcome part, without the answer form.
        expect(page.locator("#outcome")).to_contain_text("aangenomen")
        expect(page.locator("#tally form")).to_have_count(0)
        check_accessibility(page)

    # --- the proposer states the outcome and makes the draft agreement --------------------------
    with signed_in(browser, live_server, PROPOSER) as page:
        visit(page, proposal_path)
        page.locator(f"main a[href='{proposal_path}/outcome']").click()
        check_accessibility(page)
        page.locator("input[name=outcome][value=aangenomen]").check()
        page.locator("main form button[type=submit]").click()  # without a text
        expect(page.locator("#outcome_text")).to_have_attribute("aria-invalid", "true")
        check_accessibility(page)
        page.locator("input[name=outcome][value=aangenomen]").check()
        page.locator("#outcome_text").fill(OUTCOME)
        page.locator("#review_on").fill(review.isoformat())
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#outcome")).to_contain_text(OUTCOME)
        check_accessibility(page)
        page.locator(f"form[action='{proposal_path}/agreement'] button").click()
        expect(page.locator("h1")).to_contain_text(TITLE)
        assert "/agreements/" in path_of(page)
        expect(page.locator("main")).to_contain_text("geaggregeerd")
        check_accessibility(page)
        agreement_path = path_of(page)
        # The draft carries the review date as its revisit date, and links back.
        visit(page, f"{agreement_path}/edit")
        expect(page.locator("#revisit_on")).to_have_value(review.isoformat())
        visit(page, agreement_path)
        page.locator(f"main a[href^='{proposal_path}']").first.click()
        expect(page.locator("h1")).to_contain_text(TITLE)
        expect(page.locator("#outcome")).to_contain_text("Werd de werkafspraak")
        check_accessibility(page)


def test_answering_works_without_javascript(browser, live_server):
    """The answer form posts as a plain form and comes back to the proposal page."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/login")
        page.locator("#email").fill("bestuurder@eemland.test")
        page.locator("#password").fill("samenspel-demo")
        page.locator("main form button[type=submit]").click()
        page.goto(f"/p/{SLUG}/decisions/2")  # the demo's open 18-/18+ proposal
        page.locator("#tally input[name=position][value=onthouden]").check()
        page.locator("#tally form button[type=submit]").click()
        assert path_of(page) == f"/p/{SLUG}/decisions/2#tally"
        expect(tally_row(page, "De Brug Jeugdzorg (demo)")).to_contain_text("Onthouden")
    finally:
        context.close()
