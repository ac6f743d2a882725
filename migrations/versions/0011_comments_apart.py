"""Comments in a search index of their own (read newest first, stopping early)

Revision ID: 0011_comments_apart
Revises: 0010_data_version
Create Date: 2026-11-27 23:45:00

"""

from alembic import op
from sqlalchemy import text

from app.search import schema

revision = "0011_comments_apart"
down_revision = "0010_data_version"
branch_labels = None
depends_on = None


def _run(statements: list[str]) -> None:
    bind = op.get_bind()
    for statement in statements:
        bind.execute(text(statement))


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(schema.PG_COMMENTS_APART)
    else:
        _run(schema.SQLITE_COMMENTS_APART)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(schema.PG_COMMENTS_TOGETHER)
    else:
        _run(schema.SQLITE_COMMENTS_TOGETHER)
