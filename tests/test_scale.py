"""`flask seed scale`: counts that follow the factor, refusal on a database in use, and the
benchmark's key pages rendering with the seeded data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.activity.models import AuditEvent
from app.agreements.models import Agreement, AgreementVersion
from app.auth.models import User
from app.cycles.models import Cycle, Measurement
from app.extensions import db
from app.partnerships.models import ROLES, Membership, Partnership
from app.risks.models import Risk, RiskAssessment
from app.tables.models import Comment, Conversation
from bench.scale import BIG_CONVERSATION, SLUG, counts, plan
from tests.conftest import login, post

FACTOR = 0.01


def seed(app, factor: float = FACTOR):
    return app.test_cli_runner().invoke(args=["seed", "scale", "--factor", str(factor)])


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def seeded(app):
    result = seed(app)
    assert result.exit_code == 0, result.output
    return result


def test_the_plan_multiplies_every_count_by_the_factor():
    one, ten = plan(1), plan(10)
    # At factor 1 at least what issue 10 asks for.
    assert one.organisations >= 20 and one.members >= 300
    assert (one.agreements, one.versions_per_agreement) == (1000, 3)
    assert (one.risks, one.assessments_per_risk) == (500, 6)
    assert (one.tables, one.comments, one.big_conversation) == (40, 100_000, 5000)
    assert (one.reviews, one.indicators, one.cycles) == (2000, 60, 12)
    for name in ("members", "agreements", "risks", "tables", "conversations", "comments",
                 "big_conversation", "meetings", "reviews"):  # fmt: skip
        assert getattr(ten, name) == 10 * getattr(one, name), name
    # Capped: organisations, indicators (a bounded set) and cycles (half-years).
    assert one.organisations < ten.organisations <= 60
    assert (ten.indicators, ten.cycles) == (60, 12)


def test_seeding_at_a_small_factor(app, seeded):
    expected = plan(FACTOR)
    assert expected.comments == 1000 and expected.agreements == 10  # the factor, not a minimum
    assert "Klaar in" in seeded.output
    with app.app_context():
        pid = db.session.execute(
            select(Partnership.id).where(Partnership.slug == SLUG)
        ).scalar_one()
        found = counts(pid)
        assert found["organisations"] == expected.organisations
        assert found["members"] == expected.members
        assert found["principles"] == expected.principles
        assert found["agreements"] == expected.agreements
        assert found["agreement_versions"] == 3 * expected.agreements
        assert found["risks"] == expected.risks
        assert found["assessments"] == 6 * expected.risks
        assert found["tables"] == expected.tables
        assert found["conversations"] == expected.conversations + 1
        assert found["comments"] == expected.comments
        assert found["comments_in_big_conversation"] == expected.big_conversation
        assert found["meetings"] == expected.meetings
        assert found["reviews_finalised"] == expected.reviews
        assert found["reviews_concept"] == expected.concept_reviews
        assert found["indicators"] == expected.indicators
        assert found["cycles"] == expected.cycles

        # One known login per role, all with the demo password (one shared hash).
        for role in ROLES:
            user = db.session.execute(
                select(User).where(User.email == f"{role}@schaal.test")
            ).scalar_one()
            assert user.check_password("samenspel-demo"), role
            assert (
                db.session.execute(
                    select(Membership.role).where(Membership.user_id == user.id)
                ).scalar_one()
                == role
            )
        hashes = db.session.execute(
            select(func.count(func.distinct(User.password_hash)))
        ).scalar_one()
        assert hashes == 1

        # Denormalised fields agree with the rows they summarise.
        for conversation in db.session.execute(select(Conversation)).scalars():
            total, top, last = db.session.execute(
                select(
                    func.count(Comment.id),
                    func.count(Comment.id).filter(Comment.parent_id.is_(None)),
                    func.max(Comment.id),
                ).where(Comment.conversation_id == conversation.id)
            ).one()
            counters = (conversation.comment_count, conversation.top_level_count)
            assert (*counters, conversation.last_comment_id) == (total, top, last or 0)
        for agreement in db.session.execute(select(Agreement)).scalars():
            newest = db.session.execute(
                select(func.max(AgreementVersion.number)).where(
                    AgreementVersion.agreement_id == agreement.id
                )
            ).scalar_one()
            assert agreement.current_version == newest == 3
        for risk in db.session.execute(select(Risk)).scalars():
            last = db.session.execute(
                select(RiskAssessment)
                .where(RiskAssessment.risk_id == risk.id)
                .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
                .limit(1)
            ).scalar_one()
            assert risk.residual_score == last.residual_likelihood * last.residual_impact
            assert risk.inherent_score == last.inherent_likelihood * last.inherent_impact
            assert risk.residual_likelihood <= risk.inherent_likelihood
        # Eleven (here: all but one) cycles closed with a frozen summary, one running.
        cycles = list(db.session.execute(select(Cycle).order_by(Cycle.number)).scalars())
        assert [c.phase for c in cycles] == ["afgerond"] * (len(cycles) - 1) + ["monitoren"]
        assert all(c.snapshot and c.snapshot["deciders"] for c in cycles[:-1])
        assert db.session.execute(
            select(func.count(Measurement.id)).where(Measurement.cycle_id == cycles[-1].id)
        ).scalar_one()

        # An audit event for every created object of the main kinds.
        def events(object_type, action):
            return db.session.execute(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.object_type == object_type, AuditEvent.action == action
                )
            ).scalar_one()

        assert events("Agreement", "create") == expected.agreements
        assert (
            events("Agreement", "update") + events("Agreement", "revisit")
            == 2 * expected.agreements
        )
        assert events("Risk", "create") == expected.risks
        assert events("Risk", "reassess") == 5 * expected.risks
        assert events("Comment", "create") == expected.comments
        assert events("Review", "create") == expected.reviews + expected.concept_reviews
        assert events("Review", "finalise") == expected.reviews
        sample = db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_type == "Comment", AuditEvent.action == "create")
            .order_by(AuditEvent.id)
            .limit(1)
        ).scalar_one()
        assert sample.changes["body"][0] is None and sample.changes["body"][1]
        assert "version" not in sample.changes and "created_at" not in sample.changes


def test_refuses_a_database_that_holds_a_partnership(app, seeded):
    with app.app_context():
        before = row_counts()
    result = seed(app)
    assert result.exit_code == 1
    assert "bevat al een samenwerkingsverband" in result.output
    with app.app_context():
        assert row_counts() == before


def test_refuses_any_partnership_and_writes_nothing(app, world):
    with app.app_context():
        before = row_counts()
    result = seed(app)
    assert result.exit_code == 1
    assert "niets geschreven" in result.output
    with app.app_context():
        assert row_counts() == before


def test_the_key_pages_render_with_the_seeded_data(app, client, seeded):
    with app.app_context():
        conversation = db.session.execute(
            select(Conversation).where(Conversation.title == BIG_CONVERSATION)
        ).scalar_one()
        table_id, conversation_id = conversation.table_id, conversation.id
        running = db.session.execute(
            select(Cycle.number).where(Cycle.phase == "monitoren")
        ).scalar_one()
        closed = db.session.execute(
            select(Cycle.number).where(Cycle.phase == "afgerond").limit(1)
        ).scalar_one()
    response = login(client, "beheerder@schaal.test", "samenspel-demo")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    base = f"/p/{SLUG}"
    pages = [
        f"{base}/",
        f"{base}/agreements/",
        f"{base}/agreements/?status=herzien_nodig&kind=werkbaar",
        f"{base}/agreements/1",
        f"{base}/agreements/1/compare",
        f"{base}/risks/",
        f"{base}/risks/heatmap",
        f"{base}/risks/1",
        f"{base}/tables/",
        f"{base}/tables/{table_id}",
        f"{base}/tables/{table_id}/conversations/{conversation_id}",
        f"{base}/tables/{table_id}/conversations/{conversation_id}?page=2",
        f"{base}/reviews/",
        f"{base}/reviews/overview",
        f"{base}/reviews/1",
        f"{base}/reviews/actions",
        f"{base}/cycles/",
        f"{base}/cycles/{running}",
        f"{base}/cycles/{closed}",
        f"{base}/indicators/",
        f"{base}/manifest/",
        f"{base}/members",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"{base}/tables/{table_id}/conversations/{conversation_id}")
    assert BIG_CONVERSATION in page.get_data(as_text=True)
    dashboard = client.get(f"{base}/").get_data(as_text=True)
    assert "Schaalproef Jeugdhulpregio (demo)" in dashboard
    agreements = client.get(f"{base}/agreements/").get_data(as_text=True)
    assert re.search(r"WA-\d+", agreements)

    # The benchmark's write: posting a comment. New rows get fresh ids (on PostgreSQL the
    # sequences are right, since the database assigned every id) and the counters follow.
    url = f"{base}/tables/{table_id}/conversations/{conversation_id}"
    response = post(client, f"{url}/comments", {"body": "Nog een reactie na het laden (test)."})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        conversation = db.session.get(Conversation, conversation_id)
        newest = db.session.execute(
            select(func.max(Comment.id)).where(Comment.conversation_id == conversation_id)
        ).scalar_one()
        assert conversation.comment_count == plan(FACTOR).big_conversation + 1
        assert conversation.last_comment_id == newest
        top = db.session.execute(
            select(func.count(Comment.id)).where(
                Comment.conversation_id == conversation_id, Comment.parent_id.is_(None)
            )
        ).scalar_one()
        assert conversation.top_level_count == top
