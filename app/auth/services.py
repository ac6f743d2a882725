"""Use cases of people and login: authenticate, passwords, invitations, first admin."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from app.activity.mail import send_mail
from app.activity.services import record
from app.auth.models import MIN_PASSWORD_LENGTH, Invitation, LoginAttempt, User, normalise_email
from app.errors import ServiceError
from app.extensions import db
from app.partnerships.models import (
    ORGANISATION_KINDS,
    ROLES,
    Membership,
    Organisation,
    Participation,
    Partnership,
)
from app.partnerships.services import add_organisation, create_partnership
from app.timeutil import utcnow


class LoginThrottled(ServiceError):
    pass


# --- login --------------------------------------------------------------------

THROTTLE_WINDOW = timedelta(minutes=1)


def authenticate(email: str, password: str, address: str) -> User:
    """The user for these credentials, or ServiceError with one generic message.

    At most SAMENSPEL_LOGIN_LIMIT failed attempts a minute per account and per
    address; the count lives in the database so it holds across workers.
    """
    email = normalise_email(email)
    limit = current_app.config["SAMENSPEL_LOGIN_LIMIT"]
    now = utcnow()
    since = now - THROTTLE_WINDOW
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=1)))
    failures = db.session.execute(
        select(
            func.count().filter(LoginAttempt.email == email),
            func.count().filter(LoginAttempt.address == address),
        ).where(
            LoginAttempt.at >= since,
            or_(LoginAttempt.email == email, LoginAttempt.address == address),
        )
    ).one()
    if failures[0] >= limit or failures[1] >= limit:
        db.session.commit()
        raise LoginThrottled(_l("Too many failed attempts. Wait a minute and try again."))

    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None or not user.check_password(password) or not user.active:
        db.session.add(LoginAttempt(email=email, address=address, at=now))
        db.session.commit()
        raise ServiceError(_l("The e-mail address or password is not correct."))

    note_login(user, now)
    return user


def note_login(user: User, now=None) -> None:
    """Record a successful login: its time and audit event, and a session token if none."""
    if not user.session_token:
        user.session_token = secrets.token_hex(16)
    user.last_login_at = now or utcnow()
    record("login", user, changes={}, actor_id=user.id)  # not logged in yet: name the actor
    db.session.commit()


def set_language(user: User, language: str) -> None:
    if language not in ("nl", "en") or user.language == language:
        return
    user.language = language
    record("update", user)
    db.session.commit()


def update_account(user: User, name: str, language: str) -> None:
    name = name.strip()
    if not name:
        raise ServiceError(_l("Enter your name."), "name")
    if language not in ("nl", "en"):
        raise ServiceError(_l("Choose a language."), "language")
    user.name = name
    user.language = language
    record("update", user)
    db.session.commit()


def check_new_password(password: str, repeat: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            _l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH), "new_password"
        )
    if password != repeat:
        raise ServiceError(_l("The two passwords are not the same."), "repeat_password")


def change_password(user: User, current: str, new: str, repeat: str) -> None:
    """Change a password; other sessions of this user end (new session token)."""
    if not user.check_password(current):
        raise ServiceError(_l("Your current password is not correct."), "current_password")
    check_new_password(new, repeat)
    user.set_password(new)
    user.session_token = secrets.token_hex(16)
    record("password_changed", user, changes={})
    db.session.commit()


# --- invitations ----------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    partnership, organisation: Organisation, role: str, email: str, name: str, invited_by: User
) -> tuple[Invitation, str]:
    """Create an invitation and mail its one-time link; returns it and the token."""
    email = normalise_email(email)
    if role not in ROLES:
        raise ServiceError(_l("Choose a role."), "role")
    existing = db.session.execute(
        select(Membership)
        .join(User)
        .where(Membership.partnership_id == partnership.id, User.email == email)
    ).scalar_one_or_none()
    if existing is not None:
        raise ServiceError(_l("This person is already a member of this partnership."), "email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        partnership_id=partnership.id,
        organisation_id=organisation.id,
        role=role,
        email=email,
        name=name.strip(),
        token_hash=_hash(token),
        invited_by_id=invited_by.id,
        expires_at=utcnow() + timedelta(days=current_app.config["SAMENSPEL_INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    record("create", invitation, partnership_id=partnership.id)
    link = _external_url("auth.accept_invitation", token=token)
    existing_user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    language = existing_user.language if existing_user else "nl"
    with force_locale(language):
        context = {"invitation": invitation, "link": link, "partnership": partnership}
        send_mail(
            email,
            str(_l("Invitation to %(name)s in Samenspel", name=partnership.name)),
            render_template("auth/mail/invitation.txt", **context),
            render_template("auth/mail/invitation.html", **context),
        )
    db.session.commit()
    return invitation, token


def _external_url(endpoint: str, **values) -> str:
    base = current_app.config["SAMENSPEL_BASE_URL"]
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def find_invitation(token: str) -> Invitation | None:
    """The invitation for a token, whatever its state; None for an unknown token."""
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        select(Invitation).where(Invitation.token_hash == _hash(token))
    ).scalar_one_or_none()


def _require_open(invitation: Invitation) -> None:
    state = invitation.state
    if state == "accepted":
        raise ServiceError(_l("This invitation has already been used."))
    if state == "revoked":
        raise ServiceError(_l("This invitation has been withdrawn."))
    if state == "expired":
        raise ServiceError(_l("This invitation has expired. Ask for a new one."))


def accept_invitation_new_user(
    invitation: Invitation, name: str, password: str, repeat: str
) -> User:
    """Create the account of an invitee and their membership, in one transaction."""
    _require_open(invitation)
    if db.session.execute(select(User).where(User.email == invitation.email)).scalar_one_or_none():
        raise ServiceError(_l("An account with this e-mail address exists already. Log in first."))
    name = name.strip()
    if not name:
        raise ServiceError(_l("Enter your name."), "name")
    check_new_password(password, repeat)
    user = User(email=invitation.email, name=name, session_token=secrets.token_hex(16))
    user.set_password(password)
    db.session.add(user)
    record("create", user, partnership_id=invitation.partnership_id)
    _join(invitation, user)
    db.session.commit()
    return user


def accept_invitation_existing_user(invitation: Invitation, user: User) -> Membership:
    """A logged-in user with the invited address joins the partnership."""
    _require_open(invitation)
    if user.email != invitation.email:
        raise ServiceError(_l("This invitation is for another e-mail address."))
    membership = _join(invitation, user)
    db.session.commit()
    return membership


def _join(invitation: Invitation, user: User) -> Membership:
    membership = db.session.execute(
        select(Membership).where(
            Membership.user_id == user.id, Membership.partnership_id == invitation.partnership_id
        )
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(
            user=user,
            partnership_id=invitation.partnership_id,
            organisation_id=invitation.organisation_id,
            role=invitation.role,
        )
        db.session.add(membership)
        record("create", membership, partnership_id=invitation.partnership_id, actor_id=user.id)
    invitation.accepted_at = utcnow()
    record("accept", invitation, partnership_id=invitation.partnership_id, actor_id=user.id)
    return membership


def revoke_invitation(invitation: Invitation) -> None:
    if invitation.state != "open":
        raise ServiceError(_l("Only an open invitation can be withdrawn."))
    invitation.revoked_at = utcnow()
    record("revoke", invitation, partnership_id=invitation.partnership_id)
    db.session.commit()


# --- command line ---------------------------------------------------------------


def create_admin(
    email: str,
    name: str,
    password: str,
    partnership_slug: str,
    partnership_name: str | None,
    organisation_name: str,
    organisation_kind: str,
) -> Membership:
    """Make (or promote) a beheerder, creating the partnership and organisation if needed."""
    email = normalise_email(email)
    if "@" not in email:
        raise ServiceError(_l("Enter a valid e-mail address."), "email")
    if organisation_kind not in ORGANISATION_KINDS:
        raise ServiceError(_l("Choose a kind of organisation."), "kind")
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        check_new_password(password, password)
        user = User(email=email, name=name.strip() or email, session_token=secrets.token_hex(16))
        user.set_password(password)
        db.session.add(user)
        record("create", user)
    partnership = db.session.execute(
        select(Partnership).where(Partnership.slug == partnership_slug)
    ).scalar_one_or_none()
    if partnership is None:
        partnership = create_partnership(partnership_name or partnership_slug, partnership_slug)
    organisation = db.session.execute(
        select(Organisation).where(Organisation.name == organisation_name)
    ).scalar_one_or_none()
    participates = (
        organisation is not None
        and db.session.execute(
            select(Participation).where(
                Participation.partnership_id == partnership.id,
                Participation.organisation_id == organisation.id,
            )
        ).scalar_one_or_none()
    )
    if not participates:
        organisation = add_organisation(
            partnership, organisation_name, organisation_kind, commit=False
        )
    membership = db.session.execute(
        select(Membership).where(
            Membership.user_id == user.id, Membership.partnership_id == partnership.id
        )
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(
            user=user, partnership_id=partnership.id, organisation_id=organisation.id,
            role="beheerder",
        )  # fmt: skip
        db.session.add(membership)
        record("create", membership, partnership_id=partnership.id)
    else:
        membership.role = "beheerder"
        membership.active = True
        record("update", membership, partnership_id=partnership.id)
    db.session.commit()
    return membership


def existing_user(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()
