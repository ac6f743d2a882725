"""The database-specific part of the search index, created by the migrations.

SQLite: an FTS5 table over search_document.stems (external content, kept in step by
triggers). PostgreSQL: a stored generated column `search_vector` with the `dutch`
tsvector of title and body and a GIN index on it (migration 0009; 0008 had an index on
the expression, which made ranking recompute every matching document's vector).
"""

from __future__ import annotations

from sqlalchemy import text

# The same expression in the index and in the query, or PostgreSQL will not use the index.
PG_VECTOR = (
    "setweight(to_tsvector('dutch', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('dutch', coalesce(body, '')), 'B')"
)

SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(stems, content='search_document', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 2\")",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, stems) VALUES (new.id, new.stems); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, stems) VALUES ('delete', old.id, old.stems); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, stems) VALUES ('delete', old.id, old.stems); "
    "INSERT INTO search_fts(rowid, stems) VALUES (new.id, new.stems); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_ai",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRESQL = [f"CREATE INDEX ix_search_document_fts ON search_document USING gin (({PG_VECTOR}))"]
POSTGRESQL_DROP = ["DROP INDEX IF EXISTS ix_search_document_fts"]

# Migration 0009 (PostgreSQL only): the vector stored once per document.
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

# Names the migration tooling must leave alone (they are not in the models).
NOT_IN_MODELS = {
    "search_fts", "ix_search_document_fts", "search_vector", "ix_search_document_vector",
}  # fmt: skip


def install(connection) -> None:
    for statement in SQLITE if connection.dialect.name == "sqlite" else POSTGRESQL:
        connection.execute(text(statement))


def uninstall(connection) -> None:
    for statement in SQLITE_DROP if connection.dialect.name == "sqlite" else POSTGRESQL_DROP:
        connection.execute(text(statement))


def include_name(name, type_, parent_names) -> bool:
    """For Alembic's autogenerate: skip the index's own tables and index."""
    if name is None:
        return True
    return not (name in NOT_IN_MODELS or name.startswith("search_fts_"))
