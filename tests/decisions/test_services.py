"""Use cases of decisions: starting, answering per organisation, amending, closing, the
outcome, and what an adopted proposal becomes; with bad input and the edge cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from app.activity.models import AuditEvent, Notification
from app.activity.notifications import send_due
from app.activity.objects import resolve
from app.agreements.models import Agreement
from app.agreements.services import origin_url
from app.decisions import services
from app.decisions.models import (
    CLOSED,
    NOT_PASSED,
    OPEN,
    PASSED,
    Proposal,
    ProposalAnswer,
    ProposalAnswerRevision,
)
from app.errors import ServiceError
from app.extensions import db
from app.manifest.models import ChangeProposal
from app.partnerships.models import Membership, Participation
from app.partnerships.services import set_membership_active, set_participation_active
from app.timeutil import local, today, utcnow
from tests.decisions.conftest import add_council, answer, closes_in, propose


@pytest.fixture
def ctx_council(app, council):
    """A request context (as in a route) with the council's partnership as g.partnership."""
    with app.test_request_context():
        g.partnership = council.member("beheerder").partnership
        yield council
        db.session.remove()


def count(model, **by) -> int:
    return db.session.execute(select(func.count()).select_from(model).filter_by(**by)).scalar_one()


def notified(kind: str) -> set[int]:
    return set(
        db.session.execute(select(Notification.user_id).where(Notification.kind == kind)).scalars()
    )


# --- starting ------------------------------------------------------------------------------


def test_a_proposal_asks_every_deciding_organisation(ctx_council):
    c = ctx_council
    proposal = propose(c)
    assert proposal.reference == "VS-1" and proposal.status == OPEN
    assert proposal.closes_at > utcnow()
    assert count(AuditEvent, object_type="Proposal", object_id=proposal.id, action="create") == 1
    tally = services.tally(proposal)
    assert tally.pending == 3 and [r.asked for r in tally.rows] == [True, True, True]
    users = c.world.users
    assert notified("decision_opened") == {
        users["bestuurder"].id,
        users["teamlid"].id,
        c.third_bestuurder_id,
    }


def test_closing_time_in_the_past_is_refused_and_nothing_is_stored(ctx_council):
    past = local(utcnow() - timedelta(hours=1)).replace(tzinfo=None)
    with pytest.raises(ServiceError) as error:
        propose(ctx_council, closes_at=past)
    assert error.value.field == "closes_at" and "verleden" in error.value.message
    db.session.rollback()
    assert count(Proposal) == 0


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"title": "  "}, "title"),
        ({"text": ""}, "text"),
        ({"method": "loting"}, "method"),
        ({"organisations": []}, "organisations"),
        ({"organisations": [999999]}, "organisations"),
        ({"method": "meerderheid", "quorum": None}, "quorum"),
        ({"method": "meerderheid", "quorum": 4}, "quorum"),
        ({"closes_at": None}, "closes_at"),
    ],
)
def test_bad_input_names_the_field(ctx_council, over, field):
    with pytest.raises(ServiceError) as error:
        propose(ctx_council, **over)
    assert error.value.field == field
    db.session.rollback()
    assert count(Proposal) == 0


def test_an_organisation_with_nobody_to_decide_cannot_be_asked(ctx_council):
    c = ctx_council
    mandate = services.mandates_of(c.world.partnership.id, [c.world.provider.id])[0]
    services.withdraw_designation(c.member("beheerder"), mandate)
    with pytest.raises(ServiceError) as error:
        propose(c)
    assert error.value.field == "organisations"
    assert c.world.provider.name in error.value.message
    db.session.rollback()
    assert count(Proposal) == 0
    # Without it, the others decide.
    assert propose(c, organisations=[c.world.municipality.id, c.third_id]).status == OPEN


def test_who_may_propose_where(app, ctx_council):
    c = ctx_council
    for role in ("teamlid", "partner", "lezer", "bestuurder"):
        with pytest.raises(ServiceError):
            propose(c, role=role)
        db.session.rollback()
    from tests.tables.helpers import make_table

    table = make_table(c.world)  # members: teamlid and partner; chair: bestuurder
    proposal = propose(c, role="teamlid", table=table)
    assert proposal.table_id == table.id
    # Default deciders in a table: the organisations of its members and chair.
    assert services.default_organisations(c.world.partnership.id, table) == sorted(
        [c.world.municipality.id, c.world.provider.id]
    )
    with pytest.raises(ServiceError):
        propose(c, role="lezer", table=table)


# --- answering -----------------------------------------------------------------------------


def test_consent_passes_when_no_organisation_objects_and_closes_early(ctx_council):
    c = ctx_council
    proposal = propose(c)
    answer(c, proposal, "bestuurder")
    answer(c, proposal, "teamlid", "onthouden")
    assert proposal.status == OPEN
    answer(c, proposal, "bestuurder3")
    assert proposal.status == CLOSED and proposal.result == PASSED
    assert proposal.closed_at <= utcnow()
    assert notified("decision_closed") == {c.world.users["programmamanager"].id}


def test_an_objection_needs_a_reason_and_tells_the_proposer(ctx_council):
    c = ctx_council
    proposal = propose(c)
    with pytest.raises(ServiceError) as error:
        answer(c, proposal, "teamlid", "bezwaar", "   ")
    assert error.value.field == "reason"
    db.session.rollback()
    assert count(ProposalAnswer) == 0 and count(ProposalAnswerRevision) == 0
    answer(c, proposal, "teamlid", "bezwaar", "Eerst de privacy regelen.")
    note = db.session.execute(
        select(Notification).where(Notification.kind == "decision_objection")
    ).scalar_one()
    assert note.user_id == c.world.users["programmamanager"].id
    assert note.params["reason"] == "Eerst de privacy regelen."
    answer(c, proposal, "bestuurder")
    answer(c, proposal, "bestuurder3")
    # Everyone answered, but an objection stands: open for an amendment until closing time.
    assert proposal.status == OPEN
    services.close_due(now=proposal.closes_at)
    assert proposal.status == CLOSED and proposal.result == NOT_PASSED


@pytest.mark.parametrize("role", ["programmamanager", "lezer", "beheerder", "partner"])
def test_only_who_decides_for_the_organisation_answers(ctx_council, role):
    c = ctx_council
    proposal = propose(c)
    with pytest.raises(ServiceError):
        answer(c, proposal, role)
    db.session.rollback()
    assert count(ProposalAnswer) == 0


def test_a_designated_member_answers_and_the_answer_changes_with_history(ctx_council):
    c = ctx_council
    proposal = propose(c)
    answer(c, proposal, "teamlid", "onthouden")
    answer(c, proposal, "teamlid", "instemmen")
    row = db.session.execute(select(ProposalAnswer)).scalar_one()
    assert row.position == "instemmen"
    revisions = db.session.execute(
        select(ProposalAnswerRevision.position).order_by(ProposalAnswerRevision.id)
    ).scalars()
    assert list(revisions) == ["onthouden", "instemmen"]
    assert count(AuditEvent, object_type="ProposalAnswer", action="answer") == 2
    with pytest.raises(ServiceError):  # the same answer again changes nothing
        answer(c, proposal, "teamlid", "instemmen")


def test_two_members_of_one_organisation_answering_at_once_one_wins(ctx_council):
    c = ctx_council
    bestuurder = c.member("bestuurder")
    services.designate(bestuurder, c.world.municipality.id, c.world.users["programmamanager"].id)
    proposal = propose(c)
    # Both opened the page before either answered (the form says: no answer yet).
    services.answer_proposal(proposal, c.member("bestuurder"), "instemmen", "", 0)
    with pytest.raises(services.AnswerConflict) as conflict:
        services.answer_proposal(proposal, c.member("programmamanager"), "bezwaar", "Nee.", 0)
    db.session.rollback()
    assert conflict.value.current.position == "instemmen"
    row = db.session.execute(select(ProposalAnswer)).scalar_one()
    assert (row.position, row.answered_by_id) == ("instemmen", c.world.users["bestuurder"].id)
    assert count(ProposalAnswerRevision) == 1


def test_answering_after_the_closing_time_is_refused_with_the_time_it_closed(ctx_council):
    c = ctx_council
    proposal = propose(c)
    later = proposal.closes_at + timedelta(minutes=5)
    with pytest.raises(ServiceError) as error:
        answer(c, proposal, "bestuurder", now=later)
    assert proposal.status == CLOSED and proposal.closed_at == proposal.closes_at
    when = local(proposal.closes_at).strftime("%H:%M")
    assert "gesloten" in error.value.message and when in error.value.message
    db.session.rollback()
    assert count(ProposalAnswer) == 0
    assert db.session.get(Proposal, proposal.id).status == CLOSED


def test_an_organisation_leaving_keeps_its_answer_and_is_no_longer_asked(ctx_council):
    c = ctx_council
    proposal = propose(c)
    answer(c, proposal, "bestuurder3", "bezwaar", "Wij stoppen ermee.")
    third = db.session.execute(
        select(Membership).where(Membership.user_id == c.third_bestuurder_id)
    ).scalar_one()
    set_membership_active(third, False, c.world.users["beheerder"].id)
    participation = db.session.execute(
        select(Participation).where(Participation.organisation_id == c.third_id)
    ).scalar_one()
    set_participation_active(participation, False)
    tally = services.tally(proposal)
    row = next(r for r in tally.rows if r.organisation.id == c.third_id)
    assert not row.asked and row.answer.reason == "Wij stoppen ermee."
    assert tally.pending == 2
    answer(c, proposal, "bestuurder")
    answer(c, proposal, "teamlid")
    # Everyone still asked answered; the objection that stayed still counts.
    tally = services.tally(proposal)
    assert (tally.pending, tally.object, tally.passes) == (0, 1, False)
    services.close_due(now=proposal.closes_at)
    assert proposal.status == CLOSED and proposal.result == NOT_PASSED


def test_majority_of_organisations_needs_the_quorum(ctx_council):
    c = ctx_council
    proposal = propose(c, method="meerderheid", quorum=2)
    answer(c, proposal, "bestuurder")
    tally = services.tally(proposal)
    assert not tally.quorum_met and not tally.passes
    answer(c, proposal, "teamlid", "bezwaar", "Te duur.")
    assert services.tally(proposal).quorum_met and not services.tally(proposal).passes
    answer(c, proposal, "bestuurder3")
    assert proposal.status == CLOSED and proposal.result == PASSED


# --- amending ------------------------------------------------------------------------------


def test_amending_makes_a_new_version_and_asks_again(ctx_council):
    c = ctx_council
    proposal = propose(c)
    answer(c, proposal, "bestuurder")
    answer(c, proposal, "teamlid", "bezwaar", "Regel de privacy.")
    with pytest.raises(ServiceError) as error:
        services.amend_proposal(proposal, c.world.users["programmamanager"].id,
                                {"title": proposal.title, "text": "Nieuw", "rationale": ""}, "")  # fmt: skip
    assert error.value.field == "reason"
    db.session.rollback()
    with pytest.raises(ServiceError):  # only the proposer
        services.amend_proposal(proposal, c.world.users["beheerder"].id,
                                {"title": "x", "text": "Nieuw"}, "Omdat.")  # fmt: skip
    db.session.rollback()
    services.amend_proposal(
        proposal, c.world.users["programmamanager"].id,
        {"title": proposal.title, "text": proposal.text + "\n\nMet een privacyparagraaf.",
         "rationale": proposal.rationale},
        "Bezwaar van de aanbieder verwerkt.",
    )  # fmt: skip
    assert proposal.current_version == 2
    tally = services.tally(proposal)
    assert tally.pending == 3 and tally.object == 0
    assert {r.earlier.position for r in tally.rows if r.earlier} == {"instemmen", "bezwaar"}
    assert [v.number for v in services.versions_of(proposal)] == [2, 1]
    assert count(AuditEvent, object_type="Proposal", action="amend") == 1
    assert c.world.users["teamlid"].id in notified("decision_amended")


# --- closing on time, reminders ----------------------------------------------------------


def test_the_scheduled_run_closes_what_is_due(ctx_council):
    c = ctx_council
    proposal = propose(c, closes_at=closes_in(1))
    answer(c, proposal, "bestuurder")
    pid = proposal.id
    send_due(utcnow() + timedelta(hours=2))
    db.session.expire_all()
    closed = db.session.get(Proposal, pid)
    assert closed.status == CLOSED and closed.result == PASSED
    assert closed.closed_at == closed.closes_at


def test_reminders_three_days_and_one_day_before_closing(ctx_council):
    c = ctx_council
    proposal = propose(c, closes_at=closes_in(24 * 10))
    answer(c, proposal, "bestuurder")
    closing_day = local(proposal.closes_at).date()
    assert services.remind_closing(closing_day - timedelta(days=5)) == 0
    assert services.remind_closing(closing_day - timedelta(days=3)) == 2
    assert services.remind_closing(closing_day - timedelta(days=2)) == 0  # once per stage
    assert services.remind_closing(closing_day - timedelta(days=1)) == 2
    assert notified("decision_reminder") == {c.world.users["teamlid"].id, c.third_bestuurder_id}


# --- outcome and what it becomes --------------------------------------------------------------


def _passed(c):
    proposal = propose(c)
    for role in ("bestuurder", "teamlid", "bestuurder3"):
        answer(c, proposal, role)
    return proposal


def test_the_outcome_is_stated_by_the_proposer(ctx_council):
    c = ctx_council
    proposal = _passed(c)
    pm = c.world.users["programmamanager"].id
    with pytest.raises(ServiceError):
        services.state_outcome(proposal, c.world.users["beheerder"].id, "aangenomen", "Ja", None)
    with pytest.raises(ServiceError) as error:
        services.state_outcome(proposal, pm, "aangenomen", "  ", None)
    assert error.value.field == "outcome_text"
    with pytest.raises(ServiceError) as error:
        services.state_outcome(proposal, pm, "aangenomen", "Ja", today())
    assert error.value.field == "review_on"
    db.session.rollback()
    review = today() + timedelta(days=200)
    services.state_outcome(proposal, pm, "aangenomen", "Aangenomen door alle partners.", review)
    assert (proposal.outcome, proposal.review_on) == ("aangenomen", review)
    with pytest.raises(ServiceError):
        services.state_outcome(proposal, pm, "verworpen", "Toch niet", None)


def test_a_proposal_that_did_not_pass_cannot_be_adopted(ctx_council):
    c = ctx_council
    proposal = propose(c)
    answer(c, proposal, "teamlid", "bezwaar", "Nee.")
    answer(c, proposal, "bestuurder")
    answer(c, proposal, "bestuurder3")
    services.close_due(now=proposal.closes_at)
    assert proposal.result == NOT_PASSED
    pm = c.world.users["programmamanager"].id
    with pytest.raises(ServiceError) as error:
        services.state_outcome(proposal, pm, "aangenomen", "Toch", None)
    assert error.value.field == "outcome" and "niet aangenomen" in error.value.message
    db.session.rollback()
    services.state_outcome(proposal, pm, "verworpen", "Er is bezwaar.", None)
    with pytest.raises(ServiceError):
        services.adopt_as_agreement(proposal, pm)


def test_withdrawing_an_open_proposal_closes_it(ctx_council):
    c = ctx_council
    proposal = propose(c)
    pm = c.world.users["programmamanager"].id
    with pytest.raises(ServiceError):  # adopting needs the answers first
        services.state_outcome(proposal, pm, "aangenomen", "Ja", None)
    db.session.rollback()
    services.state_outcome(proposal, pm, "ingetrokken", "Niet meer nodig.", None)
    assert proposal.status == CLOSED and proposal.outcome == "ingetrokken"
    with pytest.raises(ServiceError):
        answer(c, proposal, "bestuurder")


def test_adopted_becomes_a_draft_agreement_linked_both_ways(ctx_council):
    c = ctx_council
    proposal = _passed(c)
    pm = c.world.users["programmamanager"].id
    review = today() + timedelta(days=120)
    services.state_outcome(proposal, pm, "aangenomen", "Aangenomen.", review)
    agreement = services.adopt_as_agreement(proposal, pm)
    assert agreement.status == "concept" and agreement.revisit_on == review
    assert agreement.explanation == proposal.text
    assert agreement.summary.startswith("Bij meer dan één aanbieder")
    assert {o.id for o in agreement.parties} == set(c.organisation_ids)
    assert (agreement.origin_type, agreement.origin_id) == ("decision", proposal.id)
    assert proposal.agreement_id == agreement.id
    assert origin_url(agreement) == f"/p/{c.slug}/decisions/{proposal.number}#outcome"
    with pytest.raises(ServiceError):
        services.adopt_as_agreement(proposal, pm)
    db.session.rollback()
    assert count(Agreement) == 1


def test_adopted_can_become_a_manifest_change_proposal(ctx_council):
    c = ctx_council
    proposal = _passed(c)
    pm = c.world.users["programmamanager"].id
    services.state_outcome(proposal, pm, "aangenomen", "Aangenomen.", None)
    change = services.adopt_as_manifest_change(proposal, pm)
    assert (change.origin_type, change.origin_id) == ("decision", proposal.id)
    assert proposal.change_proposal_id == change.id and count(ChangeProposal) == 1
    with pytest.raises(ServiceError):
        services.adopt_as_agreement(proposal, pm)


def test_archiving_a_closed_proposal(ctx_council):
    c = ctx_council
    proposal = propose(c)
    with pytest.raises(ServiceError):  # open: withdraw first
        services.set_archived(proposal, c.member("programmamanager"), True)
    db.session.rollback()
    services.state_outcome(
        proposal, c.world.users["programmamanager"].id, "ingetrokken", "Weg.", None
    )
    with pytest.raises(ServiceError):
        services.set_archived(proposal, c.member("teamlid"), True)
    db.session.rollback()
    services.set_archived(proposal, c.member("programmamanager"), True)
    assert proposal.archived_at is not None
    assert count(Proposal) == 1


# --- designations -------------------------------------------------------------------------


def test_designations_by_the_bestuurder_of_the_organisation(ctx_council):
    c = ctx_council
    bestuurder = c.member("bestuurder")
    with pytest.raises(ServiceError):  # another organisation's member
        services.designate(bestuurder, c.world.provider.id, c.world.users["partner"].id)
    with pytest.raises(ServiceError):  # a reader never decides
        services.designate(bestuurder, c.world.municipality.id, c.world.users["lezer"].id)
    with pytest.raises(ServiceError):  # not a member of the organisation
        services.designate(bestuurder, c.world.municipality.id, c.world.users["teamlid"].id)
    db.session.rollback()
    assert not services.may_decide(c.member("programmamanager"), c.world.municipality.id)
    services.designate(bestuurder, c.world.municipality.id, c.world.users["programmamanager"].id)
    assert services.may_decide(c.member("programmamanager"), c.world.municipality.id)
    assert count(AuditEvent, object_type="DecisionMandate") == 2  # the fixture's and this one


# --- what the shared layers read ---------------------------------------------------------------


def test_dashboard_lists_what_my_organisation_still_has_to_answer(ctx_council):
    c = ctx_council
    proposal = propose(c)
    assert services.awaiting(c.member("bestuurder"))[0] == 1
    assert services.awaiting(c.member("lezer"))[0] == 0
    assert services.awaiting(c.member("programmamanager"))[0] == 0
    answer(c, proposal, "bestuurder")
    assert services.awaiting(c.member("bestuurder"))[0] == 0
    assert services.awaiting(c.member("teamlid"))[0] == 1


def test_history_resolves_only_within_the_partnership(
    app, ctx_council, make_partnership, password_hash
):
    c = ctx_council
    proposal = propose(c)
    target = resolve("decision", proposal.id, c.member("lezer"))
    assert target is not None and target.label == "VS-1 Eén regisseur per gezin"
    other = make_partnership("anderverband")
    add_council(other, password_hash)
    outsider = db.session.get(Membership, other.memberships["beheerder"].id)
    assert resolve("decision", proposal.id, outsider) is None


def test_search_finds_proposals_and_objections(ctx_council):
    from app.search.services import search

    c = ctx_council
    proposal = propose(c)
    answer(c, proposal, "teamlid", "bezwaar", "De privacyparagraaf ontbreekt.")
    results = search(c.member("lezer"), "regisseur")
    assert results.counts.get("decision") == 1
    assert search(c.member("lezer"), "privacyparagraaf").counts.get("decision") == 1


def test_calendar_has_the_closing_time(ctx_council):
    from app.auth.models import User
    from app.exports.calendar import feed_for

    c = ctx_council
    propose(c)
    feed = feed_for(db.session.get(User, c.third_bestuurder_id))
    assert "decision-1@samenspel" in feed.replace("\r\n ", "")
    assert "VS-1" in feed


def test_cycle_summary_and_table_outcomes_list_decisions(ctx_council):
    from app.cycles.models import Cycle
    from app.cycles.services import compose_summary
    from app.tables.services import contributed_outcomes
    from tests.tables.helpers import make_table

    c = ctx_council
    table = make_table(c.world)
    proposal = propose(c, role="teamlid", table=table,
                       organisations=[c.world.municipality.id, c.world.provider.id])  # fmt: skip
    answer(c, proposal, "bestuurder")
    answer(c, proposal, "teamlid")
    services.state_outcome(proposal, c.world.users["teamlid"].id, "aangenomen", "Ja.", None)
    agreement = services.adopt_as_agreement(proposal, c.world.users["teamlid"].id)
    rows = contributed_outcomes(table)
    assert len(rows) == 1 and "VS-1" in rows[0]["label"]
    assert rows[0]["result_label"] == f"{agreement.reference} {agreement.title}"
    cycle = Cycle(partnership_id=c.world.partnership.id, number=1, title="Eerste helft",
                  period_from=date(today().year - 1, 1, 1), period_to=today() + timedelta(days=1))  # fmt: skip
    part = compose_summary(cycle)["parts"]["decisions"]
    assert part["count"] == 1 and part["adopted"] == 1
    assert part["items"][0]["title"] == proposal.title
