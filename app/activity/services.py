"""Write audit events: every service calls record() before it commits."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, inspect, or_, select
from sqlalchemy.orm import joinedload

from app.activity.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.partnerships.models import Organisation
from app.registry import audit_redactions, audit_types, titles
from app.timeutil import LOCAL, show_date, show_moment

# Never copied into the trail.
HIDDEN_FIELDS = {
    "password_hash", "session_token", "token_hash", "version", "created_at", "totp_secret",
    "totp_last_step",
}  # fmt: skip


def plain(value: Any) -> Any:
    """A value as the trail stores it (JSON): dates as ISO text, other objects as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def created_changes(values: dict[str, Any]) -> dict[str, list]:
    """The changes of a "create" event: every field but the id and the hidden ones, as
    {field: [None, value]}."""
    return {
        name: [None, plain(value)]
        for name, value in values.items()
        if name not in HIDDEN_FIELDS and name != "id"
    }


def updated_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """The changes of an "update" event: the fields of `after` whose value differs from
    `before` (hidden ones left out), as {field: [old, new]}."""
    changes: dict[str, list] = {}
    for name, new in after.items():
        old = before.get(name)
        if name not in HIDDEN_FIELDS and old != new:
            changes[name] = [plain(old), plain(new)]
    return changes


def changed_fields(obj: db.Model) -> dict[str, list]:
    """The column attributes of obj changed in this session, as {field: [old, new]}."""
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            before[attr.key] = history.deleted[0] if history.deleted else None
            after[attr.key] = history.added[0] if history.added else None
    return updated_changes(before, after)


def initial_fields(obj: db.Model) -> dict[str, list]:
    """All column values of a new object, as {field: [None, value]}."""
    state = inspect(obj)
    return created_changes({attr.key: getattr(obj, attr.key) for attr in state.mapper.column_attrs})


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


# --- reading the trail: an object's history and the partnership's activity -------------

HISTORY_PAGE_SIZE = 50
# Fields that hold a person's id: shown as the person's name.
PERSON_FIELDS = frozenset(
    {"owner_id", "chair_id", "author_id", "user_id", "created_by_id", "closed_by_id",
     "hidden_by_id", "finalised_by_id", "adopted_by_id", "submitted_by_id", "decided_by_id",
     "action_owner_id", "invited_by_id", "answered_by_id", "proposer_id", "proposed_by_id",
     "actor_id", "confirmed_by_id", "designated_by_id", "entered_by_id", "assessed_by_id"}
)  # fmt: skip
# Fields that hold an organisation's id: shown as the organisation's name.
ORGANISATION_FIELDS = frozenset({"organisation_id", "owner_organisation_id"})
# Bookkeeping a reader has no use for: left out of history and activity.
TECHNICAL_FIELDS = frozenset(
    {"id", "partnership_id", "created_at", "updated_at", "origin_id", "source_id",
     "parent_id", "object_id", "message_id", "mail_id", "last_read_comment_id",
     "last_comment_id", "search_text", "current_version", "comment_count", "top_level_count",
     "last_comment_at", "snapshot", "origin_type", "inherent_score", "residual_score",
     "proposal_version"}
)  # fmt: skip
TECHNICAL_SUFFIXES = ("_hash", "_token", "_digest", "_checksum", "_encrypted")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
VALUE_LIMIT = 200


@dataclass
class Change:
    field: str
    old: str
    new: str
    hidden: bool = False


@dataclass
class EventRow:
    event: AuditEvent
    changes: list[Change]


def is_technical(field: str) -> bool:
    """Whether a field is bookkeeping (ids, timestamps of the row, hashes) rather than
    something the object's page shows."""
    return field in TECHNICAL_FIELDS or field.endswith(TECHNICAL_SUFFIXES)


def _show(value, names: dict[int, str], field: str, organisations: dict[int, str],
          choices: Mapping[str, object], referenced: dict[int, str] | None = None) -> str:  # fmt: skip
    """A stored value as the object's page shows it: a name for a person or organisation,
    the title of another object, the label of a choice (as its area registers them), a date
    in words, yes/no for a flag."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    if referenced is not None and isinstance(value, int) and not isinstance(value, bool):
        return referenced.get(value) or _("removed object #%(number)s", number=value)
    if field in PERSON_FIELDS and isinstance(value, int):
        return names.get(value, _("unknown person"))
    if field in ORGANISATION_FIELDS and isinstance(value, int):
        return organisations.get(value, _("unknown organisation"))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return show_date(date.fromisoformat(value))
    if isinstance(value, str) and _ISO_MOMENT.fullmatch(value):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:  # stored naive UTC; an aware one is made so
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return show_moment(moment)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _names(events: list[AuditEvent], fields: frozenset[str], model) -> dict[int, str]:
    """The names of the objects (people, organisations) the events' fields point to, in
    one query for the whole page of events."""
    ids = {
        value
        for event in events
        for name, pair in (event.changes or {}).items()
        if name in fields
        for value in (pair if isinstance(pair, list) else [pair])
        if isinstance(value, int) and not isinstance(value, bool)
    }
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def _titles(events: list[AuditEvent]) -> dict[str, dict[int, str]]:
    """The titles of the objects the events' fields point to (as the areas register them
    with AuditType(references=...)), in one query per kind of object for the whole page."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        registered = audit_types.get(event.object_type)
        if registered is None or not registered.references:
            continue
        for name, pair in (event.changes or {}).items():
            kind = registered.references.get(name)
            if kind is None:
                continue
            for value in pair if isinstance(pair, list) else [pair]:
                if isinstance(value, int) and not isinstance(value, bool):
                    wanted.setdefault(kind, set()).add(value)
    found: dict[str, dict[int, str]] = {}
    for kind, ids in wanted.items():
        lookup = titles.get(kind)
        found[kind] = lookup(sorted(ids)) if lookup else {}
    return found


def event_rows(events: list[AuditEvent], redact: dict[str | tuple[str, int], frozenset[str] | None],
               hidden_events: set[int] = frozenset()) -> list[EventRow]:  # fmt: skip
    """Events with their changes ready to show; redacted values are not shown at all."""
    names = _names(events, PERSON_FIELDS, User)
    organisations = _names(events, ORGANISATION_FIELDS, Organisation)
    referenced = _titles(events)
    rows = []
    for event in events:
        key = (event.object_type, event.object_id)
        hidden_fields = redact[key] if key in redact else redact.get(event.object_type, frozenset())
        registered = audit_types.get(event.object_type)
        values = registered.values if registered else {}
        references = registered.references if registered else {}
        changes = []
        for name, pair in sorted((event.changes or {}).items()):
            if is_technical(name):
                continue
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            hidden = event.id in hidden_events or hidden_fields is None or name in hidden_fields
            if hidden:
                changes.append(Change(name, "", "", hidden=True))
            else:
                choices = values.get(name, {})
                kind = references.get(name)
                titled = referenced.get(kind, {}) if kind else None
                changes.append(
                    Change(
                        name,
                        _show(old, names, name, organisations, choices, titled),
                        _show(new, names, name, organisations, choices, titled),
                    )
                )
        rows.append(EventRow(event, changes))
    return rows


def history_query(audit: list[tuple[str, object]]):
    """The events of an object and of the parts that belong to it, newest first."""
    conditions = []
    for object_type, ids in audit:
        if isinstance(ids, int):
            conditions.append(
                and_(AuditEvent.object_type == object_type, AuditEvent.object_id == ids)
            )
        else:
            conditions.append(
                and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids))
            )
    return (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(or_(*conditions))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


@dataclass
class ActivityFilters:
    actor_id: int | None = None
    object_type: str = ""
    date_from: date | None = None
    date_to: date | None = None


def activity_query(partnership_id: int, filters: ActivityFilters):
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.partnership_id == partnership_id)
    )
    if filters.actor_id:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)

    def utc_start(day: date) -> datetime:
        start = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL)
        return start.astimezone(UTC).replace(tzinfo=None)

    # The first and last day of the calendar bound nothing (and would overflow in UTC).
    if filters.date_from and filters.date_from > date.min:
        query = query.where(AuditEvent.at >= utc_start(filters.date_from))
    if filters.date_to and filters.date_to < date.max:
        query = query.where(AuditEvent.at < utc_start(filters.date_to + timedelta(days=1)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def activity_redactions(events: list[AuditEvent], membership) -> set[int]:
    """Ids of events whose values this member may not read on the activity page, as the
    areas that own them decide (app.registry.audit_redactions)."""
    hidden: set[int] = set()
    for redaction in audit_redactions:
        hidden |= redaction(events, membership)
    return hidden
