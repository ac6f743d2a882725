"""`flask doctor`: each check finds its problem and says so in Dutch; a good deployment
passes."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from sqlalchemy import text

from app import create_app, doctor, sqlite_writes
from app.extensions import db
from tests.test_sqlite_writes import HOLD


@pytest.fixture
def deployed(app, smtp, tmp_path, monkeypatch):
    """The test app configured as a good deployment."""
    monkeypatch.setenv("SAMENSPEL_SECRET_KEY", "k" * 40)
    monkeypatch.setitem(app.config, "SECRET_KEY", "k" * 40)
    monkeypatch.setitem(app.config, "SAMENSPEL_BASE_URL", "https://samenspel.example.nl")
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    monkeypatch.setitem(app.config, "SAMENSPEL_BACKUP_DIR", str(tmp_path / "backups"))
    return app


def problems_of(app, check) -> list[str]:
    with app.app_context():
        return check(app)


def test_a_good_deployment_passes(deployed):
    result = deployed.test_cli_runner().invoke(args=["doctor"])
    assert result.stdout.strip() == "Alles in orde.", result.stdout
    assert result.exit_code == 0


def test_each_problem_is_named_and_the_command_fails(deployed, monkeypatch):
    monkeypatch.delenv("SAMENSPEL_SECRET_KEY")
    monkeypatch.setitem(deployed.config, "SECRET_KEY", "kort")
    monkeypatch.setitem(deployed.config, "SAMENSPEL_BASE_URL", "")
    monkeypatch.setitem(deployed.config, "SESSION_COOKIE_SECURE", False)
    monkeypatch.setitem(deployed.config, "MAIL_HOST", "")
    result = deployed.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "SAMENSPEL_SECRET_KEY is niet gezet" in result.stdout
    assert "te kort (4 tekens)" in result.stdout
    assert "SAMENSPEL_BASE_URL is niet gezet" in result.stdout
    assert "SAMENSPEL_HTTPS staat uit" in result.stdout
    assert "geen SMTP-server ingesteld" in result.stdout
    assert "5 probleem/problemen gevonden." in result.stdout


def test_https_with_a_plain_http_base_url(deployed, monkeypatch):
    monkeypatch.setitem(deployed.config, "SAMENSPEL_BASE_URL", "http://samenspel.example.nl")
    assert "begint met http://" in problems_of(deployed, doctor.check_https)[0]


def test_an_smtp_server_that_does_not_answer(deployed, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nobody listens there
    monkeypatch.setitem(deployed.config, "MAIL_PORT", port)
    (problem,) = problems_of(deployed, doctor.check_smtp)
    assert f"127.0.0.1:{port} is niet bereikbaar" in problem


def test_a_database_behind_on_migrations(deployed):
    with deployed.app_context():
        with db.engine.begin() as connection:
            head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            connection.execute(
                text("UPDATE alembic_version SET version_num = '0011_comments_apart'")
            )
        try:
            problems = doctor.check_database(deployed)
        finally:
            with db.engine.begin() as connection:
                connection.execute(
                    text("UPDATE alembic_version SET version_num = :head"), {"head": head}
                )
    assert problems and "Voer `flask db upgrade` uit" in problems[0]


def test_an_unreachable_database(tmp_path):
    broken = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/dir.db"})
    (problem,) = problems_of(broken, doctor.check_database)
    assert problem.startswith("De database is niet bereikbaar")


def test_too_little_disk_space_for_backups(deployed, monkeypatch):
    monkeypatch.setattr(doctor, "BACKUP_SPACE_MIN", 1 << 60)
    (problem,) = problems_of(deployed, doctor.check_backup_space)
    assert problem.startswith("Te weinig schijfruimte voor back-ups")


def test_a_stuck_sqlite_writer_is_found(tmp_path):
    database = tmp_path / "stuck.db"
    stuck = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SAMENSPEL_WRITE_LOCK_SECONDS": 0.2}
    )
    assert problems_of(stuck, doctor.check_writer_lock) == []
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, sqlite_writes._lock_path(str(database)), "30"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    try:
        (problem,) = problems_of(stuck, doctor.check_writer_lock)
    finally:
        holder.kill()
        holder.wait()
    assert "houdt de schrijfvergrendeling van SQLite al meer dan 0.2 s" in problem
    assert problems_of(stuck, doctor.check_writer_lock) == []


def test_the_checks_are_a_list_of_functions():
    assert doctor.check_base_url in doctor.CHECKS
    assert all(callable(check) for check in doctor.CHECKS)
