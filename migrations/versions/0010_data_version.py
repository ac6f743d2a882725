"""The data version: raised by every writing transaction; kept pages are valid for one value

Revision ID: 0010_data_version
Revises: 0009_search_vector
Create Date: 2026-11-27 20:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_data_version"
down_revision = "0009_search_vector"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade():
    op.drop_table("data_version")
