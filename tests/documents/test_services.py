"""Attaching, versions and archiving keep the database and the storage in step."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, insert, select

from app.documents import services
from app.documents.files import UploadRefused
from app.documents.models import Document, DocumentVersion
from app.documents.storage import LocalStorage
from app.extensions import db
from tests.documents.test_scan import EICAR, clamd_socket  # noqa: F401 (a fixture)

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "documents")


def stored_files(storage) -> list:
    return [p for p in storage.root.rglob("*") if p.is_file()] if storage.root.exists() else []


def test_attach_stores_the_file_and_one_version(app, world, storage):
    user = world.users["bestuurder"]
    with app.app_context():
        document = services.attach(
            world.partnership.id,
            "agreement",
            7,
            PDF,
            "../Convenant.pdf",
            user_id=user.id,
            storage=storage,
        )
        [listed] = services.documents_of("agreement", 7)
        assert listed.id == document.id
        assert listed.name == "Convenant.pdf"
        assert listed.partnership_id == world.partnership.id
        version = listed.latest
        assert (version.number, version.kind, version.size) == (1, "pdf", len(PDF))
        assert version.content_type == "application/pdf"
        assert version.uploaded_by_id == user.id
        assert services.read(version, storage) == PDF
        assert services.documents_of("agreement", 8) == []
    assert len(stored_files(storage)) == 1
    assert "Convenant" not in str(stored_files(storage)[0])


def test_a_new_version_keeps_the_older_ones(app, world, storage):
    user = world.users["bestuurder"]
    with app.app_context():
        document = services.attach(
            world.partnership.id, "risk", 1, PDF, "monitor.pdf", user_id=user.id, storage=storage
        )
        services.add_version(
            document, b"naam;aantal\n", "monitor-v2.csv", user_id=user.id, storage=storage
        )
        [listed] = services.documents_of("risk", 1)
        assert [v.number for v in listed.versions] == [1, 2]
        assert listed.name == "monitor-v2.csv"
        first, second = listed.versions
        assert services.read(first, storage) == PDF
        assert services.read(second, storage) == b"naam;aantal\n"
        assert second.kind == "csv"
    assert len(stored_files(storage)) == 2


def test_archived_documents_leave_the_list_but_keep_their_files(app, world, storage):
    with app.app_context():
        document = services.attach(
            world.partnership.id, "cycle", 3, PDF, "a.pdf", user_id=None, storage=storage
        )
        services.archive(document)
        assert services.documents_of("cycle", 3) == []
        [archived] = services.documents_of("cycle", 3, archived=True)
        assert services.read(archived.latest, storage) == PDF


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"", "leeg.pdf"), (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "rapport.pdf"), (PDF, "a" * 1000)],
)
def test_a_refused_upload_stores_nothing(app, world, storage, data, name):
    with app.app_context():
        with pytest.raises(UploadRefused):
            services.attach(
                world.partnership.id, "agreement", 1, data, name, user_id=None, storage=storage
            )
        assert db.session.scalar(select(func.count()).select_from(Document)) == 0
        assert db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 0
    assert stored_files(storage) == []


def test_the_total_per_object_is_limited(app, world, storage, monkeypatch):
    monkeypatch.setitem(app.config, "SAMENSPEL_DOCUMENT_OBJECT_MAX_MB", 1)
    half = PDF + b"x" * (600 * 1024)
    with app.test_request_context():
        document = services.attach(
            world.partnership.id, "meeting", 2, half, "a.pdf", user_id=None, storage=storage
        )
        with pytest.raises(UploadRefused) as refused:
            services.add_version(document, half, "b.pdf", user_id=None, storage=storage)
        assert "totale omvang" in refused.value.message
        # Another object has its own room.
        services.attach(
            world.partnership.id, "meeting", 3, half, "a.pdf", user_id=None, storage=storage
        )
        assert db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 2
    assert len(stored_files(storage)) == 2


def test_the_file_size_limit_comes_from_the_settings(app, world, storage, monkeypatch):
    monkeypatch.setitem(app.config, "SAMENSPEL_DOCUMENT_MAX_MB", 0.5)
    with app.test_request_context(), pytest.raises(UploadRefused) as refused:
        services.attach(
            world.partnership.id,
            "risk",
            1,
            PDF + b"x" * 2**20,
            "groot.pdf",
            user_id=None,
            storage=storage,
        )
    assert refused.value.message == "Het bestand is groter dan 0,5 MB."
    assert stored_files(storage) == []


def test_an_infected_file_is_refused_when_clamd_is_configured(
    app, world, storage, monkeypatch, request
):
    socket_path = request.getfixturevalue("clamd_socket")
    monkeypatch.setitem(app.config, "SAMENSPEL_CLAMD_SOCKET", socket_path)
    with app.test_request_context():
        with pytest.raises(UploadRefused) as refused:
            services.attach(
                world.partnership.id, "risk", 1, EICAR, "test.txt", user_id=None, storage=storage
            )
        assert db.session.scalar(select(func.count()).select_from(Document)) == 0
        services.attach(
            world.partnership.id, "risk", 1, b"schoon", "schoon.txt", user_id=None, storage=storage
        )
    assert refused.value.message.startswith("Het bestand bevat een virus (Samenspel.Test.Eicar")
    assert len(stored_files(storage)) == 1


def test_an_unreachable_clamd_refuses_the_upload(app, world, storage, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SAMENSPEL_CLAMD_SOCKET", str(tmp_path / "geen.sock"))
    with app.test_request_context(), pytest.raises(UploadRefused) as refused:
        services.attach(
            world.partnership.id, "risk", 1, PDF, "a.pdf", user_id=None, storage=storage
        )
    assert refused.value.message.startswith("De virusscanner is niet bereikbaar")
    assert stored_files(storage) == []


def test_a_new_version_is_numbered_after_the_stored_ones_not_the_loaded_ones(app, world, storage):
    """Two people uploading a newer version at once: the second is numbered after the
    version the first stored, not after what its own request loaded (no two versions 2)."""
    user = world.users["bestuurder"]
    with app.app_context():
        document = services.attach(
            world.partnership.id, "risk", 1, PDF, "monitor.pdf", user_id=user.id, storage=storage
        )
        assert [v.number for v in document.versions] == [1]  # loaded by this request
        db.session.execute(  # meanwhile stored by another request
            insert(DocumentVersion).values(
                document_id=document.id, number=2, name="monitor.pdf", size=len(PDF),
                kind="pdf", content_type="application/pdf", sha256="0" * 64,
                storage_key="ab/cd/abcd-elders", uploaded_by_id=user.id,
            )
        )  # fmt: skip
        version = services.add_version(
            document, PDF, "monitor.pdf", user_id=user.id, storage=storage
        )
        assert version.number == 3
        numbers = db.session.scalars(
            select(DocumentVersion.number).where(DocumentVersion.document_id == document.id)
        ).all()
        assert sorted(numbers) == [1, 2, 3]


def test_a_version_number_taken_at_the_same_moment_refuses_the_upload_and_stores_nothing(
    app, world, storage
):
    """The database refuses a second version with the same number (SQLite takes no row
    lock): the upload is refused in Dutch, its file removed, the versions unchanged."""
    user = world.users["bestuurder"]
    with app.app_context():
        document = services.attach(
            world.partnership.id, "risk", 1, PDF, "monitor.pdf", user_id=user.id, storage=storage
        )

        def other_upload_stores_version_2(session, _context, _instances):
            session.connection().execute(
                insert(DocumentVersion).values(
                    document_id=document.id, number=2, name="tegelijk.pdf", size=len(PDF),
                    kind="pdf", content_type="application/pdf", sha256="0" * 64,
                    storage_key="ab/cd/abcd-tegelijk", uploaded_by_id=user.id,
                )
            )  # fmt: skip

        event.listen(db.session(), "before_flush", other_upload_stores_version_2, once=True)
        with pytest.raises(UploadRefused) as refused:
            services.add_version(document, PDF, "monitor.pdf", user_id=user.id, storage=storage)
        assert refused.value.message.startswith("Iemand uploadde op hetzelfde moment")
        assert len(stored_files(storage)) == 1  # only the first version's file
        numbers = db.session.scalars(
            select(DocumentVersion.number).where(DocumentVersion.document_id == document.id)
        ).all()
        assert numbers == [1]
