"""What evaluation cycles add to the shared layers (history, notifications, search, the
dashboard, agreement origins), and init_app(), which wires the area into the app."""

from __future__ import annotations

from flask import Flask, g, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import registry
from app.activity.objects import Target, in_partnership
from app.cycles.archive import PART as ARCHIVE_PART
from app.cycles.dashboard import cycles_attention, indicators_glance
from app.cycles.forms import (
    DECISION_LABELS,
    DIRECTION_LABELS,
    KIND_LABELS,
    PHASE_LABELS,
    STATUS_LABELS,
)
from app.cycles.imports import IMPORTER
from app.cycles.models import PHASES, BoardDecision, Cycle, CycleProposal, Indicator
from app.cycles.routes import PAGE_LABELS, bp
from app.documents.services import document_ids
from app.documents.views import numbered_object
from app.extensions import db
from app.partnerships.models import Membership
from app.registry import Attachable, AuditType, Indexer, NotificationKind, ObjectKind
from app.search.services import Doc, join_text
from app.urls import path_in


def resolve_cycle(object_id: int, membership: Membership) -> Target | None:
    c = in_partnership(Cycle, object_id, membership)
    if c is None:
        return None
    decisions = select(BoardDecision.id).where(BoardDecision.cycle_id == c.id)
    return Target("cycle", c, f"{c.reference} {c.title}",
                  url_for("cycles.show", slug=membership.partnership.slug, number=c.number),
                  [("Cycle", c.id), ("BoardDecision", decisions),
                   ("Document", document_ids("cycle", c.id))])  # fmt: skip


def resolve_indicator(object_id: int, membership: Membership) -> Target | None:
    i = in_partnership(Indicator, object_id, membership)
    if i is None:
        return None
    return Target("indicator", i, i.name,
                  url_for("cycles.indicators", slug=membership.partnership.slug),
                  [("Indicator", i.id)])  # fmt: skip


def index_cycle(cycle: Cycle):
    proposals = db.session.execute(
        select(CycleProposal.text).where(CycleProposal.cycle_id == cycle.id)
    ).scalars()
    return [("cycle", cycle.id, Doc(
        "cycle", cycle.id, cycle.partnership_id, f"{cycle.reference} {cycle.title}",
        join_text(cycle.interpretation, cycle.dilemmas, *proposals),
        path_in(cycle.partnership_id, "cycles.show", number=cycle.number),
    ))]  # fmt: skip


def index_cycle_proposal(proposal: CycleProposal):
    return index_cycle(db.session.get(Cycle, proposal.cycle_id))


def cycle_url(cycle_id: int) -> str | None:
    """An agreement drafted from a cycle's proposal links back to the proposals."""
    cycle = db.session.get(Cycle, cycle_id)
    return (
        url_for("cycles.show", slug=g.partnership.slug, number=cycle.number) + "#proposals"
        if cycle
        else None
    )


def _decision_label(params: dict) -> dict:
    """A board decision's stored code, shown as its label in the reader's language."""
    if "decision" in params:
        params["decision"] = str(DECISION_LABELS.get(params["decision"], params["decision"]))
    return params


def cycle_titles(ids: list[int]) -> dict[int, str]:
    """Cycles as history and activity name them: "C-2 Title"."""
    rows = db.session.execute(select(Cycle.id, Cycle.number, Cycle.title).where(Cycle.id.in_(ids)))
    return {r.id: f"C-{r.number} {r.title}" for r in rows}


AUDIT_TYPES = {
    "Indicator": AuditType(
        _l("Indicator"),
        history_kind="indicator",
        values={"direction": DIRECTION_LABELS, "kind": KIND_LABELS, "status": STATUS_LABELS},
    ),
    "Cycle": AuditType(_l("Cycle"), history_kind="cycle", values={"phase": PHASE_LABELS}),
    "BoardDecision": AuditType(
        _l("Board decision"), values={"decision": DECISION_LABELS}, references={"cycle_id": "cycle"}
    ),
}
NOTIFICATIONS = {
    "cycle_submitted": NotificationKind(
        _l("%(title)s was submitted to the boards: your decision is asked")
    ),
    "board_decision": NotificationKind(
        _l("%(organisation)s decided on %(title)s: %(decision)s"), params=_decision_label
    ),
}

INDEXERS = [
    Indexer(Cycle, index_cycle, everything=lambda: select(Cycle)),
    Indexer(CycleProposal, index_cycle_proposal),
]

SEARCH_KINDS = {
    "cycle": _l("Cycles"),
}


# Every member reads its documents; those with cycle.manage attach them.
attach_cycle = numbered_object(Cycle, "cycles.show", "cycle.manage")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry.page_labels.register("cycles", PAGE_LABELS)
    app.jinja_env.globals["phases"] = PHASES
    registry.objects.register("cycle", ObjectKind(resolve_cycle, followable=True))
    registry.attachables.register("cycle", Attachable(_l("Cycle"), attach_cycle))
    registry.objects.register("indicator", ObjectKind(resolve_indicator))
    for name, audit_type in AUDIT_TYPES.items():
        registry.audit_types.register(name, audit_type)
    registry.titles.register("cycle", cycle_titles)
    for kind, notification in NOTIFICATIONS.items():
        registry.notification_kinds.register(kind, notification)
    for indexer in INDEXERS:
        registry.indexers.register(indexer.model, indexer)
    for kind, heading in SEARCH_KINDS.items():
        registry.search_kinds.register(kind, heading)
    registry.panels.register("cycles", registry.Panel(cycles_attention, kept=True))
    registry.glances.register("cycles", indicators_glance)
    registry.importers.register("measurements", IMPORTER)
    registry.origins.register("cycle", cycle_url)
    registry.archive_parts.register("cycles", ARCHIVE_PART)
