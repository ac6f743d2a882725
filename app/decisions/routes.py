"""Decision pages: proposals, answers per organisation, outcomes, and who decides."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.activity.notifications import base_url
from app.agreements.models import Agreement
from app.auth.models import User
from app.decisions import services
from app.decisions.forms import (
    METHOD_LABELS,
    OUTCOME_LABELS,
    POSITION_LABELS,
    RESULT_LABELS,
    STATUS_LABELS,
    AmendForm,
    AnswerForm,
    MandateForm,
    OutcomeForm,
    ProposalForm,
)
from app.decisions.models import OPEN, DecisionMandate, Proposal
from app.exports.ics import calendar, event, ics_response
from app.extensions import db
from app.forms import is_id, select_choices
from app.partnerships.models import Membership
from app.partnerships.services import organisations_of
from app.policy import may_designate_for, may_propose_for_partnership, requires
from app.tables.models import ThematicTable
from app.views import ensure_current, form_status, page_number, service_errors

bp = Blueprint("decisions", __name__, url_prefix="/p/<slug>/decisions")
PAGE_SIZE = 20


# The labels this area's templates show, translated into the page's language for every
# page (app.views.labels_context, through app.registry.page_labels).
PAGE_LABELS = {
    "proposal_method_labels": METHOD_LABELS,
    "proposal_position_labels": POSITION_LABELS,
    "proposal_outcome_labels": OUTCOME_LABELS,
    "proposal_result_labels": RESULT_LABELS,
    "proposal_status_labels": STATUS_LABELS,
}


def _proposal(number: int) -> Proposal:
    """The proposal of this partnership the member may see (else 404), closed first when
    its closing time passed (the first request after it closes it)."""
    proposal = services.get_proposal(g.partnership.id, number)
    if proposal is None or not services.may_see(proposal, g.membership):
        abort(404)
    if proposal.status == OPEN and services.close_due(g.partnership.id):
        db.session.refresh(proposal)
    return proposal


def _own(proposal: Proposal) -> None:
    if proposal.proposer_id != current_user.id:
        abort(403)


def _table_from_args() -> ThematicTable | None:
    value = request.values.get("table_id") or request.args.get("table") or ""
    if not value:
        return None
    table = db.session.get(ThematicTable, int(value)) if is_id(value) else None
    if table is None or table.partnership_id != g.partnership.id:
        abort(404)
    return table


@bp.get("/")
@requires("decision.view")
def index(slug: str):
    services.close_due(g.partnership.id)
    status = request.args.get("status", "open")
    status = status if status in services.STATUS_FILTERS else "open"
    archived = request.args.get("archived") == "1"
    page = db.paginate(
        services.proposals_query(g.membership, status, archived),
        page=page_number(), per_page=PAGE_SIZE, error_out=False,
    )  # fmt: skip
    proposals = list(page.items)
    return render_template(
        "decisions/index.html", page=page, proposals=proposals, status=status, archived=archived,
        counts=services.answer_counts(proposals),
        may_propose=may_propose_for_partnership(g.membership),
        may_designate=may_designate_for(g.membership, g.membership.organisation_id),
    )  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@requires("decision.propose")
def new(slug: str):
    table = _table_from_args()
    if not services.may_propose(g.membership, table):
        abort(403)
    form = ProposalForm()
    form.organisations.choices = select_choices(organisations_of(g.partnership.id))
    if request.method == "GET":
        form.organisations.data = services.default_organisations(g.partnership.id, table)
        form.table_id.data = table.id if table else ""
    if form.validate_on_submit():
        with service_errors(form):
            proposal = services.start_proposal(g.membership, form.data, table)
            flash(_("The proposal has been put to the organisations."), "success")
            return redirect(url_for("decisions.show", slug=slug, number=proposal.number))
    return render_template("decisions/form.html", form=form, table=table), form_status()


def _show_context(proposal: Proposal, answer_form: AnswerForm | None = None) -> dict:
    tally = services.tally(proposal)
    may_answer = services.may_answer_for(proposal, g.membership)
    own = next((r for r in tally.rows if r.organisation.id == g.membership.organisation_id), None)
    if answer_form is None and may_answer:
        answer_form = AnswerForm()
        current = (own.answer or own.earlier) if own else None
        answer_form.answer_version.data = str(current.version) if current else "0"
        if own and own.answer:
            answer_form.position.data = own.answer.position
            answer_form.reason.data = own.answer.reason
    return {
        "proposal": proposal,
        "tally": tally,
        "may_answer": may_answer,
        "own": own,
        "answer_form": answer_form,
        "is_proposer": proposal.proposer_id == current_user.id,
        "agreement": db.session.get(Agreement, proposal.agreement_id) if proposal.agreement_id else None,
        "may_archive": proposal.status != OPEN and (
            proposal.proposer_id == current_user.id or may_propose_for_partnership(g.membership)
        ),
    }  # fmt: skip


@bp.get("/<int:number>")
@requires("decision.view")
def show(slug: str, number: int):
    proposal = _proposal(number)
    return render_template(
        "decisions/show.html",
        versions=services.versions_of(proposal),
        history=services.answer_history(proposal),
        **_show_context(proposal),
    )


@bp.post("/<int:number>/answer")
@requires("decision.answer")
def answer(slug: str, number: int):
    proposal = _proposal(number)
    if proposal.status == OPEN and not services.may_answer_for(proposal, g.membership):
        abort(403)
    form = AnswerForm()
    status = 422  # refused, unless the answer is saved below
    conflict = None
    if form.validate_on_submit():
        expected = form.answer_version.data or "0"
        try:
            with service_errors(form):
                services.answer_proposal(
                    proposal, g.membership, form.position.data, form.reason.data or "",
                    int(expected) if is_id(expected) else -1,
                )  # fmt: skip
                if not request.htmx:
                    flash(_("Your organisation's answer has been saved."), "success")
                    return redirect(url_for("decisions.show", slug=slug, number=number) + "#tally")
                db.session.refresh(proposal)
                form = None
                status = 200
        except services.AnswerConflict as error:  # not a refusal: another answer won
            db.session.rollback()
            conflict = error
            status = 409
    if conflict is not None:
        db.session.refresh(proposal)
        if not request.htmx:
            return render_template(
                "decisions/conflict.html", proposal=proposal, conflict=conflict
            ), 409
        # In place: the tally as it is now, the form made from the answer that won.
        form = None
    context = _show_context(proposal, form)
    if conflict is not None and context["answer_form"] is not None:
        context["answer_form"].form_errors.append(
            _("Another member of your organisation answered in the meantime; your answer was "
              "not saved. The table shows the answer that counts now.")
        )  # fmt: skip
        status = 422
    if request.htmx:
        response = make_response(render_template("decisions/_decide.html", **context), status)
        if proposal.status != OPEN:
            response.headers["HX-Refresh"] = "true"  # closed early: the outcome part changes
        return response
    return render_template(
        "decisions/show.html",
        versions=services.versions_of(proposal),
        history=services.answer_history(proposal),
        **context,
    ), status


@bp.route("/<int:number>/amend", methods=["GET", "POST"])
@requires("decision.propose")
def amend(slug: str, number: int):
    proposal = _proposal(number)
    _own(proposal)
    form = AmendForm(obj=proposal)
    if request.method == "GET":
        form.version.data = proposal.version
        form.reason.data = ""
    if form.validate_on_submit():
        ensure_current(proposal, form, {"title": _("Title"), "text": _("Proposed text")})
        with service_errors(form):
            services.amend_proposal(proposal, current_user.id, form.data, form.reason.data)
            flash(_("The proposal has been amended; the organisations are asked again."),
                  "success")  # fmt: skip
            return redirect(url_for("decisions.show", slug=slug, number=number))
    return render_template("decisions/amend.html", form=form, proposal=proposal), form_status()


@bp.route("/<int:number>/outcome", methods=["GET", "POST"])
@requires("decision.propose")
def outcome(slug: str, number: int):
    proposal = _proposal(number)
    _own(proposal)
    form = OutcomeForm()
    if form.validate_on_submit():
        with service_errors(form):
            services.state_outcome(proposal, current_user.id, form.outcome.data,
                                   form.outcome_text.data, form.review_on.data)  # fmt: skip
            flash(_("The outcome has been stated."), "success")
            return redirect(url_for("decisions.show", slug=slug, number=number) + "#outcome")
    return render_template("decisions/outcome.html", form=form, proposal=proposal), form_status()


@bp.post("/<int:number>/agreement")
@requires("decision.propose")
def make_agreement(slug: str, number: int):
    proposal = _proposal(number)
    _own(proposal)
    with service_errors():
        agreement = services.adopt_as_agreement(proposal, current_user.id)
        flash(_("A draft agreement has been made from the decision."), "success")
        return redirect(url_for("agreements.show", slug=slug, number=agreement.number))
    return redirect(url_for("decisions.show", slug=slug, number=number))


@bp.post("/<int:number>/manifest")
@requires("decision.propose")
def make_manifest_change(slug: str, number: int):
    proposal = _proposal(number)
    _own(proposal)
    with service_errors():
        services.adopt_as_manifest_change(proposal, current_user.id)
        flash(_("A manifest change proposal has been made from the decision."), "success")
    return redirect(url_for("decisions.show", slug=slug, number=number))


@bp.post("/<int:number>/archive")
@requires("decision.propose")
def archive(slug: str, number: int):
    proposal = _proposal(number)
    archived = request.form.get("archived") != "0"
    with service_errors():
        services.set_archived(proposal, g.membership, archived)
        flash(_("The proposal has been archived.") if archived
              else _("The proposal has been restored."), "success")  # fmt: skip
    return redirect(url_for("decisions.show", slug=slug, number=number))


@bp.get("/<int:number>.ics")
@requires("decision.view")
def ics(slug: str, number: int):
    proposal = _proposal(number)
    url = base_url() + url_for("decisions.show", slug=slug, number=number)
    text = calendar([event(
        f"decision-{proposal.id}@samenspel",
        _("Proposal closes: %(ref)s %(title)s", ref=proposal.reference, title=proposal.title),
        proposal.closes_at, proposal.closes_at + timedelta(minutes=15), url=url,
    )])  # fmt: skip
    return ics_response(text, f"voorstel-{proposal.number}.ics")


# --- who decides for an organisation ------------------------------------------------------


def _designable() -> list[tuple[int, str]]:
    return [
        (oid, name)
        for oid, name in organisations_of(g.partnership.id)
        if may_designate_for(g.membership, oid)
    ]


@bp.route("/mandates", methods=["GET", "POST"])
@requires("decision.designate")
def mandates(slug: str):
    organisations = _designable()
    form = MandateForm()
    form.organisation_id.choices = select_choices(organisations)
    ids = [oid for oid, _name in organisations]
    names = dict(
        db.session.execute(
            select(User.id, User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.partnership_id == g.partnership.id, Membership.active.is_(True),
                   Membership.organisation_id.in_(ids),
                   Membership.role.not_in(("lezer", "bestuurder")))
        ).all()
    )  # fmt: skip
    form.user_id.choices = select_choices(
        [("", _("Choose a person"))] + sorted(names.items(), key=lambda item: item[1])
    )
    if request.method == "GET" and len(organisations) == 1:
        form.organisation_id.data = organisations[0][0]
    if form.validate_on_submit():
        with service_errors(form):
            services.designate(g.membership, form.organisation_id.data, form.user_id.data)
            flash(_("The member may now decide for the organisation."), "success")
            return redirect(url_for("decisions.mandates", slug=slug))
    return render_template(
        "decisions/mandates.html", form=form, organisations=dict(organisations),
        mandates=services.mandates_of(g.partnership.id, ids),
        deciders=_decider_names(ids),
    ), form_status()  # fmt: skip


def _decider_names(organisation_ids: list[int]) -> dict[int, str]:
    """organisation id -> the names of who may decide for it now."""
    names = dict(
        db.session.execute(
            select(User.id, User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.partnership_id == g.partnership.id,
                   Membership.organisation_id.in_(organisation_ids))
        ).all()
    )  # fmt: skip
    deciders = services.deciders_of(g.partnership.id, organisation_ids)
    return {oid: ", ".join(sorted(names[uid] for uid in uids)) for oid, uids in deciders.items()}


@bp.post("/mandates/<int:mandate_id>/withdraw")
@requires("decision.designate")
def withdraw_mandate(slug: str, mandate_id: int):
    mandate = db.session.get(DecisionMandate, mandate_id)
    if mandate is None or mandate.partnership_id != g.partnership.id:
        abort(404)
    if not may_designate_for(g.membership, mandate.organisation_id):
        abort(403)
    with service_errors():
        services.withdraw_designation(g.membership, mandate)
        flash(_("The designation has been withdrawn."), "success")
    return redirect(url_for("decisions.mandates", slug=slug))
