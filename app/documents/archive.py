"""What documents put in a partnership's archive (app.exports.archive): one JSON document
per document with its versions (name, size, type, sha256, who and when) and the stored
file of every version under documenten/D-<id>/.

A review's documents are case details unless its area lets the whole partnership read
them (a finalised review's document marked "deelbaar", see policy.may_read_document): like
the review's case description, they are in an archive made with case details only."""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import registry
from app.auth.models import User
from app.documents import services
from app.documents.models import Document, DocumentVersion
from app.documents.storage import storage_for
from app.extensions import db
from app.registry import ArchivePart

FOLDER = "documenten"


def is_case_detail(document: Document) -> bool:
    """Whether only one organisation may read the document (a review's case document)."""
    attachable = registry.attachables.get(document.object_kind)
    if attachable is None or attachable.search_scope is None:
        return False
    scope = attachable.search_scope(document)
    return scope is not None and scope.organisation_id is not None


def archived_versions(document: Document, with_case_details: bool) -> list[DocumentVersion]:
    """The versions the archive holds: of a document shared beyond its organisation, without
    case details, only the latest (the older ones are case details, see
    policy.may_read_version)."""
    attachable = registry.attachables.get(document.object_kind)
    if with_case_details or attachable is None or not attachable.case_details:
        return list(document.versions)
    return [document.latest]


def archived_documents(partnership_id: int, with_case_details: bool) -> list[Document]:
    """The partnership's documents the archive holds, archived ones too, with versions."""
    found = db.session.scalars(
        select(Document)
        .where(Document.partnership_id == partnership_id)
        .options(selectinload(Document.versions))
        .order_by(Document.id)
    )
    return [d for d in found if with_case_details or not is_case_detail(d)]


def file_path(document: Document, version: DocumentVersion) -> str:
    # The stored name has no folders or control characters (app.documents.files).
    return f"{FOLDER}/D-{document.id}/v{version.number}-{version.name}"


def documents(partnership_id: int, with_case_details: bool) -> list[dict]:
    found = archived_documents(partnership_id, with_case_details)
    user_ids = {d.created_by_id for d in found} | {
        v.uploaded_by_id for d in found for v in archived_versions(d, with_case_details)
    }
    names = dict(
        db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids - {None}))).all()
    )
    return [{
        "kind": "document", "id": d.id, "reference": f"D-{d.id}", "title": d.name,
        "audit_type": "Document",
        "fields": {
            "name": d.name, "attached_to": {"kind": d.object_kind, "id": d.object_id},
            "shareable": d.shareable, "archived": d.archived, "case_detail": is_case_detail(d),
            "created_at": d.created_at, "created_by": names.get(d.created_by_id),
        },
        "versions": [{
            "number": v.number, "at": v.uploaded_at, "by": names.get(v.uploaded_by_id),
            "note": "",
            "content": {"name": v.name, "size": v.size, "kind": v.kind,
                        "content_type": v.content_type, "sha256": v.sha256,
                        "file": file_path(d, v)},
        } for v in archived_versions(d, with_case_details)],
        "decisions": [], "comments": [],
    } for d in found]  # fmt: skip


def files(partnership_id: int, with_case_details: bool) -> Iterator[tuple[str, bytes]]:
    """Every version's stored file, read one at a time (a file missing from the storage is
    left out and logged: its metadata and sha256 are still in the archive)."""
    storage = storage_for(current_app)
    for document in archived_documents(partnership_id, with_case_details):
        for version in archived_versions(document, with_case_details):
            try:
                data = services.read(version, storage)
            except (OSError, KeyError):
                current_app.logger.warning("archive: file of document version %s missing",
                                           version.id)  # fmt: skip
                continue
            yield file_path(document, version), data


PART = ArchivePart(documents, files)
