"""The manifest's dashboard panel: organisations that still have to endorse."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.manifest import services


def endorsements_due(partnership, membership):
    if membership.role not in ("bestuurder", "programmamanager"):
        return None
    version = services.current_version(partnership.id)
    if version is None:
        return None
    missing = services.missing_endorsements(version)
    if not missing:
        return None
    own_missing = membership.role == "bestuurder" and not services.has_endorsed(
        version, membership.organisation_id
    )
    return {
        "title": _l("Manifest"),
        "template": "manifest/_panel.html",
        "version": version,
        "missing": missing,
        "own_missing": own_missing,
    }
