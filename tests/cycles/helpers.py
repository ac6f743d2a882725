"""Helpers for the cycle tests: indicators and cycles made through the services, plain
state, URLs, pages and the PDF's text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from app.activity.models import AuditEvent
from app.agreements.models import Agreement
from app.cycles import services
from app.cycles.models import (
    BoardDecision,
    Cycle,
    CycleProposal,
    Indicator,
    IndicatorApproval,
    Measurement,
    PhaseChange,
)
from app.extensions import db
from app.partnerships.models import Membership
from app.reviews.models import Action
from tests.cycles.conftest import PROVIDER_BOARD, PROVIDER_MANAGER

# A half-year in the past, and the one before it.
PERIOD = (date(2024, 1, 1), date(2024, 6, 30))
PREVIOUS = (date(2023, 7, 1), date(2023, 12, 31))
NEXT = (date(2024, 7, 1), date(2024, 12, 31))

MANAGERS = ("beheerder", "programmamanager")
NOT_MANAGERS = ("bestuurder", "lezer", "teamlid", "partner")


def member(world, key: str) -> Membership:
    """The world's membership under this key, attached to the current session."""
    return db.session.get(Membership, world.memberships[key].id)


def indicator_fields(**over) -> dict:
    return {
        "name": "Wachttijd tot start hulp",
        "definition": "Mediaan aantal dagen tussen aanmelding en eerste hulpcontact.",
        "unit": "dagen",
        "source": "Registratie BSA",
        "direction": "lager",
        "kind": "kwantitatief",
        "target": 28,
        "target_text": "",
        "owner_organisation_id": None,
        **over,
    }


def propose(world, key: str = "programmamanager", **over) -> Indicator:
    return services.propose_indicator(member(world, key), indicator_fields(**over))


def adopt(world, **over) -> Indicator:
    """An indicator proposed by the municipality's and agreed by the provider's manager."""
    indicator = propose(world, **over)
    assert services.approve_indicator(indicator, member(world, PROVIDER_MANAGER))
    return indicator


def make_cycle(world, title: str = "Eerste halfjaar 2024", period=PERIOD,
               key: str = "programmamanager") -> Cycle:  # fmt: skip
    return services.create_cycle(member(world, key), title, *period)


def advance(world, cycle: Cycle, to: str = "duiden", key: str = "programmamanager") -> None:
    while cycle.phase != to:
        services.next_phase(cycle, member(world, key))


def interpret(world, cycle: Cycle, interpretation: str = "De wachttijd daalt.",
              dilemmas: str = "Budget of wachttijd.",
              proposals=("Maandelijks cijfers delen.", "Een aanpak voor thuiszitters."),
              key: str = "programmamanager") -> None:  # fmt: skip
    services.save_interpretation(
        cycle, member(world, key), interpretation, dilemmas, "\n".join(proposals)
    )


def ready(world, period=PERIOD, title: str = "Eerste halfjaar 2024", **interpretation) -> Cycle:
    """A cycle in phase duiden with an interpretation and (by default) two proposals."""
    cycle = make_cycle(world, title, period)
    advance(world, cycle)
    interpret(world, cycle, **interpretation)
    return cycle


def submitted(world, **ready_args) -> Cycle:
    cycle = ready(world, **ready_args)
    services.submit(cycle, member(world, "programmamanager"))
    return cycle


def decide(world, cycle: Cycle, key: str = "bestuurder", decision: str = "vastgesteld",
           votes="akkoord", comment: str = "", reason: str = "") -> BoardDecision:  # fmt: skip
    """Decide with the same vote on every proposal (or a list of votes in order)."""
    proposals = cycle.snapshot["proposals"]
    if isinstance(votes, str):
        votes = [votes] * len(proposals)
    return services.decide(
        cycle, member(world, key), decision, comment, reason,
        {p["id"]: v for p, v in zip(proposals, votes, strict=True)},
    )  # fmt: skip


def closed(world, votes=("akkoord", "akkoord"), other_votes=None, **ready_args) -> Cycle:
    """A submitted cycle both bestuurders decided on (so it is closed)."""
    cycle = submitted(world, **ready_args)
    decide(world, cycle, "bestuurder", votes=list(votes))
    decide(world, cycle, PROVIDER_BOARD, votes=list(other_votes or votes))
    return cycle


def reload(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def in_context(app, func, *args, **kwargs):
    """Run func in a request context of the app, the way a route calls a service."""
    with app.test_request_context():
        try:
            return func(*args, **kwargs)
        finally:
            db.session.remove()


def count(model, **by) -> int:
    return db.session.execute(select(func.count()).select_from(model).filter_by(**by)).scalar_one()


def state() -> dict:
    """Everything the cycles area (and what its follow-ups make) stores, as plain values."""

    def rows(model):
        return [
            {c.key: getattr(obj, c.key) for c in model.__table__.columns}
            for obj in db.session.execute(select(model).order_by(model.id)).scalars()
        ]

    db.session.expire_all()
    return {
        "indicators": rows(Indicator),
        "approvals": rows(IndicatorApproval),
        "cycles": rows(Cycle),
        "phases": rows(PhaseChange),
        "proposals": rows(CycleProposal),
        "measurements": rows(Measurement),
        "decisions": rows(BoardDecision),
        "agreements": count(Agreement),
        "actions": count(Action),
        "audit": count(AuditEvent),
    }


def state_of(app) -> dict:
    return in_context(app, state)


def audit(object_type: str, action: str, object_id: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(
        AuditEvent.object_type == object_type, AuditEvent.action == action
    )
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    return list(db.session.execute(query.order_by(AuditEvent.id)).scalars())


# --- pages ------------------------------------------------------------------------------------


def url(world, path: str = "") -> str:
    return f"/p/{world.slug}{path}"


def html(response) -> str:
    return response.get_data(as_text=True)


def text_of(page: str) -> str:
    """A page's visible text with single spaces (tags removed, entities resolved)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def section(page: str, anchor: str) -> str:
    """The text of the <section id=anchor> of a page."""
    match = re.search(rf'<section id="{anchor}"[^>]*>(.*?)</section>', page, re.S)
    assert match, f"no section {anchor!r} on the page"
    return text_of(match.group(1))


def logged_in(app, email: str):
    """A new client with its own session, signed in as email."""
    from tests.conftest import sign_in

    return sign_in(app.test_client(), email)


def alerts(page: str) -> list[str]:
    """The texts of the alerts on a page (flashed messages, form errors, notices)."""
    found = re.findall(r'<p class="utrecht-alert__message[^"]*">(.*?)</p>', page, re.S)
    return [text_of(part) for part in found]


def flashed(client, response) -> list[str]:
    """The alerts shown on the page a redirect leads to."""
    assert response.status_code == 302, html(response)[:500]
    return alerts(html(client.get(response.headers["Location"])))


def said(app, msgid: str, **variables) -> str:
    """A message as a Dutch page shows it, as text."""
    from tests.conftest import message

    return unescape(message(app, msgid, **variables))


def error_at(page: str, field_id: str) -> str:
    """The text of the error next to a form field ('' when there is none)."""
    from tests.conftest import field_error

    return unescape(field_error(page, field_id))


def pdf_text(data: bytes) -> str:
    """The text of a PDF, by poppler's pdftotext, with single spaces. Without pdftotext the
    test fails when CI is set and is skipped otherwise."""
    tool = shutil.which("pdftotext")
    if tool is None:
        reason = "pdftotext (poppler-utils) is not installed; the PDF's text cannot be read"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        result = subprocess.run(
            [tool, "-enc", "UTF-8", file.name, "-"], capture_output=True, check=True
        )
    text = unicodedata.normalize("NFKC", result.stdout.decode("utf-8"))
    return re.sub(r"\s+", " ", text).strip()


def dutch(msgid: str, **variables) -> str:
    """A service message as a Dutch user reads it (inside a request context)."""
    from flask_babel import force_locale, gettext

    with force_locale("nl"):
        return gettext(msgid, **variables)


def refusal(raised) -> str:
    """The message of a refused ServiceError (from pytest.raises), as text."""
    return str(raised.value.message)
