"""Use cases of people and login: authenticate, sessions, passwords and their reset,
two-factor authentication, invitations, first admin."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from email.utils import make_msgid
from functools import cache

from flask import current_app, g, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.activity.mail import send_mail
from app.activity.models import OutgoingMail
from app.activity.services import record
from app.auth import passwords, sessions, throttle, twofactor
from app.auth.models import Invitation, PasswordReset, User, normalise_email, password_method
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
    status = 429  # too many attempts: form_status() answers with it


# --- login --------------------------------------------------------------------

THROTTLE_WINDOW = timedelta(minutes=1)
CODE_WINDOW = timedelta(minutes=15)
CODE_LIMIT = 5
RESET_MINUTES = 60


def _dummy_hash() -> str:
    """A hash to check unknown addresses against, so they take as long as known ones:
    made with the method new passwords get (scrypt unless configured otherwise)."""
    return _dummy_hash_for(password_method())


@cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def authenticate(email: str, password: str, address: str) -> User:
    """The user for these credentials, or ServiceError with one generic message.

    At most SAMENSPEL_LOGIN_LIMIT attempts a minute per account and per address are
    evaluated: each attempt first takes its number from an atomic counter (committed at
    once, so concurrent workers each see their own), and a success gives its number back.
    Unknown addresses are checked against a dummy hash, so they answer as slowly as
    known ones and reveal nothing about who has an account.
    """
    email = normalise_email(email)
    limit = current_app.config["SAMENSPEL_LOGIN_LIMIT"]
    account_key, address_key = f"login-account:{email}"[:300], f"login-address:{address}"
    by_account = throttle.count_attempt(account_key, THROTTLE_WINDOW)
    by_address = throttle.count_attempt(address_key, THROTTLE_WINDOW)
    db.session.commit()
    if by_account > limit or by_address > limit:
        raise LoginThrottled(_l("Too many failed attempts. Wait a minute and try again."))

    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    matches = check_password_hash(stored, password)
    if user is None or not matches or not user.active:
        throttle.purge_old()
        db.session.commit()
        raise ServiceError(_l("The e-mail address or password is not correct."))
    throttle.forget(account_key)
    throttle.uncount(address_key)
    db.session.commit()
    return user


def verify_second_factor(user: User, code: str) -> bool:
    """Check a TOTP or recovery code at login; True when a recovery code was spent.

    At most CODE_LIMIT tries per CODE_WINDOW per person, counted atomically."""
    key = f"totp:{user.id}"
    tries = throttle.count_attempt(key, CODE_WINDOW)
    db.session.commit()
    if tries > CODE_LIMIT:
        raise LoginThrottled(_l("Too many wrong codes. Wait a quarter of an hour and try again."))
    code = (code or "").strip()
    if twofactor.accept_code(user, code):
        throttle.forget(key)
        db.session.commit()
        return False
    if twofactor.use_recovery_code(user, code):
        throttle.forget(key)
        record("recovery_code_used", user, changes={}, actor_id=user.id)
        left = twofactor.recovery_codes_left(user)
        _mail_user(
            user,
            _l("A recovery code was used"),
            _l(
                "A recovery code was used to log in to your account. %(n)s codes are left; "
                "make new ones under My account, Two-factor authentication.",
                n=left,
            ),
        )
        db.session.commit()
        return True
    db.session.commit()
    raise ServiceError(_l("This code is not correct, or it was used already."), "code")


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


def check_new_password(password: str, repeat: str, *, email: str = "", name: str = "") -> None:
    """The password policy (app/auth/passwords.py), and the repeat must match."""
    verdict = passwords.judge(password, email=email, name=name)
    if verdict.problem:
        raise ServiceError(verdict.problem, "new_password")
    if password != repeat:
        raise ServiceError(_l("The two passwords are not the same."), "repeat_password")


def change_password(user: User, current: str, new: str, repeat: str) -> None:
    """Change a password; every other session of this user ends, this one stays."""
    if not user.check_password(current):
        raise ServiceError(_l("Your current password is not correct."), "current_password")
    check_new_password(new, repeat, email=user.email, name=user.name)
    user.set_password(new)
    sessions.end_all_sessions(user, except_id=user.session_row_id)
    _end_reset_links(user)
    record("password_changed", user, changes={})
    _mail_user(
        user,
        _l("Your password was changed"),
        _l("The password of your Samenspel account was changed. Other devices were logged out."),
    )
    db.session.commit()


# --- account mail -----------------------------------------------------------------


def _mail_user(user: User, subject, message, link: str = "") -> None:
    """Queue a mail about the person's own account in the outbox (in the caller's
    transaction); it is sent right after the response and by `flask notify send`."""
    with force_locale(user.language or "nl"):
        context = {"user": user, "message": str(message), "link": link}
        mail = OutgoingMail(
            user_id=user.id,
            partnership_id=None,
            kind="account",
            recipient=user.email,
            subject=str(subject),
            text=render_template("auth/mail/account.txt", **context),
            html=render_template("auth/mail/account.html", **context),
            message_id=make_msgid(domain="samenspel.local"),
        )
    db.session.add(mail)
    if has_request_context():
        g.setdefault("account_mails", []).append(mail)


def deliver_account_mails(mail_ids: list[int]) -> None:
    """Send these outbox mails now (after the response); what fails waits for the next
    `flask notify send`."""
    for mail_id in mail_ids:
        mail = db.session.get(OutgoingMail, mail_id)
        if mail is None or mail.sent_at is not None:
            continue
        try:
            send_mail(mail.recipient, mail.subject, mail.text, mail.html,
                      headers={"Message-ID": mail.message_id})  # fmt: skip
        except (OSError, ValueError) as error:
            mail.attempts += 1
            mail.last_error = str(error)[:500]
        else:
            mail.attempts += 1
            mail.sent_at = utcnow()
        db.session.commit()


# --- sessions ---------------------------------------------------------------------


def end_session(user: User, session_id: int) -> None:
    if session_id == user.session_row_id:
        raise ServiceError(_l("Log out to end this session."))
    if not sessions.end_session(user, session_id):
        raise ServiceError(_l("This session has ended already."))
    record("sessions_ended", user, changes={"sessions_ended": [None, 1]})
    _mail_user(
        user,
        _l("A session was ended"),
        _l("One of your Samenspel sessions on another device was ended."),
    )
    db.session.commit()


def end_other_sessions(user: User) -> int:
    ended = sessions.end_all_sessions(user, except_id=user.session_row_id)
    if ended:
        record("sessions_ended", user, changes={"sessions_ended": [None, ended]})
        _mail_user(
            user,
            _l("Your other sessions were ended"),
            _l("All your Samenspel sessions on other devices were ended (%(n)s).", n=ended),
        )
    db.session.commit()
    return ended


def logout(user: User) -> None:
    if user.session_row_id is not None:
        sessions.end_session(user, user.session_row_id)
        record("logout", user, changes={}, actor_id=user.id)
        db.session.commit()


def set_active(user: User, active: bool) -> None:
    """Stop or restore an account's login; stopping ends every session."""
    user.active = active
    record("update", user)
    if not active:
        sessions.end_all_sessions(user)
    db.session.commit()


# --- password reset ----------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link to an active account with this address; nothing else happens for
    an unknown address, and both take the same steps as far as anyone can see."""
    email = normalise_email(email)
    token = secrets.token_urlsafe(32)  # 256 bits
    token_hash = _hash(token)
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None or not user.active:
        db.session.commit()
        return
    now = utcnow()
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + timedelta(minutes=RESET_MINUTES),
        )
    )
    _mail_user(
        user,
        _l("Choose a new password for Samenspel"),
        _l(
            "Someone asked for a new password for your Samenspel account. Open this link "
            "within %(n)s minutes to choose one; it works once. If it was not you, ignore "
            "this mail: your password stays as it is.",
            n=RESET_MINUTES,
        ),
        link=_external_url("auth.reset_password", token=token),
    )
    db.session.commit()


def find_reset(token: str) -> PasswordReset | None:
    """The open reset of a token (not used, not expired), else None."""
    if not token or len(token) > 100:
        return None
    reset = db.session.execute(
        select(PasswordReset).where(PasswordReset.token_hash == _hash(token))
    ).scalar_one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    if not reset.user.active:
        return None
    return reset


def _end_reset_links(user: User) -> None:
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def reset_password(token: str, new: str, repeat: str) -> User:
    """Set a new password with a reset link: the link and every other open link are used
    up, and every session of the person ends."""
    reset = find_reset(token)
    if reset is None:
        raise ServiceError(_l("This link is not valid any more. Ask for a new one."))
    user = reset.user
    check_new_password(new, repeat, email=user.email, name=user.name)
    used = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not used:  # another request used it in the meantime
        db.session.rollback()
        raise ServiceError(_l("This link is not valid any more. Ask for a new one."))
    _end_reset_links(user)
    user.set_password(new)
    ended = sessions.end_all_sessions(user)
    record("password_reset", user, changes={"sessions_ended": [None, ended]}, actor_id=user.id)
    _mail_user(
        user,
        _l("Your password was changed"),
        _l(
            "The password of your Samenspel account was changed with a reset link. Every "
            "device was logged out."
        ),
    )
    db.session.commit()
    return user


# --- two-factor authentication ------------------------------------------------------


def confirm_two_factor(user: User, secret: str, code: str) -> list[str]:
    """Switch on (or renew) TOTP with a secret the person's app now shows codes for;
    returns ten new recovery codes to show once."""
    step = twofactor.matching_step(secret, code)
    if step is None:
        raise ServiceError(
            _l("This code is not correct. Check the time on your phone and try again."), "code"
        )
    renewed = user.has_two_factor
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = twofactor.new_recovery_codes(user)
    record("two_factor_renewed" if renewed else "two_factor_enabled", user, changes={})
    _mail_user(
        user,
        _l("Two-factor authentication is on"),
        _l(
            "Two-factor authentication was switched on for your Samenspel account, with a "
            "new authenticator app and new recovery codes."
        ),
    )
    db.session.commit()
    return codes


def new_recovery_codes(user: User, password: str) -> list[str]:
    if not user.has_two_factor:
        raise ServiceError(_l("Switch on two-factor authentication first."))
    if not user.check_password(password):
        raise ServiceError(_l("Your current password is not correct."), "password")
    codes = twofactor.new_recovery_codes(user)
    record("recovery_codes_renewed", user, changes={})
    _mail_user(
        user,
        _l("New recovery codes"),
        _l("New recovery codes were made for your Samenspel account; the old ones no longer work."),
    )
    db.session.commit()
    return codes


def disable_two_factor(user: User, password: str, code: str) -> None:
    """Switch TOTP off with the password and a current code (or a recovery code)."""
    if not user.has_two_factor:
        raise ServiceError(_l("Two-factor authentication is not on."))
    if sessions.two_factor_required(user):
        raise ServiceError(
            _l(
                "Two-factor authentication is required for you. To use another phone, set it "
                "up again instead."
            )
        )
    if not user.check_password(password):
        raise ServiceError(_l("Your current password is not correct."), "password")
    key = f"totp:{user.id}"
    if throttle.count_attempt(key, CODE_WINDOW) > CODE_LIMIT:
        db.session.commit()
        raise LoginThrottled(_l("Too many wrong codes. Wait a quarter of an hour and try again."))
    if not (twofactor.accept_code(user, code) or twofactor.use_recovery_code(user, code)):
        db.session.commit()
        raise ServiceError(_l("This code is not correct, or it was used already."), "code")
    throttle.forget(key)
    twofactor.clear(user)
    record("two_factor_disabled", user, changes={})
    _mail_user(
        user,
        _l("Two-factor authentication is off"),
        _l("Two-factor authentication was switched off for your Samenspel account."),
    )
    db.session.commit()


def reset_member_two_factor(membership: Membership) -> None:
    """A beheerder removes a member's second factor (a lost phone): the member sets it up
    again at the next login, and every session of theirs ends."""
    reset_two_factor(membership.user, membership.partnership)


def reset_two_factor(user: User, partnership=None) -> None:
    """Remove a person's second factor, end their sessions, record it and mail them; by a
    beheerder of the partnership, or (partnership None) by the operator's command line."""
    if not user.has_two_factor:
        raise ServiceError(_l("This member has no two-factor authentication to reset."))
    twofactor.clear(user)
    sessions.end_all_sessions(user)
    record(
        "two_factor_reset",
        user,
        partnership_id=partnership.id if partnership else None,
        changes={},
    )
    by = partnership.name if partnership else "Samenspel"
    _mail_user(
        user,
        _l("Your two-factor authentication was reset"),
        _l(
            "A beheerder of %(partnership)s reset the two-factor authentication of your "
            "Samenspel account. Log in with your password and set it up again with your "
            "(new) phone.",
            partnership=by,
        ),
    )
    db.session.commit()


def set_two_factor_required(partnership, required: bool) -> None:
    if partnership.require_two_factor == required:
        return
    partnership.require_two_factor = required
    record("update", partnership, partnership_id=partnership.id)
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
    check_new_password(password, repeat, email=invitation.email, name=name)
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
        check_new_password(password, password, email=email, name=name)
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
