"""Importing agreements from a file (app.imports): each row is checked with the rules of
create and update and applied through the same service functions as manual entry."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.agreements import services
from app.agreements.models import ACTIVE, CONCEPT, ENDED, FIRM, WORKABLE, Agreement
from app.errors import ServiceError
from app.extensions import db
from app.imports.lookups import Names, find_numbered, split_names
from app.imports.reader import normalise, parse_date, text
from app.imports.template import template_xlsx
from app.manifest.links import linked_principle_ids
from app.registry import Importer, RowPlan

COLUMNS = {
    "reference": ["Kenmerk", "Reference", "Nummer"],
    "title": ["Titel", "Title"],
    "summary": ["De afspraak in één zin", "The agreement in one sentence", "Afspraak"],
    "kind": ["Soort", "Kind"],
    "status": ["Status"],
    "parties": ["Partijen", "Parties"],
    "owner": ["Eigenaar", "Owner"],
    "start_on": ["Startdatum", "Start date"],
    "revisit_on": ["Herzieningsdatum", "Revisit date"],
    "end_on": ["Einddatum", "End date"],
    "version": ["Versie", "Version"],
    "origin": ["Herkomst", "Origin"],
    "explanation": ["Toelichting", "Explanation"],
}
REQUIRED = frozenset({"title", "summary", "kind", "parties", "start_on"})
KIND_NAMES = {"hard": FIRM, "werkbaar": WORKABLE, "workable": WORKABLE, "firm": FIRM}
STATUS_NAMES = {
    "": CONCEPT, "concept": CONCEPT, "actief": ACTIVE, "active": ACTIVE,
    "herzien nodig": ACTIVE, "revisit needed": ACTIVE, "beeindigd": ENDED, "beëindigd": ENDED,
    "ended": ENDED,
}  # fmt: skip
REFERENCE = re.compile(r"^(?:wa\s*-?\s*)?(\d{1,9})$", re.IGNORECASE)
LABELS = {
    "title": _l("title"), "summary": _l("the agreement in one sentence"),
    "explanation": _l("explanation"), "kind": _l("kind"), "start_on": _l("start date"),
    "revisit_on": _l("revisit date"), "end_on": _l("end date"), "parties": _l("parties"),
    "owner": _l("owner"), "origin": _l("origin"), "status": _l("status"),
}  # fmt: skip


def _date(row: dict, name: str, errors: list[str]):
    try:
        return parse_date(row.get(name))
    except ValueError:
        errors.append(_("“%(value)s” is not a date (%(column)s); write 1-3-2027 or 1 maart 2027.",
                        value=text(row.get(name)), column=LABELS[name]))  # fmt: skip
        return None


def plan_rows(partnership_id: int, rows: list[dict]) -> list[RowPlan]:
    names = Names(partnership_id)
    existing = {
        a.number: a
        for a in db.session.execute(
            select(Agreement).where(Agreement.partnership_id == partnership_id)
        ).scalars()
    }
    by_title = {normalise(a.title): a for a in existing.values()}
    numbers: dict[int, int] = {}
    for row in rows:
        match = REFERENCE.match(text(row.get("reference")))
        if match:
            number = int(match[1])
            numbers[number] = numbers.get(number, 0) + 1
    next_number = max([0, *existing, *numbers]) + 1
    plans = []
    for row in rows:
        plan = RowPlan(line=row["_line"], title=text(row.get("title")))
        errors = plan.errors
        reference = text(row.get("reference"))
        agreement, number = find_numbered(
            reference, plan.title, pattern=REFERENCE, prefix="WA",
            existing=existing, by_title=by_title, counts=numbers, errors=errors,
        )  # fmt: skip
        if agreement is None and number is None:
            number, next_number = next_number, next_number + 1
        plan.reference = f"WA-{agreement.number if agreement else number}"
        kind = KIND_NAMES.get(text(row.get("kind")).lower())
        if kind is None:
            errors.append(_("Kind “%(value)s” is not known; choose hard or werkbaar.",
                            value=text(row.get("kind"))))  # fmt: skip
        status = STATUS_NAMES.get(text(row.get("status")).lower())
        if status is None:
            errors.append(_("Status “%(value)s” is not known.", value=text(row.get("status"))))
        elif status == ENDED and (agreement is None or agreement.status != ENDED):
            errors.append(_("An ended agreement cannot be imported; end it with a revisit "
                            "decision."))  # fmt: skip
        parties = []
        for name in split_names(row.get("parties")):
            oid = names.organisation(name)
            if oid is None:
                errors.append(_("Unknown party “%(name)s”: not an organisation of this "
                                "partnership.", name=name))  # fmt: skip
            else:
                parties.append(oid)
        owner_id = None
        owner = text(row.get("owner"))
        if owner:
            owner_id = names.member(owner)
            if owner_id is None:
                errors.append(_("Owner “%(name)s” is not a member of this partnership.",
                                name=owner))  # fmt: skip
        dates = {name: _date(row, name, errors) for name in ("start_on", "revisit_on", "end_on")}
        if agreement is not None and agreement.archived_at is not None:
            errors.append(_("%(ref)s is archived; restore it first.", ref=agreement.reference))
        elif agreement is not None and agreement.status == ENDED:
            errors.append(_("%(ref)s has ended and can no longer be changed.",
                            ref=agreement.reference))  # fmt: skip
        if errors:
            plans.append(plan)
            continue
        data = {
            "title": plan.title, "summary": text(row.get("summary")),
            "explanation": text(row.get("explanation")) if "explanation" in row
            else (agreement.explanation if agreement else ""),
            "origin": text(row.get("origin")) if "origin" in row
            else (agreement.origin if agreement else ""),
            "kind": kind, "parties": parties, "owner_id": owner_id, **dates,
            "principles": linked_principle_ids("agreement", agreement.id, "implements")
            if agreement else [],
        }  # fmt: skip
        try:
            clean = services.check_agreement(partnership_id, data)
        except ServiceError as error:
            label = LABELS.get(error.field or "", "")
            errors.append(f"{error.message} ({label})" if label else error.message)
            plans.append(plan)
            continue
        activate = status == ACTIVE and (agreement is None or agreement.status == CONCEPT)
        if agreement is not None and agreement.status == ACTIVE and status == CONCEPT:
            plan.warnings.append(_("%(ref)s is active; it does not go back to concept.",
                                   ref=agreement.reference))  # fmt: skip
        if agreement is None:
            plan.action = "create"
        else:
            plan.changes = [str(LABELS[name]) for name in _differences(agreement, clean)]
            if activate:
                plan.changes.append(str(LABELS["status"]))
            plan.action = "update" if plan.changes else "unchanged"
            if not reference:
                plan.warnings.append(_("Found by its title as %(ref)s.", ref=agreement.reference))
        plan.data = {"number": number if agreement is None else agreement.number,
                     "values": data, "activate": activate}  # fmt: skip
        plans.append(plan)
    return plans


def _differences(agreement: Agreement, clean: dict) -> list[str]:
    current = {
        "title": agreement.title, "summary": agreement.summary,
        "explanation": agreement.explanation, "kind": agreement.kind,
        "start_on": agreement.start_on, "revisit_on": agreement.revisit_on,
        "end_on": agreement.end_on, "parties": sorted(o.id for o in agreement.parties),
        "owner": agreement.owner_id, "origin": agreement.origin,
    }  # fmt: skip
    wanted = {**clean, "owner": clean["owner_id"]}
    return [name for name, value in current.items() if wanted.get(name) != value]


def apply_row(partnership_id: int, plan: RowPlan, user_id: int, filename: str) -> None:
    note = _("imported from %(file)s", file=filename)
    values = {**plan.data["values"], "change_note": note}
    agreement = services.get_agreement(partnership_id, plan.data["number"])
    if agreement is None:
        agreement = services.create_agreement(
            partnership_id, values, user_id, commit=False, number=plan.data["number"]
        )
    elif plan.action == "update" and _differences(
        agreement, services.check_agreement(partnership_id, values)
    ):
        services.update_agreement(agreement, values, note, user_id, commit=False)
    if plan.data["activate"] and agreement.status == CONCEPT:
        services.activate(agreement, user_id, commit=False)


def template(partnership_id: int) -> bytes:
    names = Names(partnership_id)
    columns = [
        ("Kenmerk", _("Empty for a new agreement; WA-12 changes agreement WA-12."), None),
        ("Titel", _("Required, at most 200 characters."), None),
        ("De afspraak in één zin", _("Required, at most 500 characters."), None),
        ("Soort", _("Required."), ["hard", "werkbaar"]),
        ("Status", _("Empty or concept: a concept; actief: made active."), ["concept", "actief"]),
        ("Partijen", _("Required: organisations of this partnership, separated by commas: %(names)s.",
                       names=", ".join(names.organisation_names)), None),
        ("Eigenaar", _("Optional: the name or e-mail address of a member."), None),
        ("Startdatum", _("Required."), None),
        ("Herzieningsdatum", _("Required for werkbaar, after the start date."), None),
        ("Einddatum", _("Optional."), None),
        ("Herkomst", _("Optional: where the agreement comes from."), None),
        ("Toelichting", _("Optional."), None),
    ]  # fmt: skip
    return template_xlsx(_("Agreements"), columns)


IMPORTER = Importer(
    label=_l("agreements"),
    columns=COLUMNS,
    required=REQUIRED,
    plan=plan_rows,
    apply=apply_row,
    template=template,
    list_endpoint="agreements.index",
)
