"""gunicorn's settings in the image (`gunicorn --config gunicorn.conf.py 'app:create_app()'`).

Workers: one sync worker per core (at least two), the rule the mixed-load benchmark
confirmed (README.md, "Benchmark"); set WEB_CONCURRENCY to override it, e.g. when the
container's CPU quota is lower than the cores it sees, or higher when the database is far
away and workers spend much of a request waiting for it. Requests are logged by the app
(one JSON line each), so gunicorn keeps no access log. Metrics of all workers are added up through
PROMETHEUS_MULTIPROC_DIR (app/ops/metrics.py): emptied at start, a dead worker's
figures folded in.
"""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path


def default_workers() -> int:
    """A request is Python on the CPU nearly all the time, so a worker per core keeps the
    cores busy; more workers than cores take turns on them in the middle of requests, and
    every request then costs more CPU and waits longer (mixed load, 2 cores: 5 workers
    9.1 ms of CPU a request and 147 req/s at p95 ≤ 100 ms on SQLite, 2 workers 6.7 ms and
    237 req/s). Two at least, so that one slow request (a PDF, an import) never holds
    up everyone."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(2, cores or 1)


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
