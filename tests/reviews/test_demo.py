"""The demo reviews: a dozen finalised reviews over two years from two teams, with scores,
lessons at all three levels and their follow-ups, and one concept that trips the guard."""

from __future__ import annotations

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from app.agreements.models import AgreementComment
from app.errors import ServiceError
from app.extensions import db
from app.manifest.models import ChangeProposal
from app.partnerships.models import Membership, Partnership
from app.reviews import services
from app.reviews.models import (
    CONCEPT,
    FINAL,
    Action,
    Lesson,
    PrivacyConfirmation,
    Review,
    ReviewScore,
)
from app.seeds import load_demo
from app.tables.models import Conversation


def review_state() -> dict:
    def n(model, *where):
        return db.session.execute(
            select(func.count()).select_from(model).where(*where)
        ).scalar_one()

    return {
        "reviews": n(Review),
        "scores": n(ReviewScore),
        "lessons": n(Lesson),
        "actions": n(Action),
        "confirmations": n(PrivacyConfirmation),
        "proposals": n(ChangeProposal),
        "agreement_proposals": n(AgreementComment, AgreementComment.is_proposal.is_(True)),
        "conversations": n(Conversation),
    }


@pytest.fixture
def demo(demo_database, ctx):
    return db.session.execute(
        select(Partnership).where(Partnership.slug == "eemland-bsa")
    ).scalar_one()


def test_the_demo_reviews(ctx, demo):
    # Loading the demo takes long: one test checks the content, the concept and a reload.
    check_the_finalised_reviews(demo)
    check_the_concept(demo)
    before = review_state()
    assert before["reviews"] == 13
    assert load_demo() == 0
    assert review_state() == before


def check_the_finalised_reviews(demo):
    reviews = list(
        db.session.execute(
            select(Review).where(Review.partnership_id == demo.id).order_by(Review.held_on)
        ).scalars()
    )
    final = [r for r in reviews if r.status == FINAL]
    concepts = [r for r in reviews if r.status == CONCEPT]
    assert (len(final), len(concepts)) == (12, 1)
    # Over two years, from two teams, of both kinds.
    assert (final[-1].held_on - final[0].held_on).days > 600
    assert len({r.team for r in final}) == 2
    assert {r.kind for r in final} == {"casusbespreking", "kwaliteitsreview"}
    for review in final:
        assert review.finalised_at is not None and review.finalised_by_id is not None
        assert services.scores_of(review), review.title
        assert review.participants  # by role
        if review.kind == "kwaliteitsreview":
            assert set(review.aims) == set(services.AIMS), review.title

    lessons = list(
        db.session.execute(select(Lesson).where(Lesson.partnership_id == demo.id)).scalars()
    )
    assert {lesson.level for lesson in lessons} == {1, 2, 3}
    assert {lesson.arena for lesson in lessons} == {"casus", "organisatie", "systeem"}
    # Every kind of follow-up was carried out and links back.
    assert {lesson.follow_up for lesson in lessons} == {
        "none", "action", "agreement", "principle", "table",
    }  # fmt: skip
    for lesson in lessons:
        if lesson.review.status != FINAL:
            assert not (lesson.action_id or lesson.agreement_comment_id
                        or lesson.change_proposal_id or lesson.conversation_id)  # fmt: skip
            continue
        made = {
            "none": None,
            "action": lesson.action_id,
            "agreement": lesson.agreement_comment_id,
            "principle": lesson.change_proposal_id,
            "table": lesson.conversation_id,
        }[lesson.follow_up]
        assert (made is None) == (lesson.follow_up == "none"), lesson.text[:40]
    for comment_id in [
        lesson.agreement_comment_id for lesson in lessons if lesson.agreement_comment_id
    ]:
        assert db.session.get(AgreementComment, comment_id).is_proposal is True

    # One 3e-orde lesson became a proposal in the manifest, with the lesson as origin.
    [proposal] = db.session.execute(
        select(ChangeProposal).where(
            ChangeProposal.partnership_id == demo.id, ChangeProposal.origin_type == "lesson"
        )
    ).scalars()
    origin = db.session.get(Lesson, proposal.origin_id)
    assert origin.level == 3
    assert origin.change_proposal_id == proposal.id


def check_the_concept(demo):
    concept = db.session.execute(
        select(Review).where(Review.partnership_id == demo.id, Review.status == CONCEPT)
    ).scalar_one()
    found = services.findings(concept)
    kinds = {f.hit.kind for f in found}
    assert {"name", "date", "phone", "postcode"} <= kinds
    assert "bsn" not in kinds
    author = db.session.get(Membership, _membership_id(concept))
    with pytest.raises(ServiceError) as caught:
        services.finalise(concept, author)
    db.session.rollback()
    assert str(caught.value.message) == gettext(
        "The privacy guard found %(n)s possible personal data. Remove them or confirm each "
        "with a reason.",
        n=len(found),
    )
    assert db.session.get(Review, concept.id).status == CONCEPT


def _membership_id(review: Review) -> int:
    return db.session.execute(
        select(Membership.id).where(
            Membership.user_id == review.created_by_id,
            Membership.partnership_id == review.partnership_id,
        )
    ).scalar_one()
