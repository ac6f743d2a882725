"""Samenspel: create_app() wires configuration, extensions, blueprints, CLI and error pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path

from babel.support import Translations
from flask import Flask, has_request_context, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.templating import Environment
from flask_babel import get_locale, get_translations
from flask_login import current_user
from itsdangerous import BadSignature
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import (
    config,
    errors,
    inputs,
    kept,
    ops,
    site,
    sqlite_writes,
    timeutil,
)
from app.activity import contributions as activity
from app.agreements import contributions as agreements
from app.auth import contributions as auth
from app.cycles import contributions as cycles
from app.decisions import contributions as decisions
from app.documents import contributions as documents
from app.extensions import babel, csrf, db, end_reading, htmx, migrate
from app.forms import csrf_token
from app.imports import contributions as imports
from app.kept import keep, kept_block, kept_form
from app.manifest import contributions as manifest
from app.markdown import render_markdown
from app.partnerships import contributions as partnerships
from app.policy import can
from app.reviews import contributions as reviews
from app.risks import contributions as risks
from app.search import contributions as search
from app.seeds import seed_cli
from app.tables import contributions as tables
from app.urls import url_pattern
from app.views import labels_context, page_url

ROOT = Path(__file__).resolve().parent.parent

# Each package's contributions.init_app(app) registers its blueprints, CLI commands,
# context processors and what it contributes to the shared layers (app.registry): the
# shared layers first, then the areas, in the order their panels appear on the dashboard.
# See docs/architecture.md.
LAYERS = (auth, partnerships, activity, search, imports, documents)
AREAS = (manifest, agreements, risks, tables, reviews, cycles, decisions)

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


class _TemplateEnvironment(Environment):
    def make_globals(self, d):
        """A template's globals as one dict: Jinja's own is a ChainMap over the
        environment's, so that globals added later still reach templates loaded earlier,
        and every rendering, include and macro import then walks that chain (an import
        compares all its keys: some 700 calls a page). Every global is added while the app
        is created, before a template loads (tests/test_views.py checks it)."""
        return {**self.globals, **(d or {})}


_OPENED_KEPT = 4096
_SYNCED_KEPT = 4096  # functions: the views and hooks of the apps of a process


class _CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with a cookie value checked and decoded once per
    process: the same cookie comes with every request of a session, and verifying its
    signature and decoding its JSON again took some 250 calls a request. A value is taken
    from what is kept only while it is the exact value once verified with the same keys,
    still younger than the session lifetime, and holds only plain values (text, numbers,
    truth values; a session holding flashed messages, which a request changes in place,
    is decoded each time). Each request gets its own copy."""

    _opened: dict[tuple, tuple[float, dict]] = {}

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = self._opened.get((keys, value))
        if found is not None and time.time() - found[0] <= max_age:
            return self.session_class(found[1])
        serializer = self.get_signing_serializer(app)
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(v, str | int | float | bool | type(None)) for v in data.values()):
            keep(self._opened, (keys, value), (signed_at.timestamp(), dict(data)), _OPENED_KEPT)
        return self.session_class(data)


class _Flask(Flask):
    jinja_environment = _TemplateEnvironment
    session_interface = _CookieSessions()
    _synced: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        """Flask's, with its answer kept per function: Flask asks it of every view, hook
        and context processor of every request (some 23 a page), and each time inspected
        the function anew to see whether it is a coroutine."""
        try:
            found = self._synced.get(func)
        except TypeError:  # a callable that cannot be a key
            return super().ensure_sync(func)
        if found is None:
            found = super().ensure_sync(func)
            keep(self._synced, func, found, _SYNCED_KEPT)
        return found


def create_app(overrides: dict | None = None) -> Flask:
    app = _Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    app.config.update(config.load(Path(app.instance_path)))
    if overrides:
        app.config.update(overrides)
    inputs.init_app(app)  # the id converter, before any route is registered

    db.init_app(app)
    app.teardown_appcontext(end_reading)  # runs before Flask-SQLAlchemy's removal
    sqlite_writes.install(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "translations"),
    )

    app.register_blueprint(site.bp)
    kept.listen()  # derived data kept until what it reads changes (app/kept.py)
    for package in (*LAYERS, *AREAS):
        package.init_app(app)
    app.cli.add_command(seed_cli)
    errors.register(app)
    _init_templates(app)
    ops.init_app(app)  # logs, metrics, /readyz, job runs, backups, `flask doctor`

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


def _init_templates(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = _in_page_language(timeutil.show_datetime)
    app.jinja_env.filters["moment"] = timeutil.show_moment
    app.jinja_env.filters["iso_moment"] = timeutil.iso_moment
    app.jinja_env.filters["date"] = _in_page_language(timeutil.show_date)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["url_pattern"] = url_pattern
    app.jinja_env.globals["kept_block"] = kept_block
    app.jinja_env.globals["kept_form"] = kept_form
    # In place of Flask-Babel's: what a template's own `_` is for macros it imports.
    app.jinja_env.globals.update(_gettext_functions(_language_translations))

    app.context_processor(labels_context)

    @app.context_processor
    def layout_context():
        return {
            "current_locale": str(get_locale()),
            "can": can,
            "csrf_token": csrf_token,  # in place of Flask-WTF's (app.forms.csrf_token)
            **_gettext_for_render(),
        }


def static_url(filename: str) -> str:
    """url_for("static", filename=…), built once per file and script root: every page links
    the same stylesheets and scripts."""
    return fixed_url("static", filename=filename)


def fixed_url(endpoint: str, **values: str) -> str:
    """url_for(endpoint, **values) of a link every page shows (the layout's, a
    partnership's menu), built once per script root and values: a URL depends on nothing
    else here (no URL defaults or processors are registered, and URLs are not external)."""
    return _fixed_url(request.script_root, endpoint, tuple(values.items()))


@lru_cache(maxsize=1024)
def _fixed_url(script_root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **dict(values))


def _in_page_language(show):
    """A date filter in the language of the page being rendered (``current_locale`` of
    layout_context): a page shows many dates, and asking Flask-Babel for the locale each
    time goes through the request context."""

    @pass_context
    def show_in_language(context, value):
        return show(value, context.get("current_locale"))

    return show_in_language


def _gettext_for_render() -> dict:
    """The templates' gettext and ngettext for one rendering, bound to the request's
    translations: Flask-Babel's template functions look those up through the request
    context on every call, a hundred and more times a page."""
    translations = get_translations()
    return _gettext_functions(lambda: translations)


def _gettext_functions(translations: Callable[[], Translations]) -> dict:
    """gettext and ngettext for templates, with the texts of translations(). They behave
    as Jinja's "newstyle" gettext that Flask-Babel installs: the text is escaped when
    autoescaping, and always a format string."""

    @pass_context
    def gettext(context, string: str, **variables):
        if not variables and context.eval_ctx.autoescape:
            return _html_text(translations(), string)
        text = translations().ugettext(string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables  # noqa: S704

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables):
        variables.setdefault("num", num)
        text = translations().ungettext(singular, plural, num)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables  # noqa: S704

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}


@lru_cache(maxsize=4096)
def _html_text(translations: Translations, string: str) -> Markup:
    """A text without variables as HTML, once per translations and text: a page shows
    dozens of them."""
    return Markup(translations.ugettext(string)) % {}  # noqa: S704  (a translation)


def _language_translations() -> Translations:
    """The translations of the language being rendered (Flask-Babel's locale, so also
    under force_locale), for templates rendered without the page's context: the macros a
    template imports. Kept per language: Flask-Babel's own lookup goes through the request
    context several times for each text."""
    return _translations_of(str(get_locale()))


@cache
def _translations_of(language: str) -> Translations:
    return get_translations()  # of the current locale, which is `language`


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
