"""Importing indicator measurements from a file (app.imports): a row names a cycle, an
adopted indicator and its value; saved through the same service as the measurement page."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.cycles import services
from app.cycles.models import ADOPTED, QUANTITATIVE, Cycle
from app.extensions import db
from app.imports.reader import normalise, parse_number, text
from app.imports.template import template_xlsx
from app.partnerships.models import Membership
from app.registry import Importer, RowPlan

COLUMNS = {
    "cycle": ["Cyclus", "Cycle"],
    "indicator": ["Indicator"],
    "value": ["Waarde", "Value"],
    "explanation": ["Toelichting", "Explanation"],
}
REQUIRED = frozenset({"cycle", "indicator", "value"})
REFERENCE = re.compile(r"^(?:c\s*-?\s*)?(\d{1,9})$", re.IGNORECASE)


def _value(number) -> str:
    return "" if number is None else f"{number:g}"


def plan_rows(partnership_id: int, rows: list[dict]) -> list[RowPlan]:
    cycles = list(
        db.session.execute(
            select(Cycle)
            .where(Cycle.partnership_id == partnership_id)
            .options(undefer(Cycle.snapshot))
        ).scalars()
    )
    by_number = {c.number: c for c in cycles}
    by_title = {normalise(c.title): c for c in cycles}
    indicators = {normalise(i.name): i for i in services.indicators_of(partnership_id, (ADOPTED,))}
    seen: dict[tuple[int, int], int] = {}
    current: dict[int, dict] = {}
    plans = []
    for row in rows:
        plan = RowPlan(line=row["_line"], title=text(row.get("indicator")))
        name = text(row.get("cycle"))
        match = REFERENCE.match(name)
        cycle = by_number.get(int(match[1])) if match else by_title.get(normalise(name))
        if cycle is None:
            plan.errors.append(_("Unknown cycle “%(name)s”.", name=name))
        elif cycle.snapshot is not None:
            plan.errors.append(_("%(ref)s has been submitted to the boards and is frozen.",
                                 ref=cycle.reference))  # fmt: skip
        indicator = indicators.get(normalise(plan.title))
        if indicator is None:
            plan.errors.append(_("Unknown indicator “%(name)s”: not an adopted indicator of this "
                                 "partnership.", name=plan.title))  # fmt: skip
        raw = row.get("value")
        value = text(raw)
        if indicator is not None and indicator.kind == QUANTITATIVE:
            try:
                number = parse_number(raw)
            except ValueError:
                number = None
            if number is None:
                plan.errors.append(_("Enter a number for “%(name)s”.", name=indicator.name))
            else:
                value = _value(float(number))
        elif not value:
            plan.errors.append(_("Enter a value."))
        if cycle is not None and indicator is not None:
            plan.reference = cycle.reference
            key = (cycle.id, indicator.id)
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                plan.errors.append(_("This indicator occurs more than once for %(ref)s.",
                                     ref=cycle.reference))  # fmt: skip
        if plan.errors:
            plans.append(plan)
            continue
        if cycle.id not in current:
            current[cycle.id] = services.measurements_of(cycle)
        explanation = text(row.get("explanation"))
        existing = current[cycle.id].get(indicator.id)
        if existing is None:
            plan.action = "create"
        else:
            stored = (
                existing.value_text
                if indicator.kind != QUANTITATIVE
                else _value(existing.value_number)
            )
            plan.changes = [str(label) for label, changed in (
                (_l("value"), stored != value), (_l("explanation"), existing.explanation != explanation),
            ) if changed]  # fmt: skip
            plan.action = "update" if plan.changes else "unchanged"
        plan.data = {"cycle": cycle.number, "indicator": indicator.id,
                     "value": value, "explanation": explanation}  # fmt: skip
        plans.append(plan)
    return plans


def apply_row(partnership_id: int, plan: RowPlan, user_id: int, filename: str) -> None:
    cycle = services.get_cycle(partnership_id, plan.data["cycle"])
    membership = db.session.execute(
        select(Membership).where(
            Membership.partnership_id == partnership_id, Membership.user_id == user_id
        )
    ).scalar_one()
    services.save_measurements(
        cycle, membership, {plan.data["indicator"]: (plan.data["value"], plan.data["explanation"])},
        commit=False,
    )  # fmt: skip


def template(partnership_id: int) -> bytes:
    cycles = [
        c.reference
        for c in services.cycles_of(partnership_id, snapshots=True)
        if c.snapshot is None
    ]
    indicators = [i.name for i in services.indicators_of(partnership_id, (ADOPTED,))]
    columns = [
        ("Cyclus", _("Required: the cycle, e.g. C-2."), cycles),
        ("Indicator", _("Required: the name of an adopted indicator."), indicators),
        ("Waarde", _("Required: a number (3,5 or 3.5) or, for a qualitative indicator, text."),
         None),
        ("Toelichting", _("Optional."), None),
    ]  # fmt: skip
    return template_xlsx(_("Measurements"), columns)


IMPORTER = Importer(
    label=_l("measurements"),
    columns=COLUMNS,
    required=REQUIRED,
    plan=plan_rows,
    apply=apply_row,
    template=template,
    list_endpoint="cycles.index",
)
