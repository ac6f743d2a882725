"""bench/run.py compares a larger factor with the newest single-page run at factor 1."""

import argparse
import json

import sqlalchemy as sa

from bench.run import analyze, engine_url, load_reference


def test_the_reference_is_the_newest_single_page_run_not_a_mixed_one(tmp_path):
    page = {"key": "dashboard", "latency_ms": {"p95": 42.0}}
    (tmp_path / "2026-01-01-sqlite-f1.json").write_text(json.dumps({"pages": [page]}))
    (tmp_path / "2026-02-01-mixed-sqlite-f1.json").write_text(json.dumps({"steps": []}))
    (tmp_path / "2026-01-02-postgresql-f1.json").write_text(json.dumps({"pages": []}))
    args = argparse.Namespace(compare=None, factor="10", out=str(tmp_path))

    path, p95 = load_reference(args, "sqlite")

    assert path.endswith("2026-01-01-sqlite-f1.json")
    assert p95 == {"dashboard": 42.0}
    assert load_reference(
        argparse.Namespace(compare=None, factor="1", out=str(tmp_path)), "sqlite"
    ) == ("", {})


def test_a_seeded_postgresql_database_is_analyzed_and_sqlite_left_alone(app, tmp_path):
    """bench.run.analyze after seeding: VACUUM (ANALYZE) on PostgreSQL (the planner's
    statistics at once, no autovacuum during a measurement); on SQLite nothing."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]  # this worker's own test database
    if not url.startswith("postgresql"):  # the SQLite run: a database file that must stay as it is
        path = tmp_path / "scale.db"
        engine = sa.create_engine(f"sqlite:///{path}")
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        engine.dispose()
        before = path.read_bytes()
        analyze(f"sqlite:///{path}")
        assert path.read_bytes() == before
        return
    analyze(url)
    engine = sa.create_engine(engine_url(url))
    with engine.connect() as connection:
        analyzed = connection.execute(
            sa.text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'partnership'")
        ).scalar()
    engine.dispose()
    assert analyzed is not None


def test_the_benchmarks_run_as_many_workers_as_the_image(monkeypatch):
    """bench/run.py and bench/mixed.py measure the image's gunicorn: their default number
    of workers is gunicorn.conf.py's, also when the cores differ."""
    import os

    from bench.run import default_workers

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2})
    assert default_workers() == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    assert default_workers() == 2
