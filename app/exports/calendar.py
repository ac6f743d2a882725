"""A person's calendar feed: revisit and review dates, due measures and actions, and the
meetings of their tables, across their partnerships."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.activity.models import Follow
from app.activity.notifications import base_url, shorten
from app.auth.models import User
from app.exports.ics import calendar, day_event, event
from app.extensions import db
from app.partnerships.models import Membership, Partnership
from app.timeutil import local, utcnow
from app.views import path_for

# What the feed covers, so it stays small whatever the history.
PAST_DAYS, FUTURE_DAYS, LIMIT = 60, 400, 500


def feed_for(user: User, today: date | None = None) -> str:
    from app.agreements.models import ACTIVE, CONCEPT, Agreement
    from app.reviews.models import OPEN_ACTIONS, Action
    from app.risks.models import Measure, Risk
    from app.tables.models import Meeting, TableMember, ThematicTable

    today = today or local(utcnow()).date()
    start, end = today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)
    slugs = dict(
        db.session.execute(
            select(Partnership.id, Partnership.slug)
            .join(Membership, Membership.partnership_id == Partnership.id)
            .where(Membership.user_id == user.id, Membership.active.is_(True))
        ).all()
    )
    pids = list(slugs)

    def followed(kind: str):
        return select(Follow.object_id).where(
            Follow.user_id == user.id, Follow.object_type == kind, Follow.active.is_(True)
        )

    def url(endpoint: str, pid: int, **values) -> str:
        return base_url() + path_for(endpoint, slug=slugs[pid], **values)

    events: list[list[str]] = []
    with force_locale(user.language or "nl"):
        agreements = db.session.execute(
            select(Agreement).where(
                Agreement.partnership_id.in_(pids), Agreement.status.in_((CONCEPT, ACTIVE)),
                Agreement.archived_at.is_(None), Agreement.revisit_on.between(start, end),
                or_(Agreement.owner_id == user.id, Agreement.id.in_(followed("agreement"))),
            ).order_by(Agreement.revisit_on).limit(LIMIT)
        ).scalars()  # fmt: skip
        for a in agreements:
            events.append(day_event(
                f"revisit-{a.id}-{a.revisit_on.isoformat()}@samenspel", a.revisit_on,
                _("Revisit %(ref)s: %(title)s", ref=a.reference, title=a.title),
                url=url("agreements.show", a.partnership_id, number=a.number),
            ))  # fmt: skip
        risks = db.session.execute(
            select(Risk).where(
                Risk.partnership_id.in_(pids), Risk.status != "gesloten",
                Risk.archived_at.is_(None), Risk.review_on.between(start, end),
                or_(Risk.owner_id == user.id, Risk.id.in_(followed("risk"))),
            ).order_by(Risk.review_on).limit(LIMIT)
        ).scalars()  # fmt: skip
        for r in risks:
            events.append(day_event(
                f"risk-review-{r.id}-{r.review_on.isoformat()}@samenspel", r.review_on,
                _("Review risk %(ref)s: %(title)s", ref=r.reference, title=r.title),
                url=url("risks.show", r.partnership_id, number=r.number),
            ))  # fmt: skip
        measures = db.session.execute(
            select(Measure, Risk.number).join(Risk, Risk.id == Measure.risk_id).where(
                Measure.partnership_id.in_(pids), Measure.owner_id == user.id,
                Measure.status.in_(("gepland", "in_uitvoering")), Measure.due_on.between(start, end),
                Risk.archived_at.is_(None),
            ).order_by(Measure.due_on).limit(LIMIT)
        ).all()  # fmt: skip
        for m, number in measures:
            events.append(day_event(
                f"measure-{m.id}-{m.due_on.isoformat()}@samenspel", m.due_on,
                _("Measure due: %(text)s", text=shorten(m.description, 80)),
                description=m.description, url=url("risks.show", m.partnership_id, number=number),
            ))  # fmt: skip
        actions = db.session.execute(
            select(Action).where(
                Action.partnership_id.in_(pids), Action.owner_id == user.id,
                Action.status.in_(OPEN_ACTIONS), Action.due_on.between(start, end),
            ).order_by(Action.due_on).limit(LIMIT)
        ).scalars()  # fmt: skip
        for action in actions:
            events.append(day_event(
                f"action-{action.id}-{action.due_on.isoformat()}@samenspel", action.due_on,
                _("Action due: %(text)s", text=shorten(action.title, 80)), description=action.title,
                url=url("reviews.actions", action.partnership_id),
            ))  # fmt: skip
        my_tables = select(TableMember.table_id).where(TableMember.user_id == user.id)
        chaired = select(ThematicTable.id).where(ThematicTable.chair_id == user.id)
        meetings = db.session.execute(
            select(Meeting).where(
                Meeting.partnership_id.in_(pids),
                or_(Meeting.table_id.in_(my_tables), Meeting.table_id.in_(chaired)),
                Meeting.starts_at >= datetime.combine(start, datetime.min.time()),
                Meeting.starts_at < datetime.combine(end, datetime.min.time()),
            ).order_by(Meeting.starts_at).limit(LIMIT)
        ).scalars()  # fmt: skip
        for m in meetings:
            events.append(event(
                f"meeting-{m.id}@samenspel", m.title, m.starts_at, m.ends_at, m.place,
                m.agenda, url("tables.meeting", m.partnership_id, table_id=m.table_id, meeting_id=m.id),
            ))  # fmt: skip
        name = _("Samenspel – %(name)s", name=user.name)
    return calendar(events, name=name)
