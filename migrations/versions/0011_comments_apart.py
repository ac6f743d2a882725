"""Comments in a search index of their own (read newest first, stopping early)

Revision ID: 0011_comments_apart
Revises: 0010_data_version
Create Date: 2026-11-27 23:45:00

"""

from alembic import op
from sqlalchemy import text

# Each document goes into the index of its kind (and out of it again).
_TRIGGERS = [
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, stems) SELECT new.id, new.stems WHERE new.kind <> 'comment'; "
    "INSERT INTO comment_fts(rowid, stems) SELECT new.id, new.stems WHERE new.kind = 'comment'; "
    "END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, stems) SELECT 'delete', old.id, old.stems "
    "WHERE old.kind <> 'comment'; "
    "INSERT INTO comment_fts(comment_fts, rowid, stems) SELECT 'delete', old.id, old.stems "
    "WHERE old.kind = 'comment'; END",
    "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, stems) SELECT 'delete', old.id, old.stems "
    "WHERE old.kind <> 'comment'; "
    "INSERT INTO comment_fts(comment_fts, rowid, stems) SELECT 'delete', old.id, old.stems "
    "WHERE old.kind = 'comment'; "
    "INSERT INTO search_fts(rowid, stems) SELECT new.id, new.stems WHERE new.kind <> 'comment'; "
    "INSERT INTO comment_fts(rowid, stems) SELECT new.id, new.stems WHERE new.kind = 'comment'; "
    "END",
]
_DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_ai",
]
SQLITE_COMMENTS_APART = [
    *_DROP_TRIGGERS,
    "CREATE VIRTUAL TABLE comment_fts USING fts5(stems, content='search_document', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 2\")",
    *_TRIGGERS,
    "INSERT INTO search_fts(search_fts) VALUES ('delete-all')",
    "INSERT INTO search_fts(rowid, stems) SELECT id, stems FROM search_document "
    "WHERE kind <> 'comment'",
    "INSERT INTO comment_fts(rowid, stems) SELECT id, stems FROM search_document "
    "WHERE kind = 'comment'",
    # FTS5 merges its segments a little at each commit once a level holds `automerge` of
    # them (4 by default); at 8 the merges that hold SQLite's write lock come half as often.
    # Added after this migration first ran: 0013 applies it to databases made before.
    "INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', 8)",
    "INSERT INTO comment_fts(comment_fts, rank) VALUES ('automerge', 8)",
]
SQLITE_COMMENTS_TOGETHER = [
    *_DROP_TRIGGERS,
    "DROP TABLE IF EXISTS comment_fts",
    # the triggers of 0008
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, stems) VALUES (new.id, new.stems); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, stems) VALUES ('delete', old.id, old.stems); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, stems) VALUES ('delete', old.id, old.stems); "
    "INSERT INTO search_fts(rowid, stems) VALUES (new.id, new.stems); END",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
PG_COMMENTS_APART = [
    "DROP INDEX IF EXISTS ix_search_document_vector",
    "CREATE INDEX ix_search_document_vector ON search_document USING gin (search_vector) "
    "WHERE kind <> 'comment'",
    "CREATE INDEX ix_search_document_comment_vector ON search_document "
    "USING gin (search_vector) WHERE kind = 'comment'",
]
PG_COMMENTS_TOGETHER = [
    "DROP INDEX IF EXISTS ix_search_document_comment_vector",
    "DROP INDEX IF EXISTS ix_search_document_vector",
    "CREATE INDEX ix_search_document_vector ON search_document USING gin (search_vector)",
]

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
        _run(PG_COMMENTS_APART)
    else:
        _run(SQLITE_COMMENTS_APART)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(PG_COMMENTS_TOGETHER)
    else:
        _run(SQLITE_COMMENTS_TOGETHER)
