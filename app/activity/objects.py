"""The objects people follow and whose history they read: how to find one within a
partnership, whether a member may read it, and which audit events belong to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from sqlalchemy import select

from app.extensions import db
from app.partnerships.models import Membership

# Review fields that are case details: their values stay inside the organisation.
CASE_FIELDS = frozenset(
    {"case_description", "went_well", "could_be_better", "team", "participants", "aims"}
)


@dataclass
class Target:
    kind: str
    obj: Any
    label: str
    url: str
    # (audit object type, id or a select() of ids)
    audit: list[tuple[str, Any]] = field(default_factory=list)
    # audit object types, or single objects (type, id), whose values this member may not
    # read, with the fields (None: all)
    redact: dict[str | tuple[str, int], frozenset[str] | None] = field(default_factory=dict)


def _get(model, object_id: int, membership: Membership):
    obj = db.session.get(model, object_id)
    if obj is None or obj.partnership_id != membership.partnership_id:
        return None
    return obj


def _slug(membership: Membership) -> str:
    return membership.partnership.slug


def _agreement(object_id, membership):
    from app.agreements.models import Agreement, AgreementComment

    a = _get(Agreement, object_id, membership)
    if a is None:
        return None
    comments = select(AgreementComment.id).where(AgreementComment.agreement_id == a.id)
    return Target("agreement", a, f"{a.reference} {a.title}",
                  url_for("agreements.show", slug=_slug(membership), number=a.number),
                  [("Agreement", a.id), ("AgreementComment", comments)])  # fmt: skip


def _risk(object_id, membership):
    from app.risks.models import Measure, Risk, RiskComment

    r = _get(Risk, object_id, membership)
    if r is None:
        return None
    return Target("risk", r, f"{r.reference} {r.title}",
                  url_for("risks.show", slug=_slug(membership), number=r.number),
                  [("Risk", r.id), ("Measure", select(Measure.id).where(Measure.risk_id == r.id)),
                   ("RiskComment", select(RiskComment.id).where(RiskComment.risk_id == r.id))])  # fmt: skip


def _principle(object_id, membership):
    from app.manifest.models import Principle, PrincipleText

    p = _get(Principle, object_id, membership)
    if p is None:
        return None
    title = db.session.execute(
        select(PrincipleText.title).where(PrincipleText.principle_id == p.id)
        .order_by(PrincipleText.id.desc()).limit(1)
    ).scalar_one_or_none()  # fmt: skip
    texts = select(PrincipleText.id).where(PrincipleText.principle_id == p.id)
    return Target("principle", p, title or "",
                  url_for("manifest.principle", slug=_slug(membership), principle_id=p.id),
                  [("Principle", p.id), ("PrincipleText", texts)])  # fmt: skip


def _proposal(object_id, membership):
    from app.manifest.models import ChangeProposal, ProposalComment

    p = _get(ChangeProposal, object_id, membership)
    if p is None:
        return None
    comments = select(ProposalComment.id).where(ProposalComment.proposal_id == p.id)
    return Target("proposal", p, p.title,
                  url_for("manifest.proposal", slug=_slug(membership), proposal_id=p.id),
                  [("ChangeProposal", p.id), ("ProposalComment", comments)])  # fmt: skip


def _table_access(table, membership) -> int:
    from app.tables.services import access_to

    return access_to(table, membership)


def _table(object_id, membership):
    from app.policy import TABLE_NONE
    from app.tables.models import TableMember, ThematicTable

    t = _get(ThematicTable, object_id, membership)
    if t is None or _table_access(t, membership) == TABLE_NONE:
        return None
    members = select(TableMember.id).where(TableMember.table_id == t.id)
    return Target("table", t, t.name,
                  url_for("tables.show", slug=_slug(membership), table_id=t.id),
                  [("ThematicTable", t.id), ("TableMember", members)])  # fmt: skip


def _conversation(object_id, membership):
    from app.policy import TABLE_MANAGE, TABLE_NONE
    from app.tables.models import Comment, Conversation

    c = _get(Conversation, object_id, membership)
    if c is None:
        return None
    access = _table_access(c.table, membership)
    if access == TABLE_NONE:
        return None
    comments = select(Comment.id).where(Comment.conversation_id == c.id)
    target = Target("conversation", c, c.title,
                    url_for("tables.conversation", slug=_slug(membership), table_id=c.table_id,
                            conversation_id=c.id),
                    [("Conversation", c.id), ("Comment", comments)])  # fmt: skip
    if access < TABLE_MANAGE:
        # The text of a hidden comment is for moderators only.
        hidden = select(Comment.id).where(
            Comment.conversation_id == c.id, Comment.hidden_at.is_not(None)
        )
        for comment_id in db.session.execute(hidden).scalars():
            target.redact[("Comment", comment_id)] = frozenset({"body"})
    return target


def _meeting(object_id, membership):
    from app.policy import TABLE_NONE
    from app.tables.models import Meeting, MeetingDecision

    m = _get(Meeting, object_id, membership)
    if m is None or _table_access(m.table, membership) == TABLE_NONE:
        return None
    decisions = select(MeetingDecision.id).where(MeetingDecision.meeting_id == m.id)
    return Target("meeting", m, m.title,
                  url_for("tables.meeting", slug=_slug(membership), table_id=m.table_id,
                          meeting_id=m.id),
                  [("Meeting", m.id), ("MeetingDecision", decisions)])  # fmt: skip


def _review(object_id, membership):
    from app.policy import may_read_case_details, may_see_review
    from app.reviews.models import Lesson, PrivacyConfirmation, Review

    r = _get(Review, object_id, membership)
    if r is None or not may_see_review(membership, r.status, r.organisation_id):
        return None
    audit = [("Review", r.id), ("Lesson", select(Lesson.id).where(Lesson.review_id == r.id))]
    target = Target("review", r, f"{r.reference} {r.title}",
                    url_for("reviews.show", slug=_slug(membership), number=r.number), audit)  # fmt: skip
    if may_read_case_details(membership, r.organisation_id):
        audit.append(("PrivacyConfirmation",
                      select(PrivacyConfirmation.id).where(PrivacyConfirmation.review_id == r.id)))  # fmt: skip
    else:
        target.redact["Review"] = CASE_FIELDS
    return target


def _cycle(object_id, membership):
    from app.cycles.models import BoardDecision, Cycle

    c = _get(Cycle, object_id, membership)
    if c is None:
        return None
    decisions = select(BoardDecision.id).where(BoardDecision.cycle_id == c.id)
    return Target("cycle", c, f"{c.reference} {c.title}",
                  url_for("cycles.show", slug=_slug(membership), number=c.number),
                  [("Cycle", c.id), ("BoardDecision", decisions)])  # fmt: skip


def _indicator(object_id, membership):
    from app.cycles.models import Indicator

    i = _get(Indicator, object_id, membership)
    if i is None:
        return None
    return Target("indicator", i, i.name, url_for("cycles.indicators", slug=_slug(membership)),
                  [("Indicator", i.id)])  # fmt: skip


RESOLVERS = {
    "agreement": _agreement,
    "risk": _risk,
    "principle": _principle,
    "proposal": _proposal,
    "table": _table,
    "conversation": _conversation,
    "meeting": _meeting,
    "review": _review,
    "cycle": _cycle,
    "indicator": _indicator,
}


def resolve(kind: str, object_id: int, membership: Membership) -> Target | None:
    """The object if it exists in the member's partnership and they may read it."""
    resolver = RESOLVERS.get(kind)
    return resolver(object_id, membership) if resolver else None
