"""One row per searchable text; the full-text index itself is database-specific
(FTS5 on SQLite, a `dutch` tsvector expression index on PostgreSQL, see schema.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class SearchDocument(db.Model):
    __tablename__ = "search_document"
    __table_args__ = (
        UniqueConstraint("kind", "object_id"),
        Index("ix_search_document_partnership_kind", "partnership_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # The path of the page that shows it (with #anchor where useful).
    url: Mapped[str] = mapped_column(String(500))
    # Only members of this organisation may find it (case details, concept reviews).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    # Only those who may read this thematic table may find it.
    table_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_table.id"))
    # Dutch stems of title and body (SQLite's FTS5 index reads this column).
    stems: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
