"""Following, notifications, reminders and their mail (immediately, daily or never).

Areas call follow_automatically() and notify() from their services, before their commit,
so a notification lands with the change that caused it. `flask notify send` (cron) adds
the date reminders, composes mails into the outbox and sends the outbox; each step is
safe to repeat and to interrupt (see deliver()).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from email.errors import MessageError
from email.utils import make_msgid
from functools import cache

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from app.activity.mail import send_mail
from app.activity.models import (
    CalendarFeed,
    Follow,
    MailSettingLink,
    Notification,
    NotificationSetting,
    OutgoingMail,
)
from app.auth.models import User
from app.errors import ServiceError
from app.extensions import db
from app.partnerships.models import Membership, Partnership
from app.registry import NotificationKind, Target, jobs, notification_kinds, objects, reminders
from app.timeutil import local, show_date, utcnow
from app.urls import path_for

MODES = ("immediate", "daily", "never")
DEFAULT_MODE = "daily"
MODE_LABELS = {
    "immediate": _l("Immediately, one mail per notification"),
    "daily": _l("A daily digest"),
    "never": _l("Never (only in Samenspel)"),
}
PAGE_SIZE = 25
# Days before a due date (a risk review, a measure, an action) that its owner is reminded.
DUE_SOON_DAYS = 7

# The kinds every area uses; each area registers its own (app.registry.notification_kinds).
COMMON_KINDS = {
    "mention": NotificationKind(_l("%(actor)s mentioned you in “%(title)s”")),
    "comment": NotificationKind(_l("%(actor)s commented on %(title)s")),
}


# --- following ---------------------------------------------------------------------


def followable() -> frozenset[str]:
    """The kinds of object members can follow (as their areas register them)."""
    return frozenset(kind for kind, entry in objects.items() if entry.followable)


def may_follow(target: Target, membership: Membership) -> bool:
    """Whether the member, who may read the object, may also follow it."""
    entry = objects.get(target.kind)
    if entry is None or not entry.followable:
        return False
    return entry.may_follow is None or entry.may_follow(target, membership)


@cache
def _follow_statement(*columns):
    """Built once (per what it reads): every object page asks whether its reader follows
    it."""
    return select(*(columns or (Follow,))).where(
        Follow.user_id == bindparam("user_id"), Follow.object_type == bindparam("object_type"),
        Follow.object_id == bindparam("object_id"),
    )  # fmt: skip


def _follow_row(user_id: int, object_type: str, object_id: int) -> Follow | None:
    values = {"user_id": user_id, "object_type": object_type, "object_id": object_id}
    return db.session.execute(_follow_statement(), values).scalar_one_or_none()


def follow_automatically(
    user_ids: Iterable[int | None], partnership_id: int, object_type: str, object_id: int
) -> None:
    """Follow what one creates, owns or comments on, unless one unfollowed it before."""
    assert object_type in followable(), object_type
    wanted = {uid for uid in user_ids if uid}
    if not wanted:
        return
    known = set(
        db.session.execute(
            select(Follow.user_id).where(
                Follow.object_type == object_type, Follow.object_id == object_id,
                Follow.user_id.in_(wanted),
            )
        ).scalars()
    )  # fmt: skip
    for uid in sorted(wanted - known):
        db.session.add(Follow(user_id=uid, partnership_id=partnership_id,
                              object_type=object_type, object_id=object_id))  # fmt: skip
    db.session.flush()


def set_following(user_id: int, partnership_id: int, object_type: str, object_id: int,
                  following: bool) -> None:  # fmt: skip
    """Follow or unfollow on request (access to the object is checked by the caller)."""
    if object_type not in followable():
        raise ServiceError(_l("This cannot be followed."))
    row = _follow_row(user_id, object_type, object_id)
    if row is None:
        row = Follow(user_id=user_id, partnership_id=partnership_id,
                     object_type=object_type, object_id=object_id)  # fmt: skip
        db.session.add(row)
    row.active = following
    db.session.commit()


def is_following(user_id: int, object_type: str, object_id: int) -> bool:
    values = {"user_id": user_id, "object_type": object_type, "object_id": object_id}
    active = db.session.execute(_follow_statement(Follow.active), values).scalar_one_or_none()
    return bool(active)


def followers(object_type: str, object_id: int) -> list[int]:
    return list(
        db.session.execute(
            select(Follow.user_id).where(
                Follow.object_type == object_type, Follow.object_id == object_id,
                Follow.active.is_(True),
            )
        ).scalars()
    )  # fmt: skip


# --- notifying -----------------------------------------------------------------------


def notify(
    user_ids: Iterable[int | None], *, partnership_id: int, kind: str, object_type: str,
    object_id: int | None, url: str, params: dict, actor_id: int | None = None,
    key: str | None = None,
) -> int:  # fmt: skip
    """Add a notification for each active member among user_ids (not the actor).

    With a key (reminders), someone who already has a notification with that key gets
    no second one. Returns how many were added; the caller commits.
    """
    assert kind in notification_kinds, kind
    wanted = {uid for uid in user_ids if uid and uid != actor_id}
    if not wanted:
        return 0
    members = set(
        db.session.execute(
            select(Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.partnership_id == partnership_id, Membership.active.is_(True),
                User.active.is_(True), Membership.user_id.in_(wanted),
            )
        ).scalars()
    )  # fmt: skip
    if key is not None and members:
        members -= set(
            db.session.execute(
                select(Notification.user_id).where(
                    Notification.key == key, Notification.user_id.in_(members)
                )
            ).scalars()
        )
    link_base = None if current_app.config.get("SAMENSPEL_BASE_URL") else request_base_url()
    for uid in sorted(members):
        db.session.add(Notification(
            user_id=uid, partnership_id=partnership_id, kind=kind, object_type=object_type,
            object_id=object_id, url=url, params=params, actor_id=actor_id, key=key,
            link_base=link_base,
        ))  # fmt: skip
    return len(members)


def comment_posted(
    *, object_type: str, object_id: int, partnership_id: int, author_id: int, title: str,
    url: str, exclude: Iterable[int] = (), readers=None,
) -> None:  # fmt: skip
    """The author now follows the object; its other followers are told (those in
    `exclude` were told otherwise, e.g. mentioned; `readers` filters who may read it)."""
    assert object_type in followable(), object_type
    # One query for both: whether the author has a follow row (an unfollow is kept, and
    # respected), and who follows now.
    rows = db.session.execute(
        select(Follow.user_id, Follow.active).where(
            Follow.object_type == object_type, Follow.object_id == object_id
        )
    ).all()
    if author_id not in {uid for uid, _active in rows}:
        db.session.add(Follow(user_id=author_id, partnership_id=partnership_id,
                              object_type=object_type, object_id=object_id))  # fmt: skip
    skip = {*exclude, author_id}
    recipients = [uid for uid, active in rows if active and uid not in skip]
    if readers is not None and recipients:
        recipients = readers(recipients)
    author = db.session.get(User, author_id)
    notify(recipients, partnership_id=partnership_id, kind="comment", object_type=object_type,
           object_id=object_id, url=url, params={"actor": author.name if author else "", "title": title},
           actor_id=author_id)  # fmt: skip


def describe(notification: Notification) -> str:
    """The notification's sentence in the current language."""
    params = dict(notification.params or {})
    if "date" in params:
        params["date"] = show_date(date.fromisoformat(params["date"]))
    kind = notification_kinds.get(notification.kind)
    try:
        if kind is None:
            raise KeyError(notification.kind)
        if kind.params is not None:
            params = kind.params(params)
        return str(kind.text) % params
    except (KeyError, TypeError, ValueError):
        return str(params.get("title", ""))


def unread_column(user_id):
    """The number of unread notifications of ``user_id`` (a column or value) as a scalar
    subquery: read along with the signed-in session (app/auth/sessions.py)."""
    return (
        select(func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


@cache
def _unread_statement():
    return select(func.count(Notification.id)).where(
        Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)
    )


def unread_count(user_id: int) -> int:
    """The user's unread notifications (the bell of every page: a statement built once)."""
    return db.session.execute(_unread_statement(), {"user_id": user_id}).scalar_one()


def notifications_query(user_id: int, unread_only: bool = False, partnership_id: int | None = None):
    query = (
        select(Notification)
        .options(joinedload(Notification.partnership))
        .where(Notification.user_id == user_id)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if partnership_id is not None:
        query = query.where(Notification.partnership_id == partnership_id)
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def own_notification(user_id: int, notification_id: int) -> Notification:
    """One of the user's notifications; someone else's is refused like a missing one."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise ServiceError(_l("This notification does not exist or is not yours."))
    return notification


def mark_read(user_id: int, notification_id: int) -> Notification:
    notification = own_notification(user_id, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_all_read(user_id: int) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


# --- mail preferences ------------------------------------------------------------------


def _membership(user_id: int, partnership_id: int) -> Membership | None:
    return db.session.execute(
        select(Membership).where(
            Membership.user_id == user_id, Membership.partnership_id == partnership_id,
            Membership.active.is_(True),
        )
    ).scalar_one_or_none()  # fmt: skip


def modes_of(user_id: int) -> dict[int, str]:
    """partnership id -> mode, for the user's settings (defaults not included)."""
    return dict(
        db.session.execute(
            select(NotificationSetting.partnership_id, NotificationSetting.mode).where(
                NotificationSetting.user_id == user_id
            )
        ).all()
    )


def set_mode(user_id: int, partnership_id: int | None, mode: str) -> None:
    if mode not in MODES:
        raise ServiceError(_l("Choose how you want to receive mail."), "mode")
    if partnership_id is None or _membership(user_id, partnership_id) is None:
        raise ServiceError(_l("You are not a member of this partnership."))
    row = db.session.execute(
        select(NotificationSetting).where(
            NotificationSetting.user_id == user_id,
            NotificationSetting.partnership_id == partnership_id,
        )
    ).scalar_one_or_none()
    if row is None:
        row = NotificationSetting(user_id=user_id, partnership_id=partnership_id)
        db.session.add(row)
    row.mode = mode
    db.session.commit()


SETTING_LINK_DAYS = 60


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_setting_link(user_id: int, partnership_id: int, now: datetime | None = None) -> str:
    """A fresh link token for one mail to this person about this partnership; the caller
    commits. Only its hash is kept: the token itself is in the mail alone."""
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    db.session.add(MailSettingLink(
        user_id=user_id, partnership_id=partnership_id, token_hash=_hash(token),
        created_at=now, expires_at=now + timedelta(days=SETTING_LINK_DAYS),
    ))  # fmt: skip
    return token


def find_setting_link(token: str) -> MailSettingLink | None:
    """The link of a token, whatever its state; None for an unknown token."""
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        select(MailSettingLink).where(MailSettingLink.token_hash == _hash(token))
    ).scalar_one_or_none()


def setting_link_state(link: MailSettingLink, now: datetime | None = None) -> str:
    """The state of a link: valid, expired, or revoked (a newer link was asked for)."""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= (now or utcnow()):
        return "expired"
    return "valid"


def read_setting_token(token: str) -> tuple[User, Partnership] | None:
    """The person and partnership of a valid preference link; None when it is unknown,
    expired or revoked, or its person can no longer log in."""
    link = find_setting_link(token)
    if link is None or setting_link_state(link) != "valid":
        return None
    user = db.session.get(User, link.user_id)
    if user is None or not user.active:
        return None
    return user, db.session.get(Partnership, link.partnership_id)


def revoke_setting_links(user_id: int, partnership_id: int | None = None) -> int:
    """Revoke the person's open links (for one partnership, or all); returns how many."""
    query = update(MailSettingLink).where(
        MailSettingLink.user_id == user_id, MailSettingLink.revoked_at.is_(None)
    )
    if partnership_id is not None:
        query = query.where(MailSettingLink.partnership_id == partnership_id)
    count = db.session.execute(query.values(revoked_at=utcnow())).rowcount
    db.session.commit()
    return count


def renew_setting_link(link: MailSettingLink) -> bool:
    """Mail the person a fresh link for the setting an expired link named, and revoke
    their older links for it. Only an expired link can ask (once: asking revokes it), and
    only for someone still an active member; returns whether a mail was sent."""
    if setting_link_state(link) != "expired":
        return False
    user = db.session.get(User, link.user_id)
    partnership = db.session.get(Partnership, link.partnership_id)
    if user is None or not user.active or _membership(user.id, partnership.id) is None:
        return False
    db.session.execute(
        update(MailSettingLink)
        .where(
            MailSettingLink.user_id == user.id,
            MailSettingLink.partnership_id == partnership.id,
            MailSettingLink.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    token = new_setting_link(user.id, partnership.id)
    url = base_url() + path_for("activity.mail_setting", token=token)
    with force_locale(user.language or "nl"):
        context = {"partnership": partnership, "url": url, "days": SETTING_LINK_DAYS}
        try:
            send_mail(
                user.email,
                str(_l("Samenspel – %(partnership)s: your mail setting",
                       partnership=partnership.name)),
                render_template("activity/mail/setting_link.txt", **context),
            )  # fmt: skip
        except (OSError, MessageError):  # smtplib errors are OSErrors
            # No mail, no change: the old links stay as they were.
            db.session.rollback()
            return False
    db.session.commit()
    return True


# --- reminders ---------------------------------------------------------------------------


def reminder_stage(days_left: int, stages: tuple[int, ...]) -> str | None:
    """Which reminder is due with days_left to go: "overdue", the smallest of the stages
    (days ahead) not yet passed, or None when it is too early."""
    if days_left < 0:
        return "overdue"
    fitting = [s for s in stages if days_left <= s]
    return str(min(fitting)) if fitting else None


def programme_managers(partnership_ids: set[int]) -> dict[tuple[int, int], list[int]]:
    """(partnership id, organisation id) -> user ids of active programme managers."""
    if not partnership_ids:
        return {}
    rows = db.session.execute(
        select(Membership.partnership_id, Membership.organisation_id, Membership.user_id).where(
            Membership.partnership_id.in_(partnership_ids), Membership.role == "programmamanager",
            Membership.active.is_(True),
        )
    ).all()  # fmt: skip
    managers: dict[tuple[int, int], list[int]] = {}
    for pid, oid, uid in rows:
        managers.setdefault((pid, oid), []).append(uid)
    return managers


def partnership_slugs() -> dict[int, str]:
    """partnership id -> slug, for the links of a reminder pass."""
    return dict(db.session.execute(select(Partnership.id, Partnership.slug)).all())


def remind(today: date) -> int:
    """Add the reminders due today (the rules of the areas, app.registry.reminders);
    a second run on the same day adds nothing."""
    added = sum(rule(today) for rule in reminders)
    db.session.commit()
    return added


def shorten(value: str, limit: int = 120) -> str:
    """value on one line, cut to limit characters with an ellipsis."""
    value = " ".join((value or "").split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


# --- mail: compose into the outbox, then deliver -------------------------------------


# Where links point when neither SAMENSPEL_BASE_URL nor a request says (`flask doctor`
# warns about that).
FALLBACK_BASE_URL = "http://127.0.0.1:5000"
# Set in the environ of the request contexts the CLI makes: not an address of the app.
OUTSIDE_REQUEST = "samenspel.outside_request"


def request_base_url() -> str | None:
    """Scheme and host the current request reached the app at; None outside a request."""
    if not has_request_context() or request.environ.get(OUTSIDE_REQUEST):
        return None
    return request.host_url.rstrip("/")


def base_url(caused_by: str | None = None) -> str:
    """The address links in mails and feeds start with: SAMENSPEL_BASE_URL, else that of
    the request that caused them (``caused_by``, stored, or the current one)."""
    return (
        current_app.config.get("SAMENSPEL_BASE_URL")
        or caused_by
        or request_base_url()
        or FALLBACK_BASE_URL
    )


def digest_hour() -> int:
    return int(current_app.config.get("SAMENSPEL_DIGEST_HOUR", 7))


def _render_mail(user: User, partnership: Partnership, notifications: list[Notification],
                 digest: bool) -> tuple[str, str, str, str]:  # fmt: skip
    base = base_url(next((n.link_base for n in notifications if n.link_base), None))
    token = new_setting_link(user.id, partnership.id)
    settings_url = base + path_for("activity.mail_setting", token=token)
    with force_locale(user.language or "nl"):
        items = [(describe(n), base + n.url) for n in notifications]
        if digest:
            subject = str(_l("Samenspel – %(partnership)s: your digest (%(count)s)",
                             partnership=partnership.name, count=len(items)))  # fmt: skip
        else:
            subject = f"Samenspel – {partnership.name}: {items[0][0]}"
        context = {
            "user": user, "partnership": partnership, "items": items, "digest": digest,
            "settings_url": settings_url,
            "all_url": base + path_for("activity.notifications"),
        }  # fmt: skip
        text = render_template("activity/mail/notifications.txt", **context)
        html = render_template("activity/mail/notifications.html", **context)
    # A title may hold a line break; a mail header may not.
    return " ".join(subject.split())[:300], text, html, settings_url


def compose(
    now: datetime | None = None, after_id: int = 0, batch: int = 5000
) -> tuple[int, int | None]:
    """Turn pending notifications into outgoing mails per each person's setting.

    One transaction: the mails and the notifications' new state land together or not
    at all, so an interruption loses or doubles nothing. Returns (mails composed,
    the last notification id looked at, or None when there were none after after_id);
    a digest waits for its hour and its notifications stay pending until then.
    """
    now = now or utcnow()
    today, hour = local(now).date(), local(now).hour
    pending = db.session.execute(
        select(Notification).where(Notification.mail_state == "pending", Notification.id > after_id)
        .order_by(Notification.id).limit(batch)
    ).scalars().all()  # fmt: skip
    if not pending:
        return 0, None
    groups: dict[tuple[int, int], list[Notification]] = {}
    for notification in pending:
        groups.setdefault((notification.user_id, notification.partnership_id), []).append(
            notification
        )
    user_ids = {uid for uid, _ in groups}
    users = {
        u.id: u for u in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars()
    }
    partnerships = {p.id: p for p in db.session.execute(select(Partnership)).scalars()}
    modes = {
        (uid, pid): mode
        for uid, pid, mode in db.session.execute(
            select(NotificationSetting.user_id, NotificationSetting.partnership_id,
                   NotificationSetting.mode).where(NotificationSetting.user_id.in_(user_ids))
        ).all()
    }  # fmt: skip
    digested = set(
        db.session.execute(
            select(OutgoingMail.user_id, OutgoingMail.partnership_id).where(
                OutgoingMail.digest_on == today, OutgoingMail.user_id.in_(user_ids)
            )
        ).all()
    )
    composed = 0

    def add_mail(user, partnership, items, digest_on):
        subject, text, html, settings_url = _render_mail(
            user, partnership, items, digest_on is not None
        )
        mail = OutgoingMail(
            user_id=user.id, partnership_id=partnership.id,
            kind="digest" if digest_on else "immediate", digest_on=digest_on,
            recipient=user.email, subject=subject, text=text, html=html,
            message_id=make_msgid(domain="samenspel.local"), unsubscribe_url=settings_url,
        )  # fmt: skip
        db.session.add(mail)
        db.session.flush()
        for item in items:
            item.mail_state, item.mail_id = "mailed", mail.id

    # Someone who left the partnership since is not mailed what it says.
    members = set(
        db.session.execute(
            select(Membership.user_id, Membership.partnership_id).where(
                Membership.user_id.in_(user_ids), Membership.active.is_(True)
            )
        ).all()
    )
    for (uid, pid), items in groups.items():
        user, mode = users.get(uid), modes.get((uid, pid), DEFAULT_MODE)
        if user is None or not user.active or mode == "never" or (uid, pid) not in members:
            for item in items:
                item.mail_state = "skipped"
        elif mode == "immediate":
            for item in items:
                add_mail(user, partnerships[pid], [item], None)
                composed += 1
        elif hour >= digest_hour() and (uid, pid) not in digested:
            add_mail(user, partnerships[pid], items, today)
            composed += 1
    db.session.commit()
    return composed, pending[-1].id


def deliver(limit: int = 500) -> tuple[int, int]:
    """Send the outbox, one mail per transaction; returns (sent, failed).

    A sent mail is marked sent in its own commit right after the SMTP server accepted
    it, so an interruption between two mails leaves the rest for the next run. (Only an
    interruption in the instant between acceptance and that commit could send one mail
    twice; its fixed Message-ID lets mail systems recognise the repeat.)
    """
    sent = failed = 0
    config = current_app.config
    if not config["MAIL_HOST"] and not config["MAIL_ECHO"]:
        # Nowhere to send to: keep the outbox rather than mark mails sent that were not.
        return 0, 0
    ids = db.session.execute(
        select(OutgoingMail.id).where(OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < 10)
        .order_by(OutgoingMail.id).limit(limit)
    ).scalars().all()  # fmt: skip
    for mail_id in ids:
        mail = db.session.get(OutgoingMail, mail_id)
        if mail is None or mail.sent_at is not None:
            continue
        headers = {"Message-ID": mail.message_id}
        if mail.unsubscribe_url:
            headers["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        try:
            send_mail(mail.recipient, mail.subject, mail.text, mail.html, headers=headers)
        except (OSError, ValueError, MessageError) as error:  # smtplib errors are OSErrors
            mail.attempts += 1
            mail.last_error = str(error)[:500]
            db.session.commit()
            failed += 1
            continue
        mail.sent_at = utcnow()
        mail.attempts += 1
        db.session.commit()
        sent += 1
    return sent, failed


def send_due(now: datetime | None = None) -> dict[str, int]:
    """Everything `flask notify send` does, in order."""
    now = now or utcnow()
    for job in jobs:  # e.g. closing what is due, before the reminders look at it
        job(now)
    reminders = remind(local(now).date())
    composed, last_id = 0, 0
    while last_id is not None:
        mails, last_id = compose(now, after_id=last_id)
        composed += mails
    sent, failed = deliver()
    return {"reminders": reminders, "composed": composed, "sent": sent, "failed": failed}


# --- calendar feed ---------------------------------------------------------------------


def new_feed_token(user: User) -> str:
    """A new secret feed link for the user; the previous one stops working."""
    token = secrets.token_urlsafe(32)
    feed = db.session.execute(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id)
    ).scalar_one_or_none()
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash, feed.created_at = _hash(token), utcnow()
    db.session.commit()
    return token


def revoke_feed(user: User) -> bool:
    feed = db.session.execute(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id)
    ).scalar_one_or_none()
    if feed is None:
        return False
    db.session.delete(feed)
    db.session.commit()
    return True


def has_feed(user: User) -> CalendarFeed | None:
    return db.session.execute(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id)
    ).scalar_one_or_none()


def feed_user(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    feed = db.session.execute(
        select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token))
    ).scalar_one_or_none()
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    return user if user is not None and user.active else None
