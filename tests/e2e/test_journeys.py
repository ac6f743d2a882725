"""User journeys in Chromium; every page they reach is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import ROOT, check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

EEMLAND = "Regio Eemland – BSA"
BRABANT = "Jeugdhulp Noordoost-Brabant"
# The Dutch interface text comes from the compiled catalog; without it the msgids show.
DUTCH_CATALOG = ROOT / "translations" / "nl" / "LC_MESSAGES" / "messages.mo"


def nav_link(page: Page, path: str):
    return page.locator(f".ss-nav a[href='{path}']")


def assert_no_horizontal_scroll(page: Page, width: int = 320) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} scrolls horizontally at {width}px: the document is {scroll_width}px wide"
    )


def test_programme_manager_filters_members_switches_language_and_logs_out(page: Page):
    log_in(page, "programmamanager@eemland.test")
    expect(page).to_have_url(re.compile(r"/p/eemland-bsa/$"))
    expect(page.locator("main h1")).to_have_text(EEMLAND)

    # The member list, filtered in place by htmx.
    nav_link(page, "/p/eemland-bsa/members").click()
    expect(page).to_have_url(re.compile(r"/p/eemland-bsa/members$"))
    check_accessibility(page)
    rows = page.locator("#members-results tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 1
    page.evaluate("() => { window.e2eSamePage = true; }")  # gone after a full page load

    page.locator("#filter-q").press_sequentially("Sanne")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th")).to_have_text("Sanne Jansen (demo)")
    expect(page).to_have_url(re.compile(r"[?&]q=Sanne"))  # hx-push-url
    check_accessibility(page)

    page.locator("#filter-q").fill("")
    page.locator("#filter-role").select_option("lezer")
    expect(rows.first.locator("th")).to_have_text("Fatima El Amrani (demo)")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]role=lezer"))
    assert page.evaluate("() => window.e2eSamePage === true"), "the filter reloaded the page"
    check_accessibility(page)

    # Language: Dutch by default, English after the switch, and back.
    html = page.locator("html")
    language_button = page.locator("header button[name=language]")
    expect(html).to_have_attribute("lang", "nl")
    expect(language_button).to_have_text("English")
    if DUTCH_CATALOG.exists():
        expect(nav_link(page, "/p/eemland-bsa/members")).to_have_text("Leden")

    language_button.click()
    expect(html).to_have_attribute("lang", "en")
    expect(language_button).to_have_text("Nederlands")
    expect(nav_link(page, "/p/eemland-bsa/")).to_have_text("Dashboard")
    expect(nav_link(page, "/p/eemland-bsa/members")).to_have_text("Members")
    expect(page.locator("main h1")).to_have_text("Members")
    check_accessibility(page)

    language_button.click()
    expect(html).to_have_attribute("lang", "nl")
    expect(language_button).to_have_text("English")
    if DUTCH_CATALOG.exists():
        expect(nav_link(page, "/p/eemland-bsa/members")).to_have_text("Leden")
    check_accessibility(page)

    # Account page.
    page.locator("header a[href='/account']").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.locator("main dd").first).to_have_text("programmamanager@eemland.test")
    expect(page.locator("#name")).to_have_value("Mehmet Yilmaz (demo)")
    check_accessibility(page)

    # Log out: back at the login page, and partnership pages need a login again.
    page.locator("header form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(page.locator("header form[action='/logout']")).to_have_count(0)
    check_accessibility(page)
    visit(page, "/p/eemland-bsa/members")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_board_member_switches_between_partnerships(page: Page, live_server):
    log_in(page, "bestuurder@eemland.test")
    assert page.url == f"{live_server.url}/"
    partnerships = page.locator("main .ss-card-list h2 a")
    expect(partnerships).to_have_text([BRABANT, EEMLAND])  # by name

    partnerships.filter(has_text=EEMLAND).click()
    expect(page).to_have_url(re.compile(r"/p/eemland-bsa/$"))
    expect(page.locator("main h1")).to_have_text(EEMLAND)
    check_accessibility(page)

    switcher = page.locator("header details.ss-switcher")
    expect(switcher.locator("summary")).to_contain_text(EEMLAND)
    switcher.locator("summary").click()
    expect(switcher).to_have_attribute("open", "")
    expect(switcher.locator("a[aria-current=page]")).to_have_text(EEMLAND)
    check_accessibility(page)  # with the switcher's links showing

    switcher.get_by_role("link", name=BRABANT).click()
    expect(page).to_have_url(re.compile(r"/p/noordoost-brabant/$"))
    expect(page.locator("main h1")).to_have_text(BRABANT)
    expect(switcher.locator("summary")).to_contain_text(BRABANT)
    check_accessibility(page)


def test_admin_manages_organisations_members_and_invitations(page: Page):
    log_in(page, "beheerder@eemland.test")
    expect(page).to_have_url(re.compile(r"/p/eemland-bsa/$"))

    nav_link(page, "/p/eemland-bsa/admin/").click()
    expect(page).to_have_url(re.compile(r"/p/eemland-bsa/admin/organisations$"))
    expect(page.locator("main table tbody tr").first).to_be_visible()
    expect(page.locator("main table tbody")).to_contain_text("Gemeente Baarn")
    check_accessibility(page)

    tabs = page.locator("main nav.ss-tabs")
    tabs.locator("a[href='/p/eemland-bsa/admin/members']").click()
    expect(page).to_have_url(re.compile(r"/admin/members$"))
    expect(page.locator("#admin-members tbody")).to_contain_text("beheerder@eemland.test")
    check_accessibility(page)

    tabs.locator("a[href='/p/eemland-bsa/admin/invitations']").click()
    expect(page).to_have_url(re.compile(r"/admin/invitations$"))
    check_accessibility(page)

    # A wrong address: the form comes back with its error tied to the field.
    form = page.locator("main form[aria-labelledby=invite-heading]")
    form.locator("#email").fill("geen-adres")
    form.locator("#organisation_id").select_option(label="Gemeente Baarn")
    form.locator("#role").select_option("teamlid")
    form.locator("button[type=submit]").click()
    expect(page.locator("main [role=alert]")).to_be_visible()
    expect(form.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("#email")).to_have_attribute("aria-describedby", "email-error")
    check_accessibility(page)

    form.locator("#email").fill("nieuw.lid@example.org")
    form.locator("#name").fill("Nieuw Lid (e2e)")
    form.locator("#organisation_id").select_option(label="Gemeente Baarn")
    form.locator("#role").select_option("teamlid")
    form.locator("button[type=submit]").click()
    expect(page.locator(".ss-flashes")).to_contain_text("nieuw.lid@example.org")
    invitation = page.locator("main table tbody tr").filter(has_text="nieuw.lid@example.org")
    expect(invitation).to_have_count(1)
    expect(invitation).to_contain_text("Gemeente Baarn")
    # Open: can be withdrawn, after a confirmation.
    expect(invitation.get_by_role("link", name="Intrekken")).to_be_visible()
    check_accessibility(page)

    # The edit page of a member.
    tabs.locator("a[href='/p/eemland-bsa/admin/members']").click()
    page.locator("#admin-members tbody tr").filter(has_text="Sanne Jansen (demo)").locator(
        "a[href*='/admin/members/']"
    ).click()
    expect(page).to_have_url(re.compile(r"/admin/members/\d+$"))
    expect(page.locator("main h1")).to_contain_text("Sanne Jansen (demo)")
    expect(page.locator("#role")).to_have_value("teamlid")
    check_accessibility(page)


def test_accessibility_check_reports_violations(page: Page):
    # The check itself: a page with an unlabelled field and no language must fail it.
    page.set_content("<html><body><main><input type='text'></main></body></html>")
    with pytest.raises(AssertionError) as failure:
        check_accessibility(page)
    message = str(failure.value)
    assert "html-has-lang" in message
    assert "label" in message
    assert "input" in message  # the target selector


def test_skip_link_is_the_first_tab_stop(page: Page):
    visit(page, "/login")
    page.keyboard.press("Tab")
    skip_link = page.locator("a.utrecht-skip-link")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_have_attribute("href", "#main")
    expect(skip_link).to_be_in_viewport()
    check_accessibility(page)  # with the skip link showing
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_pages_reflow_at_320_pixels(narrow_page: Page):
    page = narrow_page
    visit(page, "/login")
    assert_no_horizontal_scroll(page)
    log_in(page, "programmamanager@eemland.test")
    expect(page).to_have_url(re.compile(r"/p/eemland-bsa/$"))
    assert_no_horizontal_scroll(page)
    visit(page, "/p/eemland-bsa/members")
    assert_no_horizontal_scroll(page)


def test_error_pages(page: Page):
    visit(page, "/toegankelijkheid")
    log_in(page, "lezer@eemland.test")
    visit(page, "/p/does-not-exist/", status=404)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main a[href='/']")).to_be_visible()
    visit(page, "/p/eemland-bsa/admin/organisations", status=403)
    expect(page.locator("main h1")).to_be_visible()
