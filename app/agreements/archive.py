"""What agreements put in a partnership's archive (app.exports.archive)."""

from __future__ import annotations

from sqlalchemy import select

from app.agreements import services
from app.agreements.models import Agreement
from app.extensions import db
from app.registry import ArchivePart


def documents(partnership_id: int, with_case_details: bool) -> list[dict]:
    result = []
    for a in db.session.execute(
        select(Agreement)
        .where(Agreement.partnership_id == partnership_id)
        .order_by(Agreement.number)
    ).scalars():
        timeline = services.timeline(a)
        result.append({
            "kind": "agreement", "id": a.id, "reference": a.reference, "title": a.title,
            "audit_type": "Agreement",
            "fields": {**services.snapshot(a), "status": a.status,
                       "current_version": a.current_version, "archived_at": a.archived_at},
            "versions": [{"number": v.number, "at": v.created_at, "note": v.change_note,
                          "by": v.created_by.name if v.created_by else None, "content": v.content}
                         for v in reversed(services.versions_of(a))],
            "decisions": [{"decision": r.decision, "at": r.decided_at, "reason": r.reason,
                           "by": r.decided_by.name if r.decided_by else None}
                          for kind, r in reversed(timeline) if kind == "revisit"],
            "comments": [{"at": c.created_at, "author": c.author.name, "body": c.body}
                         for kind, c in reversed(timeline) if kind == "comment"],
        })  # fmt: skip
    return result


PART = ArchivePart(documents)
