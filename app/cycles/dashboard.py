"""The cycles' dashboard contributions: the panel (decisions waiting, missing
measurements, latest values) and the indicators against their targets as sparklines in the
"at a glance" row."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.cycles import services
from app.cycles.models import ADOPTED, HIGHER, QUANTITATIVE, Cycle, Indicator, Measurement
from app.extensions import db
from app.policy import role_may

# At most this many indicators in the row (the others behind a link) and this many of the
# most recent cycles with measurements per sparkline.
GLANCE_INDICATORS = 6
GLANCE_CYCLES = 6
# The sparkline's drawing box (SVG user units).
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 32, 4
MOVEMENT_LABELS = {
    "first": _l("first measurement"),
    "reached": _l("target reached"),
    "toward": _l("toward target"),
    "away": _l("away from target"),
    "same": _l("unchanged"),
    "better": _l("better"),
    "worse": _l("worse"),
}
ARROWS = {"up": "↑", "down": "↓", "flat": "→", "none": ""}
ARROW_LABELS = {"up": _l("rising"), "down": _l("falling"), "flat": _l("steady"), "none": ""}


def cycles_attention(partnership, membership):
    figures = services.attention(membership)
    if not (figures["waiting"] or figures["missing"] or figures["latest"]):
        return None
    return {"title": _l("Evaluation cycles"), "template": "cycles/_panel.html", **figures}


def number(value: float) -> str:
    """A figure as the reader writes it ("7,6" in Dutch), without needless decimals."""
    return format_decimal(value, format="#,##0.##")


def movement(direction: str, target: float | None, last: float, previous: float | None) -> str:
    """How the latest value moved since the one before, judged against the target:
    "first" (one value only), "reached" (on or past the target), "toward", "away", "same"
    (not reached, unchanged); without a target "better", "worse" or "same"."""
    if previous is None:
        return "first"
    info = {"direction": direction, "target": target}
    if target is not None and services.judge(info, last) == "good":
        return "reached"
    change = services.trend(info, last, previous)
    if target is None:
        return change
    return {"better": "toward", "worse": "away"}.get(change, "same")


def arrow(last: float, previous: float | None) -> str:
    """Which way the value went since the cycle before ("none" for a first value)."""
    if previous is None:
        return "none"
    return "flat" if last == previous else "up" if last > previous else "down"


def sparkline(values: list[float | None], target: float | None) -> dict:
    """Coordinates of one sparkline: a point per cycle (None where it was not measured),
    scaled so the target line fits too."""
    known = [v for v in values if v is not None]
    scale = known + ([target] if target is not None else [])
    low, high = min(scale), max(scale)
    span = (high - low) or 1
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(values) - 1, 1)

    def y(v: float) -> float:
        inner = SPARK_HEIGHT - 2 * SPARK_PAD
        # a flat line without a target in the middle, otherwise higher values higher up
        offset = inner / 2 if high == low else (v - low) / span * inner
        return round(SPARK_HEIGHT - SPARK_PAD - offset, 1)

    dots = [(round(SPARK_PAD + i * step, 1), y(v)) for i, v in enumerate(values) if v is not None]
    return {
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
        "points": " ".join(f"{x},{yy}" for x, yy in dots),
        "last": dots[-1],
        "target_y": y(target) if target is not None else None,
        "pad": SPARK_PAD,
    }


def indicators_glance(partnership, membership):
    """Each adopted quantitative indicator (the first GLANCE_INDICATORS in the order they were
    proposed) with its values over the most recent cycles, its target and where it is
    heading: two statements whatever the number of indicators, cycles and measurements."""
    if not role_may(membership.role, "cycle.view"):
        return None
    pid = partnership.id
    rows = db.session.execute(
        select(Indicator, func.count().over())
        .where(
            Indicator.partnership_id == pid,
            Indicator.status == ADOPTED,
            Indicator.kind == QUANTITATIVE,
        )
        .order_by(Indicator.id)
        .limit(GLANCE_INDICATORS)
    ).all()
    result = {
        "template": "cycles/_glance.html",
        "wide": True,
        "url": url_for("cycles.indicators", slug=partnership.slug),
        "total": rows[0][1] if rows else 0,
        "indicators": [],
        "cycle": None,
    }
    if not rows:
        return result
    indicators = [indicator for indicator, _ in rows]
    recent = (
        select(Cycle.id)
        .where(Cycle.partnership_id == pid, Cycle.id.in_(select(Measurement.cycle_id)))
        .order_by(Cycle.period_to.desc())
        .limit(GLANCE_CYCLES)
    )
    measured = db.session.execute(
        select(Cycle.id, Cycle.number, Measurement.indicator_id, Measurement.value_number)
        .join(Measurement, Measurement.cycle_id == Cycle.id)
        .where(
            Cycle.id.in_(recent),
            Measurement.indicator_id.in_([i.id for i in indicators]),
            Measurement.value_number.is_not(None),
        )
        .order_by(Cycle.period_to, Cycle.id)
    ).all()
    cycles = list(dict.fromkeys(row.number for row in measured))
    values = {(row.number, row.indicator_id): row.value_number for row in measured}
    if cycles:
        result["cycle"] = cycles[-1]
        result["cycle_url"] = url_for("cycles.show", slug=partnership.slug, number=cycles[-1])
    for ind in indicators:
        series = [values.get((number_, ind.id)) for number_ in cycles]
        history = [(c, v) for c, v in zip(cycles, series, strict=True) if v is not None]
        item = {
            "id": ind.id,
            "name": ind.name,
            "unit": ind.unit,
            "target": number(ind.target) if ind.target is not None else None,
            "higher": ind.direction == HIGHER,
            "history": [(c, number(v)) for c, v in history],
            "spark": None,
        }
        if history:
            last_cycle, last = history[-1]
            previous = history[-2][1] if len(history) > 1 else None
            item["last"] = number(last)
            item["last_cycle"] = last_cycle
            item["arrow"] = arrow(last, previous)
            item["movement"] = movement(ind.direction, ind.target, last, previous)
            item["movement_label"] = MOVEMENT_LABELS[item["movement"]]
            item["arrow_sign"] = ARROWS[item["arrow"]]
            item["arrow_label"] = ARROW_LABELS[item["arrow"]]
            item["spark"] = sparkline(series, ind.target)
            item["url"] = (
                url_for("cycles.show", slug=partnership.slug, number=last_cycle)
                + f"#indicator-{ind.id}"
            )
        else:
            item["url"] = result["url"]
        result["indicators"].append(item)
    return result
