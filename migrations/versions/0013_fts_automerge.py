"""FTS5 automerge at 8 segments a level for SQLite databases made before 0011 set it

Revision ID: 0013_fts_automerge
Revises: 0012_review_tallies
Create Date: 2026-12-06 10:00:00

Migration 0011 sets FTS5's `automerge` to 8 on both full-text tables since the setting
was added to it; databases that had run 0011 before kept FTS5's default of 4 (the merges
that hold SQLite's write lock then come twice as often). The setting is stored in each
table's `<table>_config` shadow table; setting it again is harmless. PostgreSQL has no
FTS5 tables: nothing to do there.
"""

from alembic import op
from sqlalchemy import text

revision = "0013_fts_automerge"
down_revision = "0012_review_tallies"
branch_labels = None
depends_on = None

AUTOMERGE = [
    "INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', 8)",
    "INSERT INTO comment_fts(comment_fts, rank) VALUES ('automerge', 8)",
]


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in AUTOMERGE:
            bind.execute(text(statement))


def downgrade():
    # 0011, which stays, sets the same value on a fresh database: leave it.
    pass
