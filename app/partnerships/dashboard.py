"""The dashboard's "wat vraagt mijn aandacht" panels; each area registers its own.

A panel is a function (partnership, membership) -> dict | None with keys
``title``, ``template`` and the template's context; None hides the panel.
"""

from __future__ import annotations

from collections.abc import Callable

Panel = Callable[..., dict | None]
PANELS: list[Panel] = []


def panel(func: Panel) -> Panel:
    PANELS.append(func)
    return func


def attention_panels(partnership, membership) -> list[dict]:
    return [p for p in (func(partnership, membership) for func in PANELS) if p]
