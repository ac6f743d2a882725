"""Indicators, cycles with phases, measurements, the frozen summary and board decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:  # mapped classes of other packages, which relationships name
    from app.auth.models import User
    from app.partnerships.models import Organisation

HIGHER, LOWER = "hoger", "lager"
QUANTITATIVE, QUALITATIVE = "kwantitatief", "kwalitatief"
PROPOSED, ADOPTED, RETIRED = "voorgesteld", "vastgesteld", "vervallen"
PHASES = ("voorbereiden", "monitoren", "duiden", "besluitvorming", "afgerond")
DECISIONS = ("vastgesteld", "vastgesteld_met_opmerkingen", "niet_vastgesteld")
VOTES = ("akkoord", "niet_akkoord")
# Which side of the partnership an organisation is on, for adopting indicators.
COMMISSIONER_KINDS = ("gemeente", "regio")
PROVIDER_KINDS = ("aanbieder", "consortium")


class Indicator(db.Model):
    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(50), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    direction: Mapped[str] = mapped_column(String(6), default=HIGHER)
    target: Mapped[float | None]
    target_text: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(14), default=QUANTITATIVE)
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[str] = mapped_column(String(12), default=PROPOSED)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    owner_organisation: Mapped[Organisation | None] = relationship()


class IndicatorApproval(db.Model):
    """A programme manager agreeing to an indicator on behalf of their organisation."""

    __tablename__ = "indicator_approval"
    __table_args__ = (UniqueConstraint("indicator_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()


class Cycle(db.Model):
    __tablename__ = "cycle"
    __table_args__ = (UniqueConstraint("partnership_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    period_from: Mapped[date]
    period_to: Mapped[date]
    phase: Mapped[str] = mapped_column(String(16), default="voorbereiden")
    interpretation: Mapped[str] = mapped_column(Text, default="")
    dilemmas: Mapped[str] = mapped_column(Text, default="")
    # The summary as the boards read it, frozen when the cycle is submitted: tens of
    # kilobytes of JSON, so read only where it is used (get_cycle, cycles_of(snapshots=True)).
    snapshot: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def reference(self) -> str:
        return f"C-{self.number}"


class CycleSummary(db.Model):
    """The live summary of an open cycle as last composed (app/cycles/kept.py): valid while
    ``basis`` equals the counter of app.kept and ``composed_on`` is today."""

    __tablename__ = "cycle_summary"

    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("cycle.id", ondelete="CASCADE"), primary_key=True
    )
    basis: Mapped[int] = mapped_column(BigInteger)
    composed_on: Mapped[date]
    summary: Mapped[dict] = mapped_column(JSON)


class PhaseChange(db.Model):
    __tablename__ = "cycle_phase_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    from_phase: Mapped[str] = mapped_column(String(16))
    to_phase: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()


class CycleProposal(db.Model):
    """A proposal the boards decide on; once accepted it becomes an action or an agreement."""

    __tablename__ = "cycle_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"))


class Measurement(db.Model):
    __tablename__ = "measurement"
    __table_args__ = (UniqueConstraint("cycle_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    value_number: Mapped[float | None]
    value_text: Mapped[str] = mapped_column(Text, default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    entered_by: Mapped[User | None] = relationship()


class BoardDecision(db.Model):
    """One organisation's decision on a submitted cycle, by its bestuurder."""

    __tablename__ = "board_decision"
    __table_args__ = (
        UniqueConstraint("cycle_id", "organisation_id"),
        Index("ix_board_decision_cycle", "cycle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decision: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # {proposal id: "akkoord" | "niet_akkoord"}
    votes: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()
