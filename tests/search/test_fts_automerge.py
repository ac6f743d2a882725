"""Migration 0013: FTS5's `automerge` at 8 reaches SQLite databases that ran 0011 before
0011 set it; on PostgreSQL, which has no FTS5 tables, it changes nothing."""

from __future__ import annotations

import os

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db
from tests.search.helpers import in_context

POSTGRESQL = bool(os.environ.get("DATABASE_URL"))  # as tests/conftest.py chooses
FTS_TABLES = ("search_fts", "comment_fts")


def automerge() -> dict[str, int | None]:
    """Each FTS5 table's stored automerge setting (its `<table>_config` shadow table)."""
    return {
        fts: db.session.execute(
            text(f"SELECT v FROM {fts}_config WHERE k = 'automerge'")  # noqa: S608
        ).scalar()
        for fts in FTS_TABLES
    }


def set_automerge(value: int) -> None:
    for fts in FTS_TABLES:
        db.session.execute(
            text(f"INSERT INTO {fts}({fts}, rank) VALUES ('automerge', :value)"),  # noqa: S608
            {"value": value},
        )
    db.session.commit()


def vector_indexes() -> dict[str, str]:
    rows = db.session.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_document'")
    )
    return dict(rows.all())


def current_revision() -> str:
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def migrate(app, action, *args, **kwargs) -> None:
    with app.app_context():
        db.session.remove()
        action(*args, **kwargs)


def test_upgrading_from_0012_sets_automerge_to_eight(app):
    """On the shared test database; whatever happens, it is upgraded again at the end."""
    try:
        migrate(app, downgrade, revision="0012_review_tallies")
        assert in_context(app, current_revision) == "0012_review_tallies"
        if POSTGRESQL:
            before = in_context(app, vector_indexes)
        else:
            # As a database that ran 0011 before 0011 set it: FTS5's default of 4.
            in_context(app, set_automerge, 4)
            assert in_context(app, automerge) == {"search_fts": 4, "comment_fts": 4}

        migrate(app, upgrade, revision="0013_fts_automerge")

        assert in_context(app, current_revision) == "0013_fts_automerge"
        if POSTGRESQL:
            assert in_context(app, vector_indexes) == before
            tables = in_context(
                app,
                lambda: db.session.execute(
                    text("SELECT tablename FROM pg_tables WHERE tablename LIKE '%fts%'")
                ).all(),
            )
            assert tables == []
        else:
            assert in_context(app, automerge) == {"search_fts": 8, "comment_fts": 8}
    finally:
        migrate(app, upgrade)  # to head, if a check above failed while down
