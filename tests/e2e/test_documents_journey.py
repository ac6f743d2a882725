"""Documents in Chromium: a programme manager attaches a PDF to an agreement (the form posts
with htmx and the documents section replaces itself), uploads a newer version, downloads
both versions, and archives the document through its confirmation dialog; the archived
document stays downloadable from the archived list. Every page is checked with axe. Names
carry a token of the run, so the journey can run twice on the shared demo database."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, log_in, visit

pytestmark = pytest.mark.e2e

SLUG = "eemland-bsa"
MANAGER = "programmamanager@eemland.test"
AGREEMENT = f"/p/{SLUG}/agreements/1"
FIRST = b"%PDF-1.4\n% eerste versie (e2e)\n%%EOF\n"
SECOND = b"%PDF-1.4\n% getekende versie (e2e)\n%%EOF\n"


def test_attach_version_download_and_archive_a_document(page: Page, tmp_path):
    token = uuid.uuid4().hex[:6]
    first_name, second_name = f"Convenant {token}.pdf", f"Convenant {token} getekend.pdf"
    (tmp_path / first_name).write_bytes(FIRST)
    (tmp_path / second_name).write_bytes(SECOND)
    log_in(page, MANAGER)
    visit(page, AGREEMENT)
    section = page.locator("section#documents")
    expect(section.get_by_role("heading", name="Documenten")).to_be_visible()
    expect(section.locator("#file-description")).to_contain_text("hoogstens 25 MB per bestand")
    check_accessibility(page)

    # Attach: htmx replaces the section, which says so and lists the file.
    section.get_by_label("Bestand").set_input_files(str(tmp_path / first_name))
    section.get_by_role("button", name="Toevoegen").click()
    expect(section).to_contain_text(f"“{first_name}” is toegevoegd.")
    row = section.locator("tbody tr").filter(has_text=first_name)
    expect(row).to_contain_text("PDF")
    expect(row).to_contain_text("Mehmet Yilmaz")
    expect(page).to_have_url(re.compile(rf"{AGREEMENT}$"))
    check_accessibility(page)

    # A newer version, on its own page.
    row.get_by_role("link", name=re.compile("Nieuwe versie")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nieuwe versie van")
    check_accessibility(page)
    page.get_by_label("Nieuwere versie").set_input_files(str(tmp_path / second_name))
    page.get_by_role("button", name="Nieuwe versie uploaden").click()
    expect(page).to_have_url(re.compile(rf"{AGREEMENT}#documents$"))
    expect(page.locator("main")).to_contain_text(f"Versie 2 van “{second_name}” is geüpload.")
    row = page.locator("section#documents tbody tr").filter(has_text=second_name)
    check_accessibility(page)

    # Download the latest, and (from the versions) the first one.
    with page.expect_download() as latest:
        row.get_by_role("link", name=second_name, exact=True).click()
    assert latest.value.suggested_filename == second_name
    assert latest.value.path().read_bytes() == SECOND
    row.locator("summary").click()
    with page.expect_download() as older:
        row.get_by_role("link", name=re.compile(rf"^Versie 1: {re.escape(first_name)}")).click()
    assert older.value.path().read_bytes() == FIRST

    # Archive through the dialog.
    row.get_by_role("link", name="Archiveren").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text(f"“{second_name}” archiveren?")
    check_accessibility(page)
    dialog.get_by_role("button", name="Archiveren").click()
    expect(page.locator("main")).to_contain_text(f"“{second_name}” is gearchiveerd.")
    expect(page.locator("section#documents")).not_to_contain_text(second_name)

    # Still there under the archived documents, downloadable.
    page.locator("section#documents").get_by_role("link", name="Gearchiveerde documenten").click()
    archived = page.locator("main tbody tr").filter(has_text=second_name)
    expect(archived).to_have_count(1)
    check_accessibility(page)
    with page.expect_download() as kept:
        archived.get_by_role("link", name=second_name, exact=True).click()
    assert kept.value.path().read_bytes() == SECOND


def test_a_file_over_the_limit_is_refused_in_the_section(page: Page, live_server, tmp_path):
    """Over the limit plus the form's margin, the body is refused before it is read (413);
    the section shows the Dutch message in the form, focused by its error summary."""
    live_server.app.config["SAMENSPEL_DOCUMENT_MAX_MB"] = 0.01
    try:
        big = tmp_path / "groot.pdf"
        big.write_bytes(FIRST + b" " * (2**20 + 50_000))
        log_in(page, MANAGER)
        visit(page, f"/p/{SLUG}/agreements/2")
        section = page.locator("section#documents")
        section.get_by_label("Bestand").set_input_files(str(big))
        section.get_by_role("button", name="Toevoegen").click()
        summary = section.locator("[data-error-summary]")
        expect(summary).to_contain_text("Het bestand is groter dan 0,01 MB.")
        expect(summary).to_be_focused()
        expect(section.locator("#file-error")).to_contain_text("groter dan 0,01 MB")
        expect(section.locator("tbody")).not_to_contain_text("groot.pdf")
        check_accessibility(page)
    finally:
        live_server.app.config["SAMENSPEL_DOCUMENT_MAX_MB"] = 25.0
