"""The data version goes: it served only the page cache, which was removed

Revision ID: 0021_drop_data_version
Revises: 0020_document_version_number
Create Date: 2026-12-06 19:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021_drop_data_version"
down_revision = "0020_document_version_number"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("data_version")


def downgrade():
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])
