"""Removing the documents of objects whose details expire (a review's case details): the
rows in the caller's transaction, the stored files after its commit (remove_files)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import aliased

from app.activity.models import AuditEvent
from app.documents import search as document_search
from app.documents.models import Document, DocumentVersion
from app.extensions import db
from app.search.services import write


def purge_private(object_kind: str, object_ids: list[int]) -> tuple[dict[int, int], list[str]]:
    """Delete the objects' documents that are not shareable (every version, archived ones
    too) and the older versions of the shareable ones: of those only the latest version was
    shared (policy.may_read_version). Their search entries go, and their history keeps what
    happened without the names. Returns per object how many documents went and the storage
    keys of every removed version, to delete once the caller has committed."""
    private = select(Document.id).where(
        Document.object_kind == object_kind,
        Document.object_id.in_(object_ids),
        Document.shareable.is_(False),
    )
    counted = dict(
        db.session.execute(
            select(Document.object_id, func.count(Document.id))
            .where(Document.id.in_(private))
            .group_by(Document.object_id)
        ).all()
    )
    keys = list(
        db.session.scalars(
            select(DocumentVersion.storage_key).where(DocumentVersion.document_id.in_(private))
        )
    )
    newer = aliased(DocumentVersion)
    older_shared = db.session.execute(
        select(DocumentVersion.id, DocumentVersion.storage_key).where(
            DocumentVersion.document_id.in_(
                select(Document.id).where(
                    Document.object_kind == object_kind,
                    Document.object_id.in_(object_ids),
                    Document.shareable.is_(True),
                )
            ),
            select(newer.id)
            .where(newer.document_id == DocumentVersion.document_id,
                   newer.number > DocumentVersion.number)
            .exists(),
        )
    ).all()  # fmt: skip
    if keys:
        purged_ids = db.session.scalars(private).all()
        write(document_search.forgotten(purged_ids))
        for event in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "Document", AuditEvent.object_id.in_(purged_ids)
            )
        ):
            event.changes = {
                field: [None if value is None else "…" for value in values]
                if isinstance(values, list) else "…"
                for field, values in (event.changes or {}).items()
            }  # fmt: skip
        db.session.execute(delete(DocumentVersion).where(DocumentVersion.document_id.in_(private)))
        db.session.execute(delete(Document).where(Document.id.in_(private)))
    if older_shared:
        db.session.execute(
            delete(DocumentVersion).where(DocumentVersion.id.in_([i for i, _key in older_shared]))
        )
    return counted, keys + [key for _id, key in older_shared]
