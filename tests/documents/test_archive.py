"""Documents in the partnership archive: their metadata (valid against the documented
schema) and the file of every version; a review's case documents only in an archive made
with case details, like the review's case description."""

from __future__ import annotations

import io
import json
import zipfile

from flask import current_app

from app.documents import services as documents
from app.documents.storage import storage_for
from app.exports.archive import build_archive
from app.extensions import db
from app.partnerships.models import Partnership
from tests.imports.test_archive import check, fill
from tests.reviews.helpers import finalise, make_review
from tests.search.helpers import make_agreement
from tests.tables.helpers import uid

SECRET = b"OKAPI-CASUS"


def attach(world, kind, object_id, data: bytes, name: str, **kwargs):
    return documents.attach(world.partnership.id, kind, object_id, data, name,
                            user_id=uid(world, "teamlid"), **kwargs)  # fmt: skip


def made(app, world) -> dict[str, int]:
    fill(app, world)
    with app.test_request_context():
        agreement = make_agreement(world, title="Afspraak met bijlage")
        covenant = attach(world, "agreement", agreement.id, b"Versie een.\n", "convenant.txt")
        documents.add_version(covenant, b"Versie twee.\n", "convenant.txt", user_id=None)
        old = attach(world, "agreement", agreement.id, b"Oud.\n", "oud.txt")
        documents.archive(old)
        gone = attach(world, "agreement", agreement.id, b"Kwijt.\n", "kwijt.txt")
        storage_for(current_app).delete(gone.latest.storage_key)
        concept = make_review(world, title="Concept")
        in_concept = attach(world, "review", concept.id, SECRET + b" concept\n", "concept.txt")
        final = make_review(world, title="Vastgesteld")
        case = attach(world, "review", final.id, SECRET + b" vast\n", "casus.txt")
        shared = attach(world, "review", final.id, b"Algemene les.\n", "les.txt", shareable=True)
        finalise(world, final)
        ids = {"covenant": covenant.id, "old": old.id, "gone": gone.id,
               "concept": in_concept.id, "case": case.id, "shared": shared.id}  # fmt: skip
        db.session.remove()
    return ids


def archive_of(app, world, with_case_details: bool) -> tuple[zipfile.ZipFile, dict]:
    with app.test_request_context():
        data = build_archive(db.session.get(Partnership, world.partnership.id), with_case_details)
    index = check(app, world, data, with_case_details)  # every JSON valid against the schemas
    return zipfile.ZipFile(io.BytesIO(data)), index


def test_the_archive_holds_documents_with_every_version_and_its_file(app, world):
    ids = made(app, world)
    archive, index = archive_of(app, world, with_case_details=False)
    names = archive.namelist()
    covenant = json.loads(archive.read(f"documenten/D-{ids['covenant']}.json"))
    assert covenant["kind"] == "document" and covenant["title"] == "convenant.txt"
    assert covenant["fields"]["attached_to"]["kind"] == "agreement"
    assert covenant["fields"]["case_detail"] is False
    assert [v["number"] for v in covenant["versions"]] == [1, 2]
    assert [a["action"] for a in covenant["audit"]] == ["create", "new_version"]
    for version, data in zip(covenant["versions"], (b"Versie een.\n", b"Versie twee.\n"),
                             strict=True):  # fmt: skip
        assert archive.read(version["content"]["file"]) == data
        assert version["content"]["size"] == len(data)
    # Archived documents are part of the record; a missing file leaves only its metadata.
    old = json.loads(archive.read(f"documenten/D-{ids['old']}.json"))
    assert old["fields"]["archived"] is True
    assert archive.read(old["versions"][0]["content"]["file"]) == b"Oud.\n"
    gone = json.loads(archive.read(f"documenten/D-{ids['gone']}.json"))
    assert gone["versions"][0]["content"]["file"] not in names
    # A finalised review's shareable document is not a case detail.
    shared = json.loads(archive.read(f"documenten/D-{ids['shared']}.json"))
    assert shared["fields"]["case_detail"] is False
    assert archive.read(shared["versions"][0]["content"]["file"]) == b"Algemene les.\n"
    assert index["counts"]["document"] == 4
    assert "csv/documenten.csv" in names


def test_case_documents_only_in_an_archive_with_case_details(app, world):
    ids = made(app, world)
    archive, _index = archive_of(app, world, with_case_details=False)
    names = archive.namelist()
    for key in ("concept", "case"):
        assert f"documenten/D-{ids[key]}.json" not in names
        assert not any(n.startswith(f"documenten/D-{ids[key]}/") for n in names)
    everything = b"".join(archive.read(n) for n in names if not n.endswith(".pdf"))
    assert SECRET not in everything
    assert b"casus.txt" not in everything and b"concept.txt" not in everything

    archive, index = archive_of(app, world, with_case_details=True)
    for key in ("concept", "case"):
        document = json.loads(archive.read(f"documenten/D-{ids[key]}.json"))
        assert document["fields"]["case_detail"] is True
        assert archive.read(document["versions"][0]["content"]["file"]).startswith(SECRET)
    assert index["counts"]["document"] == 6


def test_a_shared_review_document_is_in_the_archive_at_its_latest_version_only(app, world):
    """The older versions of a shared review document are case details (the privacy guard
    checked only the latest before finalising), as on the documents pages."""
    fill(app, world)
    with app.test_request_context():
        review = make_review(world, title="Gedeeld")
        shared = attach(world, "review", review.id, SECRET + b" 06-12345678\n", "les.txt",
                        shareable=True)  # fmt: skip
        documents.add_version(shared, b"Algemene les.\n", "les.txt", user_id=uid(world, "teamlid"))
        finalise(world, review)
        shared_id = shared.id
        db.session.remove()

    archive, _index = archive_of(app, world, with_case_details=False)
    document = json.loads(archive.read(f"documenten/D-{shared_id}.json"))
    assert [v["number"] for v in document["versions"]] == [2]
    assert not any(n.startswith(f"documenten/D-{shared_id}/v1-") for n in archive.namelist())
    assert SECRET not in b"".join(archive.read(n) for n in archive.namelist())

    archive, _index = archive_of(app, world, with_case_details=True)
    document = json.loads(archive.read(f"documenten/D-{shared_id}.json"))
    assert [v["number"] for v in document["versions"]] == [1, 2]
    assert archive.read(document["versions"][0]["content"]["file"]).startswith(SECRET)
