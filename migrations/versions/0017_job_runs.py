"""Job runs: the last run of each scheduled job, for monitoring

Revision ID: 0017_job_runs
Revises: 0012_review_tallies
Create Date: 2026-12-06 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0017_job_runs"
down_revision = "0016_proposals"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_run",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("last_started_at", sa.DateTime(), nullable=False),
        sa.Column("last_finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.String(length=10), nullable=False),
        sa.Column("last_duration_ms", sa.Integer(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_job_run")),
    )


def downgrade():
    op.drop_table("job_run")
