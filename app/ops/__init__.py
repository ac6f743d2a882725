"""Running Samenspel in production: JSON logs with a request id, Prometheus metrics,
/readyz, recorded job runs, backups (`flask backup`), the job schedule
(`flask schedule run`) and `flask doctor`. See README.md, "In productie"."""

from __future__ import annotations

from flask import Flask

from app import doctor
from app.ops import backup, logs, metrics, models, routes, schedule  # noqa: F401  (models: job_run)


def init_app(app: Flask) -> None:
    logs.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(routes.bp)
    app.cli.add_command(backup.backup_cli)
    app.cli.add_command(schedule.schedule_cli)
    app.cli.add_command(doctor.doctor)
