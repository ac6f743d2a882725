"""Evaluation cycles in Chromium: measure, interpret, freeze, two boards decide, follow up.

The programme manager completes the running demo cycle (phase "duiden"): enters the missing
measurement, writes the interpretation with two proposals, and submits it to the boards.
The bestuurders of both deciding organisations decide; the cycle closes, and an accepted
proposal becomes a draft agreement. Every page reached is checked with axe-core, including
each form's error state.

The journey changes the shared demo database: the newest demo cycle ends up closed with
two proposals, and one draft agreement is added. The other tests here only read (an
overlapping new cycle is refused, so nothing is created). Elements are found by id, name or
href, or by text in either language, so the tests pass whether or not the Dutch catalog
has every cycle string yet.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

SLUG = "eemland-bsa"
CYCLES = f"/p/{SLUG}/cycles"
AGREEMENTS = f"/p/{SLUG}/agreements"
MANAGER = "programmamanager@eemland.test"
BOARD_BRUG = "bestuurder@eemland.test"  # De Brug Jeugdzorg (demo); two partnerships
BOARD_AMERSFOORT = "bestuurder-amersfoort@eemland.test"
READER = "lezer@eemland.test"
# Demo data (not interface text, so the same in every language).
RUNNING_TITLE = "Evaluatie afgelopen halfjaar"
MISSING_INDICATOR = "Budgetuitputting"
DECIDERS = ("Gemeente Amersfoort", "De Brug Jeugdzorg (demo)")

VALUE = "97,5"  # a decimal comma, as a Dutch user types it
SHOWN_VALUE = "97.5"
VALUE_EXPLANATION = "Uitgaven binnen het budget dankzij de wachtlijstaanpak (e2e)."
INTERPRETATION = (
    "De wachttijd daalt verder en de budgetuitputting blijft *onder* de streefwaarde (e2e)."
)
DILEMMAS = "Investeren in het voorliggend veld of de wachttijd verder terugdringen (e2e)."
PROPOSALS = (
    "Een gezamenlijke wachtlijstaanpak met het voorliggend veld opzetten (e2e).",
    "De maandrapportage uitbreiden met de doorlooptijd per zorgvorm (e2e).",
)
COMMENT_BRUG = "Akkoord; graag het vervolg in de volgende cyclus zichtbaar (e2e)."
COMMENT_AMERSFOORT = "Vastgesteld; de raad wil de doorlooptijd per zorgvorm volgen (e2e)."

# Phase labels as shown in the badges: Dutch catalog or the English source text.
PHASE_DUIDEN = re.compile(r"duiden|interpreting", re.IGNORECASE)
PHASE_DECISION = re.compile(r"besluitvorming|board decision", re.IGNORECASE)
PHASE_CLOSED = re.compile(r"afgerond|gesloten|closed", re.IGNORECASE)


# --- helpers ------------------------------------------------------------------------------


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


def log_out(page: Page) -> None:
    page.locator("header form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    check_accessibility(page)


def assert_no_horizontal_scroll(page: Page, width: int = 320) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} scrolls horizontally at {width}px: the document is {scroll_width}px wide"
    )


def expect_field_error(page: Page, field_id: str) -> None:
    """The field is marked invalid, with its message tied to it, under an alert."""
    field = page.locator(f"#{field_id}")
    expect(page.locator("main [role=alert]").first).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}-error\b"))
    expect(page.locator(f"#{field_id}-error")).to_be_visible()


def current_phase(page: Page):
    return page.locator("main ol.ss-phases li[aria-current=step]")


def decision_row(page: Page, organisation: str):
    return page.locator("#decisions tbody tr").filter(has=page.locator("th", has_text=organisation))


def proposal_items(page: Page):
    return page.locator("#proposals ol > li")


def find_running_cycle(page: Page) -> int:
    """Open the cycle list from the navigation and return the number of the one in "duiden"."""
    page.locator(f".ss-nav a[href='{CYCLES}/']").click()
    expect(page).to_have_url(re.compile(rf"{CYCLES}/$"))
    check_accessibility(page)
    items = page.locator("main ul.ss-list > li").filter(
        has=page.locator(".utrecht-status-badge", has_text=PHASE_DUIDEN)
    )
    expect(items).to_have_count(1)
    link = items.locator(f"a[href^='{CYCLES}/']")
    expect(link).to_contain_text(RUNNING_TITLE)
    match = re.fullmatch(rf"{CYCLES}/(\d+)", link.get_attribute("href") or "")
    assert match, link.get_attribute("href")
    return int(match.group(1))


# --- the journey ----------------------------------------------------------------------------


def test_cycle_from_measurements_to_board_decisions_to_a_draft_agreement(page: Page):
    log_in(page, MANAGER)
    number = find_running_cycle(page)
    cycle = f"{CYCLES}/{number}"
    page.locator(f"main a[href='{cycle}']").click()
    expect(page).to_have_url(re.compile(rf"{cycle}$"))
    expect(page.locator("main h1")).to_have_text(f"C-{number} {RUNNING_TITLE}")
    expect(current_phase(page)).to_have_text(PHASE_DUIDEN)
    expect(page.locator(f"main a[href='{cycle}/submit'][data-confirm]")).to_be_visible()
    expect(page.locator("#proposals ol")).to_have_count(0)  # no proposals yet
    check_accessibility(page)

    enter_missing_measurement(page, cycle)
    write_interpretation(page, cycle)
    submit_to_the_boards(page, number, cycle)
    log_out(page)

    board_decides_after_a_missing_vote(page, cycle)
    second_board_decides_after_a_missing_reason(page, cycle)

    log_in(page, MANAGER)
    make_a_draft_agreement(page, number, cycle)


def enter_missing_measurement(page: Page, cycle: str) -> None:
    page.locator(f"main a[href='{cycle}/measurements']").click()
    expect(page).to_have_url(re.compile(rf"{cycle}/measurements$"))
    fieldset = page.locator("main form fieldset").filter(
        has=page.locator("legend", has_text=MISSING_INDICATOR)
    )
    expect(fieldset).to_have_count(1)
    value = fieldset.locator("input[name^='value_']")
    expect(value).to_have_value("")  # the missing one
    value_id = value.get_attribute("id") or ""
    indicator_id = (value.get_attribute("name") or "").removeprefix("value_")
    assert indicator_id.isdigit(), indicator_id
    # The other adopted indicators have their demo values already.
    waiting_time = page.locator("main form fieldset").filter(
        has=page.locator("legend", has_text="Wachttijd tot start hulp")
    )
    expect(waiting_time.locator("input[name^='value_']")).to_have_value("31")
    check_accessibility(page)

    value.fill("abc")
    fieldset.locator(f"textarea[name='explanation_{indicator_id}']").fill(VALUE_EXPLANATION)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{cycle}/measurements$"))
    expect(page.locator("main [role=alert]")).to_contain_text(MISSING_INDICATOR)
    expect_field_error(page, value_id)
    expect(page.locator(f"#{value_id}")).to_have_value("abc")  # what was typed is kept
    expect(page.locator(f"#explanation-{indicator_id}")).to_have_value(VALUE_EXPLANATION)
    check_accessibility(page)

    page.locator(f"#{value_id}").fill(VALUE)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{cycle}#indicators$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    row = page.locator("#indicators tbody tr").filter(
        has=page.locator("th", has_text=MISSING_INDICATOR)
    )
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_contain_text(SHOWN_VALUE)
    expect(row.locator("td").first).to_contain_text(VALUE_EXPLANATION)
    check_accessibility(page)


def write_interpretation(page: Page, cycle: str) -> None:
    page.locator(f"main a[href='{cycle}/interpretation']").click()
    expect(page).to_have_url(re.compile(rf"{cycle}/interpretation$"))
    form = page.locator("main form.utrecht-form")
    expect(form.locator("#interpretation")).not_to_have_value("")  # the demo's draft
    expect(form.locator("#proposals")).to_have_value("")
    check_accessibility(page)

    form.locator("#interpretation").fill(INTERPRETATION)
    form.locator("#dilemmas").fill(DILEMMAS)
    form.locator("#proposals").fill("\n".join(PROPOSALS) + "\n\n")  # blank lines are dropped
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{cycle}#interpretation$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(page.locator("#interpretation .ss-prose em")).to_have_text("onder")  # Markdown
    expect(page.locator("#interpretation")).to_contain_text(DILEMMAS)
    items = proposal_items(page)
    expect(items).to_have_count(2)
    for item, text in zip((items.nth(0), items.nth(1)), PROPOSALS, strict=True):
        expect(item).to_contain_text(text)
    check_accessibility(page)


def submit_to_the_boards(page: Page, number: int, cycle: str) -> None:
    # The button opens a dialog that says what will happen; Cancel closes it unchanged.
    button = page.locator(f"main a[href='{cycle}/submit'][data-confirm]")
    dialog = page.locator("dialog#confirm-submit")
    button.click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"C-{number}")
    check_accessibility(page)
    dialog.locator("form[method=dialog] button").click()
    expect(dialog).to_be_hidden()
    expect(current_phase(page)).to_have_text(PHASE_DUIDEN)
    # Opened with the keyboard and confirmed, the cycle is submitted.
    button.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    dialog.locator(f"form[action='{cycle}/submit'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{cycle}$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(current_phase(page)).to_have_text(PHASE_DECISION)
    # The frozen notice, with the board pack; the manager's edit actions are gone.
    notice = page.locator("main .utrecht-alert--info")
    pdf_link = notice.locator(f"a[href='{cycle}/pdf']")
    expect(pdf_link).to_be_visible()
    expect(page.locator(f"main a[href='{cycle}/measurements']")).to_have_count(0)
    expect(page.locator(f"main a[href='{cycle}/interpretation']")).to_have_count(0)
    expect(page.locator(f"main form[action='{cycle}/submit']")).to_have_count(0)
    expect(page.locator(f"main a[href='{cycle}/submit']")).to_have_count(0)
    for organisation in DECIDERS:
        expect(decision_row(page, organisation)).to_have_count(1)
    expect(page.locator("#decide")).to_have_count(0)  # a manager does not decide
    check_accessibility(page)

    with page.expect_download() as info:
        pdf_link.click()
    download = info.value
    assert download.suggested_filename == f"bestuurlijke-rapportage-{SLUG}-C-{number}.pdf"
    response = page.request.get(pdf_link.get_attribute("href") or "")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=body, capture_output=True, check=True
        ).stdout.decode("utf-8")
        flat = " ".join(text.split())
        assert RUNNING_TITLE in flat
        assert "wachtlijstaanpak met het voorliggend veld" in flat  # the first proposal

    # The frozen measurements page says so and refuses changes.
    visit(page, f"{cycle}/measurements")
    expect(page.locator("main")).to_contain_text(re.compile(r"bevroren|frozen", re.IGNORECASE))


def choose(page: Page, name: str, value: str) -> None:
    page.locator(f"#decide ~ form input[name='{name}'][value='{value}']").check()


def vote_names(page: Page) -> list[str]:
    names = page.locator("#decide ~ form input[type=radio][name^='vote_']").evaluate_all(
        "(inputs) => [...new Set(inputs.map((i) => i.name))]"
    )
    assert len(names) == len(PROPOSALS), names
    return names


def board_decides_after_a_missing_vote(page: Page, cycle: str) -> None:
    log_in(page, BOARD_BRUG)  # two partnerships: lands on the overview
    visit(page, f"/p/{SLUG}/")
    waiting = page.locator(f"main section.ss-panel a[href='{cycle}#decide']")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(RUNNING_TITLE)
    waiting.click()
    expect(page).to_have_url(re.compile(rf"{cycle}#decide$"))
    form = page.locator(f"main form[action='{cycle}/decide']")
    expect(form).to_be_visible()
    expect(page.locator("#decide")).to_contain_text(DECIDERS[1])
    expect(page.locator(f"main form[action='{cycle}/submit']")).to_have_count(0)
    check_accessibility(page)

    # Adopted, but no votes on the proposals: refused, the choice is kept.
    choose(page, "decision", "vastgesteld")
    form.locator("#comment").fill(COMMENT_BRUG)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{cycle}/decide$"))
    expect(page.locator("main [role=alert]")).to_contain_text("akkoord")  # vote on every one
    expect(form.locator("input[name=decision][value=vastgesteld]")).to_be_checked()
    expect(form.locator("#comment")).to_have_value(COMMENT_BRUG)
    expect(decision_row(page, DECIDERS[1])).not_to_contain_text(COMMENT_BRUG)
    check_accessibility(page)

    for name in vote_names(page):
        choose(page, name, "akkoord")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{cycle}#decisions$"))
    expect(page.locator(".ss-flashes")).to_contain_text(DECIDERS[1])
    expect(decision_row(page, DECIDERS[1])).to_contain_text(COMMENT_BRUG)
    expect(page.locator(f"main form[action='{cycle}/decide']")).to_have_count(0)
    expect(current_phase(page)).to_have_text(PHASE_DECISION)  # Amersfoort is still to decide
    check_accessibility(page)

    # The dashboard no longer asks this organisation for a decision.
    visit(page, f"/p/{SLUG}/")
    expect(page.locator(f"main a[href='{cycle}#decide']")).to_have_count(0)
    log_out(page)


def second_board_decides_after_a_missing_reason(page: Page, cycle: str) -> None:
    log_in(page, BOARD_AMERSFOORT)  # one partnership: lands on its dashboard
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/$"))
    expect(page.locator(f"main a[href='{cycle}#decide']")).to_have_count(1)
    visit(page, cycle)
    form = page.locator(f"main form[action='{cycle}/decide']")
    expect(form).to_be_visible()
    expect(page.locator("#decide")).to_contain_text(DECIDERS[0])

    # Not adopted, without a reason: refused, with the message next to the reason.
    choose(page, "decision", "niet_vastgesteld")
    names = vote_names(page)
    for name in names:
        choose(page, name, "akkoord")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{cycle}/decide$"))
    expect_field_error(page, "reason")
    for name in names:  # the votes are kept
        expect(form.locator(f"input[name='{name}'][value=akkoord]")).to_be_checked()
    check_accessibility(page)

    choose(page, "decision", "vastgesteld_met_opmerkingen")
    form.locator("#comment").fill(COMMENT_AMERSFOORT)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{cycle}#decisions$"))
    expect(page.locator(".ss-flashes")).to_contain_text(DECIDERS[0])
    # Every deciding organisation has decided: the cycle is closed.
    expect(current_phase(page)).to_have_text(PHASE_CLOSED)
    expect(decision_row(page, DECIDERS[0])).to_contain_text(COMMENT_AMERSFOORT)
    expect(decision_row(page, DECIDERS[1])).to_contain_text(COMMENT_BRUG)
    items = proposal_items(page)
    expect(items).to_have_count(2)
    for i in range(2):  # "2 agree, 0 do not agree" in either language
        expect(items.nth(i).locator(".ss-meta")).to_contain_text(re.compile(r"\b2\b\D+\b0\b"))
    # Only a programme manager carries proposals out.
    expect(page.locator("#proposals form")).to_have_count(0)
    check_accessibility(page)
    log_out(page)


def make_a_draft_agreement(page: Page, number: int, cycle: str) -> None:
    visit(page, f"{CYCLES}/")
    item = page.locator("main ul.ss-list > li").filter(has=page.locator(f"a[href='{cycle}']"))
    expect(item.locator(".utrecht-status-badge")).to_have_text(PHASE_CLOSED)
    visit(page, cycle)
    expect(current_phase(page)).to_have_text(PHASE_CLOSED)
    first, second = proposal_items(page).nth(0), proposal_items(page).nth(1)
    for item in (first, second):
        expect(item.locator("form[action$='/agreement'] button")).to_be_visible()
        expect(item.locator("form[action$='/action'] button")).to_be_visible()
    expect(page.locator(f"main form[action='{cycle}/submit']")).to_have_count(0)
    check_accessibility(page)

    first.locator("form[action$='/agreement'] button").click()
    expect(page).to_have_url(re.compile(rf"{AGREEMENTS}/\d+$"))
    agreement = path_of(page)
    agreement_number = int(agreement.rsplit("/", 1)[1])
    expect(page.locator(".ss-flashes")).to_contain_text(f"WA-{agreement_number}")
    expect(page.locator("main h1")).to_have_text(f"WA-{agreement_number} {PROPOSALS[0]}")
    origin = page.locator("main dl .utrecht-data-list__item").filter(
        has_text=f"C-{number} {RUNNING_TITLE}"
    )
    expect(origin).to_have_count(1)
    for organisation in DECIDERS:
        expect(page.locator("main dl")).to_contain_text(organisation)  # all parties
    check_accessibility(page)

    # Back on the cycle, the proposal links to its draft agreement; the other can still go.
    visit(page, cycle)
    first = proposal_items(page).nth(0)
    expect(first.locator(f"a[href='{agreement}']")).to_be_visible()
    expect(first.locator("form")).to_have_count(0)
    expect(proposal_items(page).nth(1).locator("form")).to_have_count(2)


# --- around the journey ---------------------------------------------------------------------


def test_new_cycle_overlapping_an_existing_one_is_refused(page: Page):
    log_in(page, MANAGER)
    visit(page, f"{CYCLES}/")
    before = page.locator("main ul.ss-list > li").count()
    assert before >= 3, "the demo should have three cycles"
    page.locator(f"main a[href='{CYCLES}/new']").click()
    expect(page).to_have_url(re.compile(rf"{CYCLES}/new$"))
    check_accessibility(page)

    today = date.today()
    form = page.locator("main form.utrecht-form")
    form.locator("#title").fill("Overlappende evaluatie (e2e)")
    # From within the previous half-year (the newest demo cycle) to a month ahead.
    form.locator("#period_from").fill((today - timedelta(days=200)).isoformat())
    form.locator("#period_to").fill((today + timedelta(days=30)).isoformat())
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{CYCLES}/new$"))
    expect_field_error(page, "period_from")
    expect(page.locator("#period_from-error")).to_contain_text(re.compile(r"C-\d+"))
    expect(form.locator("#title")).to_have_value("Overlappende evaluatie (e2e)")
    check_accessibility(page)

    # Cancel: leave the form through the navigation; no cycle was made.
    page.locator(f".ss-nav a[href='{CYCLES}/']").click()
    expect(page).to_have_url(re.compile(rf"{CYCLES}/$"))
    expect(page.locator("main ul.ss-list > li")).to_have_count(before)
    expect(page.locator("main")).not_to_contain_text("Overlappende evaluatie (e2e)")
    check_accessibility(page)


def test_reader_reads_a_cycle_but_cannot_manage_or_decide(page: Page):
    log_in(page, READER)
    visit(page, f"{CYCLES}/")
    expect(page.locator(f"main a[href='{CYCLES}/new']")).to_have_count(0)
    link = page.locator(f"main ul.ss-list a[href^='{CYCLES}/']").first
    cycle = link.get_attribute("href") or ""
    link.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(cycle)}$"))
    expect(page.locator("main h1")).to_contain_text("C-")
    expect(page.locator("#indicators")).to_be_visible()
    expect(page.locator(f"main a[href='{cycle}/measurements']")).to_have_count(0)
    expect(page.locator(f"main a[href='{cycle}/interpretation']")).to_have_count(0)
    # The only form a reader has is following the cycle.
    expect(page.locator("main form[method=post]:not([id^='follow-'])")).to_have_count(0)
    check_accessibility(page)

    visit(page, f"/p/{SLUG}/indicators/")
    expect(page.locator(f"main a[href='/p/{SLUG}/indicators/new']")).to_have_count(0)
    visit(page, f"{CYCLES}/new", status=403)
    expect(page.locator("main h1")).to_be_visible()
    visit(page, f"{cycle}/measurements", status=403)


def test_cycle_page_reflows_at_320_pixels(narrow_page: Page):
    page = narrow_page
    log_in(page, MANAGER)
    visit(page, f"{CYCLES}/")
    assert_no_horizontal_scroll(page)
    # The newest cycle: closed with proposals and decisions after the journey, else running.
    link = page.locator(f"main ul.ss-list a[href^='{CYCLES}/']").first
    cycle = link.get_attribute("href") or ""
    visit(page, cycle)
    expect(page.locator("#indicators table")).to_be_attached()
    assert_no_horizontal_scroll(page)
    visit(page, f"/p/{SLUG}/indicators/")
    assert_no_horizontal_scroll(page)
