"""Proposals (voorstellen), their text versions, the organisations that decide, their
answers with history, and who may answer for an organisation besides its bestuurder."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:  # mapped classes of other packages, which relationships name
    from app.auth.models import User
    from app.partnerships.models import Organisation
    from app.tables.models import ThematicTable

# How a proposal passes: no organisation objects, or more organisations agree than object
# once a quorum of organisations answered.
CONSENT, MAJORITY = "consent", "meerderheid"
METHODS = (CONSENT, MAJORITY)

OPEN, CLOSED = "open", "gesloten"
# The result of the answers when it closed.
PASSED, NOT_PASSED = "aangenomen", "niet_aangenomen"
# The outcome the proposer states.
ADOPTED, REJECTED, WITHDRAWN = "aangenomen", "verworpen", "ingetrokken"
OUTCOMES = (ADOPTED, REJECTED, WITHDRAWN)

AGREE, OBJECT, ABSTAIN = "instemmen", "bezwaar", "onthouden"
POSITIONS = (AGREE, OBJECT, ABSTAIN)


class Proposal(db.Model):
    __tablename__ = "proposal"
    __table_args__ = (
        UniqueConstraint("partnership_id", "number"),
        Index("ix_proposal_partnership_status_closes", "partnership_id", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    # A short reference per partnership: VS-1, VS-2, ...
    number: Mapped[int]
    # Proposed in a thematic table, or at partnership level (None).
    table_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_table.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(12))
    # Majority only: how many organisations must have answered for a valid result.
    quorum: Mapped[int | None]
    closes_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    closed_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(12))
    outcome_text: Mapped[str] = mapped_column(Text, default="")
    review_on: Mapped[date | None]
    outcome_at: Mapped[datetime | None]
    proposer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # What an adopted proposal became (each links back through its origin).
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"))
    change_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("change_proposal.id"))
    current_version: Mapped[int] = mapped_column(default=1)
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    proposer: Mapped[User] = relationship()
    table: Mapped[ThematicTable | None] = relationship()

    @property
    def reference(self) -> str:
        return f"VS-{self.number}"


class ProposalVersion(db.Model):
    """The proposal's text as it was put to the organisations; an amendment adds one."""

    __tablename__ = "proposal_version"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    # Why it was amended (empty for the first version).
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()


class ProposalOrganisation(db.Model):
    """An organisation that decides on a proposal (asked while it takes part)."""

    __tablename__ = "proposal_organisation"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), primary_key=True, index=True
    )

    organisation: Mapped[Organisation] = relationship()


class ProposalAnswer(db.Model):
    """An organisation's current answer; one row per organisation, so two members answering
    at once cannot both be first, and its version counter catches a stale change."""

    __tablename__ = "proposal_answer"
    __table_args__ = (UniqueConstraint("proposal_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    position: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    # The proposal version it answers: an amendment asks again.
    proposal_version: Mapped[int] = mapped_column(default=1)
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship()
    answered_by: Mapped[User] = relationship()


class ProposalAnswerRevision(db.Model):
    """Every answer given, in order: the history of an organisation's answer."""

    __tablename__ = "proposal_answer_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    position: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    proposal_version: Mapped[int]
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    answered_by: Mapped[User] = relationship()


class DecisionMandate(db.Model):
    """A member designated by their organisation's bestuurder to decide for it (archived,
    not deleted, when withdrawn)."""

    __tablename__ = "decision_mandate"
    __table_args__ = (UniqueConstraint("partnership_id", "organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    active: Mapped[bool] = mapped_column(default=True)
    designated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    user: Mapped[User] = relationship(foreign_keys=[user_id])
