"""Scheduled jobs record their runs (job_run and a JSON log line); the schedule's plan and
loop."""

from __future__ import annotations

import io
import json
import logging
import sys
from datetime import datetime

from app.extensions import db
from app.ops import schedule
from app.ops.logs import JsonFormatter
from app.ops.models import JobRun
from tests.conftest import fetch


def test_a_job_run_is_recorded_and_logged(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["reviews", "purge-expired"]).exit_code == 0
        assert runner.invoke(args=["reviews", "purge-expired"]).exit_code == 0
    finally:
        logging.getLogger().removeHandler(handler)
    run = fetch(app, JobRun, "reviews_purge_expired")
    assert run.runs == 2 and run.failures == 0
    assert run.last_status == "ok"
    assert run.last_success_at == run.last_finished_at
    assert run.last_started_at <= run.last_finished_at
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    jobs = [line for line in lines if line.get("event") == "job"]
    assert [(j["job"], j["status"]) for j in jobs] == [("reviews_purge_expired", "ok")] * 2
    assert all(isinstance(j["duration_ms"], int) for j in jobs)


def test_a_failing_job_run_is_recorded_as_failed(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reviews", "purge-expired"]).exit_code == 0
    # A bad option value ends `notify send` before it does anything.
    result = runner.invoke(args=["notify", "send", "--now", "gisteren"])
    assert result.exit_code != 0
    assert fetch(app, JobRun, "notify_send").last_status == "failed"
    assert fetch(app, JobRun, "notify_send").failures == 1
    assert fetch(app, JobRun, "notify_send").last_success_at is None
    assert fetch(app, JobRun, "reviews_purge_expired").last_status == "ok"
    with app.app_context():
        assert db.session.query(JobRun).count() == 2


def test_every_entry_is_due_at_its_next_time():
    every5, daily = (
        schedule.Entry("a", ("x",), every_minutes=5),
        schedule.Entry("b", ("y",), daily_at=(2, 30)),
    )
    assert every5.next_after(datetime(2026, 12, 6, 9, 42, 10)) == datetime(2026, 12, 6, 9, 45)
    assert every5.next_after(datetime(2026, 12, 6, 9, 45)) == datetime(2026, 12, 6, 9, 50)
    assert every5.next_after(datetime(2026, 12, 6, 23, 58)) == datetime(2026, 12, 7, 0, 0)
    assert daily.next_after(datetime(2026, 12, 6, 1, 0)) == datetime(2026, 12, 6, 2, 30)
    assert daily.next_after(datetime(2026, 12, 6, 2, 30)) == datetime(2026, 12, 7, 2, 30)


def test_the_schedule_has_the_three_jobs(monkeypatch):
    monkeypatch.setenv("SAMENSPEL_BACKUP_KEEP", "7")
    monkeypatch.setenv("SAMENSPEL_NOTIFY_MINUTES", "10")
    entries = {entry.name: entry for entry in schedule.entries()}
    assert entries["notify_send"].command == ("notify", "send")
    assert entries["notify_send"].every_minutes == 10
    assert entries["reviews_purge_expired"].daily_at == (2, 30)
    assert entries["backup_create"].command == ("backup", "create", "--keep", "7")


def test_the_loop_runs_each_job_when_due_one_at_a_time(tmp_path):
    """A clock that moves only when the loop sleeps or a job runs; the jobs are real
    processes that append their name to a file."""
    out = tmp_path / "ran.txt"
    clock = {"now": datetime(2026, 12, 6, 2, 24)}

    def now():
        return clock["now"]

    def sleep(seconds):
        from datetime import timedelta

        clock["now"] += timedelta(seconds=seconds)

    ran = []

    def run(entry):
        import subprocess

        code = subprocess.call(
            [sys.executable, "-c", f"open({str(out)!r}, 'a').write({entry.name!r} + '\\n')"]
        )
        ran.append((entry.name, clock["now"]))
        return code

    entries = [
        schedule.Entry("notify_send", ("notify", "send"), every_minutes=5),
        schedule.Entry("reviews_purge_expired", ("reviews", "purge-expired"), daily_at=(2, 30)),
    ]
    schedule.loop(entries, now=now, sleep=sleep, run=run, until=lambda: len(ran) >= 4)
    assert out.read_text().split() == [
        "notify_send", "notify_send", "reviews_purge_expired", "notify_send"
    ]  # fmt: skip
    assert [when.strftime("%H:%M") for _name, when in ran] == ["02:25", "02:30", "02:30", "02:35"]
