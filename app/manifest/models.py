"""The manifest: versions of an ordered set of principles, endorsements, proposals, links."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:  # mapped classes of other packages, which relationships name
    from app.auth.models import User
    from app.partnerships.models import Organisation

DRAFT, ADOPTED = "draft", "adopted"


class ManifestVersion(db.Model):
    """One version of a partnership's manifest: a draft, or adopted (then read-only)."""

    __tablename__ = "manifest_version"
    __table_args__ = (UniqueConstraint("partnership_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    preamble: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    adopted_at: Mapped[datetime | None]
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    adoption_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    texts: Mapped[list[PrincipleText]] = relationship(
        back_populates="manifest_version", order_by="PrincipleText.position"
    )
    adopted_by: Mapped[User | None] = relationship(foreign_keys=[adopted_by_id])

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT


class Principle(db.Model):
    """A leading principle's identity across versions; links point here."""

    __tablename__ = "principle"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PrincipleText(db.Model):
    """A principle as worded in one manifest version, at a position."""

    __tablename__ = "principle_text"
    __table_args__ = (UniqueConstraint("manifest_version_id", "principle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    manifest_version_id: Mapped[int] = mapped_column(ForeignKey("manifest_version.id"), index=True)
    principle_id: Mapped[int] = mapped_column(ForeignKey("principle.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    core_sentence: Mapped[str] = mapped_column(String(500))
    explanation: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(500), default="")
    practice: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    manifest_version: Mapped[ManifestVersion] = relationship(back_populates="texts")
    principle: Mapped[Principle] = relationship()

    CONTENT_FIELDS = ("title", "core_sentence", "explanation", "origin", "practice")

    def content(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}


class Endorsement(db.Model):
    """An organisation's endorsement (bekrachtiging) of an adopted version, by its bestuurder."""

    __tablename__ = "endorsement"
    __table_args__ = (UniqueConstraint("manifest_version_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    manifest_version_id: Mapped[int] = mapped_column(ForeignKey("manifest_version.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    manifest_version: Mapped[ManifestVersion] = relationship()
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()


OPEN, ACCEPTED, DECLINED = "open", "accepted", "declined"


class ChangeProposal(db.Model):
    """A proposal to change a principle (principle_id set) or to add a new one."""

    __tablename__ = "change_proposal"
    __table_args__ = (Index("ix_change_proposal_partnership_status", "partnership_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    principle_id: Mapped[int | None] = mapped_column(ForeignKey("principle.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    core_sentence: Mapped[str] = mapped_column(String(500))
    explanation: Mapped[str] = mapped_column(Text, default="")
    practice: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text)
    # Where the proposal came from when not typed in here (e.g. a triple-loop lesson).
    origin_type: Mapped[str | None] = mapped_column(String(50))
    origin_id: Mapped[int | None]
    origin_label: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # The draft version the proposal was accepted into.
    accepted_into_id: Mapped[int | None] = mapped_column(ForeignKey("manifest_version.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    principle: Mapped[Principle | None] = relationship()
    comments: Mapped[list[ProposalComment]] = relationship(
        back_populates="proposal", order_by="ProposalComment.created_at"
    )


class ProposalComment(db.Model):
    __tablename__ = "proposal_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("change_proposal.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[ChangeProposal] = relationship(back_populates="comments")
    # Comments are always shown with their author's name: load both in one query.
    author: Mapped[User] = relationship(lazy="joined")


class PrincipleLink(db.Model):
    """Something of another area that refers to a principle (agreement, risk, lesson...).

    One table for every area: ``source_type`` names the kind (registered in
    app.manifest.links), ``source_id`` the object. ``relation`` says how it refers
    (e.g. implements, threatens, scores, cites).
    """

    __tablename__ = "principle_link"
    __table_args__ = (
        UniqueConstraint("principle_id", "source_type", "source_id", "relation"),
        Index("ix_principle_link_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    principle_id: Mapped[int] = mapped_column(ForeignKey("principle.id"), index=True)
    source_type: Mapped[str] = mapped_column(String(50))
    source_id: Mapped[int]
    relation: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
