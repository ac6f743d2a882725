"""What the manifest adds to the shared layers (history, notifications, search, the
dashboard), and init_app(), which wires the area into the app."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import registry
from app.activity.objects import Target, in_partnership
from app.extensions import db
from app.manifest.archive import PART as ARCHIVE_PART
from app.manifest.dashboard import endorsements_due
from app.manifest.models import (
    ADOPTED,
    ChangeProposal,
    ManifestVersion,
    Principle,
    PrincipleText,
    ProposalComment,
)
from app.manifest.routes import PAGE_LABELS, PROPOSAL_STATUS_LABELS, VERSION_STATUS_LABELS, bp
from app.partnerships.models import Membership
from app.policy import can
from app.registry import Attachable, AttachTarget, AuditType, Indexer, NotificationKind, ObjectKind
from app.search.services import Doc, join_text
from app.urls import path_in

# --- history -------------------------------------------------------------------------------


def resolve_principle(object_id: int, membership: Membership) -> Target | None:
    p = in_partnership(Principle, object_id, membership)
    if p is None:
        return None
    title = db.session.execute(
        select(PrincipleText.title).where(PrincipleText.principle_id == p.id)
        .order_by(PrincipleText.id.desc()).limit(1)
    ).scalar_one_or_none()  # fmt: skip
    texts = select(PrincipleText.id).where(PrincipleText.principle_id == p.id)
    return Target("principle", p, title or "",
                  url_for("manifest.principle", slug=membership.partnership.slug, principle_id=p.id),
                  [("Principle", p.id), ("PrincipleText", texts)])  # fmt: skip


def resolve_proposal(object_id: int, membership: Membership) -> Target | None:
    p = in_partnership(ChangeProposal, object_id, membership)
    if p is None:
        return None
    comments = select(ProposalComment.id).where(ProposalComment.proposal_id == p.id)
    return Target("proposal", p, p.title,
                  url_for("manifest.proposal", slug=membership.partnership.slug, proposal_id=p.id),
                  [("ChangeProposal", p.id), ("ProposalComment", comments)])  # fmt: skip


def attach_version(object_id: int, membership: Membership) -> AttachTarget | None:
    """Every member reads a manifest version's documents (the signed covenant); those who
    may edit the manifest attach them, to an adopted version too."""
    v = in_partnership(ManifestVersion, object_id, membership)
    if v is None:
        return None
    return AttachTarget(v, v.partnership_id, _("Manifest version %(n)s", n=v.number),
                        url_for("manifest.version", slug=membership.partnership.slug, number=v.number),
                        may_read=True, may_attach=can("manifest.edit", membership))  # fmt: skip


# --- search: the principles of the adopted version members read ----------------------------


def _current_version_id(partnership_id: int) -> int | None:
    return db.session.execute(
        select(ManifestVersion.id)
        .where(
            ManifestVersion.partnership_id == partnership_id,
            ManifestVersion.status == ADOPTED,
        )
        .order_by(ManifestVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def _principle_doc(text: PrincipleText, partnership_id: int) -> Doc:
    return Doc(
        "principle", text.principle_id, partnership_id, text.title,
        join_text(text.core_sentence, text.explanation, text.practice, text.origin),
        path_in(partnership_id, "manifest.principle", principle_id=text.principle_id),
    )  # fmt: skip


def index_manifest(version: ManifestVersion):
    pid = version.partnership_id
    if version.status != ADOPTED or _current_version_id(pid) != version.id:
        return []
    texts = {t.principle_id: t for t in version.texts}
    every = db.session.execute(
        select(Principle.id).where(Principle.partnership_id == pid)
    ).scalars()
    return [(
        "principle", principle_id,
        _principle_doc(texts[principle_id], pid) if principle_id in texts else None,
    ) for principle_id in every]  # fmt: skip


def index_principle_text(text: PrincipleText):
    version = text.manifest_version
    if version.status != ADOPTED or _current_version_id(version.partnership_id) != version.id:
        return []
    return [("principle", text.principle_id, _principle_doc(text, version.partnership_id))]


def principle_titles(ids: list[int]) -> dict[int, str]:
    """Principles by the title of their newest text."""
    rows = db.session.execute(
        select(PrincipleText.principle_id, PrincipleText.title)
        .where(PrincipleText.principle_id.in_(ids))
        .order_by(PrincipleText.manifest_version_id)
    )
    return dict(rows.all())  # the newest text comes last and wins


def version_titles(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(
        select(ManifestVersion.id, ManifestVersion.number).where(ManifestVersion.id.in_(ids))
    )
    return {r.id: _("Manifest version %(number)s", number=r.number) for r in rows}


def change_proposal_titles(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(
        select(ChangeProposal.id, ChangeProposal.title).where(ChangeProposal.id.in_(ids))
    )
    return dict(rows.all())


VERSION = {"manifest_version_id": "manifest_version"}
AUDIT_TYPES = {
    "ManifestVersion": AuditType(_l("Manifest version"), values={"status": VERSION_STATUS_LABELS}),
    "PrincipleText": AuditType(
        _l("Principle text"), references={**VERSION, "principle_id": "principle"}
    ),
    "Principle": AuditType(_l("Principle"), history_kind="principle", filterable=False),
    "Endorsement": AuditType(_l("Endorsement"), references=VERSION),
    "ChangeProposal": AuditType(
        _l("Change proposal"),
        history_kind="proposal",
        values={"status": PROPOSAL_STATUS_LABELS},
        references={"principle_id": "principle", "accepted_into_id": "manifest_version"},
    ),
    "ProposalComment": AuditType(
        _l("Comment on a proposal"), references={"proposal_id": "change_proposal"}
    ),
}
NOTIFICATIONS = {
    "manifest_adopted": NotificationKind(
        _l("Manifest version %(number)s was adopted; your organisation has not endorsed it yet")
    ),
    "proposal_accepted": NotificationKind(_l("Your change proposal “%(title)s” was accepted")),
    "proposal_declined": NotificationKind(_l("Your change proposal “%(title)s” was declined")),
}

INDEXERS = [
    Indexer(
        ManifestVersion, index_manifest,
        everything=lambda: select(ManifestVersion).where(ManifestVersion.status == ADOPTED),
    ),
    Indexer(PrincipleText, index_principle_text),
]  # fmt: skip

SEARCH_KINDS = {
    "principle": _l("Principles"),
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry.page_labels.register("manifest", PAGE_LABELS)
    registry.objects.register("principle", ObjectKind(resolve_principle))
    registry.objects.register("proposal", ObjectKind(resolve_proposal))
    registry.attachables.register(
        "manifest_version", Attachable(_l("Manifest version"), attach_version)
    )
    for name, audit_type in AUDIT_TYPES.items():
        registry.audit_types.register(name, audit_type)
    for kind, notification in NOTIFICATIONS.items():
        registry.notification_kinds.register(kind, notification)
    for indexer in INDEXERS:
        registry.indexers.register(indexer.model, indexer)
    for kind, heading in SEARCH_KINDS.items():
        registry.search_kinds.register(kind, heading)
    registry.panels.register("manifest", registry.Panel(endorsements_due, kept=True))
    registry.titles.register("principle", principle_titles)
    registry.titles.register("manifest_version", version_titles)
    registry.titles.register("change_proposal", change_proposal_titles)
    registry.archive_parts.register("manifest", ARCHIVE_PART)
