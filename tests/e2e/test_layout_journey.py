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


def test_the_header_and_navigation_fit_from_320_to_1920_pixels(page: Page):
    log_in(page, "beheerder@eemland.test")
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/$"))
    expect(page.locator(".ss-nav__list a[href$='/admin/']")).to_be_visible()
    for width in (320, 1280, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        check_accessibility(page)
        assert_no_horizontal_scroll(page, width)
        viewport = page.evaluate("() => document.documentElement.clientWidth")
        # The header and the navigation bar span the whole window, whatever its width.
        for selector in ("header.ss-header", "nav.ss-nav"):
            box = page.locator(selector).bounding_box()
            assert box and box["x"] == 0 and box["width"] == viewport, (width, selector, box)
        # No link of the navigation breaks inside its words, nor does the search button.
        links = page.locator(".ss-nav__list a").all()
        for item in [*links, page.locator(".ss-header-search button")]:
            lines = item.evaluate(LINES)
            assert lines == 1, (width, item.inner_text())
        if width >= 1280:  # from 1280 pixels the navigation is one row
            tops = {round(link.bounding_box()["y"]) for link in links}
            assert len(tops) == 1, (width, tops)
