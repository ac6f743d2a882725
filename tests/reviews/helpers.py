"""Helpers for the review tests: manifests, reviews, lessons and tables made through the
services, plain-value state, URLs and reading pages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

from sqlalchemy import func, select

from app.activity.models import AuditEvent
from app.agreements import services as agreements
from app.agreements.models import AgreementComment
from app.extensions import db
from app.manifest import services as manifest
from app.manifest.models import ChangeProposal, PrincipleLink
from app.partnerships.models import Membership, Partnership
from app.reviews import services
from app.reviews.models import (
    Action,
    Lesson,
    PrivacyConfirmation,
    Review,
    ReviewScore,
    ReviewSettings,
)
from app.tables.models import Conversation

# Distinctive strings in the case details of a review; none may ever reach a member of
# another organisation.
SECRET_CASE = "ZEBRAGEHEIM"
SECRET_AIM = "OKAPIDOEL"
SECRET_WELL = "LAMAGOED"
SECRET_BETTER = "TAPIRBETER"
SECRET_PARTICIPANT = "NEUSHOORNROL"
SECRETS = (SECRET_CASE, SECRET_AIM, SECRET_WELL, SECRET_BETTER, SECRET_PARTICIPANT)

PRINCIPLES = ("Samen", "Open", "Lerend")
RECORDERS = ("teamlid", "programmamanager", "beheerder")
NOT_RECORDERS = ("lezer", "partner", "bestuurder")
# The teamlid (provider) records; these members belong to the municipality.
OTHER_ORGANISATION = ("programmamanager", "bestuurder", "lezer")


def days(n: int) -> date:
    """A date n days from today (negative: in the past), as the services count days."""
    return services.today() + timedelta(days=n)


def member(world, role: str) -> Membership:
    """The world's membership in this role, attached to the current session."""
    return db.session.get(Membership, world.memberships[role].id)


def adopt_manifest(world, titles=PRINCIPLES) -> dict[str, int]:
    """An adopted manifest with these principles; returns title -> principle id."""
    partnership = db.session.get(Partnership, world.partnership.id)
    user_id = world.users["programmamanager"].id
    draft = manifest.open_draft(partnership, user_id)
    for title in titles:
        manifest.add_principle(
            draft,
            {
                "title": title,
                "core_sentence": f"Wij werken {title.lower()}.",
                "explanation": f"Uitleg bij {title}.",
                "origin": "",
                "practice": "",
            },
        )
    manifest.adopt(draft, "Vastgesteld.", user_id)
    return {t.title: t.principle_id for t in draft.texts}


def review_fields(**over) -> dict:
    """Service input for a clean (anonymised) casusbespreking."""
    return {
        "kind": "casusbespreking",
        "held_on": days(-7),
        "team": "Team Gezin Noord",
        "participants": f"jeugdprofessional\ngedragswetenschapper {SECRET_PARTICIPANT}",
        "title": "Gezin met twee aanbieders",
        "case_description": f"Het gezin kreeg hulp van twee aanbieders. {SECRET_CASE}",
        "went_well": f"Snel contact. {SECRET_WELL}",
        "could_be_better": f"Geen regiehouder. {SECRET_BETTER}",
        **over,
    }


def quality_fields(**over) -> dict:
    aims = {f"aim_{aim}": f"Doel {aim} {SECRET_AIM}" for aim in services.AIMS}
    return review_fields(
        **{"kind": "kwaliteitsreview", "title": "Kwaliteitsreview verlenging", **aims, **over}
    )


def make_review(world, role: str = "teamlid", **over) -> Review:
    """A concept review through the service (needs a request context)."""
    return services.create_review(member(world, role), review_fields(**over))


def lesson_fields(**over) -> dict:
    return {"text": "We plannen samen één gesprek.", "level": 1, "arena": "casus",
            "follow_up": "none", "principles": [], **over}  # fmt: skip


def add_lesson(world, review: Review, role: str = "teamlid", **over) -> Lesson:
    return services.add_lesson(review, member(world, role), lesson_fields(**over))


def score_all(world, review: Review, ids: dict[str, int], values=(4, 3, 5), role="teamlid"):
    services.set_scores(
        review, member(world, role),
        {pid: (value, f"Toelichting {title}") for (title, pid), value in zip(ids.items(), values, strict=False)},
    )  # fmt: skip


def finalise(world, review: Review, role: str = "teamlid") -> None:
    services.finalise(review, member(world, role))


def reload(review: Review) -> Review:
    db.session.expire_all()
    return db.session.get(Review, review.id)


def make_table(world, name: str = "Gezinsgericht werken", members=("partner",)):
    """An active thematic table (made by the programmamanager) with these members."""
    from app.tables import services as tables

    table = tables.create_table(
        world.partnership.id,
        {"name": name, "theme": "Thema.", "goal": "Doel.", "chair_id": None},
        world.users["programmamanager"].id,
    )
    for role in members:
        tables.add_member(table, world.users[role].id, world.users["programmamanager"].id)
    return table


def make_agreement(world, title: str = "Warme overdracht"):
    from app.agreements.models import Agreement

    agreement = agreements.create_agreement(
        world.partnership.id,
        {
            "title": title,
            "summary": "Samenvatting.",
            "explanation": "",
            "kind": "werkbaar",
            "start_on": days(-100),
            "revisit_on": days(80),
            "end_on": None,
            "parties": [world.municipality.id, world.provider.id],
            "owner_id": world.users["programmamanager"].id,
            "origin": "",
            "principles": [],
        },
        world.users["programmamanager"].id,
    )
    return db.session.get(Agreement, agreement.id)


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
    """Everything the reviews area (and what its follow-ups make) stores, as plain values."""

    def rows(model, order):
        return [
            {c.key: getattr(obj, c.key) for c in model.__table__.columns}
            for obj in db.session.execute(select(model).order_by(order)).scalars()
        ]

    db.session.expire_all()
    return {
        "reviews": rows(Review, Review.id),
        "scores": rows(ReviewScore, ReviewScore.id),
        "lessons": rows(Lesson, Lesson.id),
        "actions": rows(Action, Action.id),
        "confirmations": rows(PrivacyConfirmation, PrivacyConfirmation.id),
        "settings": rows(ReviewSettings, ReviewSettings.partnership_id),
        "links": rows(PrincipleLink, PrincipleLink.id),
        "proposals": count(ChangeProposal),
        "comments": count(AgreementComment),
        "conversations": count(Conversation),
        "audit": count(AuditEvent),
    }


def audit(object_type: str, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.object_type == object_type)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.execute(query.order_by(AuditEvent.id)).scalars())


# --- pages ------------------------------------------------------------------------------


def url(world, path: str = "") -> str:
    return f"/p/{world.slug}/reviews{path}"


def html(response) -> str:
    return response.get_data(as_text=True)


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def logged_in(app, email: str):
    """A new client with its own session, signed in as email."""
    from tests.conftest import sign_in

    return sign_in(app.test_client(), email)


def flashed(client, response) -> str:
    """The messages shown on the page a redirect leads to."""
    from tests.conftest import alert_text

    assert response.status_code == 302, html(response)[:800]
    return alert_text(html(client.get(response.headers["Location"])))
