"""Cycle and indicator pages: indicators, cycles, measurements, duiding, board decisions, PDF."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.agreements.models import Agreement
from app.cycles import services
from app.cycles.forms import (
    DECISION_LABELS,
    DIRECTION_LABELS,
    KIND_LABELS,
    PHASE_LABELS,
    STATUS_LABELS,
    VOTE_LABELS,
    CycleForm,
    DecisionForm,
    IndicatorForm,
    InterpretationForm,
)
from app.cycles.models import PHASES, RETIRED, CycleProposal, Indicator
from app.exports.pdf import pdf_response, static_uri
from app.exports.tables import csv_response, xlsx_response
from app.extensions import db
from app.forms import is_id, select_choices
from app.kept import kept_fragment
from app.partnerships.services import organisations_of
from app.policy import can, requires
from app.views import confirmation_page, confirmed, form_status, service_errors

bp = Blueprint("cycles", __name__, url_prefix="/p/<slug>")


# The labels this area's templates show, translated into the page's language for every
# page (app.views.labels_context, through app.registry.page_labels).
PAGE_LABELS = {
    "indicator_direction_labels": DIRECTION_LABELS,
    "indicator_kind_labels": KIND_LABELS,
    "indicator_status_labels": STATUS_LABELS,
    "phase_labels": PHASE_LABELS,
    "board_decision_labels": DECISION_LABELS,
    "vote_labels": VOTE_LABELS,
}


# --- indicators -------------------------------------------------------------------------------


@bp.get("/indicators/")
@requires("cycle.view")
def indicators(slug: str):
    items = services.indicators_of(g.partnership.id, ("voorgesteld", "vastgesteld", "vervallen"))
    return render_template(
        "cycles/indicators.html", indicators=items,
        approvals=services.approvals_of([i.id for i in items]),
    )  # fmt: skip


def _indicator_form(obj=None):
    form = IndicatorForm(obj=obj)
    form.owner_organisation_id.choices = select_choices(
        [("", _("(none)"))] + organisations_of(g.partnership.id)
    )
    return form


@bp.route("/indicators/new", methods=["GET", "POST"])
@requires("indicator.propose")
def new_indicator(slug: str):
    form = _indicator_form()
    if form.validate_on_submit():
        with service_errors(form):
            services.propose_indicator(g.membership, form.data)
            flash(_("The indicator has been proposed. A programme manager of the other side agrees to adopt it."),
                  "success")  # fmt: skip
            return redirect(url_for("cycles.indicators", slug=slug))
    return render_template("cycles/indicator_form.html", form=form, indicator=None), form_status()


def _indicator_or_404(indicator_id: int) -> Indicator:
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None or indicator.partnership_id != g.partnership.id:
        abort(404)
    return indicator


@bp.route("/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@requires("indicator.propose")
def edit_indicator(slug: str, indicator_id: int):
    indicator = _indicator_or_404(indicator_id)
    form = _indicator_form(indicator)
    if form.validate_on_submit():
        with service_errors(form):
            services.update_indicator(indicator, g.membership, form.data)
            flash(_("The indicator has been saved."), "success")
            return redirect(url_for("cycles.indicators", slug=slug))
    return render_template(
        "cycles/indicator_form.html", form=form, indicator=indicator
    ), form_status()


@bp.post("/indicators/<int:indicator_id>/approve")
@requires("indicator.propose")
def approve_indicator(slug: str, indicator_id: int):
    indicator = _indicator_or_404(indicator_id)
    with service_errors():
        adopted = services.approve_indicator(indicator, g.membership)
        flash(
            _("The indicator has been adopted.")
            if adopted
            else _("Your agreement has been recorded."),
            "success",
        )
    return redirect(url_for("cycles.indicators", slug=slug))


@bp.route("/indicators/<int:indicator_id>/retire", methods=["GET", "POST"])
@requires("indicator.propose")
def retire_indicator(slug: str, indicator_id: int):
    indicator = _indicator_or_404(indicator_id)
    back = url_for("cycles.indicators", slug=slug)
    if indicator.status == RETIRED:
        flash(_("This indicator has been retired already."), "error")
        return redirect(back)
    if not confirmed():  # the page without JavaScript; the dialog posts confirmed=1
        return confirmation_page(
            _("Retire %(name)s?", name=indicator.name),
            _("%(name)s is no longer measured in new cycles; earlier measurements stay. A retired indicator cannot be taken into use again. This cannot be undone.", name=indicator.name),
            _("Retire"),
            back,
        )  # fmt: skip
    with service_errors():
        services.retire_indicator(indicator, g.membership)
        flash(_("The indicator has been retired."), "success")
    return redirect(url_for("cycles.indicators", slug=slug))


# --- cycles --------------------------------------------------------------------------------------


@bp.get("/cycles/")
@requires("cycle.view")
def index(slug: str):
    return render_template("cycles/index.html", cycles=services.cycles_of(g.partnership.id))


@bp.route("/cycles/new", methods=["GET", "POST"])
@requires("cycle.manage")
def new(slug: str):
    form = CycleForm()
    if form.validate_on_submit():
        with service_errors(form):
            cycle = services.create_cycle(
                g.membership, form.title.data, form.period_from.data, form.period_to.data
            )
            flash(_("Cycle %(ref)s has been created.", ref=cycle.reference), "success")
            return redirect(url_for("cycles.show", slug=slug, number=cycle.number))
    return render_template("cycles/form.html", form=form), form_status()


def _cycle_or_404(number: int):
    cycle = services.get_cycle(g.partnership.id, number)
    if cycle is None:
        abort(404)
    return cycle


@bp.get("/cycles/<int:number>")
@requires("cycle.view")
def show(slug: str, number: int):
    cycle = _cycle_or_404(number)
    return _show(cycle)


def _show(cycle, decision_form=None, status: int = 200):
    proposals = services.proposals_of(cycle)
    summary = services.summary_for(cycle, proposals)

    def summary_html() -> str:
        charts = _charts(summary.get("indicators", []))
        return render_template("cycles/_summary.html", summary=summary, charts=charts, pdf=False)

    # The same for every reader (the summary, its charts and links): kept (app/kept.py).
    key = ("cycle summary", cycle.id, str(get_locale()))
    decisions = services.decisions_of(cycle)
    decided = {d.organisation_id for d in decisions}
    deciders = (cycle.snapshot or {}).get("deciders", [])
    may_decide = (
        can("cycle.decide") and cycle.phase == "besluitvorming"
        and g.membership.organisation_id in {d["id"] for d in deciders}
        and g.membership.organisation_id not in decided
    )  # fmt: skip
    return render_template(
        "cycles/show.html", cycle=cycle, summary=summary, decisions=decisions, deciders=deciders,
        decided=decided, may_decide=may_decide, decision_form=decision_form or DecisionForm(),
        results=services.proposal_results(cycle, decisions) if cycle.snapshot else {},
        proposals={p.id: p for p in proposals},
        changes=services.phase_changes(cycle), summary_html=kept_fragment(key, summary_html),
    ), status  # fmt: skip


def _charts(indicators) -> dict[int, dict]:
    """Small line charts of each indicator's values over the cycles, with the target."""
    width, height, pad = 220, 80, 12
    charts = {}
    for ind in indicators:
        history = ind.get("history") or []
        values = [h["value"] for h in history]
        if ind.get("target") is not None:
            values.append(ind["target"])
        if not history:
            continue
        low, high = min(values), max(values)
        span = (high - low) or 1
        step = (width - 2 * pad) / max(len(history) - 1, 1)

        def y(v, low=low, span=span):
            return round(height - pad - (v - low) / span * (height - 2 * pad), 1)

        dots = [(round(pad + i * step, 1), y(h["value"])) for i, h in enumerate(history)]
        charts[ind["id"]] = {
            "width": width, "height": height, "points": " ".join(f"{x},{yy}" for x, yy in dots),
            "dots": dots, "target_y": y(ind["target"]) if ind.get("target") is not None else None,
            "pad": pad,
        }  # fmt: skip
    return charts


@bp.route("/cycles/<int:number>/next-phase", methods=["GET", "POST"])
@requires("cycle.manage")
def next_phase(slug: str, number: int):
    cycle = _cycle_or_404(number)
    back = url_for("cycles.show", slug=slug, number=number)
    if cycle.phase not in PHASES[:2]:
        flash(_("From here the cycle moves on by submitting it to the boards."), "error")
        return redirect(back)
    if not confirmed():  # the page without JavaScript; the dialog posts confirmed=1
        following = PHASES[PHASES.index(cycle.phase) + 1]
        return confirmation_page(
            _("To the next phase?"),
            _("%(ref)s moves from the phase “%(current)s” to “%(following)s”. A cycle never goes back to an earlier phase. This cannot be undone.", ref=cycle.reference, current=PHASE_LABELS[cycle.phase], following=PHASE_LABELS[following]),
            _("To the next phase"),
            back,
        )  # fmt: skip
    with service_errors():
        phase = services.next_phase(cycle, g.membership)
        flash(_("The cycle is now in the phase “%(phase)s”.", phase=PHASE_LABELS[phase]), "success")
    return redirect(url_for("cycles.show", slug=slug, number=number))


@bp.route("/cycles/<int:number>/measurements", methods=["GET", "POST"])
@requires("cycle.manage")
def measurements(slug: str, number: int):
    cycle = _cycle_or_404(number)
    indicators = services.indicators_of(g.partnership.id, ("vastgesteld",))
    current = services.measurements_of(cycle)
    values = {
        i.id: ((current[i.id].value_text or _number(current[i.id].value_number)) if i.id in current else "",
               current[i.id].explanation if i.id in current else "")
        for i in indicators
    }  # fmt: skip
    with service_errors(quiet=True) as outcome:
        if request.method == "POST":
            values = {
                int(key.removeprefix("value_")): (request.form.get(key, ""),
                                                  request.form.get(f"explanation_{key.removeprefix('value_')}", ""))
                for key in request.form if key.startswith("value_") and is_id(key.removeprefix("value_"))
            }  # fmt: skip
            services.save_measurements(cycle, g.membership, values)
            flash(_("The measurements have been saved."), "success")
            return redirect(url_for("cycles.show", slug=slug, number=number) + "#indicators")
    return render_template(
        "cycles/measurements.html", cycle=cycle, indicators=indicators, values=values,
        error=outcome.error,
    ), form_status()  # fmt: skip


def _number(value) -> str:
    if value is None:
        return ""
    return f"{value:g}"


MEASUREMENT_HEADER = (_l("Cycle"), _l("Indicator"), _l("Value"), _l("Explanation"))


def _measurement_rows():
    for cycle, indicator, m in services.all_measurements(g.partnership.id):
        value = m.value_text if indicator.kind == "kwalitatief" else m.value_number
        yield (cycle.reference, indicator.name, value, m.explanation)


@bp.get("/cycles/measurements.csv")
@requires("cycle.view")
def measurements_csv(slug: str):
    return csv_response(f"metingen-{slug}.csv", MEASUREMENT_HEADER, _measurement_rows())


@bp.get("/cycles/measurements.xlsx")
@requires("cycle.view")
def measurements_xlsx(slug: str):
    return xlsx_response(
        f"metingen-{slug}.xlsx", _("Measurements"), MEASUREMENT_HEADER, _measurement_rows()
    )


@bp.route("/cycles/<int:number>/interpretation", methods=["GET", "POST"])
@requires("cycle.manage")
def interpretation(slug: str, number: int):
    cycle = _cycle_or_404(number)
    form = InterpretationForm(
        interpretation=cycle.interpretation, dilemmas=cycle.dilemmas,
        proposals="\n".join(p.text for p in services.proposals_of(cycle)),
    )  # fmt: skip
    if form.validate_on_submit():
        with service_errors(form):
            services.save_interpretation(cycle, g.membership, form.interpretation.data, form.dilemmas.data,
                                         form.proposals.data)  # fmt: skip
            flash(_("The interpretation has been saved."), "success")
            return redirect(url_for("cycles.show", slug=slug, number=number) + "#interpretation")
    return render_template("cycles/interpretation.html", form=form, cycle=cycle), form_status()


@bp.route("/cycles/<int:number>/submit", methods=["GET", "POST"])
@requires("cycle.manage")
def submit(slug: str, number: int):
    cycle = _cycle_or_404(number)
    back = url_for("cycles.show", slug=slug, number=number)
    if cycle.snapshot or cycle.phase != "duiden":
        flash(_("A cycle is submitted from the phase 'duiden'."), "error")
        return redirect(back)
    if not confirmed():  # the page without JavaScript; the dialog posts confirmed=1
        return confirmation_page(
            _("Freeze and submit to the boards?"),
            _("The summary of %(ref)s is frozen as it is now and every bestuurder is asked to decide. Measurements and the interpretation can no longer be changed. This cannot be undone.", ref=cycle.reference),
            _("Freeze and submit to the boards"),
            back,
        )  # fmt: skip
    with service_errors():
        services.submit(cycle, g.membership)
        flash(_("The summary has been frozen and submitted to the boards."), "success")
    return redirect(url_for("cycles.show", slug=slug, number=number))


@bp.post("/cycles/<int:number>/decide")
@requires("cycle.decide")
def decide(slug: str, number: int):
    cycle = _cycle_or_404(number)
    form = DecisionForm()
    if form.validate_on_submit():
        votes = {}
        for key, value in request.form.items():
            if key.startswith("vote_") and is_id(key.removeprefix("vote_")):
                votes[int(key.removeprefix("vote_"))] = value
        with service_errors(form):
            services.decide(
                cycle, g.membership, form.decision.data, form.comment.data, form.reason.data, votes
            )
            flash(_("The decision of %(organisation)s has been recorded.",
                    organisation=g.membership.organisation.name), "success")  # fmt: skip
            return redirect(url_for("cycles.show", slug=slug, number=number) + "#decisions")
    return _show(cycle, form, 422)


@bp.post("/cycles/<int:number>/proposals/<int:proposal_id>/<kind>")
@requires("cycle.manage")
def follow_up(slug: str, number: int, proposal_id: int, kind: str):
    cycle = _cycle_or_404(number)
    proposal = db.session.get(CycleProposal, proposal_id)
    if proposal is None or proposal.cycle_id != cycle.id or kind not in ("action", "agreement"):
        abort(404)
    with service_errors():
        made = services.follow_up_proposal(cycle, proposal, g.membership, kind)
        if kind == "agreement":
            flash(
                _("Draft agreement %(ref)s has been made from the proposal.", ref=made.reference),
                "success",
            )
            return redirect(url_for("agreements.show", slug=slug, number=made.number))
        flash(_("An action has been made from the proposal."), "success")
        return redirect(url_for("cycles.show", slug=slug, number=number) + "#proposals")
    return redirect(url_for("cycles.show", slug=slug, number=number) + "#proposals")


@bp.get("/cycles/<int:number>/pdf")
@requires("cycle.view")
def pdf(slug: str, number: int):
    cycle = _cycle_or_404(number)
    if cycle.snapshot is None:
        abort(404)
    html = render_template(
        "cycles/pdf.html", cycle=cycle, summary=cycle.snapshot, decisions=services.decisions_of(cycle),
        results=services.proposal_results(cycle), static_uri=static_uri(),
    )  # fmt: skip
    return pdf_response(html, f"bestuurlijke-rapportage-{slug}-{cycle.reference}.pdf")


@bp.app_template_filter("agreement_number")
def agreement_number(agreement_id: int) -> int:
    agreement = db.session.get(Agreement, agreement_id)
    return agreement.number if agreement else 0
