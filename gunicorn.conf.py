"""gunicorn's settings in the image (`gunicorn --config gunicorn.conf.py 'app:create_app()'`).

Workers: 2 × cores + 1 sync workers, the rule the benchmark confirmed (README.md,
"Benchmark"); set WEB_CONCURRENCY to override it, e.g. when the container's CPU quota is
lower than the cores it sees. Requests are logged by the app (one JSON line each), so
gunicorn keeps no access log. Metrics of all workers are added up through
PROMETHEUS_MULTIPROC_DIR (app/ops/metrics.py): emptied at start, a dead worker's
figures folded in.
"""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path


def default_workers() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * (cores or 1) + 1


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers())
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
accesslog = None
errorlog = "-"
# Read X-Forwarded-Proto only from the reverse proxy (FORWARDED_ALLOW_IPS, gunicorn's own
# variable, defaults to 127.0.0.1).


def on_starting(server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def post_worker_init(worker) -> None:
    """The app is loaded: what it holds now (modules, the app, its extensions) lives as
    long as the worker. Frozen, it is left out of every garbage collection after this;
    otherwise each full collection walks all of it again while a request waits (over the
    mixed workload in one process, the collector's time per request fell to a third)."""
    gc.collect()
    gc.freeze()


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
