"""The Flask extensions, created once and bound in create_app()."""

from functools import cache

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData, bindparam, inspect, select

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


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING), session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()
