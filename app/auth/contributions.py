"""How accounts are wired into the app: the login manager, the sign-in pages, `flask
users`, and the names of their audit types."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app import registry
from app.auth.cli import users_cli
from app.auth.models import User
from app.auth.routes import bp
from app.extensions import db, login_manager
from app.forms import is_id
from app.registry import AuditType


def load_user(user_id: str) -> User | None:
    # The id carries the session token, so a changed password ends other sessions.
    ident, _, token = user_id.partition(":")
    if not is_id(ident):
        return None
    user = db.session.get(User, int(ident))
    if user is None or user.session_token != token or not user.active:
        return None
    return user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.user_loader(load_user)
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
    registry.audit_types.register("User", AuditType(_l("Person"), filterable=False))
    registry.audit_types.register("Invitation", AuditType(_l("Invitation")))
