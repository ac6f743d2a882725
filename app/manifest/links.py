"""The one link mechanism from other areas to principles.

An area that refers to principles (agreements implement them, risks threaten them,
review scores and lessons cite them) stores PrincipleLink rows with
``set_links()`` and registers a describer (app.registry.describers), so a principle's page can list what
refers to it without the manifest area knowing the other areas' models.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, select

from app.errors import ServiceError
from app.extensions import db
from app.manifest.models import Principle, PrincipleLink
from app.registry import describers


@dataclass(frozen=True)
class Section:
    source_type: str
    relation: str
    title: object
    empty: object


# The sections a principle's page shows, in order; areas fill them as they arrive.
SECTIONS = (
    Section(
        "agreement",
        "implements",
        _l("Agreements that implement this principle"),
        _l("No agreement implements this principle yet."),
    ),
    Section(
        "risk",
        "threatens",
        _l("Risks that threaten this principle"),
        _l("No risk has been linked to this principle yet."),
    ),
    Section(
        "review",
        "scores",
        _l("Reviews that scored practice against this principle"),
        _l("No review has scored this principle yet."),
    ),
    Section(
        "lesson",
        "cites",
        _l("Lessons that cite this principle"),
        _l("No lesson cites this principle yet."),
    ),
)


def set_links(
    partnership_id: int, source_type: str, source_id: int, relation: str, principle_ids
) -> None:
    """Make the source refer to exactly these principles (in the caller's transaction)."""
    wanted = {int(pid) for pid in principle_ids}
    if wanted:
        found = set(
            db.session.execute(
                select(Principle.id).where(
                    Principle.id.in_(wanted), Principle.partnership_id == partnership_id
                )
            ).scalars()
        )
        if found != wanted:
            raise ServiceError(_l("Choose principles of this partnership."), "principles")
    current = set(
        db.session.execute(
            select(PrincipleLink.principle_id).where(
                PrincipleLink.source_type == source_type,
                PrincipleLink.source_id == source_id,
                PrincipleLink.relation == relation,
            )
        ).scalars()
    )
    if current - wanted:
        db.session.execute(
            delete(PrincipleLink).where(
                PrincipleLink.source_type == source_type,
                PrincipleLink.source_id == source_id,
                PrincipleLink.relation == relation,
                PrincipleLink.principle_id.in_(current - wanted),
            )
        )
    for pid in sorted(wanted - current):
        db.session.add(
            PrincipleLink(
                partnership_id=partnership_id,
                principle_id=pid,
                source_type=source_type,
                source_id=source_id,
                relation=relation,
            )
        )


@cache
def _linked_statement():
    """Built once: every agreement and risk page reads its principles."""
    return select(PrincipleLink.principle_id).where(
        PrincipleLink.source_type == bindparam("source_type"),
        PrincipleLink.source_id == bindparam("source_id"),
        PrincipleLink.relation == bindparam("relation"),
    )


def linked_principle_ids(source_type: str, source_id: int, relation: str) -> list[int]:
    values = {"source_type": source_type, "source_id": source_id, "relation": relation}
    return list(db.session.execute(_linked_statement(), values).scalars())


def sections_for(principle_id: int) -> list[tuple[Section, list[tuple[str, str]]]]:
    """Each section with the (title, url) of what refers to the principle; one query."""
    rows = db.session.execute(
        select(PrincipleLink.source_type, PrincipleLink.relation, PrincipleLink.source_id)
        .where(PrincipleLink.principle_id == principle_id)
        .order_by(PrincipleLink.id)
    ).all()
    result = []
    for section in SECTIONS:
        ids = [
            r.source_id
            for r in rows
            if (r.source_type, r.relation) == (section.source_type, section.relation)
        ]
        describer = describers.get(section.source_type)
        described = describer(ids) if (ids and describer) else {}
        result.append((section, [described[i] for i in ids if i in described]))
    return result
