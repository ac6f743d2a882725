"""Agreement use cases: create, status, revisit decisions, versions, archive, comments, audit."""

from __future__ import annotations

import pytest
from flask_babel import gettext
from sqlalchemy import select

from app.activity.models import AuditEvent
from app.agreements import services
from app.agreements.models import (
    ACTIVE,
    AMEND,
    CONCEPT,
    END,
    ENDED,
    EXTEND,
    FIRM,
    MAKE_FIRM,
    REVISIT_DUE,
    WORKABLE,
    Agreement,
    AgreementComment,
    AgreementVersion,
    Revisit,
)
from app.errors import ServiceError
from app.extensions import db
from app.manifest.links import linked_principle_ids
from app.partnerships.models import Membership
from tests.agreements.helpers import days, fields, make, principles, state


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


def fresh(agreement_id: int) -> Agreement:
    db.session.expire_all()
    return db.session.get(Agreement, agreement_id)


def versions(agreement: Agreement) -> list[AgreementVersion]:
    return list(reversed(services.versions_of(agreement)))


def revisits(agreement: Agreement) -> list[Revisit]:
    return list(
        db.session.execute(
            select(Revisit).where(Revisit.agreement_id == agreement.id).order_by(Revisit.id)
        ).scalars()
    )


def pm(world) -> int:
    return world.users["programmamanager"].id


# --- creating ----------------------------------------------------------------------------


def test_create_keeps_every_field_as_a_concept_in_version_1(ctx, world):
    ids = principles(world)
    agreement = make(
        world,
        title="  Voorrang voor thuiszitters  ",
        summary="Thuiszitters krijgen voorrang bij de BSA.",
        explanation="Met **school** en leerplicht.",
        start_on=days(-10),
        revisit_on=days(170),
        end_on=days(400),
        parties=[world.provider.id],
        owner_id=world.users["beheerder"].id,
        origin="Casuïstiektafel",
        principles=[ids["Samen"], ids["Lerend"]],
    )

    stored = fresh(agreement.id)
    assert stored.title == "Voorrang voor thuiszitters"
    assert stored.summary == "Thuiszitters krijgen voorrang bij de BSA."
    assert stored.explanation == "Met **school** en leerplicht."
    assert stored.kind == WORKABLE
    assert (stored.start_on, stored.revisit_on, stored.end_on) == (days(-10), days(170), days(400))
    assert [o.id for o in stored.parties] == [world.provider.id]
    assert stored.owner_id == world.users["beheerder"].id
    assert stored.origin == "Casuïstiektafel"
    assert sorted(linked_principle_ids("agreement", stored.id, "implements")) == sorted(
        [ids["Samen"], ids["Lerend"]]
    )
    assert stored.status == CONCEPT
    assert stored.current_version == 1
    assert stored.reference == "WA-1"
    assert stored.archived_at is None
    [first] = versions(stored)
    assert first.number == 1
    assert first.created_by_id == pm(world)
    assert first.change_note
    assert first.content["title"] == "Voorrang voor thuiszitters"
    assert first.content["parties"] == [world.provider.name]
    assert first.content["owner"] == world.users["beheerder"].name
    assert first.content["revisit_on"] == days(170).isoformat()


def test_numbers_count_per_partnership(ctx, make_partnership):
    first, second = make_partnership("eerste"), make_partnership("tweede")

    numbers = [make(first).reference, make(first).reference, make(second).reference]

    assert numbers == ["WA-1", "WA-2", "WA-1"]


def test_a_hard_agreement_needs_no_revisit_date(ctx, world):
    agreement = make(world, kind=FIRM, revisit_on=None)

    assert fresh(agreement.id).revisit_on is None
    assert fresh(agreement.id).kind == FIRM


def test_an_owner_is_optional(ctx, world):
    agreement = make(world, owner_id="")

    assert fresh(agreement.id).owner_id is None


BAD_INPUT = [
    ("no title", {"title": "  "}, "Enter a title.", "title", {}),
    ("no summary", {"summary": ""}, "Write the agreement in one sentence.", "summary", {}),
    ("title too long", {"title": "x" * 201}, "Use at most %(n)s characters.", "title", {"n": 200}),
    ("summary too long", {"summary": "x" * 501}, "Use at most %(n)s characters.", "summary", {"n": 500}),
    ("unknown kind", {"kind": "zacht"}, "Choose hard or werkbaar.", "kind", {}),
    ("no start", {"start_on": None}, "Enter the start date.", "start_on", {}),
    ("werkbaar without revisit", {"revisit_on": None}, "A workable agreement needs a revisit date.", "revisit_on", {}),
    ("revisit before start", {"revisit_on": days(-101)}, "The revisit date must lie after the start date.", "revisit_on", {}),
    ("revisit on start", {"revisit_on": days(-100)}, "The revisit date must lie after the start date.", "revisit_on", {}),
    ("end before start", {"end_on": days(-101)}, "The end date cannot lie before the start date.", "end_on", {}),
    ("no parties", {"parties": []}, "Choose at least one party.", "parties", {}),
    ("unknown party", {"parties": [987654]}, "Choose parties that take part in this partnership.", "parties", {}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "msgid", "field", "variables"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_is_refused_and_saves_nothing(ctx, world, change, msgid, field, variables):
    refused(
        lambda: services.create_agreement(world.partnership.id, fields(world, **change), pm(world)),
        msgid,
        field,
        **variables,
    )

    assert db.session.execute(select(Agreement)).first() is None
    assert db.session.execute(select(AgreementVersion)).first() is None
    assert db.session.execute(select(AuditEvent).where(AuditEvent.object_type == "Agreement")).first() is None  # fmt: skip


def test_a_party_or_owner_of_another_partnership_is_refused(ctx, make_partnership):
    world, other = make_partnership("eigen"), make_partnership("ander")

    refused(
        lambda: services.create_agreement(
            world.partnership.id, fields(world, parties=[world.provider.id, other.provider.id]), pm(world)
        ),
        "Choose parties that take part in this partnership.",
        "parties",
    )  # fmt: skip
    refused(
        lambda: services.create_agreement(
            world.partnership.id, fields(world, owner_id=other.users["beheerder"].id), pm(world)
        ),
        "Choose an owner who is a member of this partnership.",
        "owner_id",
    )
    assert db.session.execute(select(Agreement)).first() is None


def test_an_inactive_member_cannot_own_an_agreement(ctx, world):
    db.session.get(Membership, world.memberships["teamlid"].id).active = False
    db.session.commit()

    refused(
        lambda: services.create_agreement(
            world.partnership.id, fields(world, owner_id=world.users["teamlid"].id), pm(world)
        ),
        "Choose an owner who is a member of this partnership.",
        "owner_id",
    )


def test_principles_of_another_partnership_are_refused(ctx, make_partnership):
    world, other = make_partnership("eigen"), make_partnership("ander")
    foreign = principles(other)

    refused(
        lambda: services.create_agreement(
            world.partnership.id, fields(world, principles=[foreign["Open"]]), pm(world)
        ),
        "Choose principles of this partnership.",
        "principles",
    )
    assert db.session.execute(select(Agreement)).first() is None


def test_draft_from_origin_makes_a_concept_that_links_back(ctx, world):
    agreement = services.draft_from_origin(
        world.partnership.id, pm(world), "Wachttijden halveren", "",
        "table_conclusion", 42, "Conclusie thematafel Wachttijden, 3 maart",
    )  # fmt: skip

    stored = fresh(agreement.id)
    assert stored.status == CONCEPT
    assert stored.kind == WORKABLE
    assert (stored.origin_type, stored.origin_id) == ("table_conclusion", 42)
    assert stored.origin_label == "Conclusie thematafel Wachttijden, 3 maart"
    assert stored.summary == "Wachttijden halveren"
    assert stored.owner_id == pm(world)
    assert {o.id for o in stored.parties} == {world.municipality.id, world.provider.id}
    assert stored.revisit_on > stored.start_on == services.today()
    assert [v.number for v in versions(stored)] == [1]


def test_draft_from_origin_keeps_chosen_parties(ctx, world):
    agreement = services.draft_from_origin(
        world.partnership.id, pm(world), "Titel", "Samenvatting", "lesson", 7, "Leerpunt 7",
        parties=[world.municipality.id],
    )  # fmt: skip

    assert [o.id for o in fresh(agreement.id).parties] == [world.municipality.id]
    assert fresh(agreement.id).origin_type == "lesson"


# --- status ------------------------------------------------------------------------------


def test_activate_makes_a_concept_active_once(ctx, world):
    agreement = make(world)

    services.activate(agreement, pm(world))

    assert fresh(agreement.id).status == ACTIVE
    refused(
        lambda: services.activate(fresh(agreement.id), pm(world)),
        "Only a concept agreement can be made active.",
    )


def test_revisit_needed_follows_the_revisit_date(ctx, world):
    overdue = make(world, active=True, start_on=days(-200), revisit_on=days(-1))
    today = make(world, active=True, start_on=days(-200), revisit_on=days(0))
    concept = make(world, start_on=days(-200), revisit_on=days(-1))
    hard = make(world, active=True, kind=FIRM, start_on=days(-200), revisit_on=days(-1))

    on = services.today()
    assert fresh(overdue.id).effective_status(on) == REVISIT_DUE
    assert fresh(overdue.id).status == ACTIVE  # derived, not stored
    assert fresh(today.id).effective_status(on) == ACTIVE
    assert fresh(today.id).effective_status(days(1)) == REVISIT_DUE
    assert fresh(concept.id).effective_status(on) == CONCEPT
    assert fresh(hard.id).effective_status(on) == ACTIVE


def test_a_revisit_is_due_from_30_days_before_the_date(ctx, world):
    soon = make(world, active=True, revisit_on=days(30))
    later = make(world, active=True, revisit_on=days(31))
    overdue = make(world, active=True, start_on=days(-200), revisit_on=days(-40))
    concept = make(world, revisit_on=days(5))

    assert services.is_due(fresh(soon.id))
    assert not services.is_due(fresh(later.id))
    assert services.is_due(fresh(overdue.id))
    assert not services.is_due(fresh(concept.id))


# --- revisit decisions -------------------------------------------------------------------


def overdue(world, **over) -> Agreement:
    return make(world, active=True, start_on=days(-200), revisit_on=days(-10), **over)


def test_extend_sets_a_new_revisit_date_and_records_the_decision(ctx, world):
    agreement = overdue(world)
    user = world.users["beheerder"]

    entry = services.revisit(
        agreement, EXTEND, "De definities zijn nog niet af.", user.id, new_revisit_on=days(90)
    )

    stored = fresh(agreement.id)
    assert stored.revisit_on == days(90)
    assert stored.effective_status(services.today()) == ACTIVE
    assert stored.current_version == 2
    [row] = revisits(stored)
    assert row.id == entry.id
    assert row.decision == EXTEND
    assert row.reason == "De definities zijn nog niet af."
    assert row.decided_by_id == user.id
    assert row.decided_at is not None
    assert (row.previous_revisit_on, row.new_revisit_on) == (days(-10), days(90))
    assert row.version_number == 2
    latest = versions(stored)[-1]
    assert latest.number == 2
    assert "De definities zijn nog niet af." in latest.change_note
    assert latest.content["revisit_on"] == days(90).isoformat()
    assert [kind for kind, _ in services.timeline(stored)].count("revisit") == 1


@pytest.mark.parametrize(
    ("revisit_on", "new_revisit_on"),
    [(-10, 0), (-10, -5), (10, 5), (10, 10)],
    ids=["today", "in the past", "before the current date", "on the current date"],
)
def test_extend_needs_a_date_after_today_and_after_the_current_one(
    ctx, world, revisit_on, new_revisit_on
):
    agreement = make(world, active=True, start_on=days(-200), revisit_on=days(revisit_on))

    refused(
        lambda: services.revisit(
            fresh(agreement.id), EXTEND, "Reden", pm(world), new_revisit_on=days(new_revisit_on)
        ),
        "The new revisit date must lie after today and after the current one.",
        "new_revisit_on",
    )
    assert revisits(fresh(agreement.id)) == []


def test_extend_needs_a_date(ctx, world):
    agreement = overdue(world)

    refused(
        lambda: services.revisit(agreement, EXTEND, "Reden", pm(world)),
        "Enter the new revisit date.",
        "new_revisit_on",
    )


def test_a_decision_needs_a_reason(ctx, world):
    agreement = overdue(world)

    refused(
        lambda: services.revisit(agreement, END, "   ", pm(world)),
        "Give the reason for this decision.",
        "reason",
    )
    assert fresh(agreement.id).status == ACTIVE


def test_an_unknown_decision_is_refused(ctx, world):
    agreement = overdue(world)

    refused(lambda: services.revisit(agreement, "uitstellen", "Reden", pm(world)), "Choose a decision.", "decision")  # fmt: skip


def test_amend_makes_a_new_version_with_the_new_text(ctx, world):
    agreement = overdue(world)

    services.revisit(
        agreement, AMEND, "Aangescherpt na de casuïstiektafel.", pm(world),
        new_revisit_on=days(120),
        amended={"summary": "Binnen twee weken een eerste gesprek met gezin en school."},
    )  # fmt: skip

    stored = fresh(agreement.id)
    assert stored.summary == "Binnen twee weken een eerste gesprek met gezin en school."
    assert stored.title == "Sturingsinformatie delen met de BSA"
    assert stored.revisit_on == days(120)
    old, new = versions(stored)
    assert new.content["summary"] == "Binnen twee weken een eerste gesprek met gezin en school."
    assert old.content["summary"] != new.content["summary"]
    [row] = revisits(stored)
    assert (row.decision, row.version_number) == (AMEND, 2)


def test_amend_with_unchanged_text_is_refused(ctx, world):
    agreement = overdue(world)
    same = {"title": agreement.title, "summary": agreement.summary, "explanation": agreement.explanation}  # fmt: skip

    refused(
        lambda: services.revisit(
            agreement, AMEND, "Reden", pm(world), new_revisit_on=days(90), amended=same
        ),
        "Change the text of the agreement, or choose extend.",
        "summary",
    )
    assert fresh(agreement.id).revisit_on == days(-10)


def test_make_firm_turns_the_agreement_hard_without_revisit_date(ctx, world):
    agreement = overdue(world)

    services.revisit(agreement, MAKE_FIRM, "Het werkt; dit wordt beleid.", pm(world))

    stored = fresh(agreement.id)
    assert (stored.kind, stored.revisit_on, stored.status) == (FIRM, None, ACTIVE)
    assert stored.effective_status(services.today()) == ACTIVE
    [row] = revisits(stored)
    assert (row.decision, row.previous_revisit_on, row.new_revisit_on) == (
        MAKE_FIRM,
        days(-10),
        None,
    )
    assert versions(stored)[-1].content["kind"] == FIRM


def test_end_closes_the_agreement_for_good(ctx, world):
    agreement = overdue(world)

    services.revisit(agreement, END, "De pilot is afgerond.", pm(world))

    stored = fresh(agreement.id)
    assert stored.status == ENDED
    assert stored.end_on == services.today()
    assert revisits(stored)[0].reason == "De pilot is afgerond."
    message = "This agreement has ended and can no longer be changed."
    refused(
        lambda: services.update_agreement(
            fresh(agreement.id), fields(world, title="Nieuwe titel"), "Wijziging", pm(world)
        ),
        message,
    )
    refused(
        lambda: services.revisit(
            fresh(agreement.id), EXTEND, "Toch door", pm(world), new_revisit_on=days(60)
        ),  # fmt: skip
        message,
    )


@pytest.mark.parametrize("decision", [EXTEND, AMEND, MAKE_FIRM, END])
def test_a_decision_on_an_agreement_not_due_is_refused(ctx, world, decision):
    agreement = make(world, active=True, revisit_on=days(31))

    refused(
        lambda: services.revisit(
            agreement,
            decision,
            "Reden",
            pm(world),
            new_revisit_on=days(200),
            amended={"summary": "Nieuwe tekst."},
        ),  # fmt: skip
        "This agreement is not due for a revisit yet (revisit date %(date)s).",
        date=days(31).isoformat(),
    )


def test_a_concept_cannot_be_revisited(ctx, world):
    agreement = make(world, start_on=days(-200), revisit_on=days(-10))

    with pytest.raises(ServiceError):
        services.revisit(agreement, EXTEND, "Reden", pm(world), new_revisit_on=days(60))
    db.session.rollback()
    assert revisits(fresh(agreement.id)) == []


def test_every_decision_is_on_the_timeline_with_who_and_why(ctx, world):
    agreement = overdue(world)
    services.revisit(agreement, EXTEND, "Eerst verlengen.", pm(world), new_revisit_on=days(20))
    services.revisit(fresh(agreement.id), MAKE_FIRM, "Daarna structureel.", world.users["beheerder"].id)  # fmt: skip

    timeline = services.timeline(fresh(agreement.id))

    decisions = [(item.decision, item.reason, item.decided_by.name) for kind, item in timeline if kind == "revisit"]  # fmt: skip
    assert decisions == [
        (MAKE_FIRM, "Daarna structureel.", world.users["beheerder"].name),
        (EXTEND, "Eerst verlengen.", world.users["programmamanager"].name),
    ]
    assert [item.number for kind, item in timeline if kind == "version"] == [3, 2, 1]


# --- versions ----------------------------------------------------------------------------


def test_every_edit_makes_a_version_with_its_change_note(ctx, world):
    agreement = make(world)

    services.update_agreement(
        agreement, fields(world, summary="Elke maand, ook buiten de BSA."), "Reikwijdte verbreed.", pm(world)
    )  # fmt: skip
    services.update_agreement(
        fresh(agreement.id),
        fields(world, summary="Elke maand, ook buiten de BSA.", parties=[world.municipality.id]),
        "Alleen de gemeente levert.",
        world.users["beheerder"].id,
    )

    stored = fresh(agreement.id)
    assert stored.current_version == 3
    assert stored.summary == "Elke maand, ook buiten de BSA."
    assert [o.id for o in stored.parties] == [world.municipality.id]
    one, two, three = versions(stored)
    assert (two.change_note, three.change_note) == (
        "Reikwijdte verbreed.",
        "Alleen de gemeente levert.",
    )
    assert three.created_by_id == world.users["beheerder"].id
    assert one.content["parties"] == sorted([world.municipality.name, world.provider.name])
    assert three.content["parties"] == [world.municipality.name]


def test_an_edit_needs_a_change_note(ctx, world):
    agreement = make(world)

    refused(
        lambda: services.update_agreement(agreement, fields(world, title="Nieuw"), "  ", pm(world)),
        "Describe what you changed and why.",
        "change_note",
    )
    assert fresh(agreement.id).title == "Sturingsinformatie delen met de BSA"


def test_an_edit_that_changes_nothing_is_refused(ctx, world):
    agreement = make(world)

    refused(
        lambda: services.update_agreement(agreement, fields(world), "Niets", pm(world)),
        "Nothing was changed.",
    )
    assert fresh(agreement.id).current_version == 1


def test_an_edit_checks_its_input_like_create(ctx, world):
    agreement = make(world)

    refused(
        lambda: services.update_agreement(
            agreement, fields(world, revisit_on=days(-150)), "Eerder herzien", pm(world)
        ),
        "The revisit date must lie after the start date.",
        "revisit_on",
    )


def test_changing_only_the_principles_is_a_new_version(ctx, world):
    ids = principles(world)
    agreement = make(world)

    services.update_agreement(agreement, fields(world, principles=[ids["Open"]]), "Gekoppeld.", pm(world))  # fmt: skip

    stored = fresh(agreement.id)
    assert linked_principle_ids("agreement", stored.id, "implements") == [ids["Open"]]
    assert versions(stored)[-1].content["principles"] == [ids["Open"]]


def test_compare_marks_what_changed(ctx, world):
    agreement = make(world, summary="De gemeenten delen elke maand de cijfers.")
    services.update_agreement(
        agreement, fields(world, summary="De gemeenten delen elke week de cijfers."), "Vaker.", pm(world)
    )  # fmt: skip
    old, new = versions(fresh(agreement.id))

    rows = {name: (left, right, changed) for name, left, right, changed in services.compare_versions(old, new)}  # fmt: skip

    left, right, changed = rows["summary"]
    assert changed
    assert "<del>maand</del>" in left
    assert "<ins>week</ins>" in right
    assert not rows["title"][2]
    assert "<del>" not in rows["title"][0] and "<ins>" not in rows["title"][1]


def test_compare_escapes_the_text(ctx, world):
    agreement = make(world, summary="Oud <b>vet</b>")
    services.update_agreement(agreement, fields(world, summary="Nieuw <script>x</script>"), "Anders.", pm(world))  # fmt: skip
    old, new = versions(fresh(agreement.id))

    rows = {name: (left, right) for name, left, right, _ in services.compare_versions(old, new)}

    assert "<script" not in rows["summary"][1] and "<b>" not in rows["summary"][0]
    assert "&lt;" in rows["summary"][1] and "&lt;" in rows["summary"][0]


# --- archive, comments -------------------------------------------------------------------


def listed(world, **filters) -> list[int]:
    query = services.agreements_query(world.partnership.id, services.Filters(**filters))
    return [a.number for a in db.session.execute(query).scalars()]


def test_archive_hides_and_restore_brings_back(ctx, world):
    kept, archived = make(world), make(world, title="Oude afspraak")

    services.set_archived(archived, True, pm(world))

    assert listed(world) == [kept.number]
    assert listed(world, archived=True) == [archived.number]
    refused(lambda: services.set_archived(fresh(archived.id), True, pm(world)), "This agreement is already archived.")  # fmt: skip
    refused(
        lambda: services.update_agreement(
            fresh(archived.id), fields(world, title="Nieuw"), "Wijziging", pm(world)
        ),  # fmt: skip
        "This agreement is archived. Restore it first.",
    )

    services.set_archived(fresh(archived.id), False, pm(world))

    assert sorted(listed(world)) == [kept.number, archived.number]
    assert fresh(archived.id).archived_at is None
    refused(lambda: services.set_archived(fresh(archived.id), False, pm(world)), "This agreement is not archived.")  # fmt: skip


def test_comments_are_kept_with_their_author(ctx, world):
    agreement = make(world)

    comment = services.add_comment(
        agreement, world.users["teamlid"].id, "  Werkt dit ook *in Baarn*?  "
    )

    stored = db.session.get(AgreementComment, comment.id)
    assert stored.body == "Werkt dit ook *in Baarn*?"
    assert stored.author_id == world.users["teamlid"].id
    assert [kind for kind, _ in services.timeline(fresh(agreement.id))] == ["comment", "version"]


@pytest.mark.parametrize(
    ("body", "msgid", "variables"),
    [("", "Write a comment.", {}), ("   ", "Write a comment.", {}),
     ("x" * 10001, "Use at most %(n)s characters.", {"n": 10000})],
    ids=["empty", "blank", "too long"],
)  # fmt: skip
def test_a_bad_comment_is_refused(ctx, world, body, msgid, variables):
    agreement = make(world)

    refused(lambda: services.add_comment(agreement, pm(world), body), msgid, "body", **variables)


# --- dashboard ---------------------------------------------------------------------------


def test_due_soon_and_owned_by(ctx, world):
    late = make(world, active=True, start_on=days(-200), revisit_on=days(-3), title="Verlopen")
    soon = make(world, active=True, revisit_on=days(20), title="Binnenkort")
    make(world, active=True, revisit_on=days(45), title="Later")
    make(world, revisit_on=days(10), title="Nog concept")
    mine = make(world, owner_id=world.users["teamlid"].id, title="Van het teamlid")

    total, due = services.due_soon(world.partnership.id)
    assert total == 2
    assert [a.id for a in due] == [late.id, soon.id]
    total, owned = services.owned_by(world.partnership.id, world.users["teamlid"].id)
    assert (total, [a.id for a in owned]) == (1, [mine.id])


# --- audit -------------------------------------------------------------------------------


def events(agreement_id: int, object_type: str = "Agreement") -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == agreement_id)
            .order_by(AuditEvent.id)
        ).scalars()
    )


def test_every_write_leaves_an_audit_event(ctx, world):
    beheerder = world.users["beheerder"].id
    agreement = make(world, start_on=days(-200), revisit_on=days(-5))
    services.update_agreement(agreement, fields(world, start_on=days(-200), revisit_on=days(-5), title="Nieuwe titel"), "Titel.", beheerder)  # fmt: skip
    services.activate(fresh(agreement.id), beheerder)
    services.revisit(fresh(agreement.id), EXTEND, "Verlengd.", beheerder, new_revisit_on=days(60))
    services.set_archived(fresh(agreement.id), True, beheerder)
    services.set_archived(fresh(agreement.id), False, beheerder)
    comment = services.add_comment(fresh(agreement.id), world.users["partner"].id, "Eens.")

    trail = events(agreement.id)
    assert [e.action for e in trail] == ["create", "update", "activate", "revisit", "archive", "restore"]  # fmt: skip
    assert all(e.partnership_id == world.partnership.id for e in trail)
    assert [e.actor_id for e in trail] == [pm(world)] + [beheerder] * 5
    create, update, activate, revisit, archive, restore = (e.changes for e in trail)
    assert create["title"] == [None, "Sturingsinformatie delen met de BSA"]
    assert create["status"] == [None, CONCEPT]
    assert update["title"] == ["Sturingsinformatie delen met de BSA", "Nieuwe titel"]
    assert activate["status"] == [CONCEPT, ACTIVE]
    assert revisit["decision"] == [None, EXTEND]
    assert revisit["revisit_on"] == [days(-5).isoformat(), days(60).isoformat()]
    assert archive["archived_at"][0] is None and archive["archived_at"][1]
    assert restore["archived_at"][1] is None and restore["archived_at"][0]
    [placed] = events(comment.id, "AgreementComment")
    assert placed.action == "create"
    assert (placed.partnership_id, placed.actor_id) == (
        world.partnership.id,
        world.users["partner"].id,
    )
    assert placed.changes["body"] == [None, "Eens."]


def test_a_refused_write_leaves_no_audit_event(ctx, world):
    agreement = make(world)
    before = len(events(agreement.id))

    with pytest.raises(ServiceError):
        services.update_agreement(agreement, fields(world), "Niets veranderd", pm(world))
    db.session.rollback()

    assert len(events(agreement.id)) == before
