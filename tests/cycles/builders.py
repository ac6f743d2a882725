"""Rows of other areas with chosen dates, added directly (no services), so a cycle's
period has data inside and outside it. Call inside an application context."""

from __future__ import annotations

from datetime import date, datetime, time

from app.agreements.models import ACTIVE, WORKABLE, Agreement, Revisit
from app.extensions import db
from app.reviews.models import FINAL, Action, Lesson, Review, ReviewScore
from app.risks.models import Risk, RiskAssessment, RiskCategory
from app.tables.models import CLOSED, Conversation, Meeting, MeetingDecision, ThematicTable


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A naive UTC moment on that day (noon by default: inside the Dutch day as well)."""
    return datetime.combine(day, time(hour, minute))


def make_agreement(world, number: int, title: str, *, status: str = ACTIVE,
                   kind: str = WORKABLE, start_on: date = date(2023, 1, 1),
                   revisit_on: date | None = None, end_on: date | None = None,
                   archived: bool = False) -> Agreement:  # fmt: skip
    agreement = Agreement(
        partnership_id=world.partnership.id, number=number, title=title, summary=title,
        kind=kind, status=status, start_on=start_on,
        revisit_on=revisit_on if revisit_on or kind != WORKABLE else date(2030, 1, 1),
        end_on=end_on, owner_id=world.users["programmamanager"].id,
        archived_at=at(date(2024, 1, 2)) if archived else None,
    )  # fmt: skip
    db.session.add(agreement)
    db.session.flush()
    return agreement


def make_revisit(agreement: Agreement, decision: str, when: datetime) -> Revisit:
    revisit = Revisit(agreement_id=agreement.id, decision=decision, reason="Omdat.",
                      decided_at=when)  # fmt: skip
    db.session.add(revisit)
    db.session.flush()
    return revisit


def risk_category(world) -> int:
    category = RiskCategory(partnership_id=world.partnership.id, name="financieel")
    db.session.add(category)
    db.session.flush()
    return category.id


def make_risk(world, category_id: int, number: int, title: str, created: date,
              residual: tuple[int, int], *, status: str = "open",
              archived: bool = False) -> Risk:  # fmt: skip
    """A risk whose current netto figures are `residual` (bruto: one higher, at most 5)."""
    likelihood, impact = residual
    inherent = (min(likelihood + 1, 5), min(impact + 1, 5))
    risk = Risk(
        partnership_id=world.partnership.id, number=number, title=title,
        category_id=category_id, inherent_likelihood=inherent[0], inherent_impact=inherent[1],
        residual_likelihood=likelihood, residual_impact=impact,
        inherent_score=inherent[0] * inherent[1], residual_score=likelihood * impact,
        strategy="verminderen", status=status, created_at=at(created),
        archived_at=at(date(2024, 1, 2)) if archived else None,
    )  # fmt: skip
    db.session.add(risk)
    db.session.flush()
    return risk


def assess(risk: Risk, day: date, residual: tuple[int, int]) -> None:
    db.session.add(
        RiskAssessment(
            risk_id=risk.id,
            inherent_likelihood=5,
            inherent_impact=5,
            residual_likelihood=residual[0],
            residual_impact=residual[1],
            reason="Herbeoordeling.",
            assessed_at=at(day),
        )  # fmt: skip
    )
    db.session.flush()


def make_review(world, number: int, held_on: date, scores: dict[int, int | None],
                lessons: tuple[int, ...] = (), status: str = FINAL) -> Review:  # fmt: skip
    review = Review(
        partnership_id=world.partnership.id, number=number, kind="casusbespreking",
        held_on=held_on, organisation_id=world.provider.id, team="Team Noord",
        title=f"Review {number}", status=status,
    )  # fmt: skip
    db.session.add(review)
    db.session.flush()
    for principle_id, score in scores.items():
        db.session.add(ReviewScore(review_id=review.id, principle_id=principle_id, score=score))
    for level in lessons:
        db.session.add(Lesson(partnership_id=world.partnership.id, review_id=review.id,
                              text=f"Leerpunt {level}", level=level, arena="casus"))  # fmt: skip
    db.session.flush()
    return review


def make_table(world, name: str = "Wachttijden") -> ThematicTable:
    table = ThematicTable(partnership_id=world.partnership.id, name=name)
    db.session.add(table)
    db.session.flush()
    return table


def make_conversation(world, table: ThematicTable, title: str,
                      closed_at: datetime | None) -> Conversation:  # fmt: skip
    conversation = Conversation(
        partnership_id=world.partnership.id, table_id=table.id, title=title,
        status=CLOSED if closed_at else "open", closed_at=closed_at,
        conclusion="Conclusie." if closed_at else "",
    )  # fmt: skip
    db.session.add(conversation)
    db.session.flush()
    return conversation


def make_meeting(world, table: ThematicTable, starts_at: datetime,
                 decisions: tuple[str, ...]) -> Meeting:  # fmt: skip
    meeting = Meeting(partnership_id=world.partnership.id, table_id=table.id, title="Overleg",
                      starts_at=starts_at, ends_at=starts_at)  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    for text in decisions:
        db.session.add(MeetingDecision(meeting_id=meeting.id, text=text))
    db.session.flush()
    return meeting


def make_action(world, title: str, status: str = "open", due_on: date | None = None) -> Action:
    action = Action(partnership_id=world.partnership.id, title=title, status=status,
                    owner_id=world.users["programmamanager"].id, due_on=due_on)  # fmt: skip
    db.session.add(action)
    db.session.flush()
    return action
