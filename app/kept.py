"""Derived data kept between requests until what it is read from changes.

Some views read a great deal to show little that changes seldom: a cycle's summary of its
period (app/cycles/kept.py), the dashboard's "at a glance" visuals. They are kept with the
value of one counter (kept_basis) as read *before* they were made, and every writing
transaction that changes a table such data may read raises that counter just before it
commits. Kept data is used while the counter still has the value it was made at, and only
on the day it was made (revisits and deadlines depend on today).

Reading the counter first keeps this right under concurrency: a write committed before
that read is in what was read, and a write committed after it has raised the counter
past the kept value. Raising the counter locks its row until the commit, so writers of
such data follow one another; they are few, since the traffic that writes most
(comments, sign-ins, notifications, read markers) writes only tables in UNREAD.

UNREAD names the tables no kept data reads, so a new table counts as read until it is
added there; COLUMNS limits what counts for two tables that commenting and signing in
update. A missing counter row counts as 0; the first write that counts makes it. The
counter rises by one but at least to the time in microseconds, so it never returns to a
value kept data was made at, not even after a backup is restored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from functools import cache
from typing import TypeVar

from flask import has_request_context, request
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import BigInteger, Select, case, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column
from sqlalchemy.sql.dml import Update

from app.extensions import db
from app.timeutil import today

UNREAD = frozenset(
    {
        "agreement_comment", "audit_event", "auth_throttle", "calendar_feed", "comment",
        "comment_revision", "conversation_event", "cycle_summary", "document",
        "document_version", "follow", "invitation", "job_run", "kept_basis",
        "mail_setting_link", "meeting_attendee", "mention", "notification",
        "notification_setting", "outgoing_mail", "password_reset", "proposal_comment",
        "read_marker", "recovery_code", "risk_comment", "search_document", "sso_identity",
        "sso_provider", "user_session",
    }
)  # fmt: skip
# Tables of which only these columns are read: the counts commenting updates on a
# conversation and what signing in updates on a user do not count.
COLUMNS = {
    "conversation": frozenset({"partnership_id", "table_id", "title", "status", "closed_at"}),
    "user": frozenset({"name"}),
}
_CHANGED = "kept_data_changed"


class KeptBasis(db.Model):
    """One row (id 1): the counter that writes to what kept data reads raise."""

    __tablename__ = "kept_basis"

    id: Mapped[int] = mapped_column(primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger, default=0)


def basis_column():
    """The counter as a scalar subquery (NULL while no write has counted), for a statement
    that reads it along with other things (app/auth/sessions.py: the signed-in session)."""
    return select(KeptBasis.counter).where(KeptBasis.id == 1).scalar_subquery()


@cache
def _basis_statement():
    return select(KeptBasis.counter).where(KeptBasis.id == 1)


def basis() -> int:
    """The counter now (0 while no write has counted)."""
    return db.session.execute(_basis_statement()).scalar() or 0


_REQUEST_BASIS = "samenspel.kept_basis"


def request_basis() -> int:
    """basis(), read once per request: a page with several kept fragments reads the counter
    once, before the first of them. A commit of this request that raises the counter
    forgets the value read (before_commit), so the request then sees its own write."""
    if not has_request_context():
        return basis()
    found = request.environ.get(_REQUEST_BASIS)
    if found is None:
        found = request.environ[_REQUEST_BASIS] = basis()
    return found


def note_request_basis(counter: int | None) -> None:
    """The counter as a statement at the start of this request read it along with other
    things: request_basis() then need not read it again. Read before any kept data of the
    request was made, so it is as good as reading it just before."""
    if has_request_context():
        request.environ[_REQUEST_BASIS] = counter or 0


def upsert(model, values: dict, changes: dict):
    """INSERT … ON CONFLICT (primary key) DO UPDATE, on SQLite and PostgreSQL."""
    module = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = module.insert(model).values(**values)
    key = [c.name for c in model.__table__.primary_key.columns]
    return statement.on_conflict_do_update(index_elements=key, set_=changes)


# --- values and fragments kept in the process -------------------------------------------

FRAGMENTS_KEPT = 1024
_fragments: dict[Hashable, tuple[int, object, object]] = {}
_fragments_lock = threading.Lock()
T = TypeVar("T")


def _unsaved() -> bool:
    """The session holds changes that count, not yet committed (a value made now would
    read them, and one kept from before would not)."""
    session = db.session()
    return bool(session.info.get(_CHANGED)) or _changes_count(session)


def kept_value(key: Hashable, make: Callable[[], T]) -> T:
    """make(), or what it gave for this key while nothing it reads has changed. Kept in
    this process only (each worker makes its own), at most FRAGMENTS_KEPT keys; the key
    must hold whatever else the value depends on (partnership, role, language). Only plain,
    unchangeable values: text, numbers, tuples (an ORM object belongs to one session).
    While the session has unsaved changes, make() is called and nothing is kept."""
    if _unsaved():
        return make()
    counter, day = request_basis(), today()
    found = _fragments.get(key)
    if found is not None and found[0] == counter and found[1] == day:
        return found[2]
    value = make()
    keep(_fragments, key, (counter, day, value), FRAGMENTS_KEPT)
    return value


def keep(store: dict, key: Hashable, value: object, limit: int) -> None:
    """store[key] = value, the oldest key dropped first when store already holds `limit`
    (a dict keeps its keys in the order they came): what a process keeps stays bounded."""
    with _fragments_lock:
        if key not in store and len(store) >= limit:
            store.pop(next(iter(store)))
        store[key] = value


def kept_count(statement: Select) -> int:
    """The number of rows of statement, kept until what it reads changes: the total of a
    list page (at factor 10, counting a filtered list costs more than reading its page).
    Only for a statement that reads no table in UNREAD. Its key is the statement's own
    cache key with its parameter values, so it holds every filter, permission and date the
    statement applies; a statement SQLAlchemy does not cache, or with a parameter that
    cannot be a key, is counted each time."""

    def count() -> int:
        counting = select(func.count()).select_from(statement.order_by(None).subquery())
        return db.session.execute(counting).scalar_one()

    cache_key = statement._generate_cache_key()  # SQLAlchemy's own key of the statement
    if cache_key is None:  # a statement SQLAlchemy does not cache
        return count()
    try:
        values = tuple(_frozen(p.effective_value) for p in cache_key.bindparams)
        key = ("count", cache_key.key, values)
        hash(key)
    except TypeError:
        return count()
    return kept_value(key, count)


def kept_fragment(key: Hashable, render: Callable[[], str]) -> Markup:
    """kept_value() of HTML: render() gives a template's output."""
    return kept_value(key, lambda: Markup(render()))  # noqa: S704  (escaped as it was rendered)


def kept_block(*key, caller) -> Markup:
    """A template's call block, kept: ``{% call kept_block("risk filters", partnership.id,
    filters.as_args()) %}…{% endcall %}`` renders the block only when it is not kept for
    this key (with the page's language) and counter. The key must name everything the
    block shows that is not read from a counted table: it can hold mappings and lists."""
    frozen = tuple(_frozen(part) for part in key)
    return kept_fragment(("block", *frozen, str(get_locale())), caller)


def kept_form(form, *key, caller) -> Markup:
    """A form's fields and button as kept_block() keeps them, while the form is as new: no
    errors and no field holding a value (what a page shows before anyone typed). ``form``
    is the form, or its class for a fresh one, which is then made only when the block is
    rendered (a page whose block is kept makes no form). The block gets the form:
    ``{% call(form) kept_form(comment_form) %}{{ field(form.body) }}{% endcall %}``. The
    key names the form's class and prefix and what else the block shows; the block must
    not hold the CSRF token (it differs per session): put ``<input type="hidden"
    name="csrf_token" value="{{ csrf_token() }}">`` before it. A form coming back with
    errors or values is rendered each time."""
    if isinstance(form, type):
        fresh = form  # a class: its form as new, with the default prefix

        def render() -> str:
            return caller(fresh(formdata=None))

        return kept_block("form", fresh.__qualname__, "", *key, caller=render)
    if form.errors or not all(_empty(f.data) for f in form if f.type != "CSRFTokenField"):
        return Markup(caller(form))  # noqa: S704  (rendered escaped)
    return kept_block(
        "form", type(form).__qualname__, form._prefix, *key, caller=lambda: caller(form)
    )


def _empty(value) -> bool:
    return value is None or value is False or (isinstance(value, str | list | tuple) and not value)


def _frozen(value):
    """value as a key: mappings and lists (a parameter's list of ids) made tuples."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


# --- noticing changes -------------------------------------------------------------------


def _counts(obj, dirty: bool) -> bool:
    table = obj.__table__.name
    if table in UNREAD:
        return False
    columns = COLUMNS.get(table)
    if not dirty or columns is None:
        return True
    state = inspect(obj)
    return any(
        state.attrs[p.key].history.has_changes()
        for p in state.mapper.column_attrs
        if p.columns[0].name in columns
    )


def _changes_count(session: Session) -> bool:
    """The session's new, deleted or changed objects include one that counts."""
    return any(_counts(o, False) for o in (*session.new, *session.deleted)) or any(
        _counts(o, True) for o in session.dirty if session.is_modified(o)
    )


def _after_flush(session: Session, _flush_context) -> None:
    if not session.info.get(_CHANGED) and _changes_count(session):
        session.info[_CHANGED] = True


def _statement_counts(statement) -> bool:
    name = getattr(getattr(statement, "table", None), "name", None)
    if name is None:
        return True
    if name in UNREAD:
        return False
    columns = COLUMNS.get(name)
    if columns is None or not isinstance(statement, Update):
        return True
    values = statement._values or dict(statement._ordered_values or ())
    if not values:
        return True
    return any(getattr(key, "name", getattr(key, "key", key)) in columns for key in values)


def _on_execute(state: ORMExecuteState) -> None:
    if state.is_select or state.session.info.get(_CHANGED):
        return
    if (state.is_insert or state.is_update or state.is_delete) and _statement_counts(
        state.statement
    ):
        state.session.info[_CHANGED] = True


def before_commit(session: Session) -> None:
    """Raise the counter when the transaction changed what kept data may read."""
    session.flush()
    if not session.info.pop(_CHANGED, False):
        return
    if has_request_context():
        request.environ.pop(_REQUEST_BASIS, None)
    # One more, but at least the time in microseconds: after a backup is restored (an
    # older counter) the next write still gives a value no kept data was made at.
    now = time.time_ns() // 1000
    raised = KeptBasis.__table__.c.counter + 1
    changes = {"counter": case((raised > now, raised), else_=now)}
    session.execute(upsert(KeptBasis, {"id": 1, "counter": now}, changes))


def _forget(session: Session, *_args) -> None:
    session.info.pop(_CHANGED, None)


def listen() -> None:
    """Watch every ORM session for writes to what kept data reads (once per process).
    Called from create_app, after app.search.services registered its before_commit
    listener at import: that one writes too, so the counter is raised after it, last."""
    if not event.contains(Session, "before_commit", before_commit):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "before_commit", before_commit)
        event.listen(Session, "after_rollback", _forget)
        event.listen(Session, "after_soft_rollback", _forget)
