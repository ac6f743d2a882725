"""Review use cases: record, scores, lessons with follow-ups, privacy guard, finalise,
visibility, actions, retention, overviews, the dashboard panel and the audit trail."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta

import pytest
from flask_babel import gettext
from sqlalchemy import select

from app.agreements.models import AgreementComment
from app.errors import ServiceError
from app.extensions import db
from app.manifest import services as manifest
from app.manifest.links import linked_principle_ids
from app.manifest.models import ChangeProposal, PrincipleLink
from app.partnerships.models import Membership, Partnership
from app.reviews import services
from app.reviews.models import (
    AIMS,
    CONCEPT,
    FINAL,
    Action,
    Lesson,
    PrivacyConfirmation,
    Review,
    ReviewScore,
)
from app.tables.models import Conversation, ThematicTable
from app.timeutil import utcnow
from tests.reviews.helpers import (
    OTHER_ORGANISATION,
    SECRETS,
    add_lesson,
    adopt_manifest,
    audit,
    count,
    days,
    finalise,
    make_agreement,
    make_review,
    make_table,
    member,
    quality_fields,
    reload,
    review_fields,
    score_all,
    state,
)


def said(msgid: str, **variables) -> str:
    return gettext(msgid, **variables)


def refused(call, msgid: str, field: str | None = None, **variables) -> ServiceError:
    """call() raises a ServiceError with this message and field, and changes nothing once
    the transaction is undone the way the routes undo it."""
    before = state()
    with pytest.raises(ServiceError) as caught:
        call()
    db.session.rollback()
    assert str(caught.value.message) == said(msgid, **variables)
    assert caught.value.field == field
    assert state() == before
    return caught.value


FINALISED = "This review has been finalised and can no longer be changed."
NOT_YOURS = "Only the recording organisation's team can change this review."
BSN_REFUSED = (
    "The text contains a citizen service number (BSN). Remove it: a BSN may not be stored."
)
OPEN_HITS = (
    "The privacy guard found %(n)s possible personal data. Remove them or confirm each with "
    "a reason."
)


# --- recording ------------------------------------------------------------------------------


def test_a_teamlid_records_a_concept_for_their_own_organisation(ctx, world):
    review = make_review(world)
    review = reload(review)
    assert (review.number, review.reference, review.status) == (1, "CR-1", CONCEPT)
    assert review.organisation_id == world.provider.id
    assert review.created_by_id == world.users["teamlid"].id
    assert review.kind == "casusbespreking"
    assert review.held_on == days(-7)
    assert review.team == "Team Gezin Noord"
    # Participants by role, one per line.
    assert review.participants.splitlines()[0] == "jeugdprofessional"
    assert review.aims == {}
    [event] = audit("Review", "create")
    assert event.object_id == review.id
    assert event.actor_id == world.users["teamlid"].id
    assert event.partnership_id == world.partnership.id
    assert event.changes["title"] == [None, "Gezin met twee aanbieders"]
    # The case details never go into the audit trail.
    assert not any(secret in json.dumps(event.changes) for secret in SECRETS)


def test_numbers_count_per_partnership(ctx, make_partnership):
    first, second = make_partnership("eerste"), make_partnership("tweede")
    assert [make_review(first).number for _ in range(2)] == [1, 2]
    assert make_review(second).number == 1
    # A programmamanager records for the municipality.
    review = make_review(first, "programmamanager")
    assert (review.number, review.organisation_id) == (3, first.municipality.id)


@pytest.mark.parametrize(
    ("over", "msgid", "field", "variables"),
    [
        ({"kind": "intervisie"}, "Choose a case discussion or a quality review.", "kind", {}),
        ({"kind": None}, "Choose a case discussion or a quality review.", "kind", {}),
        ({"held_on": None}, "Enter the date of the review.", "held_on", {}),
        ({"held_on": "2024-01-01"}, "Enter the date of the review.", "held_on", {}),
        (
            {"held_on": "future"},
            "A review is recorded after it was held; the date cannot lie in the future.",
            "held_on",
            {},
        ),
        ({"title": "   "}, "Enter a title.", "title", {}),
        ({"title": None}, "Enter a title.", "title", {}),
        ({"team": ""}, "Enter the team.", "team", {}),
        ({"title": "x" * 201}, "Use at most %(n)s characters.", "title", {"n": 200}),
        ({"team": "x" * 201}, "Use at most %(n)s characters.", "team", {"n": 200}),
        (
            {"case_description": "x" * 20001},
            "Use at most %(n)s characters.",
            "case_description",
            {"n": 20000},
        ),
    ],
    ids=[
        "unknown-kind", "no-kind", "no-date", "date-as-text", "future-date",
        "blank-title", "no-title", "no-team", "long-title", "long-team", "long-description",
    ],
)  # fmt: skip
def test_bad_review_input_is_refused_and_changes_nothing(ctx, world, over, msgid, field, variables):
    if over.get("held_on") == "future":
        over = {"held_on": days(1)}
    refused(lambda: make_review(world, **over), msgid, field, **variables)
    assert count(Review) == 0


def test_a_review_held_today_is_accepted(ctx, world):
    assert make_review(world, held_on=days(0)).held_on == days(0)


def test_a_quality_review_keeps_its_four_aims(ctx, world):
    review = services.create_review(member(world, "teamlid"), quality_fields())
    review = reload(review)
    assert review.kind == "kwaliteitsreview"
    assert set(review.aims) == set(AIMS) == {
        "communicatie", "professionalisering", "verschillen", "regels",
    }  # fmt: skip
    assert review.aims["regels"].startswith("Doel regels")


def test_a_case_discussion_does_not_keep_aims(ctx, world):
    data = quality_fields(kind="casusbespreking")
    review = reload(services.create_review(member(world, "teamlid"), data))
    assert review.aims == {}


def test_the_team_updates_its_concept(ctx, world, add_member):
    review = make_review(world)
    version = review.version
    services.update_review(
        review, member(world, "teamlid"), review_fields(title="Nieuwe titel", team="Team Zuid")
    )
    review = reload(review)
    assert (review.title, review.team) == ("Nieuwe titel", "Team Zuid")
    assert review.version == version + 1
    # A second member of the same organisation (a colleague in the team) may edit too.
    colleague_id, _ = add_member(world, "teamlid")
    colleague = db.session.execute(
        select(Membership).where(Membership.user_id == colleague_id)
    ).scalar_one()
    services.update_review(review, colleague, quality_fields(title="Door collega"))
    review = reload(review)
    assert review.title == "Door collega"
    assert set(review.aims) == set(AIMS)
    events = audit("Review", "update")
    assert [e.actor_id for e in events] == [world.users["teamlid"].id, colleague_id]
    # Only which fields changed is recorded, never the case text.
    assert events[0].changes["case_description"] == ["…", "…"]
    assert not any(secret in json.dumps(e.changes) for e in events for secret in SECRETS)


@pytest.mark.parametrize("role", ["programmamanager", "beheerder", "partner", "lezer"])
def test_members_outside_the_recording_team_cannot_update(ctx, world, role):
    review = make_review(world)
    refused(
        lambda: services.update_review(review, member(world, role), review_fields(title="X")),
        NOT_YOURS,
    )


def test_bad_input_on_update_changes_nothing(ctx, world):
    review = make_review(world)
    refused(
        lambda: services.update_review(review, member(world, "teamlid"), review_fields(title="")),
        "Enter a title.",
        "title",
    )
    assert reload(review).title == "Gezin met twee aanbieders"


# --- scores ---------------------------------------------------------------------------------


def test_scores_from_1_to_5_per_adopted_principle_with_an_optional_explanation(
    ctx, world, principles
):
    review = make_review(world)
    ids = list(principles.values())
    services.set_scores(
        review, member(world, "teamlid"),
        {ids[0]: (1, "Slecht"), ids[1]: ("5", ""), ids[2]: ("", "Niet van toepassing")},
    )  # fmt: skip
    scores = services.scores_of(review)
    assert {pid: (s.score, s.explanation) for pid, s in scores.items()} == {
        ids[0]: (1, "Slecht"),
        ids[1]: (5, ""),
        ids[2]: (None, "Niet van toepassing"),
    }
    # Scoring again changes the same rows.
    services.set_scores(review, member(world, "teamlid"), {ids[0]: (3, "Beter")})
    assert count(ReviewScore) == 3
    assert services.scores_of(review)[ids[0]].score == 3
    events = audit("Review", "score")
    assert len(events) == 2
    assert events[0].changes["scores"][1] == {str(ids[0]): 1, str(ids[1]): "5", str(ids[2]): ""}


@pytest.mark.parametrize("bad", [0, 6, "0", "6", "x", "3.5", -1, "  "])
def test_a_score_outside_1_to_5_is_refused_and_nothing_is_saved(ctx, world, principles, bad):
    review = make_review(world)
    ids = list(principles.values())
    score_all(world, review, principles, values=(2, 2, 2))
    refused(
        lambda: services.set_scores(
            review, member(world, "teamlid"), {ids[0]: (4, "goed"), ids[1]: (bad, "")}
        ),
        "A score is a whole number from 1 to 5.",
        f"score_{ids[1]}",
    )
    assert [s.score for s in services.scores_of(review).values()] == [2, 2, 2]


def test_only_principles_of_the_adopted_manifest_are_scored(ctx, world, make_partnership):
    review = make_review(world)
    # Without an adopted manifest there is nothing to score against.
    other = make_partnership("ander")
    foreign = adopt_manifest(other, ("Vreemd",))["Vreemd"]
    refused(
        lambda: services.set_scores(review, member(world, "teamlid"), {foreign: (3, "")}),
        "Score the principles of the adopted manifest.",
    )
    ids = adopt_manifest(world)
    # A principle that is only in a draft is not scored yet.
    draft = manifest.open_draft(db.session.get(Partnership, world.partnership.id),
                                world.users["programmamanager"].id)  # fmt: skip
    new = manifest.add_principle(
        draft, {"title": "Nieuw", "core_sentence": "Nieuw.", "explanation": "", "origin": "",
                "practice": ""},
    ).principle_id  # fmt: skip
    refused(
        lambda: services.set_scores(
            review, member(world, "teamlid"), {ids["Samen"]: (3, ""), new: (3, "")}
        ),
        "Score the principles of the adopted manifest.",
    )
    assert count(ReviewScore) == 0


def test_a_long_explanation_is_refused(ctx, world, principles):
    review = make_review(world)
    pid = principles["Open"]
    refused(
        lambda: services.set_scores(review, member(world, "teamlid"), {pid: (3, "x" * 5001)}),
        "Use at most %(n)s characters.",
        f"explanation_{pid}",
        n=5000,
    )


# --- lessons --------------------------------------------------------------------------------


def test_a_lesson_has_text_level_arena_and_the_principles_it_touches(ctx, world, principles):
    review = make_review(world)
    cited = [principles["Samen"], principles["Lerend"]]
    lesson = add_lesson(world, review, level="3", arena="systeem", principles=cited)
    lesson = db.session.get(Lesson, lesson.id)
    assert (lesson.level, lesson.arena, lesson.follow_up) == (3, "systeem", "none")
    assert lesson.partnership_id == world.partnership.id
    assert sorted(linked_principle_ids("lesson", lesson.id, "cites")) == sorted(cited)
    assert services.lesson_principles([lesson.id]) == {lesson.id: sorted(cited)}
    [event] = audit("Lesson", "create")
    assert event.changes["level"] == [None, 3]
    assert event.changes["arena"] == [None, "systeem"]


@pytest.mark.parametrize(
    ("over", "msgid", "field"),
    [
        ({"level": None}, "Choose the level of the lesson (1e, 2e or 3e orde).", "level"),
        ({"level": ""}, "Choose the level of the lesson (1e, 2e or 3e orde).", "level"),
        ({"level": 0}, "Choose the level of the lesson (1e, 2e or 3e orde).", "level"),
        ({"level": 4}, "Choose the level of the lesson (1e, 2e or 3e orde).", "level"),
        ({"level": "x"}, "Choose the level of the lesson (1e, 2e or 3e orde).", "level"),
        ({"arena": None}, "Choose the arena: case, organisation or system.", "arena"),
        ({"arena": "wijk"}, "Choose the arena: case, organisation or system.", "arena"),
        ({"text": "  "}, "Write the lesson.", "text"),
        ({"follow_up": "mail"}, "Choose a follow-up.", "follow_up"),
    ],
    ids=[
        "no-level",
        "empty-level",
        "level-0",
        "level-4",
        "level-x",
        "no-arena",
        "bad-arena",
        "no-text",
        "bad-follow-up",
    ],  # fmt: skip
)
def test_bad_lesson_input_is_refused_and_changes_nothing(ctx, world, over, msgid, field):
    review = make_review(world)
    refused(lambda: add_lesson(world, review, **over), msgid, field)
    assert count(Lesson) == 0


def test_a_lesson_cites_only_principles_of_the_adopted_manifest(ctx, world, principles,
                                                                 make_partnership):  # fmt: skip
    review = make_review(world)
    foreign = adopt_manifest(make_partnership("ander"), ("Vreemd",))["Vreemd"]
    refused(
        lambda: add_lesson(world, review, principles=[principles["Open"], foreign]),
        "Choose principles of the adopted manifest.",
        "principles",
    )
    assert count(Lesson) == 0
    assert count(PrincipleLink, source_type="lesson") == 0


def test_removing_a_lesson_removes_its_links(ctx, world, principles):
    review = make_review(world)
    lesson = add_lesson(world, review, principles=[principles["Open"]])
    lesson_id = lesson.id
    services.remove_lesson(review, member(world, "teamlid"), lesson)
    assert count(Lesson) == 0
    assert linked_principle_ids("lesson", lesson_id, "cites") == []
    [event] = audit("Lesson", "delete")
    assert event.object_id == lesson_id


# --- follow-ups ----------------------------------------------------------------------------


def test_an_action_needs_an_owner_who_is_a_partnership_member(ctx, world, make_partnership):
    review = make_review(world)
    outsider = make_partnership("ander").users["teamlid"].id
    for owner in (None, "", outsider):
        refused(
            lambda owner=owner: add_lesson(
                world, review, follow_up="action", action_owner_id=owner
            ),  # fmt: skip
            "Choose an owner who is a member of this partnership.",
            "action_owner_id",
        )
    refused(
        lambda: add_lesson(world, review, follow_up="action",
                           action_owner_id=world.users["lezer"].id, action_due_on=days(-1)),
        "The due date cannot lie in the past.",
        "action_due_on",
    )  # fmt: skip
    # An inactive member is no owner either.
    membership = member(world, "lezer")
    membership.active = False
    db.session.commit()
    refused(
        lambda: add_lesson(world, review, follow_up="action",
                           action_owner_id=world.users["lezer"].id),
        "Choose an owner who is a member of this partnership.",
        "action_owner_id",
    )  # fmt: skip


def test_an_action_is_made_at_finalise_and_links_both_ways(ctx, world):
    review = make_review(world)
    owner = world.users["programmamanager"].id
    lesson = add_lesson(world, review, text="Overleg plannen.", follow_up="action",
                        action_owner_id=owner, action_due_on=days(30))  # fmt: skip
    assert (lesson.action_owner_id, lesson.action_due_on) == (owner, days(30))
    assert count(Action) == 0
    finalise(world, review)
    [action] = db.session.execute(select(Action)).scalars().all()
    assert (action.title, action.owner_id, action.due_on, action.status) == (
        "Overleg plannen.", owner, days(30), "open",
    )  # fmt: skip
    assert action.partnership_id == world.partnership.id
    assert "CR-1" in action.source_label
    assert db.session.get(Lesson, lesson.id).action_id == action.id


def test_an_agreement_proposal_needs_an_agreement_of_this_partnership(ctx, world,
                                                                      make_partnership):  # fmt: skip
    review = make_review(world)
    other = make_partnership("ander")
    foreign = make_agreement(other)
    for target in (None, foreign.id, 999999):
        refused(
            lambda target=target: add_lesson(world, review, follow_up="agreement",
                                             target_agreement_id=target, proposal_text="Wijzig."),
            "Choose an agreement of this partnership.",
            "target_agreement_id",
        )  # fmt: skip
    own = make_agreement(world)
    refused(
        lambda: add_lesson(world, review, follow_up="agreement", target_agreement_id=own.id),
        "Write the proposed change.",
        "proposal_text",
    )


def test_an_agreement_proposal_becomes_a_comment_proposal_at_finalise(ctx, world):
    agreement = make_agreement(world)
    review = make_review(world)
    lesson = add_lesson(world, review, text="De overdracht is te vrijblijvend.",
                        follow_up="agreement", target_agreement_id=agreement.id,
                        proposal_text="Voeg een vast contactmoment toe.")  # fmt: skip
    assert count(AgreementComment) == 0
    finalise(world, review)
    [comment] = db.session.execute(select(AgreementComment)).scalars().all()
    assert comment.is_proposal is True
    assert comment.agreement_id == agreement.id
    assert comment.author_id == world.users["teamlid"].id
    assert "Voeg een vast contactmoment toe." in comment.body
    assert "De overdracht is te vrijblijvend." in comment.body
    assert "CR-1" in comment.origin_label
    assert db.session.get(Lesson, lesson.id).agreement_comment_id == comment.id


def test_a_long_agreement_proposal_still_finalises(ctx, world):
    # Lesson text and proposal may each be 5000 characters; together they must still fit.
    agreement = make_agreement(world)
    review = make_review(world)
    add_lesson(world, review, text="a" * 5000, follow_up="agreement",
               target_agreement_id=agreement.id, proposal_text="b" * 5000)  # fmt: skip
    finalise(world, review)
    assert reload(review).status == FINAL
    [comment] = db.session.execute(select(AgreementComment)).scalars().all()
    assert comment.body.startswith("b" * 5000)


def test_a_principle_proposal_needs_a_title_a_sentence_and_a_principle_of_this_partnership(
    ctx, world, principles, make_partnership
):
    review = make_review(world)
    foreign = adopt_manifest(make_partnership("ander"), ("Vreemd",))["Vreemd"]
    base = {"follow_up": "principle", "proposal_title": "Ruimte", "proposal_text": "Ruimte."}
    refused(
        lambda: add_lesson(world, review, **{**base, "target_principle_id": foreign}),
        "Choose a principle of this partnership.",
        "target_principle_id",
    )
    refused(
        lambda: add_lesson(world, review, **{**base, "proposal_title": ""}),
        "Enter a title for the proposed principle.",
        "proposal_title",
    )
    refused(
        lambda: add_lesson(world, review, **{**base, "proposal_text": ""}),
        "Write the proposed principle in one sentence.",
        "proposal_text",
    )
    refused(
        lambda: add_lesson(world, review, **{**base, "proposal_text": "x" * 501}),
        "Use at most %(n)s characters.",
        "proposal_text",
        n=500,
    )


def test_a_principle_proposal_becomes_a_change_proposal_with_the_lesson_as_origin(
    ctx, world, principles
):
    review = make_review(world)
    new = add_lesson(world, review, text="Wij geven toestemming in plaats van ruimte.", level=3,
                     arena="systeem", follow_up="principle", target_principle_id="",
                     proposal_title="Ruimte voor de professional",
                     proposal_text="Professionals doen wat nodig is.")  # fmt: skip
    change = add_lesson(world, review, level=2, arena="organisatie", follow_up="principle",
                        target_principle_id=principles["Open"], proposal_title="Open",
                        proposal_text="Wij delen alles wat nodig is.")  # fmt: skip
    assert count(ChangeProposal) == 0
    finalise(world, review)
    proposals = {p.origin_id: p for p in db.session.execute(select(ChangeProposal)).scalars()}
    assert set(proposals) == {new.id, change.id}
    first = proposals[new.id]
    assert (first.origin_type, first.principle_id, first.status) == ("lesson", None, "open")
    assert (first.title, first.core_sentence) == (
        "Ruimte voor de professional", "Professionals doen wat nodig is.",
    )  # fmt: skip
    assert first.explanation == "Wij geven toestemming in plaats van ruimte."
    assert "CR-1" in first.origin_label
    assert first.author_id == world.users["teamlid"].id
    assert proposals[change.id].principle_id == principles["Open"]
    assert db.session.get(Lesson, new.id).change_proposal_id == first.id
    assert db.session.get(Lesson, change.id).change_proposal_id == proposals[change.id].id
    # The manifest lists it among its open proposals.
    assert first in manifest_proposals(world)


def manifest_proposals(world):
    return list(db.session.execute(manifest.proposals_query(world.partnership.id)).scalars())


def test_a_table_item_needs_a_table_the_member_takes_part_in(ctx, world, make_partnership):
    review = make_review(world)
    # The teamlid reads every table but takes part only where they are a member.
    table = make_table(world, members=("partner",))
    refused(
        lambda: add_lesson(world, review, follow_up="table", target_table_id=table.id,
                           proposal_text="Vraag?"),
        "You can only put an item on a table you take part in.",
        "target_table_id",
    )  # fmt: skip
    foreign = make_table(make_partnership("ander"), members=())
    for target in (None, foreign.id):
        refused(
            lambda target=target: add_lesson(world, review, follow_up="table",
                                             target_table_id=target, proposal_text="Vraag?"),
            "Choose a thematic table.",
            "target_table_id",
        )  # fmt: skip
    joined = make_table(world, name="18-/18+", members=("teamlid",))
    refused(
        lambda: add_lesson(world, review, follow_up="table", target_table_id=joined.id),
        "Write the question for the table.",
        "proposal_text",
    )
    # A finished table takes no new items, not even from its members.
    db.session.get(ThematicTable, joined.id).status = "afgerond"
    db.session.commit()
    refused(
        lambda: add_lesson(world, review, follow_up="table", target_table_id=joined.id,
                           proposal_text="Vraag?"),
        "You can only put an item on a table you take part in.",
        "target_table_id",
    )  # fmt: skip


def test_a_table_item_opens_a_conversation_at_finalise(ctx, world):
    table = make_table(world, members=("teamlid",))
    review = make_review(world)
    lesson = add_lesson(world, review, text="Jongeren vallen tussen de loketten.", level=2,
                        arena="systeem", follow_up="table", target_table_id=table.id,
                        proposal_text="Wie biedt een vangnet na 18?")  # fmt: skip
    assert count(Conversation) == 0
    finalise(world, review)
    [conversation] = db.session.execute(select(Conversation)).scalars().all()
    assert conversation.table_id == table.id
    assert conversation.partnership_id == world.partnership.id
    assert conversation.author_id == world.users["teamlid"].id
    assert "CR-1" in conversation.title
    assert "Wie biedt een vangnet na 18?" in conversation.introduction
    assert "Jongeren vallen tussen de loketten." in conversation.introduction
    assert db.session.get(Lesson, lesson.id).conversation_id == conversation.id
    assert audit("Conversation", "create")[-1].object_id == conversation.id


def test_follow_ups_are_carried_out_only_at_finalise(ctx, world, principles):
    agreement = make_agreement(world)
    table = make_table(world, members=("teamlid",))
    review = make_review(world)
    add_lesson(world, review, follow_up="action", action_owner_id=world.users["teamlid"].id)
    add_lesson(world, review, follow_up="agreement", target_agreement_id=agreement.id,
               proposal_text="Wijzig.")  # fmt: skip
    add_lesson(world, review, level=3, follow_up="principle", proposal_title="Nieuw",
               proposal_text="Nieuw principe.")  # fmt: skip
    add_lesson(world, review, follow_up="table", target_table_id=table.id, proposal_text="Vraag?")
    add_lesson(world, review)
    made = (Action, AgreementComment, ChangeProposal, Conversation)
    assert [count(model) for model in made] == [0, 0, 0, 0]
    finalise(world, review)
    assert [count(model) for model in made] == [1, 1, 1, 1]
    lessons = services.lessons_of(review)
    assert sum(1 for lesson in lessons if lesson.follow_up == "none") == 1


# --- privacy guard and finalising ---------------------------------------------------------------


def stored_before_the_rule(review: Review, **texts) -> Review:
    """Texts written straight to the database, as saved before saves refused a BSN."""
    for name, value in texts.items():
        setattr(review, name, value)
    db.session.commit()
    return review


def test_finalising_with_a_bsn_is_refused_and_nothing_is_carried_out(ctx, world):
    review = make_review(world)
    add_lesson(world, review, follow_up="action", action_owner_id=world.users["teamlid"].id)
    stored_before_the_rule(review, case_description="Cliënt met BSN 123456782 en verder niets.")
    refused(lambda: finalise(world, review), BSN_REFUSED)
    review = reload(review)
    assert (review.status, review.finalised_at) == (CONCEPT, None)
    assert count(Action) == 0


@pytest.mark.parametrize(
    "where, field",
    [("title", "title"), ("participants", "participants"), ("went_well", "went_well"),
     ("aim", "aim_regels"), ("case", "case_description")],
)  # fmt: skip
def test_a_bsn_is_refused_when_a_concept_is_saved(ctx, world, where, field):
    bsn = "123 456 782"
    over = {
        "title": {"title": f"Casus {bsn}"},
        "participants": {"participants": f"jeugdprofessional {bsn}"},
        "went_well": {"went_well": f"Goed {bsn}"},
        "aim": {"aim_regels": f"Regels {bsn}"},
        "case": {"case_description": f"Cliënt met BSN {bsn}, mevr. Jansen belde."},
    }[where]
    refused(
        lambda: services.create_review(member(world, "teamlid"), quality_fields(**over)),
        BSN_REFUSED,
        field,
    )
    assert count(Review) == 0


def test_a_bsn_is_refused_when_a_concept_is_edited_and_the_old_text_stays(ctx, world):
    review = make_review(world, case_description="Het gezin wachtte lang.")
    refused(
        lambda: services.update_review(
            review, member(world, "teamlid"),
            review_fields(case_description="Het gezin (BSN 123456782) wachtte lang."),
        ),
        BSN_REFUSED,
        "case_description",
    )  # fmt: skip
    assert reload(review).case_description == "Het gezin wachtte lang."


def test_other_hits_are_stored_as_warnings_on_save(ctx, world):
    text = "Mevr. Jansen belde vanaf 06-12345678."
    review = make_review(world, case_description=text)
    assert reload(review).case_description == text
    assert sorted(f.hit.kind for f in services.findings(review)) == ["name", "phone"]


@pytest.mark.parametrize("where", ["explanation", "lesson", "proposal"])
def test_a_bsn_is_refused_in_scores_and_lessons(ctx, world, principles, where):
    bsn = "123 456 782"
    review = services.create_review(member(world, "teamlid"), quality_fields())
    if where == "explanation":
        refused(
            lambda: services.set_scores(review, member(world, "teamlid"),
                                        {principles["Open"]: (3, f"Want {bsn}")}),
            BSN_REFUSED, f"explanation_{principles['Open']}",
        )  # fmt: skip
        assert count(ReviewScore) == 0
    if where == "lesson":
        refused(lambda: add_lesson(world, review, text=f"Les {bsn}"), BSN_REFUSED, "text")
    if where == "proposal":
        refused(
            lambda: add_lesson(world, review, level=3, follow_up="principle",
                               proposal_title="Nieuw", proposal_text=f"Principe {bsn}."),
            BSN_REFUSED, "proposal_text",
        )  # fmt: skip
    assert count(Lesson) == 0
    assert services.findings(review) == []


def test_a_bsn_cannot_be_confirmed(ctx, world):
    review = stored_before_the_rule(make_review(world), case_description="BSN 123456782.")
    refused(
        lambda: services.confirm_hit(review, member(world, "teamlid"), "bsn", "123456782",
                                     "Is een ordernummer."),
        "A citizen service number (BSN) cannot be confirmed: remove it.",
    )  # fmt: skip
    assert count(PrivacyConfirmation) == 0


def test_other_hits_must_be_confirmed_with_a_reason_before_finalising(ctx, world):
    review = make_review(
        world, case_description="Het team belde 033-4567890 en schreef naar 3811 AB."
    )
    teamlid = member(world, "teamlid")
    assert [(f.field, f.hit.kind, f.confirmed) for f in services.findings(review)] == [
        ("case_description", "phone", False),
        ("case_description", "postcode", False),
    ]
    refused(lambda: finalise(world, review), OPEN_HITS, n=2)
    for reason in ("", "   ", None):
        refused(
            lambda reason=reason: services.confirm_hit(review, teamlid, "phone", "033-4567890",
                                                       reason),
            "Give the reason why this is not personal data.",
            "reason",
        )  # fmt: skip
    services.confirm_hit(review, teamlid, "phone", "033-4567890", "Algemeen nummer van het team.")
    refused(lambda: finalise(world, review), OPEN_HITS, n=1)
    services.confirm_hit(review, teamlid, "postcode", "3811 AB", "Postcode van het stadhuis.")
    assert all(f.confirmed for f in services.findings(review))
    finalise(world, review)
    assert reload(review).status == FINAL


def test_a_confirmation_stores_a_hash_and_the_reason_not_the_text(ctx, world):
    review = make_review(world, case_description="Het team belde 033-4567890.")
    services.confirm_hit(review, member(world, "teamlid"), "phone", "033-4567890",
                         "Algemeen nummer van het team.")  # fmt: skip
    [row] = db.session.execute(select(PrivacyConfirmation)).scalars().all()
    assert row.fragment_hash == hashlib.sha256(b"phone:033-4567890").hexdigest()
    assert row.reason == "Algemeen nummer van het team."
    assert (row.kind, row.review_id) == ("phone", review.id)
    assert row.confirmed_by_id == world.users["teamlid"].id
    stored = {c.key: getattr(row, c.key) for c in PrivacyConfirmation.__table__.columns}
    assert not any("4567890" in str(value) for value in stored.values())
    [event] = audit("PrivacyConfirmation", "confirm_privacy_hit")
    assert event.changes == {"kind": [None, "phone"],
                             "reason": [None, "Algemeen nummer van het team."]}  # fmt: skip
    # Confirming the same hit again keeps one confirmation.
    services.confirm_hit(review, member(world, "teamlid"), "phone", "033-4567890", "Nogmaals.")
    assert count(PrivacyConfirmation) == 1


def test_a_confirmation_covers_only_its_own_fragment(ctx, world):
    review = make_review(world, case_description="Het team belde 033-4567890.")
    teamlid = member(world, "teamlid")
    services.confirm_hit(review, teamlid, "phone", "033-4567890", "Teamnummer.")
    services.update_review(review, teamlid, review_fields(case_description="Belde 030 123 4567."))
    assert [(f.hit.text, f.confirmed) for f in services.findings(review)] == [
        ("030 123 4567", False)
    ]
    refused(lambda: finalise(world, review), OPEN_HITS, n=1)


@pytest.mark.parametrize(
    ("kind", "fragment", "msgid"),
    [
        ("phone", "030 123 4567", "This hit is no longer in the text."),
        ("postcode", "033-4567890", "This hit is no longer in the text."),
        ("adres", "033-4567890", "Unknown kind of hit."),
    ],
)
def test_a_confirmation_must_match_a_hit_in_the_text(ctx, world, kind, fragment, msgid):
    review = make_review(world, case_description="Het team belde 033-4567890.")
    refused(
        lambda: services.confirm_hit(review, member(world, "teamlid"), kind, fragment, "Reden."),
        msgid,
    )


def test_removing_the_hit_from_the_text_lets_the_review_be_finalised(ctx, world):
    review = make_review(world, case_description="Moeder: mevr. Jansen, 06-12345678.")
    refused(lambda: finalise(world, review), OPEN_HITS, n=2)
    services.update_review(review, member(world, "teamlid"),
                           review_fields(case_description="Moeder is telefonisch bereikbaar."))  # fmt: skip
    finalise(world, review)
    assert reload(review).status == FINAL


def test_finalising_needs_a_case_description_or_findings(ctx, world):
    review = make_review(world, case_description="", went_well="", could_be_better="")
    refused(lambda: finalise(world, review), "Describe the case or the findings before finalising.")
    assert reload(review).status == CONCEPT


def test_finalising_shares_the_review_and_freezes_it(ctx, world, principles):
    review = make_review(world)
    score_all(world, review, principles, values=(4, None, 2))
    lesson = add_lesson(world, review)
    before = utcnow()
    finalise(world, review)
    review = reload(review)
    assert review.status == FINAL
    assert review.finalised_by_id == world.users["teamlid"].id
    assert review.finalised_at >= before - timedelta(seconds=1)
    # The scored principles link to the review (for the principle pages).
    assert sorted(linked_principle_ids("review", review.id, "scores")) == sorted(
        [principles["Samen"], principles["Lerend"]]
    )
    [event] = audit("Review", "finalise")
    assert event.changes == {"status": [CONCEPT, FINAL]}
    teamlid = member(world, "teamlid")
    for call in (
        lambda: services.update_review(review, teamlid, review_fields(title="Anders")),
        lambda: services.set_scores(review, teamlid, {principles["Open"]: (5, "")}),
        lambda: add_lesson(world, review),
        lambda: services.remove_lesson(review, teamlid, db.session.get(Lesson, lesson.id)),
        lambda: services.confirm_hit(review, teamlid, "phone", "x", "reden"),
        lambda: finalise(world, review),
    ):
        refused(call, FINALISED)


@pytest.mark.parametrize("role", OTHER_ORGANISATION + ("beheerder", "partner"))
def test_only_the_recording_team_finalises(ctx, world, role):
    review = make_review(world)
    refused(lambda: finalise(world, review, role), NOT_YOURS)
    refused(lambda: add_lesson(world, review, role=role), NOT_YOURS)


# --- who sees what ----------------------------------------------------------------------------


def visible_numbers(world, role: str, **filters) -> list[int]:
    query = services.visible_reviews(member(world, role), **filters)
    return [r.number for r in db.session.execute(query).scalars()]


def test_a_concept_is_visible_only_inside_its_organisation_and_to_the_beheerder(ctx, world):
    concept = make_review(world, title="Concept", held_on=days(-1))
    shared = make_review(world, title="Gedeeld", held_on=days(-10))
    finalise(world, shared)
    own = make_review(world, "programmamanager", title="Van de gemeente", held_on=days(-5))
    assert (concept.number, shared.number, own.number) == (1, 2, 3)
    assert visible_numbers(world, "teamlid") == [1, 2]
    assert visible_numbers(world, "partner") == [1, 2]  # same organisation, reads only
    assert visible_numbers(world, "beheerder") == [1, 3, 2]
    for role in OTHER_ORGANISATION:
        assert visible_numbers(world, role) == [3, 2], role
    assert visible_numbers(world, "teamlid", status=CONCEPT) == [1]
    assert visible_numbers(world, "teamlid", status=FINAL) == [2]
    assert visible_numbers(world, "teamlid", kind="kwaliteitsreview") == []


def test_the_list_filters_on_lesson_level(ctx, world):
    first, second = make_review(world, title="Een"), make_review(world, title="Twee")
    add_lesson(world, first, level=3)
    add_lesson(world, second, level=1)
    assert visible_numbers(world, "teamlid", level=3) == [first.number]
    assert visible_numbers(world, "teamlid", level=1) == [second.number]


# --- actions ----------------------------------------------------------------------------------


def made_action(world, owner_role: str = "teamlid") -> Action:
    review = make_review(world)
    add_lesson(world, review, text="Actie.", follow_up="action",
               action_owner_id=world.users[owner_role].id, action_due_on=days(10))  # fmt: skip
    finalise(world, review)
    return db.session.execute(select(Action)).scalar_one()


@pytest.mark.parametrize("role", ["teamlid", "programmamanager", "beheerder"])
def test_the_owner_or_a_programme_manager_changes_an_action(ctx, world, role):
    action = made_action(world)
    services.set_action_status(action, member(world, role), "in_uitvoering")
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    assert action.status == "in_uitvoering"
    [event] = audit("Action", "update")
    assert event.changes["status"] == ["open", "in_uitvoering"]
    assert event.actor_id == world.users[role].id
    assert [
        a.id for a in db.session.execute(services.open_actions(world.partnership.id)).scalars()
    ] == [action.id]
    services.set_action_status(action, member(world, role), "gereed")
    assert list(db.session.execute(services.open_actions(world.partnership.id)).scalars()) == []


@pytest.mark.parametrize("role", ["lezer", "bestuurder", "partner", "colleague"])
def test_others_cannot_change_an_action(ctx, world, role, add_member):
    action = made_action(world)
    if role == "colleague":
        user_id, _ = add_member(world, "teamlid")
        membership = db.session.execute(
            select(Membership).where(Membership.user_id == user_id)
        ).scalar_one()
    else:
        membership = member(world, role)
    refused(
        lambda: services.set_action_status(action, membership, "gereed"),
        "Only the owner or a programme manager can change this action.",
    )
    assert db.session.get(Action, action.id).status == "open"


def test_an_unknown_action_status_is_refused(ctx, world):
    action = made_action(world)
    refused(
        lambda: services.set_action_status(action, member(world, "teamlid"), "klaar"),
        "Choose a status.",
        "status",
    )


# --- retention ---------------------------------------------------------------------------------


@pytest.mark.parametrize("months", [0, 241, -3, "12", None, 12.0])
def test_a_retention_period_outside_1_to_240_months_is_refused(ctx, world, months):
    refused(
        lambda: services.set_retention(world.partnership.id, months, world.users["beheerder"].id),
        "Choose a retention period from 1 to 240 months.",
        "retention_months",
    )
    assert services.retention_months(world.partnership.id) == 24


def test_the_retention_period_is_set_per_partnership(ctx, world, make_partnership):
    other = make_partnership("ander")
    assert services.retention_months(world.partnership.id) == 24
    services.set_retention(world.partnership.id, 6, world.users["beheerder"].id)
    services.set_retention(world.partnership.id, 240, world.users["beheerder"].id)
    assert services.retention_months(world.partnership.id) == 240
    assert services.retention_months(other.partnership.id) == 24
    events = audit("ReviewSettings", "update")
    # The first setting creates the row (the default of 24 months was not stored).
    assert [e.changes["retention_months"] for e in events] == [[None, 6], [6, 240]]
    assert events[0].actor_id == world.users["beheerder"].id


def months_ago(months: int, days_more: int = 0) -> datetime:
    return utcnow() - timedelta(days=round(months * 30.44) + days_more)


def test_purging_empties_case_details_past_the_retention_period(ctx, world, principles):
    services.set_retention(world.partnership.id, 6, world.users["beheerder"].id)
    old = services.create_review(member(world, "teamlid"), quality_fields(title="Oud"))
    score_all(world, old, principles)
    add_lesson(world, old, text="Les uit de oude review.")
    finalise(world, old)
    recent = make_review(world, title="Recent")
    finalise(world, recent)
    concept = make_review(world, title="Concept")
    old.finalised_at = months_ago(6, 2)
    recent.finalised_at = months_ago(6, -2)
    concept.created_at = months_ago(30)
    db.session.commit()

    assert services.purge_expired() == 1
    old, recent, concept = (
        reload(old),
        db.session.get(Review, recent.id),
        db.session.get(Review, concept.id),
    )
    assert (old.case_description, old.went_well, old.could_be_better, old.aims) == ("", "", "", {})
    assert old.purged_at is not None
    # Title, scores and lessons stay.
    assert old.title == "Oud"
    # (by principle: PostgreSQL hands out the rows the purge updated in no set order)
    scored = dict(zip(principles.values(), (4, 3, 5), strict=False))
    assert {pid: s.score for pid, s in services.scores_of(old).items()} == scored
    assert [lesson.text for lesson in services.lessons_of(old)] == ["Les uit de oude review."]
    # Newer reviews and concepts are left alone.
    assert "ZEBRAGEHEIM" in recent.case_description and recent.purged_at is None
    assert "ZEBRAGEHEIM" in concept.case_description and concept.purged_at is None
    [event] = audit("Review", "purge")
    assert (event.object_id, event.actor_id) == (old.id, None)
    assert event.changes["retention_months"] == [None, 6]
    assert not any(secret in json.dumps(event.changes) for secret in SECRETS)
    # Running again purges nothing more.
    assert services.purge_expired() == 0
    assert len(audit("Review", "purge")) == 1


def test_purging_uses_each_partnerships_own_period(ctx, world, make_partnership):
    other = make_partnership("ander")
    services.set_retention(other.partnership.id, 36, other.users["beheerder"].id)
    mine, theirs = make_review(world), make_review(other)
    for review in (mine, theirs):
        finalise(world if review is mine else other, review)
        review.finalised_at = months_ago(25)
    db.session.commit()
    assert services.purge_expired() == 1
    assert reload(mine).purged_at is not None  # the default of 24 months
    assert db.session.get(Review, theirs.id).purged_at is None


# --- overviews ---------------------------------------------------------------------------------


def scored_review(world, held_on: date, values, final: bool = True, lessons=()):
    review = make_review(world, held_on=held_on)
    ids = services.principle_texts(world.partnership.id)
    services.set_scores(review, member(world, "teamlid"),
                        {t.principle_id: (v, "") for t, v in zip(ids, values, strict=False)})  # fmt: skip
    for level, arena in lessons:
        add_lesson(world, review, level=level, arena=arena)
    if final:
        finalise(world, review)
    return review


def test_the_score_trend_averages_per_principle_per_half_year(ctx, world, principles):
    scored_review(world, date(2023, 2, 1), (4, 2, None))
    scored_review(world, date(2023, 6, 30), (3, 3, None))
    scored_review(world, date(2023, 7, 1), (5, None, None))
    scored_review(world, date(2024, 1, 15), (1, 1, None))
    scored_review(world, date(2024, 2, 1), (1, 1, 1), final=False)  # a concept does not count
    periods, trend = services.score_trend(world.partnership.id)
    assert periods == ["2023-1", "2023-2", "2024-1"]
    assert trend == [
        (principles["Samen"], "Samen", [(3.5, 2), (5.0, 1), (1.0, 1)]),
        (principles["Open"], "Open", [(2.5, 2), (None, 0), (1.0, 1)]),
        (principles["Lerend"], "Lerend", [(None, 0), (None, 0), (None, 0)]),
    ]


def test_lessons_by_level_and_arena_count_only_finalised_reviews(ctx, world):
    scored_review(world, days(-20), (), lessons=[(1, "casus"), (1, "casus"), (3, "systeem")])
    scored_review(world, days(-10), (), lessons=[(2, "organisatie")])
    scored_review(world, days(-5), (), final=False, lessons=[(3, "systeem")])
    assert services.lessons_matrix(world.partnership.id) == {
        (1, "casus"): 2, (3, "systeem"): 1, (2, "organisatie"): 1,
    }  # fmt: skip
    shared = db.session.execute(services.shared_lessons(world.partnership.id, level=3)).scalars()
    assert [lesson.review.number for lesson in shared] == [1]
    shared = db.session.execute(services.shared_lessons(world.partnership.id, arena="casus"))
    assert len(shared.scalars().all()) == 2


# --- the dashboard panel --------------------------------------------------------------------------


def test_the_panel_shows_my_open_actions_my_organisations_concepts_and_new_3rd_order_lessons(
    ctx, world
):
    review = make_review(world, title="Gedeeld")
    add_lesson(world, review, follow_up="action", action_owner_id=world.users["teamlid"].id)
    add_lesson(world, review, level=3, arena="systeem")
    finalise(world, review)
    older = make_review(world, title="Ouder")
    add_lesson(world, older, level=3, arena="systeem")
    finalise(world, older)
    older.finalised_at = utcnow() - timedelta(days=40)
    make_review(world, title="Concept van het team")
    make_review(world, "programmamanager", title="Concept van de gemeente")
    db.session.commit()

    mine = services.attention(member(world, "teamlid"))
    assert mine["actions_total"] == 1
    assert [r.title for r in mine["concepts"]] == ["Concept van het team"]
    assert mine["concepts_total"] == 1
    assert mine["level3_total"] == 1
    assert [lesson.review.title for lesson in mine["level3"]] == ["Gedeeld"]

    manager = services.attention(member(world, "programmamanager"))
    assert (manager["actions_total"], manager["concepts_total"]) == (0, 1)
    assert [r.title for r in manager["concepts"]] == ["Concept van de gemeente"]
    # A lezer records nothing: no concepts in the panel, but the shared lessons.
    reader = services.attention(member(world, "lezer"))
    assert (reader["concepts_total"], reader["level3_total"]) == (0, 1)
    # Done actions leave the panel.
    action = db.session.execute(select(Action)).scalar_one()
    services.set_action_status(action, member(world, "teamlid"), "gereed")
    assert services.attention(member(world, "teamlid"))["actions_total"] == 0


# --- the audit trail ---------------------------------------------------------------------------------


def test_every_write_leaves_an_audit_event(ctx, world, principles):
    teamlid = member(world, "teamlid")
    review = make_review(world, case_description="Belde 033-4567890.")
    services.update_review(review, teamlid, review_fields(case_description="Belde 033-4567890."))
    score_all(world, review, principles)
    lesson = add_lesson(world, review)
    services.remove_lesson(review, teamlid, lesson)
    add_lesson(world, review, follow_up="action", action_owner_id=world.users["teamlid"].id)
    services.confirm_hit(review, teamlid, "phone", "033-4567890", "Teamnummer.")
    finalise(world, review)
    services.set_action_status(db.session.execute(select(Action)).scalar_one(), teamlid, "gereed")
    services.set_retention(world.partnership.id, 1, world.users["beheerder"].id)
    review.finalised_at = months_ago(2)
    db.session.commit()
    services.purge_expired()
    from app.activity.models import AuditEvent

    events = {
        (e.object_type, e.action)
        for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.partnership_id == world.partnership.id)
        ).scalars()
    }
    assert {
        ("Review", "create"), ("Review", "update"), ("Review", "score"), ("Lesson", "create"),
        ("Lesson", "delete"), ("PrivacyConfirmation", "confirm_privacy_hit"),
        ("Review", "finalise"), ("Action", "update"), ("ReviewSettings", "update"),
        ("Review", "purge"),
    } <= events  # fmt: skip
