"""People who log in, their sessions, invitations, password resets, second factor and
the counters that throttle guessing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:  # mapped classes of other packages, which relationships name
    from app.partnerships.models import Membership, Organisation, Partnership

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# werkzeug's hash method for new passwords; SAMENSPEL_PASSWORD_METHOD may name another one
# (the tests use a cheap one). check_password reads the method from the stored hash.
PASSWORD_METHOD = "scrypt"  # noqa: S105 (a method name, not a password)


def password_method() -> str:
    if has_app_context():
        return current_app.config.get("SAMENSPEL_PASSWORD_METHOD") or PASSWORD_METHOD
    return PASSWORD_METHOD


def normalise_email(email: str) -> str:
    """E-mail addresses are unique regardless of case: store them lower-cased."""
    return email.strip().lower()


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # No longer part of a session's id (sessions are UserSession rows); kept so that
    # accounts made by older versions and bulk loads need no change.
    session_token: Mapped[str] = mapped_column(String(64), default="")
    # Two-factor authentication (TOTP, RFC 6238): the base32 secret, when it was
    # confirmed (None: not enrolled; a secret without it is an enrolment in progress), and
    # the last time step a code was accepted for, so a code works only once.
    # Deferred: loaded by the user loader (and where used), not with every user listed.
    totp_secret: Mapped[str] = mapped_column(String(64), default="", deferred=True)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(deferred=True)
    totp_last_step: Mapped[int | None] = mapped_column(deferred=True)
    # The beheerder of the instance (not of one partnership): manages single sign-on
    # providers. Set with `flask users instance-admin`; must use two-factor authentication.
    # Deferred like the TOTP columns: loaded by the user loader, not with every user listed.
    instance_admin: Mapped[bool] = mapped_column(default=False, deferred=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    # Flask-Login keeps get_id() in the session and the remember cookie: the random id of
    # the UserSession this request belongs to, never the user's own id.
    # Set by the user loader for the request's session: its random id (the cookie value),
    # its row, and whether the user must still enrol in two-factor authentication.
    session_id = ""
    session_row_id = None
    must_enrol = False
    mfa_by_provider = False

    def get_id(self) -> str:
        return self.session_id

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_method())

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Invitation(db.Model):
    """A one-time link that lets someone join a partnership in an organisation and role."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    # Only a hash of the token is stored; the token itself is in the mailed link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    partnership: Mapped[Partnership] = relationship()
    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= utcnow():
            return "expired"
        return "open"


class UserSession(db.Model):
    """One login on one device: the cookie holds a random id, only its hash is stored.

    Ended by logout, by the person on the Sessions page, by a password change or reset and
    by deactivation; refused when idle or old (services.SESSION_* settings)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    remember: Mapped[bool] = mapped_column(default=False)
    browser: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    # Signed in through an identity provider that asserted multi-factor authentication:
    # this session satisfies the two-factor requirement without a local code.
    mfa_by_provider: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


class PasswordReset(db.Model):
    """A mailed single-use link to choose a new password; only the token's hash is kept."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """One of the ten single-use codes that stand in for the authenticator app."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class AuthThrottle(db.Model):
    """Attempts per key ("login-account:<e-mail>", "login-address:<ip>", "totp:<user id>")
    in a fixed window, counted with one atomic upsert so concurrent requests each get
    their own number."""

    __tablename__ = "auth_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)


class SsoProvider(db.Model):
    """An OpenID Connect identity provider for one or more e-mail domains (app/auth/sso.py).

    The client secret is stored encrypted with SAMENSPEL_SSO_KEY and never shown again."""

    __tablename__ = "sso_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    # Lower-case domains separated by spaces, e.g. "amersfoort.nl leusden.nl".
    domains: Mapped[str] = mapped_column(String(1000))
    passwords_allowed: Mapped[bool] = mapped_column(default=False)
    auto_create: Mapped[bool] = mapped_column(default=False)
    # acr values (space separated) that count as multi-factor authentication.
    mfa_acr_values: Mapped[str] = mapped_column(String(1000), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def domain_list(self) -> list[str]:
        return self.domains.split()

    @property
    def acr_list(self) -> list[str]:
        return self.mfa_acr_values.split()


class SsoIdentity(db.Model):
    """The provider's stable id (issuer + sub) of a person, kept from their first login."""

    __tablename__ = "sso_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
