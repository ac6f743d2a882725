"""Attaching documents, adding versions, archiving and reading them back.

Who may do this is decided by the caller (the routes, through policy.py); these functions
check the file itself and keep the database and the storage in step: a refused or failed
upload leaves neither a row nor a file behind."""

from __future__ import annotations

from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import registry
from app.activity.services import record
from app.documents.files import Inspected, UploadRefused, inspect
from app.documents.models import Document, DocumentVersion
from app.documents.scan import ScanUnavailable, scan_for_viruses
from app.documents.storage import Storage, new_key, storage_for
from app.extensions import db


@cache
def _documents_statement(archived: bool):
    """Built once (per value of archived): every object page shows its documents."""
    return (
        select(Document)
        .where(
            Document.object_kind == bindparam("object_kind"),
            Document.object_id == bindparam("object_id"),
            Document.archived.is_(archived),
        )
        .options(selectinload(Document.versions))
        .order_by(Document.created_at, Document.id)
    )


def documents_of(object_kind: str, object_id: int, *, archived: bool = False) -> list[Document]:
    """The documents of one object with their versions, in two queries."""
    values = {"object_kind": object_kind, "object_id": object_id}
    return list(db.session.scalars(_documents_statement(bool(archived)), values))


def document_ids(object_kind: str, object_ids) -> Select:
    """A select() of the ids of the documents of one object (or of several, given a
    select() of their ids): the "Document" part of that object's history."""
    condition = (
        Document.object_id == object_ids
        if isinstance(object_ids, int)
        else Document.object_id.in_(object_ids)
    )
    return select(Document.id).where(Document.object_kind == object_kind, condition)


def stored_bytes(object_kind: str, object_id: int) -> int:
    """The size of every version of every document of the object, archived ones included."""
    query = (
        select(func.coalesce(func.sum(DocumentVersion.size), 0))
        .join(Document)
        .where(Document.object_kind == object_kind, Document.object_id == object_id)
    )
    return int(db.session.scalar(query))


def check_upload(object_kind: str, object_id: int, data: bytes, name: str | None) -> Inspected:
    config = current_app.config
    room = config["SAMENSPEL_DOCUMENT_OBJECT_MAX_MB"] - stored_bytes(object_kind, object_id) / 2**20
    inspected = inspect(
        data, name, max_mb=config["SAMENSPEL_DOCUMENT_MAX_MB"], room_mb=max(room, 0)
    )
    check_viruses(data)
    attachable = registry.attachables.get(object_kind)
    if attachable is not None and attachable.check_upload is not None:
        attachable.check_upload(inspected, data)  # the object's own rule (reviews: privacy)
    return inspected


def check_viruses(data: bytes) -> None:
    """With SAMENSPEL_CLAMD_SOCKET set, a file clamd finds infected (or cannot scan) is refused."""
    socket_path = current_app.config.get("SAMENSPEL_CLAMD_SOCKET")
    if not socket_path:
        return
    try:
        found = scan_for_viruses(data, socket_path)
    except ScanUnavailable:
        current_app.logger.warning("virus scan unavailable", exc_info=True)
        raise UploadRefused(
            _("The virus scanner cannot be reached, so the file was not stored. Try again later."),
            "file",
        ) from None
    if found:
        raise UploadRefused(_("The file contains a virus (%(name)s).", name=found), "file")


def next_number(document: Document) -> int:
    """The number of the document's next version, after the ones stored (not the ones this
    request loaded). The document's row is locked first (PostgreSQL), so that two uploads
    at once are numbered one after the other."""
    if document.id is None:
        return 1
    db.session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
    stored = db.session.scalar(
        select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document.id)
    )
    return (stored or 0) + 1


def store_version(
    document: Document,
    inspected: Inspected,
    data: bytes,
    user_id: int | None,
    storage: Storage,
    *,
    shareable: bool = False,
) -> DocumentVersion:
    number = next_number(document)
    key = new_key()
    storage.put(key, data)
    version = DocumentVersion(
        document=document,
        number=number,
        name=inspected.name,
        size=inspected.size,
        kind=inspected.kind,
        content_type=inspected.content_type,
        sha256=inspected.sha256,
        storage_key=key,
        uploaded_by_id=user_id,
    )
    previous = document.name if number > 1 else None
    document.name = inspected.name
    db.session.add(version)
    try:
        # The object's history shows the upload: the first version as the document's
        # creation, a later one as a new version (with the name it had before).
        changes = {
            "name": [previous, inspected.name],
            "document_version": [number - 1 or None, number],
        }
        if number == 1 and shareable:
            changes["shareable"] = [None, True]
        record(
            "create" if number == 1 else "new_version",
            document,
            partnership_id=document.partnership_id,
            changes=changes,
            actor_id=user_id,
        )
        db.session.commit()
    except IntegrityError:
        # Another upload took this version number between counting and storing (SQLite
        # does not lock the document's row): nothing of this one is kept.
        db.session.rollback()
        storage.delete(key)
        raise UploadRefused(
            _("Someone uploaded a version of this document at the same moment, so this file was not stored. Try again.")
        ) from None  # fmt: skip
    except Exception:
        db.session.rollback()
        storage.delete(key)
        raise
    return version


def attach(
    partnership_id: int,
    object_kind: str,
    object_id: int,
    data: bytes,
    name: str | None,
    *,
    user_id: int | None,
    shareable: bool = False,
    storage: Storage | None = None,
) -> Document:
    """A new document on the object; UploadRefused (nothing stored) when the file is refused."""
    inspected = check_upload(object_kind, object_id, data, name)
    document = Document(
        partnership_id=partnership_id,
        object_kind=object_kind,
        object_id=object_id,
        name=inspected.name,
        created_by_id=user_id,
        shareable=shareable,
    )
    db.session.add(document)
    store_version(
        document, inspected, data, user_id, storage or storage_for(current_app), shareable=shareable
    )
    return document


def add_version(
    document: Document,
    data: bytes,
    name: str | None,
    *,
    user_id: int | None,
    storage: Storage | None = None,
) -> DocumentVersion:
    """A newer version of the document; the older ones stay stored and downloadable."""
    inspected = check_upload(document.object_kind, document.object_id, data, name)
    return store_version(document, inspected, data, user_id, storage or storage_for(current_app))


def archive(document: Document, *, user_id: int | None = None) -> None:
    """Hidden from the object's list; the versions stay until retention purges them."""
    if document.archived:
        raise UploadRefused(_("This document has already been archived."))
    document.archived = True
    record(
        "archive",
        document,
        partnership_id=document.partnership_id,
        changes={"name": [document.name, document.name], "archived": [False, True]},
        actor_id=user_id,
    )
    db.session.commit()


def read(version: DocumentVersion, storage: Storage | None = None) -> bytes:
    return (storage or storage_for(current_app)).get(version.storage_key)


def remove_files(keys: list[str], storage: Storage | None = None) -> None:
    """Delete stored files whose rows are already gone (committed): a file that is missing is
    fine, and one the storage fails to delete is logged and left as unreferenced bytes."""
    storage = storage or storage_for(current_app)
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # the rows are gone either way; the next keys still go
            current_app.logger.warning("stored file %s not deleted", key, exc_info=True)
