"""What case reviews put in a partnership's archive (app.exports.archive). The case
details (models.CASE_FIELDS: the description of the case, team, participants, aims, what
went well and what could be better) only when the archive is made with them."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.registry import ArchivePart
from app.reviews.models import CASE_FIELDS, Lesson, Review


def documents(partnership_id: int, with_case_details: bool) -> list[dict]:
    result = []
    for r in db.session.execute(
        select(Review).where(Review.partnership_id == partnership_id).order_by(Review.number)
    ).scalars():
        fields = {
            "kind": r.kind, "held_on": r.held_on, "organisation": r.organisation.name,
            "status": r.status, "finalised_at": r.finalised_at, "purged_at": r.purged_at,
            "lessons": [{"text": lesson.text, "level": lesson.level} for lesson in
                        db.session.execute(select(Lesson).where(Lesson.review_id == r.id)
                                           .order_by(Lesson.id)).scalars()],
        }  # fmt: skip
        if with_case_details:
            fields.update({name: getattr(r, name) for name in CASE_FIELDS})
        result.append({
            "kind": "review", "id": r.id, "reference": r.reference, "title": r.title,
            "audit_type": "Review", "fields": fields, "versions": [], "decisions": [],
            "comments": [],
        })  # fmt: skip
    return result


PART = ArchivePart(documents)
