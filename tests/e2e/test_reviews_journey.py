"""Case and quality reviews in Chromium: record a review, watch the privacy guard live,
score the principles, add a 3rd-order lesson, finalise, and find its proposal in the manifest.

Every page the journeys reach is checked with axe-core, and so is the form after each live
(htmx) privacy check. The journeys add two reviews (and a change proposal) to the shared
demo database; they change nothing that is already there.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

SLUG = "eemland-bsa"
REVIEWS = f"/p/{SLUG}/reviews"
MANIFEST = f"/p/{SLUG}/manifest"

# Typed text (not interface text, so the same in every language).
TITLE = "Wachttijd bij de overgang naar specialistische hulp (e2e)"
TEAM = "Gezinsteam Noord (e2e)"
PARTICIPANTS = "jeugdprofessional\ngedragswetenschapper\nwijkteammedewerker"
NAME, PHONE, BSN = "mevr. Jansen", "06-12345678", "123456782"
CASE_WITH_PERSONAL_DATA = (
    f"Het gezin van {NAME} (tel. {PHONE}, BSN {BSN}) wachtte vier maanden op "
    "specialistische hulp. De kluwenpuzzel van verwijzingen liep vast tussen drie loketten."
)
CASE_CLEAN = (
    "Het gezin wachtte vier maanden op specialistische hulp. "
    "De kluwenpuzzel van verwijzingen liep vast tussen drie loketten."
)
SECRET_PHRASE = "kluwenpuzzel van verwijzingen"  # only the recording organisation reads it
WENT_WELL = "De jeugdprofessional bleef betrokken en hield het gezin op de hoogte."
COULD_BE_BETTER = "Eén regisseur die de overgang bewaakt, in plaats van drie loketten."
LESSON = (
    "Wie regie voert, houdt die ook tijdens de wachttijd: "
    "we zien onze rol niet als doorverwijzer maar als vaste schakel (e2e)."
)
PROPOSAL_TITLE = "Regie blijft bij de vaste schakel tijdens het wachten (e2e-7Q4)"
PROPOSAL_TEXT = "De professional die regie voert, blijft de vaste schakel tot de nieuwe hulp start."

SMALL_TITLE = "Korte casus over een telefonische afspraak (e2e)"
SMALL_CASE = f"Het gesprek met {NAME} over de planning verliep telefonisch en goed."
CONFIRM_REASON = "Mevrouw Jansen is de gedragswetenschapper van het team, geen cliënt (e2e)."


def nav_link(page: Page, path: str):
    return page.locator(f".ss-nav a[href='{path}']")


def log_out(page: Page) -> None:
    page.locator("header form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    check_accessibility(page)


def assert_no_horizontal_scroll(page: Page, width: int = 320) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} scrolls horizontally at {width}px: the document is {scroll_width}px wide"
    )


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


def review_number(page: Page) -> int:
    match = re.search(rf"{REVIEWS}/(\d+)(?:#.*)?$", page.url)
    assert match, f"not on a review page: {page.url}"
    return int(match.group(1))


def open_new_review_form(page: Page) -> None:
    nav_link(page, f"{REVIEWS}/").click()
    expect(page).to_have_url(re.compile(rf"{REVIEWS}/$"))
    expect(page.locator("#reviews-results")).to_be_visible()
    check_accessibility(page)
    page.locator(f"main a[href='{REVIEWS}/new']").click()
    expect(page).to_have_url(re.compile(rf"{REVIEWS}/new$"))
    expect(page.locator("#privacy-hits .ss-privacy-ok")).to_be_visible()  # nothing typed yet
    check_accessibility(page)


def fill_review(page: Page, title: str, case_description: str, **extra: str) -> None:
    form = page.locator("main form.utrecht-form")
    form.locator("input[name=kind][value=casusbespreking]").check()
    expect(form.locator("#held_on")).not_to_have_value("")  # today, filled in by the form
    form.locator("#team").fill(TEAM)
    form.locator("#participants").fill(PARTICIPANTS)
    form.locator("#title").fill(title)
    form.locator("#case_description").fill(case_description)
    for field_id, text in extra.items():
        form.locator(f"#{field_id}").fill(text)


def save_review(page: Page) -> int:
    page.locator("main form.utrecht-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{REVIEWS}/\d+$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(page.locator("main .utrecht-status-badge--warning")).to_be_visible()  # concept
    check_accessibility(page)
    return review_number(page)


def finalise_button(page: Page):
    # The finalise form posts to the page itself; the confirm forms have an action.
    return page.locator("main form[method=post]:not([action]) button[type=submit]")


def expect_finalised(page: Page, number: int) -> None:
    expect(page).to_have_url(re.compile(rf"{REVIEWS}/{number}$"))
    expect(page.locator(".ss-flashes")).to_contain_text(f"CR-{number}")
    expect(page.locator("main .utrecht-status-badge--success").first).to_be_visible()
    expect(page.locator("main .utrecht-status-badge--warning")).to_have_count(0)
    expect(page.locator(f"main a[href='{REVIEWS}/{number}/edit']")).to_have_count(0)
    expect(page.locator(f"main a[href='{REVIEWS}/{number}/finalise']")).to_have_count(0)
    check_accessibility(page)


# --- the main journey ------------------------------------------------------------------------


def test_record_score_learn_finalise_and_propose(page: Page):
    number = team_member_records_a_review(page)
    team_member_scores_the_principles(page, number)
    team_member_adds_a_third_order_lesson(page, number)
    proposal_path = team_member_finalises(page, number)
    log_out(page)
    programme_manager_sees_the_proposal(page, number, proposal_path)
    other_organisation_sees_lessons_not_case(page, number)


def team_member_records_a_review(page: Page) -> int:
    log_in(page, "teamlid@eemland.test")
    visit(page, f"/p/{SLUG}/")
    open_new_review_form(page)

    # Personal data typed into the case description: the live check lists each hit.
    fill_review(
        page, TITLE, CASE_WITH_PERSONAL_DATA, went_well=WENT_WELL, could_be_better=COULD_BE_BETTER
    )
    hits = page.locator("#privacy-hits")
    expect(hits.locator(".utrecht-alert--warning li")).to_have_count(3)
    for fragment in (NAME, PHONE, BSN):
        expect(hits).to_contain_text(fragment)
    expect(hits.locator(".ss-privacy-ok")).to_have_count(0)
    check_accessibility(page)  # after the htmx swap

    # Removed from the text: the panel says the guard finds nothing.
    page.locator("#case_description").fill(CASE_CLEAN)
    expect(hits.locator(".ss-privacy-ok")).to_be_visible()
    expect(hits.locator(".utrecht-alert--warning")).to_have_count(0)
    expect(hits).not_to_contain_text(BSN)
    check_accessibility(page)

    number = save_review(page)
    expect(page.locator("main h1")).to_contain_text(TITLE)
    expect(page.locator("main")).to_contain_text(SECRET_PHRASE)
    expect(page.locator("main .utrecht-alert--warning")).to_have_count(0)  # no findings
    return number


def team_member_scores_the_principles(page: Page, number: int) -> None:
    page.locator(f"main a[href='{REVIEWS}/{number}/scores']").click()
    expect(page).to_have_url(re.compile(rf"{REVIEWS}/{number}/scores$"))
    check_accessibility(page)
    groups = page.locator("main .ss-scores[role=radiogroup]")
    count = groups.count()
    assert count > 0, "the scores page lists no principles"
    for index in range(count):
        score = str(index % 5 + 1)
        groups.nth(index).locator(f"input[type=radio][value='{score}']").check()
    page.locator("main textarea[name^=explanation_]").first.fill(
        "De regie lag tijdens de wachttijd bij niemand."
    )
    page.locator("main form.utrecht-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{REVIEWS}/{number}#scores$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    cells = page.locator("#scores ~ .utrecht-table-container tbody tr td:nth-of-type(1)")
    expect(cells).to_have_count(count)
    for index in range(count):
        expect(cells.nth(index)).to_have_text(str(index % 5 + 1))
    check_accessibility(page)


def team_member_adds_a_third_order_lesson(page: Page, number: int) -> None:
    page.locator(f"main a[href='{REVIEWS}/{number}/lessons/new']").click()
    expect(page).to_have_url(re.compile(rf"{REVIEWS}/{number}/lessons/new$"))
    check_accessibility(page)
    form = page.locator("main form.utrecht-form")
    form.locator("#text").fill(LESSON)
    form.locator("input[name=level][value='3']").check()
    form.locator("input[name=arena][value=systeem]").check()
    form.locator("input[name=principles]").first.check()
    form.locator("input[name=follow_up][value=principle]").check()
    form.locator("#target_principle_id").select_option("")  # a new principle
    form.locator("#proposal_title").fill(PROPOSAL_TITLE)
    form.locator("#proposal_text").fill(PROPOSAL_TEXT)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{REVIEWS}/{number}#lessons$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    lesson = page.locator("main article.ss-lesson").filter(has_text=LESSON)
    expect(lesson).to_have_count(1)
    expect(lesson).to_contain_text("3")
    expect(lesson.locator("a[href*='/manifest/principles/']")).to_have_count(1)  # cited
    expect(lesson.locator("a[href*='/manifest/proposals/']")).to_have_count(0)  # not yet
    check_accessibility(page)


def team_member_finalises(page: Page, number: int) -> str:
    # The finalise page (what the button leads to without JavaScript): no hits left.
    visit(page, f"{REVIEWS}/{number}/finalise")
    expect(page.locator("main .ss-privacy-ok")).to_be_visible()  # no hits left
    expect(page.locator("main form.ss-confirm")).to_have_count(0)
    visit(page, f"{REVIEWS}/{number}")
    # With JavaScript the button opens a dialog with the page's text and its form.
    page.locator(f"main a[href='{REVIEWS}/{number}/finalise'][data-confirm]").click()
    dialog = page.locator("dialog#confirm-finalise")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"CR-{number}")
    check_accessibility(page)
    dialog.locator(f"form[action='{REVIEWS}/{number}/finalise'] button[type=submit]").click()
    expect_finalised(page, number)
    # The lesson's follow-up was carried out: it links to the change proposal.
    lesson = page.locator("main article.ss-lesson").filter(has_text=LESSON)
    outcome = lesson.locator(f"a[href^='{MANIFEST}/proposals/']")
    expect(outcome).to_have_count(1)
    expect(page.locator("main")).to_contain_text(SECRET_PHRASE)  # own organisation
    proposal_path = outcome.get_attribute("href") or ""
    assert re.fullmatch(rf"{MANIFEST}/proposals/\d+", proposal_path), proposal_path
    return proposal_path


def programme_manager_sees_the_proposal(page: Page, number: int, proposal_path: str) -> None:
    log_in(page, "programmamanager@eemland.test")
    visit(page, f"{MANIFEST}/proposals")
    link = page.locator("main table a").filter(has_text=PROPOSAL_TITLE)
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", proposal_path)  # the one the lesson links to
    link.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(proposal_path)}$"))
    expect(page.locator("main h1")).to_contain_text(PROPOSAL_TITLE)
    # Its origin: the lesson from this review.
    expect(page.locator("main")).to_contain_text(f"CR-{number} {TITLE}")
    expect(page.locator("main .ss-core")).to_have_text(PROPOSAL_TEXT)
    expect(page.locator("main")).to_contain_text(LESSON)
    check_accessibility(page)
    log_out(page)


def other_organisation_sees_lessons_not_case(page: Page, number: int) -> None:
    log_in(page, "jeugdprofessional@eemland.test")
    visit(page, f"{REVIEWS}/{number}")
    expect(page.locator("main h1")).to_contain_text(TITLE)
    expect(page.locator("main article.ss-lesson").filter(has_text=LESSON)).to_have_count(1)
    expect(page.locator("#scores")).to_be_visible()
    expect(page.locator("#case-heading")).to_have_count(0)
    main_text = page.locator("main").inner_text()
    for private in (SECRET_PHRASE, WENT_WELL, COULD_BE_BETTER, "gedragswetenschapper"):
        assert private not in main_text, f"{private!r} is shown to another organisation"
    expect(page.locator(f"main a[href='{REVIEWS}/{number}/edit']")).to_have_count(0)
    # The concept-only pages are closed to another organisation.
    visit(page, f"{REVIEWS}/{number}/finalise", status=403)
    log_out(page)


# --- a hit that is not personal data ---------------------------------------------------------


def test_confirm_a_hit_with_a_reason_then_finalise(page: Page):
    log_in(page, "teamlid@eemland.test")
    visit(page, f"/p/{SLUG}/")
    open_new_review_form(page)
    fill_review(page, SMALL_TITLE, SMALL_CASE)
    expect(page.locator("#privacy-hits")).to_contain_text(NAME)  # live
    check_accessibility(page)
    number = save_review(page)
    expect(page.locator("main .utrecht-alert--warning")).to_be_visible()  # "see Finalise"

    visit(page, f"{REVIEWS}/{number}/finalise")
    items = page.locator("main ol.ss-list > li")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(NAME)
    confirm = items.first.locator("form.ss-confirm")
    expect(confirm).to_be_visible()

    # Finalising with an open hit is refused.
    finalise_button(page).click()
    expect(page).to_have_url(re.compile(rf"{REVIEWS}/{number}/finalise$"))
    expect(page.locator("main [role=alert]")).to_be_visible()
    expect(page.locator("main .utrecht-status-badge--success")).to_have_count(0)
    check_accessibility(page)

    # Confirming without a reason is refused too; with one, the hit is confirmed.
    confirm = page.locator("main ol.ss-list > li form.ss-confirm")
    confirm.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{REVIEWS}/{number}/finalise$"))
    expect(page.locator(".ss-flashes .utrecht-alert--error")).to_be_visible()
    expect(confirm).to_be_visible()
    check_accessibility(page)
    confirm.locator("input[name=reason]").fill(CONFIRM_REASON)
    confirm.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{REVIEWS}/{number}/finalise$"))
    expect(page.locator(".ss-flashes .utrecht-alert--ok")).to_be_visible()
    items = page.locator("main ol.ss-list > li")
    expect(items.first.locator(".utrecht-status-badge--success")).to_be_visible()  # confirmed
    expect(page.locator("main form.ss-confirm")).to_have_count(0)
    check_accessibility(page)

    finalise_button(page).click()
    expect_finalised(page, number)
    log_out(page)


# --- permissions and reflow ------------------------------------------------------------------


def test_reader_cannot_record_a_review(page: Page):
    log_in(page, "lezer@eemland.test")
    visit(page, f"{REVIEWS}/")
    expect(page.locator(f"main a[href='{REVIEWS}/new']")).to_have_count(0)
    visit(page, f"{REVIEWS}/new", status=403)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main form[method=post]")).to_have_count(0)


def test_review_overview_reflows_at_320_pixels(narrow_page: Page):
    page = narrow_page
    log_in(page, "lezer@eemland.test")
    visit(page, f"{REVIEWS}/overview")
    expect(page.locator("main svg[role=img]").first).to_be_visible()  # the demo's trends
    expect(page.locator("main article.ss-lesson").first).to_be_visible()
    assert_no_horizontal_scroll(page)
    visit(page, f"{REVIEWS}/actions")
    assert_no_horizontal_scroll(page)
