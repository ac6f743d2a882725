"""What risks add to the shared layers (history, reminders, the calendar, search, the
dashboard, principle links, agreement pages), and init_app(), which wires the area in."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app import registry
from app.activity.notifications import (
    DUE_SOON_DAYS,
    notify,
    partnership_slugs,
    reminder_stage,
    shorten,
)
from app.activity.objects import Target, in_partnership
from app.documents.services import document_ids
from app.documents.views import numbered_object
from app.exports.ics import day_event
from app.extensions import db
from app.partnerships.models import Membership
from app.registry import (
    Attachable,
    AuditType,
    CalendarQuery,
    Indexer,
    NotificationKind,
    ObjectKind,
)
from app.risks import services
from app.risks.archive import PART as ARCHIVE_PART
from app.risks.dashboard import risks_attention, risks_glance
from app.risks.forms import MEASURE_STATUS_LABELS, STATUS_LABELS, STRATEGY_LABELS
from app.risks.imports import IMPORTER
from app.risks.models import Measure, Risk, RiskCategory, RiskComment
from app.risks.routes import PAGE_LABELS, bp
from app.search.services import Doc, join_text
from app.urls import path_for, path_in

OPEN_MEASURES = ("gepland", "in_uitvoering")


def resolve_risk(object_id: int, membership: Membership) -> Target | None:
    r = in_partnership(Risk, object_id, membership)
    if r is None:
        return None
    return Target("risk", r, f"{r.reference} {r.title}",
                  url_for("risks.show", slug=membership.partnership.slug, number=r.number),
                  [("Risk", r.id), ("Measure", select(Measure.id).where(Measure.risk_id == r.id)),
                   ("RiskComment", select(RiskComment.id).where(RiskComment.risk_id == r.id)),
                   ("Document", document_ids("risk", r.id))])  # fmt: skip


def remind_risk_reviews(today) -> int:
    """A risk's owner, a week before its review date and when it is overdue."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    risks = db.session.execute(
        select(Risk).where(
            Risk.status != "gesloten", Risk.archived_at.is_(None), Risk.review_on.is_not(None),
            Risk.review_on <= soon, Risk.owner_id.is_not(None),
        )
    ).scalars().all()  # fmt: skip
    if not risks:
        return 0
    slugs, added = partnership_slugs(), 0
    for risk in risks:
        stage = reminder_stage((risk.review_on - today).days, (DUE_SOON_DAYS,))
        added += notify(
            [risk.owner_id], partnership_id=risk.partnership_id,
            kind="risk_review_overdue" if stage == "overdue" else "risk_review_due",
            object_type="risk", object_id=risk.id,
            url=path_for("risks.show", slug=slugs[risk.partnership_id], number=risk.number),
            params={"title": f"{risk.reference} “{risk.title}”", "date": risk.review_on.isoformat()},
            key=f"risk-review:{risk.id}:{risk.review_on.isoformat()}:{stage}",
        )  # fmt: skip
    return added


def remind_measures(today) -> int:
    """A measure's owner, a week before it is due and when it is overdue."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    measures = db.session.execute(
        select(Measure, Risk.number).join(Risk, Risk.id == Measure.risk_id).where(
            Measure.status.in_(OPEN_MEASURES), Measure.due_on.is_not(None),
            Measure.due_on <= soon, Measure.owner_id.is_not(None), Risk.archived_at.is_(None),
        )
    ).all()  # fmt: skip
    if not measures:
        return 0
    slugs, added = partnership_slugs(), 0
    for measure, risk_number in measures:
        stage = reminder_stage((measure.due_on - today).days, (DUE_SOON_DAYS,))
        added += notify(
            [measure.owner_id], partnership_id=measure.partnership_id,
            kind="measure_overdue" if stage == "overdue" else "measure_due",
            object_type="risk", object_id=measure.risk_id,
            url=path_for("risks.show", slug=slugs[measure.partnership_id], number=risk_number),
            params={"title": shorten(measure.description), "date": measure.due_on.isoformat()},
            key=f"measure:{measure.id}:{measure.due_on.isoformat()}:{stage}",
        )  # fmt: skip
    return added


def review_dates(q: CalendarQuery) -> list[list[str]]:
    """The review dates of the risks one owns or follows."""
    risks = db.session.execute(
        select(Risk).where(
            Risk.partnership_id.in_(q.partnership_ids), Risk.status != "gesloten",
            Risk.archived_at.is_(None), Risk.review_on.between(q.start, q.end),
            or_(Risk.owner_id == q.user.id, Risk.id.in_(q.followed("risk"))),
        ).order_by(Risk.review_on).limit(q.limit)
    ).scalars()  # fmt: skip
    return [day_event(
        f"risk-review-{r.id}-{r.review_on.isoformat()}@samenspel", r.review_on,
        _("Review risk %(ref)s: %(title)s", ref=r.reference, title=r.title),
        url=q.url("risks.show", r.partnership_id, number=r.number),
    ) for r in risks]  # fmt: skip


def measure_dates(q: CalendarQuery) -> list[list[str]]:
    """The due dates of one's open measures."""
    measures = db.session.execute(
        select(Measure, Risk.number).join(Risk, Risk.id == Measure.risk_id).where(
            Measure.partnership_id.in_(q.partnership_ids), Measure.owner_id == q.user.id,
            Measure.status.in_(OPEN_MEASURES), Measure.due_on.between(q.start, q.end),
            Risk.archived_at.is_(None),
        ).order_by(Measure.due_on).limit(q.limit)
    ).all()  # fmt: skip
    return [day_event(
        f"measure-{m.id}-{m.due_on.isoformat()}@samenspel", m.due_on,
        _("Measure due: %(text)s", text=shorten(m.description, 80)),
        description=m.description, url=q.url("risks.show", m.partnership_id, number=number),
    ) for m, number in measures]  # fmt: skip


def index_risk(risk: Risk):
    return [("risk", risk.id, Doc(
        "risk", risk.id, risk.partnership_id, f"{risk.reference} {risk.title}",
        join_text(risk.description, risk.cause, risk.consequence),
        path_in(risk.partnership_id, "risks.show", number=risk.number),
    ))]  # fmt: skip


def describe_risks(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Risks that threaten a principle, as its page lists them."""
    rows = db.session.execute(select(Risk.id, Risk.number, Risk.title).where(Risk.id.in_(ids)))
    return {
        r.id: (f"R-{r.number} {r.title}",
               url_for("risks.show", slug=g.partnership.slug, number=r.number))
        for r in rows
    }  # fmt: skip


def risk_titles(ids: list[int]) -> dict[int, str]:
    """Risks as history and activity name them: "R-2 Title"."""
    rows = db.session.execute(select(Risk.id, Risk.number, Risk.title).where(Risk.id.in_(ids)))
    return {r.id: f"R-{r.number} {r.title}" for r in rows}


def category_titles(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(
        select(RiskCategory.id, RiskCategory.name).where(RiskCategory.id.in_(ids))
    )
    return dict(rows.all())


def measures_of_agreement(agreement) -> dict:
    """On an agreement's page: the measures that implement it."""
    measures = services.measures_for_agreement(agreement.id)
    return {"template": "risks/_agreement_measures.html", "measures": measures}


AUDIT_TYPES = {
    "Risk": AuditType(
        _l("Risk"),
        history_kind="risk",
        values={"status": STATUS_LABELS, "strategy": STRATEGY_LABELS},
        references={"category_id": "risk_category"},
    ),
    "Measure": AuditType(
        _l("Measure"),
        values={"status": MEASURE_STATUS_LABELS},
        references={"risk_id": "risk", "agreement_id": "agreement"},
    ),
    "RiskComment": AuditType(_l("Comment on a risk"), references={"risk_id": "risk"}),
    "RiskSettings": AuditType(_l("Risk settings"), filterable=False),
    "RiskCategory": AuditType(_l("Risk category"), filterable=False),
}
NOTIFICATIONS = {
    "risk_review_due": NotificationKind(_l("The review of risk %(title)s is due on %(date)s")),
    "risk_review_overdue": NotificationKind(
        _l("The review of risk %(title)s is overdue: it was due on %(date)s")
    ),
    "measure_due": NotificationKind(_l("Measure “%(title)s” is due on %(date)s")),
    "measure_overdue": NotificationKind(
        _l("Measure “%(title)s” is overdue: it was due on %(date)s")
    ),
}

INDEXERS = [Indexer(Risk, index_risk, everything=lambda: select(Risk))]

SEARCH_KINDS = {
    "risk": _l("Risks"),
}


# Every member reads its documents; those with risk.edit attach them.
attach_risk = numbered_object(Risk, "risks.show", "risk.edit")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry.page_labels.register("risks", PAGE_LABELS)
    registry.objects.register("risk", ObjectKind(resolve_risk, followable=True))
    registry.attachables.register("risk", Attachable(_l("Risk"), attach_risk))
    for name, audit_type in AUDIT_TYPES.items():
        registry.audit_types.register(name, audit_type)
    for kind, notification in NOTIFICATIONS.items():
        registry.notification_kinds.register(kind, notification)
    registry.reminders.register("risk reviews", remind_risk_reviews)
    registry.reminders.register("measures", remind_measures)
    registry.calendar_sources.register("risk reviews", review_dates)
    registry.calendar_sources.register("measures", measure_dates)
    for indexer in INDEXERS:
        registry.indexers.register(indexer.model, indexer)
    for kind, heading in SEARCH_KINDS.items():
        registry.search_kinds.register(kind, heading)
    registry.panels.register("risks", registry.Panel(risks_attention, kept=True))
    registry.glances.register("risks", risks_glance)
    registry.importers.register("risks", IMPORTER)
    registry.describers.register("risk", describe_risks)
    registry.titles.register("risk", risk_titles)
    registry.titles.register("risk_category", category_titles)
    registry.agreement_sections.register("measures", measures_of_agreement)
    registry.archive_parts.register("risks", ARCHIVE_PART)
