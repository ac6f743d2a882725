"""Notifications and search in Chromium: mention someone → they see the bell count → open →
read; search finds an agreement by a Dutch inflected word.

Every page the journey reaches, and the page after every htmx swap, is checked with axe-core.
The setup adds, through the services, a conversation at the table "18-/18+" and an agreement
whose title has "wachttijden" in it. The people in it (a gedragswetenschapper and a
beleidsadviseur, both members of that table) appear in no other browser test; the setup
marks the beleidsadviseur's demo notifications read so the bell starts from nothing.

Selectors avoid the Dutch text of the new strings (the translations may lag behind): they
use ids, hrefs, classes and patterns that match both languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

SLUG = "eemland-bsa"
TABLES = f"/p/{SLUG}/tables"
AGREEMENTS = f"/p/{SLUG}/agreements"
SEARCH = f"/p/{SLUG}/search/"
NOTIFICATIONS = "/notifications"
AUTHOR = "gedragswetenschapper@eemland.test"  # user A: a member of "18-/18+"
MENTIONED = "beleidsadviseur@eemland.test"  # user B: a member of "18-/18+" too
MANAGER = "programmamanager@eemland.test"  # makes the agreement
TABLE = "18-/18+"  # demo data
# What the setup and the journey write.
CONVERSATION = "Overdracht bij de 18e verjaardag: wie belt wie? (e2e)"
INTRODUCTION = "Wie neemt contact op met de volwassenenzorg als een jongere 18 wordt? (e2e)"
COMMENT = "kun jij nagaan hoe Baarn dit nu regelt? (e2e)"
LATER_COMMENTS = (
    "nog een vraag over de overdracht in Baarn (e2e)",
    "en een derde vraag, over de wachtlijst (e2e)",
)
AGREEMENT = "Afspraken over wachttijden bij de gebiedsteams (e2e)"
AGREEMENT_SUMMARY = "De gebiedsteams melden hun wachttijd elke maand aan de gemeenten (e2e)."
INFLECTED = "wachttijd"  # finds "wachttijden" in the agreement's title
BELL_NAME = re.compile(r"Meldingen|Notifications")


@dataclass
class Setup:
    conversation: str  # path of the conversation
    agreement: str  # path of the agreement
    mention_handle: str  # "@beleidsadviseur", as typed
    mention_shown: str  # "@Tom Visser (demo)", as the comment shows it


def _user(email: str):
    from app.auth.models import User
    from app.extensions import db

    return db.session.execute(db.select(User).where(User.email == email)).scalar_one()


@pytest.fixture(scope="module")
def setup(live_server) -> Setup:
    """A conversation started by A, an agreement with "wachttijden" in its title, and B
    without unread notifications; all through the services."""
    from app.activity import notifications as notes
    from app.agreements import services as agreements
    from app.agreements.models import FIRM
    from app.extensions import db
    from app.partnerships.models import Partnership
    from app.policy import TABLE_TAKE_PART
    from app.tables import services as tables
    from app.tables.models import ThematicTable

    with live_server.app.app_context():
        partnership = db.session.execute(
            db.select(Partnership).where(Partnership.slug == SLUG)
        ).scalar_one()
        table = db.session.execute(
            db.select(ThematicTable).where(
                ThematicTable.partnership_id == partnership.id, ThematicTable.name == TABLE
            )
        ).scalar_one()
        author, mentioned, manager = _user(AUTHOR), _user(MENTIONED), _user(MANAGER)
        assert tables.is_member(table.id, author.id) and tables.is_member(table.id, mentioned.id)
        conversation = tables.start_conversation(
            table, TABLE_TAKE_PART, author.id, CONVERSATION, INTRODUCTION
        )
        parties = [oid for oid, _ in agreements.organisations_of(partnership.id)][:2]
        agreement = agreements.create_agreement(
            partnership.id,
            {
                "title": AGREEMENT,
                "summary": AGREEMENT_SUMMARY,
                "kind": FIRM,
                "start_on": date.today(),
                "parties": parties,
                "owner_id": manager.id,
            },
            manager.id,
        )
        notes.mark_all_read(mentioned.id)
        db.session.commit()
        return Setup(
            conversation=f"{TABLES}/{table.id}/conversations/{conversation.id}",
            agreement=f"{AGREEMENTS}/{agreement.number}",
            mention_handle=f"@{tables.handle(mentioned)}",
            mention_shown=f"@{mentioned.name}",
        )


def mention_again(live_server, body: str) -> None:
    """A posts another comment mentioning B, through the services."""
    from app.extensions import db
    from app.policy import TABLE_TAKE_PART
    from app.tables import services as tables
    from app.tables.models import Conversation

    with live_server.app.app_context():
        author = _user(AUTHOR)
        conversation = db.session.execute(
            db.select(Conversation).where(Conversation.title == CONVERSATION)
        ).scalar_one()
        tables.post_comment(conversation, TABLE_TAKE_PART, author.id, body)


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#", 1)[0]


def whole_text(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def assert_no_horizontal_scroll(page: Page, width: int = 320) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} scrolls horizontally at {width}px: the document is {scroll_width}px wide"
    )


def bell(page: Page):
    return page.locator("header a#bell")


def bell_count(page: Page):
    return bell(page).locator(".ss-bell__count")


def notification_items(page: Page):
    return page.locator("main ul.ss-notifications > li.ss-notification")


def about_conversation(page: Page):
    """The notifications on the list page that name the journey's conversation."""
    return notification_items(page).filter(has_text=CONVERSATION)


def test_mention_bell_read_and_search(browser, live_server, page: Page, setup: Setup):
    # User A in a browser context of their own (bypass_csp: axe is injected inline).
    author_context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    errors: list[str] = []
    try:
        author_page = author_context.new_page()
        author_page.on("pageerror", lambda error: errors.append(str(error)))
        mention_from_the_conversation(author_page, setup)
    finally:
        author_context.close()
    assert not errors, f"JavaScript errors on the author's pages: {errors}"
    notification = open_the_notification(page, setup)
    mark_one_then_all_read(page, live_server, setup, notification)
    search_finds_the_agreement(page, setup)


def mention_from_the_conversation(page: Page, setup: Setup) -> None:
    """User A opens the conversation from the table and mentions B in a comment."""
    log_in(page, AUTHOR)
    page.locator(f".ss-nav a[href='{TABLES}/']").click()
    expect(page).to_have_url(re.compile(rf"{TABLES}/$"))
    check_accessibility(page)
    page.locator("main a").filter(has_text=whole_text(TABLE)).click()
    expect(page).to_have_url(re.compile(rf"{TABLES}/\d+$"))
    check_accessibility(page)
    page.locator(f"main a[href='{setup.conversation}']").click()
    expect(page).to_have_url(re.compile(rf"{setup.conversation}$"))
    expect(page.locator("main h1")).to_have_text(CONVERSATION)
    check_accessibility(page)

    page.locator("#comment-body").fill(f"{setup.mention_handle} {COMMENT}")
    page.locator("#comment-form button[type=submit]").click()
    posted = page.locator("#new-comments > article.ss-comment")
    expect(posted).to_have_count(1)
    expect(posted).to_contain_text(COMMENT)
    expect(posted).to_contain_text(setup.mention_shown)
    check_accessibility(page)


def open_the_notification(page: Page, setup: Setup) -> str:
    """User B sees the bell count, opens the list and the notification; returns its path."""
    log_in(page, MENTIONED)
    expect(bell(page)).to_be_visible()
    expect(bell(page)).to_contain_text(BELL_NAME)
    expect(bell_count(page)).to_have_text("1")

    bell(page).click()
    expect(page).to_have_url(re.compile(rf"{NOTIFICATIONS}$"))
    expect(page.locator("main h1")).to_have_text(BELL_NAME)
    check_accessibility(page)
    item = about_conversation(page)
    expect(item).to_have_count(1)
    expect(item).to_have_class(re.compile(r"\bss-notification--unread\b"))
    expect(item).to_contain_text(CONVERSATION)
    link = item.locator("a[href^='/notifications/']")
    notification = link.get_attribute("href") or ""
    assert re.fullmatch(r"/notifications/\d+", notification), notification

    # Opening it marks it read and lands on the comment in the conversation.
    link.click()
    expect(page).to_have_url(re.compile(rf"{setup.conversation}(\?page=\d+)?#comment-\d+$"))
    anchor = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"article#{anchor}")).to_contain_text(COMMENT)
    expect(page.locator(f"article#{anchor}")).to_contain_text(setup.mention_shown)
    expect(bell_count(page)).to_have_count(0)
    check_accessibility(page)

    # Back on the list: read, without the mark-as-read button; the bell has no count.
    visit(page, NOTIFICATIONS)
    item = about_conversation(page)
    expect(item).to_have_count(1)
    expect(item).not_to_have_class(re.compile(r"\bss-notification--unread\b"))
    expect(item.locator(".utrecht-status-badge")).to_have_count(0)
    expect(item.locator("form[action$='/read']")).to_have_count(0)
    expect(bell_count(page)).to_have_count(0)
    expect(bell(page)).to_contain_text(BELL_NAME)
    expect(page.locator("main form[action='/notifications/read-all']")).to_have_count(0)
    return notification


def mark_one_then_all_read(page: Page, live_server, setup: Setup, first: str) -> None:
    """Two more mentions: one marked read with its own button (in place), then all."""
    for body in LATER_COMMENTS:
        mention_again(live_server, f"{setup.mention_handle} {body}")
    visit(page, NOTIFICATIONS)
    expect(bell_count(page)).to_have_text("2")
    unread = page.locator("main li.ss-notification--unread")
    expect(unread).to_have_count(2)
    expect(page.locator(f"main a[href='{first}']")).to_have_count(1)

    # One with its own button: htmx swaps the item in place.
    page.evaluate("() => { window.e2eSamePage = true; }")
    newest = unread.first
    newest_id = newest.get_attribute("id") or ""
    assert re.fullmatch(r"notification-\d+", newest_id), newest_id
    newest.locator("form[action$='/read'] button[type=submit]").click()
    swapped = page.locator(f"main li#{newest_id}")
    expect(swapped).not_to_have_class(re.compile(r"\bss-notification--unread\b"))
    expect(swapped.locator("form[action$='/read']")).to_have_count(0)
    expect(unread).to_have_count(1)
    assert page.evaluate("() => window.e2eSamePage === true"), "htmx reloaded the whole page"
    check_accessibility(page)

    # The rest with "mark all read".
    visit(page, NOTIFICATIONS)
    expect(bell_count(page)).to_have_text("1")
    page.locator("main form[action='/notifications/read-all'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{NOTIFICATIONS}$"))
    expect(page.locator(".ss-flashes")).to_be_visible()
    expect(page.locator("main li.ss-notification--unread")).to_have_count(0)
    expect(about_conversation(page)).to_have_count(3)
    expect(bell_count(page)).to_have_count(0)
    expect(page.locator("main form[action='/notifications/read-all']")).to_have_count(0)
    check_accessibility(page)


def search_finds_the_agreement(page: Page, setup: Setup) -> None:
    """B searches from the header box with another form of a word in the agreement's title."""
    visit(page, f"/p/{SLUG}/")
    box = page.locator("header form[role=search] input#header-search")
    expect(box).to_be_visible()
    box.fill(INFLECTED)
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"{SEARCH}\?q={INFLECTED}$"))
    check_accessibility(page)
    expect(page.locator("#search-q")).to_have_value(INFLECTED)

    group = page.locator("main section.ss-search-group[aria-labelledby='group-agreement']")
    expect(group).to_have_count(1)
    expect(group.locator("h2#group-agreement")).to_be_visible()
    item = group.locator("li.ss-hit").filter(has=page.locator(f"a[href='{setup.agreement}']"))
    expect(item).to_have_count(1)
    hit = item.locator(f"a[href='{setup.agreement}']")
    expect(hit).to_contain_text(AGREEMENT)
    expect(hit.locator("mark")).to_have_text("wachttijden")
    # The summary's "wachttijd" is highlighted in the snippet too.
    snippet = item.locator("p:not(:has(a)) mark")
    expect(snippet).to_have_text(["wachttijd"])

    hit.click()
    expect(page).to_have_url(re.compile(rf"{setup.agreement}$"))
    expect(page.locator("main h1")).to_contain_text(AGREEMENT)
    check_accessibility(page)
    assert path_of(page) == setup.agreement


def test_notifications_and_search_reflow_at_320_pixels(
    narrow_page: Page, live_server, setup: Setup
):
    page = narrow_page
    mention_again(live_server, f"{setup.mention_handle} op een smal scherm (e2e)")
    log_in(page, MENTIONED)
    assert_no_horizontal_scroll(page)
    visit(page, NOTIFICATIONS)
    expect(page.locator("main li.ss-notification--unread")).not_to_have_count(0)
    assert_no_horizontal_scroll(page)
    visit(page, f"{SEARCH}?q={INFLECTED}")
    expect(page.locator("main section.ss-search-group mark").first).to_be_visible()
    assert_no_horizontal_scroll(page)
