"""What decisions add to the shared layers (history, notifications, the scheduled closing,
reminders, the calendar, search, the dashboard, agreement origins, a table's outcomes and
a cycle's summary), and init_app(), which wires the area into the app."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app import registry
from app.activity.objects import Target, in_partnership
from app.agreements.models import Agreement
from app.decisions import services
from app.decisions.dashboard import decisions_attention, open_proposals_count
from app.decisions.forms import (
    METHOD_LABELS,
    OUTCOME_LABELS,
    POSITION_LABELS,
    RESULT_LABELS,
    STATUS_LABELS,
)
from app.decisions.models import (
    ADOPTED,
    Proposal,
    ProposalAnswer,
    ProposalOrganisation,
)
from app.decisions.routes import PAGE_LABELS, bp
from app.exports.ics import event
from app.extensions import db
from app.partnerships.models import Membership
from app.registry import AuditType, CalendarQuery, Indexer, NotificationKind, ObjectKind
from app.search.services import Doc, join_text
from app.urls import path_in

# --- history -----------------------------------------------------------------------------


def resolve_proposal(object_id: int, membership: Membership) -> Target | None:
    p = in_partnership(Proposal, object_id, membership)
    if p is None or not services.may_see(p, membership):
        return None
    answers = select(ProposalAnswer.id).where(ProposalAnswer.proposal_id == p.id)
    return Target("decision", p, f"{p.reference} {p.title}",
                  url_for("decisions.show", slug=membership.partnership.slug, number=p.number),
                  [("Proposal", p.id), ("ProposalAnswer", answers)])  # fmt: skip


# --- the calendar: closing times of the proposals one made or decides on ------------------


def closing_times(q: CalendarQuery) -> list[list[str]]:
    my_organisations = select(Membership.organisation_id).where(
        Membership.user_id == q.user.id, Membership.active.is_(True)
    )
    deciding = select(ProposalOrganisation.proposal_id).where(
        ProposalOrganisation.organisation_id.in_(my_organisations)
    )
    proposals = db.session.execute(
        select(Proposal).where(
            Proposal.partnership_id.in_(q.partnership_ids), Proposal.archived_at.is_(None),
            Proposal.closes_at >= datetime.combine(q.start, datetime.min.time()),
            Proposal.closes_at < datetime.combine(q.end, datetime.min.time()),
            or_(Proposal.proposer_id == q.user.id, Proposal.id.in_(deciding)),
        ).order_by(Proposal.closes_at).limit(q.limit)
    ).scalars()  # fmt: skip
    return [event(
        f"decision-{p.id}@samenspel",
        _("Proposal closes: %(ref)s %(title)s", ref=p.reference, title=p.title),
        p.closes_at, p.closes_at + timedelta(minutes=15),
        url=q.url("decisions.show", p.partnership_id, number=p.number),
    ) for p in proposals]  # fmt: skip


# --- search: a proposal with its objections and reasons -----------------------------------


def index_proposal(proposal: Proposal):
    reasons = db.session.execute(
        select(ProposalAnswer.reason).where(
            ProposalAnswer.proposal_id == proposal.id, ProposalAnswer.reason != ""
        )
    ).scalars()
    return [("decision", proposal.id, Doc(
        "decision", proposal.id, proposal.partnership_id, f"{proposal.reference} {proposal.title}",
        join_text(proposal.text, proposal.rationale, proposal.outcome_text, *reasons),
        path_in(proposal.partnership_id, "decisions.show", number=proposal.number),
        table_id=proposal.table_id,
    ))]  # fmt: skip


def index_answer(answer: ProposalAnswer):
    proposal = db.session.get(Proposal, answer.proposal_id)
    return index_proposal(proposal) if proposal is not None else []


# --- where an agreement came from; what came of a table; what a period brought --------------


def proposal_url(proposal_id: int) -> str | None:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.partnership_id != g.partnership.id:
        return None
    return url_for("decisions.show", slug=g.partnership.slug, number=proposal.number) + "#outcome"


def table_outcomes(table) -> list[dict]:
    rows = []
    proposals = services.outcomes_of_table(table)
    agreements = {
        a.id: a
        for a in db.session.execute(
            select(Agreement).where(
                Agreement.id.in_([p.agreement_id for p in proposals if p.agreement_id])
            )
        ).scalars()
    }
    for p in proposals:
        agreement = agreements.get(p.agreement_id)
        rows.append({
            "label": _("Decision %(ref)s “%(title)s”: %(outcome)s", ref=p.reference,
                       title=p.title, outcome=OUTCOME_LABELS[p.outcome]),
            "url": url_for("decisions.show", slug=g.partnership.slug, number=p.number),
            "result_label": f"{agreement.reference} {agreement.title}" if agreement else "",
            "result_url": url_for("agreements.show", slug=g.partnership.slug,
                                  number=agreement.number) if agreement else "",
        })  # fmt: skip
    return rows


def decisions_in_period(partnership_id: int, start: datetime, end: datetime) -> dict | None:
    total, proposals = services.decided_between(partnership_id, start, end)
    return {
        "template": "decisions/_cycle_summary.html",
        "count": total,
        "adopted": sum(1 for p in proposals if p.outcome == ADOPTED),
        "items": [
            {"number": p.number, "title": p.title, "outcome": p.outcome,
             "on": p.outcome_at.date().isoformat() if p.outcome_at else ""}
            for p in proposals
        ],
    }  # fmt: skip


def proposal_titles(ids: list[int]) -> dict[int, str]:
    """Proposals as history and activity name them: "VS-3 Title"."""
    rows = db.session.execute(
        select(Proposal.id, Proposal.number, Proposal.title).where(Proposal.id.in_(ids))
    )
    return {r.id: f"VS-{r.number} {r.title}" for r in rows}


AUDIT_TYPES = {
    "Proposal": AuditType(
        _l("Proposal"),
        history_kind="decision",
        values={
            "method": METHOD_LABELS,
            "status": STATUS_LABELS,
            "result": RESULT_LABELS,
            "outcome": OUTCOME_LABELS,
        },
        references={
            "table_id": "table",
            "agreement_id": "agreement",
            "change_proposal_id": "change_proposal",
        },
    ),  # fmt: skip
    "ProposalAnswer": AuditType(
        _l("Answer to a proposal"),
        values={"position": POSITION_LABELS},
        references={"proposal_id": "decision"},
    ),
    "DecisionMandate": AuditType(_l("Designation to decide")),
}


def _result(params: dict) -> dict:
    label = RESULT_LABELS.get(params.get("result", ""))
    return {**params, "result": str(label) if label else params.get("result", "")}


def _outcome(params: dict) -> dict:
    label = OUTCOME_LABELS.get(params.get("outcome", ""))
    return {**params, "outcome": str(label).lower() if label else params.get("outcome", "")}


NOTIFICATIONS = {
    "decision_opened": NotificationKind(
        _l("Your organisation is asked to decide on %(title)s before %(date)s")
    ),
    "decision_reminder": NotificationKind(
        _l("Your organisation has not answered %(title)s yet; it closes on %(date)s")
    ),
    "decision_objection": NotificationKind(_l("%(organisation)s objects to %(title)s: %(reason)s")),
    "decision_amended": NotificationKind(
        _l("%(title)s has been amended; your organisation is asked again (%(reason)s)")
    ),
    "decision_closed": NotificationKind(
        _l("%(title)s has closed and %(result)s; state the outcome"), params=_result
    ),
    "decision_outcome": NotificationKind(
        _l("The outcome of %(title)s: %(outcome)s"), params=_outcome
    ),
}


def close_due_proposals(now) -> int:
    """The job `flask notify send` runs: close the proposals whose time has come."""
    return services.close_due(now=now)


def _all_proposals():
    return select(Proposal)


# Module constants, so a second create_app registers the very same entries.
INDEXERS = (
    Indexer(Proposal, index_proposal, everything=_all_proposals),
    Indexer(ProposalAnswer, index_answer),
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry.page_labels.register("decisions", PAGE_LABELS)
    registry.objects.register("decision", ObjectKind(resolve_proposal))
    registry.search_kinds.register("decision", _l("Decisions"))
    for name, audit_type in AUDIT_TYPES.items():
        registry.audit_types.register(name, audit_type)
    registry.titles.register("decision", proposal_titles)
    for kind, notification in NOTIFICATIONS.items():
        registry.notification_kinds.register(kind, notification)
    registry.jobs.register("close proposals", close_due_proposals)
    registry.reminders.register("proposal closing", services.remind_closing)
    registry.calendar_sources.register("proposal closing", closing_times)
    for indexer in INDEXERS:
        registry.indexers.register(indexer.model, indexer)
    registry.panels.register("decisions", registry.Panel(decisions_attention))
    registry.glance_counts.register("decisions", open_proposals_count)
    registry.origins.register("decision", proposal_url)
    registry.table_outcomes.register("decisions", table_outcomes)
    registry.period_parts.register("decisions", decisions_in_period)
