"""Helpers for the following, notification and mail tests: extra members, objects of the
areas made through their services, notifications and follows as plain values, pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from html import unescape

from sqlalchemy import select

from app.activity import notifications as notes
from app.activity.models import Follow, Notification, OutgoingMail
from app.auth.models import User
from app.extensions import db
from app.partnerships.models import Membership, Organisation, Participation
from app.timeutil import LOCAL
from tests.conftest import World, sign_in


def uid(world: World, key: str) -> int:
    return world.users[key].id


def member(world: World, key: str) -> Membership:
    """The world's membership under this key, attached to the current session."""
    return db.session.get(Membership, world.memberships[key].id)


def add_member(app, password_hash: str, world: World, key: str, role: str,
               organisation_id: int, language: str = "nl") -> int:  # fmt: skip
    """An active member more; afterwards in world.users[key] and world.memberships[key]."""
    with app.app_context():
        user = User(email=f"{key}@{world.slug}.test", name=f"{key.replace('_', ' ').title()}",
                    password_hash=password_hash, session_token=f"token-{key}-{world.slug}",
                    language=language)  # fmt: skip
        membership = Membership(user=user, partnership_id=world.partnership.id,
                                organisation_id=organisation_id, role=role)  # fmt: skip
        db.session.add_all([user, membership])
        db.session.commit()
        for obj in (user, membership):
            db.session.refresh(obj)
            db.session.expunge(obj)
        world.users[key], world.memberships[key] = user, membership
        db.session.remove()
    return world.users[key].id


def add_organisation(app, world: World, name: str, kind: str = "aanbieder") -> int:
    with app.app_context():
        organisation = Organisation(name=name, kind=kind)
        db.session.add(organisation)
        db.session.flush()
        db.session.add(Participation(partnership_id=world.partnership.id,
                                     organisation_id=organisation.id))  # fmt: skip
        db.session.commit()
        organisation_id = organisation.id
        db.session.remove()
    return organisation_id


def set_language(app, user_id: int, language: str) -> None:
    with app.app_context():
        db.session.get(User, user_id).language = language
        db.session.commit()
        db.session.remove()


def in_context(app, func, *args, **kwargs):
    """Run func in a request context of the app, the way a route or the CLI calls it."""
    with app.test_request_context():
        try:
            return func(*args, **kwargs)
        finally:
            db.session.remove()


# --- reading what is stored -------------------------------------------------------------


def notifications(app, **by) -> list[Notification]:
    """Notifications matching the column values, oldest first (detached)."""
    with app.app_context():
        rows = list(
            db.session.execute(
                select(Notification).filter_by(**by).order_by(Notification.id)
            ).scalars()
        )
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


def received(app, **by) -> dict[int, list[str]]:
    """user id -> the kinds of their notifications (matching the column values), in order."""
    result: dict[int, list[str]] = {}
    for row in notifications(app, **by):
        result.setdefault(row.user_id, []).append(row.kind)
    return result


def following(app, user_id: int, kind: str, object_id: int) -> bool:
    return in_context(app, notes.is_following, user_id, kind, object_id)


def follow_rows(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(Follow.user_id, Follow.object_type, Follow.object_id, Follow.active)
            .order_by(Follow.id)
        ).all()  # fmt: skip
        db.session.remove()
    return [tuple(row) for row in rows]


def outbox(app) -> list[OutgoingMail]:
    with app.app_context():
        rows = list(db.session.execute(select(OutgoingMail).order_by(OutgoingMail.id)).scalars())
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


def mail_states(app) -> list[str]:
    return [n.mail_state for n in notifications(app)]


# --- notifications made directly ------------------------------------------------------------


def note(world: World, key: str, title: str = "Wie houdt de regie?", actor: str = "Teamlid",
         kind: str = "comment") -> None:  # fmt: skip
    """One "comment" notification for the member under key (needs a request context)."""
    notes.notify([uid(world, key)], partnership_id=world.partnership.id, kind=kind,
                 object_type="agreement", object_id=1, url=f"/p/{world.slug}/agreements/1",
                 params={"actor": actor, "title": title})  # fmt: skip
    db.session.commit()


def notes_for(app, world: World, key: str, count: int, prefix: str = "Onderwerp") -> None:
    with app.test_request_context():
        for n in range(1, count + 1):
            note(world, key, title=f"{prefix} {n}")
        db.session.remove()


# --- times ------------------------------------------------------------------------------------


def utc_at_local(day: date, hour: int, minute: int = 0) -> datetime:
    """The naive UTC moment at which it is hour:minute in the Netherlands on that day."""
    moment = datetime.combine(day, time(hour, minute), tzinfo=LOCAL)
    return moment.astimezone(UTC).replace(tzinfo=None)


def today_local() -> date:
    return datetime.now(LOCAL).date()


def days(n: int) -> date:
    return today_local() + timedelta(days=n)


# --- pages and mails --------------------------------------------------------------------------


def html(response) -> str:
    return response.get_data(as_text=True)


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def bell(page: str) -> str:
    """The text of the bell link in the header."""
    match = re.search(r'<a[^>]*id="bell"[^>]*>(.*?)</a>', page, re.S)
    assert match, "no bell on the page"
    return text_of(match.group(1))


def bell_count(page: str) -> int:
    match = re.search(r'<a[^>]*id="bell"[^>]*>.*?class="ss-bell__count">(\d+)<', page, re.S)
    return int(match.group(1)) if match else 0


def logged_in(app, email: str):
    """A new client with its own session, signed in as email."""
    return sign_in(app.test_client(), email)


def parts(message) -> tuple[str, str]:
    """The plain text and the HTML of a received mail."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    page = message.get_body(preferencelist=("html",)).get_content()
    return text.replace("\r\n", "\n"), page.replace("\r\n", "\n")


def link_in(text: str, fragment: str) -> str:
    """The first URL in the text that contains fragment."""
    for url in re.findall(r"https?://\S+", text):
        if fragment in url:
            return url
    raise AssertionError(f"no link with {fragment!r} in {text!r}")
