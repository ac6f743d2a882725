"""Use cases of partnerships, organisations and memberships."""

from __future__ import annotations

import re
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from app.activity.services import record
from app.auth.models import User
from app.auth.sessions import end_all_sessions
from app.errors import ServiceError
from app.extensions import db
from app.kept import kept_value
from app.partnerships.models import (
    ORGANISATION_KINDS,
    ROLES,
    Membership,
    Organisation,
    Participation,
    Partnership,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def members_of(partnership_id: int) -> list[tuple[int, str]]:
    """(user id, name) of the active members, for owner choices."""
    return [
        (row.id, row.name)
        for row in db.session.execute(
            select(User.id, User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.partnership_id == partnership_id, Membership.active.is_(True))
            .order_by(User.name)
        )
    ]


# The most owners a list's owner filter offers: at factor 10 of the benchmark nearly all of
# 3,000 members own something, and a select of thousands of names helps no one.
OWNER_CHOICES = 100


def owner_choices(owner_id, partnership_id_column, partnership_id: int, chosen: int | None = None,
                  limit: int = OWNER_CHOICES) -> list[tuple[int, str]]:  # fmt: skip
    """(user id, name) by name of the people who own something in a list, for its owner
    filter: ``owner_id`` is the list's owner column, ``partnership_id_column`` its
    partnership column. At most ``limit``: those who own the most; the ``chosen`` owner is
    added when they own something but are not among them. One query, and kept until what
    it reads changes (app/kept.py): at factor 10 it groups thousands of rows."""

    def make() -> tuple[tuple[int, str], ...]:
        owned = (
            select(owner_id)
            .where(partnership_id_column == partnership_id, owner_id.is_not(None))
            .group_by(owner_id)
        )
        most = owned.order_by(func.count().desc(), owner_id).limit(limit)
        shown = User.id.in_(select(most.subquery().c[0]))
        if chosen is not None:
            shown = shown | (User.id.in_(owned.where(owner_id == chosen)))
        return tuple(
            (row.id, row.name)
            for row in db.session.execute(
                select(User.id, User.name).where(shown).order_by(User.name, User.id)
            )
        )

    key = ("owner choices", str(owner_id), partnership_id, chosen, limit)
    return list(kept_value(key, make))


def organisations_of(partnership_id: int) -> list[tuple[int, str]]:
    """(organisation id, name) of the organisations taking part, by name (kept until what
    it reads changes: every list and form of agreements and risks reads it)."""

    def make() -> tuple[tuple[int, str], ...]:
        return tuple(
            (row.id, row.name)
            for row in db.session.execute(
                select(Organisation.id, Organisation.name)
                .join(Participation)
                .where(
                    Participation.partnership_id == partnership_id,
                    Participation.active.is_(True),
                )
                .order_by(Organisation.name)
            )
        )

    return list(kept_value(("organisations", partnership_id), make))


def partnerships_of(user) -> list[Partnership]:
    """The partnerships a user is an active member of, by name."""
    return list(
        db.session.execute(
            select(Partnership)
            .join(Membership, Membership.partnership_id == Partnership.id)
            .where(Membership.user_id == user.id, Membership.active.is_(True))
            .order_by(Partnership.name)
        ).scalars()
    )


@cache
def _menu_statement():
    return (
        select(Partnership.id, Partnership.slug, Partnership.name)
        .join(Membership, Membership.partnership_id == Partnership.id)
        .where(Membership.user_id == bindparam("user_id"), Membership.active.is_(True))
        .order_by(Partnership.name)
    )


def partnership_menu(user_id: int) -> list:
    """id, slug and name of the partnerships a user is an active member of, by name: the
    menu of every page (rows, and a statement built once)."""

    def make() -> tuple:
        return tuple(db.session.execute(_menu_statement(), {"user_id": user_id}))

    # kept until memberships or partnerships change (app/kept.py): one statement less on
    # every page that reads kept data anyway
    return list(kept_value(("partnership menu", user_id), make))


def create_partnership(name: str, slug: str, description: str = "") -> Partnership:
    """Add a partnership to the session (the caller commits)."""
    name, slug = name.strip(), slug.strip()
    if not name:
        raise ServiceError(_l("Enter a name."), "name")
    if not SLUG.match(slug):
        raise ServiceError(_l("Use lower-case letters, digits and hyphens."), "slug")
    if db.session.execute(select(Partnership).where(Partnership.slug == slug)).first():
        raise ServiceError(_l("This short name is taken."), "slug")
    partnership = Partnership(name=name, slug=slug, description=description)
    db.session.add(partnership)
    db.session.flush()
    record("create", partnership, partnership_id=partnership.id)
    return partnership


def _check_organisation(name: str, kind: str, exclude_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ServiceError(_l("Enter a name."), "name")
    if len(name) > 200:
        raise ServiceError(_l("Use at most 200 characters."), "name")
    if kind not in ORGANISATION_KINDS:
        raise ServiceError(_l("Choose a kind of organisation."), "kind")
    clash = db.session.execute(
        select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    ).scalar_one_or_none()
    if clash is not None and clash != exclude_id:
        raise ServiceError(_l("An organisation with this name exists already."), "name")
    return name


def add_organisation(
    partnership: Partnership, name: str, kind: str, commit: bool = True
) -> Organisation:
    """Create an organisation and let it take part in the partnership.

    An organisation that exists already (by name) is added instead; one that had
    left the partnership is restored.
    """
    existing = db.session.execute(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    ).scalar_one_or_none()
    if existing is None:
        organisation = Organisation(name=_check_organisation(name, kind), kind=kind)
        db.session.add(organisation)
        record("create", organisation, partnership_id=partnership.id)
    else:
        organisation = existing
    participation = db.session.execute(
        select(Participation).where(
            Participation.partnership_id == partnership.id,
            Participation.organisation_id == organisation.id,
        )
    ).scalar_one_or_none()
    if participation is None:
        participation = Participation(partnership=partnership, organisation=organisation)
        db.session.add(participation)
        record("create", participation, partnership_id=partnership.id)
    elif not participation.active:
        participation.active = True
        record("restore", participation, partnership_id=partnership.id)
    elif existing is not None:
        raise ServiceError(_l("This organisation already takes part."), "name")
    if commit:
        db.session.commit()
    return organisation


def update_organisation(
    partnership: Partnership, organisation: Organisation, name: str, kind: str
) -> None:
    organisation.name = _check_organisation(name, kind, exclude_id=organisation.id)
    organisation.kind = kind
    record("update", organisation, partnership_id=partnership.id)
    db.session.commit()


def participation_of(partnership: Partnership, organisation_id: int) -> Participation | None:
    return db.session.execute(
        select(Participation)
        .options(joinedload(Participation.organisation))
        .where(
            Participation.partnership_id == partnership.id,
            Participation.organisation_id == organisation_id,
        )
    ).scalar_one_or_none()


def set_participation_active(participation: Participation, active: bool) -> None:
    """Archive (leave) or restore an organisation's part in a partnership."""
    if not active:
        members = db.session.execute(
            select(func.count(Membership.id)).where(
                Membership.partnership_id == participation.partnership_id,
                Membership.organisation_id == participation.organisation_id,
                Membership.active.is_(True),
            )
        ).scalar_one()
        if members:
            raise ServiceError(
                _l("This organisation still has active members. Deactivate or move them first.")
            )
    participation.active = active
    record("update", participation, partnership_id=participation.partnership_id)
    db.session.commit()


def organisations_with_counts(partnership: Partnership, include_archived: bool = False):
    """(participation, active member count) pairs, one query, by organisation name."""
    counts = (
        select(Membership.organisation_id, func.count(Membership.id).label("n"))
        .where(Membership.partnership_id == partnership.id, Membership.active.is_(True))
        .group_by(Membership.organisation_id)
        .subquery()
    )
    query = (
        select(Participation, func.coalesce(counts.c.n, 0))
        .join(Participation.organisation)
        .outerjoin(counts, counts.c.organisation_id == Participation.organisation_id)
        .options(joinedload(Participation.organisation))
        .where(Participation.partnership_id == partnership.id)
        .order_by(Organisation.name)
    )
    if not include_archived:
        query = query.where(Participation.active.is_(True))
    return list(db.session.execute(query).all())


def active_organisations(partnership: Partnership) -> list[Organisation]:
    return list(
        db.session.execute(
            select(Organisation)
            .join(Participation)
            .where(Participation.partnership_id == partnership.id, Participation.active.is_(True))
            .order_by(Organisation.name)
        ).scalars()
    )


def members_query(
    partnership: Partnership,
    text: str = "",
    role: str = "",
    organisation_id: int | None = None,
    active: bool | None = True,
):
    """A select() of memberships for a list page, with user and organisation loaded."""
    query = (
        select(Membership)
        .join(Membership.user)
        .options(joinedload(Membership.user), joinedload(Membership.organisation))
        .where(Membership.partnership_id == partnership.id)
        .order_by(User.name, Membership.id)
    )
    if active is not None:
        query = query.where(Membership.active.is_(active))
    if text:
        like = f"%{text.lower()}%"
        query = query.where(func.lower(User.name).like(like) | User.email.like(like))
    if role in ROLES:
        query = query.where(Membership.role == role)
    if organisation_id:
        query = query.where(Membership.organisation_id == organisation_id)
    return query


def _active_beheerders(partnership_id: int) -> int:
    return db.session.execute(
        select(func.count(Membership.id)).where(
            Membership.partnership_id == partnership_id,
            Membership.role == "beheerder",
            Membership.active.is_(True),
        )
    ).scalar_one()


def update_membership(membership: Membership, organisation_id: int, role: str) -> None:
    """Change a member's organisation or role; the last beheerder stays beheerder."""
    if role not in ROLES:
        raise ServiceError(_l("Choose a role."), "role")
    participation = db.session.execute(
        select(Participation).where(
            Participation.partnership_id == membership.partnership_id,
            Participation.organisation_id == organisation_id,
            Participation.active.is_(True),
        )
    ).scalar_one_or_none()
    if participation is None:
        raise ServiceError(_l("Choose an organisation of this partnership."), "organisation_id")
    if (
        membership.role == "beheerder"
        and role != "beheerder"
        and _active_beheerders(membership.partnership_id) <= 1
    ):
        raise ServiceError(_l("A partnership needs at least one beheerder."), "role")
    membership.organisation_id = organisation_id
    membership.role = role
    record("update", membership, partnership_id=membership.partnership_id)
    db.session.commit()


def set_membership_active(membership: Membership, active: bool, actor_id: int) -> None:
    """Deactivate (archive) or restore a member's access to the partnership."""
    if not active:
        if membership.user_id == actor_id:
            raise ServiceError(_l("You cannot deactivate yourself."))
        if membership.role == "beheerder" and _active_beheerders(membership.partnership_id) <= 1:
            raise ServiceError(_l("A partnership needs at least one beheerder."))
    membership.active = active
    record("update", membership, partnership_id=membership.partnership_id)
    if not active:
        # Whatever page the person has open stops working now, not at their next login.
        end_all_sessions(membership.user)
    db.session.commit()
