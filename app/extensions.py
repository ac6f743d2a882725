"""The Flask extensions, created once and bound in create_app()."""

from functools import cache

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData, bindparam, event, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

# Named constraints so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@cache
def _by_primary_key(model: type):
    mapper = inspect(model)
    [key] = mapper.primary_key
    return select(mapper).where(key == bindparam("pk"))


class Session(FlaskSession):
    """db.session. Its get() of one object by its id, when that object is not in the
    session yet, runs a statement built once per model: SQLAlchemy's own builds the
    statement on every call, which costs more than running it (an object page gets its
    object, its table, its conversation this way). Everything else, also a get() with
    options or of an object already in the session, is SQLAlchemy's."""

    def get(self, entity, ident, **options):
        if (
            any(options.values())  # db.session passes them all, unset ones empty
            or not isinstance(entity, type)
            or isinstance(ident, tuple | list | dict)
            or len(inspect(entity).primary_key) != 1
            or self.identity_key(entity, ident) in self.identity_map
        ):
            return super().get(entity, ident, **options)
        return self.execute(_by_primary_key(entity), {"pk": ident}).scalar_one_or_none()


# --- a transaction that only read ends with COMMIT ------------------------------------------
#
# A request's transaction ends when its session is removed, with a ROLLBACK: for a
# transaction that only read, COMMIT does the same. But psycopg forgets its prepared
# statements at every ROLLBACK (it prepares a statement the fifth time a connection runs
# it), so with ROLLBACK PostgreSQL parsed and planned every statement of every request
# anew. A transaction in which anything but a SELECT ran, or with changes not yet
# flushed, or that ended in an error, still ends with ROLLBACK: only reading is committed.
# On SQLite nothing is prepared across transactions, and the commit would only cost time.

WROTE = "samenspel.wrote"


@event.listens_for(Engine, "begin")
def _transaction_begins(connection) -> None:
    connection.info.pop(WROTE, None)  # info belongs to the DB-API connection: per transaction


@event.listens_for(Engine, "before_cursor_execute")
def _note_writing(connection, _cursor, statement: str, _parameters, _context, _many) -> None:
    if WROTE not in connection.info and statement.lstrip()[:6].upper() != "SELECT":
        connection.info[WROTE] = True


def end_reading(error: BaseException | None) -> None:
    """Before the session is removed (app context teardown): COMMIT a transaction that
    only read (see above); anything else is left to the ROLLBACK of the removal."""
    if error is not None or not db.session.registry.has():
        return
    session = db.session()
    if session.get_bind().dialect.name != "postgresql":
        return
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if session.connection().info.get(WROTE):
        return
    # The session is removed next: its objects keep what they hold, as after the removal's
    # ROLLBACK (a commit would expire them, and code still holding one could not read it).
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    except SQLAlchemyError:
        session.rollback()
    finally:
        session.expire_on_commit = expire


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING), session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()
