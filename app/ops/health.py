"""Readiness: the database answers and its migrations are at the code's head."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from app.extensions import db


def code_heads() -> set[str]:
    """The head revisions of the migrations this code ships (read once per process)."""
    heads = current_app.extensions.get("samenspel_migration_heads")
    if heads is None:
        directory = current_app.extensions["migrate"].directory
        heads = set(ScriptDirectory(directory).get_heads())
        current_app.extensions["samenspel_migration_heads"] = heads
    return heads


def database_heads() -> set[str]:
    """The revisions the database is at (empty for a database never migrated)."""
    with db.engine.connect() as connection:
        if not db.inspect(connection).has_table("alembic_version"):
            return set()
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
        return {row[0] for row in rows}


def readiness() -> dict[str, str]:
    """{"database": ..., "migrations": ...}: "ok" or what is wrong (for machines)."""
    try:
        at = database_heads()
    except Exception as error:  # any failure to connect or read means: not ready
        return {"database": f"unreachable: {type(error).__name__}", "migrations": "unknown"}
    wanted = code_heads()
    if at == wanted:
        return {"database": "ok", "migrations": "ok"}
    return {
        "database": "ok",
        "migrations": f"at {','.join(sorted(at)) or 'nothing'}, "
        f"code needs {','.join(sorted(wanted))}",
    }
