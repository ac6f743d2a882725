"""The database-specific part of the search index, which is not in the models.

The migrations create it, each with its own SQL written out (0008, 0009, 0011, 0013, 0023):

- SQLite: FTS5 tables over search_document.stems (external content, kept in step by
  triggers): `comment_fts` for comments and `search_fts` for everything else, both with
  FTS5's `automerge` at 8 segments a level (0011 on new databases, 0013 on older ones).
- PostgreSQL: a stored generated column `search_vector` with the `dutch` tsvector of
  title and body, and partial GIN indexes on it: one for comments, one for the rest;
  and a partial index of the comments' ids, which a search walks newest first (0023).

Comments have an index of their own: there are a hundred times more of them than of
anything else, and a search reads them newest first and stops early, while the other
kinds are few enough to count and rank in full.
"""

from __future__ import annotations

# Names the migration tooling must leave alone (they are not in the models).
NOT_IN_MODELS = {
    "search_fts", "ix_search_document_fts", "search_vector", "ix_search_document_vector",
    "comment_fts", "ix_search_document_comment_vector", "ix_search_document_comment_newest",
}  # fmt: skip


def include_name(name, type_, parent_names) -> bool:
    """For Alembic's autogenerate: skip the index's own tables and index."""
    if name is None:
        return True
    return not (name in NOT_IN_MODELS or name.startswith(("search_fts_", "comment_fts_")))
