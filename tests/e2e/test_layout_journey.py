"""Layout at the edges: every kind of page reflows at 320 CSS pixels (WCAG 1.4.10) with
axe at zero, including history and activity; the header and navigation fit from 320 to
1920 pixels; the search button and the navigation never break inside a word."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

SLUG = "eemland-bsa"
LISTS = ("", "manifest", "agreements", "risks", "tables", "reviews", "cycles", "decisions",
         "activity", "members", "search/?q=jeugd", "admin/organisations")  # fmt: skip


# How many lines the text of an element takes (a range has one rectangle per line).
LINES = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
}"""


def page_width(page: Page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    assert page_width(page) <= width, (
        f"{page.url} scrolls sideways at {width}px: the document is {page_width(page)}px wide"
    )


def first_link(page: Page, pattern: str) -> str:
    hrefs = page.locator("main a[href]").evaluate_all("(links) => links.map(a => a.pathname)")
    return next(href for href in hrefs if re.fullmatch(pattern, href))


def test_every_kind_of_page_reflows_at_320_pixels(narrow_page: Page):
    page = narrow_page
    visit(page, "/login")
    assert_no_horizontal_scroll(page, 320)
    log_in(page, "beheerder@eemland.test")
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/$"))
    paths = [f"/p/{SLUG}/{path}" for path in LISTS] + ["/account", "/notifications"]
    visit(page, f"/p/{SLUG}/agreements")
    agreement = first_link(page, rf"/p/{SLUG}/agreements/\d+")
    visit(page, f"/p/{SLUG}/risks")
    risk = first_link(page, rf"/p/{SLUG}/risks/\d+")
    paths += [agreement, risk]
    visit(page, agreement)
    paths.append(first_link(page, rf"/p/{SLUG}/history/agreement/\d+"))
    visit(page, risk)
    paths.append(first_link(page, rf"/p/{SLUG}/history/risk/\d+"))
    for path in paths:
        visit(page, path)
        assert_no_horizontal_scroll(page, 320)
    # The history's events are on the page, in words, in their scroll container at most.
    expect(page.locator("table.ss-events")).to_be_visible()
    expect(page.locator("table.ss-events")).not_to_contain_text("partnership id")


# Detail pages and forms of every area: (list to start from, pattern of its first link).
DETAILS = [
    ("cycles/", r"/cycles/\d+"),
    ("reviews/", r"/reviews/\d+"),
    ("tables/", r"/tables/\d+"),
    ("decisions/", r"/decisions/\d+"),
    ("manifest/", r"/manifest/principles/\d+"),
    ("manifest/proposals", r"/manifest/proposals/\d+"),
]
FORMS = ("agreements/new", "risks/new", "reviews/new", "decisions/new", "tables/new",
         "cycles/new", "indicators/new", "manifest/proposals/new", "risks/heatmap",
         "indicators/", "manifest/versions", "reviews/actions")  # fmt: skip


def test_detail_pages_and_forms_reflow_at_320_pixels(narrow_page: Page):
    page = narrow_page
    log_in(page, "programmamanager@eemland.test")
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/$"))
    paths = []
    for start, pattern in DETAILS:
        visit(page, f"/p/{SLUG}/{start}")
        paths.append(first_link(page, rf"/p/{SLUG}{pattern}"))
    visit(page, paths[2])  # a thematic table: one of its conversations
    paths.append(first_link(page, rf"/p/{SLUG}/tables/\d+/conversations/\d+"))
    visit(page, paths[0])  # a cycle: its history
    paths.append(first_link(page, rf"/p/{SLUG}/history/cycle/\d+"))
    paths += [f"/p/{SLUG}/{path}" for path in FORMS]
    for path in paths:
        visit(page, path)
        assert_no_horizontal_scroll(page, 320)
    assert len(paths) == len(DETAILS) + 2 + len(FORMS)


def test_the_header_and_navigation_fit_from_320_to_1920_pixels(page: Page):
    log_in(page, "beheerder@eemland.test")
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/$"))
    expect(page.locator(".ss-nav__list a[href$='/admin/']")).to_be_visible()
    for width in (320, 360, 390, 414, 600, 768, 1024, 1280, 1366, 1440, 1600, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        if width in (320, 1280, 1920):
            check_accessibility(page)
        assert_no_horizontal_scroll(page, width)
        viewport = page.evaluate("() => document.documentElement.clientWidth")
        # The header and the navigation bar span the whole window, whatever its width.
        for selector in ("header.ss-header", "nav.ss-nav"):
            box = page.locator(selector).bounding_box()
            assert box and box["x"] == 0 and box["width"] == viewport, (width, selector, box)
        # Nothing of the header or the navigation sticks out of the window.
        outside = page.evaluate(OUTSIDE, viewport)
        assert not outside, (width, outside)
        # No link of the navigation breaks inside its words, nor does the search button.
        links = page.locator(".ss-nav__list a").all()
        for item in [*links, page.locator(".ss-header-search button")]:
            lines = item.evaluate(LINES)
            assert lines == 1, (width, item.inner_text())
        assert page.locator(".ss-header-search button").inner_text().strip() == "Zoeken"
        if width >= 1280:  # from 1280 pixels the navigation is one row, "Beheer" included
            beheer = page.locator(".ss-nav__list a[href$='/admin/']")
            assert beheer.inner_text().strip() == "Beheer" and beheer.evaluate(LINES) == 1
            tops = {round(link.bounding_box()["y"]) for link in links}
            assert len(tops) == 1, (width, tops)


# Visible elements of the header and the navigation that stick out of the window.
OUTSIDE = """(w) => [...document.querySelectorAll('header.ss-header *, nav.ss-nav *')]
  .filter((el) => el.getClientRects().length)
  .filter((el) => { const r = el.getBoundingClientRect();
                    return r.width && (r.left < 0 || r.right > w + 0.5); })
  .map((el) => el.outerHTML.slice(0, 80))"""


# The colour actually painted at a point: the background of the element there or of the
# first ancestor that has one (transparent backgrounds show their parent's).
PAINTED = """([x, y]) => {
  let el = document.elementFromPoint(x, y);
  const inHeader = !!el.closest('header.ss-header');
  while (el) {
    const bg = getComputedStyle(el).backgroundColor;
    if (bg && bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return [bg, inHeader];
    el = el.parentElement;
  }
  return ['canvas', inHeader];
}"""


def test_the_header_background_spans_the_whole_window_at_1920_pixels(page: Page):
    page.set_viewport_size({"width": 1920, "height": 900})
    log_in(page, "programmamanager@eemland.test")
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/$"))
    viewport = page.evaluate("() => document.documentElement.clientWidth")
    header = page.locator("header.ss-header").bounding_box()
    content = page.locator(".ss-header__content").bounding_box()
    assert header and content and content["width"] < viewport  # the content is centred
    middle = header["y"] + header["height"] / 2
    # Left of, inside and right of the centred content the same header colour is painted.
    right = content["x"] + content["width"]
    points = [
        1,
        content["x"] / 2,
        content["x"] + 2,
        right - 2,
        (right + viewport) / 2,
        viewport - 2,
    ]
    painted = [page.evaluate(PAINTED, [x, middle]) for x in points]
    assert all(in_header for _, in_header in painted), painted
    assert len({colour for colour, _ in painted}) == 1, painted
    # The red rule under the header runs from edge to edge too.
    border = page.locator("header.ss-header").evaluate(
        "(el) => [getComputedStyle(el).borderBottomWidth, getComputedStyle(el).borderBottomStyle]"
    )
    assert border == ["4px", "solid"] and header["x"] == 0 and header["width"] == viewport


def test_the_search_button_keeps_its_word_at_320_pixels(narrow_page: Page):
    page = narrow_page
    log_in(page, "programmamanager@eemland.test")
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/$"))
    button = page.locator(".ss-header-search button")
    expect(button).to_be_visible()
    assert button.evaluate(LINES) == 1
    # The whole word is inside the button: nothing clipped or overflowing.
    fits = button.evaluate("(b) => b.scrollWidth <= b.clientWidth + 1")
    box = button.bounding_box()
    assert fits and box and box["x"] + box["width"] <= 320, box


SELECTS = """() => [...document.querySelectorAll('select')]
  .filter((s) => s.getClientRects().length)
  .map((s) => { const c = getComputedStyle(s);
                return {id: s.id, appearance: c.appearance, image: c.backgroundImage,
                        padding: parseFloat(c.paddingRight), width: s.getBoundingClientRect().width}; })"""


def test_selects_show_an_arrow(page: Page):
    log_in(page, "programmamanager@eemland.test")
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/$"))
    seen = []
    for path in (f"/p/{SLUG}/agreements", f"/p/{SLUG}/risks", f"/p/{SLUG}/members",
                 f"/p/{SLUG}/agreements/new", f"/p/{SLUG}/activity"):  # fmt: skip
        visit(page, path)
        for select in page.evaluate(SELECTS):
            seen.append(select)
            # Either the browser draws its own arrow, or an arrow image is drawn with room
            # for it at the end of the box.
            if select["appearance"] == "none":
                assert select["image"].startswith('url("data:image/svg+xml'), (path, select)
                assert select["padding"] >= 24, (path, select)
            else:
                assert select["appearance"] in ("auto", "menulist", "menulist-button"), select
    assert len(seen) >= 5, seen


def test_the_indicator_sparklines_reflow_at_320_pixels_and_lead_to_their_chart(
    narrow_page: Page,
):
    page = narrow_page
    log_in(page, "programmamanager@eemland.test")
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/$"))
    items = page.locator(".ss-spark")
    expect(items).to_have_count(6)
    assert_no_horizontal_scroll(page, 320)
    for item in items.all():
        box = item.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320, box
        expect(item.locator("svg.ss-spark__svg")).to_be_visible()
        expect(item.locator(".ss-spark__move")).to_be_visible()
    first = items.first.locator("a.ss-spark__name")
    name = first.inner_text()
    first.click()
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/cycles/\d+#indicator-\d+$"))
    anchor = page.url.split("#")[1]
    figure = page.locator(f"figure#{anchor}")
    expect(figure).to_be_in_viewport()
    expect(figure.locator("figcaption")).to_contain_text(name)
    check_accessibility(page)
    assert_no_horizontal_scroll(page, 320)


def test_a_first_page_asks_for_nothing_that_is_not_there(page: Page):
    failed = []
    page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
    visit(page, "/login")
    page.wait_for_load_state("networkidle")
    assert failed == []
    # The icon the browser uses is served, also at the conventional address.
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).status == 200
    assert page.request.get("/favicon.ico").status == 200  # after the redirect
