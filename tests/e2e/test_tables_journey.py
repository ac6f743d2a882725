"""Thematic tables in Chromium: a conversation from first comment to draft agreement.

Every page the journeys reach, and the page after every htmx swap, is checked with axe-core.
The journeys only add to the shared demo database: a new conversation in "Gezinsgericht
werken" (with comments, a conclusion and a draft agreement made of it) and one comment in an
open demo conversation. No other browser test depends on the tables' state.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import DEMO_PASSWORD, check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

SLUG = "eemland-bsa"
TABLES = f"/p/{SLUG}/tables"
AGREEMENTS = f"/p/{SLUG}/agreements"
CHAIR = "programmamanager@eemland.test"  # chairs "Gezinsgericht werken"
PARTNER = "partner@eemland.test"  # a member of some tables only
# Demo data (not interface text, so the same in every language).
FAMILY = "Gezinsgericht werken"
YOUTH = "18-/18+"  # the partner is not a member of this table
INFORMATION = "Informatiepositie en sturingsinformatie"
LONG = "Zicht op jeugdhulp buiten de BSA"  # 6 demo comments, then 400 generated ones
LONG_PAGES = 9  # 406 top-level comments, 50 a page
OPEN_DEMO = "Ouders met een eigen hulpvraag: waar houdt jeugdhulp op?"
UNREAD_DEMO = "Meerdere hulpverleners in één gezin: wie houdt de regie?"
PER_PAGE = 50
# What the journey writes.
TITLE = "Een vast aanspreekpunt per gebied (e2e)"
INTRODUCTION = "Hoe zorgen we dat de gebiedsteams weten wie ze bij het wijkteam bellen? (e2e)"
COMMENT = "wil jij per gebied een aanspreekpunt noemen? (e2e)"
REPLY = "Ja, ik zet de namen voor de volgende bijeenkomst op een rij (e2e)."
CONCLUSION = "Het wijkteam noemt per gebied een vast aanspreekpunt voor de gebiedsteams (e2e)."
MEHMET = "Mehmet Yilmaz (demo)"  # a member of "Gezinsgericht werken"
PLAIN_COMMENT = "Een reactie zonder JavaScript, gewoon als formulier verstuurd (e2e)."


def nav_link(page: Page, path: str):
    return page.locator(f".ss-nav a[href='{path}']")


def whole_text(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def link_named(page: Page, name: str):
    """A link in main whose whole text is `name` (demo data)."""
    return page.locator("main a").filter(has_text=whole_text(name))


def list_row(page: Page, title: str):
    """The list item on the table page with the link `title`."""
    return page.locator("main li.ss-list__item").filter(
        has=page.locator("a").filter(has_text=whole_text(title))
    )


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#", 1)[0]


def mark_page(page: Page) -> None:
    page.evaluate("() => { window.e2eSamePage = true; }")  # gone after a full page load


def assert_same_page(page: Page) -> None:
    assert page.evaluate("() => window.e2eSamePage === true"), "htmx reloaded the whole page"


def assert_no_horizontal_scroll(page: Page, width: int = 320) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} scrolls horizontally at {width}px: the document is {scroll_width}px wide"
    )


def open_table(page: Page, name: str) -> str:
    """From the dashboard: the Tables menu item, then the table; returns the table's path."""
    nav_link(page, f"{TABLES}/").click()
    expect(page).to_have_url(re.compile(rf"{TABLES}/$"))
    check_accessibility(page)
    link_named(page, name).click()
    expect(page).to_have_url(re.compile(rf"{TABLES}/\d+$"))
    expect(page.locator("main h1")).to_have_text(name)
    check_accessibility(page)
    return path_of(page)


def conversation_path(page: Page, title: str) -> str:
    """The path of a conversation listed on the table page."""
    href = link_named(page, title).get_attribute("href")
    assert href and re.fullmatch(rf"{TABLES}/\d+/conversations/\d+", href), href
    return href


def comment_id(article) -> int:
    return int((article.get_attribute("id") or "").removeprefix("comment-"))


def test_chair_discusses_concludes_and_makes_an_agreement(page: Page):
    log_in(page, CHAIR)
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/$"))
    table_path = open_table(page, FAMILY)

    # The table page: theme, goal, conversations (unread ones marked), meetings, members.
    for heading in ("theme", "goal", "conversations", "meetings", "outcomes", "members"):
        expect(page.locator(f"main h2#{heading}-heading")).to_be_visible()
    unread_row = list_row(page, UNREAD_DEMO)
    expect(unread_row.locator(".utrecht-status-badge--warning")).to_be_visible()
    expect(page.locator("main ul[aria-labelledby=members-heading]")).to_contain_text(
        "Mehmet Yilmaz (demo)"
    )

    # Start a conversation.
    page.locator(f"main a[href='{table_path}/conversations/new']").click()
    expect(page).to_have_url(re.compile(rf"{table_path}/conversations/new$"))
    check_accessibility(page)
    page.locator("#title").fill(TITLE)
    page.locator("#introduction").fill(INTRODUCTION)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{table_path}/conversations/\d+$"))
    expect(page.locator("main h1")).to_have_text(TITLE)
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(page.locator("main .ss-prose").first).to_contain_text(INTRODUCTION)
    check_accessibility(page)
    conversation = path_of(page)

    # Mention by name: "@Meh" in the comment field asks htmx for members; the field is a
    # combobox over their listbox; Down/Up move, Escape closes, Enter inserts the mention.
    mark_page(page)
    body = page.locator("#comment-body")
    listbox = page.locator("#comment-body-suggestions")
    expect(body).to_have_attribute("role", "combobox")
    expect(body).to_have_attribute("aria-expanded", "false")
    expect(body).to_have_attribute("aria-controls", "comment-body-suggestions")
    body.press_sequentially("@Meh")
    option = listbox.locator("[role=option]").filter(has_text=whole_text(MEHMET))
    expect(option).to_be_visible()
    expect(body).to_have_attribute("aria-expanded", "true")
    first = listbox.locator("[role=option]").first
    expect(body).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    check_accessibility(page)
    body.press("Escape")
    expect(listbox).to_be_hidden()
    expect(body).to_have_attribute("aria-expanded", "false")
    body.press("Backspace")
    body.press_sequentially("h")
    expect(option).to_be_visible()
    count = listbox.locator("[role=option]").count()
    for _ in range(count):  # round the list once with Down: back at the first
        body.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    while option.get_attribute("aria-selected") != "true":
        body.press("ArrowDown")
    expect(body).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    body.press("Enter")
    token = re.escape(f"@[{MEHMET}](user:") + r"\d+\) "
    expect(body).to_have_value(re.compile(rf"^{token}$"))
    expect(body).to_be_focused()
    expect(listbox).to_be_hidden()
    body.press_sequentially(COMMENT)
    expect(body).to_have_value(re.compile(rf"^{token}{re.escape(COMMENT)}$"))

    # Post it: appended in place, and a fresh (empty) form swapped in.
    page.locator("#comment-form button[type=submit]").click()
    posted = page.locator("#new-comments > article.ss-comment")
    expect(posted).to_have_count(1)
    expect(posted).to_contain_text(COMMENT)
    expect(posted).to_contain_text(f"@{MEHMET} {COMMENT}")
    expect(posted).not_to_contain_text("(user:")
    expect(page.locator("#comment-body")).to_have_value("")
    expect(page.locator("#comment-body-suggestions li")).to_have_count(0)
    assert_same_page(page)
    check_accessibility(page)
    top_id = comment_id(posted)

    # Reply to it: the reply lands under the comment, the reply form is empty again.
    reply_details = posted.locator("details.ss-reply")
    reply_details.locator("summary").click()
    expect(reply_details).to_have_attribute("open", "")
    expect(page.locator(f"#reply-form-{top_id}")).to_be_visible()
    check_accessibility(page)
    page.locator(f"#reply-body-{top_id}").fill(REPLY)
    page.locator(f"#reply-form-{top_id} button[type=submit]").click()
    replies = page.locator(f"#replies-{top_id} > article.ss-comment--reply")
    expect(replies).to_have_count(1)
    expect(replies).to_contain_text(REPLY)
    expect(page.locator(f"#reply-body-{top_id}")).to_have_value("")
    assert_same_page(page)
    check_accessibility(page)

    # An empty comment: the form comes back in place (422) with its error tied to the field.
    page.locator("#comment-form button[type=submit]").click()
    error = page.locator("#comment-body-error")
    expect(error).to_be_visible()
    expect(page.locator("#comment-body")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#comment-body")).to_have_attribute(
        "aria-describedby", re.compile(r"(^|\s)comment-body-error(\s|$)")
    )
    expect(posted).to_have_count(1)
    assert_same_page(page)
    check_accessibility(page)

    # Close with a conclusion (a plain post).
    page.locator("#conclusion").fill(CONCLUSION)
    page.locator(f"main form[action='{conversation}/close'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{conversation}#conclusion$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(page.locator("main section.ss-conclusion")).to_contain_text(CONCLUSION)
    expect(page.locator("#comment-form")).to_have_count(0)
    expect(page.locator("main details.ss-reply")).to_have_count(0)
    expect(page.locator(f"#comment-{top_id}")).to_contain_text(COMMENT)
    expect(page.locator(f"#replies-{top_id}")).to_contain_text(REPLY)
    check_accessibility(page)

    # Make a draft agreement of the conclusion.
    page.locator(f"main form[action='{conversation}/agreement'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{AGREEMENTS}/\d+$"))
    agreement = path_of(page)
    expect(page.locator("main h1")).to_contain_text(TITLE)
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(page.locator("main dl.ss-data-list")).to_contain_text(f"{FAMILY}: {TITLE}")
    check_accessibility(page)

    # The conversation links to it, and the table lists it under "what came of it".
    visit(page, conversation)
    expect(page.locator(f"main section.ss-conclusion a[href='{agreement}']")).to_be_visible()
    expect(page.locator(f"main form[action='{conversation}/agreement']")).to_have_count(0)
    visit(page, table_path)
    outcome = page.locator("main h2#outcomes-heading + ul li").filter(has_text=TITLE)
    expect(outcome).to_have_count(1)
    expect(outcome.locator(f"a[href='{agreement}']")).to_be_visible()
    closed_row = list_row(page, TITLE)
    expect(closed_row.locator(".utrecht-status-badge--neutral")).to_be_visible()


def test_long_conversation_loads_more_comments_in_place(page: Page):
    log_in(page, CHAIR)
    open_table(page, INFORMATION)
    link_named(page, LONG).click()
    expect(page).to_have_url(re.compile(rf"{TABLES}/\d+/conversations/\d+$"))
    expect(page.locator("main h1")).to_have_text(LONG)
    check_accessibility(page)

    comments = page.locator("#comment-list > article.ss-comment")
    expect(comments).to_have_count(PER_PAGE)
    load_more = page.locator("#load-more-2 a")
    expect(load_more).to_contain_text(re.compile(rf"\b2\b.*\b{LONG_PAGES}\b"))
    mark_page(page)
    load_more.click()
    expect(comments).to_have_count(2 * PER_PAGE)
    expect(page.locator("#load-more-2")).to_have_count(0)
    expect(page.locator("#load-more-3 a")).to_be_visible()
    # Oldest first: the next page starts with generated comment 45 (after 6 demo comments).
    expect(comments.nth(PER_PAGE)).to_contain_text("Bijdrage 45 aan de bespreking")
    assert_same_page(page)
    check_accessibility(page)

    # Without htmx the link opens the next page as a whole.
    href = page.locator("#load-more-3 a").get_attribute("href") or ""
    assert re.search(r"[?&]page=3(&|#|$)", href), href
    visit(page, href)
    expect(comments).to_have_count(PER_PAGE)
    expect(comments.first).to_contain_text("Bijdrage 95 aan de bespreking")


def test_partner_gets_not_found_for_a_table_they_are_not_in(page: Page, live_server):
    from app.extensions import db
    from app.tables.models import ThematicTable

    with live_server.app.app_context():
        youth_id = db.session.execute(
            db.select(ThematicTable.id).where(ThematicTable.name == YOUTH)
        ).scalar_one()

    log_in(page, PARTNER)
    nav_link(page, f"{TABLES}/").click()
    expect(page).to_have_url(re.compile(rf"{TABLES}/$"))
    check_accessibility(page)
    expect(link_named(page, FAMILY)).to_be_visible()
    expect(link_named(page, INFORMATION)).to_be_visible()
    expect(link_named(page, YOUTH)).to_have_count(0)

    visit(page, f"{TABLES}/{youth_id}", status=404)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(YOUTH)
    visit(page, f"{TABLES}/{youth_id}/mentions?q=pro", status=404)


def test_comment_posts_as_a_plain_form_without_javascript(browser, live_server, page: Page):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto("/login")
        plain.locator("#email").fill(CHAIR)
        plain.locator("#password").fill(DEMO_PASSWORD)
        plain.locator("main form button[type=submit]").click()
        expect(plain.locator("header form[action='/logout'] button")).to_be_visible()
        plain.goto(f"{TABLES}/")
        link_named(plain, FAMILY).click()
        expect(plain).to_have_url(re.compile(rf"{TABLES}/\d+$"))
        conversation = conversation_path(plain, OPEN_DEMO)
        link_named(plain, OPEN_DEMO).click()
        expect(plain).to_have_url(re.compile(rf"{conversation}$"))

        # Empty: the page comes back with the error at the field.
        plain.locator("#comment-form button[type=submit]").click()
        expect(plain.locator("#comment-body-error")).to_be_visible()
        expect(plain.locator("#comment-body")).to_have_attribute("aria-invalid", "true")

        plain.locator("#comment-body").fill(PLAIN_COMMENT)
        plain.locator("#comment-form button[type=submit]").click()
        expect(plain).to_have_url(re.compile(rf"{conversation}\?page=last#comment-\d+$"))
        expect(plain.locator(".ss-flashes")).to_be_visible()
        anchor = plain.url.rsplit("#", 1)[1]
        expect(plain.locator(f"#{anchor}")).to_contain_text(PLAIN_COMMENT)
        expect(plain.locator("#comment-body")).to_have_value("")
    finally:
        context.close()

    # The same comment in a normal browser, with axe.
    log_in(page, CHAIR)
    visit(page, conversation)
    expect(page.locator("#comment-list")).to_contain_text(PLAIN_COMMENT)


def test_conversation_reflows_at_320_pixels(narrow_page: Page):
    page = narrow_page
    log_in(page, CHAIR)
    visit(page, f"{TABLES}/")
    table = link_named(page, FAMILY).get_attribute("href") or ""
    visit(page, table)
    assert_no_horizontal_scroll(page)
    conversation = conversation_path(page, OPEN_DEMO)
    visit(page, conversation)
    assert_no_horizontal_scroll(page)
    details = page.locator("#comment-list details.ss-reply").first
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    check_accessibility(page)
    assert_no_horizontal_scroll(page)


def test_mention_suggestions_are_replaced_and_enter_does_not_post(page: Page):
    """Each fetch replaces the suggestions (they used to pile up: the list inherited the
    form's data-hx-swap="beforeend"); Enter with the list open chooses, it does not post the
    half-written comment; a click on a suggestion inserts it too."""
    log_in(page, CHAIR)
    visit(page, f"{TABLES}/")
    visit(page, link_named(page, FAMILY).get_attribute("href") or "")
    visit(page, conversation_path(page, OPEN_DEMO))
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    mark_page(page)

    body = page.locator("#comment-body")
    options = page.locator("#comment-body-suggestions [role=option]")
    body.fill("Vraag aan ")
    body.press("End")
    body.press_sequentially("@m")
    expect(options.first).to_be_visible()
    before = options.count()
    with page.expect_response(lambda response: "/mentions?" in response.url):
        body.press_sequentially("ehmet y")
    expect(options.filter(has_text=whole_text(MEHMET))).to_be_visible()
    assert options.count() <= min(before, 8)
    for text in options.all_text_contents():
        assert "yilmaz" in text.lower(), text
    check_accessibility(page)

    body.press("Enter")
    expect(body).to_have_value(re.compile(r"^Vraag aan @\[Mehmet Yilmaz \(demo\)\]\(user:\d+\) $"))
    assert posts == [], f"Enter in the open list posted the form: {posts}"
    expect(page.locator("#new-comments > article")).to_have_count(0)
    assert_same_page(page)

    body.press_sequentially("en @meh")
    option = options.filter(has_text=whole_text(MEHMET))
    expect(option).to_be_visible()
    option.click()
    expect(body).to_have_value(re.compile(r"\) en @\[Mehmet Yilmaz \(demo\)\]\(user:\d+\) $"))
    expect(body).to_be_focused()
    assert posts == []
    check_accessibility(page)
