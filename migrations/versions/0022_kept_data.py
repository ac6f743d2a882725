"""Kept data: the counter that writes to what kept data reads raise (app/kept.py), and the
live summary of an open cycle as last composed (app/cycles/kept.py)

Revision ID: 0022_kept_data
Revises: 0021_drop_data_version
Create Date: 2026-12-06 20:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0022_kept_data"
down_revision = "0021_drop_data_version"
branch_labels = None
depends_on = None


def upgrade():
    # No row yet: a missing counter counts as 0, and the first write that counts makes it
    # (so a freshly migrated database still holds no data, as restoring a backup expects).
    op.create_table(
        "kept_basis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counter", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kept_basis")),
    )
    op.create_table(
        "cycle_summary",
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("basis", sa.BigInteger(), nullable=False),
        sa.Column("composed_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycle.id"], name=op.f("fk_cycle_summary_cycle_id_cycle"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cycle_id", name=op.f("pk_cycle_summary")),
    )


def downgrade():
    op.drop_table("cycle_summary")
    op.drop_table("kept_basis")
