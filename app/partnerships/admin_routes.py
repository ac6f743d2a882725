"""Beheerder pages of a partnership: organisations, members, roles, invitations."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.auth import services as auth_services
from app.auth.models import Invitation
from app.errors import ServiceError
from app.exports.archive import build_archive
from app.extensions import db
from app.forms import select_choices
from app.partnerships import services
from app.partnerships.forms import InviteForm, MembershipForm, OrganisationForm, SecurityForm
from app.partnerships.models import ROLE_LABELS, ROLES, Membership
from app.policy import get_scoped_or_404, requires, scoped
from app.views import (
    confirmation_page,
    confirmed,
    ensure_current,
    form_status,
    page_number,
    render,
    service_errors,
)

bp = Blueprint("admin", __name__, url_prefix="/p/<slug>/admin")


def _organisation_choices():
    return select_choices((o.id, o.name) for o in services.active_organisations(g.partnership))


@bp.get("/")
@requires("partnership.admin")
def home(slug: str):
    return redirect(url_for("admin.organisations", slug=slug))


# --- organisations ----------------------------------------------------------------


@bp.route("/organisations", methods=["GET", "POST"])
@requires("partnership.admin")
def organisations(slug: str):
    form = OrganisationForm()
    if form.validate_on_submit():
        with service_errors(form):
            organisation = services.add_organisation(g.partnership, form.name.data, form.kind.data)
            flash(_("%(name)s takes part in the partnership.", name=organisation.name), "success")
            return redirect(url_for("admin.organisations", slug=slug))
    rows = services.organisations_with_counts(g.partnership, include_archived=True)
    return render_template("admin/organisations.html", form=form, rows=rows), form_status()


def _participation_or_404(organisation_id: int):
    participation = services.participation_of(g.partnership, organisation_id)
    if participation is None:
        abort(404)
    return participation


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@requires("partnership.admin")
def edit_organisation(slug: str, organisation_id: int):
    organisation = _participation_or_404(organisation_id).organisation
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        ensure_current(organisation, form, {"name": _("Name"), "kind": _("Kind")})
        with service_errors(form):
            services.update_organisation(
                g.partnership, organisation, form.name.data, form.kind.data
            )
            flash(_("The organisation has been saved."), "success")
            return redirect(url_for("admin.organisations", slug=slug))
    return render_template(
        "admin/organisation_edit.html", form=form, organisation=organisation
    ), form_status()


@bp.post("/organisations/<int:organisation_id>/archive")
@requires("partnership.admin")
def archive_organisation(slug: str, organisation_id: int):
    return _set_participation(organisation_id, False)


@bp.post("/organisations/<int:organisation_id>/restore")
@requires("partnership.admin")
def restore_organisation(slug: str, organisation_id: int):
    return _set_participation(organisation_id, True)


def _set_participation(organisation_id: int, active: bool):
    participation = _participation_or_404(organisation_id)
    with service_errors():
        services.set_participation_active(participation, active)
        name = participation.organisation.name
        if active:
            flash(_("%(name)s takes part again.", name=name), "success")
        else:
            flash(_("%(name)s no longer takes part (archived).", name=name), "success")
    return redirect(url_for("admin.organisations", slug=g.partnership.slug))


# --- members ------------------------------------------------------------------------


@bp.get("/members")
@requires("partnership.admin")
def members(slug: str):
    text = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    state = request.args.get("state", "active")
    active = {"active": True, "inactive": False}.get(state)
    page = db.paginate(
        services.members_query(g.partnership, text, role, active=active),
        page=page_number(),
        per_page=current_app.config["SAMENSPEL_PAGE_SIZE"],
        error_out=False,
    )
    return render(
        "admin/members.html",
        "admin/_members.html",
        page=page,
        filters={"q": text, "role": role if role in ROLES else "", "state": state},
        roles=[(r, ROLE_LABELS[r]) for r in ROLES],
    )


@bp.route("/members/<int:membership_id>", methods=["GET", "POST"])
@requires("partnership.admin")
def edit_member(slug: str, membership_id: int):
    membership = get_scoped_or_404(Membership, membership_id)
    form = MembershipForm(obj=membership)
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        ensure_current(membership, form, {"organisation_id": _("Organisation"), "role": _("Role")})
        with service_errors(form):
            services.update_membership(membership, form.organisation_id.data, form.role.data)
            flash(_("%(name)s has been saved.", name=membership.user.name), "success")
            return redirect(url_for("admin.members", slug=slug))
    return render_template("admin/member_edit.html", form=form, member=membership), form_status()


@bp.post("/members/<int:membership_id>/deactivate")
@requires("partnership.admin")
def deactivate_member(slug: str, membership_id: int):
    return _set_member(membership_id, False)


@bp.post("/members/<int:membership_id>/restore")
@requires("partnership.admin")
def restore_member(slug: str, membership_id: int):
    return _set_member(membership_id, True)


def _set_member(membership_id: int, active: bool):
    membership = get_scoped_or_404(Membership, membership_id)
    with service_errors():
        services.set_membership_active(membership, active, current_user.id)
        name = membership.user.name
        if active:
            flash(_("%(name)s has access again.", name=name), "success")
        else:
            flash(_("%(name)s no longer has access (deactivated).", name=name), "success")
    return redirect(url_for("admin.members", slug=g.partnership.slug))


@bp.post("/members/<int:membership_id>/reset-two-factor")
@requires("partnership.admin")
def reset_two_factor(slug: str, membership_id: int):
    """A member lost their phone: remove their second factor; they set it up again at
    their next login (the member is mailed, an audit event is written)."""
    membership = get_scoped_or_404(Membership, membership_id)
    with service_errors():
        auth_services.reset_member_two_factor(membership)
        flash(
            _(
                "The two-factor authentication of %(name)s has been reset.",
                name=membership.user.name,
            ),
            "success",
        )
    return redirect(url_for("admin.edit_member", slug=slug, membership_id=membership.id))


# --- security ---------------------------------------------------------------------


@bp.route("/security", methods=["GET", "POST"])
@requires("partnership.admin")
def security(slug: str):
    form = SecurityForm(obj=g.partnership)
    if form.validate_on_submit():
        auth_services.set_two_factor_required(g.partnership, bool(form.require_two_factor.data))
        flash(_("The security settings have been saved."), "success")
        return redirect(url_for("admin.security", slug=slug))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/security.html", form=form), status


# --- invitations ------------------------------------------------------------------


@bp.route("/invitations", methods=["GET", "POST"])
@requires("partnership.admin")
def invitations(slug: str):
    form = InviteForm()
    form.organisation_id.choices = _organisation_choices()
    status = form_status()
    if form.validate_on_submit():
        organisation = services.participation_of(g.partnership, form.organisation_id.data)
        with service_errors(form):
            if organisation is None or not organisation.active:
                raise ServiceError(
                    _("Choose an organisation of this partnership."), "organisation_id"
                )
            try:
                invitation, _token = auth_services.invite(
                    g.partnership,
                    organisation.organisation,
                    form.role.data,
                    form.email.data,
                    form.name.data or "",
                    current_user,
                )
            except OSError:
                db.session.rollback()
                form.form_errors.append(
                    _("The invitation could not be sent: the mail server did not answer. "
                      "Nothing was saved; try again later.")
                )  # fmt: skip
                status = 503
            else:
                flash(
                    _("An invitation has been sent to %(email)s.", email=invitation.email),
                    "success",
                )
                return redirect(url_for("admin.invitations", slug=slug))
    page = db.paginate(
        scoped(Invitation)
        .options(joinedload(Invitation.organisation), joinedload(Invitation.invited_by))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc()),
        page=page_number(),
        per_page=current_app.config["SAMENSPEL_PAGE_SIZE"],
        error_out=False,
    )
    return render_template("admin/invitations.html", form=form, page=page), status


@bp.get("/archive.zip")
@requires("partnership.admin")
def archive(slug: str):
    """The archive of the partnership; case details only with ?case_details=1."""
    with_case_details = request.args.get("case_details") == "1"
    data = build_archive(g.partnership, with_case_details)
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="archief-{slug}.zip"'
    return response


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["GET", "POST"])
@requires("partnership.admin")
def revoke_invitation(slug: str, invitation_id: int):
    invitation = get_scoped_or_404(Invitation, invitation_id)
    back = url_for("admin.invitations", slug=slug)
    if invitation.state != "open":
        flash(_("Only an open invitation can be withdrawn."), "error")
        return redirect(back)
    if not confirmed():  # the page without JavaScript; the dialog posts confirmed=1
        return confirmation_page(
            _("Withdraw the invitation to %(email)s?", email=invitation.email),
            _("The link in the invitation to %(email)s stops working; it cannot be used again. To invite this person after all, send a new invitation.", email=invitation.email),
            _("Withdraw"),
            back,
        )  # fmt: skip
    with service_errors():
        auth_services.revoke_invitation(invitation)
        flash(
            _("The invitation to %(email)s has been withdrawn.", email=invitation.email), "success"
        )
    return redirect(url_for("admin.invitations", slug=slug))
