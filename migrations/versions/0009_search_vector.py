"""The search vector stored per document on PostgreSQL (ranking no longer recomputes it)

Revision ID: 0009_search_vector
Revises: 0008_notifications_search
Create Date: 2026-11-27 18:45:00

"""

from alembic import op
from sqlalchemy import text

from app.search import schema

revision = "0009_search_vector"
down_revision = "0008_notifications_search"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in schema.PG_STORED:
            bind.execute(text(statement))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in schema.PG_STORED_DROP:
            bind.execute(text(statement))
