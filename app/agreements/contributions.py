"""What agreements add to the shared layers (history, reminders, the calendar, search,
the dashboard, principle links), and init_app(), which wires the area into the app."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app import registry
from app.activity.notifications import (
    notify,
    partnership_slugs,
    programme_managers,
    reminder_stage,
)
from app.activity.objects import Target, in_partnership
from app.agreements.archive import PART as ARCHIVE_PART
from app.agreements.dashboard import agreements_attention, agreements_glance
from app.agreements.imports import IMPORTER
from app.agreements.models import (
    ACTIVE,
    CONCEPT,
    WORKABLE,
    Agreement,
    AgreementComment,
    AgreementParty,
)
from app.agreements.routes import PAGE_LABELS, SHORT_KIND, STATUS_BADGES, STATUS_LABELS, bp
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
from app.search.services import Doc, join_text
from app.urls import path_for, path_in

# Days before a revisit date at which its owner and programme managers are reminded.
REVISIT_STAGES = (30, 7, 1)


def resolve_agreement(object_id: int, membership: Membership) -> Target | None:
    a = in_partnership(Agreement, object_id, membership)
    if a is None:
        return None
    comments = select(AgreementComment.id).where(AgreementComment.agreement_id == a.id)
    return Target("agreement", a, f"{a.reference} {a.title}",
                  url_for("agreements.show", slug=membership.partnership.slug, number=a.number),
                  [("Agreement", a.id), ("AgreementComment", comments),
                   ("Document", document_ids("agreement", a.id))])  # fmt: skip


def remind_revisits(today) -> int:
    """Owners and the parties' programme managers, 30, 7 and 1 days before a workable
    agreement's revisit date and when it is overdue."""
    horizon = today + timedelta(days=max(REVISIT_STAGES))
    agreements = db.session.execute(
        select(Agreement).where(
            Agreement.status == ACTIVE, Agreement.kind == WORKABLE,
            Agreement.archived_at.is_(None), Agreement.revisit_on.is_not(None),
            Agreement.revisit_on <= horizon,
        )
    ).scalars().all()  # fmt: skip
    if not agreements:
        return 0
    slugs = partnership_slugs()
    parties: dict[int, list[int]] = {}
    for agreement_id, organisation_id in db.session.execute(
        select(AgreementParty.agreement_id, AgreementParty.organisation_id).where(
            AgreementParty.agreement_id.in_([a.id for a in agreements])
        )
    ).all():
        parties.setdefault(agreement_id, []).append(organisation_id)
    managers = programme_managers({a.partnership_id for a in agreements})
    added = 0
    for agreement in agreements:
        stage = reminder_stage((agreement.revisit_on - today).days, REVISIT_STAGES)
        if stage is None:
            continue
        recipients = [agreement.owner_id]
        for organisation_id in parties.get(agreement.id, []):
            recipients += managers.get((agreement.partnership_id, organisation_id), [])
        added += notify(
            recipients, partnership_id=agreement.partnership_id,
            kind="revisit_overdue" if stage == "overdue" else "revisit_due",
            object_type="agreement", object_id=agreement.id,
            url=path_for("agreements.show", slug=slugs[agreement.partnership_id], number=agreement.number),
            params={"title": f"{agreement.reference} “{agreement.title}”",
                    "date": agreement.revisit_on.isoformat()},
            key=f"revisit:{agreement.id}:{agreement.revisit_on.isoformat()}:{stage}",
        )  # fmt: skip
    return added


def revisit_dates(q: CalendarQuery) -> list[list[str]]:
    """The revisit dates of the agreements one owns or follows."""
    agreements = db.session.execute(
        select(Agreement).where(
            Agreement.partnership_id.in_(q.partnership_ids), Agreement.status.in_((CONCEPT, ACTIVE)),
            Agreement.archived_at.is_(None), Agreement.revisit_on.between(q.start, q.end),
            or_(Agreement.owner_id == q.user.id, Agreement.id.in_(q.followed("agreement"))),
        ).order_by(Agreement.revisit_on).limit(q.limit)
    ).scalars()  # fmt: skip
    return [day_event(
        f"revisit-{a.id}-{a.revisit_on.isoformat()}@samenspel", a.revisit_on,
        _("Revisit %(ref)s: %(title)s", ref=a.reference, title=a.title),
        url=q.url("agreements.show", a.partnership_id, number=a.number),
    ) for a in agreements]  # fmt: skip


def index_agreement(agreement: Agreement):
    return [("agreement", agreement.id, Doc(
        "agreement", agreement.id, agreement.partnership_id,
        f"{agreement.reference} {agreement.title}",
        join_text(agreement.summary, agreement.explanation, agreement.origin),
        path_in(agreement.partnership_id, "agreements.show", number=agreement.number),
    ))]  # fmt: skip


def describe_agreements(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Agreements that implement a principle, as its page lists them."""
    rows = db.session.execute(
        select(Agreement.id, Agreement.number, Agreement.title).where(Agreement.id.in_(ids))
    )
    return {
        r.id: (f"WA-{r.number} {r.title}", url_for("agreements.show", slug=g.partnership.slug,
                                                   number=r.number))
        for r in rows
    }  # fmt: skip


def agreement_titles(ids: list[int]) -> dict[int, str]:
    """Agreements as history and activity name them: "WA-3 Title"."""
    rows = db.session.execute(
        select(Agreement.id, Agreement.number, Agreement.title).where(Agreement.id.in_(ids))
    )
    return {r.id: f"WA-{r.number} {r.title}" for r in rows}


def agreement_comment_titles(ids: list[int]) -> dict[int, str]:
    """A comment on an agreement, named by the agreement it belongs to."""
    rows = db.session.execute(
        select(AgreementComment.id, Agreement.number, Agreement.title)
        .join(Agreement, Agreement.id == AgreementComment.agreement_id)
        .where(AgreementComment.id.in_(ids))
    )
    return {r.id: _("comment on %(title)s", title=f"WA-{r.number} {r.title}") for r in rows}


AUDIT_TYPES = {
    "Agreement": AuditType(
        _l("Agreement"),
        history_kind="agreement",
        values={"status": STATUS_LABELS, "kind": SHORT_KIND},
    ),  # fmt: skip
    "AgreementComment": AuditType(
        _l("Comment on an agreement"), references={"agreement_id": "agreement"}
    ),
}
NOTIFICATIONS = {
    "revisit_due": NotificationKind(_l("The revisit of %(title)s is due on %(date)s")),
    "revisit_overdue": NotificationKind(
        _l("The revisit of %(title)s is overdue: it was due on %(date)s")
    ),
}

INDEXERS = [Indexer(Agreement, index_agreement, everything=lambda: select(Agreement))]

SEARCH_KINDS = {
    "agreement": _l("Agreements"),
}


# Every member reads its documents; those with agreement.edit attach them.
attach_agreement = numbered_object(Agreement, "agreements.show", "agreement.edit")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry.page_labels.register("agreements", PAGE_LABELS)
    app.jinja_env.globals["agreement_status_badges"] = STATUS_BADGES
    registry.objects.register("agreement", ObjectKind(resolve_agreement, followable=True))
    registry.attachables.register("agreement", Attachable(_l("Agreement"), attach_agreement))
    for name, audit_type in AUDIT_TYPES.items():
        registry.audit_types.register(name, audit_type)
    for kind, notification in NOTIFICATIONS.items():
        registry.notification_kinds.register(kind, notification)
    registry.reminders.register("agreement revisits", remind_revisits)
    registry.calendar_sources.register("agreement revisits", revisit_dates)
    for indexer in INDEXERS:
        registry.indexers.register(indexer.model, indexer)
    for kind, heading in SEARCH_KINDS.items():
        registry.search_kinds.register(kind, heading)
    registry.panels.register("agreements", registry.Panel(agreements_attention, kept=True))
    registry.glances.register("agreements", agreements_glance)
    registry.importers.register("agreements", IMPORTER)
    registry.describers.register("agreement", describe_agreements)
    registry.titles.register("agreement", agreement_titles)
    registry.titles.register("agreement_comment", agreement_comment_titles)
    registry.archive_parts.register("agreements", ARCHIVE_PART)
