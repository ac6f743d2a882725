"""Agreements (werkafspraken), their versions, revisit decisions and comments."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:  # mapped classes of other packages, which relationships name
    from app.auth.models import User
    from app.partnerships.models import Organisation

FIRM, WORKABLE = "hard", "werkbaar"
KINDS = (FIRM, WORKABLE)

CONCEPT, ACTIVE, ENDED = "concept", "actief", "beeindigd"
# "herzien nodig" is not stored: an active workable agreement whose revisit date passed.
REVISIT_DUE = "herzien_nodig"
STATUSES = (CONCEPT, ACTIVE, REVISIT_DUE, ENDED)

EXTEND, AMEND, MAKE_FIRM, END = "verlengen", "aanpassen", "structureel", "beeindigen"
DECISIONS = (EXTEND, AMEND, MAKE_FIRM, END)


class Agreement(db.Model):
    __tablename__ = "agreement"
    __table_args__ = (
        UniqueConstraint("partnership_id", "number"),
        Index("ix_agreement_partnership_status_revisit", "partnership_id", "status", "revisit_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    # A short reference per partnership: WA-1, WA-2, ...
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    explanation: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default=CONCEPT)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    start_on: Mapped[date]
    revisit_on: Mapped[date | None]
    end_on: Mapped[date | None]
    origin: Mapped[str] = mapped_column(String(500), default="")
    # Set when the agreement came from a table conclusion, a lesson or a cycle decision.
    origin_type: Mapped[str | None] = mapped_column(String(50))
    origin_id: Mapped[int | None]
    origin_label: Mapped[str] = mapped_column(String(300), default="")
    current_version: Mapped[int] = mapped_column(default=1)
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[User | None] = relationship()
    parties: Mapped[list[Organisation]] = relationship(
        secondary="agreement_party", order_by="Organisation.name"
    )

    @property
    def reference(self) -> str:
        return f"WA-{self.number}"

    def effective_status(self, today: date) -> str:
        if (
            self.status == ACTIVE
            and self.kind == WORKABLE
            and self.revisit_on is not None
            and self.revisit_on < today
        ):
            return REVISIT_DUE
        return self.status


class AgreementParty(db.Model):
    __tablename__ = "agreement_party"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), primary_key=True, index=True
    )


class AgreementVersion(db.Model):
    """The agreement as it was after a change: every field, and why it changed."""

    __tablename__ = "agreement_version"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    number: Mapped[int]
    # {"title":..., "summary":..., "kind":..., "parties": [names], "owner": name, ...}
    content: Mapped[dict] = mapped_column(JSON)
    change_note: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()


class Revisit(db.Model):
    """A recorded revisit decision: extend, amend, make firm or end, with a reason."""

    __tablename__ = "revisit"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    decision: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    previous_revisit_on: Mapped[date | None]
    new_revisit_on: Mapped[date | None]
    version_number: Mapped[int | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by: Mapped[User | None] = relationship()


class AgreementComment(db.Model):
    __tablename__ = "agreement_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    # A comment can carry a proposal to change the agreement (e.g. from a review lesson).
    is_proposal: Mapped[bool] = mapped_column(default=False)
    origin_label: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
