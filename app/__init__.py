"""Samenspel: create_app() wires configuration, extensions, blueprints, CLI and error pages."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import config, sqlite_writes  # noqa: F401  (SQLite writers queue; see the module)
from app.extensions import babel, csrf, db, htmx, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)


def select_locale() -> str:
    """The language chosen in this session, else the user's preference, else Dutch."""
    if not has_request_context():  # the CLI: no session, no user
        return "nl"
    chosen = session.get("lang")
    if chosen in ("nl", "en"):
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in ("nl", "en"):
        return current_user.language
    return "nl"


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    app.config.update(config.load(Path(app.instance_path)))
    if overrides:
        app.config.update(overrides)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "translations"),
    )
    _init_login(app)

    from app import errors, site
    from app.activity.cli import notify_cli
    from app.activity.routes import bp as activity_bp
    from app.agreements import dashboard as _agreement_panels  # noqa: F401  (registers panels)
    from app.agreements.routes import bp as agreements_bp
    from app.auth.cli import users_cli
    from app.auth.routes import bp as auth_bp
    from app.cycles import dashboard as _cycle_panels  # noqa: F401
    from app.cycles.routes import bp as cycles_bp
    from app.manifest import dashboard as _manifest_panels  # noqa: F401
    from app.manifest.routes import bp as manifest_bp
    from app.partnerships.admin_routes import bp as admin_bp
    from app.partnerships.routes import bp as partnerships_bp
    from app.reviews import dashboard as _review_panels  # noqa: F401
    from app.reviews.cli import reviews_cli
    from app.reviews.routes import bp as reviews_bp
    from app.risks import dashboard as _risk_panels  # noqa: F401
    from app.risks.routes import bp as risks_bp
    from app.search import indexers as _search_indexers  # noqa: F401  (registers indexers)
    from app.search.cli import search_cli
    from app.search.routes import bp as search_bp
    from app.seeds import seed_cli
    from app.tables import dashboard as _table_panels  # noqa: F401
    from app.tables.routes import bp as tables_bp

    app.register_blueprint(site.bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(partnerships_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(manifest_bp)
    app.register_blueprint(agreements_bp)
    app.register_blueprint(risks_bp)
    app.register_blueprint(tables_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(cycles_bp)
    app.register_blueprint(activity_bp)
    app.register_blueprint(search_bp)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(reviews_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(search_cli)
    errors.register(app)
    _init_templates(app)
    from app import pagecache

    pagecache.init_app(app)

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _init_login(app: Flask) -> None:
    from flask import redirect, url_for
    from flask_babel import lazy_gettext as _l
    from flask_login import COOKIE_NAME

    from app.auth import sessions
    from app.policy import PUBLIC

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.login_message = _l("Log in to see this page.")

    @login_manager.user_loader
    def load_user(session_id: str):
        # The id is a server-side session's random value (app/auth/sessions.py): an ended,
        # idle or expired session is refused whatever cookie carries it.
        user = sessions.load(session_id)
        if user is None and app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies:
            session["_remember"] = "clear"  # a remember cookie that no longer works: drop it
        return user

    # Until they have enrolled, people who must use two-factor authentication reach only
    # the enrolment page, logging out and public pages. This runs before the page cache
    # (registered later), so a kept page is never served to an ended session either.
    enrolment_allowed = {"auth.two_factor_setup", "auth.logout", "static"}

    @app.before_request
    def require_enrolment():
        endpoint = request.endpoint
        if endpoint is None or endpoint == "static":
            return None
        if not current_user.is_authenticated or not current_user.must_enrol:
            return None
        view = app.view_functions.get(endpoint)
        if endpoint in enrolment_allowed or getattr(view, "access_rule", None) == PUBLIC:
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
                from app.auth.services import deliver_account_mails

                with app.app_context():
                    deliver_account_mails(ids)
                    db.session.remove()

            response.call_on_close(deliver)
        return response


def _init_templates(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    INVITATION_STATES = {  # noqa: N806
        "open": _l("open"),
        "accepted": _l("accepted"),
        "revoked": _l("withdrawn"),
        "expired": _l("expired"),
    }
    from app import timeutil
    from app.markdown import render_markdown
    from app.partnerships.services import partnerships_of
    from app.views import page_url

    app.jinja_env.filters["datetime"] = timeutil.show_datetime
    app.jinja_env.filters["date"] = timeutil.show_date
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["page_url"] = page_url

    @app.context_processor
    def layout_context():
        from app.activity.routes import bell_count
        from app.policy import can

        my_partnerships = []
        if current_user and current_user.is_authenticated:
            my_partnerships = partnerships_of(current_user)
        from app.partnerships.models import ORGANISATION_KIND_LABELS, ROLE_LABELS

        return {
            "role_labels": ROLE_LABELS,
            "kind_labels": ORGANISATION_KIND_LABELS,
            "invitation_states": INVITATION_STATES,
            "current_locale": str(get_locale()),
            "my_partnerships": my_partnerships,
            "partnership": g.get("partnership"),
            "membership": g.get("membership"),
            "can": can,
            "unread_notifications": bell_count(),
        }


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, a busy timeout and foreign keys for SQLite connections."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
