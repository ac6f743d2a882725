"""How the audit trail, notifications and mail are wired into the app: their pages,
`flask notify`, the bell in every page's layout, and the notification kinds every area
uses."""

from __future__ import annotations

from flask import Flask

from app import registry
from app.activity.cli import notify_cli
from app.activity.notifications import COMMON_KINDS
from app.activity.routes import bell_count, bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(notify_cli)
    app.context_processor(lambda: {"unread_notifications": bell_count()})
    for kind, notification in COMMON_KINDS.items():
        registry.notification_kinds.register(kind, notification)
