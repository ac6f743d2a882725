"""The audit trail: one event for every write, in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id"),
        Index("ix_audit_event_partnership_at", "partnership_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnership.id"))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(50))
    # {"field": [old, new], ...}; values as shown, secrets never included.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()  # noqa: F821


from app.auth.models import User  # noqa: E402
