"""Use cases of the risk inventory: risks, reassessments, measures, heat map, settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.activity.notifications import comment_posted, follow_automatically
from app.activity.services import changed_fields, record
from app.agreements.models import Agreement
from app.errors import ServiceError
from app.extensions import db
from app.kept import kept_value
from app.manifest.links import linked_principle_ids, set_links
from app.manifest.models import PrincipleLink
from app.partnerships.models import Organisation
from app.partnerships.services import members_of, organisations_of
from app.risks.models import (
    DEFAULT_CATEGORIES,
    DEFAULT_THRESHOLDS,
    LEVELS,
    MEASURE_STATUSES,
    STATUSES,
    STRATEGIES,
    Measure,
    Risk,
    RiskAssessment,
    RiskBearer,
    RiskCategory,
    RiskComment,
    RiskSettings,
)
from app.timeutil import today, utcnow
from app.urls import path_in

LINK = ("risk", "threatens")
TEXT_LIMITS = {"title": 200, "description": 20000, "cause": 20000, "consequence": 20000}
OPEN_MEASURES = ("gepland", "in_uitvoering")


# --- settings and categories ------------------------------------------------------------


def thresholds(partnership_id: int) -> tuple[int, int, int]:
    """The scores from which a risk is midden, hoog and kritiek (kept until they change:
    every risk page and the dashboard read them)."""

    def make() -> tuple[int, int, int]:
        settings = db.session.get(RiskSettings, partnership_id)
        if settings is None:
            return DEFAULT_THRESHOLDS
        return settings.medium_from, settings.high_from, settings.critical_from

    return kept_value(("risk thresholds", partnership_id), make)


def level(score: int, limits: tuple[int, int, int]) -> str:
    """laag, midden, hoog or kritiek for a score (likelihood × impact)."""
    medium, high, critical = limits
    if score >= critical:
        return "kritiek"
    if score >= high:
        return "hoog"
    if score >= medium:
        return "midden"
    return "laag"


def level_range(name: str, limits: tuple[int, int, int]) -> tuple[int, int]:
    """The scores (lowest, highest) of a level."""
    medium, high, critical = limits
    return {
        "laag": (1, medium - 1),
        "midden": (medium, high - 1),
        "hoog": (high, critical - 1),
        "kritiek": (critical, 25),
    }[name]


def update_thresholds(partnership_id: int, medium: int, high: int, critical: int) -> None:
    values = (medium, high, critical)
    if not all(isinstance(v, int) for v in values) or not (1 < medium < high < critical <= 25):
        raise ServiceError(
            _l("The thresholds must rise: 1 < midden < hoog < kritiek ≤ 25."), "medium_from"
        )
    settings = db.session.get(RiskSettings, partnership_id)
    if settings is None:
        settings = RiskSettings(partnership_id=partnership_id)
        db.session.add(settings)
    settings.medium_from, settings.high_from, settings.critical_from = values
    record("update", settings, partnership_id=partnership_id,
           changes={"thresholds": [None, list(values)]})  # fmt: skip
    db.session.commit()


def categories_of(partnership_id: int, include_archived: bool = False) -> list[RiskCategory]:
    """The partnership's categories; the defaults are created the first time."""
    query = select(RiskCategory).where(RiskCategory.partnership_id == partnership_id)
    found = list(
        db.session.execute(query.order_by(RiskCategory.position, RiskCategory.name)).scalars()
    )
    if not found:
        try:
            for position, name in enumerate(DEFAULT_CATEGORIES):
                db.session.add(
                    RiskCategory(partnership_id=partnership_id, name=name, position=position)
                )
            db.session.commit()
        except IntegrityError:  # another request created them at the same moment
            db.session.rollback()
        found = list(db.session.execute(query.order_by(RiskCategory.position)).scalars())
    return found if include_archived else [c for c in found if c.active]


def category_choices(partnership_id: int) -> list[tuple[int, str]]:
    """(id, name) of the categories in use, for the list's filter (kept until they change:
    every visit of the list reads them)."""

    def make() -> tuple[tuple[int, str], ...]:
        return tuple((c.id, c.name) for c in categories_of(partnership_id))

    return list(kept_value(("risk categories", partnership_id), make))


def add_category(partnership_id: int, name: str) -> RiskCategory:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ServiceError(_l("Enter a name of at most 80 characters."), "name")
    existing = categories_of(partnership_id, include_archived=True)
    if any(c.name.lower() == name.lower() for c in existing):
        raise ServiceError(_l("This category exists already."), "name")
    category = RiskCategory(partnership_id=partnership_id, name=name, position=len(existing))
    db.session.add(category)
    record("create", category, partnership_id=partnership_id)
    db.session.commit()
    return category


def set_category_active(category: RiskCategory, active: bool) -> None:
    category.active = active
    record("update", category, partnership_id=category.partnership_id)
    db.session.commit()


# --- reading ---------------------------------------------------------------------------


@dataclass
class Filters:
    category: int | None = None
    level: str = ""
    status: str = ""
    bearer: str = ""  # an organisation id, or "gedeeld"
    owner: int | None = None
    overdue: bool = False
    basis: str = "netto"  # which assessment the level and cell filters use
    likelihood: int | None = None
    impact: int | None = None
    q: str = ""
    archived: bool = False
    sort: str = "score"

    @classmethod
    def from_args(cls, args) -> Filters:
        def number(name, low=None, high=None):
            value = args.get(name, "")
            if not _is_id(value):
                return None
            n = int(value)
            if low is not None and not low <= n <= high:
                return None
            return n

        bearer = args.get("bearer", "")
        return cls(
            category=number("category"),
            level=args.get("level", "") if args.get("level") in LEVELS else "",
            status=args.get("status", "") if args.get("status") in STATUSES else "",
            bearer=bearer if bearer == "gedeeld" or _is_id(bearer) else "",
            owner=number("owner"),
            overdue=args.get("overdue") == "1",
            basis="bruto" if args.get("basis") == "bruto" else "netto",
            likelihood=number("likelihood", 1, 5),
            impact=number("impact", 1, 5),
            q=args.get("q", "").strip()[:100],
            archived=args.get("archived") == "1",
            sort=args.get("sort")
            if args.get("sort") in ("score", "bruto", "review", "number", "title")
            else "score",
        )

    def as_args(self) -> dict:
        values = {
            "category": self.category, "level": self.level, "status": self.status,
            "bearer": self.bearer, "owner": self.owner, "overdue": "1" if self.overdue else "",
            "basis": self.basis if self.basis != "netto" else "", "likelihood": self.likelihood,
            "impact": self.impact, "q": self.q, "archived": "1" if self.archived else "",
            "sort": self.sort if self.sort != "score" else "",
        }  # fmt: skip
        return {k: v for k, v in values.items() if v}


def _is_id(value: str) -> bool:
    # ASCII digits only ("²".isdigit() is true, int("²") fails) and small enough for an
    # INTEGER column (a longer number overflows the database driver).
    return value.isascii() and value.isdigit() and len(value) <= 9


SORTS = {
    "score": (Risk.residual_score.desc(), Risk.inherent_score.desc(), Risk.number),
    "bruto": (Risk.inherent_score.desc(), Risk.residual_score.desc(), Risk.number),
    "review": (Risk.review_on.is_(None), Risk.review_on, Risk.number),
    "number": (Risk.number,),
    "title": (Risk.title, Risk.number),
}


def risks_query(partnership_id: int, filters: Filters, on: date | None = None):
    on = on or today()
    query = (
        select(Risk)
        .options(joinedload(Risk.owner), joinedload(Risk.category))
        .where(Risk.partnership_id == partnership_id)
        .where(Risk.archived_at.is_not(None) if filters.archived else Risk.archived_at.is_(None))
    )
    bruto = filters.basis == "bruto"
    score = Risk.inherent_score if bruto else Risk.residual_score
    if filters.category:
        query = query.where(Risk.category_id == filters.category)
    if filters.level:
        low, high = level_range(filters.level, thresholds(partnership_id))
        query = query.where(score.between(low, high))
    if filters.status:
        query = query.where(Risk.status == filters.status)
    if filters.bearer == "gedeeld":
        query = query.where(Risk.shared.is_(True))
    elif filters.bearer:
        query = query.where(
            Risk.id.in_(
                select(RiskBearer.risk_id).where(RiskBearer.organisation_id == int(filters.bearer))
            )
        )
    if filters.owner:
        query = query.where(Risk.owner_id == filters.owner)
    if filters.overdue:
        query = query.where(Risk.review_on < on, Risk.status != "gesloten")
    if filters.likelihood or filters.impact:
        # A heat-map cell: the map counts open risks only, so its list does too.
        query = query.where(Risk.status != "gesloten")
    if filters.likelihood:
        column = Risk.inherent_likelihood if bruto else Risk.residual_likelihood
        query = query.where(column == filters.likelihood)
    if filters.impact:
        column = Risk.inherent_impact if bruto else Risk.residual_impact
        query = query.where(column == filters.impact)
    if filters.q:
        like = f"%{filters.q.lower()}%"
        query = query.where(
            or_(func.lower(Risk.title).like(like), func.lower(Risk.description).like(like))
        )
    return query.order_by(*SORTS[filters.sort])


@cache
def _page_statements() -> dict:
    """Built once, with bind parameters: every risk page runs them, and building a
    statement (with its loader options) and its cache key costs more than running it."""
    risk_id = bindparam("risk_id")
    return {
        # The bearers are read when shown (a risk page keeps what it shows of them).
        "risk": select(Risk)
        .options(joinedload(Risk.owner), joinedload(Risk.category))
        .where(
            Risk.partnership_id == bindparam("partnership_id"), Risk.number == bindparam("number")
        ),
        # Oldest first, for the trend.
        "assessments": select(RiskAssessment)
        .options(joinedload(RiskAssessment.assessed_by))
        .where(RiskAssessment.risk_id == risk_id)
        .order_by(RiskAssessment.assessed_at, RiskAssessment.id),
        "measures": select(Measure)
        .options(joinedload(Measure.owner), joinedload(Measure.agreement))
        .where(Measure.risk_id == risk_id)
        .order_by(Measure.due_on.is_(None), Measure.due_on, Measure.id),
        "comments": select(RiskComment)
        .options(joinedload(RiskComment.author))
        .where(RiskComment.risk_id == risk_id)
        .order_by(RiskComment.created_at),
        "agreement_measures": select(Measure)
        .join(Risk, Risk.id == Measure.risk_id)
        .options(joinedload(Measure.risk))
        .where(Measure.agreement_id == bindparam("agreement_id"), Risk.archived_at.is_(None))
        .order_by(Measure.id),
    }


def get_risk(partnership_id: int, number: int) -> Risk | None:
    return db.session.execute(
        _page_statements()["risk"], {"partnership_id": partnership_id, "number": number}
    ).scalar_one_or_none()


def _of_risk(name: str, risk: Risk) -> list:
    return list(db.session.execute(_page_statements()[name], {"risk_id": risk.id}).scalars())


def assessments_of(risk: Risk) -> list[RiskAssessment]:
    """Oldest first, for the trend."""
    return _of_risk("assessments", risk)


def measures_of(risk: Risk) -> list[Measure]:
    return _of_risk("measures", risk)


def comments_of(risk: Risk) -> list[RiskComment]:
    return _of_risk("comments", risk)


def measures_for_agreement(agreement_id: int) -> list[Measure]:
    """Measures an agreement implements, with their risk (for the agreement's page)."""
    values = {"agreement_id": agreement_id}
    return list(db.session.execute(_page_statements()["agreement_measures"], values).scalars())


def heat_map(partnership_id: int, basis: str) -> dict[tuple[int, int], int]:
    """{(likelihood, impact): number of risks} for active, not archived risks; one query,
    kept until risks change (app/kept.py): at factor 10 it groups thousands of risks."""
    if basis == "bruto":
        likelihood, impact = Risk.inherent_likelihood, Risk.inherent_impact
    else:
        likelihood, impact = Risk.residual_likelihood, Risk.residual_impact

    def make() -> tuple[tuple[tuple[int, int], int], ...]:
        rows = db.session.execute(
            select(likelihood, impact, func.count(Risk.id))
            .where(
                Risk.partnership_id == partnership_id,
                Risk.archived_at.is_(None),
                Risk.status != "gesloten",
            )
            .group_by(likelihood, impact)
        )
        return tuple(((r[0], r[1]), r[2]) for r in rows)

    return dict(kept_value(("heat map", partnership_id, basis == "bruto"), make))


# --- writing ---------------------------------------------------------------------------


def _figure(data: dict, name: str) -> int:
    value = data.get(name)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 5:
        raise ServiceError(_l("Choose a value from 1 to 5."), name)
    return number


def _figures(data: dict) -> dict:
    figures = {
        name: _figure(data, name)
        for name in ("inherent_likelihood", "inherent_impact", "residual_likelihood",
                     "residual_impact")
    }  # fmt: skip
    bruto = figures["inherent_likelihood"] * figures["inherent_impact"]
    netto = figures["residual_likelihood"] * figures["residual_impact"]
    reason = (data.get("residual_reason") or "").strip()
    if netto > bruto and not reason:
        raise ServiceError(
            _l("The netto score (%(netto)s) is higher than the bruto score (%(bruto)s). "
               "Explain why, or lower it.", netto=netto, bruto=bruto),
            "residual_reason",
        )  # fmt: skip
    figures["residual_reason"] = reason[:5000] if netto > bruto else ""
    return figures


def _check(partnership_id: int, data: dict, creating: bool) -> dict:
    clean = {name: (data.get(name) or "").strip() for name in TEXT_LIMITS}
    if not clean["title"]:
        raise ServiceError(_l("Enter a title."), "title")
    for name, limit in TEXT_LIMITS.items():
        if len(clean[name]) > limit:
            raise ServiceError(_l("Use at most %(n)s characters.", n=limit), name)
    categories = {c.id for c in categories_of(partnership_id)}
    try:
        category_id = int(data.get("category_id"))
    except (TypeError, ValueError):
        category_id = None
    if category_id not in categories:
        raise ServiceError(_l("Choose a category."), "category_id")
    if data.get("strategy") not in STRATEGIES:
        raise ServiceError(_l("Choose a strategy."), "strategy")
    status = data.get("status") or "open"
    if status not in STATUSES:
        raise ServiceError(_l("Choose a status."), "status")
    bearers = {int(b) for b in data.get("bearers") or []}
    shared = bool(data.get("shared"))
    if not bearers and not shared:
        raise ServiceError(_l("Choose the bearing organisations, or 'gedeeld'."), "bearers")
    if not bearers <= {oid for oid, _ in organisations_of(partnership_id)}:
        raise ServiceError(
            _l("Choose organisations that take part in this partnership."), "bearers"
        )
    owner_id = data.get("owner_id")
    owner_id = int(owner_id) if owner_id not in (None, "", 0) else None
    if owner_id is not None and owner_id not in {uid for uid, _ in members_of(partnership_id)}:
        raise ServiceError(_l("Choose an owner who is a member of this partnership."), "owner_id")
    review_on = data.get("review_on")
    if review_on is not None and not isinstance(review_on, date):
        raise ServiceError(_l("Enter a valid date."), "review_on")
    if creating and review_on is not None and review_on < today():
        raise ServiceError(_l("The review date cannot lie in the past."), "review_on")
    clean.update(
        category_id=category_id, strategy=data["strategy"], status=status,
        bearers=sorted(bearers), shared=shared, owner_id=owner_id, review_on=review_on,
        principles=[int(p) for p in data.get("principles") or []],
    )  # fmt: skip
    return clean


def _apply(risk: Risk, clean: dict) -> None:
    for name in ("title", "description", "cause", "consequence", "category_id", "strategy",
                 "status", "shared", "owner_id", "review_on"):  # fmt: skip
        setattr(risk, name, clean[name])
    risk.bearers = list(
        db.session.execute(
            select(Organisation).where(Organisation.id.in_(clean["bearers"]))
        ).scalars()
    )


def _set_figures(risk: Risk, figures: dict) -> None:
    for name in ("inherent_likelihood", "inherent_impact", "residual_likelihood",
                 "residual_impact", "residual_reason"):  # fmt: skip
        setattr(risk, name, figures[name])
    risk.inherent_score = risk.inherent_likelihood * risk.inherent_impact
    risk.residual_score = risk.residual_likelihood * risk.residual_impact


def check_risk(partnership_id: int, data: dict, creating: bool) -> tuple[dict, dict]:
    """The rules of create and update and of the figures, for an import's preview."""
    return _check(partnership_id, data, creating), _figures(data)


def create_risk(
    partnership_id: int, data: dict, user_id: int | None, commit: bool = True,
    number: int | None = None,
) -> Risk:  # fmt: skip
    """A new risk (an import may name its number)."""
    clean = _check(partnership_id, data, creating=True)
    figures = _figures(data)
    highest = db.session.execute(
        select(func.max(Risk.number)).where(Risk.partnership_id == partnership_id)
    ).scalar_one()
    risk = Risk(partnership_id=partnership_id, number=number or (highest or 0) + 1)
    _apply(risk, clean)
    _set_figures(risk, figures)
    db.session.add(risk)
    db.session.flush()
    set_links(partnership_id, LINK[0], risk.id, LINK[1], clean["principles"])
    record("create", risk, partnership_id=partnership_id, actor_id=user_id)
    follow_automatically([user_id, risk.owner_id], partnership_id, "risk", risk.id)
    db.session.add(
        RiskAssessment(
            risk_id=risk.id,
            reason=str(data.get("assessment_reason") or _l("First assessment")),
            assessed_by_id=user_id,
            **{
                k: figures[k]
                for k in (
                    "inherent_likelihood",
                    "inherent_impact",
                    "residual_likelihood",
                    "residual_impact",
                )
            },
        )  # fmt: skip
    )
    if commit:
        db.session.commit()
    return risk


def _require_open(risk: Risk) -> None:
    if risk.archived_at is not None:
        raise ServiceError(_l("This risk is archived. Restore it first."))


def update_risk(risk: Risk, data: dict, user_id: int, commit: bool = True) -> None:
    """Change the description, category, bearers, owner, strategy, status or review date.

    The figures change only through reassess(), which keeps the history.
    """
    _require_open(risk)
    clean = _check(risk.partnership_id, data, creating=False)
    before = {"bearers": [o.id for o in risk.bearers], "shared": risk.shared,
              "principles": sorted(linked_principle_ids(*LINK[:1], risk.id, LINK[1]))}  # fmt: skip

    # No autoflush: the queries in _apply and set_links would flush the new values and so
    # clear the history changed_fields() reads, leaving the audit event without them.
    with db.session.no_autoflush:
        _apply(risk, clean)
        set_links(risk.partnership_id, LINK[0], risk.id, LINK[1], clean["principles"])
        risk.updated_at = utcnow()
        changes = {
            k: v for k, v in {
                "bearers": [before["bearers"], clean["bearers"]],
                "principles": [before["principles"], sorted(clean["principles"])],
            }.items() if v[0] != v[1]
        }  # fmt: skip
        changes.update(changed_fields(risk))
    changes.pop("updated_at", None)
    record("update", risk, partnership_id=risk.partnership_id, actor_id=user_id, changes=changes)
    follow_automatically([risk.owner_id], risk.partnership_id, "risk", risk.id)
    if commit:
        db.session.commit()


def reassess(
    risk: Risk,
    data: dict,
    reason: str,
    user_id: int,
    next_review_on: date | None = None,
    commit: bool = True,
) -> RiskAssessment:
    """New bruto and netto figures (or the same ones, confirmed at a review); the
    previous ones stay in the trend. Optionally sets the next review date."""
    _require_open(risk)
    figures = _figures(data)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Explain why the assessment changes."), "reason")
    if next_review_on is not None:
        if not isinstance(next_review_on, date):
            raise ServiceError(_l("Enter a valid date."), "next_review_on")
        if next_review_on < today():
            raise ServiceError(_l("The review date cannot lie in the past."), "next_review_on")
        risk.review_on = next_review_on
    _set_figures(risk, figures)
    risk.updated_at = utcnow()
    assessment = RiskAssessment(
        risk_id=risk.id, reason=reason[:5000], assessed_by_id=user_id,
        **{k: figures[k] for k in ("inherent_likelihood", "inherent_impact",
                                   "residual_likelihood", "residual_impact")},
    )  # fmt: skip
    db.session.add(assessment)
    record("reassess", risk, partnership_id=risk.partnership_id, actor_id=user_id)
    if commit:
        db.session.commit()
    return assessment


def set_archived(risk: Risk, archived: bool, user_id: int) -> None:
    if archived == (risk.archived_at is not None):
        raise ServiceError(
            _l("This risk is already archived.") if archived else _l("This risk is not archived.")
        )
    risk.archived_at = utcnow() if archived else None
    record("archive" if archived else "restore", risk, partnership_id=risk.partnership_id,
           actor_id=user_id)  # fmt: skip
    db.session.commit()


def add_comment(risk: Risk, author_id: int, body: str) -> RiskComment:
    body = (body or "").strip()
    if not body:
        raise ServiceError(_l("Write a comment."), "body")
    if len(body) > 10000:
        raise ServiceError(_l("Use at most %(n)s characters.", n=10000), "body")
    comment = RiskComment(risk_id=risk.id, author_id=author_id, body=body)
    db.session.add(comment)
    record("create", comment, partnership_id=risk.partnership_id, actor_id=author_id)
    comment_posted(
        object_type="risk", object_id=risk.id, partnership_id=risk.partnership_id,
        author_id=author_id, title=f"{risk.reference} “{risk.title}”",
        url=path_in(risk.partnership_id, "risks.show", number=risk.number),
    )  # fmt: skip
    db.session.commit()
    return comment


# --- measures -----------------------------------------------------------------------------


def _check_measure(partnership_id: int, data: dict) -> dict:
    description = (data.get("description") or "").strip()
    if not description:
        raise ServiceError(_l("Describe the measure."), "description")
    if len(description) > 5000:
        raise ServiceError(_l("Use at most %(n)s characters.", n=5000), "description")
    owner_id = data.get("owner_id")
    owner_id = int(owner_id) if owner_id not in (None, "", 0) else None
    if owner_id is not None and owner_id not in {uid for uid, _ in members_of(partnership_id)}:
        raise ServiceError(_l("Choose an owner who is a member of this partnership."), "owner_id")
    status = data.get("status") or "gepland"
    if status not in MEASURE_STATUSES:
        raise ServiceError(_l("Choose a status."), "status")
    due_on = data.get("due_on")
    if due_on is not None and not isinstance(due_on, date):
        raise ServiceError(_l("Enter a valid date."), "due_on")
    agreement_id = data.get("agreement_id")
    agreement_id = int(agreement_id) if agreement_id not in (None, "", 0) else None
    if agreement_id is not None:
        agreement = db.session.get(Agreement, agreement_id)
        if agreement is None or agreement.partnership_id != partnership_id:
            raise ServiceError(_l("Choose an agreement of this partnership."), "agreement_id")
    return {"description": description, "owner_id": owner_id, "status": status,
            "due_on": due_on, "agreement_id": agreement_id}  # fmt: skip


def add_measure(risk: Risk, data: dict, user_id: int | None, commit: bool = True) -> Measure:
    _require_open(risk)
    clean = _check_measure(risk.partnership_id, data)
    measure = Measure(partnership_id=risk.partnership_id, risk_id=risk.id, **clean)
    db.session.add(measure)
    risk.updated_at = utcnow()
    record("create", measure, partnership_id=risk.partnership_id, actor_id=user_id)
    if commit:
        db.session.commit()
    return measure


def update_measure(measure: Measure, data: dict, user_id: int) -> None:
    _require_open(measure.risk)
    clean = _check_measure(measure.partnership_id, data)
    for name, value in clean.items():
        setattr(measure, name, value)
    record("update", measure, partnership_id=measure.partnership_id, actor_id=user_id)
    db.session.commit()


def agreement_choices(partnership_id: int) -> list[tuple[int, str]]:
    return [
        (row.id, f"WA-{row.number} {row.title}")
        for row in db.session.execute(
            select(Agreement.id, Agreement.number, Agreement.title)
            .where(Agreement.partnership_id == partnership_id, Agreement.archived_at.is_(None))
            .order_by(Agreement.number)
        )
    ]


# --- dashboard -----------------------------------------------------------------------------


def attention(partnership_id: int, user_id: int, limit: int = 5) -> dict:
    on = today()
    limits = thresholds(partnership_id)
    high_query = risks_query(partnership_id, Filters()).where(
        Risk.residual_score >= limits[1], Risk.status != "gesloten"
    )
    overdue_query = risks_query(partnership_id, Filters(overdue=True, sort="review"))
    measures_query = (
        select(Measure)
        .options(joinedload(Measure.risk))
        .join(Risk)
        .where(
            Measure.partnership_id == partnership_id,
            Measure.owner_id == user_id,
            Measure.status.in_(OPEN_MEASURES),
            Risk.archived_at.is_(None),
        )
        .order_by(Measure.due_on.is_(None), Measure.due_on)
    )

    def count(query):
        return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()

    return {
        "high_total": count(high_query),
        "high": list(db.session.execute(high_query.limit(limit)).scalars()),
        "overdue_total": count(overdue_query),
        "overdue": list(db.session.execute(overdue_query.limit(limit)).scalars()),
        "measures_total": count(measures_query),
        "measures": list(db.session.execute(measures_query.limit(limit)).scalars()),
        "today": on,
    }


__all__ = ["PrincipleLink"]
