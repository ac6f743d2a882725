"""Risks with bruto (inherent) and netto (residual) assessments, measures and comments."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:  # mapped classes of other packages, which relationships name
    from app.agreements.models import Agreement
    from app.auth.models import User
    from app.partnerships.models import Organisation

DEFAULT_CATEGORIES = (
    "financieel",
    "kwaliteit van zorg",
    "continuïteit",
    "informatiepositie",
    "samenwerking",
    "capaciteit/personeel",
    "juridisch",
)
STRATEGIES = ("vermijden", "verminderen", "overdragen", "accepteren")
STATUSES = ("open", "beheerst", "geaccepteerd", "gesloten")
MEASURE_STATUSES = ("gepland", "in_uitvoering", "gereed", "vervallen")
LEVELS = ("laag", "midden", "hoog", "kritiek")
# Default lowest score of each level above "laag": 5 midden, 10 hoog, 16 kritiek.
DEFAULT_THRESHOLDS = (5, 10, 16)


class RiskCategory(db.Model):
    """The partnership's list of risk categories, editable by the beheerder."""

    __tablename__ = "risk_category"
    __table_args__ = (UniqueConstraint("partnership_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class RiskSettings(db.Model):
    """Score thresholds of the levels midden, hoog and kritiek for one partnership."""

    __tablename__ = "risk_settings"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), primary_key=True)
    medium_from: Mapped[int] = mapped_column(default=DEFAULT_THRESHOLDS[0])
    high_from: Mapped[int] = mapped_column(default=DEFAULT_THRESHOLDS[1])
    critical_from: Mapped[int] = mapped_column(default=DEFAULT_THRESHOLDS[2])
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def id(self) -> int:
        """The audit trail names every object by an id; settings have one per partnership."""
        return self.partnership_id


class Risk(db.Model):
    __tablename__ = "risk"
    __table_args__ = (
        UniqueConstraint("partnership_id", "number"),
        Index("ix_risk_partnership_residual", "partnership_id", "residual_score"),
        Index("ix_risk_partnership_review", "partnership_id", "review_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    consequence: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("risk_category.id"), index=True)
    # Borne by the partners together ("gedeeld") or by the organisations in `bearers`.
    shared: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    inherent_likelihood: Mapped[int]
    inherent_impact: Mapped[int]
    residual_likelihood: Mapped[int]
    residual_impact: Mapped[int]
    # Stored so lists can filter and sort on them and the heat map can count in SQL.
    inherent_score: Mapped[int]
    residual_score: Mapped[int]
    residual_reason: Mapped[str] = mapped_column(Text, default="")
    strategy: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="open")
    review_on: Mapped[date | None]
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[RiskCategory] = relationship()
    owner: Mapped[User | None] = relationship()
    bearers: Mapped[list[Organisation]] = relationship(
        secondary="risk_bearer", order_by="Organisation.name"
    )

    @property
    def reference(self) -> str:
        return f"R-{self.number}"


class RiskBearer(db.Model):
    __tablename__ = "risk_bearer"

    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), primary_key=True, index=True
    )


class RiskAssessment(db.Model):
    """One (re)assessment: the four figures as they were set, by whom, when and why."""

    __tablename__ = "risk_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), index=True)
    inherent_likelihood: Mapped[int]
    inherent_impact: Mapped[int]
    residual_likelihood: Mapped[int]
    residual_impact: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessed_by: Mapped[User | None] = relationship()

    @property
    def inherent_score(self) -> int:
        return self.inherent_likelihood * self.inherent_impact

    @property
    def residual_score(self) -> int:
        return self.residual_likelihood * self.residual_impact


class Measure(db.Model):
    """A control measure (beheersmaatregel), optionally implemented by an agreement."""

    __tablename__ = "measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(14), default="gepland")
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[User | None] = relationship()
    agreement: Mapped[Agreement | None] = relationship()
    risk: Mapped[Risk] = relationship()


class RiskComment(db.Model):
    __tablename__ = "risk_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
