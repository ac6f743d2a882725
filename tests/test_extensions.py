"""db.session (app/extensions.py): get() by id runs a statement built once per model when
the object is not in the session yet, and behaves as SQLAlchemy's get() otherwise. A
request's transaction that only read ends with COMMIT, any other with ROLLBACK."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import event, select, text, update

from app import extensions
from app.extensions import db
from app.partnerships.models import Organisation, Partnership
from tests.conftest import sign_in

POSTGRESQL = bool(os.environ.get("DATABASE_URL"))  # as tests/conftest.py chooses


def statements_of(block) -> list[str]:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        block()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen


def test_get_reads_the_object_by_its_id_with_a_statement_built_once(ctx, world):
    ids = (world.municipality.id, world.provider.id)
    names = (world.municipality.name, world.provider.name)
    db.session.expunge_all()
    extensions._by_primary_key.cache_clear()

    found = [db.session.get(Organisation, i) for i in ids]

    assert [o.name for o in found] == list(names)
    assert extensions._by_primary_key.cache_info().misses == 1  # one model, built once
    assert extensions._by_primary_key.cache_info().hits == 1
    # An object already in the session comes from there, without a statement.
    assert statements_of(lambda: found.append(db.session.get(Organisation, ids[0]))) == []
    assert found[2] is found[0]


def test_get_of_an_unknown_id_or_a_removed_object_is_none(ctx, world):
    assert db.session.get(Organisation, 10**9) is None
    assert db.session.get(Partnership, -1) is None
    organisation = Organisation(name="Tijdelijke stichting", kind="aanbieder")
    db.session.add(organisation)
    db.session.commit()
    number = organisation.id
    db.session.delete(organisation)
    db.session.commit()
    assert db.session.get(Organisation, number) is None


def test_get_with_options_is_sqlalchemys_and_sees_changes_made_elsewhere(ctx, world):
    organisation = db.session.get(Organisation, world.provider.id)
    db.session.execute(
        update(Organisation)
        .where(Organisation.id == organisation.id)
        .values(name="Hernoemd")
        .execution_options(synchronize_session=False)
    )

    assert db.session.get(Organisation, organisation.id).name != "Hernoemd"  # the session's
    again = db.session.get(Organisation, organisation.id, populate_existing=True)
    assert again is organisation and again.name == "Hernoemd"


@pytest.fixture
def endings(app):
    """How each transaction on the engine ended: "commit" or "rollback"."""
    seen: list[str] = []
    listeners = {"commit": lambda conn: seen.append("commit"),
                 "rollback": lambda conn: seen.append("rollback")}  # fmt: skip
    with app.app_context():
        engine = db.engine
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    yield seen
    for name, listener in listeners.items():
        event.remove(engine, name, listener)


# On PostgreSQL (for psycopg's prepared statements); SQLite's transactions all roll back.
READ_ENDS_WITH = "commit" if POSTGRESQL else "rollback"


def test_a_request_that_only_read_ends_with_commit_on_postgresql(app, world, endings):
    client = sign_in(app.test_client(), world.users["lezer"].email)
    endings.clear()
    assert client.get(f"/p/{world.slug}/agreements/").status_code == 200
    assert endings == [READ_ENDS_WITH]
    endings.clear()
    assert client.get(f"/p/{world.slug}/agreements/999999").status_code == 404
    assert endings == [READ_ENDS_WITH]  # a refusal that read only


def _names(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.execute(select(Organisation.name).order_by(Organisation.id)).scalars()
        )


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda world: db.session.add(Organisation(name="Nieuw", kind="gemeente")),
                     id="added, not flushed"),
        pytest.param(lambda world: setattr(db.session.get(Organisation, world.provider.id),
                                           "name", "Veranderd"), id="changed, not flushed"),
        pytest.param(lambda world: (db.session.add(Organisation(name="Nieuw", kind="gemeente")),
                                    db.session.flush()), id="flushed"),
        pytest.param(lambda world: db.session.execute(
            update(Organisation).where(Organisation.id == world.provider.id)
            .values(name="Veranderd")), id="an UPDATE statement"),
        pytest.param(lambda world: db.session.execute(
            text("UPDATE organisation SET name = name || '!'")), id="text"),
    ],
)  # fmt: skip
def test_a_transaction_that_wrote_without_commit_ends_with_rollback(app, world, endings, write):
    before = _names(app)
    endings.clear()
    with app.test_request_context():
        write(world)
        db.session.execute(select(Organisation.id)).all()  # and read after it
    assert endings == ["rollback"]
    assert _names(app) == before


def test_a_transaction_that_ended_in_an_error_ends_with_rollback(app, world, endings):
    endings.clear()
    with pytest.raises(RuntimeError), app.test_request_context():
        db.session.execute(select(Organisation.id)).all()
        raise RuntimeError("stop")
    assert endings == ["rollback"]


@pytest.mark.skipif(not POSTGRESQL, reason="prepared statements are PostgreSQL's")
def test_postgresql_keeps_the_statements_of_reading_requests_prepared(app, world):
    """psycopg prepares a statement the fifth time a connection runs it, and forgets them
    all at a ROLLBACK: ending reading requests with COMMIT is what keeps them."""
    client = sign_in(app.test_client(), world.users["lezer"].email)
    # The pool hands out its idle connections in turn (earlier tests may have left
    # several): enough visits that every one of them runs the list's statements 5 times.
    for _ in range(60):
        assert client.get(f"/p/{world.slug}/agreements/").status_code == 200
    with app.app_context():
        prepared = db.session.execute(text("SELECT count(*) FROM pg_prepared_statements"))
        assert prepared.scalar_one() >= 3  # the session, the membership, the list …
