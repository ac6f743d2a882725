"""The privacy guard reads the documents attached to a review: a BSN in a file blocks
finalising with the document's name and the page or cell, other hits are warnings with
their location, and a file it cannot read blocks finalising."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from flask import current_app
from flask_babel import gettext
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from app.documents import services as documents
from app.documents.files import UploadRefused, inspect
from app.documents.models import Document, DocumentVersion
from app.documents.storage import LocalStorage, new_key, storage_for
from app.errors import ServiceError
from app.extensions import db
from app.reviews import privacy, services
from app.reviews.models import CONCEPT, FINAL, Action, PrivacyConfirmation, Review
from app.timeutil import utcnow
from tests.conftest import post
from tests.documents import builders
from tests.documents.objects import counts, stored_files, text, upload
from tests.reviews.helpers import (
    add_lesson,
    audit,
    count,
    finalise,
    html,
    in_context,
    make_review,
    member,
    reload,
    text_of,
    url,
)

BSN = "123456782"


def stored_document(world, review: Review, data: bytes, name: str) -> Document:
    """A document of the review written the way an upload stores it, without the review's
    own upload check (as stored before that check, or by a file changed since)."""
    inspected = inspect(data, name, max_mb=25, room_mb=200)
    document = Document(
        partnership_id=world.partnership.id,
        object_kind="review",
        object_id=review.id,
        name=inspected.name,
        created_by_id=world.users["teamlid"].id,
    )
    db.session.add(document)
    documents.store_version(
        document, inspected, data, world.users["teamlid"].id, storage_for(current_app)
    )
    return document


def encrypted_pdf() -> bytes:
    locked = PdfWriter(clone_from=PdfReader(io.BytesIO(builders.pdf(["Verslag", "Geheim"]))))
    locked.encrypt(user_password="geheim", owner_password="eigenaar", algorithm="AES-128")
    buffer = io.BytesIO()
    locked.write(buffer)
    return buffer.getvalue()


def refused(call, message: str) -> None:
    with pytest.raises(ServiceError) as caught:
        call()
    db.session.rollback()
    assert str(caught.value.message) == message


def test_a_bsn_on_a_pdf_page_blocks_finalising_with_the_name_and_page(ctx, world):
    review = make_review(world)
    add_lesson(world, review, follow_up="action", action_owner_id=world.users["teamlid"].id)
    pages = ["Verslag van het overleg.", f"Cliënt met BSN {BSN} besproken."]
    stored_document(world, review, builders.pdf(pages), "verslag.pdf")
    refused(
        lambda: finalise(world, review),
        gettext(
            "The document “%(name)s” contains a citizen service number (BSN) at %(location)s. "
            "Remove it from the document: a BSN may not be stored.",
            name="verslag.pdf",
            location="pagina 2",
        ),
    )
    review = reload(review)
    assert (review.status, review.finalised_at) == (CONCEPT, None)
    assert count(Action) == 0


def test_a_bsn_in_a_spreadsheet_names_the_sheet_and_cell(ctx, world):
    review = make_review(world)
    data = builders.xlsx({"Cijfers": {"A1": "Cliënt", "C7": f"BSN {BSN}"}})
    stored_document(world, review, data, "cijfers.xlsx")
    refused(
        lambda: finalise(world, review),
        gettext(
            "The document “%(name)s” contains a citizen service number (BSN) at %(location)s. "
            "Remove it from the document: a BSN may not be stored.",
            name="cijfers.xlsx",
            location="blad Cijfers, cel C7",
        ),
    )
    [finding] = [f for f in services.findings(review) if f.document]
    assert (finding.field, finding.hit.kind, finding.hit.text) == (
        f"document_{services.review_documents(review)[0].id}", privacy.BSN, BSN,
    )  # fmt: skip
    assert reload(review).status == CONCEPT


def test_other_hits_in_a_document_are_warnings_to_confirm_before_finalising(ctx, world):
    review = make_review(world)
    data = builders.docx(["Het overleg ging goed.", "Contact via info@zorgaanbieder.nl."])
    stored_document(world, review, data, "notulen.docx")
    found = [f for f in services.findings(review) if f.document]
    assert [(f.hit.kind, f.hit.text, f.document, f.location) for f in found] == [
        (privacy.EMAIL, "info@zorgaanbieder.nl", "notulen.docx", "alinea 2")
    ]
    refused(
        lambda: finalise(world, review),
        gettext(
            "The privacy guard found %(n)s possible personal data. Remove them or confirm "
            "each with a reason.",
            n=1,
        ),
    )
    services.confirm_hit(
        review, member(world, "teamlid"), privacy.EMAIL, "info@zorgaanbieder.nl",
        "Algemeen adres van de aanbieder.",
    )  # fmt: skip
    assert count(PrivacyConfirmation) == 1
    assert all(f.confirmed for f in services.findings(review))
    finalise(world, review)
    assert reload(review).status == FINAL


def test_an_encrypted_document_cannot_be_checked_and_blocks_finalising(ctx, world):
    review = make_review(world)
    stored_document(world, review, encrypted_pdf(), "beveiligd.pdf")
    [problem] = services.guard_documents(review).problems
    assert problem.problem == services.UNREADABLE
    refused(
        lambda: finalise(world, review),
        gettext(
            "The document “%(name)s” cannot be read (it is encrypted or damaged), so the "
            "privacy guard cannot check it. Upload a readable version or archive the document.",
            name="beveiligd.pdf",
        ),
    )
    assert reload(review).status == CONCEPT
    # Archived, it is no longer part of the review: finalising goes ahead.
    documents.archive(services.review_documents(review)[0])
    finalise(world, review)
    assert reload(review).status == FINAL


def test_an_archived_shareable_document_is_still_checked(ctx, world):
    """The partnership reads it among the archived documents once the review is final."""
    review = make_review(world)
    document = stored_document(world, review, b"Mail a@b.nl\n", "gedeeld.txt")
    document.shareable = True
    documents.archive(document)
    [finding] = [f for f in services.findings(review) if f.document]
    assert (finding.document, finding.hit.kind) == ("gedeeld.txt", privacy.EMAIL)
    with pytest.raises(ServiceError):
        finalise(world, review)


def test_a_document_whose_file_is_gone_blocks_finalising(ctx, world):
    review = make_review(world)
    document = stored_document(world, review, b"Alleen tekst zonder gegevens.\n", "kaal.txt")
    storage_for(current_app).delete(document.latest.storage_key)
    refused(
        lambda: finalise(world, review),
        gettext(
            "The file of the document “%(name)s” cannot be found, so the privacy guard cannot "
            "check it. Upload it again or archive the document.",
            name="kaal.txt",
        ),
    )


def test_only_the_latest_version_of_current_documents_of_this_review_counts(ctx, world):
    review = make_review(world)
    other = make_review(world, title="Ander gezin")
    with_bsn = builders.pdf([f"BSN {BSN}"])
    # On another review, and archived on this one: not this review's business.
    stored_document(world, other, with_bsn, "ander.pdf")
    documents.archive(stored_document(world, review, with_bsn, "oud.pdf"))
    document = stored_document(world, review, with_bsn, "verslag.pdf")
    assert [f.document for f in services.findings(review) if f.document] == ["verslag.pdf"]
    # A newer version without the BSN: the older one stays stored, but is not shared.
    documents.add_version(
        document, builders.pdf(["Geanonimiseerd verslag."]), "verslag.pdf",
        user_id=world.users["teamlid"].id,
    )  # fmt: skip
    assert [f for f in services.findings(review) if f.document] == []
    finalise(world, review)
    assert reload(review).status == FINAL


def test_a_checked_file_is_not_read_again(ctx, world):
    review = make_review(world)
    data = builders.odt(["Bel 06-12345678 voor overleg."])
    document = stored_document(world, review, data, "afspraken.odt")
    [first] = [f for f in services.findings(review) if f.document]
    assert (first.hit.kind, first.location) == (privacy.PHONE, "alinea 1")
    # The version's bytes never change: the guard remembers its result by content.
    storage_for(current_app).delete(document.latest.storage_key)
    assert [f for f in services.findings(review) if f.document] == [first]
    # A new file is read.
    documents.add_version(
        document, b"Niets bijzonders.\n", "afspraken.txt", user_id=world.users["teamlid"].id
    )
    assert [f for f in services.findings(review) if f.document] == []


def test_the_remembered_checks_are_bounded(ctx):
    for n in range(services.CHECKS_KEPT + 10):
        services._remember(f"{n:064x}:txt", services.DocumentCheck())
    assert len(services._CHECKS) == services.CHECKS_KEPT


# --- pages ------------------------------------------------------------------------------------


def test_the_review_and_finalise_pages_show_document_hits_and_problems(app, world, login_as):
    def make():
        review = make_review(world)
        stored_document(world, review, builders.pdf(["Inleiding", "Mail a@b.nl"]), "v.pdf")
        stored_document(world, review, encrypted_pdf(), "dicht.pdf")
        return review.number

    number = in_context(app, make)
    client = login_as(world, "teamlid")
    with app.test_request_context():
        located = gettext(
            "the document “%(name)s”, %(location)s", name="v.pdf", location="pagina 2"
        )
        unreadable = gettext(
            "The document “%(name)s” cannot be read (it is encrypted or damaged), so the "
            "privacy guard cannot check it. Upload a readable version or archive the document.",
            name="dicht.pdf",
        )
    for path in (f"/{number}", f"/{number}/finalise"):
        page = text_of(html(client.get(url(world, path))))
        assert located in page and unreadable in page
    response = post(client, url(world, f"/{number}/finalise"), {"confirmed": "1"})
    assert response.status_code == 422
    assert unreadable in text_of(html(response))

    def status():
        return db.session.execute(
            select(Review.status).filter_by(partnership_id=world.partnership.id, number=number)
        ).scalar_one()

    assert in_context(app, status) == CONCEPT


def test_the_live_check_shows_the_documents_hits_while_editing(app, world, login_as):
    def make():
        review = make_review(world)
        stored_document(world, review, builders.pdf(["Mail a@b.nl"]), "v.pdf")
        return review.number

    number = in_context(app, make)
    located = in_context(
        app, gettext, "the document “%(name)s”, %(location)s", name="v.pdf", location="pagina 1"
    )
    client = login_as(world, "teamlid")
    assert located in text_of(html(client.get(url(world, f"/{number}/edit"))))
    check = url(world, "/privacy-check")
    response = post(client, check, {"case_description": "Niets.", "review_number": str(number)})
    assert located in text_of(html(response))
    # Without a review (a new one), or for a review of another organisation: no documents.
    assert located not in text_of(html(post(client, check, {"case_description": "Niets."})))
    other = login_as(world, "programmamanager")  # the municipality's
    response = post(other, check, {"case_description": "Niets.", "review_number": str(number)})
    assert response.status_code == 200
    assert "v.pdf" not in html(response)


# --- retention ----------------------------------------------------------------------------------


def test_purging_removes_the_case_documents_and_their_files(ctx, world):
    storage = storage_for(current_app)
    old = make_review(world, title="Oud")
    finalise(world, old)
    recent = make_review(world, title="Recent")
    finalise(world, recent)
    case = stored_document(world, old, b"Verslag versie 1.\n", "verslag.txt")
    documents.add_version(case, b"Verslag versie 2.\n", "verslag.txt", user_id=None)
    archived = stored_document(world, old, b"Oude bijlage.\n", "oud.txt")
    documents.archive(archived)
    shared = stored_document(world, old, b"Geanonimiseerde les.\n", "les.txt")
    shared.shareable = True
    kept_recent = stored_document(world, recent, b"Recent verslag.\n", "recent.txt")
    # Another kind of object with the same id is not the review's.
    elsewhere = Document(partnership_id=world.partnership.id, object_kind="agreement",
                         object_id=old.id, name="convenant.txt")  # fmt: skip
    db.session.add(elsewhere)
    documents.store_version(elsewhere, inspect(b"Convenant.\n", "convenant.txt", max_mb=25,
                            room_mb=200), b"Convenant.\n", None, storage)  # fmt: skip
    gone_keys = [v.storage_key for d in (case, archived) for v in d.versions]
    # A file already missing does not stop the purge.
    storage.delete(archived.latest.storage_key)
    old.finalised_at = utcnow() - timedelta(days=800)
    db.session.commit()
    ids = {name: d.id for name, d in [("case", case), ("archived", archived), ("shared", shared),
                                      ("recent", kept_recent), ("elsewhere", elsewhere)]}  # fmt: skip

    assert services.purge_expired() == 1
    db.session.expire_all()
    left = {d.id for d in db.session.scalars(select(Document))}
    assert ids["case"] not in left and ids["archived"] not in left
    assert {ids["shared"], ids["recent"], ids["elsewhere"]} <= left
    assert count(DocumentVersion, document_id=ids["case"]) == 0
    assert not any(storage.exists(key) for key in gone_keys)
    for name in ("shared", "recent", "elsewhere"):
        document = db.session.get(Document, ids[name])
        assert documents.read(document.latest).endswith(b".\n")
    [event] = [e for e in audit("Review", "purge") if e.object_id == old.id]
    assert event.changes["documents"] == [2, 0]
    assert "verslag" not in json.dumps(event.changes)
    # The documents' own history keeps what happened, without their names.
    trail = [e for e in audit("Document") if e.object_id in (ids["case"], ids["archived"])]
    assert sorted(e.action for e in trail) == ["archive", "create", "create", "new_version"]
    assert not any(name in json.dumps(e.changes) for e in trail
                   for name in ("verslag", "oud.txt"))  # fmt: skip
    shared_trail = [e for e in audit("Document") if e.object_id == ids["shared"]]
    assert shared_trail[0].changes["name"] == [None, "les.txt"]


def test_file_removal_goes_on_past_a_file_it_cannot_delete(ctx, tmp_path, caplog):
    storage = LocalStorage(tmp_path / "documents")
    keys = [new_key() for _ in range(3)]
    for key in keys:
        storage.put(key, b"x")
    # The first key's file replaced by a folder: deleting it fails.
    storage.path(keys[0]).unlink()
    storage.path(keys[0]).mkdir()
    documents.remove_files([*keys, new_key()], storage)
    assert [storage.exists(key) for key in keys] == [False, False, False]
    assert storage.path(keys[0]).is_dir()
    assert "IsADirectoryError" in caplog.text


# --- at upload ----------------------------------------------------------------------------------


def upload_refused(world, review: Review, data: bytes, name: str, message: str) -> None:
    files_before = sorted(p for p in storage_for(current_app).root.rglob("*") if p.is_file())
    with pytest.raises(UploadRefused) as caught:
        documents.attach(world.partnership.id, "review", review.id, data, name,
                         user_id=world.users["teamlid"].id)  # fmt: skip
    db.session.rollback()
    assert (str(caught.value.message), caught.value.field) == (message, "file")
    assert count(Document) == 0 and count(DocumentVersion) == 0
    files_after = sorted(p for p in storage_for(current_app).root.rglob("*") if p.is_file())
    assert files_after == files_before


def test_a_review_refuses_a_file_with_a_bsn_at_upload(ctx, world):
    review = make_review(world)
    data = builders.xlsx({"Cijfers": {"B2": f"{BSN}"}})
    upload_refused(world, review, data, "lijst.xlsx", gettext(
        "The file contains a citizen service number (BSN) at %(location)s. Remove it from the "
        "file: a BSN may not be stored.", location="blad Cijfers, cel B2",
    ))  # fmt: skip


def test_a_file_the_guard_cannot_read_is_taken_but_blocks_finalising(ctx, world):
    review = make_review(world)
    documents.attach(world.partnership.id, "review", review.id, encrypted_pdf(), "dicht.pdf",
                     user_id=world.users["teamlid"].id)  # fmt: skip
    [problem] = services.guard_documents(review).problems
    assert (problem.document.name, problem.problem) == ("dicht.pdf", services.UNREADABLE)


def test_the_upload_page_refuses_a_file_with_a_bsn_in_dutch_and_stores_nothing(
    app, world, login_as
):
    review_id = in_context(app, lambda: make_review(world).id)
    client = login_as(world, "teamlid")
    before = (counts(app), stored_files(app))
    data = builders.docx(["Verslag.", f"BSN {BSN}"])
    response = upload(client, world, "review", review_id, data, "verslag.docx")
    assert response.status_code == 422
    message = in_context(app, gettext,
        "The file contains a citizen service number (BSN) at %(location)s. Remove it from the "
        "file: a BSN may not be stored.", location="alinea 2",
    )  # fmt: skip
    assert message in text(response)
    assert (counts(app), stored_files(app)) == before


def test_a_review_takes_a_file_with_warnings_and_other_objects_are_not_checked(ctx, world):
    review = make_review(world)
    documents.attach(world.partnership.id, "review", review.id,
                     builders.pdf(["Bel 06-12345678."]), "contact.pdf", user_id=None)  # fmt: skip
    [finding] = [f for f in services.findings(review) if f.document]
    assert (finding.hit.kind, finding.location) == (privacy.PHONE, "pagina 1")
    # The guard is the review's rule: an agreement's document is not read for it.
    documents.attach(world.partnership.id, "agreement", 1, builders.pdf([f"BSN {BSN}"]),
                     "ander.pdf", user_id=None)  # fmt: skip
    assert count(Document, object_kind="agreement") == 1


def test_purging_removes_the_older_versions_of_a_shared_document(ctx, world):
    """Only a shared document's latest version was shared; the older ones are case details
    and go with them."""
    storage = storage_for(current_app)
    review = make_review(world, title="Oud")
    shared = stored_document(world, review, b"Les met 06-12345678.\n", "les.txt")
    shared.shareable = True
    documents.add_version(shared, b"Geanonimiseerde les.\n", "les.txt", user_id=None)
    finalise(world, review)
    older_key = shared.versions[0].storage_key
    review.finalised_at = utcnow() - timedelta(days=800)
    db.session.commit()
    shared_id = shared.id

    assert services.purge_expired() == 1
    db.session.expire_all()
    document = db.session.get(Document, shared_id)
    assert [v.number for v in document.versions] == [2]
    assert documents.read(document.latest) == b"Geanonimiseerde les.\n"
    assert not storage.exists(older_key)


def test_the_guard_reads_the_file_name_too(app, world, login_as):
    """A file called after the client is as much case data as its content: a BSN in the
    name is refused at upload (nothing stored), other hits are warnings to confirm."""
    review_id = in_context(app, lambda: make_review(world).id)
    client = login_as(world, "teamlid")
    before = (counts(app), stored_files(app))
    response = upload(client, world, "review", review_id, builders.pdf(["Verslag."]),
                      f"Dossier {BSN}.pdf")  # fmt: skip
    assert response.status_code == 422
    message = in_context(app, gettext,
        "The file name contains a citizen service number (BSN). Rename the file: a BSN may not "
        "be stored.",
    )  # fmt: skip
    assert message in text(response) and "burgerservicenummer (BSN) in de naam" in message
    assert (counts(app), stored_files(app)) == before

    upload(client, world, "review", review_id, builders.pdf(["Verslag."]), "Bel 06-12345678.pdf")
    with app.test_request_context():
        review = db.session.get(Review, review_id)
        [finding] = [f for f in services.findings(review) if f.document]
        assert (finding.hit.kind, finding.location) == (privacy.PHONE, "bestandsnaam")
        refused(lambda: finalise(world, review), gettext(
            "The privacy guard found %(n)s possible personal data. Remove them or confirm "
            "each with a reason.", n=1,
        ))  # fmt: skip
