"""Importing indicator measurements: decimal commas, unknown indicators, frozen cycles,
re-import and the round trip of the measurements export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.activity.models import AuditEvent
from app.cycles import services
from app.cycles.models import Indicator, Measurement
from app.extensions import db
from app.partnerships.models import Membership
from tests.conftest import count_rows
from tests.imports.helpers import apply, csv_bytes, import_file, token_of, upload, xlsx_bytes
from tests.imports.test_agreements import _share

HEADER = ["Cyclus", "Indicator", "Waarde", "Toelichting"]


def setup(app, world, manager="programmamanager"):
    """Two adopted indicators and one cycle (C-1) in the world's partnership."""
    with app.test_request_context():
        for name, kind in (("Wachttijd", "kwantitatief"), ("Ervaring", "kwalitatief")):
            db.session.add(Indicator(partnership_id=world.partnership.id, name=name, kind=kind,
                                     status="vastgesteld"))  # fmt: skip
        db.session.commit()
        membership = db.session.execute(
            select(Membership).where(Membership.user_id == world.users[manager].id,
                                     Membership.partnership_id == world.partnership.id)
        ).scalar_one()  # fmt: skip
        services.create_cycle(membership, "Eerste halfjaar", date(2024, 1, 1), date(2024, 6, 30))


def values(app):
    with app.app_context():
        rows = db.session.execute(
            select(Indicator.name, Measurement.value_number, Measurement.value_text,
                   Measurement.explanation).join(Indicator).order_by(Indicator.name)
        ).all()  # fmt: skip
        return [tuple(r) for r in rows]


def test_import_saves_measurements_through_the_service(app, client, world, login_as):
    setup(app, world)
    login_as(world, "programmamanager")
    data = csv_bytes([HEADER, ["C-1", "Wachttijd", "31,5", "Daalt"],
                      ["Eerste halfjaar", "Ervaring", "Positief", ""]])  # fmt: skip
    preview = upload(client, world.slug, "measurements", data, "metingen.csv")
    assert count_rows(app, Measurement) == 0
    apply(client, world.slug, "measurements", token_of(preview))
    assert values(app) == [("Ervaring", None, "Positief", ""), ("Wachttijd", 31.5, "", "Daalt")]
    assert count_rows(app, AuditEvent, object_type="Cycle", action="measurements") == 2
    before = count_rows(app, AuditEvent)
    import_file(client, world.slug, "measurements", data, "metingen.csv")
    assert count_rows(app, AuditEvent) == before
    changed = csv_bytes([HEADER, ["C-1", "Wachttijd", "29", "Daalt"]])
    import_file(client, world.slug, "measurements", changed, "nieuw.csv")
    assert values(app)[1] == ("Wachttijd", 29.0, "", "Daalt")


def test_bad_rows_are_shown_and_skipped(app, client, world, login_as):
    setup(app, world)
    login_as(world, "beheerder")
    data = xlsx_bytes([HEADER, ["C-1", "Wachttijd", "veel", ""], ["C-9", "Wachttijd", "3", ""],
                       ["C-1", "Onbekend", "3", ""], ["C-1", "Ervaring", "Goed", ""]])  # fmt: skip
    preview = upload(client, world.slug, "measurements", data, "m.xlsx")
    page = preview.get_data(as_text=True)
    for message in ("Vul een getal in voor “Wachttijd”.", "Onbekende cyclus “C-9”.",
                    "Onbekende indicator “Onbekend”"):  # fmt: skip
        assert message in page, message
    token = token_of(preview)
    assert apply(client, world.slug, "measurements", token, all_or_nothing=True).status_code == 422
    assert count_rows(app, Measurement) == 0
    apply(client, world.slug, "measurements", token)
    assert values(app) == [("Ervaring", None, "Goed", "")]


@pytest.mark.parametrize("role", ["teamlid", "lezer", "bestuurder", "partner"])
def test_other_roles_may_not_import_measurements(app, client, world, login_as, role):
    setup(app, world)
    login_as(world, role)
    data = csv_bytes([HEADER, ["C-1", "Wachttijd", "3", ""]])
    assert upload(client, world.slug, "measurements", data, "m.csv").status_code == 403
    assert count_rows(app, Measurement) == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_imports_into_another_partnership_as_the_same_rows(app, client, world,
                                                                 make_partnership, login_as, fmt):  # fmt: skip
    other = make_partnership("ander")
    _share(app, world, other)
    setup(app, world)
    setup(app, other)
    login_as(world, "programmamanager")
    import_file(client, world.slug, "measurements", csv_bytes(
        [HEADER, ["C-1", "Wachttijd", "31,5", "Daalt"], ["C-1", "Ervaring", "Positief", "Goed"]]
    ), "m.csv")  # fmt: skip
    exported = client.get(f"/p/{world.slug}/cycles/measurements.{fmt}")
    assert exported.status_code == 200

    def table(data):
        if fmt == "csv":
            return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        sheet = load_workbook(io.BytesIO(data)).worksheets[0]
        return [[c.value for c in row] for row in sheet.iter_rows()]

    login_as(other, "programmamanager")
    import_file(client, other.slug, "measurements", exported.data, f"m.{fmt}", all_or_nothing=True)
    again = client.get(f"/p/{other.slug}/cycles/measurements.{fmt}")
    assert table(again.data) == table(exported.data)
    assert len(table(again.data)) == 3
