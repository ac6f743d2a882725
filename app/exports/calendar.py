"""A person's calendar feed across their partnerships: the dates the areas add
(app.registry.calendar_sources: revisit and review dates, due measures and actions,
the meetings of their tables)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.activity.models import Follow
from app.activity.notifications import base_url
from app.auth.models import User
from app.exports.ics import calendar
from app.extensions import db
from app.partnerships.models import Membership, Partnership
from app.registry import CalendarQuery, calendar_sources
from app.timeutil import local, utcnow
from app.urls import path_for

# What the feed covers, so it stays small whatever the history.
PAST_DAYS, FUTURE_DAYS, LIMIT = 60, 400, 500


def feed_for(user: User, today: date | None = None) -> str:
    today = today or local(utcnow()).date()
    slugs = dict(
        db.session.execute(
            select(Partnership.id, Partnership.slug)
            .join(Membership, Membership.partnership_id == Partnership.id)
            .where(Membership.user_id == user.id, Membership.active.is_(True))
        ).all()
    )

    def followed(kind: str):
        return select(Follow.object_id).where(
            Follow.user_id == user.id, Follow.object_type == kind, Follow.active.is_(True)
        )

    def url(endpoint: str, pid: int, **values) -> str:
        return base_url() + path_for(endpoint, slug=slugs[pid], **values)

    query = CalendarQuery(
        user=user, partnership_ids=list(slugs), start=today - timedelta(days=PAST_DAYS),
        end=today + timedelta(days=FUTURE_DAYS), limit=LIMIT, followed=followed, url=url,
    )  # fmt: skip
    events: list[list[str]] = []
    with force_locale(user.language or "nl"):
        for source in calendar_sources:
            events.extend(source(query))
        name = _("Samenspel – %(name)s", name=user.name)
    return calendar(events, name=name)
