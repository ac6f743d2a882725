"""The objects people follow and whose history they read: each area registers how to
find one of its kinds within a partnership and whether a member may read it (see
app.registry.objects); this module looks them up."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.partnerships.models import Membership
from app.registry import Target, objects

__all__ = ["Target", "in_partnership", "resolve"]


def in_partnership(model: type, object_id: int, membership: Membership) -> Any:
    """The object with this id if it belongs to the member's partnership, else None."""
    obj = db.session.get(model, object_id)
    if obj is None or obj.partnership_id != membership.partnership_id:
        return None
    return obj


def resolve(kind: str, object_id: int, membership: Membership) -> Target | None:
    """The object if it exists in the member's partnership and they may read it."""
    registered = objects.get(kind)
    return registered.resolve(object_id, membership) if registered else None
