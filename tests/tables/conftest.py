"""Fixtures of the thematic table tests: a world with one table and an open conversation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.extensions import db
from tests.conftest import World
from tests.tables.helpers import make_table, start, url


@dataclass
class Seated:
    """The world's table "Gezinsgericht werken" (chair: bestuurder; members: the
    programmamanager who made it, teamlid and partner) and an open conversation in it."""

    world: World
    table_id: int
    conversation_id: int

    def url(self, path: str = "") -> str:
        return url(self.world, f"/{self.table_id}{path}")

    def conversation_url(self, path: str = "") -> str:
        return self.url(f"/conversations/{self.conversation_id}{path}")

    def comments_url(self) -> str:
        return self.conversation_url("/comments")


@pytest.fixture
def seated(app, world) -> Seated:
    with app.test_request_context():
        table = make_table(world)
        conversation = start(world, table)
        result = Seated(world, table.id, conversation.id)
        db.session.remove()
    return result


# TEMPORARY (remove before handing in): another area's models exist before its migration.
@pytest.fixture(autouse=True)
def clean_database(request):
    yield
    if "app" not in request.fixturenames:
        return
    from sqlalchemy import inspect, text

    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        existing = set(inspect(db.engine).get_table_names())
        tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name in existing]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                quoted = ", ".join(f'"{name}"' for name in tables)
                connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    connection.execute(text(f'DELETE FROM "{name}"'))
