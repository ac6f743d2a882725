"""Review pages: list, record and edit, scores, lessons, privacy guard, finalise, overviews."""

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
from sqlalchemy import select

from app.agreements.models import Agreement, AgreementComment
from app.extensions import db
from app.forms import is_id, select_choices
from app.kept import kept_fragment
from app.partnerships.services import members_of
from app.policy import may_edit_review, may_read_case_details, may_see_review, requires
from app.reviews import privacy, services
from app.reviews.forms import (
    ACTION_STATUS_LABELS,
    AIM_LABELS,
    ARENA_LABELS,
    FOLLOW_UP_LABELS,
    KIND_LABELS,
    LEVEL_LABELS,
    ActionStatusForm,
    ConfirmHitForm,
    LessonForm,
    RetentionForm,
    ReviewForm,
)
from app.reviews.models import AIMS, Action, Lesson, Review
from app.tables import services as tables
from app.tables.models import Conversation
from app.views import (
    confirmation_page,
    confirmed,
    ensure_current,
    form_status,
    kept_results,
    kept_total_page,
    page_number,
    render,
    service_errors,
)

bp = Blueprint("reviews", __name__, url_prefix="/p/<slug>/reviews")

HIT_LABELS = {
    privacy.BSN: "BSN",
    privacy.DATE: "date",
    privacy.POSTCODE: "postcode",
    privacy.PHONE: "phone",
    privacy.EMAIL: "email",
    privacy.IBAN: "IBAN",
    privacy.NAME: "name",
}


HIT_LABELS = {
    privacy.BSN: _l("citizen service number (BSN)"),
    privacy.DATE: _l("date (possibly a birth date)"),
    privacy.POSTCODE: _l("postcode or address"),
    privacy.PHONE: _l("phone number"),
    privacy.EMAIL: _l("e-mail address"),
    privacy.IBAN: _l("bank account (IBAN)"),
    privacy.NAME: _l("name with a title"),
}


# The labels this area's templates show, translated into the page's language for every
# page (app.views.labels_context, through app.registry.page_labels).
PAGE_LABELS = {
    "review_kind_labels": KIND_LABELS,
    "aim_labels": AIM_LABELS,
    "lesson_level_labels": LEVEL_LABELS,
    "arena_labels": ARENA_LABELS,
    "follow_up_labels": FOLLOW_UP_LABELS,
    "action_status_labels": ACTION_STATUS_LABELS,
    "hit_labels": HIT_LABELS,
}


def _review_or_404(number: int) -> Review:
    review = services.get_review(g.partnership.id, number)
    if review is None or not may_see_review(g.membership, review.status, review.organisation_id):
        abort(404)
    return review


def _editable_or_403(review: Review) -> None:
    if not may_edit_review(g.membership, review.status, review.organisation_id):
        abort(403)


# --- list --------------------------------------------------------------------------------


@bp.get("/")
@requires("review.view")
def index(slug: str):
    kind = request.args.get("kind", "")
    status = request.args.get("status", "")
    level = request.args.get("level", "")
    page = kept_total_page(
        services.visible_reviews(g.membership, kind, status, int(level) if is_id(level) else None),
    )
    return render(
        "reviews/index.html", "reviews/_list.html", page=page,
        filters={"kind": kind, "status": status, "level": level},
    )  # fmt: skip


# --- record and edit -------------------------------------------------------------------------


def _review_data(form) -> dict:
    data = dict(form.data)
    return data


@bp.route("/new", methods=["GET", "POST"])
@requires("review.record")
def new(slug: str):
    form = ReviewForm()
    if request.method == "GET":
        form.kind.data = "casusbespreking"
        form.held_on.data = services.today()
    if form.validate_on_submit():
        with service_errors(form):
            review = services.create_review(g.membership, _review_data(form))
            flash(_("Review %(ref)s has been saved as a concept.", ref=review.reference), "success")
            return redirect(url_for("reviews.show", slug=slug, number=review.number))
    return render_template(
        "reviews/form.html", form=form, review=None, hits=_live_hits(form)
    ), form_status()  # fmt: skip


def _live_hits(form) -> list:
    """Hits in the submitted text, shown next to the form after a save without JavaScript."""
    if request.method != "POST":
        return []
    texts = {name: form[name].data for name in _FREE_TEXT if name in form}
    return privacy.scan_fields(texts)


_FREE_TEXT = ("title", "team", "participants", "case_description", "went_well", "could_be_better",
              *(f"aim_{a}" for a in AIMS))  # fmt: skip


@bp.get("/<int:number>")
@requires("review.view")
def show(slug: str, number: int):
    review = _review_or_404(number)
    lessons = services.lessons_of(review)
    scores = services.scores_of(review)
    texts = services.principle_texts(g.partnership.id)
    return render_template(
        "reviews/show.html",
        review=review,
        details=may_read_case_details(g.membership, review.organisation_id),
        editable=may_edit_review(g.membership, review.status, review.organisation_id),
        texts=texts,
        scores=scores,
        lessons=lessons,
        cited=services.lesson_principles([lesson.id for lesson in lessons]),
        principle_titles={t.principle_id: t.title for t in texts},
        outcomes=_outcomes(lessons),
        **_guard(review, scores=scores, lessons=lessons),
    )  # fmt: skip


def _guard(review, **read) -> dict:
    """The privacy guard's findings and the documents it cannot check, for the team that
    may still change the review (the documents' checks are remembered per file). read:
    the review's scores and lessons as the page read them."""
    if review.is_final or not may_edit_review(g.membership, review.status, review.organisation_id):
        return {"findings": [], "document_problems": []}
    guard = services.guard_documents(review)
    return {
        "findings": services.findings(review, guard, **read),
        "document_problems": [services.document_problem_message(p) for p in guard.problems],
    }


def _outcomes(lessons) -> dict[int, tuple[str, str]]:
    """Per lesson, the link to what its follow-up made."""
    result = {}
    for lesson in lessons:
        if lesson.action_id:
            result[lesson.id] = (
                _("Action"),
                url_for("reviews.actions", slug=g.partnership.slug) + f"#action-{lesson.action_id}",
            )
        elif lesson.agreement_comment_id:
            number = db.session.execute(
                select(Agreement.number).join(AgreementComment, AgreementComment.agreement_id == Agreement.id)
                .where(AgreementComment.id == lesson.agreement_comment_id)
            ).scalar_one()  # fmt: skip
            result[lesson.id] = (_("Proposal on WA-%(n)s", n=number),
                                 url_for("agreements.show", slug=g.partnership.slug, number=number) + "#timeline")  # fmt: skip
        elif lesson.change_proposal_id:
            result[lesson.id] = (_("Change proposal in the manifest"),
                                 url_for("manifest.proposal", slug=g.partnership.slug, proposal_id=lesson.change_proposal_id))  # fmt: skip
        elif lesson.conversation_id:
            table_id = db.session.get(Conversation, lesson.conversation_id).table_id
            result[lesson.id] = (_("Conversation at the table"),
                                 url_for("tables.conversation", slug=g.partnership.slug, table_id=table_id,
                                         conversation_id=lesson.conversation_id))  # fmt: skip
    return result


@bp.route("/<int:number>/edit", methods=["GET", "POST"])
@requires("review.record")
def edit(slug: str, number: int):
    review = _review_or_404(number)
    _editable_or_403(review)
    form = ReviewForm(obj=review)
    if request.method == "GET":
        for aim in AIMS:
            form[f"aim_{aim}"].data = (review.aims or {}).get(aim, "")
    if form.validate_on_submit():
        ensure_current(review, form, {"title": _("Title")})
        with service_errors(form):
            services.update_review(review, g.membership, _review_data(form))
            flash(_("The review has been saved."), "success")
            return redirect(url_for("reviews.show", slug=slug, number=number))
    return render_template(
        "reviews/form.html", form=form, review=review, hits=_live_hits(form),
        **_document_guard(review),
    ), form_status()  # fmt: skip


def _document_guard(review) -> dict:
    """The privacy guard's hits in the review's documents and the documents it cannot check,
    shown with the live check of the texts (each file's check is remembered)."""
    if review is None or not may_edit_review(g.membership, review.status, review.organisation_id):
        return {"document_hits": [], "document_problems": []}
    guard = services.guard_documents(review)
    return {
        "document_hits": [f for f in services.findings(review, guard) if f.document],
        "document_problems": [services.document_problem_message(p) for p in guard.problems],
    }


@bp.post("/privacy-check")
@requires("review.record")
def privacy_check(slug: str):
    """htmx, while typing: the hits in the free-text fields of the form, and while editing a
    review those in its documents."""
    texts = {name: request.form.get(name, "") for name in _FREE_TEXT}
    number = request.form.get("review_number", type=int)
    review = services.get_review(g.partnership.id, number) if number else None
    if review is not None and review.is_final:
        review = None
    return render_template(
        "reviews/_hits.html", hits=privacy.scan_fields(texts), **_document_guard(review)
    )


# --- scores and lessons ------------------------------------------------------------------------


@bp.route("/<int:number>/scores", methods=["GET", "POST"])
@requires("review.record")
def scores(slug: str, number: int):
    review = _review_or_404(number)
    _editable_or_403(review)
    texts = services.principle_texts(g.partnership.id)
    current = services.scores_of(review)
    values = {t.principle_id: (current[t.principle_id].score if t.principle_id in current else None,
                               current[t.principle_id].explanation if t.principle_id in current else "")
              for t in texts}  # fmt: skip
    if request.method == "POST":
        values = {
            t.principle_id: (request.form.get(f"score_{t.principle_id}", ""),
                             request.form.get(f"explanation_{t.principle_id}", ""))
            for t in texts
        }  # fmt: skip
    with service_errors(quiet=True) as outcome:
        if request.method == "POST":
            services.set_scores(review, g.membership, values)
            flash(_("The scores have been saved."), "success")
            return redirect(url_for("reviews.show", slug=slug, number=number) + "#scores")
    return render_template(
        "reviews/scores.html", review=review, texts=texts, values=values, error=outcome.error
    ), form_status()  # fmt: skip


def _lesson_form() -> LessonForm:
    form = LessonForm()
    pid = g.partnership.id
    texts = services.principle_texts(pid)
    form.principles.choices = select_choices(
        (t.principle_id, f"{t.position}. {t.title}") for t in texts
    )
    form.action_owner_id.choices = select_choices([("", _("(choose)"))] + members_of(pid))
    form.target_agreement_id.choices = select_choices(
        [("", _("(choose)"))]
        + [(a.id, f"{a.reference} {a.title}") for a in db.session.execute(
            select(Agreement).where(Agreement.partnership_id == pid, Agreement.archived_at.is_(None))
            .order_by(Agreement.number)).scalars()]
    )  # fmt: skip
    form.target_principle_id.choices = select_choices(
        [("", _("a new principle"))] + [(t.principle_id, f"{t.position}. {t.title}") for t in texts]
    )
    form.target_table_id.choices = select_choices(
        [("", _("(choose)"))]
        + [(row.table.id, row.table.name) for row in tables.tables_for(g.membership)
           if row.table.status == "actief"]
    )  # fmt: skip
    return form


@bp.route("/<int:number>/lessons/new", methods=["GET", "POST"])
@requires("review.record")
def new_lesson(slug: str, number: int):
    review = _review_or_404(number)
    _editable_or_403(review)
    form = _lesson_form()
    if form.validate_on_submit():
        with service_errors(form):
            services.add_lesson(review, g.membership, form.data)
            flash(_("The lesson has been added."), "success")
            return redirect(url_for("reviews.show", slug=slug, number=number) + "#lessons")
    return render_template("reviews/lesson_form.html", form=form, review=review), form_status()


@bp.route("/<int:number>/lessons/<int:lesson_id>/remove", methods=["GET", "POST"])
@requires("review.record")
def remove_lesson(slug: str, number: int, lesson_id: int):
    review = _review_or_404(number)
    _editable_or_403(review)
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.review_id != review.id:
        abort(404)
    if not confirmed():  # the page without JavaScript; the dialog posts confirmed=1
        return confirmation_page(
            _("Remove this lesson?"),
            _("The lesson is removed from %(ref)s with its follow-up and the principles it cites. This cannot be undone.", ref=review.reference),
            _("Remove this lesson"),
            url_for("reviews.show", slug=slug, number=number) + "#lessons",
        )  # fmt: skip
    with service_errors():
        services.remove_lesson(review, g.membership, lesson)
        flash(_("The lesson has been removed."), "success")
    return redirect(url_for("reviews.show", slug=slug, number=number) + "#lessons")


# --- finalise -----------------------------------------------------------------------------------


@bp.route("/<int:number>/finalise", methods=["GET", "POST"])
@requires("review.record")
def finalise(slug: str, number: int):
    review = _review_or_404(number)
    _editable_or_403(review)
    with service_errors(quiet=True) as outcome:
        # This page is the confirmation step: only its form (confirmed=1) finalises.
        if confirmed():  # CSRFProtect has checked the token
            services.finalise(review, g.membership)
            flash(_("Review %(ref)s has been finalised and shared with the partnership.",
                    ref=review.reference), "success")  # fmt: skip
            return redirect(url_for("reviews.show", slug=slug, number=number))
    guard = services.guard_documents(review)
    found = services.findings(review, guard)
    return render_template(
        "reviews/finalise.html", review=review, findings=found,
        document_problems=[services.document_problem_message(p) for p in guard.problems],
        error=outcome.message,
        blocked=any(f.hit.kind == privacy.BSN for f in found) or bool(guard.problems),
        open_count=sum(1 for f in found if not f.confirmed),
        field_label=_field_label,
    ), form_status() if outcome.refused else 200  # fmt: skip


def _field_label(name: str) -> str:
    labels = {
        "title": _("Title"), "team": _("Team"), "participants": _("Participants by role"),
        "case_description": _("Case description"), "went_well": _("What went well"),
        "could_be_better": _("What could be better"),
    }  # fmt: skip
    if name in labels:
        return labels[name]
    if name.startswith("aim_"):
        return str(AIM_LABELS.get(name[4:], name))
    if name.startswith("explanation_"):
        return _("Explanation of a score")
    if name.startswith("lesson_"):
        return _("A lesson")
    return name


@bp.post("/<int:number>/confirm")
@requires("review.record")
def confirm(slug: str, number: int):
    review = _review_or_404(number)
    _editable_or_403(review)
    form = ConfirmHitForm()
    if form.validate_on_submit():
        with service_errors():
            services.confirm_hit(
                review, g.membership, form.kind.data, form.fragment.data, form.reason.data
            )
            flash(_("The hit has been confirmed with your reason."), "success")
    else:
        flash(_("Give the reason why this is not personal data."), "error")
    return redirect(url_for("reviews.finalise", slug=slug, number=number))


# --- overviews, actions, settings ---------------------------------------------------------------


@bp.get("/overview")
@requires("review.view")
def overview(slug: str):
    pid = g.partnership.id

    def trends_html() -> str:
        periods, trend = services.score_trend(pid)
        return render_template(
            "reviews/_trends.html", periods=periods, trend=trend,
            charts=_charts(periods, trend), matrix=services.lessons_matrix(pid),
        )  # fmt: skip

    level = request.args.get("level", "")
    arena = request.args.get("arena", "")
    filters = {"level": level, "arena": arena}

    def shared() -> dict:
        lessons = services.shared_lessons(pid, int(level) if is_id(level) else None, arena)
        return {
            "lessons": kept_total_page(lessons, per_page=25),
            "actions": db.session.execute(services.open_actions(pid).limit(10)).scalars().all(),
        }

    # The same for every member (tallies, lessons and actions of the partnership): kept
    # until what they read changes (app/kept.py).
    return render_template(
        "reviews/overview.html", filters=filters,
        trends=kept_fragment(("review trends", pid, str(get_locale())), trends_html),
        shared=kept_results("reviews/_shared.html", shared, filters=filters),
    )  # fmt: skip


def _charts(periods, trend) -> dict[int, dict]:
    """Per principle, the points of a small line chart of the average score (1–5)."""
    width, height, pad = 240, 90, 14
    step = (width - 2 * pad) / max(len(periods) - 1, 1)

    def y(value):
        return round(height - pad - (value - 1) / 4 * (height - 2 * pad), 1)

    charts = {}
    for principle_id, _title, series in trend:
        dots = [
            (round(pad + i * step, 1), y(avg), avg) for i, (avg, _n) in enumerate(series) if avg
        ]
        charts[principle_id] = {
            "width": width, "height": height, "pad": pad,
            "points": " ".join(f"{x},{yy}" for x, yy, _ in dots), "dots": dots,
            "grid": [(v, y(v)) for v in (1, 3, 5)],
        }  # fmt: skip
    return charts


@bp.get("/actions")
@requires("review.view")
def actions(slug: str):
    mine = request.args.get("mine") == "1"
    page = db.paginate(
        services.open_actions(g.partnership.id, current_user.id if mine else None),
        page=page_number(), per_page=25, error_out=False,
    )  # fmt: skip
    return render_template("reviews/actions.html", page=page, mine=mine, form=ActionStatusForm())


@bp.post("/actions/<int:action_id>")
@requires("action.update")
def action_status(slug: str, action_id: int):
    action = db.session.get(Action, action_id)
    if action is None or action.partnership_id != g.partnership.id:
        abort(404)
    form = ActionStatusForm()
    if form.validate_on_submit():
        with service_errors():
            services.set_action_status(action, g.membership, form.status.data)
            flash(_("The action has been updated."), "success")
    return redirect(url_for("reviews.actions", slug=slug))


@bp.route("/settings", methods=["GET", "POST"])
@requires("review.settings")
def settings(slug: str):
    form = RetentionForm(retention_months=services.retention_months(g.partnership.id))
    if form.validate_on_submit():
        with service_errors(form):
            services.set_retention(g.partnership.id, form.retention_months.data, current_user.id)
            flash(_("The settings have been saved."), "success")
            return redirect(url_for("reviews.settings", slug=slug))
    return render_template("reviews/settings.html", form=form), form_status()
