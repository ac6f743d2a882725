"""Write audit events: every service calls record() before it commits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_login import current_user
from sqlalchemy import inspect

from app.activity.models import AuditEvent
from app.extensions import db

# Never copied into the trail.
HIDDEN_FIELDS = {"password_hash", "session_token", "token_hash", "version", "created_at"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def changed_fields(obj: db.Model) -> dict[str, list]:
    """The column attributes of obj changed in this session, as {field: [old, new]}."""
    state = inspect(obj)
    changes: dict[str, list] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in HIDDEN_FIELDS:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[attr.key] = [_plain(old), _plain(new)]
    return changes


def initial_fields(obj: db.Model) -> dict[str, list]:
    """All column values of a new object, as {field: [None, value]}."""
    state = inspect(obj)
    return {
        attr.key: [None, _plain(getattr(obj, attr.key))]
        for attr in state.mapper.column_attrs
        if attr.key not in HIDDEN_FIELDS and attr.key != "id"
    }


def record(
    action: str,
    obj: db.Model,
    *,
    partnership_id: int | None = None,
    changes: dict[str, list] | None = None,
    actor_id: int | None = None,
) -> AuditEvent:
    """Add an audit event for obj to the current transaction.

    action "create" records every field, "update" the changed fields (unless changes
    are given). Call it before the commit so the event and the change land together.
    """
    # A proxy such as current_user would be recorded under its own type: unwrap it.
    obj = getattr(obj, "_get_current_object", lambda: obj)()
    if changes is None and action != "create":
        changes = changed_fields(obj)  # before the flush, which clears the history
    db.session.flush()  # gives new objects their id, foreign keys and defaults
    if changes is None:
        changes = initial_fields(obj)
    if actor_id is None and current_user and current_user.is_authenticated:
        actor_id = current_user.id
    event = AuditEvent(
        actor_id=actor_id,
        partnership_id=partnership_id,
        object_type=type(obj).__name__,
        object_id=obj.id,
        action=action,
        changes=changes,
    )
    db.session.add(event)
    return event
