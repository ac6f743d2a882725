"""Agreement pages: the filtered list (htmx and plain), one agreement, edit, revisit, export."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.agreements import services
from app.agreements.forms import (
    KIND_LABELS,
    AgreementForm,
    CommentForm,
    EditAgreementForm,
    RevisitForm,
)
from app.agreements.models import (
    ACTIVE,
    CONCEPT,
    DECISIONS,
    ENDED,
    REVISIT_DUE,
    Agreement,
)
from app.exports.tables import csv_response, xlsx_response
from app.extensions import db
from app.forms import select_choices
from app.manifest.links import linked_principle_ids
from app.manifest.services import linked_principles, principle_choices
from app.partnerships.services import owner_choices
from app.policy import can, requires
from app.views import (
    confirmed,
    ensure_current,
    form_status,
    kept_total_page,
    list_page,
    service_errors,
)

bp = Blueprint("agreements", __name__, url_prefix="/p/<slug>/agreements")

STATUS_LABELS = {
    CONCEPT: _l("concept"),
    ACTIVE: _l("active"),
    REVISIT_DUE: _l("revisit needed"),
    ENDED: _l("ended"),
}
STATUS_BADGES = {CONCEPT: "neutral", ACTIVE: "success", REVISIT_DUE: "warning", ENDED: "inactive"}
SHORT_KIND = {"hard": _l("hard"), "werkbaar": _l("werkbaar")}
FIELD_LABELS = {
    "title": _l("Title"),
    "summary": _l("The agreement in one sentence"),
    "explanation": _l("Explanation"),
    "kind": _l("Kind"),
    "start_on": _l("Start date"),
    "revisit_on": _l("Revisit date"),
    "end_on": _l("End date"),
    "parties": _l("Parties"),
    "owner": _l("Owner"),
    "origin": _l("Origin"),
}


# The labels this area's templates show, translated into the page's language for every
# page (app.views.labels_context, through app.registry.page_labels).
PAGE_LABELS = {
    "agreement_status_labels": STATUS_LABELS,
    "agreement_kind_labels": SHORT_KIND,
    "agreement_field_labels": FIELD_LABELS,
    "decision_labels": services.DECISION_LABELS,
}


def _agreement_or_404(number: int):
    agreement = services.get_agreement(g.partnership.id, number)
    if agreement is None:
        abort(404)
    return agreement


def _choices(form: AgreementForm) -> None:
    pid = g.partnership.id
    form.parties.choices = select_choices(services.organisations_of(pid))
    form.owner_id.choices = select_choices([("", _("(no owner)"))] + services.members_of(pid))
    form.principles.choices = select_choices(principle_choices(pid))


# --- list and export ------------------------------------------------------------------


@bp.get("/")
@requires("agreement.view")
def index(slug: str):
    filters = services.Filters.from_args(request.args)

    def rows() -> dict:
        page = kept_total_page(services.agreements_query(g.partnership.id, filters))
        return {"page": page, "party_names": services.party_names(page.items)}

    return list_page(
        "agreements/index.html",
        "agreements/_list.html",
        rows,
        can("import.run"),
        filters=filters,
        today=services.today(),
        organisations=services.organisations_of(g.partnership.id),
        owners=owner_choices(
            Agreement.owner_id, Agreement.partnership_id, g.partnership.id, filters.owner
        ),  # fmt: skip
        principles=principle_choices(g.partnership.id),
    )


EXPORT_HEADER = (
    _l("Reference"), _l("Title"), _l("The agreement in one sentence"), _l("Kind"), _l("Status"),
    _l("Parties"), _l("Owner"), _l("Start date"), _l("Revisit date"), _l("End date"),
    _l("Version"), _l("Origin"),
)  # fmt: skip


def _export_rows(filters):
    on = services.today()
    query = services.agreements_query(g.partnership.id, filters, on).options(
        selectinload(Agreement.parties)
    )
    for a in db.session.execute(query.execution_options(yield_per=500)).scalars():
        yield (
            a.reference, a.title, a.summary, str(SHORT_KIND[a.kind]),
            str(STATUS_LABELS[a.effective_status(on)]), ", ".join(o.name for o in a.parties),
            a.owner.name if a.owner else "", a.start_on, a.revisit_on, a.end_on,
            a.current_version, a.origin,
        )  # fmt: skip


@bp.get("/export.csv")
@requires("agreement.view")
def export_csv(slug: str):
    filters = services.Filters.from_args(request.args)
    return csv_response(f"werkafspraken-{slug}.csv", EXPORT_HEADER, _export_rows(filters))


@bp.get("/export.xlsx")
@requires("agreement.view")
def export_xlsx(slug: str):
    filters = services.Filters.from_args(request.args)
    return xlsx_response(
        f"werkafspraken-{slug}.xlsx", _("Agreements"), EXPORT_HEADER, _export_rows(filters)
    )


# --- one agreement -----------------------------------------------------------------------


@bp.get("/<int:number>")
@requires("agreement.view")
def show(slug: str, number: int):
    agreement = _agreement_or_404(number)
    return _show(agreement, CommentForm)  # a fresh form: made only when rendered (kept_form)


def _show(agreement, comment_form, status: int = 200):
    """An agreement's page. What it shows of the agreement, its parties, principles and
    the sections other areas add is kept (the template's kept block, app/kept.py): the
    functions that read them are called only while rendering it when it is not kept. Its
    versions, timeline and documents, and whether the reader follows it, are read each
    time."""

    versions = services.versions_of(agreement)
    return render_template(
        "agreements/show.html",
        agreement=agreement,
        today=services.today(),
        due=services.is_due(agreement),
        read_principles=lambda: linked_principles(
            g.partnership.id, "agreement", agreement.id, "implements"
        ),
        read_related=lambda: services.related_sections(agreement),
        read_origin_url=lambda: services.origin_url(agreement),
        timeline=services.timeline(agreement, versions),
        versions=versions,
        comment_form=comment_form,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@requires("agreement.edit")
def new(slug: str):
    form = AgreementForm()
    _choices(form)
    if request.method == "GET":
        form.kind.data = "werkbaar"
        form.start_on.data = services.today()
        form.owner_id.data = current_user.id
    if form.validate_on_submit():
        with service_errors(form):
            agreement = services.create_agreement(g.partnership.id, form.data, current_user.id)
            flash(_("Agreement %(ref)s has been created as a concept.", ref=agreement.reference),
                  "success")  # fmt: skip
            return redirect(url_for("agreements.show", slug=slug, number=agreement.number))
    return render_template("agreements/form.html", form=form, agreement=None), form_status()


@bp.route("/<int:number>/edit", methods=["GET", "POST"])
@requires("agreement.edit")
def edit(slug: str, number: int):
    agreement = _agreement_or_404(number)
    form = EditAgreementForm(obj=agreement)
    _choices(form)
    if request.method == "GET":
        form.parties.data = [o.id for o in agreement.parties]
        form.principles.data = linked_principle_ids("agreement", agreement.id, "implements")
    if form.validate_on_submit():
        ensure_current(
            agreement, form,
            {"title": _("Title"), "summary": _("The agreement in one sentence"),
             "explanation": _("Explanation"), "revisit_on": _("Revisit date")},
        )  # fmt: skip
        with service_errors(form):
            services.update_agreement(agreement, form.data, form.change_note.data, current_user.id)
            flash(_("The agreement has been saved as version %(n)s.", n=agreement.current_version),
                  "success")  # fmt: skip
            return redirect(url_for("agreements.show", slug=slug, number=number))
    return render_template("agreements/form.html", form=form, agreement=agreement), form_status()


def _action(number: int, action, message: str):
    agreement = _agreement_or_404(number)
    with service_errors():
        action(agreement)
        flash(message, "success")
    return redirect(url_for("agreements.show", slug=g.partnership.slug, number=number))


@bp.post("/<int:number>/activate")
@requires("agreement.edit")
def activate(slug: str, number: int):
    return _action(number, lambda a: services.activate(a, current_user.id),
                   _("The agreement is active."))  # fmt: skip


@bp.post("/<int:number>/archive")
@requires("agreement.edit")
def archive(slug: str, number: int):
    return _action(number, lambda a: services.set_archived(a, True, current_user.id),
                   _("The agreement has been archived. It can be restored."))  # fmt: skip


@bp.post("/<int:number>/restore")
@requires("agreement.edit")
def restore(slug: str, number: int):
    return _action(number, lambda a: services.set_archived(a, False, current_user.id),
                   _("The agreement has been restored."))  # fmt: skip


@bp.route("/<int:number>/revisit", methods=["GET", "POST"])
@requires("agreement.edit")
def revisit(slug: str, number: int):
    agreement = _agreement_or_404(number)
    form = RevisitForm()
    if request.method == "GET":
        form.title.data, form.summary.data = agreement.title, agreement.summary
        form.explanation.data = agreement.explanation
        form.version.data = agreement.version
    # Ending is irreversible: a valid "end" decision is shown once more to be confirmed.
    confirm_end = False
    if form.validate_on_submit():
        ensure_current(agreement, form, {"summary": _("The agreement in one sentence")})
        confirm_end = form.decision.data == "beeindigen" and not confirmed()
        if not confirm_end:
            with service_errors(form):
                services.revisit(
                    agreement, form.decision.data, form.reason.data, current_user.id,
                    new_revisit_on=form.new_revisit_on.data,
                    amended={"title": form.title.data, "summary": form.summary.data,
                             "explanation": form.explanation.data},
                )  # fmt: skip
                flash(_("The revisit decision has been recorded."), "success")
                return redirect(url_for("agreements.show", slug=slug, number=number))
    return render_template(
        "agreements/revisit.html", form=form, agreement=agreement,
        due=services.is_due(agreement), decisions=DECISIONS, confirm_end=confirm_end,
    ), 200 if confirm_end else form_status()  # fmt: skip


@bp.post("/<int:number>/comments")
@requires("agreement.comment")
def comment(slug: str, number: int):
    agreement = _agreement_or_404(number)
    form = CommentForm()
    if form.validate_on_submit():
        with service_errors(form):
            services.add_comment(agreement, current_user.id, form.body.data)
            flash(_("Your comment has been placed."), "success")
            return redirect(url_for("agreements.show", slug=slug, number=number) + "#timeline")
    return _show(agreement, form, 422)


@bp.get("/<int:number>/compare")
@requires("agreement.view")
def compare(slug: str, number: int):
    agreement = _agreement_or_404(number)
    versions = services.versions_of(agreement)
    by_number = {v.number: v for v in versions}
    if "a" not in request.args and "b" not in request.args:
        a = versions[1].number if len(versions) > 1 else versions[0].number
        b = versions[0].number
    else:
        try:
            a, b = int(request.args.get("a", "")), int(request.args.get("b", ""))
        except ValueError:  # e.g. ?a=abc: refused below, not silently replaced
            a, b = 0, 0
    error = None
    rows = []
    if a in by_number and b in by_number:
        rows = services.compare_versions(by_number[a], by_number[b])
    else:
        error = _("Choose two existing versions.")
    return render_template(
        "agreements/compare.html", agreement=agreement, versions=versions, rows=rows,
        old=by_number.get(a), new=by_number.get(b), a=a, b=b, error=error,
    ), (422 if error else 200)  # fmt: skip


@bp.app_template_global()
def agreement_kind_label(kind: str):
    return KIND_LABELS.get(kind, kind)
