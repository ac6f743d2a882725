"""`flask doctor`: check a deployment and say in plain Dutch what is wrong.

Each check is a function of the app that returns its problems (an empty list when all
is well). ``CHECKS`` lists them in the order they are printed; add a check by writing
such a function and putting it in the list.
"""

from __future__ import annotations

import os
import shutil
import smtplib
import ssl
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from app import sqlite_writes
from app.activity.notifications import FALLBACK_BASE_URL
from app.extensions import db
from app.ops import health
from app.ops.backup import backup_dir

MIN_SECRET_LENGTH = 32
# Free space for backups: this many times the database's size, and at least this much.
BACKUP_SPACE_FACTOR = 2
BACKUP_SPACE_MIN = 100 * 1024 * 1024


def check_secret_key(app: Flask) -> list[str]:
    key = app.config.get("SECRET_KEY") or ""
    problems = []
    if not os.environ.get("SAMENSPEL_SECRET_KEY"):
        problems.append(
            "SAMENSPEL_SECRET_KEY is niet gezet: de sleutel staat nu in instance/secret_key. "
            "Zet een eigen sleutel (bijvoorbeeld `python -c 'import secrets; "
            "print(secrets.token_hex(32))'`), anders is iedereen uitgelogd zodra die map "
            "verloren gaat, en verschilt de sleutel per server."
        )
    if len(key) < MIN_SECRET_LENGTH:
        problems.append(
            f"De geheime sleutel is te kort ({len(key)} tekens); gebruik er minstens "
            f"{MIN_SECRET_LENGTH}."
        )
    return problems


def check_base_url(app: Flask) -> list[str]:
    if not app.config.get("SAMENSPEL_BASE_URL"):
        return [
            "SAMENSPEL_BASE_URL is niet gezet. Links in mails en agenda-feeds gebruiken dan "
            "het adres (de Host-header) van het verzoek dat ze veroorzaakte; herinneringen van "
            f"`flask notify send` ontstaan buiten een verzoek en wijzen naar {FALLBACK_BASE_URL}. "
            "Zet SAMENSPEL_BASE_URL op het openbare adres, bijvoorbeeld "
            "https://samenspel.gemeente.nl, zeker als de server verzoeken met een willekeurige "
            "Host-header doorlaat."
        ]
    return []


def check_https(app: Flask) -> list[str]:
    base = app.config.get("SAMENSPEL_BASE_URL") or ""
    secure = app.config.get("SESSION_COOKIE_SECURE")
    if not secure:
        return [
            "SAMENSPEL_HTTPS staat uit: cookies worden ook over onversleutelde verbindingen "
            "gestuurd en er is geen HSTS. Zet SAMENSPEL_HTTPS=1 achter HTTPS."
        ]
    if base.startswith("http://"):
        return [f"SAMENSPEL_HTTPS staat aan, maar SAMENSPEL_BASE_URL begint met http:// ({base})."]
    return []


def check_smtp(app: Flask) -> list[str]:
    host = app.config.get("MAIL_HOST")
    if not host:
        return [
            "Er is geen SMTP-server ingesteld (SAMENSPEL_SMTP_HOST): mails blijven in de "
            "wachtrij en niemand krijgt meldingen of uitnodigingen."
        ]
    port = app.config.get("MAIL_PORT", 25)
    try:
        with smtplib.SMTP(host, port, timeout=10) as server:
            server.ehlo()
            if app.config.get("MAIL_STARTTLS"):
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if app.config.get("MAIL_USERNAME"):
                server.login(app.config["MAIL_USERNAME"], app.config.get("MAIL_PASSWORD", ""))
    except (OSError, smtplib.SMTPException) as error:
        return [f"De SMTP-server {host}:{port} is niet bereikbaar of weigert: {error}."]
    return []


def check_database(app: Flask) -> list[str]:
    state = health.readiness()
    if state["database"] != "ok":
        return [f"De database is niet bereikbaar ({state['database']})."]
    if state["migrations"] != "ok":
        return [
            f"De database is niet bijgewerkt ({state['migrations']}). Voer `flask db upgrade` uit."
        ]
    return []


def check_writer_lock(app: Flask) -> list[str]:
    if db.engine.dialect.name != "sqlite":
        return []
    if not sqlite_writes.installed():
        return ["De wachtrij voor schrijvers op SQLite is niet aangezet (sqlite_writes.install)."]
    database = db.engine.url.database
    seconds = app.config.get("SAMENSPEL_WRITE_LOCK_SECONDS", sqlite_writes.DEFAULT_DEADLINE)
    try:
        with sqlite_writes.holding(database, seconds):
            pass
    except sqlite_writes.WriterBusy:
        return [
            f"Een ander proces houdt de schrijfvergrendeling van SQLite al meer dan {seconds:g} s "
            "vast (bijvoorbeeld een open transactie in `flask shell`): schrijven loopt vast."
        ]
    except OSError as error:
        return [f"De schrijfvergrendeling naast {database} werkt niet: {error}."]
    return []


def _database_size() -> int:
    if db.engine.dialect.name == "sqlite":
        path = Path(db.engine.url.database)
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())

    with db.engine.connect() as connection:
        return connection.execute(text("SELECT pg_database_size(current_database())")).scalar()


def check_backup_space(app: Flask) -> list[str]:
    folder = backup_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return [f"De back-upmap {folder} kan niet worden gemaakt: {error}."]
    if not os.access(folder, os.W_OK):
        return [f"In de back-upmap {folder} mag niet worden geschreven."]
    try:
        size = _database_size()
    except Exception:  # reported by check_database
        return []
    needed = max(size * BACKUP_SPACE_FACTOR, BACKUP_SPACE_MIN)
    free = shutil.disk_usage(folder).free
    if free < needed:
        return [
            f"Te weinig schijfruimte voor back-ups in {folder}: {free // 2**20} MB vrij, "
            f"nodig is {needed // 2**20} MB."
        ]
    return []


CHECKS: list[Callable[[Flask], list[str]]] = [
    check_secret_key,
    check_base_url,
    check_https,
    check_smtp,
    check_database,
    check_writer_lock,
    check_backup_space,
]


def run_checks(app: Flask) -> list[str]:
    problems = []
    for check in CHECKS:
        problems.extend(check(app))
    return problems


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check this deployment and print what is wrong, in plain Dutch."""
    app = current_app._get_current_object()
    problems = run_checks(app)
    for problem in problems:
        click.echo(f"- {problem}")
    if problems:
        click.echo(f"{len(problems)} probleem/problemen gevonden.")
        raise SystemExit(1)
    click.echo("Alles in orde.")
