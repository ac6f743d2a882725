"""Helpers for the manifest tests: build manifests through the services, read them back."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import func, select

from app.extensions import db
from app.manifest import services
from app.manifest.models import (
    ChangeProposal,
    Endorsement,
    ManifestVersion,
    Principle,
    PrincipleLink,
    PrincipleText,
    ProposalComment,
)
from app.partnerships.models import Membership, Partnership

TITLES = ("Samen", "Open", "Lerend")


def principle_fields(name: str, core: str | None = None, **extra) -> dict:
    """Form fields of a principle called `name`; `extra` overrides any field."""
    return {
        "title": name,
        "core_sentence": core or f"Wij kiezen voor {name.lower()} samenwerken.",
        "explanation": f"Uitleg bij *{name}*.",
        "origin": f"Bron van {name}",
        "practice": f"- {name} in de praktijk",
        **extra,
    }


@dataclass
class Built:
    number: int
    ids: dict[str, int]  # title -> principle id


def build_manifest(
    world, titles=TITLES, *, adopt: bool = True, note: str = "Vastgesteld."
) -> Built:
    """A new version (the first, or a copy of the current one) with `titles` added.

    Needs an application context; the programmamanager does the work.
    """
    partnership = db.session.get(Partnership, world.partnership.id)
    user_id = world.users["programmamanager"].id
    draft = services.open_draft(partnership, user_id)
    if draft.number == 1:
        services.update_preamble(draft, "Wij werken **samen** aan goede jeugdhulp.")
    for title in titles:
        services.add_principle(draft, principle_fields(title))
    if adopt:
        services.adopt(draft, note, user_id)
    return Built(draft.number, {t.title: t.principle_id for t in draft.texts})


def built(app, world, titles=TITLES, **kwargs) -> Built:
    """build_manifest() in its own request context (for route tests)."""
    with app.test_request_context():
        result = build_manifest(world, titles, **kwargs)
        db.session.remove()
    return result


def in_context(app, func, *args, **kwargs):
    """Run func in a request context of the app, the way a route calls a service."""
    with app.test_request_context():
        try:
            return func(*args, **kwargs)
        finally:
            db.session.remove()


def version(world, number: int) -> ManifestVersion:
    return services.version_by_number(world.partnership.id, number)


def titles_of(version: ManifestVersion) -> list[str]:
    return [t.title for t in services.texts_of(version)]


def positions_of(version: ManifestVersion) -> list[int]:
    return [t.position for t in services.texts_of(version)]


def text_of(world, number: int, principle_id: int) -> PrincipleText:
    return next(t for t in version(world, number).texts if t.principle_id == principle_id)


def membership(world, role: str) -> Membership:
    return db.session.get(Membership, world.memberships[role].id)


def manifest_state(partnership_id: int) -> dict:
    """Everything the manifest area stores for a partnership, as plain values."""
    versions = db.session.execute(
        select(ManifestVersion)
        .where(ManifestVersion.partnership_id == partnership_id)
        .order_by(ManifestVersion.number)
    ).scalars()
    proposals = db.session.execute(
        select(ChangeProposal)
        .where(ChangeProposal.partnership_id == partnership_id)
        .order_by(ChangeProposal.id)
    ).scalars()

    def count(query) -> int:
        return db.session.execute(query).scalar_one()

    return {
        "versions": [
            (
                v.number,
                v.status,
                v.preamble,
                v.adoption_note,
                v.adopted_by_id,
                v.version,
                [
                    (t.principle_id, t.position, *t.content().values(), t.version)
                    for t in sorted(v.texts, key=lambda t: t.position)
                ],
            )
            for v in versions
        ],
        "principles": count(
            select(func.count(Principle.id)).where(Principle.partnership_id == partnership_id)
        ),
        "proposals": [
            (p.id, p.status, p.principle_id, p.title, p.decision_reason, p.accepted_into_id)
            for p in proposals
        ],
        "comments": count(
            select(func.count(ProposalComment.id))
            .join(ChangeProposal)
            .where(ChangeProposal.partnership_id == partnership_id)
        ),
        "endorsements": count(
            select(func.count(Endorsement.id))
            .join(ManifestVersion)
            .where(ManifestVersion.partnership_id == partnership_id)
        ),
        "links": count(
            select(func.count(PrincipleLink.id)).where(
                PrincipleLink.partnership_id == partnership_id
            )
        ),
    }


def state(app, world) -> dict:
    """manifest_state() read in its own application context (for route tests)."""
    with app.app_context():
        result = manifest_state(world.partnership.id)
        db.session.remove()
    return result


def said(msgid: str, **variables) -> str:
    """A message as the current request context shows it (Dutch when translated)."""
    return gettext(msgid, **variables)


def membership_by_email(email: str) -> Membership:
    from app.auth.models import User

    return db.session.execute(select(Membership).join(User).where(User.email == email)).scalar_one()
