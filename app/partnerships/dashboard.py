"""The dashboard's "wat vraagt mijn aandacht" panels; each area registers its own
(app.registry.panels).

A panel is a function (partnership, membership) -> dict | None with keys
``title``, ``template`` and the template's context; None hides the panel.
"""

from __future__ import annotations

from app.registry import panels


def attention_panels(partnership, membership) -> list[dict]:
    return [p for p in (func(partnership, membership) for func in panels) if p]
