"""SQLite writers queue on a POSIX lock beside the database file (app/sqlite_writes.py).

Each test makes its own SQLite file, so these run in the PostgreSQL suite too; other
processes are real processes (the lock belongs to a process)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, text

from app import sqlite_writes

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""

PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    print("busy")
else:
    print("free")
"""


@pytest.fixture(autouse=True)
def queued():
    """The queue is switched on by create_app(); these tests use bare engines."""
    sqlite_writes.listen()


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine
    engine.dispose()


def lock_file(engine) -> str:
    return sqlite_writes._lock_path(engine.url.database)


def probe(engine) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, lock_file(engine)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def hold(engine, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, lock_file(engine), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_write_waits_for_the_writer_of_another_process(engine):
    holder = hold(engine, 0.6)
    started = time.monotonic()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    waited = time.monotonic() - started
    holder.wait()
    assert waited >= 0.4
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_a_read_does_not_wait(engine):
    holder = hold(engine, 2)
    try:
        started = time.monotonic()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
        assert time.monotonic() - started < 0.5
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_held_from_the_first_write_until_the_connection_is_back(engine):
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        assert probe(engine) == "free"
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert probe(engine) == "busy"
        connection.execute(text("UPDATE t SET x = 2"))  # the same transaction: no second take
        connection.commit()
    assert probe(engine) == "free"
    assert sqlite_writes._holders[lock_file(engine)] == 0


def test_a_rolled_back_write_lets_go_too(engine):
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        connection.rollback()
    assert probe(engine) == "free"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_two_writing_connections_of_one_process_do_not_wait_for_each_other(engine):
    first, second = engine.connect(), engine.connect()
    try:
        first.execute(text("INSERT INTO t VALUES (1)"))
        first.commit()  # SQLite's lock is free again; ours stays with the process
        second.execute(text("INSERT INTO t VALUES (2)"))  # would hang if it queued behind first
        second.commit()
        first.close()
        assert probe(engine) == "busy"  # second still holds it for the process
    finally:
        second.close()
    assert probe(engine) == "free"


def test_no_lock_file_for_an_in_memory_database():
    assert sqlite_writes._lock_path(":memory:") is None
    assert sqlite_writes._lock_path(None) is None
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    assert all(not path.endswith(":memory:-writers") for path in sqlite_writes._files)


# --- the deadline ------------------------------------------------------------------------


@pytest.fixture
def short_deadline():
    """An app context whose writers wait at most 0.3 s for the lock."""
    from flask import Flask

    app = Flask("deadline")
    app.config["SAMENSPEL_WRITE_LOCK_SECONDS"] = 0.3
    with app.app_context():
        yield 0.3


def test_a_writer_gives_up_at_the_deadline_in_the_main_thread(engine, short_deadline):
    holder = hold(engine, 30)
    try:
        started = time.monotonic()
        with pytest.raises(sqlite_writes.WriterBusy), engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
        waited = time.monotonic() - started
        assert short_deadline <= waited < short_deadline + 1.5
    finally:
        holder.kill()
        holder.wait()
    assert sqlite_writes._holders.get(lock_file(engine), 0) == 0
    with engine.begin() as connection:  # the lock is free again: writing works
        connection.execute(text("INSERT INTO t VALUES (2)"))
        assert connection.execute(text("SELECT x FROM t")).scalars().all() == [2]
    import signal

    assert signal.getsignal(signal.SIGALRM) is not sqlite_writes._on_alarm


def test_a_writer_gives_up_at_the_deadline_in_another_thread(engine, short_deadline):
    import threading

    from flask import current_app

    app = current_app._get_current_object()
    outcome = {}

    def write():
        with app.app_context():
            started = time.monotonic()
            try:
                with engine.begin() as connection:
                    connection.execute(text("INSERT INTO t VALUES (1)"))
            except sqlite_writes.WriterBusy as error:
                outcome["error"] = error
            outcome["waited"] = time.monotonic() - started

    holder = hold(engine, 30)
    try:
        thread = threading.Thread(target=write)
        thread.start()
        thread.join(10)
    finally:
        holder.kill()
        holder.wait()
    assert isinstance(outcome.get("error"), sqlite_writes.WriterBusy)
    assert short_deadline <= outcome["waited"] < short_deadline + 1.5
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_a_writer_within_the_deadline_gets_the_lock(engine):
    from flask import Flask

    app = Flask("deadline")
    app.config["SAMENSPEL_WRITE_LOCK_SECONDS"] = 5
    holder = hold(engine, 0.3)
    with app.app_context(), engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    holder.wait()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_a_request_that_cannot_write_in_time_gets_the_busy_page(tmp_path, caplog):
    """A real app on its own SQLite file (also in the PostgreSQL run): a failed login
    writes an attempt; with the writer lock held elsewhere the page says it is too busy,
    logs it, and stores nothing."""
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.models import AuthThrottle
    from app.extensions import db
    from tests.conftest import post

    database = tmp_path / "busy.db"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SAMENSPEL_WRITE_LOCK_SECONDS": 0.3,
            "MAIL_ECHO": False,
        }
    )
    with app.app_context():
        upgrade()
    client = app.test_client()
    lock = sqlite_writes._lock_path(str(database))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, lock, "30"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    try:
        with caplog.at_level("WARNING", logger="samenspel.sqlite_writes"):
            response = post(client, "/login", {"email": "a@b.test", "password": "wrong"})
    finally:
        holder.kill()
        holder.wait()
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "te druk, probeer het opnieuw" in page
    assert any(getattr(r, "event", None) == "writer_busy" for r in caplog.records)
    with app.app_context():
        assert db.session.query(AuthThrottle).count() == 0
        db.engine.dispose()


def test_importing_the_module_installs_nothing_create_app_does(tmp_path):
    script = (
        "import app.sqlite_writes as s; print(s.installed()); "
        "from app import create_app; "
        f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.db'}}); "
        "print(s.installed())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "SAMENSPEL_SECRET_KEY": "x" * 40},
    )
    assert done.stdout.split() == ["False", "True"]
