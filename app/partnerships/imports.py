"""Members in bulk (app.imports): a list of e-mail addresses with organisation and role
becomes invitations through the invitation service, after a preview. The rules of a single
invitation apply (the beheerder invites; not twice the same person)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth import services as auth_services
from app.auth.models import Invitation, User, normalise_email
from app.extensions import db
from app.imports.lookups import Names
from app.imports.reader import text
from app.imports.template import template_xlsx
from app.partnerships.models import ROLES, Membership, Partnership
from app.partnerships.services import participation_of
from app.registry import Importer, RowPlan
from app.timeutil import utcnow

COLUMNS = {
    "email": ["E-mailadres", "E-mail address", "E-mail"],
    "name": ["Naam", "Name"],
    "organisation": ["Organisatie", "Organisation"],
    "role": ["Rol", "Role"],
}
REQUIRED = frozenset({"email", "organisation", "role"})


def plan_rows(partnership_id: int, rows: list[dict]) -> list[RowPlan]:
    names = Names(partnership_id)
    members = set(
        db.session.execute(
            select(User.email).join(Membership, Membership.user_id == User.id)
            .where(Membership.partnership_id == partnership_id)
        ).scalars()
    )  # fmt: skip
    now = utcnow()
    invited = set(
        db.session.execute(
            select(Invitation.email).where(
                Invitation.partnership_id == partnership_id, Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None), Invitation.expires_at > now,
            )
        ).scalars()
    )  # fmt: skip
    seen: dict[str, int] = {}
    plans = []
    for row in rows:
        email = normalise_email(text(row.get("email")))
        plan = RowPlan(line=row["_line"], reference=email, title=text(row.get("name")))
        try:
            validate_email(email, check_deliverability=False, test_environment=True)
        except EmailNotValidError:
            plan.errors.append(_("“%(value)s” is not a valid e-mail address.", value=email))
        seen[email] = seen.get(email, 0) + 1
        if seen[email] > 1:
            plan.errors.append(_("This e-mail address occurs more than once in the file."))
        organisation = text(row.get("organisation"))
        organisation_id = names.organisation(organisation)
        if organisation_id is None:
            plan.errors.append(_("Unknown organisation “%(name)s”: not an organisation of this "
                                 "partnership.", name=organisation))  # fmt: skip
        role = text(row.get("role")).lower()
        if role not in ROLES:
            plan.errors.append(_("Role “%(value)s” is not known; choose %(roles)s.",
                                 value=role, roles=", ".join(ROLES)))  # fmt: skip
        if email in members:
            plan.errors.append(_("This person is already a member of this partnership."))
        if plan.errors:
            plans.append(plan)
            continue
        plan.action = "unchanged" if email in invited else "create"
        if email in invited:
            plan.warnings.append(_("An open invitation has been sent already."))
        plan.data = {"email": email, "name": plan.title, "organisation_id": organisation_id,
                     "role": role}  # fmt: skip
        plans.append(plan)
    return plans


def apply_row(partnership_id: int, plan: RowPlan, user_id: int, filename: str) -> None:
    """Each invitation is mailed and saved by the invitation service as it is sent."""
    partnership = db.session.get(Partnership, partnership_id)
    organisation = participation_of(partnership, plan.data["organisation_id"]).organisation
    auth_services.invite(
        partnership, organisation, plan.data["role"], plan.data["email"], plan.data["name"],
        db.session.get(User, user_id),
    )  # fmt: skip


def template(partnership_id: int) -> bytes:
    names = Names(partnership_id)
    columns = [
        ("E-mailadres", _("Required."), None),
        ("Naam", _("Optional."), None),
        ("Organisatie", _("Required."), names.organisation_names),
        ("Rol", _("Required."), list(ROLES)),
    ]
    return template_xlsx(_("Members"), columns)


IMPORTER = Importer(
    label=_l("members"),
    columns=COLUMNS,
    required=REQUIRED,
    plan=plan_rows,
    apply=apply_row,
    template=template,
    list_endpoint="admin.invitations",
    permission="partnership.admin",
)
