"""Finding the organisations and members a row names, by name (or a member's e-mail)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.partnerships.models import Membership
from app.partnerships.services import organisations_of


def _key(name: str) -> str:
    return " ".join(str(name).lower().split())


def split_names(value) -> list[str]:
    """ "A, B; C" -> ["A", "B", "C"]."""
    return [part.strip() for part in re.split(r"[;,\n]", str(value or "")) if part.strip()]


class Names:
    """Organisations of a partnership by name, and its active members by name or e-mail."""

    def __init__(self, partnership_id: int) -> None:
        self.organisation_names = [name for _oid, name in organisations_of(partnership_id)]
        self.organisations = {_key(name): oid for oid, name in organisations_of(partnership_id)}
        self.members: dict[str, int] = {}
        rows = db.session.execute(
            select(User.id, User.name, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.partnership_id == partnership_id, Membership.active.is_(True))
        ).all()
        for row in rows:
            self.members.setdefault(_key(row.name), row.id)
            self.members[_key(row.email)] = row.id

    def organisation(self, name: str) -> int | None:
        return self.organisations.get(_key(name))

    def member(self, name: str) -> int | None:
        return self.members.get(_key(name))
