"""An open cycle's summary, kept between views until data it is read from changes.

compose_summary() reads the period's agreements, risks, reviews, tables, indicators, open
actions and what other areas add (app.registry.period_parts): at scale tens of
milliseconds for every view of the cycle page. Here the summary is kept in cycle_summary
together with the counter of summary_basis as it was read *before* composing, and every
writing transaction that changes a table a summary may read raises that counter just
before it commits. A kept summary is used while the counter still has the value it was
composed at, and only on the day it was composed (overdue revisits depend on today).

Reading the counter first keeps this right under concurrency: a write committed before
that read is in what the summary read, and a write committed after it has raised the
counter past the kept value. Raising the counter locks its row until the commit, so
writers of summary data follow one another; they are few, since the traffic that writes
most (comments, sign-ins, notifications, read markers) writes only tables in UNREAD.

UNREAD names the tables no summary reads, so a new table counts as read until it is
added there; COLUMNS limits what counts for two tables that commenting and signing in
update. A missing counter row counts as 0; the first write that counts makes it.
"""

from __future__ import annotations

import logging

from sqlalchemy import event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Update

from app.cycles.models import CycleSummary, SummaryBasis
from app.extensions import db
from app.timeutil import today

log = logging.getLogger("samenspel.cycles")

UNREAD = frozenset(
    {
        "agreement_comment", "audit_event", "auth_throttle", "calendar_feed", "comment",
        "comment_revision", "conversation_event", "cycle_summary", "document",
        "document_version", "follow", "invitation", "job_run", "mail_setting_link",
        "meeting_attendee", "mention", "notification", "notification_setting",
        "outgoing_mail", "password_reset", "proposal_comment", "read_marker",
        "recovery_code", "risk_comment", "search_document", "sso_identity", "sso_provider",
        "summary_basis", "user_session",
    }
)  # fmt: skip
# Tables of which only these columns are read: the counts commenting updates on a
# conversation and what signing in updates on a user do not count.
COLUMNS = {
    "conversation": frozenset({"partnership_id", "table_id", "title", "status", "closed_at"}),
    "user": frozenset({"name"}),
}
_CHANGED = "cycle_summary_changed"


def kept_summary(cycle, compose) -> dict:
    """compose(cycle), or the summary kept for the cycle while nothing it reads changed."""
    day = today()
    found = db.session.execute(
        select(SummaryBasis.counter, CycleSummary.basis, CycleSummary.composed_on,
               CycleSummary.summary)
        .select_from(SummaryBasis)
        .outerjoin(CycleSummary, CycleSummary.cycle_id == cycle.id)
        .where(SummaryBasis.id == 1)
    ).first()  # fmt: skip
    if found is None:  # no counter row yet: read as 0, with the kept summary if any
        found = db.session.execute(
            select(0, CycleSummary.basis, CycleSummary.composed_on, CycleSummary.summary).where(
                CycleSummary.cycle_id == cycle.id
            )
        ).first() or (0, None, None, None)
    counter, basis, composed_on, summary = found
    if summary is not None and basis == counter and composed_on == day:
        return summary
    summary = compose(cycle)
    _keep(cycle.id, counter, day, summary)
    return summary


def _upsert(model, values: dict, changes: dict):
    module = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = module.insert(model).values(**values)
    key = [c.name for c in model.__table__.primary_key.columns]
    return statement.on_conflict_do_update(index_elements=key, set_=changes)


def _keep(cycle_id: int, counter: int, day, summary: dict) -> None:
    """Store the summary in a transaction of its own (the page's session stays as it is).
    Keeping is an optimisation: when it fails (the cycle was just removed, the database
    is busy) the page is shown all the same and the next view composes again."""
    values = {"cycle_id": cycle_id, "basis": counter, "composed_on": day, "summary": summary}
    changes = {k: v for k, v in values.items() if k != "cycle_id"}
    try:
        with db.engine.begin() as connection:
            connection.execute(_upsert(CycleSummary, values, changes))
    except SQLAlchemyError as error:
        log.warning("cycle summary not kept", extra={"cycle_id": cycle_id, "error": str(error)})


# --- noticing changes -------------------------------------------------------------------


def _counts(obj, dirty: bool) -> bool:
    table = obj.__table__.name
    if table in UNREAD:
        return False
    columns = COLUMNS.get(table)
    if not dirty or columns is None:
        return True
    state = inspect(obj)
    return any(state.attrs[c.key].history.has_changes() for c in _mapped(obj, columns))


def _mapped(obj, columns):
    return [p for p in inspect(obj).mapper.column_attrs if p.columns[0].name in columns]


def _after_flush(session: Session, _flush_context) -> None:
    if session.info.get(_CHANGED):
        return
    if any(_counts(o, False) for o in (*session.new, *session.deleted)) or any(
        _counts(o, True) for o in session.dirty if session.is_modified(o)
    ):
        session.info[_CHANGED] = True


def _statement_counts(statement) -> bool:
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
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


def _before_commit(session: Session) -> None:
    session.flush()
    if not session.info.pop(_CHANGED, False):
        return
    changes = {"counter": SummaryBasis.__table__.c.counter + 1}
    session.execute(_upsert(SummaryBasis, {"id": 1, "counter": 1}, changes))


def _forget(session: Session, *_args) -> None:
    session.info.pop(_CHANGED, None)


def listen() -> None:
    """Watch every ORM session for writes to what a summary reads (once per process).
    Called from init_app, after app.search.services registered its before_commit
    listener at import: that one writes too, so the counter is raised after it, last."""
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _forget)
        event.listen(Session, "after_soft_rollback", _forget)
