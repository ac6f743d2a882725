"""Prometheus metrics at /metrics, for a bearer token (SAMENSPEL_METRICS_TOKEN).

Request counts and latency per endpoint are counted in each worker process; with
several gunicorn workers set PROMETHEUS_MULTIPROC_DIR (the image does, see
gunicorn.conf.py) so a scrape adds up all workers. The outbox and the scheduled jobs
are read from the database at scrape time, so every worker answers the same.
"""

from __future__ import annotations

import hmac
import os
import time
from datetime import UTC

from flask import Flask, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from app.activity.models import OutgoingMail
from app.extensions import db
from app.ops.jobs import JOBS
from app.ops.models import JobRun
from app.timeutil import utcnow

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "samenspel_requests",
    "Requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "samenspel_request_duration_seconds",
    "Time to answer a request, by endpoint.",
    ["endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)


class DatabaseCollector:
    """Figures read from the database when scraped: the outbox and the job runs."""

    def collect(self):
        try:
            figures = list(self._figures())
        except Exception:  # the database is down or not migrated: say so, keep serving
            db.session.rollback()
            yield GaugeMetricFamily(
                "samenspel_database_up", "1 when the database answered the scrape.", value=0
            )
            return
        yield GaugeMetricFamily(
            "samenspel_database_up", "1 when the database answered the scrape.", value=1
        )
        yield from figures

    def _figures(self):
        unsent, oldest = db.session.execute(
            select(func.count(), func.min(OutgoingMail.created_at)).where(
                OutgoingMail.sent_at.is_(None)
            )
        ).one()
        yield GaugeMetricFamily(
            "samenspel_outbox_unsent", "Mails in the outbox not sent yet.", value=unsent
        )
        age = (utcnow() - oldest).total_seconds() if oldest else 0
        yield GaugeMetricFamily(
            "samenspel_outbox_oldest_unsent_age_seconds",
            "Age of the oldest mail not sent yet (0: none waiting).",
            value=max(age, 0),
        )
        runs = {run.job: run for run in db.session.execute(select(JobRun)).scalars()}
        success = GaugeMetricFamily(
            "samenspel_job_last_success_timestamp_seconds",
            "When each scheduled job last ran successfully (Unix time; 0: never).",
            labels=["job"],
        )
        failed = GaugeMetricFamily(
            "samenspel_job_last_run_failed",
            "1 when the job's last run failed.",
            labels=["job"],
        )
        duration = GaugeMetricFamily(
            "samenspel_job_last_duration_seconds",
            "How long the job's last finished run took.",
            labels=["job"],
        )
        for job in sorted(set(JOBS) | set(runs)):
            run = runs.get(job)
            when = run.last_success_at if run else None
            success.add_metric([job], _unix(when) if when else 0)
            failed.add_metric([job], 1 if run and run.last_status == "failed" else 0)
            duration.add_metric([job], (run.last_duration_ms / 1000) if run else 0)
        yield success
        yield failed
        yield duration
        db.session.rollback()


def _unix(naive_utc) -> float:
    return naive_utc.replace(tzinfo=UTC).timestamp()


def exposition() -> bytes:
    """The text format of all metrics: the requests (of all workers when multiprocess)
    and the database figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        MultiProcessCollector(requests)
    else:
        requests = REGISTRY
    figures = CollectorRegistry()
    figures.register(DatabaseCollector())
    return generate_latest(requests) + generate_latest(figures)


def authorised() -> bool | None:
    """None: metrics are off (no token set); else whether the bearer token matches."""
    token = current_app.config.get("SAMENSPEL_METRICS_TOKEN", "")
    if not token:
        return None
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.strip().encode(), token.encode())


def init_app(app: Flask) -> None:
    app.config.setdefault("SAMENSPEL_METRICS_TOKEN", os.environ.get("SAMENSPEL_METRICS_TOKEN", ""))

    @app.after_request
    def count_request(response):
        started = g.get("request_started")
        if started is not None:
            endpoint = request.endpoint or "none"
            REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
            LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        return response
