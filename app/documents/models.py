"""Documents attached to an object of a partnership, each with its versions.

A document is archived, never deleted by users; every upload of a newer file adds a version
and the older versions stay. The bytes live in the storage (`storage.py`) under `storage_key`,
a key made by the app."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class Document(db.Model):
    __tablename__ = "document"
    __table_args__ = (Index("ix_document_object", "object_kind", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    # What the document is attached to: a kind registered by an area and that object's id.
    object_kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    # The name of the latest version, shown in lists.
    name: Mapped[str] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived: Mapped[bool] = mapped_column(default=False)
    # "Deelbaar": a document of a finalised review the uploader shares beyond the case details.
    shareable: Mapped[bool] = mapped_column(default=False)

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number"
    )

    @property
    def latest(self) -> DocumentVersion:
        return self.versions[-1]


class DocumentVersion(db.Model):
    __tablename__ = "document_version"
    # Two uploads at once can never both become "version 2" (services.next_number).
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_document_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")
