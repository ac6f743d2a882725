"""The audit trail (one event for every write, in the same transaction), following,
notifications, the mail outbox and calendar feeds."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:  # mapped classes of other packages, which relationships name
    from app.auth.models import User
    from app.partnerships.models import Partnership


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

    actor: Mapped[User | None] = relationship()


class Follow(db.Model):
    """A person following an object; an unfollow is kept (active False) so that
    following automatically does not bring it back."""

    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("user_id", "object_type", "object_id"),
        Index("ix_follow_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):
    """Something a person should know, shown under the bell and mailed per their setting.

    The text is composed when shown, in the reader's language, from kind and params.
    """

    __tablename__ = "notification"
    __table_args__ = (
        # Reminders carry a key (object, date, stage) so a second run adds nothing.
        UniqueConstraint("user_id", "key"),
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_mail_state", "mail_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int | None]
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    url: Mapped[str] = mapped_column(String(500))
    key: Mapped[str | None] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # pending: not mailed yet; mailed: part of an outgoing mail; skipped: never mailed.
    mail_state: Mapped[str] = mapped_column(String(10), default="pending")
    # The address of the request that caused it (scheme and host), for the links in its
    # mail when SAMENSPEL_BASE_URL is not set; None when it arose outside a request.
    link_base: Mapped[str | None] = mapped_column(String(200))
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_mail.id"))

    partnership: Mapped[Partnership] = relationship()


class NotificationSetting(db.Model):
    """How a person wants mail about one partnership: immediately, daily or never."""

    __tablename__ = "notification_setting"
    __table_args__ = (UniqueConstraint("user_id", "partnership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    mode: Mapped[str] = mapped_column(String(10), default="daily")


class OutgoingMail(db.Model):
    """A composed mail waiting to be sent (sent_at None) or sent: the outbox that makes
    `flask notify send` safe to run twice or to crash half-way."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (
        # One digest per person, partnership and day.
        UniqueConstraint("user_id", "partnership_id", "digest_on"),
        Index("ix_outgoing_mail_sent", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # None for mail about the person's own account (kind "account").
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnership.id"))
    kind: Mapped[str] = mapped_column(String(10))
    digest_on: Mapped[date | None]
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200))
    unsubscribe_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class CalendarFeed(db.Model):
    """A person's secret calendar feed; only a hash of the token is stored."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailSettingLink(db.Model):
    """The link to one person's mail setting for one partnership, made for one mail; only
    a hash of its random token is stored. It expires, and asking for a new link revokes
    the older ones."""

    __tablename__ = "mail_setting_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
