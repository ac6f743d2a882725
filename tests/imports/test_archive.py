"""The archive of a partnership: a ZIP whose every JSON file is valid against the
documented schemas, whose counts match the database, and which leaves case details out
unless asked."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import func, select

from app.activity.models import AuditEvent
from app.agreements import services as agreements
from app.agreements.models import Agreement
from app.extensions import db
from app.reviews.models import CASE_FIELDS, Review
from app.risks import services as risks
from app.risks.models import Risk
from tests.agreements.helpers import make
from tests.reviews.helpers import (
    SECRET_CASE,
    SECRET_PARTICIPANT,
    SECRET_WELL,
    SECRETS,
    adopt_manifest,
    make_review,
)
from tests.risks.helpers import fields as risk_fields

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "archive"


def fill(app, world):
    with app.test_request_context():
        adopt_manifest(world)
        agreement = make(world)
        agreements.add_comment(agreement, world.users["teamlid"].id, "Goed plan.")
        agreements.activate(agreement, world.users["programmamanager"].id)
        make(world, title="Tweede afspraak")
        risk = risks.create_risk(world.partnership.id, risk_fields(world),
                                 world.users["programmamanager"].id)  # fmt: skip
        risks.add_comment(risk, world.users["teamlid"].id, "Zorgelijk.")
        make_review(world)


def check(app, world, data: bytes, with_case_details: bool) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    object_schema = json.loads((SCHEMAS / "object.schema.json").read_text())
    index_schema = json.loads((SCHEMAS / "index.schema.json").read_text())
    index = json.loads(archive.read("inhoud.json"))
    jsonschema.validate(index, index_schema, format_checker=jsonschema.FormatChecker())
    documents = {}
    for name in names:
        if name.endswith(".json") and "/" in name and not name.startswith("schema/"):
            document = json.loads(archive.read(name))
            jsonschema.validate(document, object_schema,
                                format_checker=jsonschema.FormatChecker())  # fmt: skip
            documents[name] = document
    with app.app_context():
        pid = world.partnership.id
        expected = {
            "agreement": db.session.scalar(
                select(func.count()).select_from(Agreement).where(Agreement.partnership_id == pid)),
            "risk": db.session.scalar(
                select(func.count()).select_from(Risk).where(Risk.partnership_id == pid)),
            "review": db.session.scalar(
                select(func.count()).select_from(Review).where(Review.partnership_id == pid)),
        }  # fmt: skip
        events = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(
                AuditEvent.partnership_id == pid, AuditEvent.object_type == "Agreement")
        )  # fmt: skip
    assert {k: index["counts"].get(k, 0) for k in expected} == expected
    for kind, count in expected.items():
        assert sum(1 for d in documents.values() if d["kind"] == kind) == count
    agreement = documents["werkafspraken/WA-1.json"]
    assert [c["body"] for c in agreement["comments"]] == ["Goed plan."]
    assert [a["action"] for a in agreement["audit"]] == ["create", "activate"]
    assert sum(len(d["audit"]) for d in documents.values() if d["kind"] == "agreement") == events
    assert agreement["versions"][0]["number"] == 1
    assert documents["risicos/R-1.json"]["comments"][0]["body"] == "Zorgelijk."
    assert "README.txt" in names and "csv/werkafspraken.csv" in names
    assert any(n.startswith("pdf/manifest-v") and n.endswith(".pdf") for n in names)
    assert archive.read([n for n in names if n.startswith("pdf/")][0]).startswith(b"%PDF")
    assert sorted(index["files"]) == sorted(n for n in names if n != "inhoud.json")
    review = documents["casusreviews/CR-1.json"]
    everything = b"".join(archive.read(n) for n in names if not n.endswith(".pdf"))
    if with_case_details:
        assert SECRET_CASE in review["fields"]["case_description"]
        assert SECRET_WELL in review["fields"]["went_well"]
        assert SECRET_PARTICIPANT in review["fields"]["participants"]
    else:
        # No case detail anywhere: not in the review's fields, its CSV row or its history.
        assert not set(CASE_FIELDS) & set(review["fields"])
        for secret in SECRETS:
            assert secret.encode() not in everything, secret
    return index


def test_the_beheerder_downloads_the_archive(app, client, world, login_as):
    fill(app, world)
    login_as(world, "beheerder")
    response = client.get(f"/p/{world.slug}/admin/archive.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    index = check(app, world, response.data, with_case_details=False)
    assert index["with_case_details"] is False
    with_details = client.get(f"/p/{world.slug}/admin/archive.zip?case_details=1")
    assert check(app, world, with_details.data, with_case_details=True)["with_case_details"]
    assert "archive.zip" in client.get(f"/p/{world.slug}/admin/security").get_data(as_text=True)


@pytest.mark.parametrize("role", ["programmamanager", "bestuurder", "lezer"])
def test_others_may_not_download_the_archive(app, client, world, login_as, role):
    login_as(world, role)
    assert client.get(f"/p/{world.slug}/admin/archive.zip").status_code == 403


def test_the_cli_writes_the_archive(app, world, tmp_path):
    fill(app, world)
    runner = app.test_cli_runner()
    target = tmp_path / "archief.zip"
    result = runner.invoke(args=["partnership", "archive", world.slug, "-o", str(target)])
    assert result.exit_code == 0, result.output
    check(app, world, target.read_bytes(), with_case_details=False)
    result = runner.invoke(args=["partnership", "archive", world.slug, "--with-case-details",
                                 "-o", str(target)])  # fmt: skip
    assert result.exit_code == 0, result.output
    check(app, world, target.read_bytes(), with_case_details=True)
    refused = runner.invoke(args=["partnership", "archive", "bestaat-niet", "-o", str(target)])
    assert refused.exit_code != 0 and "no partnership" in refused.output
