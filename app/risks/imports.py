"""Importing risks (with their measures) from a file (app.imports): each row is checked with
the rules of the risk services and applied through the same functions as manual entry.
New figures become a reassessment with the reason "geïmporteerd uit <bestand>"."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.errors import ServiceError
from app.extensions import db
from app.imports.lookups import Names, find_numbered, split_names
from app.imports.reader import normalise, parse_date, parse_int, text
from app.imports.template import template_xlsx
from app.manifest.links import linked_principle_ids
from app.registry import Importer, RowPlan
from app.risks import services
from app.risks.forms import STATUS_LABELS, STRATEGY_LABELS
from app.risks.models import STATUSES, STRATEGIES, Measure, Risk

COLUMNS = {
    "reference": ["Kenmerk", "Reference", "Nummer"],
    "title": ["Titel", "Title"],
    "category": ["Categorie", "Category"],
    "bearer": ["Risicodrager", "Bearer", "Risicodragers"],
    "owner": ["Eigenaar", "Owner"],
    "inherent_likelihood": ["Kans bruto", "Likelihood bruto"],
    "inherent_impact": ["Impact bruto"],
    "inherent_score": ["Score bruto"],
    "residual_likelihood": ["Kans netto", "Likelihood netto"],
    "residual_impact": ["Impact netto"],
    "residual_score": ["Score netto"],
    "level": ["Niveau netto", "Level netto"],
    "strategy": ["Strategie", "Strategy"],
    "status": ["Status"],
    "review_on": ["Herbeoordelingsdatum", "Review date"],
    "description": ["Beschrijving", "Description"],
    "residual_reason": ["Reden netto", "Reason netto", "Toelichting netto"],
    "measures": ["Maatregelen", "Measures"],
}
REQUIRED = frozenset(
    {"title", "category", "bearer", "inherent_likelihood", "inherent_impact",
     "residual_likelihood", "residual_impact", "strategy"}
)  # fmt: skip
FIGURES = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")
REFERENCE = re.compile(r"^(?:r\s*-?\s*)?(\d{1,9})$", re.IGNORECASE)
SHARED = ("gedeeld", "shared")
LABELS = {
    "title": _l("title"), "category": _l("category"), "bearer": _l("bearer"),
    "owner": _l("owner"), "inherent_likelihood": _l("likelihood bruto"),
    "inherent_impact": _l("impact bruto"), "residual_likelihood": _l("likelihood netto"),
    "residual_impact": _l("impact netto"), "strategy": _l("strategy"), "status": _l("status"),
    "review_on": _l("review date"), "description": _l("description"),
    "residual_reason": _l("reason netto"), "measures": _l("measures"),
    "category_id": _l("category"), "bearers": _l("bearer"), "owner_id": _l("owner"),
}  # fmt: skip


def _choices(labels: dict, keys) -> dict[str, str]:
    found = {normalise(key): key for key in keys}
    for key, label in labels.items():
        found[normalise(str(label))] = key
        found[normalise(getattr(label, "_args", [label])[-1])] = key
    return found


def plan_rows(partnership_id: int, rows: list[dict]) -> list[RowPlan]:
    names = Names(partnership_id)
    categories = {normalise(c.name): c.id for c in services.categories_of(partnership_id)}
    strategies = _choices(STRATEGY_LABELS, STRATEGIES)
    statuses = _choices(STATUS_LABELS, STATUSES)
    existing = {
        r.number: r
        for r in db.session.execute(
            select(Risk).where(Risk.partnership_id == partnership_id)
        ).scalars()
    }
    by_title = {normalise(r.title): r for r in existing.values()}
    numbers: dict[int, int] = {}
    for row in rows:
        if match := REFERENCE.match(text(row.get("reference"))):
            numbers[int(match[1])] = numbers.get(int(match[1]), 0) + 1
    next_number = max([0, *existing, *numbers]) + 1
    plans = []
    for row in rows:
        plan = RowPlan(line=row["_line"], title=text(row.get("title")))
        errors = plan.errors
        reference = text(row.get("reference"))
        risk, number = find_numbered(
            reference, plan.title, pattern=REFERENCE, prefix="R",
            existing=existing, by_title=by_title, counts=numbers, errors=errors,
        )  # fmt: skip
        if risk is None and number is None:
            number, next_number = next_number, next_number + 1
        plan.reference = f"R-{risk.number if risk else number}"
        category = text(row.get("category"))
        category_id = categories.get(normalise(category))
        if category_id is None:
            errors.append(_("Unknown category “%(name)s”.", name=category))
        shared, bearers = False, []
        for name in split_names(row.get("bearer")):
            if name.lower() in SHARED:
                shared = True
            elif (oid := names.organisation(name)) is None:
                errors.append(_("Unknown party “%(name)s”: not an organisation of this "
                                "partnership.", name=name))  # fmt: skip
            else:
                bearers.append(oid)
        owner_id = None
        if owner := text(row.get("owner")):
            owner_id = names.member(owner)
            if owner_id is None:
                errors.append(_("Owner “%(name)s” is not a member of this partnership.",
                                name=owner))  # fmt: skip
        figures = {}
        for name in FIGURES:
            try:
                figures[name] = parse_int(row.get(name))
            except ValueError:
                figures[name] = None
            if figures[name] is None or not 1 <= figures[name] <= 5:
                errors.append(_("%(column)s %(value)s: choose a whole number from 1 to 5.",
                                column=LABELS[name], value=text(row.get(name)) or "–"))  # fmt: skip
        strategy = strategies.get(normalise(text(row.get("strategy"))))
        if strategy is None:
            errors.append(_("Strategy “%(value)s” is not known.", value=text(row.get("strategy"))))
        status = (
            statuses.get(normalise(text(row.get("status")))) if text(row.get("status")) else "open"
        )
        if status is None:
            errors.append(_("Status “%(value)s” is not known.", value=text(row.get("status"))))
        try:
            review_on = parse_date(row.get("review_on"))
        except ValueError:
            review_on = None
            errors.append(_("“%(value)s” is not a date (%(column)s); write 1-3-2027 or 1 maart 2027.",
                            value=text(row.get("review_on")), column=LABELS["review_on"]))  # fmt: skip
        if risk is not None and risk.archived_at is not None:
            errors.append(_("%(ref)s is archived; restore it first.", ref=risk.reference))
        if errors:
            plans.append(plan)
            continue
        data = {
            "title": plan.title,
            "description": text(row.get("description")) if "description" in row
            else (risk.description if risk else ""),
            "cause": risk.cause if risk else "", "consequence": risk.consequence if risk else "",
            "category_id": category_id, "strategy": strategy, "status": status,
            "bearers": bearers, "shared": shared, "owner_id": owner_id, "review_on": review_on,
            "principles": linked_principle_ids("risk", risk.id, "threatens") if risk else [],
            "residual_reason": text(row.get("residual_reason")) if "residual_reason" in row
            else (risk.residual_reason if risk else ""),
            **figures,
        }  # fmt: skip
        try:
            services.check_risk(partnership_id, data, creating=risk is None)
        except ServiceError as error:
            label = LABELS.get(error.field or "", "")
            errors.append(f"{error.message} ({label})" if label else error.message)
            plans.append(plan)
            continue
        measures = [m[:5000] for m in re.split(r"\n|;", text(row.get("measures"))) if m.strip()]
        known = {normalise(m.description) for m in _measures(risk)} if risk else set()
        new_measures = [m.strip() for m in measures if normalise(m) not in known]
        if risk is None:
            plan.action = "create"
        else:
            plan.changes = [str(LABELS[n]) for n in _differences(risk, data)]
            if new_measures:
                plan.changes.append(str(LABELS["measures"]))
            plan.action = "update" if plan.changes else "unchanged"
            if not reference:
                plan.warnings.append(_("Found by its title as %(ref)s.", ref=risk.reference))
        plan.data = {"number": number if risk is None else risk.number, "values": data,
                     "measures": new_measures}  # fmt: skip
        plans.append(plan)
    return plans


def _measures(risk: Risk) -> list[Measure]:
    return list(db.session.execute(select(Measure).where(Measure.risk_id == risk.id)).scalars())


def _differences(risk: Risk, data: dict) -> list[str]:
    current = {
        "title": risk.title, "description": risk.description,
        "category": risk.category_id, "strategy": risk.strategy, "status": risk.status,
        "bearer": (sorted(o.id for o in risk.bearers), risk.shared), "owner": risk.owner_id,
        "review_on": risk.review_on, "residual_reason": risk.residual_reason,
        **{name: getattr(risk, name) for name in FIGURES},
    }  # fmt: skip
    wanted = {
        **data, "category": data["category_id"], "owner": data["owner_id"],
        "bearer": (sorted(data["bearers"]), data["shared"]),
    }  # fmt: skip
    return [name for name, value in current.items() if wanted.get(name) != value]


def apply_row(partnership_id: int, plan: RowPlan, user_id: int, filename: str) -> None:
    note = _("imported from %(file)s", file=filename)
    values = {**plan.data["values"], "assessment_reason": note}
    risk = services.get_risk(partnership_id, plan.data["number"])
    if risk is None:
        risk = services.create_risk(
            partnership_id, values, user_id, commit=False, number=plan.data["number"]
        )
    else:
        changed = set(_differences(risk, values))
        if changed - set(FIGURES) - {"residual_reason"}:
            services.update_risk(risk, values, user_id, commit=False)
        if changed & {*FIGURES, "residual_reason"}:
            services.reassess(risk, values, note, user_id, commit=False)
    for description in plan.data["measures"]:
        services.add_measure(risk, {"description": description}, user_id, commit=False)


def template(partnership_id: int) -> bytes:
    names = Names(partnership_id)
    categories = [c.name for c in services.categories_of(partnership_id)]
    figure = _("Required: a whole number from 1 to 5.")
    columns = [
        ("Kenmerk", _("Empty for a new risk; R-4 changes risk R-4."), None),
        ("Titel", _("Required, at most 200 characters."), None),
        ("Categorie", _("Required."), categories),
        ("Risicodrager", _("Required: gedeeld, or organisations of this partnership separated by "
                           "commas: %(names)s.", names=", ".join(names.organisation_names)), None),
        ("Eigenaar", _("Optional: the name or e-mail address of a member."), None),
        ("Kans bruto", figure, ["1", "2", "3", "4", "5"]),
        ("Impact bruto", figure, ["1", "2", "3", "4", "5"]),
        ("Kans netto", figure, ["1", "2", "3", "4", "5"]),
        ("Impact netto", figure, ["1", "2", "3", "4", "5"]),
        ("Strategie", _("Required."), list(STRATEGIES)),
        ("Status", _("Optional; open when empty."), list(STATUSES)),
        ("Herbeoordelingsdatum", _("Optional; not in the past for a new risk."), None),
        ("Beschrijving", _("Optional."), None),
        ("Reden netto", _("Required when the netto score is higher than the bruto score."),
         None),
        ("Maatregelen", _("Optional: measures, one per line or separated by semicolons."), None),
    ]  # fmt: skip
    return template_xlsx(_("Risks"), columns)


IMPORTER = Importer(
    label=_l("risks"),
    columns=COLUMNS,
    required=REQUIRED,
    plan=plan_rows,
    apply=apply_row,
    template=template,
    list_endpoint="risks.index",
)
