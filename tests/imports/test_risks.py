"""Importing risks with measures: preview, errors per row, reassessment, round trip."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.activity.models import AuditEvent
from app.extensions import db
from app.risks import services
from app.risks.models import Measure, Risk, RiskAssessment
from tests.conftest import count_rows
from tests.imports.helpers import apply, csv_bytes, import_file, token_of, upload, xlsx_bytes
from tests.imports.test_agreements import _share
from tests.risks.helpers import days, fields

HEADER = ["Kenmerk", "Titel", "Categorie", "Risicodrager", "Eigenaar", "Kans bruto",
          "Impact bruto", "Kans netto", "Impact netto", "Strategie", "Status",
          "Herbeoordelingsdatum", "Maatregelen"]  # fmt: skip


def rows(world, *extra):
    return [
        HEADER,
        ["", "Budgetoverschrijding", "financieel", "gedeeld", world.users["beheerder"].name,
         "4", "5", "3", "3", "verminderen", "open", "1 maart 2099",
         "Maandelijkse monitor; Budgetplafond per aanbieder"],
        ["R-7", "Personeelstekort", "capaciteit/personeel", world.provider.name, "", 3, 4, 2, 4,
         "accepteren", "", "", ""],
        *extra,
    ]  # fmt: skip


def risks(app, world):
    with app.app_context():
        return db.session.execute(
            select(Risk).where(Risk.partnership_id == world.partnership.id).order_by(Risk.number)
        ).scalars().all()  # fmt: skip


def test_import_creates_risks_with_measures(app, client, world, login_as, smtp):
    login_as(world, "programmamanager")
    preview = upload(client, world.slug, "risks", xlsx_bytes(rows(world)), "ril.xlsx")
    assert count_rows(app, Risk) == 0
    apply(client, world.slug, "risks", token_of(preview))
    made = risks(app, world)
    assert [(r.reference, r.title, r.shared, r.inherent_score, r.residual_score)
            for r in made] == [("R-7", "Personeelstekort", False, 12, 8),
                               ("R-8", "Budgetoverschrijding", True, 20, 9)]  # fmt: skip
    with app.app_context():
        measures = db.session.execute(select(Measure.description).order_by(Measure.id)).scalars()
        assert list(measures) == ["Maandelijkse monitor", "Budgetplafond per aanbieder"]
        reasons = set(db.session.execute(select(RiskAssessment.reason)).scalars())
        assert reasons == {"geïmporteerd uit ril.xlsx"}
    assert count_rows(app, AuditEvent, object_type="Risk", action="create") == 2
    assert count_rows(app, AuditEvent, object_type="Measure", action="create") == 2
    assert smtp == []  # no mail per imported row


def test_row_errors_and_all_or_nothing(app, client, world, login_as):
    login_as(world, "beheerder")
    bad = [
        ["", "Impact zeven", "financieel", "gedeeld", "", "4", "7", "3", "3", "verminderen",
         "", "", ""],
        ["", "Onbekend", "weer", "Gemeente Nergens", "Jan Onbekend", "2", "2", "1", "1",
         "vluchten", "", "gisteren", ""],
        ["", "Netto hoger", "financieel", "gedeeld", "", "1", "1", "3", "3", "accepteren", "",
         "", ""],
    ]  # fmt: skip
    preview = upload(client, world.slug, "risks", csv_bytes(rows(world, *bad)), "ril.csv")
    page = preview.get_data(as_text=True)
    for message in (
        "impact bruto 7: kies een heel getal van 1 tot en met 5.",
        "Onbekende categorie “weer”.",
        "Onbekende partij “Gemeente Nergens”",
        "Eigenaar “Jan Onbekend” is geen lid",
        "Strategie “vluchten” is onbekend.",
        "“gisteren” is geen datum",
        "De nettoscore (9) is hoger dan de brutoscore (1).",
    ):
        assert message in page, message
    token = token_of(preview)
    assert apply(client, world.slug, "risks", token, all_or_nothing=True).status_code == 422
    assert count_rows(app, Risk) == 0
    apply(client, world.slug, "risks", token)
    assert count_rows(app, Risk) == 2


def test_reimport_is_a_no_op_and_new_figures_are_a_reassessment(app, client, world, login_as):
    login_as(world, "programmamanager")
    import_file(client, world.slug, "risks", csv_bytes(rows(world)), "ril.csv")
    before = count_rows(app, AuditEvent), count_rows(app, RiskAssessment), count_rows(app, Measure)
    import_file(client, world.slug, "risks", csv_bytes(rows(world)), "ril.csv")
    assert (count_rows(app, AuditEvent), count_rows(app, RiskAssessment),
            count_rows(app, Measure)) == before  # fmt: skip
    changed = rows(world)
    changed[2][8] = 3  # impact netto 4 -> 3
    changed[2][10] = "beheerst"
    import_file(client, world.slug, "risks", xlsx_bytes(changed), "nieuw.xlsx")
    risk = risks(app, world)[0]
    assert (risk.residual_impact, risk.residual_score, risk.status) == (3, 6, "beheerst")
    assert count_rows(app, RiskAssessment, risk_id=risk.id) == 2
    assert count_rows(app, AuditEvent, object_type="Risk", action="reassess") == 1
    assert count_rows(app, AuditEvent, object_type="Risk", action="update") == 1


@pytest.mark.parametrize("role", ["teamlid", "lezer", "bestuurder"])
def test_other_roles_may_not_import_risks(app, client, world, login_as, role):
    login_as(world, role)
    response = upload(client, world.slug, "risks", csv_bytes(rows(world)), "ril.csv")
    assert response.status_code == 403
    assert count_rows(app, Risk) == 0


def _exported(client, slug, fmt):
    response = client.get(f"/p/{slug}/risks/export.{fmt}")
    if fmt == "csv":
        text = response.data.decode("utf-8-sig")
        return response.data, list(csv.reader(io.StringIO(text), delimiter=";"))
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    return response.data, [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_imports_into_another_partnership_as_the_same_rows(app, client, world,
                                                                 make_partnership, login_as, fmt):  # fmt: skip
    other = make_partnership("ander")
    _share(app, world, other)
    with app.test_request_context():
        user = world.users["programmamanager"].id
        services.create_risk(world.partnership.id, fields(world), user)
        services.create_risk(world.partnership.id, fields(
            world, title="Gedeeld risico", shared=True, bearers=[], owner_id=None,
            residual_likelihood=5, residual_impact=5, residual_reason="Stijgt",
            strategy="accepteren", status="geaccepteerd", review_on=None,
        ), user)  # fmt: skip
    login_as(world, "programmamanager")
    data, source_rows = _exported(client, world.slug, fmt)
    assert len(source_rows) == 3
    login_as(other, "programmamanager")
    import_file(client, other.slug, "risks", data, f"export.{fmt}", all_or_nothing=True)
    _, target_rows = _exported(client, other.slug, fmt)
    assert target_rows == source_rows
    before = count_rows(app, AuditEvent)
    import_file(client, other.slug, "risks", data, f"export.{fmt}")
    assert count_rows(app, AuditEvent) == before
    assert days(0)
