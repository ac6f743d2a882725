"""An open cycle's summary, kept between views until data it is read from changes.

compose_summary() reads the period's agreements, risks, reviews, tables, indicators, open
actions and what other areas add (app.registry.period_parts): at scale tens of
milliseconds for every view of the cycle page. The summary is kept in cycle_summary with
the counter of app.kept as read before composing, and used while that counter is unchanged
and on the day it was composed (see app/kept.py for why this is right under concurrency).
"""

from __future__ import annotations

import logging
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError

from app.cycles.models import CycleSummary
from app.extensions import db
from app.kept import request_basis, upsert
from app.timeutil import today

log = logging.getLogger("samenspel.cycles")


@cache
def _kept_statement():
    """Built once: every page of an open cycle reads its kept summary."""
    return select(CycleSummary.basis, CycleSummary.composed_on, CycleSummary.summary).where(
        CycleSummary.cycle_id == bindparam("cycle_id")
    )


def kept_summary(cycle, compose) -> dict:
    """compose(cycle), or the summary kept for the cycle while nothing it reads changed."""
    day, counter = today(), request_basis()  # read with the session, see app/kept.py
    row = db.session.execute(_kept_statement(), {"cycle_id": cycle.id}).first()
    if row is not None and row.basis == counter and row.composed_on == day:
        return row.summary
    summary = compose(cycle)
    _keep(cycle.id, counter, day, summary)
    return summary


def _keep(cycle_id: int, counter: int, day, summary: dict) -> None:
    """Store the summary in a transaction of its own (the page's session stays as it is).
    Keeping is an optimisation: when it fails (the cycle was just removed, the database
    is busy) the page is shown all the same and the next view composes again."""
    values = {"cycle_id": cycle_id, "basis": counter, "composed_on": day, "summary": summary}
    changes = {k: v for k, v in values.items() if k != "cycle_id"}
    try:
        with db.engine.begin() as connection:
            connection.execute(upsert(CycleSummary, values, changes))
    except SQLAlchemyError as error:
        log.warning("cycle summary not kept", extra={"cycle_id": cycle_id, "error": str(error)})
