"""Use cases of evaluation cycles: indicators, cycles and phases, measurements, the
summary of a period, submitting (freezing) and board decisions."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import aliased, joinedload, undefer

from app.activity.notifications import follow_automatically, followers, notify
from app.activity.services import record
from app.agreements import services as agreements
from app.agreements.models import ACTIVE, CONCEPT, ENDED, WORKABLE, Agreement, Revisit
from app.cycles.kept import kept_summary
from app.cycles.models import (
    ADOPTED,
    COMMISSIONER_KINDS,
    DECISIONS,
    HIGHER,
    LOWER,
    PHASES,
    PROPOSED,
    PROVIDER_KINDS,
    QUALITATIVE,
    QUANTITATIVE,
    RETIRED,
    VOTES,
    BoardDecision,
    Cycle,
    CycleProposal,
    Indicator,
    IndicatorApproval,
    Measurement,
    PhaseChange,
)
from app.errors import ServiceError
from app.extensions import db
from app.inputs import refuse_controls
from app.partnerships.models import Membership, Organisation, Participation
from app.partnerships.services import organisations_of
from app.registry import period_parts
from app.reviews.models import FINAL, Action, Lesson, Review, ReviewScore
from app.reviews.services import open_actions, principle_texts
from app.risks import services as risks
from app.risks.models import Risk, RiskAssessment
from app.tables.models import CLOSED, Conversation, Meeting, MeetingDecision, ThematicTable
from app.timeutil import LOCAL, today, utcnow
from app.urls import path_in

LIST_LIMIT = 10


# --- indicators ----------------------------------------------------------------------------


def indicators_of(partnership_id: int, statuses=(PROPOSED, ADOPTED)) -> list[Indicator]:
    return list(
        db.session.execute(
            select(Indicator)
            .options(joinedload(Indicator.owner_organisation))
            .where(Indicator.partnership_id == partnership_id, Indicator.status.in_(statuses))
            .order_by(Indicator.status.desc(), Indicator.name)
        ).scalars()
    )


def approvals_of(indicator_ids: list[int]) -> dict[int, list[IndicatorApproval]]:
    result: dict[int, list[IndicatorApproval]] = {i: [] for i in indicator_ids}
    if indicator_ids:
        for approval in db.session.execute(
            select(IndicatorApproval)
            .options(joinedload(IndicatorApproval.user), joinedload(IndicatorApproval.organisation))
            .where(IndicatorApproval.indicator_id.in_(indicator_ids))
        ).scalars():
            result[approval.indicator_id].append(approval)
    return result


def _check_indicator(partnership_id: int, data: dict) -> dict:
    name = (data.get("name") or "").strip()
    if not name or len(name) > 200:
        raise ServiceError(_l("Enter a name of at most 200 characters."), "name")
    direction = data.get("direction")
    if direction not in (HIGHER, LOWER):
        raise ServiceError(_l("Choose whether higher or lower is better."), "direction")
    kind = data.get("kind")
    if kind not in (QUANTITATIVE, QUALITATIVE):
        raise ServiceError(_l("Choose quantitative or qualitative."), "kind")
    target = data.get("target")
    if kind == QUANTITATIVE and target is not None and not isinstance(target, int | float):
        raise ServiceError(_l("Enter the target as a number."), "target")
    owner = data.get("owner_organisation_id")
    owner = int(owner) if owner not in (None, "", 0) else None
    if owner is not None and owner not in {o for o, _ in organisations_of(partnership_id)}:
        raise ServiceError(
            _l("Choose an organisation of this partnership."), "owner_organisation_id"
        )
    return {
        "name": name,
        "definition": (data.get("definition") or "").strip()[:5000],
        "unit": (data.get("unit") or "").strip()[:50],
        "source": (data.get("source") or "").strip()[:300],
        "direction": direction,
        "kind": kind,
        "target": float(target) if kind == QUANTITATIVE and target is not None else None,
        "target_text": (data.get("target_text") or "").strip()[:300],
        "owner_organisation_id": owner,
    }


def propose_indicator(membership: Membership, data: dict) -> Indicator:
    if membership.role != "programmamanager":
        raise ServiceError(_l("Only a programme manager can propose an indicator."))
    clean = _check_indicator(membership.partnership_id, data)
    indicator = Indicator(partnership_id=membership.partnership_id, proposed_by_id=membership.user_id,
                          **clean)  # fmt: skip
    db.session.add(indicator)
    db.session.flush()
    db.session.add(IndicatorApproval(indicator_id=indicator.id, user_id=membership.user_id,
                                     organisation_id=membership.organisation_id))  # fmt: skip
    record(
        "create", indicator, partnership_id=membership.partnership_id, actor_id=membership.user_id
    )
    db.session.commit()
    return indicator


def approve_indicator(indicator: Indicator, membership: Membership) -> bool:
    """A programme manager agrees; the indicator is adopted once programme managers of a
    municipality (or region) and of a provider (or consortium) have agreed. Returns
    whether it is adopted now."""
    if membership.role != "programmamanager":
        raise ServiceError(_l("Only a programme manager can agree to an indicator."))
    if indicator.status != PROPOSED:
        raise ServiceError(_l("Only a proposed indicator can be agreed to."))
    existing = approvals_of([indicator.id])[indicator.id]
    if any(a.user_id == membership.user_id for a in existing):
        raise ServiceError(_l("You have already agreed to this indicator."))
    db.session.add(IndicatorApproval(indicator_id=indicator.id, user_id=membership.user_id,
                                     organisation_id=membership.organisation_id))  # fmt: skip
    db.session.flush()
    kinds = set(
        db.session.execute(
            select(Organisation.kind)
            .join(IndicatorApproval, IndicatorApproval.organisation_id == Organisation.id)
            .where(IndicatorApproval.indicator_id == indicator.id)
        ).scalars()
    )
    adopted = bool(kinds & set(COMMISSIONER_KINDS)) and bool(kinds & set(PROVIDER_KINDS))
    if adopted:
        indicator.status = ADOPTED
    record("approve", indicator, partnership_id=indicator.partnership_id, actor_id=membership.user_id,
           changes={"status": [PROPOSED, indicator.status]})  # fmt: skip
    db.session.commit()
    return adopted


def update_indicator(indicator: Indicator, membership: Membership, data: dict) -> None:
    if indicator.status == RETIRED:
        raise ServiceError(_l("This indicator has been retired."))
    clean = _check_indicator(indicator.partnership_id, data)
    for name, value in clean.items():
        setattr(indicator, name, value)
    record(
        "update", indicator, partnership_id=indicator.partnership_id, actor_id=membership.user_id
    )
    db.session.commit()


def retire_indicator(indicator: Indicator, membership: Membership) -> None:
    if indicator.status == RETIRED:
        raise ServiceError(_l("This indicator has been retired already."))
    indicator.status = RETIRED
    record(
        "retire", indicator, partnership_id=indicator.partnership_id, actor_id=membership.user_id
    )
    db.session.commit()


# --- cycles ----------------------------------------------------------------------------------


def cycles_of(partnership_id: int, snapshots: bool = False) -> list[Cycle]:
    """The partnership's cycles, newest first; their frozen summaries only when asked."""
    query = select(Cycle).where(Cycle.partnership_id == partnership_id)
    if snapshots:
        query = query.options(undefer(Cycle.snapshot))
    return list(db.session.execute(query.order_by(Cycle.period_from.desc())).scalars())


@cache
def _page_statements() -> dict:
    """Built once, with bind parameters: every cycle page runs them, and building a
    statement (with its loader options) and its cache key costs more than running it."""
    cycle_id = bindparam("cycle_id")
    return {
        "cycle": select(Cycle)
        .where(
            Cycle.partnership_id == bindparam("partnership_id"),
            Cycle.number == bindparam("number"),
        )
        .options(undefer(Cycle.snapshot)),
        "phase_changes": select(PhaseChange)
        .options(joinedload(PhaseChange.user))
        .where(PhaseChange.cycle_id == cycle_id)
        .order_by(PhaseChange.at, PhaseChange.id),
        "proposals": select(CycleProposal)
        .where(CycleProposal.cycle_id == cycle_id)
        .order_by(CycleProposal.position),
        "decisions": select(BoardDecision)
        .options(joinedload(BoardDecision.organisation), joinedload(BoardDecision.user))
        .where(BoardDecision.cycle_id == cycle_id)
        .order_by(BoardDecision.at),
    }


def _of_cycle(name: str, cycle: Cycle) -> list:
    return list(db.session.execute(_page_statements()[name], {"cycle_id": cycle.id}).scalars())


def get_cycle(partnership_id: int, number: int) -> Cycle | None:
    """One cycle with its frozen summary (the cycle's pages read it)."""
    return db.session.execute(
        _page_statements()["cycle"], {"partnership_id": partnership_id, "number": number}
    ).scalar_one_or_none()


def running_cycle(partnership_id: int) -> Cycle | None:
    return db.session.execute(
        select(Cycle)
        .where(Cycle.partnership_id == partnership_id, Cycle.phase.in_(PHASES[:3]))
        .order_by(Cycle.period_from.desc())
        .limit(1)
    ).scalar_one_or_none()


def create_cycle(membership: Membership, title: str, period_from, period_to) -> Cycle:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ServiceError(_l("Enter a title of at most 200 characters."), "title")
    if not isinstance(period_from, date) or not isinstance(period_to, date):
        raise ServiceError(_l("Enter the period."), "period_from")
    if period_to <= period_from:
        raise ServiceError(_l("The period must end after it starts."), "period_to")
    pid = membership.partnership_id
    overlap = db.session.execute(
        select(Cycle.number).where(
            Cycle.partnership_id == pid, Cycle.period_from <= period_to, Cycle.period_to >= period_from
        )
    ).first()  # fmt: skip
    if overlap:
        raise ServiceError(
            _l(
                "This period overlaps cycle C-%(n)s. Cycles of a partnership do not overlap.",
                n=overlap[0],
            ),
            "period_from",
        )
    highest = db.session.execute(
        select(func.max(Cycle.number)).where(Cycle.partnership_id == pid)
    ).scalar_one()
    cycle = Cycle(partnership_id=pid, number=(highest or 0) + 1, title=title,
                  period_from=period_from, period_to=period_to)  # fmt: skip
    db.session.add(cycle)
    record("create", cycle, partnership_id=pid, actor_id=membership.user_id)
    follow_automatically([membership.user_id], pid, "cycle", cycle.id)
    db.session.commit()
    return cycle


def next_phase(cycle: Cycle, membership: Membership) -> str:
    """voorbereiden → monitoren → duiden; later phases follow from submitting and deciding."""
    index = PHASES.index(cycle.phase)
    if index >= 2:
        raise ServiceError(_l("From here the cycle moves on by submitting it to the boards."))
    new = PHASES[index + 1]
    db.session.add(PhaseChange(cycle_id=cycle.id, from_phase=cycle.phase, to_phase=new,
                               user_id=membership.user_id))  # fmt: skip
    record("phase", cycle, partnership_id=cycle.partnership_id, actor_id=membership.user_id,
           changes={"phase": [cycle.phase, new]})  # fmt: skip
    cycle.phase = new
    db.session.commit()
    return new


def phase_changes(cycle: Cycle) -> list[PhaseChange]:
    return _of_cycle("phase_changes", cycle)


def _require_open(cycle: Cycle) -> None:
    if cycle.snapshot is not None:
        raise ServiceError(_l("This cycle has been submitted to the boards and is frozen."))


def measurements_of(cycle: Cycle) -> dict[int, Measurement]:
    return {
        m.indicator_id: m
        for m in db.session.execute(
            select(Measurement).options(joinedload(Measurement.entered_by))
            .where(Measurement.cycle_id == cycle.id)
        ).scalars()
    }  # fmt: skip


def save_measurements(
    cycle: Cycle, membership: Membership, values: dict, commit: bool = True
) -> None:
    """values: {indicator id: (value, explanation)}; empty values are skipped."""
    _require_open(cycle)
    indicators = {i.id: i for i in indicators_of(cycle.partnership_id, (ADOPTED,))}
    existing = measurements_of(cycle)
    for indicator_id, (value, explanation) in values.items():
        indicator = indicators.get(indicator_id)
        if indicator is None:
            raise ServiceError(
                _l("Enter measurements only for the adopted indicators of this partnership.")
            )
        value = (value or "").strip() if isinstance(value, str) else value
        if value in ("", None):
            continue
        number, text = None, ""
        if indicator.kind == QUANTITATIVE:
            try:
                number = float(str(value).replace(",", "."))
            except ValueError:
                number = None
            # "nan" and "inf" parse as floats but are no measurement (nor valid JSON).
            if number is None or not math.isfinite(number):
                raise ServiceError(
                    _l("Enter a number for “%(name)s”.", name=indicator.name),
                    f"value_{indicator_id}",
                )
        else:
            text = refuse_controls(str(value)[:5000], f"value_{indicator_id}")
        explanation = refuse_controls(
            (explanation or "").strip()[:5000], f"explanation_{indicator_id}"
        )
        row = existing.get(indicator_id)
        if row is None:
            row = Measurement(cycle_id=cycle.id, indicator_id=indicator_id)
            db.session.add(row)
        row.value_number, row.value_text = number, text
        row.explanation = explanation
        row.entered_by_id = membership.user_id
        row.entered_at = utcnow()
    record("measurements", cycle, partnership_id=cycle.partnership_id, actor_id=membership.user_id,
           changes={"indicators": [None, sorted(values)]})  # fmt: skip
    if commit:
        db.session.commit()


def all_measurements(partnership_id: int):
    """(cycle, indicator, measurement) of every cycle of the partnership, for the export."""
    return db.session.execute(
        select(Cycle, Indicator, Measurement)
        .join(Measurement, Measurement.cycle_id == Cycle.id)
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .where(Cycle.partnership_id == partnership_id)
        .order_by(Cycle.number, Indicator.name)
    ).all()


def proposals_of(cycle: Cycle) -> list[CycleProposal]:
    return _of_cycle("proposals", cycle)


def save_interpretation(cycle: Cycle, membership: Membership, interpretation: str, dilemmas: str,
                        proposals: str) -> None:  # fmt: skip
    """The programme manager's duiding, dilemmas, and proposals (one per line)."""
    _require_open(cycle)
    cycle.interpretation = (interpretation or "").strip()[:50000]
    cycle.dilemmas = (dilemmas or "").strip()[:50000]
    lines = [line.strip(" -*\t") for line in (proposals or "").splitlines()]
    lines = [line for line in lines if line][:30]
    for old in proposals_of(cycle):
        db.session.delete(old)
    db.session.flush()
    for position, text in enumerate(lines, start=1):
        db.session.add(CycleProposal(cycle_id=cycle.id, position=position, text=text[:2000]))
    record("interpret", cycle, partnership_id=cycle.partnership_id, actor_id=membership.user_id,
           changes={"proposals": [None, len(lines)]})  # fmt: skip
    db.session.commit()


# --- the summary of a period ---------------------------------------------------------------------


def _window(cycle: Cycle) -> tuple[datetime, datetime]:
    """The period's first and last Dutch calendar day, as the naive UTC moments stored."""

    def utc(day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)

    return utc(cycle.period_from, time.min), utc(cycle.period_to, time.max)


def compose_summary(cycle: Cycle) -> dict:
    """Everything the period brought, as plain data (so it can be frozen); every part is a
    fixed number of queries with bounded lists, whatever the partnership's size."""
    pid = cycle.partnership_id
    start, end = _window(cycle)
    return {
        "agreements": _agreements_part(pid, cycle, start, end),
        "risks": _risks_part(pid, start, end),
        "reviews": _reviews_part(pid, cycle),
        "tables": _tables_part(pid, start, end),
        "indicators": _indicators_part(cycle),
        "actions": _actions_part(pid),
        "parts": _contributed_parts(pid, start, end),
    }


def _contributed_parts(pid: int, start: datetime, end: datetime) -> dict:
    """What other areas add to the summary (app.registry.period_parts: decisions taken by
    the organisations), as plain data frozen with the rest."""
    parts = {}
    for name, part in period_parts.items():
        data = part(pid, start, end)
        if data:
            parts[str(name)] = data
    return parts


def _agreement_rows(*conditions) -> list[dict]:
    return [
        {"number": a.number, "title": a.title}
        for a in db.session.execute(
            select(Agreement.number, Agreement.title)
            .where(*conditions)
            .order_by(Agreement.number)
            .limit(LIST_LIMIT)
        )
    ]


def _count(query) -> int:
    return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def _agreements_part(pid: int, cycle: Cycle, start: datetime, end: datetime) -> dict:
    period = (cycle.period_from, cycle.period_to)
    started = and_(Agreement.status != CONCEPT, Agreement.start_on.between(*period))
    ended = and_(Agreement.status == ENDED, Agreement.end_on.between(*period))
    overdue = and_(Agreement.status == ACTIVE, Agreement.kind == WORKABLE,
                   Agreement.revisit_on < min(cycle.period_to, today()))  # fmt: skip
    kept = (Agreement.partnership_id == pid, Agreement.archived_at.is_(None))
    # The three counts in one pass over the partnership's agreements.
    counts = db.session.execute(
        select(*(func.count(case((c, 1))) for c in (started, ended, overdue))).where(*kept)
    ).one()
    revisits = dict(
        db.session.execute(
            select(Revisit.decision, func.count(Revisit.id))
            .join(Agreement, Agreement.id == Revisit.agreement_id)
            .where(Agreement.partnership_id == pid, Revisit.decided_at.between(start, end))
            .group_by(Revisit.decision)
        ).all()
    )

    def part(count: int, condition) -> dict:
        return {"count": count, "items": _agreement_rows(*kept, condition)}

    return {
        "started": part(counts[0], started),
        "ended": part(counts[1], ended),
        "overdue": part(counts[2], overdue),
        "revisits": revisits,
    }


def _risks_part(pid: int, start: datetime, end: datetime) -> dict:
    new = select(Risk).where(Risk.partnership_id == pid, Risk.created_at.between(start, end))

    moved = _moved_risks(pid, start, end)
    top = db.session.execute(
        select(Risk).where(Risk.partnership_id == pid, Risk.archived_at.is_(None), Risk.status != "gesloten")
        .order_by(Risk.residual_score.desc(), Risk.number).limit(5)
    ).scalars()  # fmt: skip
    limits = risks.thresholds(pid)
    heat = risks.heat_map(pid, "netto")
    return {
        "new": {"count": _count(new), "items": [{"number": r.number, "title": r.title} for r in
                db.session.execute(new.order_by(Risk.number).limit(LIST_LIMIT)).scalars()]},
        "raised": moved[RAISED],
        "lowered": moved[LOWERED],
        "top": [{"number": r.number, "title": r.title, "score": r.residual_score,
                 "level": risks.level(r.residual_score, limits)} for r in top],
        "heat_map": [[heat.get((likelihood, impact), 0) for likelihood in range(1, 6)] for impact in range(5, 0, -1)],
        "levels": [[risks.level(likelihood * impact, limits) for likelihood in range(1, 6)] for impact in range(5, 0, -1)],
    }  # fmt: skip


RAISED, LOWERED = "raised", "lowered"


def _moved_risks(pid: int, start: datetime, end: datetime) -> dict[str, dict]:
    """The risks reassessed in the period whose netto score at its end is above (raised) or
    below (lowered) the score just before it: per direction the count and the first
    LIST_LIMIT by number. One statement, aggregated in the database; the rows it returns
    are bounded, whatever the number of risks and assessments."""
    ra = RiskAssessment
    last = (
        select(ra.risk_id,
               func.max(case((ra.assessed_at <= start, ra.id))).label("before"),
               func.max(ra.id).label("after"))
        # IN, not a join: the assessments are read in risk order, so no sort for the grouping.
        .where(ra.risk_id.in_(select(Risk.id).where(Risk.partnership_id == pid)),
               ra.assessed_at <= end)
        .group_by(ra.risk_id)
        .having(func.max(ra.assessed_at) > start)  # reassessed in the period
        .subquery()
    )  # fmt: skip
    after, before = aliased(ra), aliased(ra)
    score_after = after.residual_likelihood * after.residual_impact
    score_before = before.residual_likelihood * before.residual_impact
    moves = (
        select(last.c.risk_id,
               case((score_after > score_before, RAISED), else_=LOWERED).label("direction"))
        .join(after, after.id == last.c.after)
        .join(before, before.id == last.c.before)  # assessed before the period too
        .where(score_after != score_before)
        .subquery()
    )  # fmt: skip
    ranked = (
        select(moves.c.direction, Risk.number, Risk.title,
               func.count().over(partition_by=moves.c.direction).label("total"),
               func.row_number().over(partition_by=moves.c.direction,
                                      order_by=Risk.number).label("place"))
        .join(Risk, Risk.id == moves.c.risk_id)
        .subquery()
    )  # fmt: skip
    moved = {RAISED: {"count": 0, "items": []}, LOWERED: {"count": 0, "items": []}}
    for row in db.session.execute(
        select(ranked).where(ranked.c.place <= LIST_LIMIT).order_by(ranked.c.place)
    ):
        moved[row.direction]["count"] = row.total
        moved[row.direction]["items"].append({"number": row.number, "title": row.title})
    return moved


def _reviews_part(pid: int, cycle: Cycle) -> dict:
    held = select(Review).where(Review.partnership_id == pid, Review.status == FINAL,
                                Review.held_on.between(cycle.period_from, cycle.period_to))  # fmt: skip
    averages = dict(
        db.session.execute(
            select(ReviewScore.principle_id, func.avg(ReviewScore.score))
            .join(Review, Review.id == ReviewScore.review_id)
            .where(Review.id.in_(held.with_only_columns(Review.id)), ReviewScore.score.is_not(None))
            .group_by(ReviewScore.principle_id)
        ).all()
    )
    levels = dict(
        db.session.execute(
            select(Lesson.level, func.count(Lesson.id))
            .where(Lesson.review_id.in_(held.with_only_columns(Review.id)))
            .group_by(Lesson.level)
        ).all()
    )
    return {
        "held": _count(held),
        "scores": [{"title": t.title, "average": round(float(averages[t.principle_id]), 1)}
                   for t in principle_texts(pid) if t.principle_id in averages],
        "lessons": {str(level): levels.get(level, 0) for level in (1, 2, 3)},
    }  # fmt: skip


def _tables_part(pid: int, start: datetime, end: datetime) -> dict:
    conclusions = (
        select(Conversation.id, Conversation.table_id, Conversation.title, ThematicTable.name)
        .join(ThematicTable, ThematicTable.id == Conversation.table_id)
        .where(Conversation.partnership_id == pid, Conversation.status == CLOSED,
               Conversation.closed_at.between(start, end))
    )  # fmt: skip
    decisions = (
        select(MeetingDecision.text, Meeting.id, Meeting.table_id, ThematicTable.name)
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .join(ThematicTable, ThematicTable.id == Meeting.table_id)
        .where(Meeting.partnership_id == pid, Meeting.starts_at.between(start, end))
    )
    return {
        "conclusions": {"count": _count(conclusions), "items": [
            {"id": r[0], "table_id": r[1], "title": r[2], "table": r[3]}
            for r in db.session.execute(conclusions.limit(LIST_LIMIT))]},
        "decisions": {"count": _count(decisions), "items": [
            {"text": r[0], "meeting_id": r[1], "table_id": r[2], "table": r[3]}
            for r in db.session.execute(decisions.limit(LIST_LIMIT))]},
    }  # fmt: skip


def judge(indicator: dict, value) -> str | None:
    """good / bad against the target, with the indicator's direction; None without data."""
    if value is None or indicator.get("target") is None:
        return None
    if indicator["direction"] == HIGHER:
        return "good" if value >= indicator["target"] else "bad"
    return "good" if value <= indicator["target"] else "bad"


def trend(indicator: dict, value, previous) -> str | None:
    if value is None or previous is None or value == previous:
        return None if value is None or previous is None else "same"
    better = value > previous if indicator["direction"] == HIGHER else value < previous
    return "better" if better else "worse"


def _indicators_part(cycle: Cycle) -> list[dict]:
    """Each adopted indicator with this cycle's value, the target, the previous cycle's
    value and the history of all cycles up to this one (for the chart)."""
    indicators = indicators_of(cycle.partnership_id, (ADOPTED,))
    cycles = list(
        db.session.execute(
            select(Cycle.id, Cycle.number, Cycle.period_to)
            .where(Cycle.partnership_id == cycle.partnership_id, Cycle.period_to <= cycle.period_to)
            .order_by(Cycle.period_to)
        ).all()
    )
    previous_cycle = cycles[-2] if len(cycles) > 1 else None
    read = [c.id for c in cycles]
    # Rows, not entities: loading hundreds of Measurement objects cost more than the query.
    m = Measurement
    values = {
        (row.cycle_id, row.indicator_id): row
        for row in db.session.execute(
            select(m.cycle_id, m.indicator_id, m.value_number, m.value_text, m.explanation).where(
                m.cycle_id.in_(read)
            )
        )
    }
    result = []
    for ind in indicators:
        info = {"id": ind.id, "name": ind.name, "unit": ind.unit, "direction": ind.direction,
                "kind": ind.kind, "target": ind.target, "target_text": ind.target_text}  # fmt: skip
        current = values.get((cycle.id, ind.id))
        previous = values.get((previous_cycle.id, ind.id)) if previous_cycle else None
        info["value"] = current.value_number if current else None
        info["value_text"] = current.value_text if current else ""
        info["explanation"] = current.explanation if current else ""
        info["previous"] = previous.value_number if previous else None
        info["judgement"] = judge(info, info["value"])
        info["trend"] = trend(info, info["value"], info["previous"])
        info["history"] = [
            {"cycle": c.number, "value": values[(c.id, ind.id)].value_number}
            for c in cycles if (c.id, ind.id) in values and values[(c.id, ind.id)].value_number is not None
        ]  # fmt: skip
        result.append(info)
    return result


def _actions_part(pid: int) -> dict:
    query = open_actions(pid)
    return {
        "count": _count(query),
        "items": [{"title": a.title[:200], "owner": a.owner.name if a.owner else "",
                   "due": a.due_on.isoformat() if a.due_on else ""}
                  for a in db.session.execute(query.limit(LIST_LIMIT)).scalars()],
    }  # fmt: skip


def summary_for(cycle: Cycle, proposals: list[CycleProposal] | None = None) -> dict:
    """What the page shows: the frozen snapshot once submitted, else composed live (kept
    between views, app/cycles/kept.py; for reading only: a transaction that writes uses
    fresh_summary, as what it wrote is not committed yet). ``proposals``: proposals_of(cycle)
    when the caller read them already."""
    if cycle.snapshot is not None:
        return cycle.snapshot
    return live_summary(cycle, kept_summary(cycle, compose_summary), proposals)


def fresh_summary(cycle: Cycle) -> dict:
    """The live summary composed now, never a kept one: what submitting freezes."""
    return live_summary(cycle, compose_summary(cycle))


def live_summary(
    cycle: Cycle, composed: dict, proposals: list[CycleProposal] | None = None
) -> dict:
    """The composed summary with what the cycle itself holds (interpretation, dilemmas,
    proposals), read as it is now."""
    if proposals is None:
        proposals = proposals_of(cycle)
    return {
        **composed,
        "interpretation": cycle.interpretation,
        "dilemmas": cycle.dilemmas,
        "proposals": [{"id": p.id, "position": p.position, "text": p.text} for p in proposals],
    }


# --- submitting and deciding ------------------------------------------------------------------


def deciding_organisations(partnership_id: int) -> list[tuple[int, str]]:
    """The organisations that take part and have a bestuurder: they decide on a cycle."""
    return [
        (row.id, row.name)
        for row in db.session.execute(
            select(Organisation.id, Organisation.name)
            .join(Participation, Participation.organisation_id == Organisation.id)
            .where(
                Participation.partnership_id == partnership_id, Participation.active.is_(True),
                Organisation.id.in_(
                    select(Membership.organisation_id).where(
                        Membership.partnership_id == partnership_id,
                        Membership.role == "bestuurder", Membership.active.is_(True),
                    )
                ),
            )
            .order_by(Organisation.name)
        )
    ]  # fmt: skip


def _cycle_path(cycle: Cycle) -> str:
    return path_in(cycle.partnership_id, "cycles.show", number=cycle.number)


def submit(cycle: Cycle, membership: Membership) -> None:
    """Freeze the summary and put it before the boards."""
    _require_open(cycle)
    if cycle.phase != "duiden":
        raise ServiceError(_l("A cycle is submitted from the phase 'duiden'."))
    if not cycle.interpretation.strip():
        raise ServiceError(
            _l("Write the interpretation (duiding) before submitting."), "interpretation"
        )
    deciders = deciding_organisations(cycle.partnership_id)
    if not deciders:
        raise ServiceError(_l("No organisation of this partnership has a bestuurder to decide."))
    snapshot = fresh_summary(cycle)
    snapshot["deciders"] = [{"id": oid, "name": name} for oid, name in deciders]
    snapshot["frozen_at"] = utcnow().isoformat()
    cycle.snapshot = snapshot
    cycle.submitted_at = utcnow()
    cycle.submitted_by_id = membership.user_id
    db.session.add(PhaseChange(cycle_id=cycle.id, from_phase=cycle.phase, to_phase="besluitvorming",
                               user_id=membership.user_id))  # fmt: skip
    cycle.phase = "besluitvorming"
    record("submit", cycle, partnership_id=cycle.partnership_id, actor_id=membership.user_id,
           changes={"phase": ["duiden", "besluitvorming"]})  # fmt: skip
    board_members = db.session.execute(
        select(Membership.user_id).where(
            Membership.partnership_id == cycle.partnership_id, Membership.role == "bestuurder",
            Membership.active.is_(True), Membership.organisation_id.in_([oid for oid, _ in deciders]),
        )
    ).scalars()  # fmt: skip
    notify(board_members, partnership_id=cycle.partnership_id, kind="cycle_submitted",
           object_type="cycle", object_id=cycle.id, url=_cycle_path(cycle),
           params={"title": f"{cycle.reference} “{cycle.title}”"}, actor_id=membership.user_id)  # fmt: skip
    db.session.commit()


def decisions_of(cycle: Cycle) -> list[BoardDecision]:
    return _of_cycle("decisions", cycle)


def decide(cycle: Cycle, membership: Membership, decision: str, comment: str, reason: str,
           votes: dict[int, str]) -> BoardDecision:  # fmt: skip
    """A bestuurder records their organisation's decision; the cycle closes when every
    deciding organisation has decided."""
    if membership.role != "bestuurder":
        raise ServiceError(_l("Only a bestuurder decides on behalf of an organisation."))
    if cycle.phase != "besluitvorming" or cycle.snapshot is None:
        raise ServiceError(_l("This cycle is not waiting for board decisions."))
    deciders = {d["id"] for d in cycle.snapshot.get("deciders", [])}
    if membership.organisation_id not in deciders:
        raise ServiceError(
            _l("Your organisation is not one of the organisations that decide on this cycle.")
        )
    if db.session.execute(
        select(BoardDecision.id).where(BoardDecision.cycle_id == cycle.id,
                                       BoardDecision.organisation_id == membership.organisation_id)
    ).first():  # fmt: skip
        raise ServiceError(_l("Your organisation has already decided on this cycle."))
    if decision not in DECISIONS:
        raise ServiceError(_l("Choose a decision."), "decision")
    reason = (reason or "").strip()
    if decision == "niet_vastgesteld" and not reason:
        raise ServiceError(_l("Give the reason for not adopting."), "reason")
    proposal_ids = {p["id"] for p in cycle.snapshot.get("proposals", [])}
    clean_votes = {}
    for pid in proposal_ids:
        vote = votes.get(pid)
        if vote not in VOTES:
            raise ServiceError(_l("Vote on every proposal: akkoord or niet akkoord."), "votes")
        clean_votes[str(pid)] = vote
    row = BoardDecision(cycle_id=cycle.id, organisation_id=membership.organisation_id,
                        user_id=membership.user_id, decision=decision,
                        comment=(comment or "").strip()[:10000], reason=reason[:5000], votes=clean_votes)  # fmt: skip
    db.session.add(row)
    record("decide", row, partnership_id=cycle.partnership_id, actor_id=membership.user_id,
           changes={"decision": [None, decision]})  # fmt: skip
    managers = db.session.execute(
        select(Membership.user_id).where(
            Membership.partnership_id == cycle.partnership_id, Membership.active.is_(True),
            Membership.role.in_(("programmamanager", "bestuurder")),
        )
    ).scalars()  # fmt: skip
    organisation = db.session.get(Organisation, membership.organisation_id)
    notify([*followers("cycle", cycle.id), *managers], partnership_id=cycle.partnership_id,
           kind="board_decision", object_type="cycle", object_id=cycle.id, url=_cycle_path(cycle),
           params={"title": f"{cycle.reference} “{cycle.title}”", "organisation": organisation.name,
                   "decision": decision}, actor_id=membership.user_id)  # fmt: skip
    db.session.flush()
    decided = {d.organisation_id for d in decisions_of(cycle)}
    if deciders <= decided:
        db.session.add(PhaseChange(cycle_id=cycle.id, from_phase=cycle.phase, to_phase="afgerond",
                                   user_id=membership.user_id))  # fmt: skip
        cycle.phase = "afgerond"
        cycle.closed_at = utcnow()
        record("close", cycle, partnership_id=cycle.partnership_id, actor_id=membership.user_id,
               changes={"phase": ["besluitvorming", "afgerond"]})  # fmt: skip
    db.session.commit()
    return row


def proposal_results(cycle: Cycle, decisions: list[BoardDecision] | None = None) -> dict[int, dict]:
    """Per proposal: votes for and against; accepted when a majority of the deciding
    organisations voted akkoord. ``decisions``: decisions_of(cycle), when read already."""
    if decisions is None:
        decisions = decisions_of(cycle)
    deciders = len((cycle.snapshot or {}).get("deciders", [])) or 1
    results = {}
    for proposal in (cycle.snapshot or {}).get("proposals", []):
        key = str(proposal["id"])
        yes = sum(1 for d in decisions if d.votes.get(key) == "akkoord")
        no = sum(1 for d in decisions if d.votes.get(key) == "niet_akkoord")
        results[proposal["id"]] = {"yes": yes, "no": no, "accepted": yes * 2 > deciders}
    return results


def follow_up_proposal(cycle: Cycle, proposal: CycleProposal, membership: Membership, kind: str):
    """An accepted proposal becomes an action or a draft agreement (origin: this cycle)."""
    if cycle.phase != "afgerond":
        raise ServiceError(_l("Proposals are carried out once every organisation has decided."))
    if not proposal_results(cycle).get(proposal.id, {}).get("accepted"):
        raise ServiceError(_l("Only an accepted proposal can be carried out."))
    if proposal.action_id or proposal.agreement_id:
        raise ServiceError(_l("This proposal has been carried out already."))
    label = f"{cycle.reference} {cycle.title}"[:300]
    if kind == "action":
        action = Action(partnership_id=cycle.partnership_id, title=proposal.text,
                        owner_id=membership.user_id, due_on=today() + timedelta(days=90),
                        source_label=str(_l("Board decision on %(cycle)s", cycle=label))[:300])  # fmt: skip
        db.session.add(action)
        db.session.flush()
        proposal.action_id = action.id
        record("create", action, partnership_id=cycle.partnership_id, actor_id=membership.user_id)
        db.session.commit()
        return action
    if kind == "agreement":
        agreement = agreements.draft_from_origin(
            cycle.partnership_id, membership.user_id, proposal.text[:200], proposal.text[:500],
            "cycle", cycle.id, label, commit=False,
        )  # fmt: skip
        proposal.agreement_id = agreement.id
        record("follow_up", cycle, partnership_id=cycle.partnership_id, actor_id=membership.user_id,
               changes={"agreement_id": [None, agreement.id]})  # fmt: skip
        db.session.commit()
        return agreement
    raise ServiceError(_l("Choose an action or a draft agreement."))


# --- dashboard ------------------------------------------------------------------------------


def attention(membership: Membership) -> dict:
    pid = membership.partnership_id
    waiting = []
    if membership.role == "bestuurder":
        decided = select(BoardDecision.cycle_id).where(
            BoardDecision.organisation_id == membership.organisation_id
        )
        waiting = [
            c for c in db.session.execute(
                select(Cycle).where(Cycle.partnership_id == pid, Cycle.phase == "besluitvorming",
                                    Cycle.id.not_in(decided)).options(undefer(Cycle.snapshot))
            ).scalars()
            if membership.organisation_id in {d["id"] for d in (c.snapshot or {}).get("deciders", [])}
        ]  # fmt: skip
    running = running_cycle(pid)
    missing = []
    if running is not None and membership.role in ("programmamanager", "beheerder"):
        missing = list(
            db.session.execute(
                select(Indicator.name)
                .where(Indicator.partnership_id == pid, Indicator.status == ADOPTED,
                       Indicator.id.not_in(select(Measurement.indicator_id)
                                           .where(Measurement.cycle_id == running.id)))
                .order_by(Indicator.name)
            ).scalars()
        )  # fmt: skip
    last_with_values = db.session.execute(
        select(Cycle).where(Cycle.partnership_id == pid, Cycle.id.in_(select(Measurement.cycle_id)))
        .order_by(Cycle.period_to.desc()).limit(1)
    ).scalar_one_or_none()  # fmt: skip
    latest = _latest_values(last_with_values) if last_with_values is not None else []
    return {"waiting": waiting, "running": running, "missing": missing, "latest": latest,
            "latest_cycle": last_with_values}  # fmt: skip


def _latest_values(cycle: Cycle, limit: int = 6) -> list[dict]:
    """The first adopted indicators (by name) with a figure in the cycle: name, unit, value,
    target and judgement, read in one statement."""
    rows = db.session.execute(
        select(Indicator.name, Indicator.unit, Indicator.direction, Indicator.target,
               Measurement.value_number)
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(Measurement.cycle_id == cycle.id, Measurement.value_number.is_not(None),
               Indicator.partnership_id == cycle.partnership_id, Indicator.status == ADOPTED)
        .order_by(Indicator.name)
        .limit(limit)
    )  # fmt: skip
    latest = []
    for row in rows:
        info = {"name": row.name, "unit": row.unit, "direction": row.direction,
                "target": row.target, "value": row.value_number}  # fmt: skip
        info["judgement"] = judge(info, info["value"])
        latest.append(info)
    return latest
