"""Server-side sessions: one UserSession row per login; the cookies carry only its random id.

The session cookie and the remember cookie both hold the same random value (Flask-Login's
user id); the database keeps its SHA-256 hash. A request is signed in only while that row
is not ended, its user is active, it was seen within the idle timeout and it is younger
than its absolute lifetime. Noting when a session was last seen is bookkeeping: it
happens at most every few minutes."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app, has_request_context, request
from sqlalchemy import and_, bindparam, exists, or_, select, update
from sqlalchemy.orm import contains_eager, undefer

from app import kept
from app.activity.notifications import unread_column
from app.activity.services import record
from app.auth.models import User, UserSession
from app.extensions import db
from app.partnerships.models import Membership, Partnership
from app.policy import note_page_membership
from app.timeutil import utcnow

LAST_SEEN_EVERY = timedelta(minutes=5)
MAX_TOKEN_LENGTH = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def truncate_address(ip: str) -> str:
    """An IPv4 address to its /24, IPv6 to its /48: enough to recognise a place, not a device."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


_BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Safari/"),
)
_SYSTEMS = (
    ("Android", r"Android"),
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux"),
)


def browser_summary(user_agent: str) -> str:
    """'Firefox on Windows' from a User-Agent header (never the whole header)."""
    agent = user_agent or ""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, agent)), "")
    if browser and system:
        return f"{browser} / {system}"
    return browser or system or (agent[:40] if agent else "")


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SAMENSPEL_SESSION_IDLE_MINUTES"])


def lifetime(remember: bool) -> timedelta:
    config = current_app.config
    if remember:
        return timedelta(days=config["SAMENSPEL_SESSION_REMEMBER_DAYS"])
    return timedelta(hours=config["SAMENSPEL_SESSION_HOURS"])


def is_current(row, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        row.ended_at is None
        and now - row.last_seen_at <= idle_limit()
        and now - row.created_at <= lifetime(row.remember)
    )


def start_session(
    user: User,
    *,
    remember: bool = False,
    user_agent: str = "",
    ip: str = "",
    provider: str = "",
    mfa_by_provider: bool = False,
) -> str:
    """Record a login on a device and commit; returns the value for the cookies.

    A login through a single sign-on provider names it; when that provider asserted
    multi-factor authentication the session counts as two-factor."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            remember=remember,
            browser=browser_summary(user_agent),
            address=truncate_address(ip),
            mfa_by_provider=mfa_by_provider,
        )
    )
    user.last_login_at = now
    changes = {"provider": [None, provider]} if provider else {}
    record("login", user, changes=changes, actor_id=user.id)  # not signed in yet: name the actor
    db.session.commit()
    user.session_id = token
    return token


def _two_factor_required():
    """SQL: whether the user must use two-factor authentication (the instance beheerder, a
    beheerder anywhere, or a member of a partnership that requires it)."""
    return User.instance_admin.is_(True) | exists(
        select(Membership.id)
        .join(Partnership, Partnership.id == Membership.partnership_id)
        .where(
            Membership.user_id == User.id,
            Membership.active.is_(True),
            or_(Membership.role == "beheerder", Partnership.require_two_factor.is_(True)),
        )
    )


def two_factor_required(user: User) -> bool:
    return bool(
        db.session.execute(select(_two_factor_required()).where(User.id == user.id)).scalar()
    )


@cache
def _load_statement():
    """The statement of load(), built once: it runs on every request, and building it took
    longer than running it."""
    return (
        select(
            UserSession.id.label("session_id"),
            UserSession.created_at,
            UserSession.last_seen_at,
            UserSession.ended_at,
            UserSession.remember,
            UserSession.mfa_by_provider,
            User,
            Membership,
            _two_factor_required().label("two_factor_required"),
            unread_column(User.id).label("unread"),  # the bell of the page
            kept.basis_column().label("kept_counter"),  # what kept data the page may use
        )
        .join(User, User.id == UserSession.user_id)
        # The membership of the partnership the page is in (none outside a partnership):
        # what app.policy.requires would read with a statement of its own.
        .outerjoin(Partnership, Partnership.slug == bindparam("slug"))
        .outerjoin(
            Membership,
            and_(
                Membership.partnership_id == Partnership.id,
                Membership.user_id == User.id,
                Membership.active.is_(True),
            ),
        )
        .where(UserSession.token_hash == bindparam("token_hash"))
        .options(
            contains_eager(Membership.partnership),
            undefer(User.totp_secret),
            undefer(User.totp_enabled_at),
            undefer(User.totp_last_step),
            undefer(User.instance_admin),
        )
    )


def load(token: str) -> User | None:
    """The signed-in user of a cookie value, or None when its session is unknown or over.

    One statement reads the session, its user, whether that user must still enrol in
    two-factor authentication, the number of their unread notifications (the bell of the
    page, see app.activity.routes.bell_count), the counter of kept data (app/kept.py) and
    the user's membership of the partnership named by the page's slug (for app.policy):
    each would otherwise be a statement of its own on every page."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    slug = _page_slug()
    values = {"token_hash": hash_token(token), "slug": slug}
    found = db.session.execute(_load_statement(), values).one_or_none()
    if found is None:
        return None
    user, membership = found.User, found.Membership
    now = utcnow()
    if found.ended_at is not None or not user.active:
        return None
    if not is_current(found, now):
        db.session.execute(
            update(UserSession).where(UserSession.id == found.session_id).values(ended_at=now)
        )
        db.session.commit()
        return None
    if now - found.last_seen_at >= LAST_SEEN_EVERY:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == found.session_id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    user.session_id = token
    user.session_row_id = found.session_id
    user.mfa_by_provider = found.mfa_by_provider
    user.must_enrol = (
        bool(found.two_factor_required) and not user.has_two_factor and not found.mfa_by_provider
    )
    user.unread_at_load = found.unread
    kept.note_request_basis(found.kept_counter)
    if slug is not None:
        note_page_membership(slug, user.id, membership)
    return user


def _page_slug() -> str | None:
    if not has_request_context():
        return None
    slug = (request.view_args or {}).get("slug")
    return slug if isinstance(slug, str) else None


def active_sessions(user: User) -> list[UserSession]:
    now = utcnow()
    rows = db.session.execute(
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at > now - idle_limit(),
        )
        .order_by(UserSession.last_seen_at.desc())
    ).scalars()
    return [row for row in rows if is_current(row, now)]


def end_session(user: User, session_id: int) -> bool:
    """End one of the user's own sessions; False when it is not theirs or already over."""
    ended = db.session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(ended)


def end_all_sessions(user: User, *, except_id: int | None = None) -> int:
    """End every session of a user (but one); the caller records why and commits."""
    condition = and_(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if except_id is not None:
        condition = and_(condition, UserSession.id != except_id)
    return db.session.execute(
        update(UserSession)
        .where(condition)
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
