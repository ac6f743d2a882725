"""db.session (app/extensions.py): get() by id runs a statement built once per model when
the object is not in the session yet, and behaves as SQLAlchemy's get() otherwise."""

from __future__ import annotations

from sqlalchemy import event, update

from app import extensions
from app.extensions import db
from app.partnerships.models import Organisation, Partnership


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
