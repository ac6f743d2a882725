"""What case reviews put in a partnership's archive (app.exports.archive). The case
details (the description of the case) only when the archive is made with them."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.registry import ArchivePart
from app.reviews.models import Lesson, Review


def documents(partnership_id: int, with_case_details: bool) -> list[dict]:
    result = []
    for r in db.session.execute(
        select(Review).where(Review.partnership_id == partnership_id).order_by(Review.number)
    ).scalars():
        fields = {
            "kind": r.kind, "held_on": r.held_on, "organisation": r.organisation.name,
            "team": r.team, "participants": r.participants, "aims": r.aims,
            "went_well": r.went_well, "could_be_better": r.could_be_better,
            "status": r.status, "finalised_at": r.finalised_at, "purged_at": r.purged_at,
            "lessons": [{"text": lesson.text, "level": lesson.level} for lesson in
                        db.session.execute(select(Lesson).where(Lesson.review_id == r.id)
                                           .order_by(Lesson.id)).scalars()],
        }  # fmt: skip
        if with_case_details:
            fields["case_description"] = r.case_description
        result.append({
            "kind": "review", "id": r.id, "reference": r.reference, "title": r.title,
            "audit_type": "Review", "fields": fields, "versions": [], "decisions": [],
            "comments": [],
        })  # fmt: skip
    return result


PART = ArchivePart(documents)
