"""Manifest pages: the adopted version, versions and drafts, comparison, proposals, PDF."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.diff import side_by_side
from app.exports.pdf import pdf_response, static_uri
from app.extensions import db
from app.forms import is_id, select_choices
from app.manifest import services
from app.manifest.forms import (
    AdoptForm,
    CommentForm,
    DeclineForm,
    EndorseForm,
    MoveForm,
    PreambleForm,
    PrincipleForm,
    ProposalForm,
)
from app.manifest.links import sections_for
from app.manifest.models import OPEN, ChangeProposal, Principle, PrincipleText
from app.policy import can, get_scoped_or_404, requires
from app.views import ensure_current, form_status, page_number, service_errors

bp = Blueprint("manifest", __name__, url_prefix="/p/<slug>/manifest")


def _version_or_404(number: int):
    version = services.version_by_number(g.partnership.id, number)
    if version is None:
        abort(404)
    return version


def _text_or_404(version, principle_id: int) -> PrincipleText:
    text = next((t for t in version.texts if t.principle_id == principle_id), None)
    if text is None:
        abort(404)
    return text


def _to_version(version):
    return redirect(url_for("manifest.version", slug=g.partnership.slug, number=version.number))


@bp.get("/")
@requires("manifest.view")
def index(slug: str):
    current = services.current_version(g.partnership.id)
    draft = services.draft_version(g.partnership.id)
    if current is None:
        return render_template("manifest/empty.html", draft=draft)
    return _show(current, draft=draft)


@bp.get("/versions/<int:number>")
@requires("manifest.view")
def version(slug: str, number: int):
    version = _version_or_404(number)
    return _show(version, draft=services.draft_version(g.partnership.id))


def _show(version, draft):
    current = services.current_version(g.partnership.id)
    rows = services.endorsement_status(version) if not version.is_draft else []
    own = next((r for r in rows if r.organisation.id == g.membership.organisation_id), None)
    return render_template(
        "manifest/version.html",
        version=version,
        texts=services.texts_of(version),
        current=current,
        draft=draft,
        endorsements=rows,
        endorsed_count=sum(1 for r in rows if r.endorsement),
        may_endorse=(
            can("manifest.endorse")
            and current is not None
            and version.id == current.id
            and own is not None
            and own.endorsement is None
        ),
        endorse_form=EndorseForm(),
        adopt_form=AdoptForm() if version.is_draft else None,  # its dialog (JavaScript)
        retired=services.retired_principles(version) if version.is_draft else [],
        move_form=MoveForm(),
        open_proposals=db.session.execute(services.proposals_query(g.partnership.id, OPEN).limit(5))
        .scalars()
        .all(),
    )


@bp.get("/versions")
@requires("manifest.view")
def versions(slug: str):
    return render_template(
        "manifest/versions.html", versions=services.all_versions(g.partnership.id)
    )


@bp.get("/compare")
@requires("manifest.view")
def compare(slug: str):
    versions = services.all_versions(g.partnership.id)
    numbers = [v.number for v in versions]
    if "a" not in request.args and "b" not in request.args:
        a, b = (numbers[1], numbers[0]) if len(numbers) > 1 else (0, 0)
    else:
        try:
            a = int(request.args.get("a", ""))
            b = int(request.args.get("b", ""))
        except ValueError:  # e.g. ?a=abc: refused below, not silently replaced
            a, b = 0, 0
    error = None
    rows = []
    old = new = None
    if a in numbers and b in numbers:
        old, new = _version_or_404(a), _version_or_404(b)
        rows = services.compare(old, new)
    elif request.args:
        error = _("Choose two existing versions.")
    return render_template(
        "manifest/compare.html", versions=versions, old=old, new=new, rows=rows, error=error,
        a=a, b=b,
    ), (422 if error else 200)  # fmt: skip


# --- drafts ----------------------------------------------------------------------------


@bp.post("/versions")
@requires("manifest.edit")
def open_draft(slug: str):
    with service_errors():
        draft = services.open_draft(g.partnership, current_user.id)
        flash(_("Draft version %(n)s has been opened.", n=draft.number), "success")
        return _to_version(draft)
    return redirect(url_for("manifest.index", slug=slug))


@bp.route("/versions/<int:number>/preamble", methods=["GET", "POST"])
@requires("manifest.edit")
def edit_preamble(slug: str, number: int):
    version = _version_or_404(number)
    if not version.is_draft:
        flash(_("Version %(n)s has been adopted and can no longer be changed.", n=number), "error")
        return _to_version(version)
    form = PreambleForm(obj=version)
    if form.validate_on_submit():
        ensure_current(version, form, {"preamble": _("Preamble")})
        with service_errors(form):
            services.update_preamble(version, form.preamble.data)
            flash(_("The preamble has been saved."), "success")
            return _to_version(version)
    return render_template("manifest/preamble_form.html", form=form, version=version), form_status()


@bp.route("/versions/<int:number>/principles/new", methods=["GET", "POST"])
@requires("manifest.edit")
def add_principle(slug: str, number: int):
    version = _version_or_404(number)
    if not version.is_draft:
        flash(_("Version %(n)s has been adopted and can no longer be changed.", n=number), "error")
        return _to_version(version)
    form = PrincipleForm()
    if form.validate_on_submit():
        with service_errors(form):
            services.add_principle(version, form.data)
            flash(_("The principle has been added."), "success")
            return _to_version(version)
    return render_template(
        "manifest/principle_form.html", form=form, version=version, text=None
    ), form_status()


@bp.route("/versions/<int:number>/principles/<int:principle_id>", methods=["GET", "POST"])
@requires("manifest.edit")
def edit_principle(slug: str, number: int, principle_id: int):
    version = _version_or_404(number)
    text = _text_or_404(version, principle_id)
    if not version.is_draft:
        flash(_("Version %(n)s has been adopted and can no longer be changed.", n=number), "error")
        return _to_version(version)
    form = PrincipleForm(obj=text)
    if form.validate_on_submit():
        ensure_current(
            text,
            form,
            {"title": _("Title"), "core_sentence": _("Core sentence"), "explanation": _("Explanation"),
             "origin": _("Origin"), "practice": _("What this means in practice")},
        )  # fmt: skip
        with service_errors(form):
            services.update_principle(text, form.data)
            flash(_("The principle has been saved."), "success")
            return _to_version(version)
    return render_template(
        "manifest/principle_form.html", form=form, version=version, text=text
    ), form_status()


def _draft_action(number: int, principle_id: int, action, message: str):
    version = _version_or_404(number)
    text = _text_or_404(version, principle_id)
    with service_errors():
        action(text)
        flash(message, "success")
    return _to_version(version)


@bp.post("/versions/<int:number>/principles/<int:principle_id>/move")
@requires("manifest.edit")
def move_principle(slug: str, number: int, principle_id: int):
    position = request.form.get("position")
    return _draft_action(
        number,
        principle_id,
        lambda text: services.move_principle(text, position),
        _("The principle has been moved."),
    )


@bp.post("/versions/<int:number>/principles/<int:principle_id>/retire")
@requires("manifest.edit")
def retire_principle(slug: str, number: int, principle_id: int):
    return _draft_action(
        number,
        principle_id,
        services.retire_principle,
        _("The principle has been left out of this draft."),
    )


@bp.post("/versions/<int:number>/principles/<int:principle_id>/reinstate")
@requires("manifest.edit")
def reinstate_principle(slug: str, number: int, principle_id: int):
    version = _version_or_404(number)
    with service_errors():
        services.reinstate_principle(version, principle_id)
        flash(_("The principle is back in the draft."), "success")
    return _to_version(version)


@bp.route("/versions/<int:number>/adopt", methods=["GET", "POST"])
@requires("manifest.edit")
def adopt(slug: str, number: int):
    version = _version_or_404(number)
    form = AdoptForm()
    if form.validate_on_submit():
        with service_errors(form):
            services.adopt(version, form.note.data, current_user.id)
            flash(_("Version %(n)s has been adopted.", n=number), "success")
            return _to_version(version)
    return render_template(
        "manifest/adopt.html", form=form, version=version, texts=services.texts_of(version)
    ), form_status()


# --- endorsement -----------------------------------------------------------------------


@bp.post("/versions/<int:number>/endorse")
@requires("manifest.endorse")
def endorse(slug: str, number: int):
    version = _version_or_404(number)
    form = EndorseForm()
    if not form.validate_on_submit():
        abort(400)
    with service_errors():
        services.endorse(version, g.membership, form.note.data)
        flash(
            _("%(organisation)s has endorsed version %(n)s.",
              organisation=g.membership.organisation.name, n=number),
            "success",
        )  # fmt: skip
    return _to_version(version)


# --- principles and proposals ------------------------------------------------------------


@bp.get("/principles/<int:principle_id>")
@requires("manifest.view")
def principle(slug: str, principle_id: int):
    principle = get_scoped_or_404(Principle, principle_id)
    history = services.principle_history(principle)
    adopted = [t for t in history if not t.manifest_version.is_draft]
    shown = adopted[0] if adopted else history[0] if history else None
    if shown is None:
        abort(404)
    current = services.current_version(g.partnership.id)
    return render_template(
        "manifest/principle.html",
        principle=principle,
        text=shown,
        history=history,
        in_current=current is not None
        and any(t.manifest_version_id == current.id for t in history),
        sections=sections_for(principle.id),
        proposals=db.session.execute(
            services.proposals_query(g.partnership.id, "all").where(
                ChangeProposal.principle_id == principle.id
            )
        )
        .scalars()
        .all(),
    )


@bp.get("/proposals")
@requires("manifest.view")
def proposals(slug: str):
    status = request.args.get("status", OPEN)
    if status not in ("open", "accepted", "declined", "all"):
        status = OPEN
    page = db.paginate(
        services.proposals_query(g.partnership.id, status),
        page=page_number(),
        per_page=25,
        error_out=False,
    )
    titles = dict(services.principle_choices(g.partnership.id))
    return render_template("manifest/proposals.html", page=page, status=status, titles=titles)


@bp.route("/proposals/new", methods=["GET", "POST"])
@requires("manifest.propose")
def new_proposal(slug: str):
    choices = select_choices(
        [("", _("A new principle"))]
        + [(str(pid), label) for pid, label in services.principle_choices(g.partnership.id)]
    )
    form = ProposalForm()
    form.principle_id.choices = choices
    if request.method == "GET":
        chosen = request.args.get("principle", "")
        current = services.current_version(g.partnership.id)
        text = None
        if is_id(chosen) and current is not None:
            text = next((t for t in current.texts if t.principle_id == int(chosen)), None)
        if text is not None:
            form = ProposalForm(
                principle_id=str(text.principle_id), title=text.title,
                core_sentence=text.core_sentence, explanation=text.explanation,
                practice=text.practice,
            )  # fmt: skip
            form.principle_id.choices = choices
    if form.validate_on_submit():
        with service_errors(form):
            chosen = form.principle_id.data
            proposal = services.propose_change(
                g.partnership.id,
                current_user.id,
                int(chosen) if chosen else None,
                form.data,
                form.reason.data,
            )
            flash(_("Your proposal has been submitted."), "success")
            return redirect(url_for("manifest.proposal", slug=slug, proposal_id=proposal.id))
    return render_template("manifest/proposal_form.html", form=form), form_status()


@bp.get("/proposals/<int:proposal_id>")
@requires("manifest.view")
def proposal(slug: str, proposal_id: int):
    proposal = get_scoped_or_404(ChangeProposal, proposal_id)
    return _show_proposal(proposal, CommentForm(), DeclineForm())


def _show_proposal(proposal, comment_form, decline_form, status: int = 200):
    current = services.current_version(g.partnership.id)
    existing = None
    if proposal.principle_id is not None and current is not None:
        existing = next((t for t in current.texts if t.principle_id == proposal.principle_id), None)
    diffs = []
    if existing is not None:
        for name in ("title", "core_sentence", "explanation", "practice"):
            diffs.append((name, *side_by_side(getattr(existing, name), getattr(proposal, name))))
    return render_template(
        "manifest/proposal.html",
        proposal=proposal,
        existing=existing,
        diffs=diffs,
        comment_form=comment_form,
        decline_form=decline_form,
    ), status


@bp.post("/proposals/<int:proposal_id>/comments")
@requires("manifest.propose")
def comment(slug: str, proposal_id: int):
    proposal = get_scoped_or_404(ChangeProposal, proposal_id)
    form = CommentForm()
    if form.validate_on_submit():
        with service_errors(form):
            services.comment_on_proposal(proposal, current_user.id, form.body.data)
            flash(_("Your comment has been placed."), "success")
            return redirect(url_for("manifest.proposal", slug=slug, proposal_id=proposal.id))
    return _show_proposal(proposal, form, DeclineForm(), 422)


@bp.post("/proposals/<int:proposal_id>/accept")
@requires("manifest.decide")
def accept(slug: str, proposal_id: int):
    proposal = get_scoped_or_404(ChangeProposal, proposal_id)
    with service_errors():
        draft = services.accept_proposal(proposal, current_user.id, g.partnership)
        flash(_("The proposal has been taken into draft version %(n)s.", n=draft.number), "success")
        return _to_version(draft)
    return redirect(url_for("manifest.proposal", slug=slug, proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/decline")
@requires("manifest.decide")
def decline(slug: str, proposal_id: int):
    proposal = get_scoped_or_404(ChangeProposal, proposal_id)
    form = DeclineForm()
    if form.validate_on_submit():
        with service_errors(form):
            services.decline_proposal(proposal, current_user.id, form.reason.data)
            flash(_("The proposal has been declined."), "success")
            return redirect(url_for("manifest.proposal", slug=slug, proposal_id=proposal.id))
    return _show_proposal(proposal, CommentForm(), form, 422)


# --- PDF ---------------------------------------------------------------------------------


@bp.get("/pdf")
@requires("manifest.view")
def pdf(slug: str):
    number = request.args.get("version", "")
    version = (
        _version_or_404(int(number))
        if is_id(number)
        else services.current_version(g.partnership.id)
    )
    if version is None or version.is_draft:
        abort(404)
    html = render_template(
        "manifest/pdf.html",
        version=version,
        texts=services.texts_of(version),
        endorsements=services.endorsement_status(version),
        static_uri=static_uri(),
    )
    return pdf_response(html, f"manifest-{g.partnership.slug}-v{version.number}.pdf")


PROPOSAL_STATUS_LABELS = {
    "open": _l("open"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
}
VERSION_STATUS_LABELS = {"draft": _l("draft"), "adopted": _l("adopted")}


PROPOSAL_STATES = {**PROPOSAL_STATUS_LABELS, "all": _l("all")}
CHANGE_LABELS = {
    "unchanged": _l("unchanged"),
    "moved": _l("moved"),
    "changed": _l("changed"),
    "added": _l("new"),
    "retired": _l("left out"),
}
PRINCIPLE_FIELD_LABELS = {
    "title": _l("Title"),
    "core_sentence": _l("Core sentence"),
    "explanation": _l("Explanation"),
    "origin": _l("Origin"),
    "practice": _l("What this means in practice"),
}


# The labels this area's templates show, translated into the page's language for every
# page (app.views.labels_context, through app.registry.page_labels).
PAGE_LABELS = {
    "proposal_states": PROPOSAL_STATES,
    "change_labels": CHANGE_LABELS,
    "field_labels": PRINCIPLE_FIELD_LABELS,
}
