"""/readyz for the orchestrator and /metrics for Prometheus (/healthz stays in app.site)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify
from prometheus_client import CONTENT_TYPE_LATEST

from app.ops import health, metrics
from app.policy import public

bp = Blueprint("ops", __name__)


@bp.get("/readyz")
@public
def readyz():
    checks = health.readiness()
    ready = all(value == "ok" for value in checks.values())
    return jsonify(ready=ready, **checks), 200 if ready else 503


@bp.get("/metrics")
@public  # a bearer token (SAMENSPEL_METRICS_TOKEN) instead of a login
def metrics_page():
    allowed = metrics.authorised()
    if allowed is None:
        abort(404)
    if not allowed:
        return Response(
            "token required\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
            mimetype="text/plain",
        )
    return Response(metrics.exposition(), mimetype=CONTENT_TYPE_LATEST)
