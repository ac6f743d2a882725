"""The manifest in Chromium: propose a change, take it into a draft, adopt it, endorse it.

Every page the journey reaches is checked with axe-core. The journey changes the shared
demo database (a proposal, draft version 3, its adoption and one endorsement); the other
browser tests do not depend on the manifest's state.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

SLUG = "eemland-bsa"
MANIFEST = f"/p/{SLUG}/manifest"
# Demo data (not interface text, so the same in every language).
PRINCIPLE = "Vertrouwen door open informatie"
OTHER_PRINCIPLE = "Gewoon opvoeden: het kind en het gezin centraal"
BOARD_ORGANISATION = "De Brug Jeugdzorg (demo)"
CURRENT = 2  # the demo's adopted version
DRAFT = CURRENT + 1
NEW_CORE_SENTENCE = (
    "Partners delen hun informatie open, op tijd en ook als die ongemakkelijk is (e2e)."
)
REASON = "Het principe zegt niet wanneer informatie gedeeld wordt; dat leidt tot vertraging (e2e)."
COMMENT = "Eens, en graag ook de doorlooptijden noemen (e2e)."
ADOPTION_NOTE = "Vastgesteld in het RBO na het voorstel over open informatie (e2e)."


def nav_link(page: Page, path: str):
    return page.locator(f".ss-nav a[href='{path}']")


def principle_item(page: Page, title: str):
    """The principle's list item on a version page, found by its (demo data) title."""
    return page.locator("main li.ss-principle").filter(
        has=page.locator("h3", has_text=re.compile(rf"^\s*{re.escape(title)}\s*$"))
    )


def principle_id(page: Page, title: str) -> int:
    item = principle_item(page, title)
    expect(item).to_have_count(1)
    return int((item.get_attribute("id") or "").removeprefix("principle-"))


def field_wrapper(page: Page, field_id: str):
    return page.locator("main .utrecht-form-field").filter(has=page.locator(f"#{field_id}"))


def expect_field_error(page: Page, field_id: str) -> None:
    """The field is marked invalid, with its message next to it and tied to it."""
    field = page.locator(f"#{field_id}")
    expect(page.locator("main [role=alert]")).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}-error\b"))
    expect(field_wrapper(page, field_id).locator(f"#{field_id}-error")).to_be_visible()


def log_out(page: Page) -> None:
    page.locator("header form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    check_accessibility(page)


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


def test_propose_accept_adopt_and_endorse(page: Page):
    proposal_path = partner_proposes_a_change(page)
    programme_manager_accepts_and_adopts(page, proposal_path)
    board_member_endorses(page)
    reader_cannot_propose(page)


def partner_proposes_a_change(page: Page) -> str:
    log_in(page, "partner@eemland.test")
    nav_link(page, f"{MANIFEST}/").click()
    expect(page).to_have_url(re.compile(rf"{MANIFEST}/$"))
    expect(page.locator("#endorsements-heading")).to_be_visible()
    check_accessibility(page)

    # Two principle pages: one just read, one to propose a change to.
    other_id = principle_id(page, OTHER_PRINCIPLE)
    pid = principle_id(page, PRINCIPLE)
    principle_item(page, OTHER_PRINCIPLE).locator("h3 a").click()
    expect(page).to_have_url(re.compile(rf"{MANIFEST}/principles/{other_id}$"))
    expect(page.locator("main h1")).to_have_text(OTHER_PRINCIPLE)
    check_accessibility(page)
    visit(page, f"{MANIFEST}/")
    principle_item(page, PRINCIPLE).locator("h3 a").click()
    expect(page).to_have_url(re.compile(rf"{MANIFEST}/principles/{pid}$"))
    expect(page.locator("main h1")).to_have_text(PRINCIPLE)
    check_accessibility(page)

    page.locator(f"main a[href='{MANIFEST}/proposals/new?principle={pid}']").click()
    expect(page).to_have_url(re.compile(rf"/proposals/new\?principle={pid}$"))
    form = page.locator("main form[method=post]")
    expect(form.locator("#principle_id")).to_have_value(str(pid))
    expect(form.locator("#title")).to_have_value(PRINCIPLE)  # the current wording, to edit
    check_accessibility(page)

    # No reason: the form comes back with the error next to the reason field.
    form.locator("#core_sentence").fill(NEW_CORE_SENTENCE)
    form.locator("#reason").fill("")
    form.locator("button[type=submit]").click()
    expect_field_error(page, "reason")
    expect(form.locator("#core_sentence")).to_have_value(NEW_CORE_SENTENCE)  # input kept
    expect(form.locator("#principle_id")).to_have_value(str(pid))
    expect(form.locator("#title")).not_to_have_attribute("aria-invalid", "true")
    check_accessibility(page)

    form.locator("#reason").fill(REASON)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{MANIFEST}/proposals/\d+$"))
    proposal_path = re.sub(r"^https?://[^/]+", "", page.url)
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(page.locator("main h1")).to_contain_text(PRINCIPLE)
    expect(page.locator("main")).to_contain_text(REASON)
    # The current and the proposed wording side by side, changed words marked.
    expect(page.locator("main table.ss-compare-table ins").first).to_be_visible()
    check_accessibility(page)
    with narrow_viewport(page):  # the wide table scrolls in its own, focusable, region
        assert_no_horizontal_scroll(page)
        check_accessibility(page)

    comment_form = page.locator(f"main form[action='{proposal_path}/comments']")
    comment_form.locator("#body").fill(COMMENT)
    comment_form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(proposal_path)}$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(page.locator("main article.ss-comment")).to_contain_text(COMMENT)
    check_accessibility(page)

    log_out(page)
    return proposal_path


def programme_manager_accepts_and_adopts(page: Page, proposal_path: str) -> None:
    log_in(page, "programmamanager@eemland.test")
    visit(page, f"{MANIFEST}/proposals")
    page.locator(f"main table a[href='{proposal_path}']").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(proposal_path)}$"))
    expect(page.locator("main")).to_contain_text(COMMENT)
    check_accessibility(page)

    # Accept: a draft of version 3 is opened with the proposed wording.
    page.locator(f"main form[action='{proposal_path}/accept'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{MANIFEST}/versions/{DRAFT}$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(page.locator("#version-heading")).to_contain_text(str(DRAFT))
    expect(principle_item(page, PRINCIPLE).locator(".ss-core")).to_have_text(NEW_CORE_SENTENCE)
    expect(page.locator(f"main a[href='{MANIFEST}/versions/{DRAFT}/adopt']")).to_be_visible()
    check_accessibility(page)

    # Move the first principle to position 2.
    principles = page.locator("main ol.ss-principles > li")
    first_id = int((principles.first.get_attribute("id") or "").removeprefix("principle-"))
    second_id = int((principles.nth(1).get_attribute("id") or "").removeprefix("principle-"))
    move = page.locator(f"#principle-{first_id} form.ss-move")
    move.locator(f"#position-{first_id}").fill("2")
    move.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{MANIFEST}/versions/{DRAFT}$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(principles.nth(0)).to_have_attribute("id", f"principle-{second_id}")
    expect(principles.nth(1)).to_have_attribute("id", f"principle-{first_id}")
    expect(page.locator(f"#position-{first_id}")).to_have_value("2")
    check_accessibility(page)

    # Compare version 2 with the draft: the changed principle has its words marked.
    visit(page, f"{MANIFEST}/compare")
    page.locator("#compare-a").select_option(str(CURRENT))
    page.locator("#compare-b").select_option(str(DRAFT))
    page.locator("main form.ss-filter button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/compare\?a={CURRENT}&b={DRAFT}$"))
    pid = principle_id_from_heading(page)
    changed = page.locator(f"main section.ss-compare[aria-labelledby='cmp-{pid}']")
    expect(changed.locator(".utrecht-status-badge--warning")).to_be_visible()  # changed
    expect(changed.locator("td.ss-diff del").first).to_be_visible()
    expect(changed.locator("td.ss-diff ins").first).to_be_visible()
    for moved_id in (first_id, second_id):  # moved, and otherwise unchanged
        moved = page.locator(f"main section.ss-compare[aria-labelledby='cmp-{moved_id}']")
        expect(moved.locator("p")).to_contain_text("1")
        expect(moved.locator("table")).to_have_count(0)
    check_accessibility(page)

    # Adopt on its page (without JavaScript): a note is required.
    visit(page, f"{MANIFEST}/versions/{DRAFT}/adopt")
    adopt_form = page.locator("main form[method=post]")
    adopt_form.locator("button[type=submit]").click()
    expect_field_error(page, "note")
    check_accessibility(page)

    # With JavaScript the button opens a dialog with the page's text and the note.
    visit(page, f"{MANIFEST}/versions/{DRAFT}")
    page.locator(f"main a[href='{MANIFEST}/versions/{DRAFT}/adopt'][data-confirm]").click()
    dialog = page.locator("dialog#confirm-adopt")
    expect(dialog).to_be_visible()
    check_accessibility(page)
    dialog.locator("#note").fill(ADOPTION_NOTE)
    dialog.locator("form[method=post] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{MANIFEST}/versions/{DRAFT}$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(page.locator("#version-heading")).to_contain_text(str(DRAFT))
    expect(page.locator("main")).to_contain_text(ADOPTION_NOTE)
    expect(page.locator(f"main a[href='{MANIFEST}/versions/{DRAFT}/adopt']")).to_have_count(0)
    expect(page.locator("main form.ss-move")).to_have_count(0)  # read-only now
    check_accessibility(page)

    # Version 3 is now the current manifest.
    visit(page, f"{MANIFEST}/")
    expect(page.locator("#version-heading")).to_contain_text(str(DRAFT))
    expect(principle_item(page, PRINCIPLE).locator(".ss-core")).to_have_text(NEW_CORE_SENTENCE)

    # The PDF of version 3.
    pdf_link = page.locator(f"main a[href='{MANIFEST}/pdf?version={DRAFT}']")
    expect(pdf_link).to_be_visible()
    with page.expect_download() as download_info:
        pdf_link.click()
    download = download_info.value
    assert download.suggested_filename == f"manifest-{SLUG}-v{DRAFT}.pdf"
    response = page.request.get(pdf_link.get_attribute("href") or "")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")

    log_out(page)


def principle_id_from_heading(page: Page) -> int:
    """The compare page's section of PRINCIPLE (its heading holds the title and a badge)."""
    heading = page.locator("main section.ss-compare h3").filter(has_text=PRINCIPLE)
    expect(heading).to_have_count(1)
    return int((heading.get_attribute("id") or "").removeprefix("cmp-"))


def board_member_endorses(page: Page) -> None:
    log_in(page, "bestuurder@eemland.test")  # two partnerships: lands on the overview
    visit(page, f"/p/{SLUG}/")
    panel = page.locator("main section.ss-panel").filter(
        has=page.locator(f"a[href='{MANIFEST}/#endorsements-heading']")
    )
    expect(panel).to_have_count(1)
    expect(panel.locator(".utrecht-alert--warning")).to_be_visible()  # own organisation missing
    expect(panel).to_contain_text(str(DRAFT))

    panel.locator("a").click()
    expect(page).to_have_url(re.compile(rf"{MANIFEST}/#endorsements-heading$"))
    expect(page.locator("#version-heading")).to_contain_text(str(DRAFT))
    row = page.locator("main table tbody tr").filter(
        has=page.locator("th", has_text=BOARD_ORGANISATION)
    )
    expect(row.locator(".utrecht-status-badge--neutral")).to_be_visible()  # not yet
    endorse_form = page.locator(f"main form[action='{MANIFEST}/versions/{DRAFT}/endorse']")
    expect(endorse_form).to_be_visible()
    expect(endorse_form.locator("button[type=submit]")).to_contain_text(BOARD_ORGANISATION)
    check_accessibility(page)

    endorse_form.locator("#note").fill("Namens het bestuur van De Brug (e2e).")
    endorse_form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{MANIFEST}/versions/{DRAFT}$"))
    expect(page.locator(".ss-flashes")).to_contain_text(BOARD_ORGANISATION)
    expect(row.locator(".utrecht-status-badge--success")).to_be_visible()
    expect(row).to_contain_text("Karin Bosman (demo)")  # who endorsed
    expect(page.locator(f"main form[action$='/versions/{DRAFT}/endorse']")).to_have_count(0)
    check_accessibility(page)

    # The current manifest no longer offers the form either; the panel is informational.
    visit(page, f"{MANIFEST}/")
    expect(page.locator("main form[action$='/endorse']")).to_have_count(0)
    visit(page, f"/p/{SLUG}/")
    expect(page.locator("main section.ss-panel .utrecht-alert--warning")).to_have_count(0)
    log_out(page)


def reader_cannot_propose(page: Page) -> None:
    log_in(page, "lezer@eemland.test")
    visit(page, f"{MANIFEST}/")
    expect(page.locator("main li.ss-principle").first).to_be_visible()
    expect(page.locator("main a[href*='/proposals/new']")).to_have_count(0)
    principle_item(page, PRINCIPLE).locator("h3 a").click()
    expect(page.locator("main h1")).to_have_text(PRINCIPLE)
    expect(page.locator("main a[href*='/proposals/new']")).to_have_count(0)
    check_accessibility(page)
    visit(page, f"{MANIFEST}/proposals")
    expect(page.locator("main a[href*='/proposals/new']")).to_have_count(0)
    visit(page, f"{MANIFEST}/proposals/new", status=403)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main form[method=post]")).to_have_count(0)


def test_manifest_reflows_at_320_pixels(narrow_page: Page):
    page = narrow_page
    log_in(page, "lezer@eemland.test")
    visit(page, f"{MANIFEST}/")
    expect(page.locator("main li.ss-principle").first).to_be_visible()
    assert_no_horizontal_scroll(page)
    # The demo's versions 1 and 2 differ: wide side-by-side tables, each in a scroll region.
    visit(page, f"{MANIFEST}/compare?a=1&b={CURRENT}")
    expect(page.locator("main table.ss-compare-table").first).to_be_visible()
    assert_no_horizontal_scroll(page)
