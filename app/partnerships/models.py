"""Partnerships, the organisations taking part in them, and memberships with a role."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:  # mapped classes of other packages, which relationships name
    from app.auth.models import User

ROLES = ("beheerder", "bestuurder", "programmamanager", "teamlid", "partner", "lezer")
ORGANISATION_KINDS = ("gemeente", "aanbieder", "consortium", "regio", "overig")


class Partnership(db.Model):
    __tablename__ = "partnership"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Every member must use two-factor authentication (beheerders always must).
    require_two_factor: Mapped[bool] = mapped_column(default=False, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Partnership {self.slug}>"


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"


class Participation(db.Model):
    """An organisation taking part in a partnership (archived, not deleted, when it leaves)."""

    __tablename__ = "participation"
    __table_args__ = (UniqueConstraint("partnership_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    partnership: Mapped[Partnership] = relationship()
    organisation: Mapped[Organisation] = relationship()


class Membership(db.Model):
    """A person in a partnership, on behalf of an organisation, with one role."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "partnership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    user: Mapped[User] = relationship(back_populates="memberships")
    partnership: Mapped[Partnership] = relationship()
    organisation: Mapped[Organisation] = relationship()


def _labels():
    roles = {
        "beheerder": _l("Administrator"),
        "bestuurder": _l("Board member"),
        "programmamanager": _l("Programme manager"),
        "teamlid": _l("Team member"),
        "partner": _l("Partner"),
        "lezer": _l("Reader"),
    }
    kinds = {
        "gemeente": _l("Municipality"),
        "aanbieder": _l("Provider"),
        "consortium": _l("Consortium"),
        "regio": _l("Region"),
        "overig": _l("Other"),
    }
    return roles, kinds


ROLE_LABELS, ORGANISATION_KIND_LABELS = _labels()
