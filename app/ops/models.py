"""The last run of each scheduled job (one row per job, updated by every run)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class JobRun(db.Model):
    __tablename__ = "job_run"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_started_at: Mapped[datetime]
    last_finished_at: Mapped[datetime | None]
    # "ok" or "failed"
    last_status: Mapped[str] = mapped_column(String(10))
    last_duration_ms: Mapped[int] = mapped_column(default=0)
    last_success_at: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
