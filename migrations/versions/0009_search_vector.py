"""The search vector stored per document on PostgreSQL (ranking no longer recomputes it)

Revision ID: 0009_search_vector
Revises: 0008_notifications_search
Create Date: 2026-11-27 18:45:00

"""

from alembic import op
from sqlalchemy import text

# The same expression as the index of 0008 and the search query (app/search/services.py).
PG_VECTOR = (
    "setweight(to_tsvector('dutch', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('dutch', coalesce(body, '')), 'B')"
)
PG_STORED = [
    "DROP INDEX IF EXISTS ix_search_document_fts",
    f"ALTER TABLE search_document ADD COLUMN search_vector tsvector "
    f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED",
    "CREATE INDEX ix_search_document_vector ON search_document USING gin (search_vector)",
]
PG_STORED_DROP = [
    "DROP INDEX IF EXISTS ix_search_document_vector",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS search_vector",
    f"CREATE INDEX ix_search_document_fts ON search_document USING gin (({PG_VECTOR}))",
]

revision = "0009_search_vector"
down_revision = "0008_notifications_search"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in PG_STORED:
            bind.execute(text(statement))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in PG_STORED_DROP:
            bind.execute(text(statement))
