"""Fixtures: an app on SQLite (or PostgreSQL when DATABASE_URL is set), a clean database
per test, a real SMTP server on loopback, and a partnership with a member in every role."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, make_url, text

os.environ.setdefault("SAMENSPEL_SECRET_KEY", "test-secret-key-not-for-production")

from app import create_app, kept  # noqa: E402
from app.auth.models import PASSWORD_METHOD, User  # noqa: E402
from app.extensions import db  # noqa: E402
from app.partnerships.models import ROLES, Membership, Organisation, Participation, Partnership  # noqa: E402

PASSWORD = "correct horse battery staple"
# Real scrypt costs ~70 ms a hash; the tests hash with one round of PBKDF2 instead, except
# the tests of hashing itself (tests/auth/), which use production_password_hashing.
TEST_PASSWORD_METHOD = "pbkdf2:sha256:1"
# The TOTP secret of every test world's beheerder (beheerders must use two-factor
# authentication); login() completes the code step with it.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_TMP = tempfile.mkdtemp(prefix="samenspel-test-")  # one per process, so one per xdist worker
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1" … under pytest-xdist


def _postgres_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _database_url() -> str:
    """SQLite in this process's temporary folder, or, when DATABASE_URL is set, a PostgreSQL
    database of this worker's own (the given name suffixed with the worker id)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{Path(_TMP) / 'test.db'}"
    url = make_url(_postgres_url(url))
    if WORKER:
        url = url.set(database=f"{url.database}_{WORKER}")
        _recreate_postgres_database(url)
    return url.render_as_string(hide_password=False)


def _maintenance(url):
    """An engine on the cluster's `postgres` database, for CREATE and DROP DATABASE."""
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _recreate_postgres_database(url, template: str | None = None) -> None:
    engine = _maintenance(url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            source = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{url.database}"{source}'))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def app():
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _database_url(),
            "MAIL_ECHO": False,
            "MAIL_HOST": "",
            "SAMENSPEL_BASE_URL": "http://samenspel.test",
            "SAMENSPEL_PASSWORD_METHOD": TEST_PASSWORD_METHOD,
        }
    )
    # Lock files (`notify send`) in this process's folder, not the checkout's instance/.
    app.instance_path = str(Path(_TMP) / "instance")
    Path(app.instance_path).mkdir(exist_ok=True)
    with app.app_context():
        upgrade()  # the real migration chain, on SQLite or PostgreSQL
    return app


@pytest.fixture(scope="session")
def password_hash(app) -> str:
    # Compute the test password's hash once (with the tests' cheap method).
    with app.app_context():
        user = User(email="x@example.test", name="x")
        user.set_password(PASSWORD)
        return user.password_hash


@pytest.fixture
def production_password_hashing(app):
    """New passwords hashed with the app's default method (scrypt), as in production."""
    cheap = app.config["SAMENSPEL_PASSWORD_METHOD"]
    app.config["SAMENSPEL_PASSWORD_METHOD"] = PASSWORD_METHOD
    yield PASSWORD_METHOD
    app.config["SAMENSPEL_PASSWORD_METHOD"] = cheap


def _tables() -> list[str]:
    return [t.name for t in reversed(db.metadata.sorted_tables)]


@pytest.fixture(autouse=True)
def clean_database(request):
    """Empty every table after a test that used the app (and so the database).

    Only the tables that have rows are emptied: one query finds them. On PostgreSQL their
    id sequences start again at 1, as on SQLite, where a table's ids restart when empty."""
    yield
    kept._fragments.clear()  # kept HTML of this test's data (app/kept.py)
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        tables = _tables()
        probe = " UNION ALL ".join(
            f'SELECT {i} FROM (SELECT 1 FROM "{name}" LIMIT 1) AS t{i}'
            for i, name in enumerate(tables)
        )
        with db.engine.begin() as connection:
            used = [tables[i] for i in sorted(connection.execute(text(probe)).scalars())]
            for name in used:
                connection.execute(text(f'DELETE FROM "{name}"'))
            if used and connection.dialect.name == "postgresql":
                connection.execute(
                    text(
                        "SELECT setval(s.seq, 1, false) FROM ("
                        " SELECT pg_get_serial_sequence(quote_ident(t), 'id') AS seq"
                        " FROM unnest(CAST(:tables AS text[])) AS t) AS s"
                        " WHERE s.seq IS NOT NULL"
                    ),
                    {"tables": [name for name in used if "id" in db.metadata.tables[name].c]},
                )


# --- the demo, loaded once per process ----------------------------------------------

_DEMO: dict = {}  # "created": what the first load created; the copy it was saved to


def _snapshot_sqlite(source: Path, target: Path) -> None:
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


@pytest.fixture
def demo_database(app) -> int:
    """The database as `load_demo()` leaves an empty one; returns what that load created.

    The demo is loaded once per process, then saved whole (SQLite: a copy of the file,
    PostgreSQL: a template database); later tests start from a fresh copy of it."""
    from app.seeds import load_demo

    with app.app_context():
        db.session.remove()
        url = db.engine.url
        if "created" not in _DEMO:
            _DEMO["created"] = load_demo()
            db.session.remove()
            db.engine.dispose()
            if url.get_backend_name() == "sqlite":
                _DEMO["copy"] = Path(_TMP) / "demo.db"
                _snapshot_sqlite(Path(url.database), _DEMO["copy"])
            else:
                _DEMO["copy"] = f"{url.database}_demo"
                template = url.set(database=_DEMO["copy"])
                _recreate_postgres_database(template, template=url.database)
        else:
            db.engine.dispose()
            if url.get_backend_name() == "sqlite":
                _snapshot_sqlite(_DEMO["copy"], Path(url.database))
            else:
                _recreate_postgres_database(url, template=_DEMO["copy"])
    return _DEMO["created"]


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly."""
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


# --- a partnership with a member in every role ----------------------------------


@dataclass
class World:
    partnership: Partnership
    municipality: Organisation
    provider: Organisation
    users: dict[str, User] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.partnership.slug


@pytest.fixture
def make_partnership(app, password_hash):
    """make_partnership("slug") -> World with one active member in every role."""
    created = []

    def make(slug: str = "testverband", name: str | None = None) -> World:
        with app.app_context():
            partnership = Partnership(name=name or f"Samenwerking {slug}", slug=slug)
            municipality = Organisation(name=f"Gemeente {slug}", kind="gemeente")
            provider = Organisation(name=f"Aanbieder {slug}", kind="aanbieder")
            db.session.add_all([partnership, municipality, provider])
            db.session.flush()
            for org in (municipality, provider):
                db.session.add(Participation(partnership=partnership, organisation=org))
            world = World(partnership, municipality, provider)
            for role in ROLES:
                user = User(
                    email=f"{role}@{slug}.test",
                    name=f"{role.title()} {slug}",
                    password_hash=password_hash,
                    session_token=f"token-{role}-{slug}",
                )
                if role == "beheerder":
                    user.totp_secret = TOTP_SECRET
                    user.totp_enabled_at = user.created_at or datetime(2026, 1, 1)
                org = provider if role in ("teamlid", "partner") else municipality
                membership = Membership(
                    user=user, partnership=partnership, organisation=org, role=role
                )
                db.session.add_all([user, membership])
                world.users[role] = user
                world.memberships[role] = membership
            db.session.commit()
            # Keep plain values usable after the session closes.
            for obj in [
                partnership,
                municipality,
                provider,
                *world.users.values(),
                *world.memberships.values(),
            ]:
                db.session.refresh(obj)
                db.session.expunge(obj)
            created.append(world)
            return world

    return make


@pytest.fixture
def world(make_partnership) -> World:
    return make_partnership()


# --- logging in and forms --------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client) -> str:
    """The CSRF token a form shown to this client's session would carry.

    Computed as Flask-WTF's generate_csrf() does (the raw token kept in the session, signed
    with the secret key), instead of fetching a page: tests/test_security.py shows that a
    token taken from a page works the same."""
    app = client.application
    with client.session_transaction() as session:
        if "csrf_token" not in session:
            session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324
        raw = session["csrf_token"]
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def scraped_csrf_token(client) -> str:
    """The CSRF token on a page fetched by this client (as a browser gets it)."""
    page = client.get("/toegankelijkheid").get_data(as_text=True)
    match = CSRF.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST a form the way a browser does: with the session's CSRF token."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=data, **kwargs)


def totp_code(app, email: str) -> str:
    """A current code of the account's TOTP secret; clears its last used step first, so a
    test can log in several times within one 30-second step."""
    import pyotp
    from sqlalchemy import select, update

    from app.auth.models import normalise_email

    with app.app_context():
        email = normalise_email(email)
        db.session.execute(update(User).where(User.email == email).values(totp_last_step=None))
        db.session.commit()
        secret = db.session.execute(select(User.totp_secret).where(User.email == email)).scalar()
    return pyotp.TOTP(secret).now()


def login(client, email: str, password: str = PASSWORD, **extra):
    """Log in through the form; for an account with two-factor authentication also
    through the code step (with a code computed from its secret)."""
    response = post(client, "/login", {"email": email, "password": password, **extra})
    if response.status_code == 302 and response.location.endswith("/login/code"):
        response = post(client, "/login/code", {"code": totp_code(client.application, email)})
    return response


def enrol_two_factor(client) -> str:
    """Set up two-factor authentication for the signed-in client as a person would: read
    the key from the set-up page, confirm with a code computed from it; returns the key."""
    import pyotp

    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    match = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
    assert match, "no key on the set-up page"
    response = post(client, "/account/two-factor/setup", {"code": pyotp.TOTP(match.group(1)).now()})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return match.group(1)


def sign_in(client, user: User | str):
    """Sign the client in as user (or the user with this e-mail address) without the form.

    Leaves the database and the session as a successful login (every factor passed) does:
    a server-side session started by app.auth.sessions.start_session (which records the
    login) and a fresh Flask session (keeping the chosen language) carrying its id. The one
    place that knows how a session is signed in; tests of the login itself use login()."""
    from flask_login.utils import _create_identifier
    from sqlalchemy import select

    from app.auth.sessions import start_session

    app = client.application
    with app.test_request_context():
        if isinstance(user, str):
            query = select(User).where(User.email == user)
        else:
            query = select(User).where(User.id == user.id)
        fresh = db.session.execute(query).scalar_one()
        assert fresh.active, f"{fresh.email} is not active"
        session_id = start_session(fresh, user_agent="werkzeug test client", ip="127.0.0.1")
        db.session.remove()
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        language = session.get("lang")
        session.clear()
        if language:
            session["lang"] = language
        session["_user_id"] = session_id
        session["_fresh"] = True
        session["_id"] = identifier
    return client


@pytest.fixture
def login_as(client):
    """login_as(world, "beheerder") signs the client in as that role's user."""

    def do(world: World, role: str):
        return sign_in(client, world.users[role])

    return do


# --- a real SMTP server on loopback ----------------------------------------------


class _Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1; the app sends to it; yields the received mails."""
    handler = _Collector()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    old = app.config["MAIL_HOST"], app.config["MAIL_PORT"]
    app.config["MAIL_HOST"] = "127.0.0.1"
    app.config["MAIL_PORT"] = port
    try:
        yield handler.messages
    finally:
        controller.stop()
        app.config["MAIL_HOST"], app.config["MAIL_PORT"] = old


def mail_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


# --- helpers for reading and changing the database from a test -------------------


def fetch(app, model, ident):
    """The row of model with this primary key, read fresh (detached), or None."""
    with app.app_context():
        obj = db.session.get(model, ident)
        if obj is not None:
            db.session.expunge(obj)
        return obj


def find(app, model, **by):
    """The first row of model matching the column values, read fresh (detached), or None."""
    from sqlalchemy import select

    with app.app_context():
        obj = db.session.execute(select(model).filter_by(**by).limit(1)).scalar_one_or_none()
        if obj is not None:
            db.session.expunge(obj)
        return obj


def count_rows(app, model, **by) -> int:
    from sqlalchemy import func, select

    with app.app_context():
        query = select(func.count()).select_from(model).filter_by(**by)
        return db.session.execute(query).scalar_one()


def change_row(app, model, ident, **values) -> None:
    """Set columns of one row directly (e.g. move a timestamp into the past)."""
    with app.app_context():
        obj = db.session.get(model, ident)
        for key, value in values.items():
            setattr(obj, key, value)
        db.session.commit()


def audit_events(app, **by) -> list:
    """Audit events matching the column values, oldest first (detached)."""
    from sqlalchemy import select

    from app.activity.models import AuditEvent

    with app.app_context():
        events = list(
            db.session.execute(select(AuditEvent).filter_by(**by).order_by(AuditEvent.id)).scalars()
        )
        for event in events:
            db.session.expunge(event)
        return events


# --- helpers for pages -----------------------------------------------------------


def message(app, msgid: str, locale: str = "nl", **variables) -> str:
    """A message as a page in that language shows it (translated, HTML-escaped)."""
    from flask_babel import force_locale, gettext
    from markupsafe import escape

    with app.test_request_context(), force_locale(locale):
        return str(escape(gettext(msgid, **variables)))


def input_value(page: str, name: str) -> str:
    """The value of the (hidden) input with this name in a rendered form."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert match, f"no input named {name!r} on the page"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def field_error(page: str, field_id: str) -> str:
    """The text of the error shown next to a form field ('' when there is none)."""
    match = re.search(rf'<div[^>]*id="{re.escape(field_id)}-error"[^>]*>(.*?)</div>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def alert_text(page: str) -> str:
    """The text of the alerts on a page (form errors and flashed messages)."""
    parts = re.findall(r'<p class="utrecht-alert__message[^"]*">(.*?)</p>', page, re.S)
    return " ".join(part.strip() for part in parts)


def set_language(client, language: str) -> None:
    with client.session_transaction() as session:
        session["lang"] = language


# --- counting SQL statements -------------------------------------------------------


@pytest.fixture
def count_queries(app):
    """with count_queries() as statements: ... -> the SQL statements run meanwhile."""
    from contextlib import contextmanager

    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
