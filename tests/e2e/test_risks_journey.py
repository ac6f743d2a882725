"""The risk inventory in Chromium: create, add a measure, reassess, heat map, filters.

Every page the journeys reach is checked with axe-core, including form error states and
the list as htmx leaves it. The journey only adds to the shared demo database: one new
risk (two assessments) with one measure linked to a demo agreement that no demo measure
refers to. Elements are found by id, name or href, so the tests pass in either language.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

SLUG = "eemland-bsa"
RISKS = f"/p/{SLUG}/risks"
AGREEMENTS = f"/p/{SLUG}/agreements"
MANAGER = "programmamanager@eemland.test"
READER = "lezer@eemland.test"
# Demo data (not interface text, so the same in every language).
BEARER = "Gemeente Baarn"
AGREEMENT = "Voorrang voor thuiszitters bij de BSA"  # no demo measure refers to it

TITLE = "Uitval van de gedeelde casusregistratie (e2e)"
DESCRIPTION = "Het registratiesysteem van de BSA valt **meerdere dagen** uit (e2e)."
CAUSE = "Verouderde koppelingen tussen de systemen van gemeenten en BSA (e2e)."
CONSEQUENCE = "Casusregisseurs missen informatie en hulp start later (e2e)."
RESIDUAL_REASON = "De uitwijkprocedure is nog niet geoefend en vergroot de kans (e2e)."
MEASURE = "Jaarlijks de uitwijkprocedure oefenen met alle casusregisseurs (e2e)."
REASSESS_REASON = "De uitwijkprocedure is geoefend; uitval raakt minder gezinnen (e2e)."
REVIEW_DAYS = 90
MEASURE_DAYS = 60

# Bruto 3 × 4 = 12; netto first 4 × 4 = 16 (above bruto: needs a reason), later 2 × 5 = 10.
BRUTO = {"inherent_likelihood": 3, "inherent_impact": 4}
NETTO = {"residual_likelihood": 4, "residual_impact": 4}
LOWER_NETTO = {"residual_likelihood": 2, "residual_impact": 5}  # level "hoog" (10–15)


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


def choose_figures(form, figures: dict[str, int]) -> None:
    for name, value in figures.items():
        form.locator(f"input[name={name}][value='{value}']").check()


def expect_figures(form, figures: dict[str, int]) -> None:
    for name, value in figures.items():
        expect(form.locator(f"input[name={name}][value='{value}']")).to_be_checked()


def list_rows(page: Page):
    return page.locator("#risks-results tbody tr")


def assert_no_horizontal_scroll(page: Page, width: int = 320) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} scrolls horizontally at {width}px: the document is {scroll_width}px wide"
    )


# --- the programme manager's journey ------------------------------------------------------


def test_programme_manager_creates_a_risk_adds_a_measure_and_reassesses(page: Page):
    log_in(page, MANAGER)
    page.locator(f".ss-nav a[href='{RISKS}/']").click()
    expect(page).to_have_url(re.compile(rf"{RISKS}/$"))
    expect(list_rows(page).first).to_be_visible()
    check_accessibility(page)

    number = create_risk(page)
    agreement_path = add_measure(page, number)
    agreement_lists_the_measure(page, number, agreement_path)
    reassess(page, number)
    heat_map_cell_lists_the_risk(page, number)


def create_risk(page: Page) -> int:
    page.locator(f"main a[href='{RISKS}/new']").click()
    expect(page).to_have_url(re.compile(rf"{RISKS}/new$"))
    form = page.locator("main form[method=post]")
    expect(form.locator("input[name=strategy][value=verminderen]")).to_be_checked()  # default
    expect(form.locator("#owner_id")).not_to_have_value("")  # the current user
    check_accessibility(page)

    form.locator("#title").fill(TITLE)
    form.locator("#description").fill(DESCRIPTION)
    form.locator("#cause").fill(CAUSE)
    form.locator("#consequence").fill(CONSEQUENCE)
    category = form.locator("#category_id option").first.get_attribute("value") or ""
    form.locator("#category_id").select_option(category)
    form.locator("#shared").check()
    bearer = form.locator("label[for^='bearers-']").filter(
        has_text=re.compile(rf"^\s*{re.escape(BEARER)}\s*$")
    )
    expect(bearer).to_have_count(1)
    page.locator(f"#{bearer.get_attribute('for')}").check()
    choose_figures(form, BRUTO | NETTO)  # netto 16 above bruto 12, without a reason
    form.locator("input[name=strategy][value=verminderen]").check()
    form.locator("#status").select_option("open")
    review_on = (date.today() + timedelta(days=REVIEW_DAYS)).isoformat()
    form.locator("#review_on").fill(review_on)
    principle_boxes = form.locator("input[name=principles]")
    assert principle_boxes.count() >= 1, "the demo manifest should offer principles"
    principle_boxes.first.check()
    form.locator("button[type=submit]").click()

    # The error is next to the reason field; everything chosen is kept.
    expect(page).to_have_url(re.compile(rf"{RISKS}/new$"))
    expect_field_error(page, "residual_reason")
    expect(form.locator("#title")).to_have_value(TITLE)
    expect(form.locator("#review_on")).to_have_value(review_on)
    expect(form.locator("#shared")).to_be_checked()
    expect(form.locator("input[name=bearers]:checked")).to_have_count(1)
    expect(form.locator("input[name=principles]:checked")).to_have_count(1)
    expect_figures(form, BRUTO | NETTO)
    expect(form.locator("#title")).not_to_have_attribute("aria-invalid", "true")
    check_accessibility(page)

    form.locator("#residual_reason").fill(RESIDUAL_REASON)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{RISKS}/\d+$"))
    number = int(path_of(page).rsplit("/", 1)[1])
    main = page.locator("main")
    expect(page.locator(".ss-flashes")).to_contain_text(f"R-{number}")
    expect(main.locator("h1")).to_have_text(f"R-{number} {TITLE}")
    expect(main.locator(".ss-prose strong")).to_have_text("meerdere dagen")  # Markdown
    data = main.locator("dl.ss-data-list")
    for text in (CAUSE, CONSEQUENCE, BEARER, RESIDUAL_REASON):
        expect(data).to_contain_text(text)
    expect(data.locator(".ss-level--hoog")).to_have_count(1)  # bruto 12
    expect(data.locator(".ss-level--kritiek")).to_have_count(1)  # netto 16
    expect(main.locator(".utrecht-alert--warning")).to_have_count(0)  # review date ahead
    expect(main.locator("a[href*='/manifest/principles/']")).to_have_count(1)
    expect(main.locator("#trend ~ .utrecht-table-container tbody tr")).to_have_count(1)
    check_accessibility(page)
    return number


def add_measure(page: Page, number: int) -> str:
    detail = f"{RISKS}/{number}"
    page.locator(f"main a[href='{detail}/measures/new']").click()
    expect(page).to_have_url(re.compile(rf"{detail}/measures/new$"))
    form = page.locator("main form[method=post]")
    check_accessibility(page)

    option = form.locator("#agreement_id option").filter(has_text=AGREEMENT)
    expect(option).to_have_count(1)
    agreement_id = option.get_attribute("value") or ""
    label = " ".join(option.inner_text().split())
    reference = label.removesuffix(f" {AGREEMENT}")  # "WA-<n>"
    assert re.fullmatch(r"WA-\d+", reference), label

    # No description: the error is next to it; the agreement chosen is kept.
    form.locator("#agreement_id").select_option(agreement_id)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{detail}/measures/new$"))
    expect_field_error(page, "description")
    expect(form.locator("#agreement_id")).to_have_value(agreement_id)
    check_accessibility(page)

    form.locator("#description").fill(MEASURE)
    owner = form.locator("#owner_id option:not([value=''])").first.get_attribute("value") or ""
    form.locator("#owner_id").select_option(owner)
    due_on = date.today() + timedelta(days=MEASURE_DAYS)
    form.locator("#due_on").fill(due_on.isoformat())
    form.locator("#status").select_option("in_uitvoering")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{detail}#measures$"))
    expect(page.locator(".ss-flashes")).to_be_visible()

    # The measure with a link to the agreement.
    measures = page.locator("#measures + .utrecht-table-container table")
    row = measures.locator("tbody tr").filter(has_text=MEASURE)
    expect(row).to_have_count(1)
    expect(row.locator(".utrecht-status-badge--warning")).to_have_count(0)  # not overdue
    agreement_link = row.locator(f"a[href^='{AGREEMENTS}/']")
    expect(agreement_link).to_have_text(f"{reference} {AGREEMENT}")
    agreement_path = agreement_link.get_attribute("href") or ""
    assert re.fullmatch(rf"{AGREEMENTS}/\d+", agreement_path), agreement_path
    check_accessibility(page)
    return agreement_path


def agreement_lists_the_measure(page: Page, number: int, agreement_path: str) -> None:
    detail = f"{RISKS}/{number}"
    page.locator(f"main a[href='{agreement_path}']").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(agreement_path)}$"))
    expect(page.locator("main h1")).to_contain_text(AGREEMENT)
    item = page.locator("main li").filter(has=page.locator(f"a[href='{detail}#measures']"))
    expect(item).to_have_count(1)
    expect(item).to_contain_text(MEASURE)
    expect(item.locator("a")).to_have_text(f"R-{number} {TITLE}")
    check_accessibility(page)

    item.locator("a").click()  # back to the risk
    expect(page).to_have_url(re.compile(rf"{detail}#measures$"))
    check_accessibility(page)


def reassess(page: Page, number: int) -> None:
    detail = f"{RISKS}/{number}"
    page.locator(f"main a[href='{detail}/reassess']").click()
    expect(page).to_have_url(re.compile(rf"{detail}/reassess$"))
    form = page.locator("main form[method=post]")
    expect_figures(form, BRUTO | NETTO)  # the current figures
    expect(form.locator("input[name=version]")).to_have_count(1)  # the edit-conflict check
    check_accessibility(page)

    # A lower netto without saying why: the error is next to the reason.
    choose_figures(form, LOWER_NETTO)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{detail}/reassess$"))
    expect_field_error(page, "reason")
    expect_figures(form, BRUTO | LOWER_NETTO)
    check_accessibility(page)

    form.locator("#reason").fill(REASSESS_REASON)
    next_review = (date.today() + timedelta(days=REVIEW_DAYS + 30)).isoformat()
    form.locator("#next_review_on").fill(next_review)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    main = page.locator("main")
    data = main.locator("dl.ss-data-list")
    expect(data.locator(".ss-level--hoog")).to_have_count(2)  # bruto 12, netto 10
    expect(data).not_to_contain_text(RESIDUAL_REASON)  # netto no longer above bruto

    # The trend: a chart, and a table with both assessments, oldest first.
    expect(main.locator("figure.ss-chart svg")).to_be_visible()
    expect(main.locator("figure.ss-chart svg circle")).to_have_count(2)
    trend = main.locator("#trend ~ .utrecht-table-container tbody tr")
    expect(trend).to_have_count(2)
    expect(trend.nth(0).locator("td").nth(1)).to_contain_text("4 × 4 = 16")
    expect(trend.nth(1).locator("td").nth(0)).to_contain_text("3 × 4 = 12")
    expect(trend.nth(1).locator("td").nth(1)).to_contain_text("2 × 5 = 10")
    expect(trend.nth(1)).to_contain_text(REASSESS_REASON)
    check_accessibility(page)


def heat_map_cell_lists_the_risk(page: Page, number: int) -> None:
    visit(page, f"{RISKS}/")
    page.locator(f"main nav.ss-tabs a[href='{RISKS}/heatmap']").click()
    expect(page).to_have_url(re.compile(rf"{RISKS}/heatmap$"))
    expect(page.locator("main table.ss-heatmap")).to_have_count(2)  # bruto and netto
    check_accessibility(page)

    likelihood, impact = LOWER_NETTO["residual_likelihood"], LOWER_NETTO["residual_impact"]
    cell = page.locator(
        "main [aria-labelledby='heatmap-netto'] "
        f"a[href*='likelihood={likelihood}'][href*='impact={impact}']"
    )
    expect(cell).to_have_count(1)
    count = int(cell.inner_text().split()[0])
    assert count >= 1
    cell.click()
    expect(page).to_have_url(re.compile(r"[?&]basis=netto(&|$)"))
    expect(page).to_have_url(re.compile(rf"[?&]likelihood={likelihood}(&|$)"))
    expect(page).to_have_url(re.compile(rf"[?&]impact={impact}(&|$)"))
    rows = list_rows(page)
    expect(rows).to_have_count(count)  # the number in the cell is the number listed
    expect(rows.filter(has=page.locator(f"a[href='{RISKS}/{number}']"))).to_have_count(1)
    # The cell's filter is explained, with a way back to all risks.
    expect(page.locator(f"#risks-results a[href='{RISKS}/']")).to_be_visible()
    check_accessibility(page)


# --- filtering in place -------------------------------------------------------------------


def test_risk_list_filters_by_level_in_place(page: Page):
    log_in(page, MANAGER)
    visit(page, f"{RISKS}/")
    rows = list_rows(page)
    expect(rows.first).to_be_visible()
    netto = "td:nth-of-type(3) .ss-level"  # the columns: risk (th), category, bruto, netto
    other_level = rows.locator(f"{netto}:not(.ss-level--hoog)")
    assert other_level.count() > 0, "the demo should list risks that are not high"
    page.evaluate("() => { window.e2eSamePage = true; }")  # gone after a full page load

    page.locator("#filter-level").select_option("hoog")
    expect(page).to_have_url(re.compile(r"[?&]level=hoog(&|$)"))  # hx-push-url
    expect(other_level).to_have_count(0)
    expect(rows.first.locator(f"{netto}.ss-level--hoog")).to_be_visible()
    expect(page.locator("#filter-level")).to_have_value("hoog")
    assert page.evaluate("() => window.e2eSamePage === true"), "the filter reloaded the page"
    # The export links follow the filter.
    csv_link = page.locator(f"#risks-results a[href^='{RISKS}/export.csv']")
    xlsx_link = page.locator(f"#risks-results a[href^='{RISKS}/export.xlsx']")
    expect(csv_link).to_have_attribute("href", re.compile(r"[?&]level=hoog(&|$)"))
    expect(xlsx_link).to_have_attribute("href", re.compile(r"[?&]level=hoog(&|$)"))
    check_accessibility(page)  # the list as htmx left it

    response = page.request.get(csv_link.get_attribute("href") or "")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text().lstrip("\ufeff").strip().splitlines()
    if page.locator("#risks-results nav").count() == 0:  # one page: the same risks
        assert len(lines) == rows.count() + 1  # a header, then one line per listed risk
    response = page.request.get(xlsx_link.get_attribute("href") or "")
    assert response.status == 200
    assert response.body().startswith(b"PK")  # a zip container

    # The pushed URL, loaded afresh, shows the same filter.
    visit(page, path_of(page))
    expect(page.locator("#filter-level")).to_have_value("hoog")
    expect(other_level).to_have_count(0)


# --- the reader ---------------------------------------------------------------------------


def test_reader_sees_risks_but_cannot_add_one(page: Page):
    log_in(page, READER)
    visit(page, f"{RISKS}/")
    expect(list_rows(page).first).to_be_visible()
    expect(page.locator(f"main a[href='{RISKS}/new']")).to_have_count(0)
    first = list_rows(page).first.locator("th a")
    detail = first.get_attribute("href") or ""
    first.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(detail)}$"))
    expect(page.locator(f"main a[href='{detail}/reassess']")).to_have_count(0)
    expect(page.locator(f"main a[href='{detail}/measures/new']")).to_have_count(0)
    check_accessibility(page)
    visit(page, f"{RISKS}/new", status=403)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main form[method=post]")).to_have_count(0)


# --- reflow -------------------------------------------------------------------------------


def test_risk_pages_reflow_at_320_pixels(narrow_page: Page):
    page = narrow_page
    log_in(page, READER)
    visit(page, f"{RISKS}/heatmap")
    expect(page.locator("main table.ss-heatmap").first).to_be_visible()
    assert_no_horizontal_scroll(page)
    visit(page, f"{RISKS}/")
    expect(list_rows(page).first).to_be_visible()
    assert_no_horizontal_scroll(page)
