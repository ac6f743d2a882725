"""Case and quality reviews, their principle scores, lessons, actions and privacy checks."""

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

CASE, QUALITY = "casusbespreking", "kwaliteitsreview"
KINDS = (CASE, QUALITY)
CONCEPT, FINAL = "concept", "vastgesteld"
# Review fields that are case details: their values stay inside the organisation (history,
# pages) and leave the app only in an archive made with case details.
CASE_FIELDS = ("case_description", "team", "participants", "aims", "went_well", "could_be_better")
# The four aims of a quality review (Evaluatie BSA-samenwerking §4.4 D).
AIMS = ("communicatie", "professionalisering", "verschillen", "regels")
LEVELS = (1, 2, 3)
ARENAS = ("casus", "organisatie", "systeem")
FOLLOW_UPS = ("none", "action", "agreement", "principle", "table")
ACTION_STATUSES = ("open", "in_uitvoering", "gereed", "vervallen")
OPEN_ACTIONS = ("open", "in_uitvoering")


class ReviewSettings(db.Model):
    __tablename__ = "review_settings"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), primary_key=True)
    # Case details of finalised reviews are purged after this many months.
    retention_months: Mapped[int] = mapped_column(default=24)

    @property
    def id(self) -> int:
        """The audit trail names an object by its id; these settings are one per partnership."""
        return self.partnership_id


class Review(db.Model):
    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("partnership_id", "number"),
        Index("ix_review_partnership_status_held", "partnership_id", "status", "held_on"),
        # The dashboard's lessons of reviews finalised lately.
        Index("ix_review_partnership_finalised", "partnership_id", "finalised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    team: Mapped[str] = mapped_column(String(200))
    # Participants by role, never by name: one role per line.
    participants: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(200))
    # Case details: visible to the recording organisation (and the beheerder) only.
    case_description: Mapped[str] = mapped_column(Text, default="")
    aims: Mapped[dict] = mapped_column(JSON, default=dict)
    went_well: Mapped[str] = mapped_column(Text, default="")
    could_be_better: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=CONCEPT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalised_at: Mapped[datetime | None]
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    purged_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    finalised_by: Mapped[User | None] = relationship(foreign_keys=[finalised_by_id])

    @property
    def reference(self) -> str:
        return f"CR-{self.number}"

    @property
    def is_final(self) -> bool:
        return self.status == FINAL


class ReviewScore(db.Model):
    __tablename__ = "review_score"
    __table_args__ = (UniqueConstraint("review_id", "principle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    principle_id: Mapped[int] = mapped_column(ForeignKey("principle.id"), index=True)
    score: Mapped[int | None]
    explanation: Mapped[str] = mapped_column(Text, default="")


class ScoreTally(db.Model):
    """The scores of finalised reviews summed per principle and half-year ("2026-1"):
    added to when a review is finalised, and a final review no longer changes, so the
    overview's trend reads these few rows instead of every score of every review."""

    __tablename__ = "review_score_tally"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), primary_key=True)
    principle_id: Mapped[int] = mapped_column(ForeignKey("principle.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(6), primary_key=True)
    total: Mapped[int] = mapped_column(default=0)
    count: Mapped[int] = mapped_column(default=0)


class LessonTally(db.Model):
    """The lessons of finalised reviews counted per level and arena (the overview's
    matrix), added to when a review is finalised."""

    __tablename__ = "lesson_tally"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), primary_key=True)
    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    arena: Mapped[str] = mapped_column(String(12), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class Lesson(db.Model):
    __tablename__ = "lesson"
    __table_args__ = (
        Index("ix_lesson_partnership_level", "partnership_id", "level"),
        # The shared lessons, newest review first, read from the index page by page.
        Index("ix_lesson_partnership_shared", "partnership_id", "shared_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    level: Mapped[int]
    arena: Mapped[str] = mapped_column(String(12))
    # What follows from it; carried out when the review is finalised.
    follow_up: Mapped[str] = mapped_column(String(10), default="none")
    action_owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action_due_on: Mapped[date | None]
    target_agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"))
    # None with follow-up "principle" means: a proposal for a new principle.
    target_principle_id: Mapped[int | None] = mapped_column(ForeignKey("principle.id"))
    target_table_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_table.id"))
    # Proposed wording for an agreement or principle change, or the table item's question.
    proposal_title: Mapped[str] = mapped_column(String(200), default="")
    proposal_text: Mapped[str] = mapped_column(Text, default="")
    # What the follow-up made, for the link back.
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"))
    agreement_comment_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_comment.id"))
    change_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("change_proposal.id"))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The date the review was held, set when it is finalised: shared from then on.
    shared_on: Mapped[date | None]

    review: Mapped[Review] = relationship()
    action_owner: Mapped[User | None] = relationship(foreign_keys=[action_owner_id])


class Action(db.Model):
    """Something someone will do: from a lesson (and later from a cycle decision)."""

    __tablename__ = "action"
    __table_args__ = (Index("ix_action_owner_status", "owner_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(14), default="open")
    # Where it came from, e.g. "Leerpunt uit CR-12" (the lesson links to the action).
    source_label: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[User | None] = relationship()


class PrivacyConfirmation(db.Model):
    """A privacy-guard hit that a person confirmed is not personal data, and why.

    Only a hash of the fragment is kept, so the confirmation never stores the data.
    """

    __tablename__ = "privacy_confirmation"
    __table_args__ = (UniqueConstraint("review_id", "kind", "fragment_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    fragment_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
