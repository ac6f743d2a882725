"""What risks put in a partnership's archive (app.exports.archive): each assessment is a
version of the figures."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.registry import ArchivePart
from app.risks import services
from app.risks.models import Risk


def documents(partnership_id: int, with_case_details: bool) -> list[dict]:
    result = []
    for r in db.session.execute(
        select(Risk).where(Risk.partnership_id == partnership_id).order_by(Risk.number)
    ).scalars():
        assessments = sorted(services.assessments_of(r), key=lambda a: (a.assessed_at, a.id))
        result.append({
            "kind": "risk", "id": r.id, "reference": r.reference, "title": r.title,
            "audit_type": "Risk",
            "fields": {
                "description": r.description, "cause": r.cause, "consequence": r.consequence,
                "category": r.category.name, "shared": r.shared,
                "bearers": [o.name for o in r.bearers], "owner": r.owner.name if r.owner else "",
                "inherent_likelihood": r.inherent_likelihood, "inherent_impact": r.inherent_impact,
                "residual_likelihood": r.residual_likelihood, "residual_impact": r.residual_impact,
                "residual_reason": r.residual_reason, "strategy": r.strategy, "status": r.status,
                "review_on": r.review_on, "archived_at": r.archived_at,
                "measures": [{"description": m.description, "status": m.status,
                              "due_on": m.due_on, "owner": m.owner.name if m.owner else ""}
                             for m in services.measures_of(r)],
            },
            "versions": [{"number": n, "at": a.assessed_at, "note": a.reason,
                          "by": a.assessed_by.name if a.assessed_by else None,
                          "content": {k: getattr(a, k) for k in (
                              "inherent_likelihood", "inherent_impact", "residual_likelihood",
                              "residual_impact")}}
                         for n, a in enumerate(assessments, start=1)],
            "decisions": [],
            "comments": [{"at": c.created_at, "author": c.author.name, "body": c.body}
                         for c in services.comments_of(r)],
        })  # fmt: skip
    return result


PART = ArchivePart(documents)
