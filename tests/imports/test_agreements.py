"""Importing agreements: preview, apply, errors per row, re-import, round trip of the export."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.activity.models import AuditEvent
from app.agreements import services
from app.agreements.models import Agreement, AgreementVersion
from app.extensions import db
from app.partnerships.models import Membership, Participation
from tests.agreements.helpers import days, make
from tests.conftest import count_rows
from tests.imports.helpers import apply, csv_bytes, import_file, token_of, upload, xlsx_bytes

HEADER = ["Kenmerk", "Titel", "De afspraak in één zin", "Soort", "Status", "Partijen",
          "Eigenaar", "Startdatum", "Herzieningsdatum", "Einddatum"]  # fmt: skip


def rows(world, *extra):
    municipality, provider = world.municipality.name, world.provider.name
    owner = world.users["programmamanager"].name
    return [
        HEADER,
        ["", "Wachttijden delen", "Wij delen elke maand de wachttijden.", "werkbaar", "actief",
         f"{municipality}, {provider}", owner, "1-3-2026", "1 maart 2027", ""],
        ["", "Contract jeugdhulp", "Het contract loopt door.", "hard", "concept",
         municipality, world.users["beheerder"].email, "2026-01-01", "", ""],
        *extra,
    ]  # fmt: skip


def agreements(app, world):
    with app.app_context():
        return db.session.execute(
            select(Agreement).where(Agreement.partnership_id == world.partnership.id)
            .order_by(Agreement.number)
        ).scalars().all()  # fmt: skip


def test_preview_writes_nothing_then_apply_creates_through_the_services(app, client, world,
                                                                       login_as):  # fmt: skip
    login_as(world, "programmamanager")
    preview = upload(client, world.slug, "agreements", csv_bytes(rows(world)), "lijst.csv")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Wachttijden delen" in page and "Contract jeugdhulp" in page
    assert count_rows(app, Agreement) == 0
    response = apply(client, world.slug, "agreements", token_of(preview))
    assert response.status_code == 302
    made = agreements(app, world)
    assert [(a.reference, a.title, a.kind, a.status) for a in made] == [
        ("WA-1", "Wachttijden delen", "werkbaar", "actief"),
        ("WA-2", "Contract jeugdhulp", "hard", "concept"),
    ]
    assert made[0].revisit_on.isoformat() == "2027-03-01"
    assert made[1].owner_id == world.users["beheerder"].id
    with app.app_context():
        notes = db.session.execute(select(AgreementVersion.change_note)).scalars().all()
        assert notes == ["geïmporteerd uit lijst.csv"] * 2
        actions = (
            db.session.execute(
                select(AuditEvent.action).where(AuditEvent.object_type == "Agreement")
            )
            .scalars()
            .all()
        )
        assert sorted(actions) == ["activate", "create", "create"]


def test_rows_with_errors_are_named_and_skipped(app, client, world, login_as):
    login_as(world, "beheerder")
    bad = [
        ["", "Onbekende partij", "Zin.", "hard", "", "Gemeente Nergens", "", "1-1-2026", "", ""],
        ["", "Geen lid", "Zin.", "hard", "", world.municipality.name, "Jan Onbekend",
         "1-1-2026", "", ""],
        ["", "Werkbaar zonder datum", "Zin.", "werkbaar", "", world.municipality.name, "",
         "1-1-2026", "", ""],
        ["WA-9", "Dubbel", "Zin.", "hard", "", world.municipality.name, "", "1-1-2026", "", ""],
        ["WA-9", "Dubbel twee", "Zin.", "hard", "", world.municipality.name, "", "1-1-2026", "",
         ""],
        ["", "Slechte datum", "Zin.", "hard", "", world.municipality.name, "", "32-1-2026", "",
         ""],
    ]  # fmt: skip
    preview = upload(client, world.slug, "agreements", xlsx_bytes(rows(world, *bad)), "l.xlsx")
    page = preview.get_data(as_text=True)
    for message in (
        "Onbekende partij “Gemeente Nergens”",
        "Eigenaar “Jan Onbekend” is geen lid van dit samenwerkingsverband.",
        "Een werkbare afspraak heeft een herzieningsdatum nodig.",
        "WA-9 komt meer dan eens voor in het bestand.",
        "“32-1-2026” is geen datum",
    ):
        assert message in page, message
    token = token_of(preview)
    refused = apply(client, world.slug, "agreements", token, all_or_nothing=True)
    assert refused.status_code == 422
    assert "nothing" in refused.get_data(as_text=True) or "niets" in refused.get_data(as_text=True)
    assert count_rows(app, Agreement) == 0
    response = apply(client, world.slug, "agreements", token)
    assert response.status_code == 302
    assert [a.title for a in agreements(app, world)] == ["Wachttijden delen", "Contract jeugdhulp"]


def test_reimport_changes_nothing_and_a_change_becomes_a_version(app, client, world, login_as):
    login_as(world, "programmamanager")
    data = csv_bytes(rows(world))
    import_file(client, world.slug, "agreements", data, "lijst.csv")
    before = count_rows(app, AuditEvent), count_rows(app, AgreementVersion)
    preview = upload(client, world.slug, "agreements", data, "lijst.csv")
    assert "0 aan te maken, 0 te wijzigen, 2 ongewijzigd" in preview.get_data(as_text=True)
    apply(client, world.slug, "agreements", token_of(preview))
    assert (count_rows(app, AuditEvent), count_rows(app, AgreementVersion)) == before
    changed = rows(world)
    changed[1][0] = "WA-1"
    changed[1][2] = "Wij delen elke week de wachttijden."
    import_file(client, world.slug, "agreements", csv_bytes(changed, ","), "nieuw.csv")
    first = agreements(app, world)[0]
    assert (first.summary, first.current_version) == ("Wij delen elke week de wachttijden.", 2)
    with app.app_context():
        note = db.session.execute(
            select(AgreementVersion.change_note).where(AgreementVersion.number == 2)
        ).scalar_one()
    assert note == "geïmporteerd uit nieuw.csv"


@pytest.mark.parametrize("role", ["teamlid", "partner", "lezer", "bestuurder"])
def test_other_roles_may_not_import(app, client, world, login_as, role):
    login_as(world, role)
    assert client.get(f"/p/{world.slug}/import/agreements").status_code == 403
    response = upload(client, world.slug, "agreements", csv_bytes(rows(world)), "l.csv")
    assert response.status_code == 403
    assert client.get(f"/p/{world.slug}/import/agreements/template.xlsx").status_code == 403
    assert count_rows(app, Agreement) == 0


def test_another_persons_upload_cannot_be_applied(app, client, world, login_as):
    login_as(world, "programmamanager")
    token = token_of(upload(client, world.slug, "agreements", csv_bytes(rows(world)), "l.csv"))
    login_as(world, "beheerder")
    response = apply(client, world.slug, "agreements", token)
    assert response.status_code == 422
    assert count_rows(app, Agreement) == 0
    assert apply(client, world.slug, "agreements", "../../etc/passwd").status_code == 422
    assert client.get(f"/p/{world.slug}/import/onbekend").status_code == 404


def test_bad_files_get_a_dutch_message(app, client, world, login_as):
    login_as(world, "programmamanager")
    response = upload(client, world.slug, "agreements", b"%PDF-1.7\0\0", "brief.pdf")
    assert response.status_code == 422
    assert "Dit is geen spreadsheet" in response.get_data(as_text=True)
    renamed = rows(world)
    renamed[0][1] = "Titels"
    response = upload(client, world.slug, "agreements", csv_bytes(renamed), "l.csv")
    assert "Bedoelt u “Titels”?" in response.get_data(as_text=True)
    assert 'name="token"' not in response.get_data(as_text=True)
    app.config["SAMENSPEL_IMPORT_MAX_MB"] = 0.01
    try:
        big = csv_bytes(rows(world)) + b"x" * 20_000
        response = upload(client, world.slug, "agreements", big, "groot.csv")
        assert response.status_code == 422
        assert "groter dan 0,01 MB" in response.get_data(as_text=True)
    finally:
        app.config["SAMENSPEL_IMPORT_MAX_MB"] = 5
    assert count_rows(app, Agreement) == 0


def test_a_file_above_the_app_request_limit_gets_words_not_a_bare_413(app, client, world,
                                                                      login_as):  # fmt: skip
    login_as(world, "programmamanager")
    big = csv_bytes(rows(world)) + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1_500_000)
    response = upload(client, world.slug, "agreements", big, "groot.csv")
    assert response.status_code == 422
    assert "groter dan 5 MB" in response.get_data(as_text=True)


def test_template_has_lists_and_an_explanation(app, client, world, login_as):
    login_as(world, "programmamanager")
    response = client.get(f"/p/{world.slug}/import/agreements/template.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]][:4] == [
        "Kenmerk",
        "Titel",
        "De afspraak in één zin",
        "Soort",
    ]
    formulas = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert any("$D$2:$D$3" in f for f in formulas)
    assert "Toelichting" in workbook.sheetnames
    explanation = " ".join(str(c.value) for row in workbook["Toelichting"].iter_rows() for c in row)
    assert world.municipality.name in explanation


def _share(app, source, target):
    """target takes part with source's organisations, and source's programme manager is
    a member of it too: the names in source's export mean something in target."""
    with app.app_context():
        for organisation in (source.municipality, source.provider):
            db.session.add(Participation(partnership_id=target.partnership.id,
                                         organisation_id=organisation.id))  # fmt: skip
        db.session.add(Membership(user_id=source.users["programmamanager"].id,
                                  partnership_id=target.partnership.id,
                                  organisation_id=source.municipality.id,
                                  role="programmamanager"))  # fmt: skip
        db.session.commit()


def _exported(client, slug, fmt):
    response = client.get(f"/p/{slug}/agreements/export.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        return response.data, list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")),
                                              delimiter=";"))  # fmt: skip
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    return response.data, [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_imports_into_another_partnership_as_the_same_rows(app, client, world,
                                                                 make_partnership, login_as, fmt):  # fmt: skip
    other = make_partnership("ander")
    _share(app, world, other)
    with app.test_request_context():
        make(world, active=True)
        make(world, title="Hard contract", kind="hard", revisit_on=None,
             parties=[world.municipality.id])  # fmt: skip
        make(world, title="Met einddatum", end_on=days(200), owner_id=None)
        edited = make(world, title="Bewerkt")
        services.update_agreement(
            edited, {**services.snapshot(edited), "parties": [world.provider.id],
                     "owner_id": None, "start_on": edited.start_on,
                     "revisit_on": edited.revisit_on, "end_on": None, "kind": edited.kind},
            "Partij gewijzigd", world.users["programmamanager"].id,
        )  # fmt: skip
    login_as(world, "programmamanager")
    data, source_rows = _exported(client, world.slug, fmt)
    assert len(source_rows) == 5
    sign_in_other = login_as(other, "programmamanager")
    assert sign_in_other
    import_file(client, other.slug, "agreements", data, f"export.{fmt}", all_or_nothing=True)
    _, target_rows = _exported(client, other.slug, fmt)
    version = source_rows[0].index("Versie")

    def without_version(table):
        return [[v for i, v in enumerate(row) if i != version] for row in table]

    assert without_version(target_rows) == without_version(source_rows)
    # and importing it once more changes nothing
    before = count_rows(app, AuditEvent)
    import_file(client, other.slug, "agreements", data, f"export.{fmt}")
    assert count_rows(app, AuditEvent) == before
