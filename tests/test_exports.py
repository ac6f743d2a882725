"""Exports never fail on what is stored: every control character in every exported text
(written straight into the database, past the forms) still gives an XLSX that openpyxl
opens, a CSV, an iCalendar file and a PDF; characters a file cannot hold are replaced."""

from __future__ import annotations

import csv
import io
import re

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import String, Text, select, update

from app import inputs
from app.exports.tables import REPLACEMENT
from app.extensions import db
from app.tables.models import Meeting
from tests.conftest import csrf_token
from tests.walk import DEMO, clients_by_role, demo_with_world

# Free text that the exports show: titles, names, descriptions, places...
TEXT_COLUMNS = {
    "title", "summary", "explanation", "origin", "name", "description", "body", "place",
    "agenda", "minutes", "core_sentence", "preamble", "definition", "unit", "source",
    "target_text", "conclusion", "text",
}  # fmt: skip


def controls(database: str) -> str:
    """Every control character (C0, DEL, C1), but NUL where the database cannot hold it."""
    chars = [chr(c) for c in [*range(32), 127, *range(0x80, 0xA0)]]
    if database == "postgresql":
        chars.remove("\x00")  # PostgreSQL text holds no NUL at all
    return "".join(chars)


def poison(app) -> int:
    """Put every control character into every exported text column; returns how many
    columns were changed."""
    changed = 0
    with app.app_context():
        garbage = controls(db.engine.dialect.name)
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if column.name in TEXT_COLUMNS and isinstance(column.type, String | Text):
                    length = getattr(column.type, "length", None)
                    if "id" not in table.columns:
                        continue
                    for (ident,) in db.session.execute(select(table.c.id)).all():
                        # Unique per row: some names are unique columns.
                        value = f"{ident}Te{garbage}kst"[: length or None]
                        db.session.execute(
                            update(table).where(table.c.id == ident).values({column.name: value})
                        )
                    changed += 1
        db.session.commit()
        db.session.remove()
    return changed


@pytest.fixture
def poisoned(app, world, client, login_as):
    demo_with_world(app, world)
    assert poison(app) > 20
    return clients_by_role(app, world, client, login_as, ["beheerder"])["beheerder"]


def _bad(text: str) -> list[str]:
    return sorted({repr(c) for c in text if inputs.is_control(c)})


@pytest.mark.parametrize("area", ["agreements", "risks"])
def test_the_xlsx_and_csv_exports_open_with_every_control_character_stored(app, poisoned, area):
    xlsx = poisoned.get(f"/p/{DEMO}/{area}/export.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(REPLACEMENT in t and "Te" in t for t in texts)

    response = poisoned.get(f"/p/{DEMO}/{area}/export.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) > 1 and len(rows) == sheet.max_row
    assert _bad(text) == []
    assert any(REPLACEMENT in cell for row in rows for cell in row)


def test_the_activity_csv_opens(app, poisoned):
    response = poisoned.get(f"/p/{DEMO}/activity.csv")

    assert response.status_code == 200
    assert _bad(response.get_data(as_text=True)) == []


def test_the_calendar_feed_and_meeting_invitations_are_valid(app, poisoned):
    page = poisoned.post(
        "/account/calendar", data={"csrf_token": csrf_token(poisoned), "action": "new"}
    ).get_data(as_text=True)
    path = re.search(r"https?://[^/]+(/calendar/[\w-]+\.ics)", page).group(1)

    feed = poisoned.get(path)
    assert feed.status_code == 200
    assert _bad(feed.get_data(as_text=True).replace("\r\n", "\n")) == []
    Calendar.from_ical(feed.data)

    with app.app_context():
        meeting = db.session.execute(select(Meeting).limit(1)).scalar_one()
        url = f"/p/{DEMO}/tables/{meeting.table_id}/meetings/{meeting.id}.ics"
        db.session.remove()
    invitation = poisoned.get(url)
    assert invitation.status_code == 200
    assert _bad(invitation.get_data(as_text=True).replace("\r\n", "\n")) == []
    event = Calendar.from_ical(invitation.data).walk("VEVENT")[0]
    assert "Te" in str(event["SUMMARY"])


def test_the_manifest_pdf_is_made(app, poisoned):
    response = poisoned.get(f"/p/{DEMO}/manifest/pdf")

    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
