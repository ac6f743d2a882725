"""/readyz and the Prometheus endpoint (/metrics behind SAMENSPEL_METRICS_TOKEN)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from app import create_app
from app.activity.models import OutgoingMail
from app.extensions import db
from app.timeutil import utcnow

TOKEN = "metrics-token-for-tests-0123456789"


def test_readyz_is_ready_when_the_database_is_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"ready": True, "database": "ok", "migrations": "ok"}


def test_readyz_is_not_ready_when_migrations_are_behind(app, client):
    with app.app_context():
        with db.engine.begin() as connection:
            head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            connection.execute(
                text("UPDATE alembic_version SET version_num = '0011_comments_apart'")
            )
        try:
            response = client.get("/readyz")
        finally:
            with db.engine.begin() as connection:
                connection.execute(
                    text("UPDATE alembic_version SET version_num = :head"), {"head": head}
                )
    assert response.status_code == 503
    body = response.get_json()
    assert body["ready"] is False and body["database"] == "ok"
    assert "0011_comments_apart" in body["migrations"]
    assert client.get("/readyz").status_code == 200


def test_readyz_is_not_ready_without_a_database(tmp_path):
    broken = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"}
    )
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("unreachable")
    assert broken.test_client().get("/healthz").status_code == 200  # stays trivial


@pytest.fixture
def metrics_on(app):
    app.config["SAMENSPEL_METRICS_TOKEN"] = TOKEN
    yield {"Authorization": f"Bearer {TOKEN}"}
    app.config["SAMENSPEL_METRICS_TOKEN"] = ""


def value(page: str, name: str, **labels) -> float:
    wanted = ",".join(f'{key}="{val}"' for key, val in labels.items())
    pattern = (
        rf"^{re.escape(name)}" + (rf"\{{{re.escape(wanted)}\}}" if labels else "") + r" (\S+)$"
    )
    match = re.search(pattern, page, re.M)
    assert match, f"{name} {labels} not in the metrics"
    return float(match.group(1))


def test_metrics_are_off_without_a_token(app, client):
    assert app.config["SAMENSPEL_METRICS_TOKEN"] == ""
    assert client.get("/metrics").status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(client, metrics_on):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert "samenspel_" not in wrong.get_data(as_text=True)
    basic = client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401


def test_metrics_count_requests_per_endpoint(client, metrics_on):
    before = client.get("/metrics", headers=metrics_on).get_data(as_text=True)
    start = 0.0
    if 'endpoint="site.healthz"' in before:
        start = value(
            before, "samenspel_requests_total", endpoint="site.healthz", method="GET", status="200"
        )
    for _ in range(3):
        client.get("/healthz")
    page = client.get("/metrics", headers=metrics_on).get_data(as_text=True)
    count = value(
        page, "samenspel_requests_total", endpoint="site.healthz", method="GET", status="200"
    )
    assert count == start + 3
    assert value(page, "samenspel_request_duration_seconds_count", endpoint="site.healthz") >= 3


def test_metrics_report_the_outbox_and_the_jobs(app, client, world, metrics_on):
    page = client.get("/metrics", headers=metrics_on).get_data(as_text=True)
    assert value(page, "samenspel_outbox_unsent") == 0
    assert value(page, "samenspel_outbox_oldest_unsent_age_seconds") == 0
    assert value(page, "samenspel_job_last_success_timestamp_seconds", job="notify_send") == 0

    with app.app_context():
        for hours, sent in ((2, None), (1, None), (3, utcnow())):
            db.session.add(
                OutgoingMail(
                    user_id=world.users["teamlid"].id,
                    partnership_id=world.partnership.id,
                    kind="instant",
                    recipient="teamlid@testverband.test",
                    subject="Melding",
                    text="tekst",
                    html="<p>tekst</p>",
                    message_id=f"<{hours}@samenspel.test>",
                    created_at=utcnow() - timedelta(hours=hours),
                    sent_at=sent,
                )
            )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["reviews", "purge-expired"])
    assert result.exit_code == 0, result.output

    page = client.get("/metrics", headers=metrics_on).get_data(as_text=True)
    assert value(page, "samenspel_outbox_unsent") == 2
    assert 2 * 3600 <= value(page, "samenspel_outbox_oldest_unsent_age_seconds") < 2 * 3600 + 120
    success = value(
        page, "samenspel_job_last_success_timestamp_seconds", job="reviews_purge_expired"
    )
    assert abs(success - utcnow().timestamp() - _utc_offset()) < 120
    assert value(page, "samenspel_job_last_run_failed", job="reviews_purge_expired") == 0


def _utc_offset() -> float:
    # utcnow() is naive UTC; .timestamp() reads a naive time as local time.
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return now.timestamp() - now.replace(tzinfo=None).timestamp()


def test_metrics_add_up_the_requests_of_all_gunicorn_workers(app, tmp_path):
    """gunicorn with two workers and the image's settings: a scrape counts the requests
    that either worker answered."""
    import http.client
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SAMENSPEL_METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def get(path: str, timeout: float = 5, **headers) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    try:
        deadline = time.monotonic() + 60
        while True:
            # A bare connection, not a request: a request that timed out on a busy machine
            # would still be answered and counted, and the count below must be exact.
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                break
            except OSError:  # not listening yet
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        for _ in range(20):  # spread over the workers
            assert get("/healthz", timeout=60)[0] == 200
        assert get("/readyz")[0] == 200
        status, page = get("/metrics", Authorization=f"Bearer {TOKEN}")
        assert status == 200
    finally:
        server.terminate()
        server.wait(30)
    assert (
        value(page, "samenspel_requests_total", endpoint="site.healthz", method="GET", status="200")
        == 20
    )
    assert value(page, "samenspel_outbox_unsent") == 0
    pids = {p.name.split("_")[-1] for p in (tmp_path / "prometheus").glob("counter_*.db")}
    assert len(pids) >= 1


def test_metrics_say_when_the_database_does_not_answer(tmp_path):
    broken = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db",
            "SAMENSPEL_METRICS_TOKEN": TOKEN,
        }
    )
    client = broken.test_client()
    client.get("/healthz")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert value(page, "samenspel_database_up") == 0
    assert "samenspel_outbox_unsent" not in page
    assert 'samenspel_requests_total{endpoint="site.healthz"' in page
