"""How partnerships are wired into the app: their pages and administration, what every
page's layout knows of them, and the names of their audit types."""

from __future__ import annotations

from flask import Flask, current_app, g, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app import registry
from app.kept import kept_fragment
from app.partnerships.admin_routes import bp as admin_bp
from app.partnerships.cli import partnership_cli
from app.partnerships.imports import IMPORTER
from app.partnerships.models import ORGANISATION_KIND_LABELS, ROLE_LABELS
from app.partnerships.routes import bp
from app.partnerships.services import partnership_menu
from app.policy import can
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


# The main menu of a partnership's pages: (endpoint, label, permission), in this order.
MAIN_MENU = (
    ("partnerships.dashboard", _l("Dashboard"), "partnership.view"),
    ("manifest.index", _l("Manifest"), "manifest.view"),
    ("agreements.index", _l("Agreements"), "agreement.view"),
    ("risks.index", _l("Risks"), "risk.view"),
    ("tables.index", _l("Tables"), "table.view"),
    ("decisions.index", _l("Decisions"), "decision.view"),
    ("reviews.index", _l("Reviews"), "review.view"),
    ("cycles.index", _l("Cycles"), "cycle.view"),
    ("partnerships.members", _l("Members"), "partnership.view"),
    ("activity.activity", _l("Activity"), "activity.view"),
    ("admin.home", _l("Administration"), "partnership.admin"),
)


def _current_item() -> str | None:
    """The menu item of this page: its own endpoint, or the list of the area it belongs to
    (an agreement's page marks "Agreements"), or Administration for all admin pages."""
    endpoint, area = request.endpoint, request.blueprint
    for item, _label, _permission in MAIN_MENU:
        if (
            item == endpoint
            or (item == "admin.home" and area == "admin")
            or (item.endswith(".index") and area == item.split(".")[0])
        ):
            return item
    return None


def main_menu() -> Markup:
    """The main menu of a partnership page: the items the member's role may open, the
    current one marked. The same for every page of an area, so its HTML is kept per
    partnership, role, language and current item (app/kept.py): a page otherwise builds
    eleven links and labels each time."""
    partnership, membership = g.partnership, g.membership
    current = _current_item()

    def render() -> str:
        items = [
            (url_for(item, slug=partnership.slug), label, item == current)
            for item, label, permission in MAIN_MENU
            if can(permission, membership)
        ]
        template = current_app.jinja_env.get_template("partnerships/_main_menu.html")
        return template.render(items=items, label=_("Main menu"))

    key = ("main menu", partnership.id, membership.role, membership.active, str(get_locale()),
           current)  # fmt: skip
    return kept_fragment(key, render)


def layout_context() -> dict:
    """The partnership of the page, and the user's partnerships for the menu."""
    my_partnerships = []
    if current_user and current_user.is_authenticated:
        my_partnerships = partnership_menu(current_user.id)
    return {
        "my_partnerships": my_partnerships,
        "partnership": g.get("partnership"),
        "membership": g.get("membership"),
        "main_menu": main_menu,
    }


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    registry.importers.register("members", IMPORTER)
    app.cli.add_command(partnership_cli)
    app.context_processor(layout_context)
    registry.page_labels.register(
        "partnerships",
        {
            "role_labels": ROLE_LABELS,
            "kind_labels": ORGANISATION_KIND_LABELS,
            "invitation_states": INVITATION_STATES,
        },
    )
    for name, audit_type in AUDIT_TYPES.items():
        registry.audit_types.register(name, audit_type)
