"""Helpers for the history, activity and calendar tests: one object of every kind made
through the services, audit events in bulk, and reading the event tables of a page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape

from flask import url_for
from sqlalchemy import insert

from app.activity.models import AuditEvent
from app.cycles import services as cycles
from app.decisions import services as decisions
from app.extensions import db
from app.manifest import services as manifest
from app.risks import services as risks
from app.timeutil import utcnow
from tests.agreements.helpers import make as make_agreement
from tests.reviews.helpers import adopt_manifest, finalise, make_review, member
from tests.risks.helpers import fields as risk_fields
from tests.tables.helpers import local_now, make_table, plan, start

KINDS = ("agreement", "risk", "principle", "proposal", "table", "conversation", "meeting",
         "review", "cycle", "indicator", "decision")  # fmt: skip
# The kinds whose own page links to their history.
LINKED_KINDS = tuple(kind for kind in KINDS if kind != "indicator")


@dataclass
class Objects:
    """One object of every kind in a world: kind -> id, and kind -> the object's page."""

    ids: dict[str, int] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def make_everything(app, world, *, table_members=("teamlid", "partner")) -> Objects:
    """An agreement, a risk with a measure, an adopted principle, a change proposal, a
    table (chair: bestuurder) with a conversation and a meeting, a finalised review of
    the provider (recorded by the teamlid), a cycle, an indicator and a decision proposal."""
    made = Objects()
    slug = world.slug
    with app.test_request_context():
        principles = adopt_manifest(world)
        principle_id = principles["Samen"]
        made.ids["principle"] = principle_id
        made.pages["principle"] = url_for(
            "manifest.principle", slug=slug, principle_id=principle_id
        )
        made.labels["principle"] = "Samen"

        proposal = manifest.propose_change(
            world.partnership.id, world.users["teamlid"].id, principle_id,
            {"title": "Samen en gelijk", "core_sentence": "Wij werken samen als gelijken.",
             "explanation": "", "practice": ""},
            "Gelijkwaardigheid ontbreekt.",
        )  # fmt: skip
        made.ids["proposal"] = proposal.id
        made.pages["proposal"] = url_for("manifest.proposal", slug=slug, proposal_id=proposal.id)
        made.labels["proposal"] = "Samen en gelijk"

        agreement = make_agreement(world, active=True)
        made.ids["agreement"] = agreement.id
        made.pages["agreement"] = url_for("agreements.show", slug=slug, number=agreement.number)
        made.labels["agreement"] = f"WA-{agreement.number} {agreement.title}"

        risk = risks.create_risk(world.partnership.id, risk_fields(world), world.users["programmamanager"].id)  # fmt: skip
        risks.add_measure(
            risk, {"description": "Maandelijks de uitgaven volgen.", "owner_id": world.users["programmamanager"].id,
                   "status": "gepland", "due_on": utcnow().date() + timedelta(days=20)},
            world.users["programmamanager"].id,
        )  # fmt: skip
        made.ids["risk"] = risk.id
        made.pages["risk"] = url_for("risks.show", slug=slug, number=risk.number)
        made.labels["risk"] = f"{risk.reference} {risk.title}"

        table = make_table(world, members=table_members)
        made.ids["table"] = table.id
        made.pages["table"] = url_for("tables.show", slug=slug, table_id=table.id)
        made.labels["table"] = table.name
        conversation = start(world, table)
        made.ids["conversation"] = conversation.id
        made.pages["conversation"] = url_for("tables.conversation", slug=slug, table_id=table.id,
                                             conversation_id=conversation.id)  # fmt: skip
        made.labels["conversation"] = conversation.title
        meeting = plan(world, table, local_now() + timedelta(days=7))
        made.ids["meeting"] = meeting.id
        made.pages["meeting"] = url_for("tables.meeting", slug=slug, table_id=table.id,
                                        meeting_id=meeting.id)  # fmt: skip
        made.labels["meeting"] = meeting.title

        review = make_review(world)
        finalise(world, review)
        made.ids["review"] = review.id
        made.pages["review"] = url_for("reviews.show", slug=slug, number=review.number)
        made.labels["review"] = f"{review.reference} {review.title}"

        cycle = cycles.create_cycle(member(world, "programmamanager"), "Eerste halfjaar",
                                    utcnow().date() - timedelta(days=100), utcnow().date() + timedelta(days=80))  # fmt: skip
        made.ids["cycle"] = cycle.id
        made.pages["cycle"] = url_for("cycles.show", slug=slug, number=cycle.number)
        made.labels["cycle"] = f"{cycle.reference} {cycle.title}"

        indicator = cycles.propose_indicator(
            member(world, "programmamanager"),
            {"name": "Wachttijd tot start hulp", "definition": "Mediaan in dagen.", "unit": "dagen",
             "source": "BSA", "direction": "lager", "kind": "kwantitatief", "target": 28,
             "target_text": "", "owner_organisation_id": None},
        )  # fmt: skip
        made.ids["indicator"] = indicator.id
        made.pages["indicator"] = url_for("cycles.indicators", slug=slug)
        made.labels["indicator"] = indicator.name

        decision = decisions.start_proposal(
            member(world, "programmamanager"),
            {"title": "Samen beslissen", "text": "Elke organisatie stemt in of maakt bezwaar.",
             "method": "consent", "closes_at": local_now() + timedelta(days=5),
             "organisations": [world.municipality.id]},
        )  # fmt: skip
        made.ids["decision"] = decision.id
        made.pages["decision"] = url_for("decisions.show", slug=slug, number=decision.number)
        made.labels["decision"] = f"{decision.reference} {decision.title}"
        db.session.remove()
    return made


def history_url(world, kind: str, object_id) -> str:
    return f"/p/{world.slug}/history/{kind}/{object_id}"


def add_events(app, rows: list[dict]) -> None:
    """Audit events inserted in bulk (each row: object_type, object_id, action, changes,
    and optionally partnership_id, actor_id, at)."""
    now = utcnow()
    with app.app_context():
        db.session.execute(
            insert(AuditEvent),
            [{"at": now, "actor_id": None, "partnership_id": None, **row} for row in rows],
        )
        db.session.commit()
        db.session.remove()


# --- reading pages ------------------------------------------------------------------------------


def html(response) -> str:
    return response.get_data(as_text=True)


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


HIDDEN = None  # a change whose values are not shown


@dataclass
class Shown:
    """One row of an event table: when, who, what, and field label -> (old, new) or HIDDEN."""

    when: str
    who: str
    what: str
    changes: dict[str, tuple[str, str] | None]


def events_on(page: str) -> list[Shown]:
    """The rows of the event table on a page, in the order shown."""
    if '<tbody class="utrecht-table__body">' not in page:
        return []
    body = page.split('<tbody class="utrecht-table__body">', 1)[1].split("</tbody>", 1)[0]
    shown = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert len(cells) == 4, row
        changes: dict[str, tuple[str, str] | None] = {}
        for label, value in re.findall(
            r'<li><span class="ss-field">(.*?)</span>:(.*?)</li>', cells[3], re.S
        ):
            pair = re.search(r"<del>(.*?)</del>\s*→\s*<ins>(.*?)</ins>", value, re.S)
            changes[text_of(label)] = (
                (text_of(pair.group(1)), text_of(pair.group(2))) if pair else HIDDEN
            )
        shown.append(Shown(text_of(cells[0]), text_of(cells[1]), text_of(cells[2]), changes))
    return shown
