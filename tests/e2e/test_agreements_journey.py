"""Agreements (werkafspraken) in Chromium: filter, create, edit, compare, activate, revisit.

Every page the journeys reach is checked with axe-core, including form error states and
lists updated in place by htmx. The journey only adds to the shared demo database: one new
agreement (with three versions) and one revisit decision ("verlengen") on an overdue demo
agreement, which is then no longer overdue. Elements are found by id, name or href, so the
tests pass whether or not the Dutch catalog has the agreement strings yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

SLUG = "eemland-bsa"
AGREEMENTS = f"/p/{SLUG}/agreements"
MANAGER = "programmamanager@eemland.test"
READER = "lezer@eemland.test"
# Demo data (not interface text, so the same in every language).
PARTIES = ("Gemeente Baarn", "BSA Jeugdhulp Eemland")
OVERDUE = "herzien_nodig"  # the status value of an active workable agreement past its date

TITLE = "Gezamenlijke casusregie bij complexe scheidingen (e2e)"
SUMMARY = "Bij een complexe scheiding voert één casusregisseur de regie over de hulp (e2e)."
NEW_SUMMARY = (
    "Bij een complexe scheiding voert één casusregisseur van de BSA binnen twee weken "
    "de regie over alle hulp aan het gezin (e2e)."
)
EXPLANATION = "Ouders krijgen nu te maken met *meerdere* hulpverleners tegelijk (e2e)."
ORIGIN = "Casuïstiektafel scheidingen (e2e)"
CHANGE_NOTE = "Termijn en rol van de BSA aangescherpt na de casuïstiektafel (e2e)."
DATE_NOTE = "Herijking later gezet: eerst een half jaar ervaring opdoen (e2e)."
REVISIT_REASON = "De afspraak werkt; we verlengen en kijken na de zomer opnieuw (e2e)."
REVISIT_DAYS = 120  # the new agreement's revisit date: not due (more than 30 days ahead)
LATER_REVISIT_DAYS = 200


# --- helpers ------------------------------------------------------------------------------


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def field_wrapper(page: Page, field_id: str):
    return page.locator("main .utrecht-form-field").filter(has=page.locator(f"#{field_id}"))


def expect_field_error(page: Page, field_id: str) -> None:
    """The field is marked invalid, with its message next to it and tied to it."""
    field = page.locator(f"#{field_id}")
    expect(page.locator("main [role=alert]")).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}-error\b"))
    expect(field_wrapper(page, field_id).locator(f"#{field_id}-error")).to_be_visible()


def check_party(page: Page, name: str) -> None:
    """Tick a party's checkbox by the (demo data) organisation name of its label."""
    label = page.locator("main form label[for^='parties-']").filter(
        has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")
    )
    expect(label).to_have_count(1)
    page.locator(f"#{label.get_attribute('for')}").check()


def list_rows(page: Page):
    return page.locator("#agreements-results tbody tr")


def assert_no_horizontal_scroll(page: Page, width: int = 320) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} scrolls horizontally at {width}px: the document is {scroll_width}px wide"
    )


@contextmanager
def narrow_viewport(page: Page, width: int = 320) -> Iterator[None]:
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": 640})
    try:
        yield
    finally:
        if size:
            page.set_viewport_size(size)


# --- the programme manager's journey ------------------------------------------------------


def test_programme_manager_creates_edits_compares_activates_and_revisits(
    page: Page, browser, live_server
):
    log_in(page, MANAGER)
    page.locator(f".ss-nav a[href='{AGREEMENTS}/']").click()
    expect(page).to_have_url(re.compile(rf"{AGREEMENTS}/$"))
    expect(list_rows(page).first).to_be_visible()
    check_accessibility(page)

    filtered_path = filter_overdue_in_place(page)
    filtered_list_is_bookmarkable(browser, live_server, page, filtered_path)
    number = create_agreement(page)
    edit_summary_then_revisit_date(page, number)
    compare_first_and_third_version(page, number)
    activate(page, number)
    revisit_an_overdue_demo_agreement(page)


def filter_overdue_in_place(page: Page) -> str:
    rows = list_rows(page)
    all_count = rows.count()
    other_status = rows.locator("td .utrecht-status-badge:not(.utrecht-status-badge--warning)")
    assert other_status.count() > 0, "the demo should list agreements that are not overdue"
    page.evaluate("() => { window.e2eSamePage = true; }")  # gone after a full page load

    page.locator("#filter-status").select_option(OVERDUE)
    expect(page).to_have_url(re.compile(rf"[?&]status={OVERDUE}(&|$)"))  # hx-push-url
    # Every row left has the status "revisit needed".
    expect(other_status).to_have_count(0)
    expect(rows.first.locator("td .utrecht-status-badge--warning")).to_be_visible()
    assert 0 < rows.count() < all_count
    assert page.evaluate("() => window.e2eSamePage === true"), "the filter reloaded the page"
    # The export links follow the filter.
    csv_link = page.locator(f"#agreements-results a[href^='{AGREEMENTS}/export.csv']")
    expect(csv_link).to_have_attribute("href", re.compile(rf"[?&]status={OVERDUE}(&|$)"))
    expect(
        page.locator(f"#agreements-results a[href^='{AGREEMENTS}/export.xlsx']")
    ).to_have_attribute("href", re.compile(rf"[?&]status={OVERDUE}(&|$)"))
    check_accessibility(page)  # the list as htmx left it

    response = page.request.get(csv_link.get_attribute("href") or "")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text().lstrip("\ufeff").strip().splitlines()
    assert len(lines) == rows.count() + 1  # a header, then one line per listed agreement
    return path_of(page)


def filtered_list_is_bookmarkable(browser, live_server, page: Page, path: str) -> None:
    """The pushed URL, opened without JavaScript, renders the same filtered list."""
    expected = [
        " ".join(text.split()) for text in list_rows(page).locator("th a").all_inner_texts()
    ]
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        storage_state=page.context.storage_state(),  # logged in as the same user
    )
    try:
        plain = context.new_page()
        response = plain.goto(path)
        assert response is not None and response.status == 200
        expect(plain.locator("#filter-status")).to_have_value(OVERDUE)
        titles = [
            " ".join(text.split()) for text in list_rows(plain).locator("th a").all_inner_texts()
        ]
        assert titles == expected
        # The plain GET form: choosing another filter and submitting reloads the page.
        plain.locator("#filter-status").select_option("")
        plain.locator("#filter-due").select_option("overdue")
        plain.locator("main form[role=search] button[type=submit]").click()
        expect(plain).to_have_url(re.compile(r"[?&]due=overdue(&|$)"))
        expect(list_rows(plain).first).to_be_visible()
    finally:
        context.close()
    # The bookmarked URL in the normal browser, with axe.
    visit(page, path)
    expect(page.locator("#filter-status")).to_have_value(OVERDUE)
    expect(list_rows(page)).to_have_count(len(expected))


def create_agreement(page: Page) -> int:
    page.locator(f"main a[href='{AGREEMENTS}/new']").click()
    expect(page).to_have_url(re.compile(rf"{AGREEMENTS}/new$"))
    form = page.locator("main form[method=post]")
    expect(form.locator("input[name=kind][value=werkbaar]")).to_be_checked()  # the default
    start_value = form.locator("#start_on").input_value()  # today, in the app's time zone
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", start_value), start_value
    start = date.fromisoformat(start_value)
    check_accessibility(page)

    form.locator("#title").fill(TITLE)
    form.locator("#summary").fill(SUMMARY)
    form.locator("#explanation").fill(EXPLANATION)
    form.locator("input[name=kind][value=werkbaar]").check()
    form.locator("#revisit_on").fill((start - timedelta(days=1)).isoformat())  # too early
    for party in PARTIES:
        check_party(page, party)
    principle_boxes = form.locator("input[name=principles]")
    assert principle_boxes.count() >= 2, "the demo manifest should offer principles"
    principles = []
    for box in (principle_boxes.nth(0), principle_boxes.nth(1)):
        box.check()
        label = form.locator(f"label[for='{box.get_attribute('id')}']").inner_text()
        principles.append(re.sub(r"^\s*\d+\.\s*", "", label).strip())  # "1. Title" -> "Title"
    form.locator("#origin").fill(ORIGIN)
    form.locator("button[type=submit]").click()

    # The error is next to the revisit date; everything typed is kept.
    expect(page).to_have_url(re.compile(rf"{AGREEMENTS}/new$"))
    expect_field_error(page, "revisit_on")
    expect(form.locator("#title")).to_have_value(TITLE)
    expect(form.locator("#start_on")).to_have_value(start_value)
    expect(form.locator("input[name=principles]:checked")).to_have_count(2)
    expect(form.locator("input[name=parties]:checked")).to_have_count(len(PARTIES))
    expect(form.locator("#summary")).not_to_have_attribute("aria-invalid", "true")
    check_accessibility(page)

    form.locator("#revisit_on").fill((start + timedelta(days=REVISIT_DAYS)).isoformat())
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{AGREEMENTS}/\d+$"))
    number = int(path_of(page).rsplit("/", 1)[1])
    expect(page.locator(".ss-flashes")).to_contain_text(f"WA-{number}")
    expect(page.locator("main h1")).to_have_text(f"WA-{number} {TITLE}")
    expect(page.locator("main")).to_contain_text(SUMMARY)
    expect(page.locator("main .ss-prose em")).to_have_text("meerdere")  # Markdown rendered
    main = page.locator("main")
    for party in PARTIES:
        expect(main.locator("dl")).to_contain_text(party)
    linked = main.locator("a[href*='/manifest/principles/']")
    expect(linked).to_have_count(2)
    for principle in principles:
        expect(linked.filter(has_text=principle)).to_have_count(1)
    expect(main.locator("ol.ss-timeline > li")).to_have_count(1)  # version 1
    expect(main.locator(f"form[action='{AGREEMENTS}/{number}/activate']")).to_be_visible()
    check_accessibility(page)
    return number


def edit_summary_then_revisit_date(page: Page, number: int) -> None:
    detail = f"{AGREEMENTS}/{number}"
    # Version 2: a new summary, with a change note.
    page.locator(f"main a[href='{detail}/edit']").click()
    expect(page).to_have_url(re.compile(rf"{detail}/edit$"))
    form = page.locator("main form[method=post]")
    expect(form.locator("#summary")).to_have_value(SUMMARY)
    expect(form.locator("input[name=version]")).to_have_count(1)  # the edit-conflict check
    expect(form.locator("input[name=principles]:checked")).to_have_count(2)
    check_accessibility(page)
    form.locator("#summary").fill(NEW_SUMMARY)
    form.locator("#change_note").fill(CHANGE_NOTE)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    expect(page.locator(".ss-flashes")).to_contain_text("2")
    expect(page.locator("main .utrecht-paragraph--lead")).to_have_text(NEW_SUMMARY)
    expect(page.locator("main ol.ss-timeline")).to_contain_text(CHANGE_NOTE)
    check_accessibility(page)

    # Version 3: a later revisit date.
    page.locator(f"main a[href='{detail}/edit']").click()
    expect(page).to_have_url(re.compile(rf"{detail}/edit$"))
    form = page.locator("main form[method=post]")
    expect(form.locator("#summary")).to_have_value(NEW_SUMMARY)
    expect(form.locator("#change_note")).to_have_value("")
    start = date.fromisoformat(form.locator("#start_on").input_value())
    check_accessibility(page)
    form.locator("#revisit_on").fill((start + timedelta(days=LATER_REVISIT_DAYS)).isoformat())
    form.locator("#change_note").fill(DATE_NOTE)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    expect(page.locator(".ss-flashes")).to_contain_text("3")
    timeline = page.locator("main ol.ss-timeline > li")
    expect(timeline).to_have_count(3)
    expect(timeline.first).to_contain_text(DATE_NOTE)  # newest first
    check_accessibility(page)


def compare_first_and_third_version(page: Page, number: int) -> None:
    detail = f"{AGREEMENTS}/{number}"
    form = page.locator(f"main form[action='{detail}/compare']")
    form.locator("#compare-a").select_option("1")
    form.locator("#compare-b").select_option("3")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{detail}/compare\?a=1&b=3$"))
    table = page.locator("main table.ss-compare-table")
    expect(table).to_be_visible()
    # Rows in field order: title, summary, explanation, kind, start, revisit, end, ...
    rows = table.locator("tbody tr")
    changed = rows.filter(has=page.locator(".utrecht-status-badge--warning"))
    expect(changed).to_have_count(2)  # the summary and the revisit date
    summary = rows.nth(1)
    expect(summary.locator(".utrecht-status-badge--warning")).to_be_visible()
    expect(summary.locator("td.ss-diff").nth(0)).to_contain_text("voert één casusregisseur")
    expect(summary.locator("td.ss-diff").nth(0).locator("del").first).to_be_visible()
    expect(summary.locator("td.ss-diff").nth(1).locator("ins").first).to_be_visible()
    expect(summary.locator("td.ss-diff ins").filter(has_text="BSA")).not_to_have_count(0)
    revisit = rows.nth(5)
    expect(revisit.locator(".utrecht-status-badge--warning")).to_be_visible()
    expect(revisit.locator("td.ss-diff del")).not_to_have_count(0)
    expect(revisit.locator("td.ss-diff ins")).not_to_have_count(0)
    expect(rows.first.locator("del, ins")).to_have_count(0)  # the title did not change
    expect(page.locator("#compare-a")).to_have_value("1")
    expect(page.locator("#compare-b")).to_have_value("3")
    check_accessibility(page)
    with narrow_viewport(page):  # the side-by-side table scrolls in its own region
        assert_no_horizontal_scroll(page)
        check_accessibility(page)

    # A version that does not exist: an error, not a crash.
    visit(page, f"{detail}/compare?a=1&b=9", status=422)
    expect(page.locator("main [role=alert]")).to_be_visible()
    expect(page.locator("main table.ss-compare-table")).to_have_count(0)


def activate(page: Page, number: int) -> None:
    detail = f"{AGREEMENTS}/{number}"
    visit(page, detail)
    main = page.locator("main")
    expect(main.locator(".utrecht-status-badge--neutral").first).to_be_visible()  # concept
    main.locator(f"form[action='{detail}/activate'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(main.locator(".utrecht-status-badge--success")).to_be_visible()  # active
    expect(main.locator(f"form[action='{detail}/activate']")).to_have_count(0)
    # Its revisit date is months away: no revisit decision can be recorded yet.
    expect(main.locator(f"a[href='{detail}/revisit']")).to_have_count(0)
    expect(main.locator(f"a[href='{detail}/edit']")).to_be_visible()
    expect(main.locator(f"form[action='{detail}/archive']")).to_be_visible()
    check_accessibility(page)

    # The new agreement is listed as active, and not among the overdue ones.
    visit(page, f"{AGREEMENTS}/?q=e2e")
    row = list_rows(page).filter(has=page.locator(f"a[href='{detail}']"))
    expect(row).to_have_count(1)
    expect(row.locator(".utrecht-status-badge--success")).to_be_visible()
    visit(page, f"{AGREEMENTS}/?due=overdue")
    expect(list_rows(page).locator(f"a[href='{detail}']")).to_have_count(0)


def revisit_an_overdue_demo_agreement(page: Page) -> None:
    # Instead, a demo agreement past its revisit date, found with the filter (htmx).
    visit(page, f"{AGREEMENTS}/")
    page.locator("#filter-due").select_option("overdue")
    expect(page).to_have_url(re.compile(r"[?&]due=overdue(&|$)"))
    rows = list_rows(page)
    expect(rows.locator(".utrecht-status-badge--success")).to_have_count(0)
    expect(rows.first.locator(".utrecht-status-badge--warning")).to_be_visible()
    overdue_count = rows.count()
    check_accessibility(page)

    link = rows.first.locator("th a")
    detail = link.get_attribute("href") or ""
    assert re.fullmatch(rf"{AGREEMENTS}/\d+", detail), detail
    link.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(detail)}$"))
    main = page.locator("main")
    expect(main.locator(".utrecht-alert--warning")).to_be_visible()  # the date has passed
    items_before = main.locator("ol.ss-timeline > li").count()
    check_accessibility(page)

    main.locator(f"a[href='{detail}/revisit']").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(detail)}/revisit$"))
    form = page.locator("main form[method=post]")
    expect(form.locator("input[name=version]")).to_have_count(1)
    check_accessibility(page)

    # Extend without a reason: the error is next to the reason.
    form.locator("input[name=decision][value=verlengen]").check()
    new_date = date.today() + timedelta(days=180)
    form.locator("#new_revisit_on").fill(new_date.isoformat())
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(detail)}/revisit$"))
    expect_field_error(page, "reason")
    expect(form.locator("input[name=decision][value=verlengen]")).to_be_checked()
    expect(form.locator("#new_revisit_on")).to_have_value(new_date.isoformat())
    check_accessibility(page)

    form.locator("#reason").fill(REVISIT_REASON)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(detail)}$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(main.locator(".utrecht-alert--warning")).to_have_count(0)  # no longer overdue
    expect(main.locator(".utrecht-status-badge--success")).to_be_visible()
    timeline = main.locator("ol.ss-timeline > li")
    # Newest first: the decision with its reason, and the version it made (whose change
    # note repeats the reason).
    expect(timeline).to_have_count(items_before + 2)
    expect(timeline.nth(0)).to_contain_text(REVISIT_REASON)
    expect(timeline.nth(1)).to_contain_text(REVISIT_REASON)
    expect(timeline.filter(has_text=REVISIT_REASON)).to_have_count(2)
    expect(main.locator(f"a[href='{detail}/revisit']")).to_have_count(0)  # not due any more
    check_accessibility(page)

    visit(page, f"{AGREEMENTS}/?due=overdue")
    expect(list_rows(page)).to_have_count(overdue_count - 1)
    expect(list_rows(page).locator(f"a[href='{detail}']")).to_have_count(0)


# --- the reader ---------------------------------------------------------------------------


def test_reader_sees_agreements_but_cannot_change_them(page: Page):
    log_in(page, READER)
    visit(page, f"{AGREEMENTS}/")
    rows = list_rows(page)
    expect(rows.first).to_be_visible()
    main = page.locator("main")
    expect(main.locator(f"a[href='{AGREEMENTS}/new']")).to_have_count(0)
    # Exports are reading too.
    expect(main.locator(f"a[href^='{AGREEMENTS}/export.csv']")).to_be_visible()

    link = rows.first.locator("th a")
    detail = link.get_attribute("href") or ""
    link.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(detail)}$"))
    expect(main.locator("h1")).to_be_visible()
    expect(main.locator("ol.ss-timeline > li").first).to_be_visible()
    expect(main.locator("a[href$='/edit'], a[href$='/revisit']")).to_have_count(0)
    # No actions, no comments: the only form a reader has is following the agreement.
    expect(main.locator("form[method=post]:not([id^='follow-'])")).to_have_count(0)
    expect(main.locator("form[id^='follow-'] button")).to_be_visible()
    check_accessibility(page)

    visit(page, f"{AGREEMENTS}/new", status=403)
    expect(main.locator("h1")).to_be_visible()
    expect(main.locator("form[method=post]")).to_have_count(0)


# --- reflow -------------------------------------------------------------------------------


def test_agreement_list_reflows_at_320_pixels(narrow_page: Page):
    page = narrow_page
    log_in(page, READER)
    visit(page, f"{AGREEMENTS}/")
    expect(list_rows(page).first).to_be_visible()
    assert_no_horizontal_scroll(page)
    # The table is wider than the screen and scrolls inside its own container.
    container = page.locator("#agreements-results .ss-table-scroll")
    expect(container).to_have_count(1)
    assert container.evaluate("(el) => el.scrollWidth > el.clientWidth"), (
        "the table fits at 320px; expected it to scroll in its container"
    )
    assert container.evaluate("(el) => getComputedStyle(el).overflowX") in ("auto", "scroll")
