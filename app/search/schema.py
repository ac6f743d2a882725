"""The database-specific part of the search index, created by the migrations.

SQLite: FTS5 tables over search_document.stems (external content, kept in step by
triggers). PostgreSQL: a stored generated column `search_vector` with the `dutch`
tsvector of title and body and a GIN index on it (migration 0009; 0008 had an index on
the expression, which made ranking recompute every matching document's vector).

Since migration 0011 comments have an index of their own (`comment_fts`; on PostgreSQL a
partial GIN index): there are a hundred times more of them than of anything else, and a
search reads them newest first and stops early, while the other kinds are few enough to
count and rank in full.
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

# Migration 0011: comments apart. The statements of 0008 and 0009 above stay as they
# were: they are what those migrations ran.
_FTS5 = "content='search_document', content_rowid='id', tokenize=\"unicode61 remove_diacritics 2\""
_INTO = {"search_fts": "<> 'comment'", "comment_fts": "= 'comment'"}


def _sqlite_triggers() -> list[str]:
    """Each document into the index of its kind (and out of it again)."""

    def add(row: str) -> str:
        return " ".join(
            f"INSERT INTO {fts}(rowid, stems) SELECT {row}.id, {row}.stems "
            f"WHERE {row}.kind {where};"
            for fts, where in _INTO.items()
        )

    def remove(row: str) -> str:
        return " ".join(
            f"INSERT INTO {fts}({fts}, rowid, stems) SELECT 'delete', {row}.id, {row}.stems "
            f"WHERE {row}.kind {where};"
            for fts, where in _INTO.items()
        )

    return [
        f"CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN {add('new')} END",
        f"CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
        f"{remove('old')} END",
        f"CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
        f"{remove('old')} {add('new')} END",
    ]


SQLITE_COMMENTS_APART = [
    *SQLITE_DROP[:3],
    f"CREATE VIRTUAL TABLE comment_fts USING fts5(stems, {_FTS5})",
    *_sqlite_triggers(),
    "INSERT INTO search_fts(search_fts) VALUES ('delete-all')",
    "INSERT INTO search_fts(rowid, stems) SELECT id, stems FROM search_document "
    "WHERE kind <> 'comment'",
    "INSERT INTO comment_fts(rowid, stems) SELECT id, stems FROM search_document "
    "WHERE kind = 'comment'",
    # FTS5 merges its segments a little at each commit once a level holds `automerge` of
    # them (4 by default). In an index of a million comments those merges made one post
    # in twenty wait 60–80 ms, holding SQLite's write lock; at 8 they come half as often
    # (posting at 8 clients on factor 10: p95 116 → 76 ms). Reading a few more segments
    # costs a search well under a millisecond.
    "INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', 8)",
    "INSERT INTO comment_fts(comment_fts, rank) VALUES ('automerge', 8)",
]
SQLITE_COMMENTS_TOGETHER = [
    *SQLITE_DROP[:3],
    "DROP TABLE IF EXISTS comment_fts",
    *SQLITE[1:],  # the triggers of 0008
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

# Names the migration tooling must leave alone (they are not in the models).
NOT_IN_MODELS = {
    "search_fts", "ix_search_document_fts", "search_vector", "ix_search_document_vector",
    "comment_fts", "ix_search_document_comment_vector",
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
    return not (name in NOT_IN_MODELS or name.startswith(("search_fts_", "comment_fts_")))
