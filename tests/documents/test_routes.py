"""The documents pages: attaching, versions, archiving, downloading, refused uploads (each
with its Dutch message and nothing stored) and the documents section of an object's page."""

from __future__ import annotations

import io
import re
from urllib.parse import quote, unquote

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.activity.models import AuditEvent
from app.documents import services
from app.documents.models import Document
from app.documents.views import content_disposition, file_size, limits
from app.extensions import db
from app.policy import TABLE_MANAGE
from app.tables import services as tables
from app.tables.models import Comment, Conversation
from tests.agreements.helpers import make_in as make_agreement_in
from tests.conftest import csrf_token
from tests.documents.objects import (
    CSV,
    ELF,
    PDF,
    PDF_TWO,
    counts,
    document_of,
    finalise_directly,
    make_objects,
    stored_files,
    text,
    upload,
    upload_url,
)


@pytest.fixture
def made(app, world):
    return make_objects(app, world)


def events(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.object_type == "Document")
        if action:
            query = query.where(AuditEvent.action == action)
        found = list(db.session.scalars(query.order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found


def test_attaching_a_pdf_to_an_agreement_shows_it_on_the_page(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    response = upload(client, world, "agreement", made.ids["agreement"], name="Convenant 2026.pdf")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/agreements/1#documents")
    page = text(client.get(response.headers["Location"]))
    assert "“Convenant 2026.pdf” is toegevoegd." in page
    assert "Convenant 2026.pdf" in page and "48 bytes" in page and ">PDF<" in page
    assert "Programmamanager testverband" in page
    document = document_of(app, "agreement", made.ids["agreement"])
    assert document.partnership_id == world.partnership.id
    [event] = events(app, "create")
    assert event.changes["name"] == [None, "Convenant 2026.pdf"]
    assert event.actor_id == world.users["programmamanager"].id
    # The agreement's history shows the upload.
    history = text(client.get(f"/p/{world.slug}/history/agreement/{made.ids['agreement']}"))
    assert "Document" in history and "Convenant 2026.pdf" in history


def test_the_empty_table_names_its_own_object_and_gives_way_to_the_first_document(app, world, made, client, login_as):  # fmt: skip
    # An object without documents shows an empty table that is kept between requests
    # (the same for every reader of that object): it must name its own object, and be gone
    # once the object has a document.
    login_as(world, "programmamanager")
    agreement = text(client.get(f"/p/{world.slug}/agreements/{made.ids['agreement']}"))
    risk = text(client.get(f"/p/{world.slug}/risks/{made.ids['risk']}"))
    assert "Nog geen documenten." in agreement and "Nog geen documenten." in risk
    [agreement_caption] = re.findall(r"Documenten van [^<]+", agreement)
    [risk_caption] = re.findall(r"Documenten van [^<]+", risk)
    assert agreement_caption != risk_caption
    again = text(client.get(f"/p/{world.slug}/agreements/{made.ids['agreement']}"))
    assert re.findall(r"Documenten van [^<]+", again) == [agreement_caption]

    upload(client, world, "agreement", made.ids["agreement"], name="Convenant 2026.pdf")
    agreement = text(client.get(f"/p/{world.slug}/agreements/{made.ids['agreement']}"))
    assert "Convenant 2026.pdf" in agreement and "Nog geen documenten." not in agreement
    assert re.findall(r"Documenten van [^<]+", agreement) == [agreement_caption]
    risk = text(client.get(f"/p/{world.slug}/risks/{made.ids['risk']}"))
    assert "Nog geen documenten." in risk and "Convenant 2026.pdf" not in risk


def test_the_kept_empty_table_names_the_object_escaped(app, world, client, login_as):
    number = make_agreement_in(app, world, title='Regie <b>"&"</b> [[object]]')
    login_as(world, "programmamanager")
    page = client.get(f"/p/{world.slug}/agreements/{number}").get_data(as_text=True)
    assert "<b>" not in page.split('id="documents"')[1]
    [caption] = re.findall(r"Documenten van [^<]*Regie[^<]*", page)
    assert "&lt;b&gt;" in caption and "[[object]]" in caption  # the title's own text stays


def test_a_new_version_keeps_the_older_one_downloadable(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    upload(client, world, "agreement", made.ids["agreement"])
    document = document_of(app, "agreement", made.ids["agreement"])
    form_page = client.get(f"/p/{world.slug}/documents/{document.id}/version")
    assert form_page.status_code == 200
    assert "De huidige versie is versie 1." in text(form_page)

    response = client.post(
        f"/p/{world.slug}/documents/{document.id}/version",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(PDF_TWO), "Convenant-getekend.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip

    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Versie 2 van “Convenant-getekend.pdf” is geüpload." in page
    assert "2 versies" in page and "Versie 1: Convenant.pdf" in page
    first = client.get(f"/p/{world.slug}/documents/{document.id}/versions/1")
    second = client.get(f"/p/{world.slug}/documents/{document.id}/versions/2")
    assert first.data == PDF and second.data == PDF_TWO
    [event] = events(app, "new_version")
    assert event.changes["document_version"] == [1, 2]
    assert event.changes["name"] == ["Convenant.pdf", "Convenant-getekend.pdf"]


def test_a_download_is_an_attachment_of_the_stored_type_never_cached(
    app, world, made, client, login_as
):
    login_as(world, "programmamanager")
    name = "Overeenkomst café.pdf"
    upload(client, world, "agreement", made.ids["agreement"], name=name)
    document = document_of(app, "agreement", made.ids["agreement"])

    response = client.get(f"/p/{world.slug}/documents/{document.id}/versions/1")

    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="Overeenkomst caf_.pdf"' in disposition
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    # No other version, no other document.
    assert client.get(f"/p/{world.slug}/documents/{document.id}/versions/2").status_code == 404
    assert client.get(f"/p/{world.slug}/documents/{document.id + 1}/versions/1").status_code == 404


def test_a_download_gets_the_extension_of_the_type_found_in_the_content(
    app, world, made, client, login_as
):
    login_as(world, "programmamanager")
    upload(client, world, "risk", made.ids["risk"], data=CSV, name="cijfers")
    document = document_of(app, "risk", made.ids["risk"])

    response = client.get(f"/p/{world.slug}/documents/{document.id}/versions/1")

    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert 'filename="cijfers.txt"' in response.headers["Content-Disposition"]


def test_archiving_asks_first_then_moves_the_document_to_the_archived_list(
    app, world, made, client, login_as
):
    login_as(world, "programmamanager")
    upload(client, world, "agreement", made.ids["agreement"])
    document = document_of(app, "agreement", made.ids["agreement"])
    url = f"/p/{world.slug}/documents/{document.id}/archive"

    asked = client.get(url)
    unconfirmed = client.post(url, data={"csrf_token": csrf_token(client)})
    assert asked.status_code == unconfirmed.status_code == 200
    assert "“Convenant.pdf” archiveren?" in text(asked)
    assert not document_of(app, "agreement", made.ids["agreement"]).archived
    assert events(app, "archive") == []

    done = client.post(url, data={"csrf_token": csrf_token(client), "confirmed": "1"})

    assert done.status_code == 302
    page = text(client.get(done.headers["Location"]))
    assert "“Convenant.pdf” is gearchiveerd." in page
    assert "Nog geen documenten." in page
    assert document_of(app, "agreement", made.ids["agreement"]).archived
    archived = text(
        client.get(f"/p/{world.slug}/documents/agreement/{made.ids['agreement']}/archived")
    )
    assert "Convenant.pdf" in archived
    # Still downloadable; not archived twice, no new version of an archived document.
    assert client.get(f"/p/{world.slug}/documents/{document.id}/versions/1").data == PDF
    again = client.post(url, data={"csrf_token": csrf_token(client), "confirmed": "1"})
    assert again.status_code == 403
    assert client.get(f"/p/{world.slug}/documents/{document.id}/version").status_code == 403
    [event] = events(app, "archive")
    assert event.changes["archived"] == [False, True]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "leeg.pdf", "Het bestand is leeg."),
        (ELF, "rapport.pdf", "Dit type bestand wordt niet geaccepteerd."),
        (b"GIF89a" + b"\x00" * 50, "plaatje.gif", "Dit type bestand wordt niet geaccepteerd."),
        (PDF, "a" * 996 + ".pdf", "255"),
    ],
    ids=["empty", "executable-named-pdf", "wrong-type", "name-of-1000-characters"],
)
def test_a_bad_upload_gets_a_dutch_message_and_stores_nothing(app, world, made, client, login_as, data, name, message):  # fmt: skip
    login_as(world, "programmamanager")
    files_before = len(stored_files(app))

    response = upload(client, world, "agreement", made.ids["agreement"], data=data, name=name)

    assert response.status_code == 422
    assert message in text(response)
    assert counts(app) == (0, 0)
    assert len(stored_files(app)) == files_before
    assert events(app) == []


def test_no_file_chosen_is_refused(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    response = client.post(
        upload_url(world, "agreement", made.ids["agreement"]),
        data={"csrf_token": csrf_token(client)}, content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 422
    assert "Kies een bestand." in text(response)
    assert counts(app) == (0, 0)


def test_a_file_over_the_limit_is_refused_in_words(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    app.config["SAMENSPEL_DOCUMENT_MAX_MB"] = 0.01  # 10 kB
    try:
        files_before = len(stored_files(app))
        response = upload(
            client, world, "agreement", made.ids["agreement"], data=PDF + b" " * 20_000
        )
    finally:
        app.config["SAMENSPEL_DOCUMENT_MAX_MB"] = 25.0
    assert response.status_code == 422
    assert "Het bestand is groter dan 0,01 MB." in text(response)
    assert counts(app) == (0, 0)
    assert len(stored_files(app)) == files_before


def test_a_body_over_the_request_limit_gets_the_dutch_413_page(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    app.config["SAMENSPEL_DOCUMENT_MAX_MB"] = 0.01
    try:
        # Over the file limit plus the 1 MB the form may add: refused before it is read.
        big = PDF + b" " * (2**20 + 20_000)
        response = upload(client, world, "agreement", made.ids["agreement"], data=big)
        htmx = upload(client, world, "agreement", made.ids["agreement"], data=big,
                      headers={"HX-Request": "true"})  # fmt: skip
    finally:
        app.config["SAMENSPEL_DOCUMENT_MAX_MB"] = 25.0
    assert response.status_code == 413
    assert "Het bestand is groter dan 0,01 MB." in text(response)
    assert "<html" in response.get_data(as_text=True)
    # htmx gets the documents section with the message in the form, to swap in.
    assert htmx.status_code == 413
    body = htmx.get_data(as_text=True)
    assert "<html" not in body and 'id="documents"' in body
    assert "Het bestand is groter dan 0,01 MB." in text(htmx)
    assert counts(app) == (0, 0)


def test_the_request_limit_of_an_upload_fits_the_document_limit(app, world, made, client, login_as):
    """A 5 MB file is over the app's general 4 MB body limit, not over the documents' 25 MB."""
    login_as(world, "programmamanager")
    big = PDF + b" " * (5 * 2**20)
    response = upload(client, world, "agreement", made.ids["agreement"], data=big)
    assert response.status_code == 302
    assert counts(app) == (1, 1)
    # Other pages keep the general limit.
    refused = client.post(
        f"/p/{world.slug}/agreements/new", data={"csrf_token": csrf_token(client), "title": "x" * (5 * 2**20)}
    )  # fmt: skip
    assert refused.status_code == 413


def truncated_body(client, boundary: str, cut: int) -> tuple[bytes, int]:
    """A real multipart body of a PDF upload, cut `cut` bytes before its end; and the
    length the whole body would have had (which Content-Length announces)."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{csrf_token(client)}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="rapport.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + PDF * 200
    whole = head + f"\r\n--{boundary}--\r\n".encode()
    return whole[: len(whole) - cut], len(whole)


@pytest.mark.parametrize(
    "cut", [20, 500, 4000], ids=["in-the-closing-boundary", "inside-the-file", "most-of-it"]
)
def test_an_interrupted_upload_says_so_in_dutch_and_stores_nothing(app, world, made, client, login_as, cut):  # fmt: skip
    login_as(world, "programmamanager")
    files_before = len(stored_files(app))
    body, announced = truncated_body(client, "grens123", cut)

    response = client.post(
        upload_url(world, "agreement", made.ids["agreement"]),
        input_stream=io.BytesIO(body),
        content_type="multipart/form-data; boundary=grens123",
        headers={"Content-Length": str(announced)},
    )

    assert response.status_code == 400
    assert "Het uploaden is onderbroken voordat het hele bestand binnen was" in text(response)
    assert counts(app) == (0, 0)
    assert len(stored_files(app)) == files_before


def test_a_malformed_multipart_body_is_refused_the_same_way(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    body, _announced = truncated_body(client, "grens123", 0)
    response = client.post(
        upload_url(world, "agreement", made.ids["agreement"]),
        data=body.replace(b"--grens123--", b"--andere--"),
        content_type="multipart/form-data; boundary=grens123",
    )
    assert response.status_code == 400
    assert "Het uploaden is onderbroken" in text(response)
    assert counts(app) == (0, 0)


def test_an_expired_form_is_still_the_expired_form_message(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    response = client.post(
        upload_url(world, "agreement", made.ids["agreement"]),
        data={"csrf_token": "verlopen", "file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Het formulier is verlopen" in text(response)
    assert counts(app) == (0, 0)


def test_an_htmx_upload_replaces_the_section(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    response = upload(
        client, world, "agreement", made.ids["agreement"], headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<section class="ss-documents" id="documents"')
    assert "“Convenant.pdf” is toegevoegd." in body and "Convenant.pdf" in body
    refused = upload(client, world, "agreement", made.ids["agreement"], data=b"",
                     headers={"HX-Request": "true"})  # fmt: skip
    assert refused.status_code == 422
    assert "Het bestand is leeg." in text(refused)
    assert counts(app) == (1, 1)


def test_the_shareable_mark_is_offered_for_reviews_only(app, world, made, client, login_as):
    login_as(world, "teamlid")
    review_page = text(client.get(f"/p/{world.slug}/reviews/1"))
    assert "Deelbaar: het hele samenwerkingsverband" in review_page
    upload(client, world, "review", made.concept_review, shareable=True)
    assert document_of(app, "review", made.concept_review).shareable

    login_as(world, "programmamanager")
    assert "Deelbaar" not in text(client.get(f"/p/{world.slug}/agreements/1"))
    upload(client, world, "agreement", made.ids["agreement"], shareable=True)
    assert not document_of(app, "agreement", made.ids["agreement"]).shareable


def test_a_finalised_reviews_documents_reach_other_organisations_only_when_shareable(app, world, made, client, login_as):  # fmt: skip
    login_as(world, "teamlid")
    upload(client, world, "review", made.final_review, name="Verslag.pdf")
    upload(client, world, "review", made.final_review, name="Samenvatting.pdf", shareable=True)
    finalise_directly(app, made.final_review)
    login_as(world, "programmamanager")  # of the municipality

    page = text(client.get(f"/p/{world.slug}/reviews/2"))

    assert "Samenvatting.pdf" in page
    assert "Verslag.pdf" not in page
    # The activity page does not name the review's documents of another organisation.
    activity = text(client.get(f"/p/{world.slug}/activity"))
    assert "Verslag.pdf" not in activity and "Samenvatting.pdf" not in activity


def test_documents_pages_of_unknown_kinds_or_objects_are_404(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    assert client.get(f"/p/{world.slug}/documents/principle/1").status_code == 404
    assert client.get(f"/p/{world.slug}/documents/agreement/999").status_code == 404
    assert upload(client, world, "nothing", 1).status_code == 404
    assert counts(app) == (0, 0)


def test_a_comments_documents_page_links_back_to_the_comment(app, world, made, client, login_as):
    login_as(world, "teamlid")
    response = upload(client, world, "comment", made.ids["comment"], data=CSV, name="cijfers.csv")
    assert response.status_code == 302
    assert f"#comment-{made.ids['comment']}" in response.headers["Location"]
    conversation = text(client.get(response.headers["Location"]))
    assert f"/documents/comment/{made.ids['comment']}" in conversation
    page = text(client.get(f"/p/{world.slug}/documents/comment/{made.ids['comment']}"))
    assert "cijfers.csv" in page and "Reactie van Teamlid testverband" in page


def test_the_ascii_fallback_name_has_no_quotes_or_separators():
    disposition = content_disposition('a"b\\c;d%e\u202e.pdf')
    assert disposition.startswith('attachment; filename="a_b_c_d_e_.pdf"; ')
    assert disposition.endswith("filename*=UTF-8''a%22b%5Cc%3Bd%25e%E2%80%AE.pdf")


@pytest.mark.parametrize(
    ("size", "shown"),
    [(812, "812 bytes"), (14_200, "14 kB"), (2_400_000, "2,4 MB"), (25_000_000, "25 MB")],
)
def test_sizes_are_shown_the_dutch_way(app, size, shown):
    with app.test_request_context():
        assert file_size(size) == shown


def test_the_section_costs_the_same_queries_for_one_or_many_documents(app, make_partnership, count_queries, client, login_as):  # fmt: skip
    results = []
    for slug, documents in (("klein", 1), ("groot", 12)):
        world = make_partnership(slug)
        made = make_objects(app, world)
        with app.test_request_context():
            for n in range(documents):
                document = services.attach(
                    world.partnership.id, "agreement", made.ids["agreement"], PDF, f"d{n}.pdf",
                    user_id=world.users[("programmamanager", "beheerder")[n % 2]].id,
                )  # fmt: skip
                services.add_version(
                    document, PDF_TWO, f"d{n}-v2.pdf", user_id=world.users["teamlid"].id
                )
            db.session.remove()
        login_as(world, "programmamanager")
        page = f"/p/{slug}/agreements/1"
        client.get(page)
        with count_queries() as statements:
            body = text(client.get(page))
        assert body.count("2 versies") == documents
        results.append(len(statements))
        with app.app_context():
            assert db.session.scalar(select(func.count(Document.id)).where(Document.partnership_id == world.partnership.id)) == documents  # fmt: skip
    assert results[0] == results[1]


def test_documents_of_is_two_queries(app, world, made, count_queries):
    with app.test_request_context():
        for n in range(5):
            document = services.attach(world.partnership.id, "risk", made.ids["risk"], PDF, f"r{n}.pdf", user_id=None)  # fmt: skip
            services.add_version(document, PDF_TWO, f"r{n}b.pdf", user_id=None)
        db.session.remove()
    with app.app_context(), count_queries() as statements:
        found = services.documents_of("risk", made.ids["risk"])
        assert [len(d.versions) for d in found] == [2] * 5
    assert len(statements) == 2


def test_a_reviews_history_names_its_documents_only_inside_the_organisation(app, world, made, client, login_as):  # fmt: skip
    login_as(world, "teamlid")
    upload(client, world, "review", made.final_review, name="Casusverslag.pdf")
    finalise_directly(app, made.final_review)
    history = f"/p/{world.slug}/history/review/{made.final_review}"
    assert "Casusverslag.pdf" in text(client.get(history))

    login_as(world, "programmamanager")  # of the municipality
    page = client.get(history)
    assert page.status_code == 200
    assert "Casusverslag.pdf" not in text(page)


def test_a_newer_version_cut_off_or_too_large_stores_nothing(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    upload(client, world, "agreement", made.ids["agreement"])
    document = document_of(app, "agreement", made.ids["agreement"])
    url = f"/p/{world.slug}/documents/{document.id}/version"
    files_before = len(stored_files(app))
    body, announced = truncated_body(client, "grens9", 300)

    cut = client.post(url, input_stream=io.BytesIO(body), content_type="multipart/form-data; boundary=grens9",
                      headers={"Content-Length": str(announced)})  # fmt: skip
    app.config["SAMENSPEL_DOCUMENT_MAX_MB"] = 0.01
    try:
        big = client.post(url, data={"csrf_token": csrf_token(client),
                                     "file": (io.BytesIO(PDF + b" " * (2**20 + 20_000)), "groot.pdf")},
                          content_type="multipart/form-data")  # fmt: skip
    finally:
        app.config["SAMENSPEL_DOCUMENT_MAX_MB"] = 25.0

    assert cut.status_code == 400
    assert "Het uploaden is onderbroken" in text(cut)
    assert big.status_code == 413
    assert "Het bestand is groter dan 0,01 MB." in text(big)
    assert counts(app) == (1, 1)
    assert len(stored_files(app)) == files_before
    assert events(app, "new_version") == []


def test_a_comments_documents_follow_the_conversation_and_moderation(app, world, made, client, login_as):  # fmt: skip
    login_as(world, "teamlid")
    upload(client, world, "comment", made.ids["comment"], data=CSV, name="cijfers.csv")
    document = document_of(app, "comment", made.ids["comment"])
    download = f"/p/{world.slug}/documents/{document.id}/versions/1"
    with app.test_request_context():
        comment = db.session.get(Comment, made.ids["comment"])
        conversation = db.session.get(Conversation, comment.conversation_id)
        manager = world.users["programmamanager"].id
        tables.close_conversation(conversation, TABLE_MANAGE, manager, "Afgesproken.")
        db.session.remove()

    # Closed: nobody attaches any more (reading goes on).
    for role in ("teamlid", "programmamanager"):
        login_as(world, role)
        assert upload(client, world, "comment", made.ids["comment"]).status_code == 403
        assert client.get(download).status_code == 200
    with app.test_request_context():
        comment = db.session.get(Comment, made.ids["comment"])
        tables.hide_comment(comment, TABLE_MANAGE, manager, "Persoonsgegevens.")
        db.session.remove()

    # Hidden: its documents are for the table's moderators only.
    statuses = {}
    for role in ("teamlid", "partner", "lezer", "bestuurder", "programmamanager"):
        login_as(world, role)
        statuses[role] = client.get(download).status_code
    assert statuses == {
        "teamlid": 404, "partner": 404, "lezer": 404, "bestuurder": 200, "programmamanager": 200,
    }  # fmt: skip


def test_the_history_says_a_new_version_was_uploaded(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    upload(client, world, "risk", made.ids["risk"], name="Monitor.pdf")
    document = document_of(app, "risk", made.ids["risk"])
    client.post(
        f"/p/{world.slug}/documents/{document.id}/version",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(PDF_TWO), "Monitor-2.pdf")},
        content_type="multipart/form-data",
    )
    history = text(client.get(f"/p/{world.slug}/history/risk/{made.ids['risk']}"))
    assert "nieuwe versie geüpload · Document" in history
    assert "Monitor.pdf" in history and "Monitor-2.pdf" in history


def test_an_object_full_of_documents_takes_no_more(app, world, made, client, login_as):
    login_as(world, "programmamanager")
    app.config["SAMENSPEL_DOCUMENT_OBJECT_MAX_MB"] = 0.05  # about 52 kB for all of them
    try:
        first = upload(client, world, "cycle", made.ids["cycle"], data=PDF + b" " * 40_000)
        files_before = len(stored_files(app))
        second = upload(
            client, world, "cycle", made.ids["cycle"], data=PDF + b" " * 20_000, name="b.pdf"
        )
    finally:
        app.config["SAMENSPEL_DOCUMENT_OBJECT_MAX_MB"] = 200.0
    assert first.status_code == 302
    assert second.status_code == 422
    assert "Hiermee wordt de totale omvang van documenten die bij dit onderdeel mag" in text(second)
    assert counts(app) == (1, 1)
    assert len(stored_files(app)) == files_before


def test_other_organisations_read_only_the_latest_version_of_a_shared_review_document(app, world, made, client, login_as):  # fmt: skip
    """Removing personal data from a shared document means uploading a newer version: the
    privacy guard checks that one, so the older ones stay inside the organisation."""
    login_as(world, "teamlid")
    upload(client, world, "review", made.concept_review, data=b"Bel Jan op 06-12345678.\n",
           name="Samenvatting.txt", shareable=True)  # fmt: skip
    document = document_of(app, "review", made.concept_review)
    client.post(
        f"/p/{world.slug}/documents/{document.id}/version",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(b"Geanonimiseerd.\n"), "Samenvatting.txt")},
        content_type="multipart/form-data",
    )  # fmt: skip
    finalise_directly(app, made.concept_review)
    base = f"/p/{world.slug}/documents/{document.id}/versions"
    assert client.get(f"{base}/1").data == b"Bel Jan op 06-12345678.\n"

    login_as(world, "programmamanager")  # of the municipality
    assert client.get(f"{base}/2").status_code == 200
    assert client.get(f"{base}/1").status_code == 404
    page = text(client.get(f"/p/{world.slug}/reviews/1"))
    assert "Samenvatting.txt" in page
    assert "2 versies" not in page and "Versie 1" not in page


@pytest.mark.parametrize(
    ("raw", "stored", "fallback"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf", "passwd.pdf"),
        ("nota\x00.exe.pdf", "nota .exe.pdf", "nota .exe.pdf"),
        ("\u202efdp.exe", "fdp.exe", "fdp.exe.pdf"),
        ("%2e%2e%2fverslag.pdf", "%2e%2e%2fverslag.pdf", "_2e_2e_2fverslag.pdf"),
        ("a;b=c'.pdf", "a;b=c'.pdf", "a_b=c'.pdf"),
    ],
    ids=["slashes", "nul", "rtl-override", "percent", "separators"],
)
def test_an_odd_file_name_is_cleaned_and_downloads_as_a_plain_attachment(app, world, made, client, login_as, raw, stored, fallback):  # fmt: skip
    login_as(world, "programmamanager")
    assert upload(client, world, "agreement", made.ids["agreement"], name=raw).status_code == 302
    document = document_of(app, "agreement", made.ids["agreement"])
    assert document.name == stored

    response = client.get(f"/p/{world.slug}/documents/{document.id}/versions/1")

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    assert unquote(disposition.split("UTF-8''")[1]) in (stored, f"{stored}.pdf")
    assert not any(c in disposition for c in "\r\n\x00/\\\u202e")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("data", "content_type", "download"),
    [
        (
            b"<html><script>alert(document.cookie)</script></html>",
            "text/plain; charset=utf-8",
            "rapport.pdf.txt",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "text/plain; charset=utf-8",
            "rapport.pdf.txt",
        ),
        (b"fetch('/p/x').then(r => r.text())", "text/plain; charset=utf-8", "rapport.pdf.txt"),
        (b"%PDF-1.4\n<html><script>alert(1)</script></html>", "application/pdf", "rapport.pdf"),
        (
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 20 + b"<script>alert(1)</script>",
            "image/png",
            "rapport.pdf.png",
        ),
    ],
    ids=["html", "svg", "javascript", "pdf-html-polyglot", "png-html-polyglot"],
)
def test_markup_named_pdf_is_never_served_as_markup(app, world, made, client, login_as, data, content_type, download):  # fmt: skip
    login_as(world, "programmamanager")
    upload(client, world, "agreement", made.ids["agreement"], data=data, name="rapport.pdf")
    document = document_of(app, "agreement", made.ids["agreement"])

    response = client.get(f"/p/{world.slug}/documents/{document.id}/versions/1")

    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{download}"')


def test_no_line_break_reaches_the_download_header():
    disposition = content_disposition("a\r\nSet-Cookie: x=1\n.pdf")
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith('attachment; filename="a__Set-Cookie: x=1_.pdf"; ')


def test_an_archived_case_document_stays_closed_to_other_organisations(app, world, made, client, login_as):  # fmt: skip
    login_as(world, "teamlid")
    upload(client, world, "review", made.concept_review, name="Casus-verslag.pdf")
    document = document_of(app, "review", made.concept_review)
    client.post(f"/p/{world.slug}/documents/{document.id}/archive",
                data={"csrf_token": csrf_token(client), "confirmed": "1"})  # fmt: skip
    assert document_of(app, "review", made.concept_review).archived
    before = (counts(app), len(events(app)))

    for role in ("beheerder", "programmamanager"):  # of the municipality
        login_as(world, role)
        base = f"/p/{world.slug}/documents"
        archived = client.get(f"{base}/review/{made.concept_review}/archived")
        assert "Casus-verslag.pdf" not in text(archived)
        assert client.get(f"{base}/{document.id}/versions/1").status_code == 404
        assert client.get(f"{base}/{document.id}/version").status_code == 404
        version = client.post(f"{base}/{document.id}/version", data={
            "csrf_token": csrf_token(client), "file": (io.BytesIO(PDF), "Nieuw.pdf"),
        }, content_type="multipart/form-data")  # fmt: skip
        assert version.status_code == 404
    assert (counts(app), len(events(app))) == before


def test_the_upload_limits_are_written_in_the_language_of_the_page(app, monkeypatch):
    monkeypatch.setitem(app.config, "SAMENSPEL_DOCUMENT_MAX_MB", 2.5)
    monkeypatch.setitem(app.config, "SAMENSPEL_DOCUMENT_OBJECT_MAX_MB", 1500)
    with app.test_request_context():
        with force_locale("nl"):
            dutch = limits()
        with force_locale("en"):
            english = limits()
        dutch["max_mb"] = "changed"  # each caller its own
        with force_locale("nl"):
            assert limits()["max_mb"] == "2,5"
    assert (dutch["object_mb"], english["max_mb"], english["object_mb"]) == (
        "1.500",
        "2.5",
        "1,500",
    )
    assert english["accept"] and english["accept"] == dutch["accept"]
    monkeypatch.setitem(app.config, "SAMENSPEL_DOCUMENT_MAX_MB", 10)
    with app.test_request_context(), force_locale("nl"):
        assert limits()["max_mb"] == "10"
