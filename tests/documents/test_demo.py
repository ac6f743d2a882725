"""The demo's documents: a format with two versions on an agreement, a concept plan on a
meeting and figures on a cycle, each readable and downloadable by the partnership's members."""

from __future__ import annotations

from sqlalchemy import select

from app.agreements.models import Agreement
from app.documents.models import Document
from app.extensions import db
from app.partnerships.models import Partnership
from app.seeds import load_demo
from tests.conftest import sign_in


def eemland_documents() -> list[Document]:
    return list(
        db.session.scalars(
            select(Document)
            .join(Partnership, Partnership.id == Document.partnership_id)
            .where(Partnership.slug == "eemland-bsa")
            .order_by(Document.id)
        )
    )


def test_the_demo_documents_are_stored_checked_files_and_loading_twice_adds_none(
    demo_database, ctx
):
    documents = eemland_documents()
    assert [(d.object_kind, d.name, len(d.versions)) for d in documents] == [
        ("agreement", "Format maandrapportage sturingsinformatie BSA.pdf", 2),
        ("meeting", "Opzet gezinsplan BSA (concept).pdf", 1),
        ("cycle", "Halfjaarcijfers BSA (demo).csv", 1),
    ]
    agreement = documents[0]
    assert [v.kind for v in agreement.versions] == ["pdf", "pdf"]
    assert agreement.versions[0].uploaded_at < agreement.versions[1].uploaded_at
    assert agreement.created_at == agreement.versions[0].uploaded_at
    assert documents[2].latest.kind == "csv"
    assert not any(d.shareable or d.archived for d in documents)

    assert load_demo() == 0
    assert len(eemland_documents()) == 3


def test_a_reader_sees_and_downloads_the_demo_documents(demo_database, app, client):
    with app.app_context():
        document, csv = (eemland_documents()[i] for i in (0, 2))
        agreement = db.session.get(Agreement, document.object_id)
        ids = (document.id, csv.id)
        number = agreement.number
    sign_in(client, "lezer@eemland.test")

    page = client.get(f"/p/eemland-bsa/agreements/{number}")
    assert page.status_code == 200
    assert "Format maandrapportage sturingsinformatie BSA.pdf" in page.get_data(as_text=True)

    for version in (1, 2):
        pdf = client.get(f"/p/eemland-bsa/documents/{ids[0]}/versions/{version}")
        assert pdf.status_code == 200
        assert pdf.mimetype == "application/pdf"
        assert pdf.data.startswith(b"%PDF-")
        assert pdf.headers["Content-Disposition"].startswith("attachment")
    figures = client.get(f"/p/eemland-bsa/documents/{ids[1]}/versions/1")
    assert figures.status_code == 200
    assert "Wachttijd tot start hulp;dagen;41;36;31" in figures.get_data(as_text=True)
