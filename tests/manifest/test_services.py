"""The manifest's use cases: drafts, principles, adoption, endorsement, proposals, comparing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import ServiceError
from app.extensions import db
from app.manifest import services
from app.manifest.models import (
    ACCEPTED,
    ADOPTED,
    DECLINED,
    DRAFT,
    OPEN,
    ChangeProposal,
    Endorsement,
    Principle,
    ProposalComment,
)
from app.partnerships.models import Partnership
from tests.manifest.helpers import (
    TITLES,
    build_manifest,
    manifest_state,
    membership,
    membership_by_email,
    positions_of,
    principle_fields,
    said,
    text_of,
    titles_of,
    version,
)


def partnership_of(world) -> Partnership:
    return db.session.get(Partnership, world.partnership.id)


def open_draft(world):
    return services.open_draft(partnership_of(world), world.users["programmamanager"].id)


def refused(call, msgid: str, field: str | None = None, **variables) -> ServiceError:
    """call() raises a ServiceError with this message and field; the transaction is undone
    the way the routes undo it."""
    with pytest.raises(ServiceError) as caught:
        call()
    db.session.rollback()
    assert str(caught.value.message) == said(msgid, **variables)
    assert caught.value.field == field
    return caught.value


def propose(world, principle_id=None, role="teamlid", **fields):
    return services.propose_change(
        world.partnership.id,
        world.users[role].id,
        principle_id,
        principle_fields(fields.pop("title", "Voorstel"), **fields),
        "Omdat de praktijk erom vraagt.",
    )


# --- drafts ----------------------------------------------------------------------------------


def test_first_draft_is_empty(ctx, world):
    draft = open_draft(world)

    assert (draft.number, draft.status, draft.preamble, draft.texts) == (1, DRAFT, "", [])
    assert services.draft_version(world.partnership.id).id == draft.id
    assert services.current_version(world.partnership.id) is None


def test_next_draft_is_a_copy_of_the_current_adopted_version(ctx, world):
    build_manifest(world)

    draft = open_draft(world)

    current = services.current_version(world.partnership.id)
    assert (draft.number, draft.status, current.number) == (2, DRAFT, 1)
    assert draft.preamble == current.preamble != ""
    assert [(t.principle_id, t.position, t.content()) for t in services.texts_of(draft)] == [
        (t.principle_id, t.position, t.content()) for t in services.texts_of(current)
    ]
    # A copy: changing the draft leaves the adopted version as it was.
    services.update_principle(services.texts_of(draft)[0], principle_fields("Anders"))
    assert titles_of(version(world, 1)) == list(TITLES)
    assert titles_of(version(world, 2)) == ["Anders", "Open", "Lerend"]


@pytest.mark.parametrize("adopted_first", [False, True])
def test_a_second_draft_is_refused(ctx, world, adopted_first):
    if adopted_first:
        build_manifest(world)
    open_draft(world)
    before = manifest_state(world.partnership.id)

    refused(lambda: open_draft(world), "There is already a draft. Continue with that one.")

    assert manifest_state(world.partnership.id) == before


def test_preamble_of_a_draft_is_saved(ctx, world):
    draft = open_draft(world)

    services.update_preamble(draft, "  Wij werken **samen**.  ")

    assert version(world, 1).preamble == "Wij werken **samen**."


def test_overlong_preamble_is_refused(ctx, world):
    draft = open_draft(world)
    services.update_preamble(draft, "Kort.")

    refused(
        lambda: services.update_preamble(draft, "x" * 20001),
        "Use at most %(n)s characters.",
        "preamble",
        n=20000,
    )

    assert version(world, 1).preamble == "Kort."


# --- principles in a draft -------------------------------------------------------------------


def test_add_principle_appends_a_new_principle(ctx, world):
    draft = open_draft(world)

    first = services.add_principle(draft, principle_fields("Samen", title="  Samen  "))
    second = services.add_principle(draft, principle_fields("Open"))

    assert titles_of(version(world, 1)) == ["Samen", "Open"]
    assert positions_of(version(world, 1)) == [1, 2]
    assert first.principle_id != second.principle_id
    assert db.session.get(Principle, first.principle_id).partnership_id == world.partnership.id
    assert first.content() == {**principle_fields("Samen")}


@pytest.mark.parametrize(
    ("field", "value", "msgid"),
    [
        ("title", "", "Enter a title."),
        ("title", "   ", "Enter a title."),
        ("core_sentence", "", "Enter the principle in one sentence."),
        ("core_sentence", " \n ", "Enter the principle in one sentence."),
    ],
)
def test_add_principle_refuses_an_empty_title_or_core_sentence(ctx, world, field, value, msgid):
    draft = open_draft(world)
    before = manifest_state(world.partnership.id)

    refused(
        lambda: services.add_principle(draft, principle_fields("Samen", **{field: value})),
        msgid,
        field,
    )

    assert manifest_state(world.partnership.id) == before
    assert db.session.execute(select(func.count(Principle.id))).scalar_one() == 0


@pytest.mark.parametrize(
    ("field", "limit"), [("title", 200), ("core_sentence", 500), ("origin", 500)]
)
def test_add_principle_refuses_overlong_text(ctx, world, field, limit):
    draft = open_draft(world)

    refused(
        lambda: services.add_principle(
            draft, principle_fields("Samen", **{field: "x" * (limit + 1)})
        ),
        "Use at most %(n)s characters.",
        field,
        n=limit,
    )

    assert version(world, 1).texts == []


def test_update_principle_changes_its_wording_in_the_draft(ctx, world):
    built = build_manifest(world, adopt=False)
    text = text_of(world, 1, built.ids["Open"])

    services.update_principle(text, principle_fields("Open en eerlijk", "Wij delen alles."))

    changed = text_of(world, 1, built.ids["Open"])
    assert (changed.title, changed.core_sentence, changed.position) == (
        "Open en eerlijk",
        "Wij delen alles.",
        2,
    )


def test_update_principle_refuses_an_empty_title_and_keeps_the_text(ctx, world):
    built = build_manifest(world, adopt=False)
    before = manifest_state(world.partnership.id)

    refused(
        lambda: services.update_principle(
            text_of(world, 1, built.ids["Open"]), principle_fields("Open", title="")
        ),
        "Enter a title.",
        "title",
    )

    assert manifest_state(world.partnership.id) == before


@pytest.mark.parametrize(
    ("title", "position", "order"),
    [
        ("Eerlijk", 1, ["Eerlijk", "Samen", "Open", "Lerend"]),
        ("Samen", 4, ["Open", "Lerend", "Eerlijk", "Samen"]),
        ("Open", 3, ["Samen", "Lerend", "Open", "Eerlijk"]),
        ("Lerend", "2", ["Samen", "Lerend", "Open", "Eerlijk"]),
        ("Open", 2, ["Samen", "Open", "Lerend", "Eerlijk"]),
    ],
)
def test_move_principle_renumbers_the_positions(ctx, world, title, position, order):
    built = build_manifest(world, (*TITLES, "Eerlijk"), adopt=False)

    services.move_principle(text_of(world, 1, built.ids[title]), position)

    draft = version(world, 1)
    assert titles_of(draft) == order
    assert positions_of(draft) == [1, 2, 3, 4]


@pytest.mark.parametrize("position", [0, 5, -1, "0", "5", "abc", "", None, "2.5", " "])
def test_move_principle_out_of_range_is_refused(ctx, world, position):
    built = build_manifest(world, (*TITLES, "Eerlijk"), adopt=False)
    before = manifest_state(world.partnership.id)

    refused(
        lambda: services.move_principle(text_of(world, 1, built.ids["Open"]), position),
        "Choose a position from 1 to %(n)s.",
        "position",
        n=4,
    )

    assert manifest_state(world.partnership.id) == before
    assert titles_of(version(world, 1)) == [*TITLES, "Eerlijk"]


def test_retire_leaves_a_principle_out_and_older_versions_keep_it(ctx, world):
    built = build_manifest(world)
    open_draft(world)

    services.retire_principle(text_of(world, 2, built.ids["Samen"]))

    draft = version(world, 2)
    assert titles_of(draft) == ["Open", "Lerend"]
    assert positions_of(draft) == [1, 2]
    assert [t.title for t in services.retired_principles(draft)] == ["Samen"]
    assert titles_of(version(world, 1)) == list(TITLES)
    services.adopt(draft, "Samen is opgegaan in Open.", world.users["programmamanager"].id)
    assert titles_of(services.current_version(world.partnership.id)) == ["Open", "Lerend"]
    assert titles_of(version(world, 1)) == list(TITLES)
    history = services.principle_history(db.session.get(Principle, built.ids["Samen"]))
    assert [(t.manifest_version.number, t.title) for t in history] == [(1, "Samen")]


def test_reinstate_brings_a_left_out_principle_back_at_the_end(ctx, world):
    built = build_manifest(world)
    open_draft(world)
    services.retire_principle(text_of(world, 2, built.ids["Samen"]))

    services.reinstate_principle(version(world, 2), built.ids["Samen"])

    draft = version(world, 2)
    assert titles_of(draft) == ["Open", "Lerend", "Samen"]
    assert positions_of(draft) == [1, 2, 3]
    assert (
        text_of(world, 2, built.ids["Samen"]).content()
        == text_of(world, 1, built.ids["Samen"]).content()
    )
    assert services.retired_principles(draft) == []


def test_reinstate_refuses_a_principle_that_was_not_left_out(ctx, world, make_partnership):
    built = build_manifest(world)
    other = build_manifest(make_partnership("ander"))
    open_draft(world)
    before = manifest_state(world.partnership.id)

    for principle_id in (built.ids["Open"], other.ids["Open"], 999999):
        refused(
            lambda pid=principle_id: services.reinstate_principle(version(world, 2), pid),
            "This principle cannot be brought back.",
        )

    assert manifest_state(world.partnership.id) == before


# --- adoption ----------------------------------------------------------------------------------


def test_adopt_makes_the_draft_the_version_members_read(ctx, world):
    build_manifest(world, adopt=False)
    manager = world.users["programmamanager"]

    services.adopt(version(world, 1), "  Vastgesteld in het RBO.  ", manager.id)

    adopted = version(world, 1)
    assert (adopted.status, adopted.adoption_note, adopted.adopted_by_id) == (
        ADOPTED,
        "Vastgesteld in het RBO.",
        manager.id,
    )
    assert adopted.adopted_at is not None
    assert services.current_version(world.partnership.id).id == adopted.id
    assert services.draft_version(world.partnership.id) is None


def test_adopting_an_empty_draft_is_refused(ctx, world):
    draft = open_draft(world)
    before = manifest_state(world.partnership.id)

    refused(
        lambda: services.adopt(draft, "Vastgesteld.", world.users["programmamanager"].id),
        "A manifest without principles cannot be adopted. Add a principle first.",
    )

    assert manifest_state(world.partnership.id) == before
    assert version(world, 1).status == DRAFT


@pytest.mark.parametrize("note", ["", "   ", None])
def test_adopting_without_a_note_is_refused(ctx, world, note):
    build_manifest(world, adopt=False)
    before = manifest_state(world.partnership.id)

    refused(
        lambda: services.adopt(version(world, 1), note, world.users["programmamanager"].id),
        "Write a note on what this version changes and who decided.",
        "note",
    )

    assert manifest_state(world.partnership.id) == before
    assert services.current_version(world.partnership.id) is None


def test_members_read_the_newest_adopted_version(ctx, world):
    build_manifest(world)
    build_manifest(world, ["Tweede"])
    build_manifest(world, ["Concept"], adopt=False)

    current = services.current_version(world.partnership.id)

    assert current.number == 2
    assert titles_of(current) == [*TITLES, "Tweede"]
    assert [label for _, label in services.principle_choices(world.partnership.id)] == [
        "1. Samen",
        "2. Open",
        "3. Lerend",
        "4. Tweede",
    ]


CHANGES = ["preamble", "add", "update", "move", "retire", "reinstate", "adopt"]


@pytest.mark.parametrize("change", CHANGES)
def test_an_adopted_version_cannot_be_changed(ctx, world, change):
    built = build_manifest(world)
    adopted = version(world, 1)
    text = text_of(world, 1, built.ids["Open"])
    manager = world.users["programmamanager"].id
    calls = {
        "preamble": lambda: services.update_preamble(adopted, "Anders"),
        "add": lambda: services.add_principle(adopted, principle_fields("Nieuw")),
        "update": lambda: services.update_principle(text, principle_fields("Anders")),
        "move": lambda: services.move_principle(text, 1),
        "retire": lambda: services.retire_principle(text),
        "reinstate": lambda: services.reinstate_principle(adopted, built.ids["Open"]),
        "adopt": lambda: services.adopt(adopted, "Nog eens.", manager),
    }
    before = manifest_state(world.partnership.id)

    refused(calls[change], "Version %(n)s has been adopted and can no longer be changed.", n=1)

    assert manifest_state(world.partnership.id) == before


# --- comparing versions ------------------------------------------------------------------------


def test_compare_marks_what_changed_per_principle(ctx, world):
    built = build_manifest(world, (*TITLES, "Eerlijk"))
    open_draft(world)
    services.update_principle(
        text_of(world, 2, built.ids["Open"]),
        principle_fields("Open", "Wij kiezen voor eerlijk en open delen."),
    )
    services.retire_principle(text_of(world, 2, built.ids["Lerend"]))
    new = services.add_principle(version(world, 2), principle_fields("Nieuw"))
    services.adopt(version(world, 2), "Versie 2.", world.users["programmamanager"].id)

    rows = services.compare(version(world, 1), version(world, 2))

    changes = {row.principle_id: row.change for row in rows}
    assert [row.principle_id for row in rows] == [
        built.ids["Samen"],
        built.ids["Open"],
        built.ids["Eerlijk"],
        new.principle_id,
        built.ids["Lerend"],
    ]
    assert changes == {
        built.ids["Samen"]: "unchanged",
        built.ids["Open"]: "changed",
        built.ids["Eerlijk"]: "moved",  # from 4 to 3, once Lerend was left out
        new.principle_id: "added",
        built.ids["Lerend"]: "retired",
    }
    changed = next(row for row in rows if row.change == "changed")
    marked = {name: (str(old), str(new)) for name, old, new, differs in changed.fields if differs}
    assert list(marked) == ["core_sentence"]
    old, new_text = marked["core_sentence"]
    assert "<del>samenwerken</del>" in old and "<ins>" not in old
    assert "<ins>delen</ins>" in new_text and "<del>" not in new_text
    assert "eerlijk en" in new_text.split("<ins>", 1)[1]
    added = next(row for row in rows if row.change == "added")
    assert added.old is None and all("<ins>" in str(right) for _, _, right, _ in added.fields)
    retired = next(row for row in rows if row.change == "retired")
    assert retired.new is None and all("<del>" in str(left) for _, left, _, _ in retired.fields)


def test_compare_escapes_the_text(ctx, world):
    built = build_manifest(world, ["Samen"])
    open_draft(world)
    services.update_principle(
        text_of(world, 2, built.ids["Samen"]), principle_fields("Samen", "<b>vet</b> & samen")
    )
    services.adopt(version(world, 2), "Versie 2.", world.users["programmamanager"].id)

    row = services.compare(version(world, 1), version(world, 2))[0]

    right = next(str(new) for name, _, new, _ in row.fields if name == "core_sentence")
    assert "<b>" not in right and "&lt;b&gt;" in right and "&amp;" in right


# --- endorsement -------------------------------------------------------------------------------


def test_bestuurder_endorses_the_current_version_for_the_organisation(ctx, world):
    build_manifest(world)
    current = version(world, 1)

    endorsement = services.endorse(
        current, membership(world, "bestuurder"), "  Namens het college. "
    )

    stored = db.session.get(Endorsement, endorsement.id)
    assert (stored.organisation_id, stored.user_id, stored.note) == (
        world.municipality.id,
        world.users["bestuurder"].id,
        "Namens het college.",
    )
    assert stored.at is not None
    rows = services.endorsement_status(version(world, 1))
    assert [(r.organisation.name, r.endorsement is not None) for r in rows] == [
        ("Aanbieder testverband", False),
        ("Gemeente testverband", True),
    ]
    assert services.missing_endorsements(version(world, 1)) == 1
    assert services.has_endorsed(version(world, 1), world.municipality.id)
    assert not services.has_endorsed(version(world, 1), world.provider.id)


def test_an_organisation_endorses_a_version_once(ctx, world, add_member):
    build_manifest(world)
    services.endorse(version(world, 1), membership(world, "bestuurder"))
    colleague = membership_by_email(add_member(world, "bestuurder", "municipality"))

    for member in (membership(world, "bestuurder"), colleague):
        refused(
            lambda m=member: services.endorse(version(world, 1), m),
            "%(organisation)s has already endorsed version %(n)s.",
            organisation="Gemeente testverband",
            n=1,
        )

    assert db.session.execute(select(func.count(Endorsement.id))).scalar_one() == 1


def test_each_organisation_endorses_for_itself(ctx, world, add_member):
    build_manifest(world)
    provider_board = membership_by_email(add_member(world, "bestuurder", "provider"))

    services.endorse(version(world, 1), membership(world, "bestuurder"))
    services.endorse(version(world, 1), provider_board)

    assert services.missing_endorsements(version(world, 1)) == 0
    assert all(r.endorsement for r in services.endorsement_status(version(world, 1)))


@pytest.mark.parametrize("role", ["beheerder", "programmamanager", "teamlid", "partner", "lezer"])
def test_only_a_bestuurder_endorses(ctx, world, role):
    build_manifest(world)

    refused(
        lambda: services.endorse(version(world, 1), membership(world, role)),
        "Only a bestuurder can endorse on behalf of an organisation.",
    )

    assert db.session.execute(select(func.count(Endorsement.id))).scalar_one() == 0


def test_only_the_current_adopted_version_can_be_endorsed(ctx, world):
    build_manifest(world)
    build_manifest(world, ["Tweede"])
    build_manifest(world, ["Concept"], adopt=False)

    for number in (1, 3):
        refused(
            lambda n=number: services.endorse(version(world, n), membership(world, "bestuurder")),
            "Only the current adopted version can be endorsed.",
        )

    assert db.session.execute(select(func.count(Endorsement.id))).scalar_one() == 0
    services.endorse(version(world, 2), membership(world, "bestuurder"))
    assert services.has_endorsed(version(world, 2), world.municipality.id)


# --- change proposals --------------------------------------------------------------------------


def test_propose_new_wording_for_a_principle(ctx, world):
    built = build_manifest(world)

    proposal = propose(world, built.ids["Open"], title="Open en eerlijk")

    stored = db.session.get(ChangeProposal, proposal.id)
    assert (stored.partnership_id, stored.principle_id, stored.status) == (
        world.partnership.id,
        built.ids["Open"],
        OPEN,
    )
    assert (stored.title, stored.reason, stored.author_id) == (
        "Open en eerlijk",
        "Omdat de praktijk erom vraagt.",
        world.users["teamlid"].id,
    )
    assert (stored.origin_type, stored.origin_id, stored.origin_label) == (None, None, "")


def test_propose_a_new_principle(ctx, world):
    build_manifest(world)

    proposal = propose(world, None, title="Nieuw principe")

    stored = db.session.get(ChangeProposal, proposal.id)
    assert (stored.principle_id, stored.title, stored.status) == (None, "Nieuw principe", OPEN)


@pytest.mark.parametrize(
    ("field", "msgid"),
    [
        ("title", "Enter a title."),
        ("core_sentence", "Enter the principle in one sentence."),
        ("reason", "Explain why you propose this."),
    ],
)
def test_a_proposal_without_title_core_sentence_or_reason_is_refused(ctx, world, field, msgid):
    built = build_manifest(world)
    fields = principle_fields("Open")
    reason = "Omdat."
    if field == "reason":
        reason = "   "
    else:
        fields[field] = "  "

    refused(
        lambda: services.propose_change(
            world.partnership.id, world.users["partner"].id, built.ids["Open"], fields, reason
        ),
        msgid,
        field,
    )

    assert db.session.execute(select(func.count(ChangeProposal.id))).scalar_one() == 0


def test_a_proposal_for_a_principle_of_another_partnership_is_refused(ctx, world, make_partnership):
    build_manifest(world)
    other = build_manifest(make_partnership("ander"))

    for principle_id in (other.ids["Open"], 999999):
        refused(
            lambda pid=principle_id: propose(world, pid),
            "Choose a principle of this partnership.",
            "principle_id",
        )

    assert db.session.execute(select(func.count(ChangeProposal.id))).scalar_one() == 0


def test_a_proposal_from_a_lesson_keeps_its_origin(ctx, world):
    built = build_manifest(world)

    proposal = services.propose_change(
        world.partnership.id,
        world.users["programmamanager"].id,
        built.ids["Lerend"],
        principle_fields("Lerend", "Wij leren van elke casus."),
        "Uit de kwaliteitsreview bleek dat lessen blijven liggen.",
        origin_type="lesson",
        origin_id=7,
        origin_label="Les uit review 7",
    )

    stored = db.session.get(ChangeProposal, proposal.id)
    assert (stored.origin_type, stored.origin_id, stored.origin_label) == (
        "lesson",
        7,
        "Les uit review 7",
    )


def test_a_proposal_in_the_callers_transaction_is_not_committed_for_it(ctx, world):
    build_manifest(world)

    services.propose_change(
        world.partnership.id,
        world.users["teamlid"].id,
        None,
        principle_fields("Nieuw"),
        "Omdat.",
        origin_type="lesson",
        origin_id=7,
        origin_label="Les uit review 7",
        commit=False,
    )
    db.session.rollback()

    assert db.session.execute(select(func.count(ChangeProposal.id))).scalar_one() == 0


def test_members_comment_on_a_proposal(ctx, world):
    build_manifest(world)
    proposal = propose(world)

    services.comment_on_proposal(proposal, world.users["partner"].id, "  Eens, goed idee.  ")

    stored = db.session.get(ChangeProposal, proposal.id)
    assert [(c.author_id, c.body) for c in stored.comments] == [
        (world.users["partner"].id, "Eens, goed idee.")
    ]


def test_an_empty_comment_is_refused(ctx, world):
    build_manifest(world)
    proposal = propose(world)

    refused(
        lambda: services.comment_on_proposal(proposal, world.users["partner"].id, "  "),
        "Write a comment.",
        "body",
    )

    assert db.session.execute(select(func.count(ProposalComment.id))).scalar_one() == 0


def test_accept_takes_new_wording_into_the_existing_draft(ctx, world):
    built = build_manifest(world)
    open_draft(world)
    proposal = propose(world, built.ids["Open"], title="Open en eerlijk", core="Wij delen alles.")

    draft = services.accept_proposal(
        proposal, world.users["programmamanager"].id, partnership_of(world)
    )

    assert draft.number == 2
    text = text_of(world, 2, built.ids["Open"])
    assert (text.title, text.core_sentence, text.position) == (
        "Open en eerlijk",
        "Wij delen alles.",
        2,
    )
    assert (text.explanation, text.practice) == (
        "Uitleg bij *Open en eerlijk*.",
        "- Open en eerlijk in de praktijk",
    )
    assert text_of(world, 1, built.ids["Open"]).title == "Open"
    stored = db.session.get(ChangeProposal, proposal.id)
    assert (stored.status, stored.decided_by_id, stored.accepted_into_id) == (
        ACCEPTED,
        world.users["programmamanager"].id,
        draft.id,
    )
    assert stored.decided_at is not None
    assert [v.number for v in services.all_versions(world.partnership.id)] == [2, 1]


def test_accept_opens_a_draft_when_there_is_none(ctx, world):
    built = build_manifest(world)
    proposal = propose(world, built.ids["Samen"], title="Samen sterk")

    draft = services.accept_proposal(proposal, world.users["beheerder"].id, partnership_of(world))

    assert (draft.number, draft.status) == (2, DRAFT)
    assert titles_of(version(world, 2)) == ["Samen sterk", "Open", "Lerend"]
    assert titles_of(version(world, 1)) == list(TITLES)


def test_accept_a_new_principle_adds_it_to_the_draft(ctx, world):
    build_manifest(world)
    proposal = propose(world, None, title="Nieuw principe")

    services.accept_proposal(proposal, world.users["programmamanager"].id, partnership_of(world))

    draft = version(world, 2)
    assert titles_of(draft) == [*TITLES, "Nieuw principe"]
    added = services.texts_of(draft)[-1]
    assert added.position == 4
    assert added.origin == said("Change proposal %(id)s", id=proposal.id)
    assert db.session.get(Principle, added.principle_id).partnership_id == world.partnership.id


def test_accept_a_change_to_a_principle_left_out_of_the_draft_is_refused(ctx, world):
    built = build_manifest(world)
    open_draft(world)
    services.retire_principle(text_of(world, 2, built.ids["Open"]))
    proposal = propose(world, built.ids["Open"])
    before = manifest_state(world.partnership.id)

    refused(
        lambda: services.accept_proposal(
            db.session.get(ChangeProposal, proposal.id),
            world.users["programmamanager"].id,
            partnership_of(world),
        ),
        "The draft no longer contains this principle. Bring it back first.",
    )

    assert manifest_state(world.partnership.id) == before


def test_decline_with_a_reason(ctx, world):
    build_manifest(world)
    proposal = propose(world)

    services.decline_proposal(proposal, world.users["beheerder"].id, "  Past niet bij de koers.  ")

    stored = db.session.get(ChangeProposal, proposal.id)
    assert (stored.status, stored.decision_reason, stored.decided_by_id) == (
        DECLINED,
        "Past niet bij de koers.",
        world.users["beheerder"].id,
    )
    assert stored.accepted_into_id is None
    assert services.draft_version(world.partnership.id) is None


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_decline_without_a_reason_is_refused(ctx, world, reason):
    build_manifest(world)
    proposal = propose(world)
    before = manifest_state(world.partnership.id)

    refused(
        lambda: services.decline_proposal(proposal, world.users["beheerder"].id, reason),
        "Give the reason for declining.",
        "reason",
    )

    assert manifest_state(world.partnership.id) == before


@pytest.mark.parametrize("first", ["accept", "decline"])
@pytest.mark.parametrize("second", ["accept", "decline"])
def test_a_decided_proposal_cannot_be_decided_again(ctx, world, first, second):
    built = build_manifest(world)
    proposal = propose(world, built.ids["Open"])
    manager = world.users["programmamanager"].id

    def decide(how):
        stored = db.session.get(ChangeProposal, proposal.id)
        if how == "accept":
            return services.accept_proposal(stored, manager, partnership_of(world))
        return services.decline_proposal(stored, manager, "Niet nu.")

    decide(first)
    before = manifest_state(world.partnership.id)

    refused(lambda: decide(second), "This proposal has already been decided.")

    assert manifest_state(world.partnership.id) == before


def test_proposals_query_lists_one_partnership_by_status(ctx, world, make_partnership):
    build_manifest(world)
    other = make_partnership("ander")
    build_manifest(other)
    first, second = propose(world, title="Eerste"), propose(world, title="Tweede")
    propose(other, title="Elders")
    services.decline_proposal(first, world.users["beheerder"].id, "Nee.")

    def titles(status):
        query = services.proposals_query(world.partnership.id, status)
        return [p.title for p in db.session.execute(query).scalars()]

    assert titles(OPEN) == ["Tweede"]
    assert titles(DECLINED) == ["Eerste"]
    assert sorted(titles("all")) == ["Eerste", "Tweede"]
    assert second.status == OPEN
