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
