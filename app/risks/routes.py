"""Risk pages: the filtered list, heat maps, one risk with its trend, measures, settings."""

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.exports.tables import csv_response, xlsx_response
from app.extensions import db
from app.forms import select_choices
from app.kept import kept_fragment
from app.manifest.links import linked_principle_ids
from app.manifest.services import linked_principles, principle_choices
from app.partnerships.services import members_of, organisations_of, owner_choices
from app.policy import can, requires
from app.risks import services
from app.risks.forms import (
    LEVEL_LABELS,
    MEASURE_STATUS_LABELS,
    STATUS_LABELS,
    STRATEGY_LABELS,
    CategoryForm,
    CommentForm,
    MeasureForm,
    NewRiskForm,
    ReassessForm,
    RiskForm,
    ThresholdsForm,
)
from app.risks.models import Measure, Risk, RiskCategory
from app.views import (
    ensure_current,
    form_status,
    kept_total_page,
    list_page,
    service_errors,
)

bp = Blueprint("risks", __name__, url_prefix="/p/<slug>/risks")


# The labels this area's templates show, translated into the page's language for every
# page (app.views.labels_context, through app.registry.page_labels).
PAGE_LABELS = {
    "risk_status_labels": STATUS_LABELS,
    "risk_strategy_labels": STRATEGY_LABELS,
    "risk_level_labels": LEVEL_LABELS,
    "measure_status_labels": MEASURE_STATUS_LABELS,
}


def _risk_or_404(number: int):
    risk = services.get_risk(g.partnership.id, number)
    if risk is None:
        abort(404)
    return risk


def _level(score: int) -> str:
    # Look the thresholds up once per request: templates call this for every score shown,
    # and a session.get() of settings that are not stored (the defaults) queries each time.
    if "risk_limits" not in g:
        g.risk_limits = services.thresholds(g.partnership.id)
    return services.level(score, g.risk_limits)


def _risk_choices(form) -> None:
    pid = g.partnership.id
    form.category_id.choices = select_choices((c.id, c.name) for c in services.categories_of(pid))
    form.bearers.choices = select_choices(organisations_of(pid))
    form.owner_id.choices = select_choices([("", _("(no owner)"))] + members_of(pid))
    form.principles.choices = select_choices(principle_choices(pid))


def _measure_choices(form) -> None:
    pid = g.partnership.id
    form.owner_id.choices = select_choices([("", _("(no owner)"))] + members_of(pid))
    form.agreement_id.choices = select_choices(
        [("", _("(no agreement)"))] + services.agreement_choices(pid)
    )


# --- list, export, heat map ------------------------------------------------------------


@bp.get("/")
@requires("risk.view")
def index(slug: str):
    filters = services.Filters.from_args(request.args)
    return list_page(
        "risks/index.html",
        "risks/_list.html",
        lambda: {"page": kept_total_page(services.risks_query(g.partnership.id, filters))},
        can("import.run"),
        filters=filters,
        limits=services.thresholds(g.partnership.id),
        level_of=_level,
        today=services.today(),
        category_options=services.category_choices(g.partnership.id),
        organisations=organisations_of(g.partnership.id),
        owners=owner_choices(Risk.owner_id, Risk.partnership_id, g.partnership.id, filters.owner),
    )


EXPORT_HEADER = (
    _l("Reference"), _l("Title"), _l("Category"), _l("Bearer"), _l("Owner"),
    _l("Likelihood bruto"), _l("Impact bruto"), _l("Score bruto"), _l("Likelihood netto"),
    _l("Impact netto"), _l("Score netto"), _l("Level netto"), _l("Strategy"), _l("Status"),
    _l("Review date"), _l("Reason netto"),
)  # fmt: skip


def _export_rows(filters):
    limits = services.thresholds(g.partnership.id)
    query = services.risks_query(g.partnership.id, filters).options(selectinload(Risk.bearers))
    for r in db.session.execute(query.execution_options(yield_per=500)).scalars():
        bearer = _("gedeeld") if r.shared else ""
        names = ", ".join(o.name for o in r.bearers)
        yield (
            r.reference, r.title, r.category.name, ", ".join(x for x in (bearer, names) if x),
            r.owner.name if r.owner else "", r.inherent_likelihood, r.inherent_impact,
            r.inherent_score, r.residual_likelihood, r.residual_impact, r.residual_score,
            str(LEVEL_LABELS[services.level(r.residual_score, limits)]),
            str(STRATEGY_LABELS[r.strategy]), str(STATUS_LABELS[r.status]), r.review_on,
            r.residual_reason,
        )  # fmt: skip


@bp.get("/export.csv")
@requires("risk.view")
def export_csv(slug: str):
    filters = services.Filters.from_args(request.args)
    return csv_response(f"risico-inventarisatie-{slug}.csv", EXPORT_HEADER, _export_rows(filters))


@bp.get("/export.xlsx")
@requires("risk.view")
def export_xlsx(slug: str):
    filters = services.Filters.from_args(request.args)
    return xlsx_response(
        f"risico-inventarisatie-{slug}.xlsx", _("Risks"), EXPORT_HEADER, _export_rows(filters)
    )


@bp.get("/heatmap")
@requires("risk.view")
def heatmap(slug: str):
    pid = g.partnership.id
    limits = services.thresholds(pid)

    def maps_html() -> str:
        maps = [
            ("bruto", _("Before measures (bruto)"), services.heat_map(pid, "bruto")),
            ("netto", _("After measures (netto)"), services.heat_map(pid, "netto")),
        ]
        return render_template(
            "risks/_heatmaps.html", maps=maps, level_of=lambda s: services.level(s, limits)
        )

    # The same for every member (counts of all open risks): kept (app/kept.py).
    maps = kept_fragment(("heat maps", pid, str(get_locale())), maps_html)
    return render_template("risks/heatmap.html", maps=maps, limits=limits)


# --- one risk -------------------------------------------------------------------------


@bp.get("/<int:number>")
@requires("risk.view")
def show(slug: str, number: int):
    risk = _risk_or_404(number)
    return _show(risk, CommentForm)  # a fresh form: made only when rendered (kept_form)


def _show(risk, comment_form, status: int = 200):
    """A risk's page. What it shows of the risk, its measures, principles and assessments
    is kept (the template's kept blocks, app/kept.py): the functions that read them are
    called only while rendering a block that is not kept. Its comments and documents, and
    whether the reader follows it, are read each time."""

    def assessments() -> dict:
        found = services.assessments_of(risk)
        return {"rows": found, "chart": _trend_chart(found)}

    return render_template(
        "risks/show.html",
        risk=risk,
        level_of=_level,
        today=services.today(),
        read_assessments=assessments,
        read_measures=lambda: services.measures_of(risk),
        read_principles=lambda: linked_principles(g.partnership.id, "risk", risk.id, "threatens"),
        comments=services.comments_of(risk),
        comment_form=comment_form,
    ), status


def _trend_chart(assessments) -> dict:
    """Points of a small SVG line chart: x per assessment, y the score 0–25."""
    width, height, pad = 320, 140, 24
    n = len(assessments)
    step = (width - 2 * pad) / max(n - 1, 1)

    def y(score):
        return round(height - pad - (score / 25) * (height - 2 * pad), 1)

    def points(attr):
        return " ".join(
            f"{round(pad + i * step, 1)},{y(getattr(a, attr))}" for i, a in enumerate(assessments)
        )

    return {
        "width": width, "height": height, "pad": pad,
        "bruto": points("inherent_score"), "netto": points("residual_score"),
        "dots": [(round(pad + i * step, 1), y(a.inherent_score), y(a.residual_score))
                 for i, a in enumerate(assessments)],
        "grid": [(s, y(s)) for s in (0, 5, 10, 15, 20, 25)],
    }  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@requires("risk.edit")
def new(slug: str):
    form = NewRiskForm()
    _risk_choices(form)
    if request.method == "GET":
        form.owner_id.data = current_user.id
        form.strategy.data = "verminderen"
    if form.validate_on_submit():
        with service_errors(form):
            risk = services.create_risk(g.partnership.id, form.data, current_user.id)
            flash(_("Risk %(ref)s has been added.", ref=risk.reference), "success")
            return redirect(url_for("risks.show", slug=slug, number=risk.number))
    return render_template("risks/form.html", form=form, risk=None), form_status()


@bp.route("/<int:number>/edit", methods=["GET", "POST"])
@requires("risk.edit")
def edit(slug: str, number: int):
    risk = _risk_or_404(number)
    form = RiskForm(obj=risk)
    _risk_choices(form)
    if request.method == "GET":
        form.bearers.data = [o.id for o in risk.bearers]
        form.principles.data = linked_principle_ids("risk", risk.id, "threatens")
    if form.validate_on_submit():
        ensure_current(
            risk, form,
            {"title": _("Title"), "description": _("Description"), "status": _("Status"),
             "review_on": _("Review date")},
        )  # fmt: skip
        with service_errors(form):
            services.update_risk(risk, form.data, current_user.id)
            flash(_("The risk has been saved."), "success")
            return redirect(url_for("risks.show", slug=slug, number=number))
    return render_template("risks/form.html", form=form, risk=risk), form_status()


@bp.route("/<int:number>/reassess", methods=["GET", "POST"])
@requires("risk.edit")
def reassess(slug: str, number: int):
    risk = _risk_or_404(number)
    form = ReassessForm(obj=risk)
    if request.method == "GET":
        form.residual_reason.data = risk.residual_reason
        for name in ("inherent_likelihood", "inherent_impact", "residual_likelihood",
                     "residual_impact"):  # fmt: skip
            form[name].data = str(getattr(risk, name))
    if form.validate_on_submit():
        ensure_current(risk, form, {"reason": _("Why the assessment changes")})
        with service_errors(form):
            services.reassess(
                risk, form.data, form.reason.data, current_user.id, form.next_review_on.data
            )
            flash(_("The new assessment has been recorded."), "success")
            return redirect(url_for("risks.show", slug=slug, number=number))
    return render_template(
        "risks/reassess.html", form=form, risk=risk, level_of=_level
    ), form_status()


def _action(number: int, action, message: str):
    risk = _risk_or_404(number)
    with service_errors():
        action(risk)
        flash(message, "success")
    return redirect(url_for("risks.show", slug=g.partnership.slug, number=number))


@bp.post("/<int:number>/archive")
@requires("risk.edit")
def archive(slug: str, number: int):
    return _action(number, lambda r: services.set_archived(r, True, current_user.id),
                   _("The risk has been archived. It can be restored."))  # fmt: skip


@bp.post("/<int:number>/restore")
@requires("risk.edit")
def restore(slug: str, number: int):
    return _action(number, lambda r: services.set_archived(r, False, current_user.id),
                   _("The risk has been restored."))  # fmt: skip


@bp.post("/<int:number>/comments")
@requires("risk.comment")
def comment(slug: str, number: int):
    risk = _risk_or_404(number)
    form = CommentForm()
    if form.validate_on_submit():
        with service_errors(form):
            services.add_comment(risk, current_user.id, form.body.data)
            flash(_("Your comment has been placed."), "success")
            return redirect(url_for("risks.show", slug=slug, number=number) + "#comments")
    return _show(risk, form, 422)


# --- measures ----------------------------------------------------------------------------


@bp.route("/<int:number>/measures/new", methods=["GET", "POST"])
@requires("risk.edit")
def new_measure(slug: str, number: int):
    risk = _risk_or_404(number)
    form = MeasureForm()
    _measure_choices(form)
    if form.validate_on_submit():
        with service_errors(form):
            services.add_measure(risk, form.data, current_user.id)
            flash(_("The measure has been added."), "success")
            return redirect(url_for("risks.show", slug=slug, number=number) + "#measures")
    return render_template(
        "risks/measure_form.html", form=form, risk=risk, measure=None
    ), form_status()


@bp.route("/<int:number>/measures/<int:measure_id>", methods=["GET", "POST"])
@requires("risk.edit")
def edit_measure(slug: str, number: int, measure_id: int):
    risk = _risk_or_404(number)
    measure = db.session.get(Measure, measure_id)
    if measure is None or measure.risk_id != risk.id:
        abort(404)
    form = MeasureForm(obj=measure)
    _measure_choices(form)
    if form.validate_on_submit():
        ensure_current(measure, form, {"description": _("Measure"), "status": _("Status")})
        with service_errors(form):
            services.update_measure(measure, form.data, current_user.id)
            flash(_("The measure has been saved."), "success")
            return redirect(url_for("risks.show", slug=slug, number=number) + "#measures")
    return render_template(
        "risks/measure_form.html", form=form, risk=risk, measure=measure
    ), form_status()


# --- settings ---------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@requires("risk.settings")
def settings(slug: str):
    medium, high, critical = services.thresholds(g.partnership.id)
    thresholds_form = ThresholdsForm(
        prefix="t", medium_from=medium, high_from=high, critical_from=critical
    )
    category_form = CategoryForm(prefix="c")
    if request.method == "POST":
        target = request.form.get("form")
        form = thresholds_form if target == "thresholds" else category_form
        if form.validate_on_submit():
            with service_errors(form):
                if target == "thresholds":
                    services.update_thresholds(
                        g.partnership.id, form.medium_from.data, form.high_from.data,
                        form.critical_from.data,
                    )  # fmt: skip
                else:
                    services.add_category(g.partnership.id, form.name.data)
                flash(_("The settings have been saved."), "success")
                return redirect(url_for("risks.settings", slug=slug))
    return render_template(
        "risks/settings.html", thresholds_form=thresholds_form, category_form=category_form,
        categories=services.categories_of(g.partnership.id, include_archived=True),
    ), form_status()  # fmt: skip


@bp.post("/settings/categories/<int:category_id>/<action>")
@requires("risk.settings")
def category_action(slug: str, category_id: int, action: str):
    category = db.session.get(RiskCategory, category_id)
    if (
        category is None
        or category.partnership_id != g.partnership.id
        or action not in ("archive", "restore")
    ):
        abort(404)
    services.set_category_active(category, action == "restore")
    flash(_("The settings have been saved."), "success")
    return redirect(url_for("risks.settings", slug=slug))
