"""Importing a risk inventory in Chromium: download the template, fill in three rows (one
wrong) as Excel would save them, see the error in that row of the preview, fix the file,
apply, and find the risks in the list and on the heat map. Every page is checked with axe.
The journey adds three risks to the shared demo database (found again by title when the
journey runs twice, so nothing is doubled)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

SLUG = "eemland-bsa"
RISKS = f"/p/{SLUG}/risks"
MANAGER = "programmamanager@eemland.test"
TITLES = [f"Importrisico {n} (e2e)" for n in (1, 2, 3)]


def fill(template: bytes, wrong_impact: int) -> bytes:
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    for title, impact in zip(TITLES, (1, wrong_impact, 1), strict=True):
        values = {"Titel": title, "Categorie": "financieel", "Risicodrager": "gedeeld",
                  "Kans bruto": 2, "Impact bruto": impact, "Kans netto": 1, "Impact netto": 1,
                  "Strategie": "verminderen", "Maatregelen": "Maandelijks bespreken (e2e)"}  # fmt: skip
        sheet.append([values.get(name) for name in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(page: Page, path, data: bytes) -> None:
    path.write_bytes(data)
    page.locator("#file").set_input_files(str(path))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    check_accessibility(page)


def test_import_a_risk_inventory_from_the_template(page: Page, tmp_path):
    log_in(page, MANAGER)
    visit(page, f"{RISKS}/")
    page.locator(f"main a[href='/p/{SLUG}/import/risks']").click()
    expect(page).to_have_url(re.compile(rf"/p/{SLUG}/import/risks$"))
    check_accessibility(page)

    with page.expect_download() as download:
        page.locator(f"main a[href='/p/{SLUG}/import/risks/template.xlsx']").click()
    template = download.value.path().read_bytes()

    # One wrong row: impact 7.
    upload(page, tmp_path / "ril.xlsx", fill(template, wrong_impact=7))
    wrong = page.locator("main tbody tr").filter(has_text=TITLES[1])
    expect(wrong.locator(".ss-import-error")).to_have_count(1)
    expect(wrong).to_contain_text("7")
    for title in (TITLES[0], TITLES[2]):
        expect(page.locator("main tbody tr").filter(has_text=title).locator(
            ".ss-import-error")).to_have_count(0)  # fmt: skip

    # Fixed, uploaded again: no errors, then applied.
    page.goto(f"/p/{SLUG}/import/risks")
    check_accessibility(page)
    upload(page, tmp_path / "ril-goed.xlsx", fill(template, wrong_impact=5))
    expect(page.locator("main .ss-import-error")).to_have_count(0)
    page.locator("main form[action$='/apply'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{RISKS}/$"))
    check_accessibility(page)
    for title in TITLES:
        expect(page.locator("#risks-results").get_by_text(title, exact=False)).to_be_visible()

    visit(page, f"{RISKS}/heatmap")
    cell = page.locator(
        "main [aria-labelledby='heatmap-netto'] a[href*='likelihood=1'][href*='impact=1']"
    )
    expect(cell).to_have_count(1)
    cell.click()
    check_accessibility(page)
    for title in TITLES:
        expect(page.locator("#risks-results").get_by_text(title, exact=False)).to_be_visible()
