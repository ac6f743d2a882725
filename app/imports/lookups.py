"""Finding what a row names: organisations and members by name (or a member's e-mail),
and an existing numbered object (WA-12, R-4) by its reference or title."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.imports.reader import normalise
from app.partnerships.models import Membership
from app.partnerships.services import organisations_of


def _key(name: str) -> str:
    return " ".join(str(name).lower().split())


def find_numbered(
    reference: str,
    title: str,
    *,
    pattern: re.Pattern,
    prefix: str,
    existing: dict[int, Any],
    by_title: dict[str, Any],
    counts: dict[int, int],
    errors: list[str],
) -> tuple[Any | None, int | None]:
    """The existing object a row names and the number its reference gives: by the reference
    when the row has one (``pattern``'s first group is the number), else by the title. A
    malformed reference, or one that occurs more than once in the file, adds its error."""
    if not reference:
        return by_title.get(normalise(title)), None
    match = pattern.match(reference)
    if not match:
        errors.append(
            _("“%(value)s” is not a reference like %(example)s.", value=reference,
              example=f"{prefix}-12")
        )  # fmt: skip
        return None, None
    number = int(match[1])
    if counts.get(number, 0) > 1:
        errors.append(
            _("%(reference)s occurs more than once in the file.", reference=f"{prefix}-{number}")
        )
    return existing.get(number), number


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
