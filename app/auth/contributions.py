"""How accounts are wired into the app: the login manager, the sign-in pages, `flask
users`, and the names of their audit types."""

from __future__ import annotations

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import COOKIE_NAME, current_user

from app import registry
from app.auth import sessions
from app.auth.cli import sso_cli, users_cli
from app.auth.forms import LANGUAGE_LABELS
from app.auth.models import User
from app.auth.routes import bp
from app.auth.services import deliver_account_mails
from app.extensions import db, login_manager
from app.partnerships.models import ROLE_LABELS
from app.policy import PUBLIC
from app.registry import AuditType

# Until they have enrolled, people who must use two-factor authentication reach only
# the enrolment page, logging out and public pages.
ENROLMENT_ALLOWED = frozenset({"auth.two_factor_setup", "auth.logout", "static"})


def load_user(session_id: str) -> User | None:
    # The id is a server-side session's random value (app/auth/sessions.py): an ended,
    # idle or expired session is refused whatever cookie carries it.
    user = sessions.load(session_id)
    if user is None and _remember_cookie_name() in request.cookies:
        session["_remember"] = "clear"  # a remember cookie that no longer works: drop it
    return user


def _remember_cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.user_loader(load_user)

    # Someone who must still enrol sees only the enrolment pages (and the public ones).
    @app.before_request
    def require_enrolment():
        endpoint = request.endpoint
        if endpoint is None or endpoint == "static":
            return None
        if not current_user.is_authenticated or not current_user.must_enrol:
            return None
        view = app.view_functions.get(endpoint)
        if endpoint in ENROLMENT_ALLOWED or getattr(view, "access_rule", None) == PUBLIC:
            return None
        return redirect(url_for("auth.two_factor_setup"))

    @app.after_request
    def send_account_mails(response):
        # Account mails (reset links, notices) are in the outbox; send them once the answer
        # is on its way, so how long mail takes shows in no response time.
        mails = g.pop("account_mails", None)
        if mails:
            ids = [mail.id for mail in mails if mail.id is not None]

            def deliver() -> None:
                with app.app_context():
                    deliver_account_mails(ids)
                    db.session.remove()

            response.call_on_close(deliver)
        return response

    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
    app.cli.add_command(sso_cli)
    registry.audit_types.register(
        "User", AuditType(_l("Person"), filterable=False, values={"language": LANGUAGE_LABELS})
    )
    registry.audit_types.register(
        "Invitation", AuditType(_l("Invitation"), values={"role": ROLE_LABELS})
    )
    registry.audit_types.register(
        "SsoProvider", AuditType(_l("Identity provider"), filterable=False)
    )
