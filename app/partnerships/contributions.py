"""How partnerships are wired into the app: their pages and administration, what every
page's layout knows of them, and the names of their audit types."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import registry
from app.partnerships.admin_routes import bp as admin_bp
from app.partnerships.cli import partnership_cli
from app.partnerships.imports import IMPORTER
from app.partnerships.models import ORGANISATION_KIND_LABELS, ROLE_LABELS
from app.partnerships.routes import bp
from app.partnerships.services import partnership_menu
from app.registry import AuditType

INVITATION_STATES = {
    "open": _l("open"),
    "accepted": _l("accepted"),
    "revoked": _l("withdrawn"),
    "expired": _l("expired"),
}
AUDIT_TYPES = {
    "Membership": AuditType(_l("Membership"), values={"role": ROLE_LABELS}),
    "Organisation": AuditType(_l("Organisation"), values={"kind": ORGANISATION_KIND_LABELS}),
    "Participation": AuditType(_l("Participation")),
    "Partnership": AuditType(_l("Partnership"), filterable=False),
}


def layout_context() -> dict:
    """The partnership of the page, and the user's partnerships for the menu."""
    my_partnerships = []
    if current_user and current_user.is_authenticated:
        my_partnerships = partnership_menu(current_user.id)
    return {
        "role_labels": ROLE_LABELS,
        "kind_labels": ORGANISATION_KIND_LABELS,
        "invitation_states": INVITATION_STATES,
        "my_partnerships": my_partnerships,
        "partnership": g.get("partnership"),
        "membership": g.get("membership"),
    }


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    registry.importers.register("members", IMPORTER)
    app.cli.add_command(partnership_cli)
    app.context_processor(layout_context)
    for name, audit_type in AUDIT_TYPES.items():
        registry.audit_types.register(name, audit_type)
