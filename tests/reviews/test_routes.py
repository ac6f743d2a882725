"""Review pages: record and edit, the live privacy check, scores, lessons, finalise with the
privacy guard, who sees what by every route, retention and the purge command, overviews,
actions and the dashboard panel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.manifest.models import ChangeProposal
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
from app.timeutil import show_date, utcnow
from tests.conftest import alert_text, count_rows, field_error, find, input_value, message, post
from tests.reviews.helpers import (
    NOT_RECORDERS,
    OTHER_ORGANISATION,
    SECRET_CASE,
    SECRETS,
    add_lesson,
    audit,
    days,
    finalise,
    flashed,
    html,
    in_context,
    logged_in,
    make_review,
    make_table,
    member,
    quality_fields,
    reload,
    review_fields,
    state,
    text_of,
    url,
)

CONFIRMED = {"confirmed": "1"}
BSN_REFUSED = (
    "The text contains a citizen service number (BSN). Remove it: a BSN may not be stored."
)


def form_of(**over) -> dict:
    """The review form as a browser posts it."""
    values = review_fields()
    data = {
        "kind": values["kind"],
        "held_on": values["held_on"].isoformat(),
        "team": values["team"],
        "participants": values["participants"],
        "title": values["title"],
        "case_description": values["case_description"],
        "went_well": values["went_well"],
        "could_be_better": values["could_be_better"],
    }
    for name, value in over.items():
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def lesson_form(**over) -> dict:
    return {"text": "We plannen samen één gesprek.", "level": "1", "arena": "casus",
            "follow_up": "none", **over}  # fmt: skip


def made(app, world, role="teamlid", final=False, fields=None, **over) -> int:
    """A review made through the services; its number."""

    def make():
        data = {**(fields or review_fields()), **over}
        review = services.create_review(member(world, role), data)
        if final:
            finalise(world, review, role)
        return review.number

    return in_context(app, make)


def stored(app, world, number: int) -> Review:
    return find(app, Review, partnership_id=world.partnership.id, number=number)


def said(app, msgid: str, **variables) -> str:
    return message(app, msgid, **variables)


# --- access -------------------------------------------------------------------------------------

RECORD_ROUTES = [
    ("get", "/new"), ("post", "/new"), ("get", "/1/edit"), ("post", "/1/edit"),
    ("get", "/1/scores"), ("post", "/1/scores"), ("get", "/1/lessons/new"),
    ("post", "/1/lessons/new"), ("post", "/1/lessons/1/remove"), ("get", "/1/finalise"),
    ("post", "/1/finalise"), ("post", "/1/confirm"), ("post", "/privacy-check"),
]  # fmt: skip


@pytest.mark.parametrize("role", NOT_RECORDERS)
def test_roles_that_do_not_record_get_403_on_every_record_route(app, reviewed, login_as, role):
    world = reviewed.world
    made(app, world)
    in_context(app, lambda: add_lesson(world, services.get_review(world.partnership.id, 1)))
    before = count_rows(app, Review)
    client = login_as(world, role)
    for method, path in RECORD_ROUTES:
        if method == "get":
            response = client.get(url(world, path))
        else:
            response = post(client, url(world, path), form_of(**lesson_form()))
        assert response.status_code == 403, (role, method, path)
    assert count_rows(app, Review) == before
    assert count_rows(app, Lesson) == 1
    # Reading is allowed.
    assert client.get(url(world, "/")).status_code == 200
    assert client.get(url(world, "/overview")).status_code == 200
    assert client.get(url(world, "/actions")).status_code == 200


def test_settings_are_for_the_beheerder_only(app, world, login_as):
    for role in ("programmamanager", "teamlid", "lezer", "bestuurder", "partner"):
        client = logged_in(app, world.users[role].email)
        assert client.get(url(world, "/settings")).status_code == 403, role
        response = post(client, url(world, "/settings"), {"retention_months": "12"})
        assert response.status_code == 403, role
    assert in_context(app, services.retention_months, world.partnership.id) == 24


def test_strangers_get_404_and_anonymous_visitors_the_login(app, world, make_partnership, client):
    made(app, world, final=True)
    response = client.get(url(world, "/1"))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    stranger = make_partnership("ander")
    client = logged_in(app, stranger.users["beheerder"].email)
    for path in ("/", "/1", "/overview", "/actions", "/new", "/1/edit", "/settings"):
        assert client.get(url(world, path)).status_code == 404, path


def test_every_review_route_declares_its_access_rule(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("reviews.")]
    assert len(rules) >= 14
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "access_rule", "").startswith("requires:"), rule.rule


# --- recording through the form ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["teamlid", "programmamanager", "beheerder"])
def test_recording_roles_record_a_concept_for_their_organisation(app, world, login_as, role):
    client = login_as(world, role)
    page = html(client.get(url(world, "/new")))
    assert 'name="case_description"' in page
    assert 'name="aim_communicatie"' in page
    response = post(client, url(world, "/new"), form_of())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(world, "/1"))
    assert said(app, "Review %(ref)s has been saved as a concept.", ref="CR-1") in flashed(
        client, response
    )
    review = stored(app, world, 1)
    assert review.status == CONCEPT
    assert review.organisation_id == world.memberships[role].organisation_id
    assert review.created_by_id == world.users[role].id


def test_a_quality_review_form_keeps_the_four_aims(app, world, login_as):
    client = login_as(world, "teamlid")
    aims = {f"aim_{aim}": f"Over {aim}." for aim in services.AIMS}
    response = post(client, url(world, "/new"), form_of(kind="kwaliteitsreview", **aims))
    assert response.status_code == 302
    review = stored(app, world, 1)
    assert review.aims == {aim: f"Over {aim}." for aim in services.AIMS}
    page = html(client.get(url(world, "/1")))
    for aim in services.AIMS:
        assert f"Over {aim}." in page


@pytest.mark.parametrize(
    ("over", "field", "msgid"),
    [
        ({"title": ""}, "title", "Enter a title."),
        ({"team": ""}, "team", "Enter the team."),
        ({"kind": ""}, "kind", "Choose a case discussion or a quality review."),
        ({"held_on": ""}, "held_on", "Enter the date of the review."),
        (
            {"held_on": "future"},
            "held_on",
            "A review is recorded after it was held; the date cannot lie in the future.",
        ),
    ],
    ids=["no-title", "no-team", "no-kind", "no-date", "future-date"],
)
def test_bad_input_shows_a_dutch_message_next_to_the_field(app, world, login_as, over, field,
                                                           msgid):  # fmt: skip
    client = login_as(world, "teamlid")
    if over.get("held_on") == "future":
        over = {"held_on": days(1)}
    response = post(client, url(world, "/new"), form_of(**over))
    assert response.status_code == 422
    assert field_error(html(response), field) == said(app, msgid)
    assert count_rows(app, Review) == 0


def test_saving_without_javascript_shows_the_privacy_hits(app, world, login_as):
    client = login_as(world, "teamlid")
    text = "Moeder (mevr. Jansen) belt vanaf 06-12345678, BSN 123456782."
    response = post(client, url(world, "/new"), form_of(title="", case_description=text))
    assert response.status_code == 422
    hits = text_of(html(response))
    assert "mevr. Jansen" in hits and "06-12345678" in hits and "123456782" in hits
    assert said(app, "citizen service number (BSN)") in hits
    # A BSN is refused on every save, next to its field; nothing is stored.
    response = post(client, url(world, "/new"), form_of(case_description=text))
    assert response.status_code == 422
    assert field_error(html(response), "case_description") == said(app, BSN_REFUSED)
    assert count_rows(app, Review) == 0
    # Other hits are warnings: the concept is saved and its page warns until they are dealt with.
    text = "Moeder (mevr. Jansen) belt vanaf 06-12345678."
    response = post(client, url(world, "/new"), form_of(case_description=text))
    assert response.status_code == 302
    page = html(client.get(response.headers["Location"]))
    assert (
        said(
            app,
            "The privacy guard finds %(n)s possible personal data in this review; see Finalise.",
            n=2,
        )
        in page
    )


def test_editing_a_concept_with_a_bsn_is_refused_and_keeps_the_old_text(app, world, login_as):
    made(app, world, case_description="Het gezin wachtte lang.")
    client = login_as(world, "teamlid")
    version = input_value(html(client.get(url(world, "/1/edit"))), "version")
    response = post(client, url(world, "/1/edit"),
                    form_of(case_description="Gezin, BSN 1234.56.782.", version=version))  # fmt: skip
    assert response.status_code == 422
    assert field_error(html(response), "case_description") == said(app, BSN_REFUSED)
    assert stored(app, world, 1).case_description == "Het gezin wachtte lang."


def test_the_live_privacy_check_returns_the_hits_partial(app, world, login_as):
    client = login_as(world, "teamlid")
    response = post(
        client,
        url(world, "/privacy-check"),
        {"case_description": "Mail jan@example.nl", "went_well": "BSN 1234.56.782",
         "aim_regels": "postcode 3811 AB"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page  # the partial, not a page
    assert said(app, "The privacy guard found %(n)s possible personal data:", n=3) in page
    for fragment in ("jan@example.nl", "1234.56.782", "3811 AB"):
        assert fragment in page
    assert said(app, "e-mail address") in page
    response = post(client, url(world, "/privacy-check"), {"case_description": "Niets bijzonders."})
    assert said(app, "The privacy guard finds no personal data in the text.") in html(response)
    form_page = html(client.get(url(world, "/new")))
    assert 'data-hx-post="' + url(world, "/privacy-check") + '"' in form_page


def test_the_team_edits_its_concept(app, reviewed, login_as):
    world = reviewed.world
    made(app, world, fields=quality_fields())
    client = login_as(world, "teamlid")
    page = html(client.get(url(world, "/1/edit")))
    assert "Doel regels" in page  # the aims are filled in
    version = input_value(page, "version")
    response = post(client, url(world, "/1/edit"),
                    form_of(kind="kwaliteitsreview", title="Aangepast", version=version))  # fmt: skip
    assert response.status_code == 302
    assert stored(app, world, 1).title == "Aangepast"
    # A stale form gets the conflict page and changes nothing.
    response = post(client, url(world, "/1/edit"), form_of(title="Verouderd", version=version))
    assert response.status_code == 409
    assert stored(app, world, 1).title == "Aangepast"
    # Bad input on edit changes nothing either.
    version = input_value(html(client.get(url(world, "/1/edit"))), "version")
    response = post(client, url(world, "/1/edit"), form_of(title="", version=version))
    assert response.status_code == 422
    assert stored(app, world, 1).title == "Aangepast"


def test_a_colleague_of_the_same_organisation_edits_but_the_beheerder_only_reads(
    app, world, add_member
):
    made(app, world)
    _, email = add_member(world, "teamlid")
    colleague = logged_in(app, email)
    assert colleague.get(url(world, "/1/edit")).status_code == 200
    beheerder = logged_in(app, world.users["beheerder"].email)
    assert SECRET_CASE in html(beheerder.get(url(world, "/1")))
    assert beheerder.get(url(world, "/1/edit")).status_code == 403
    assert beheerder.get(url(world, "/1/finalise")).status_code == 403


# --- scores and lessons ----------------------------------------------------------------------------


def test_scores_are_saved_per_principle(app, reviewed, login_as):
    world, ids = reviewed.world, reviewed.principles
    made(app, world)
    client = login_as(world, "teamlid")
    page = html(client.get(url(world, "/1/scores")))
    for title in ids:
        assert title in page
    response = post(client, url(world, "/1/scores"), {
        f"score_{ids['Samen']}": "4", f"explanation_{ids['Samen']}": "Goed samengewerkt.",
        f"score_{ids['Open']}": "1", f"score_{ids['Lerend']}": "",
    })  # fmt: skip
    assert response.status_code == 302
    scores = in_context(app, lambda: {
        s.principle_id: (s.score, s.explanation)
        for s in db.session.execute(select(ReviewScore)).scalars()
    })  # fmt: skip
    assert scores == {ids["Samen"]: (4, "Goed samengewerkt."), ids["Open"]: (1, ""),
                      ids["Lerend"]: (None, "")}  # fmt: skip
    page = html(client.get(url(world, "/1")))
    assert "Goed samengewerkt." in page


@pytest.mark.parametrize("bad", ["0", "6", "x"])
def test_a_bad_score_is_refused_with_a_message_and_nothing_is_saved(app, reviewed, login_as, bad):
    world, ids = reviewed.world, reviewed.principles
    made(app, world)
    client = login_as(world, "teamlid")
    response = post(client, url(world, "/1/scores"), {
        f"score_{ids['Samen']}": "3", f"score_{ids['Open']}": bad,
    })  # fmt: skip
    assert response.status_code == 422
    page = html(response)
    assert said(app, "A score is a whole number from 1 to 5.") in text_of(
        re.search(rf'id="score-{ids["Open"]}-error".*?</div>', page, re.S).group(0)
    )
    assert count_rows(app, ReviewScore) == 0


def test_a_lesson_without_level_is_refused_with_a_message(app, reviewed, login_as):
    world = reviewed.world
    made(app, world)
    client = login_as(world, "teamlid")
    response = post(client, url(world, "/1/lessons/new"), lesson_form(level=""))
    assert response.status_code == 422
    assert field_error(html(response), "level") == said(
        app, "Choose the level of the lesson (1e, 2e or 3e orde)."
    )
    response = post(client, url(world, "/1/lessons/new"), lesson_form(arena=""))
    assert field_error(html(response), "arena") == said(
        app, "Choose the arena: case, organisation or system."
    )
    assert count_rows(app, Lesson) == 0


def test_a_lesson_is_added_and_removed(app, reviewed, login_as):
    world, ids = reviewed.world, reviewed.principles
    made(app, world)
    client = login_as(world, "teamlid")
    response = post(client, url(world, "/1/lessons/new"),
                    lesson_form(level="3", arena="systeem", principles=[str(ids["Open"])]))  # fmt: skip
    assert response.status_code == 302
    lesson = find(app, Lesson, review_id=stored(app, world, 1).id)
    assert (lesson.level, lesson.arena) == (3, "systeem")
    page = html(client.get(url(world, "/1")))
    assert f'id="lesson-{lesson.id}"' in page
    response = post(client, url(world, f"/1/lessons/{lesson.id}/remove"), CONFIRMED)
    assert response.status_code == 302
    assert count_rows(app, Lesson) == 0


REMOVE_LESSON_EXPLAINED = (
    "The lesson is removed from %(ref)s with its follow-up and the principles it cites. "
    "This cannot be undone."
)


def test_removing_a_lesson_asks_for_confirmation_first(app, reviewed, login_as):
    world = reviewed.world
    made(app, world)
    lesson_id = in_context(
        app, lambda: add_lesson(world, services.get_review(world.partnership.id, 1)).id
    )
    client = login_as(world, "teamlid")
    path = url(world, f"/1/lessons/{lesson_id}/remove")
    explained = said(app, REMOVE_LESSON_EXPLAINED, ref="CR-1")
    # The review page offers the step: a link to the confirmation page and a dialog.
    page = html(client.get(url(world, "/1")))
    assert f'href="{path}" data-confirm="confirm-remove-lesson-{lesson_id}"' in page
    assert f'<dialog class="ss-confirm-dialog" id="confirm-remove-lesson-{lesson_id}"' in page
    assert explained in page
    before = in_context(app, state)
    response = client.get(path)
    assert response.status_code == 200
    assert explained in html(response) and 'name="confirmed" value="1"' in html(response)
    # Without the confirmation a POST shows the same page and removes nothing.
    response = post(client, path)
    assert response.status_code == 200 and explained in html(response)
    assert in_context(app, state) == before
    assert count_rows(app, Lesson) == 1
    response = post(client, path, CONFIRMED)
    assert said(app, "The lesson has been removed.") in flashed(client, response)
    assert count_rows(app, Lesson) == 0


@pytest.mark.parametrize("role", NOT_RECORDERS)
def test_removing_a_lesson_is_refused_to_who_may_not_record(app, reviewed, login_as, role):
    world = reviewed.world
    made(app, world)
    lesson_id = in_context(
        app, lambda: add_lesson(world, services.get_review(world.partnership.id, 1)).id
    )
    client = login_as(world, role)
    before = in_context(app, state)
    path = url(world, f"/1/lessons/{lesson_id}/remove")
    assert client.get(path).status_code == 403
    assert post(client, path, CONFIRMED).status_code == 403
    assert in_context(app, state) == before


def test_a_lesson_of_a_finalised_review_cannot_be_removed_even_confirmed(app, reviewed, login_as):
    world = reviewed.world
    made(app, world)
    lesson_id = in_context(
        app, lambda: add_lesson(world, services.get_review(world.partnership.id, 1)).id
    )
    client = login_as(world, "teamlid")
    post(client, url(world, "/1/finalise"), CONFIRMED)
    assert stored(app, world, 1).status == FINAL
    before = in_context(app, state)
    path = url(world, f"/1/lessons/{lesson_id}/remove")
    assert client.get(path).status_code == 403
    assert post(client, path, CONFIRMED).status_code == 403
    assert in_context(app, state) == before
    assert f"confirm-remove-lesson-{lesson_id}" not in html(client.get(url(world, "/1")))


FINALISE_EXPLAINED = (
    "Finalising shares the title, kind, date, scores and lessons with the whole partnership and "
    "carries out the lessons' follow-ups. The case details stay inside your organisation."
)


def test_finalising_opens_a_dialog_with_the_text_of_its_page(app, reviewed, login_as):
    world = reviewed.world
    made(app, world)
    client = login_as(world, "teamlid")
    path = url(world, "/1/finalise")
    page = html(client.get(url(world, "/1")))
    assert f'href="{path}" data-confirm="confirm-finalise"' in page
    dialog = page[page.index('<dialog class="ss-confirm-dialog" id="confirm-finalise"') :]
    dialog = dialog[: dialog.index("</dialog>")]
    assert said(app, FINALISE_EXPLAINED) in dialog
    assert (
        said(app, "A finalised review can no longer be changed; this cannot be undone.") in dialog
    )
    assert f'action="{path}"' in dialog and 'name="confirmed" value="1"' in dialog
    # The finalise page (without JavaScript) says the same.
    page = html(client.get(path))
    assert said(app, FINALISE_EXPLAINED) in page


def test_finalising_with_open_privacy_hits_goes_to_its_page_without_a_dialog(
    app, reviewed, login_as
):
    world = reviewed.world
    made(app, world, case_description="Team belt 033-4567890.")
    client = login_as(world, "teamlid")
    page = html(client.get(url(world, "/1")))
    assert f'href="{url(world, "/1/finalise")}"' in page
    assert "confirm-finalise" not in page


def test_a_lesson_of_another_review_cannot_be_removed_through_this_one(app, reviewed, login_as):
    world = reviewed.world
    made(app, world)
    made(app, world)
    lesson_id = in_context(
        app, lambda: add_lesson(world, services.get_review(world.partnership.id, 2)).id
    )
    client = login_as(world, "teamlid")
    assert post(client, url(world, f"/1/lessons/{lesson_id}/remove")).status_code == 404
    assert post(client, url(world, "/1/lessons/999/remove")).status_code == 404
    assert count_rows(app, Lesson) == 1


def test_a_table_item_for_a_table_the_teamlid_does_not_sit_at_is_refused(app, reviewed, login_as):
    world = reviewed.world
    made(app, world)
    table_id = in_context(app, lambda: make_table(world, members=("partner",)).id)
    client = login_as(world, "teamlid")
    response = post(client, url(world, "/1/lessons/new"),
                    lesson_form(follow_up="table", target_table_id=str(table_id),
                                proposal_text="Wie pakt dit op?"))  # fmt: skip
    assert response.status_code == 422
    assert field_error(html(response), "target_table_id") == said(
        app, "You can only put an item on a table you take part in."
    )
    assert count_rows(app, Lesson) == 0


def test_an_action_owner_from_outside_the_partnership_is_refused(app, reviewed, make_partnership,
                                                                 login_as):  # fmt: skip
    world = reviewed.world
    made(app, world)
    outsider = make_partnership("ander").users["teamlid"].id
    client = login_as(world, "teamlid")
    page = html(client.get(url(world, "/1/lessons/new")))
    assert f'value="{world.users["lezer"].id}"' in page
    assert f'value="{outsider}"' not in page
    response = post(client, url(world, "/1/lessons/new"),
                    lesson_form(follow_up="action", action_owner_id=str(outsider)))  # fmt: skip
    assert response.status_code == 422
    assert count_rows(app, Lesson) == 0
    response = post(client, url(world, "/1/lessons/new"), lesson_form(follow_up="action"))
    assert response.status_code == 422
    assert field_error(html(response), "action_owner_id") == said(
        app, "Choose an owner who is a member of this partnership."
    )


# --- finalising with the privacy guard -------------------------------------------------------------


def test_the_full_flow_from_hits_to_finalised(app, reviewed, login_as):
    world, ids = reviewed.world, reviewed.principles
    number = made(app, world, case_description="Team belt 033-4567890.")

    def stored_before_the_rule():  # saves refuse a BSN; older texts may still hold one
        review = db.session.execute(select(Review).filter_by(
            partnership_id=world.partnership.id, number=number)).scalar_one()  # fmt: skip
        review.case_description = "Cliënt BSN 123456782, team belt 033-4567890."
        db.session.commit()

    in_context(app, stored_before_the_rule)
    client = login_as(world, "teamlid")
    # A BSN blocks finalising; the page says so.
    page = html(client.get(url(world, "/1/finalise")))
    assert said(app, "remove: a BSN blocks finalising") in page
    response = post(client, url(world, "/1/finalise"), CONFIRMED)
    assert response.status_code == 422
    assert said(app, BSN_REFUSED) in html(response)
    assert stored(app, world, 1).status == CONCEPT
    # A BSN cannot be confirmed away.
    response = post(client, url(world, "/1/confirm"),
                    {"kind": "bsn", "fragment": "123456782", "reason": "Ordernummer."})  # fmt: skip
    assert said(app, "A citizen service number (BSN) cannot be confirmed: remove it.") in flashed(client, response)  # fmt: skip
    # Remove the BSN; the phone number remains and must be confirmed with a reason.
    version = input_value(html(client.get(url(world, "/1/edit"))), "version")
    post(client, url(world, "/1/edit"),
         form_of(case_description="Team belt 033-4567890.", version=version))  # fmt: skip
    response = post(client, url(world, "/1/finalise"), CONFIRMED)
    assert response.status_code == 422
    assert stored(app, world, 1).status == CONCEPT
    page = html(client.get(url(world, "/1/finalise")))
    assert input_value(page, "fragment") == "033-4567890"
    response = post(client, url(world, "/1/confirm"),
                    {"kind": "phone", "fragment": "033-4567890", "reason": ""})  # fmt: skip
    assert said(app, "Give the reason why this is not personal data.") in flashed(client, response)
    assert count_rows(app, PrivacyConfirmation) == 0
    response = post(client, url(world, "/1/confirm"),
                    {"kind": "phone", "fragment": "033-4567890", "reason": "Algemeen teamnummer."})  # fmt: skip
    assert said(app, "The hit has been confirmed with your reason.") in flashed(client, response)
    confirmation = find(app, PrivacyConfirmation, kind="phone")
    assert confirmation.reason == "Algemeen teamnummer."
    assert "4567890" not in confirmation.fragment_hash
    # Scores and a 3rd-order lesson that proposes a new principle, then finalise.
    post(client, url(world, "/1/scores"), {f"score_{ids['Samen']}": "2"})
    post(client, url(world, "/1/lessons/new"), lesson_form(
        text="Wij geven toestemming in plaats van ruimte.", level="3", arena="systeem",
        principles=[str(ids["Samen"])], follow_up="principle", target_principle_id="",
        proposal_title="Ruimte voor de professional", proposal_text="Professionals doen wat nodig is.",
    ))  # fmt: skip
    assert count_rows(app, ChangeProposal) == 0
    response = post(client, url(world, "/1/finalise"), CONFIRMED)
    assert said(app, "Review %(ref)s has been finalised and shared with the partnership.",
                ref="CR-1") in flashed(client, response)  # fmt: skip
    review = stored(app, world, 1)
    assert review.status == FINAL
    # The proposal is in the manifest, with the lesson as its origin, and both link.
    proposal = find(app, ChangeProposal, origin_type="lesson")
    lesson = find(app, Lesson, review_id=review.id)
    assert proposal.origin_id == lesson.id
    assert lesson.change_proposal_id == proposal.id
    assert "Ruimte voor de professional" in html(client.get(f"/p/{world.slug}/manifest/proposals"))
    assert f"/manifest/proposals/{proposal.id}" in html(client.get(url(world, "/1")))
    assert "CR-1" in html(client.get(f"/p/{world.slug}/manifest/proposals/{proposal.id}"))
    # After finalising nothing can be changed any more.
    for path in ("/1/edit", "/1/scores", "/1/lessons/new", "/1/finalise"):
        assert client.get(url(world, path)).status_code == 403, path
    response = post(client, url(world, "/1/edit"), form_of(title="Te laat"))
    assert response.status_code == 403
    assert stored(app, world, 1).title == review.title


def test_finalising_needs_the_confirmation_of_its_page(app, reviewed, login_as):
    world = reviewed.world
    made(app, world)
    client = login_as(world, "teamlid")
    page = html(client.get(url(world, "/1/finalise")))
    assert said(app, "A finalised review can no longer be changed; this cannot be undone.") in page
    assert 'name="confirmed" value="1"' in page
    # A POST without the page's confirmation shows the page again and finalises nothing.
    response = post(client, url(world, "/1/finalise"))
    assert response.status_code == 200
    assert said(app, "Finalise %(ref)s", ref="CR-1") in html(response)
    assert stored(app, world, 1).status == CONCEPT
    response = post(client, url(world, "/1/finalise"), CONFIRMED)
    assert response.status_code == 302
    assert stored(app, world, 1).status == FINAL


# --- who sees what, by every route ---------------------------------------------------------------


@dataclass
class Shared:
    final: int
    concept: int
    proposal_id: int
    lesson_id: int


def share(app, reviewed) -> Shared:
    """A finalised quality review of the provider's team (secrets in every case detail),
    scored, with a 3rd-order lesson that became a proposal; and a concept with secrets."""
    world, ids = reviewed.world, reviewed.principles

    def build():
        teamlid = member(world, "teamlid")
        review = services.create_review(teamlid, quality_fields(title="Gedeelde review"))
        services.set_scores(
            review, teamlid, dict.fromkeys(ids.values(), (4, "Toelichting gedeeld"))
        )
        lesson = add_lesson(world, review, text="Les van de derde orde.", level=3, arena="systeem",
                            principles=list(ids.values()), follow_up="principle",
                            proposal_title="Nieuw principe", proposal_text="Wij doen het samen.")  # fmt: skip
        finalise(world, review)
        concept = services.create_review(teamlid, quality_fields(title="Concept met geheimen"))
        # A concept's lesson and scores are not shared yet either.
        services.set_scores(concept, teamlid, dict.fromkeys(ids.values(), (2, "CONCEPTSCORE")))
        add_lesson(world, concept, text="CONCEPTLES", level=3, arena="systeem",
                   principles=list(ids.values()))  # fmt: skip
        proposal = db.session.execute(select(ChangeProposal)).scalar_one()
        return Shared(review.number, concept.number, proposal.id, lesson.id)

    return in_context(app, build)


def pages_for(world, shared: Shared, ids) -> list[tuple[str, dict]]:
    manifest = f"/p/{world.slug}/manifest"
    return [
        (url(world, "/"), {}),
        (url(world, "/"), {"HX-Request": "true"}),
        (url(world, "/?status=vastgesteld&kind=kwaliteitsreview&level=3"), {}),
        (url(world, f"/{shared.final}"), {}),
        (url(world, "/overview"), {}),
        (url(world, "/overview?level=3&arena=systeem"), {}),
        (url(world, "/actions"), {}),
        (f"/p/{world.slug}/", {}),
        *[(f"{manifest}/principles/{pid}", {}) for pid in ids.values()],
        (f"{manifest}/proposals", {}),
        (f"{manifest}/proposals/{shared.proposal_id}", {}),
    ]


@pytest.mark.parametrize("role", OTHER_ORGANISATION)
def test_another_organisation_never_sees_case_details_by_any_route(app, reviewed, role):
    world = reviewed.world
    shared = share(app, reviewed)
    client = logged_in(app, world.users[role].email)
    for path, headers in pages_for(world, shared, reviewed.principles):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        page = html(response)
        for secret in SECRETS:
            assert secret not in page, (path, secret)
        for unshared in ("Concept met geheimen", "CONCEPTLES", "CONCEPTSCORE"):
            assert unshared not in page, (path, unshared)
    # What is shared: title, kind, date, scores and lessons.
    page = html(client.get(url(world, f"/{shared.final}")))
    assert "Gedeelde review" in page
    assert said(app, "quality review") in page
    assert in_context(app, lambda: show_date(days(-7))) in page  # the date, in Dutch
    assert "Toelichting gedeeld" in page
    assert "Les van de derde orde." in page
    assert said(app, "The case details stay inside %(organisation)s. The scores and lessons below are shared with the partnership.",
                organisation=world.provider.name) in page  # fmt: skip
    principle_page = html(client.get(f"/p/{world.slug}/manifest/principles/{reviewed.principles['Open']}"))  # fmt: skip
    assert "CR-1 Gedeelde review" in principle_page
    assert "Les van de derde orde." in principle_page
    assert "Les van de derde orde." in html(client.get(url(world, "/overview")))
    # The concept does not exist for them.
    assert client.get(url(world, f"/{shared.concept}")).status_code == 404
    # Routes that would show or change case details refuse: 403 for a finalised review (or
    # for a role that records nothing at all), 404 for another organisation's concept.
    for number in (shared.final, shared.concept):
        expected = 404 if (role == "programmamanager" and number == shared.concept) else 403
        for path in ("/edit", "/scores", "/lessons/new", "/finalise"):
            response = client.get(url(world, f"/{number}{path}"))
            assert response.status_code == expected, (number, path)
            assert not any(secret in html(response) for secret in SECRETS)
        for path, data in (("/edit", form_of()), ("/finalise", {}), ("/confirm", {
            "kind": "phone", "fragment": "x", "reason": "y"}),
            (f"/lessons/{shared.lesson_id}/remove", {})):  # fmt: skip
            response = post(client, url(world, f"/{number}{path}"), data)
            assert response.status_code == expected, (number, path)
            assert not any(secret in html(response) for secret in SECRETS)


@pytest.mark.parametrize("role", ["teamlid", "partner", "beheerder"])
def test_the_organisation_and_the_beheerder_read_the_case_details(app, reviewed, role):
    world = reviewed.world
    shared = share(app, reviewed)
    client = logged_in(app, world.users[role].email)
    for number in (shared.final, shared.concept):
        page = html(client.get(url(world, f"/{number}")))
        for secret in SECRETS:
            assert secret in page, (number, secret)
    assert "Concept met geheimen" in html(client.get(url(world, "/")))
    page = html(client.get(url(world, f"/{shared.concept}")))
    assert "CONCEPTLES" in page and "CONCEPTSCORE" in page


# --- retention and the purge command ---------------------------------------------------------------


def test_the_beheerder_sets_the_retention_period(app, world, login_as):
    client = login_as(world, "beheerder")
    page = html(client.get(url(world, "/settings")))
    assert input_value(page, "retention_months") == "24"
    for bad in ("0", "241", "twaalf", ""):
        response = post(client, url(world, "/settings"), {"retention_months": bad})
        assert response.status_code == 422, bad
        assert field_error(html(response), "retention_months"), bad
    assert in_context(app, services.retention_months, world.partnership.id) == 24
    response = post(client, url(world, "/settings"), {"retention_months": "12"})
    assert said(app, "The settings have been saved.") in flashed(client, response)
    assert in_context(app, services.retention_months, world.partnership.id) == 12
    assert input_value(html(client.get(url(world, "/settings"))), "retention_months") == "12"


def test_the_purge_command_empties_old_case_details_and_keeps_the_rest(app, reviewed):
    world, ids = reviewed.world, reviewed.principles

    def build():
        services.set_retention(world.partnership.id, 12, world.users["beheerder"].id)
        old = services.create_review(member(world, "teamlid"), quality_fields(title="Oude review"))
        services.set_scores(old, member(world, "teamlid"), {ids["Samen"]: (3, "Drie.")})
        add_lesson(world, old, text="Oude les.")
        finalise(world, old)
        new = make_review(world, title="Nieuwe review")
        finalise(world, new)
        old.finalised_at = utcnow() - timedelta(days=400)
        new.finalised_at = utcnow() - timedelta(days=300)
        db.session.commit()
        return old.id, new.id

    old_id, new_id = in_context(app, build)
    result = app.test_cli_runner().invoke(args=["reviews", "purge-expired"])
    assert result.exit_code == 0, result.output
    assert "Case details purged from 1 reviews" in result.output
    old = in_context(app, lambda: reload(db.session.get(Review, old_id)))
    assert (old.case_description, old.went_well, old.could_be_better, old.aims) == ("", "", "", {})
    assert old.title == "Oude review" and old.purged_at is not None
    new = find(app, Review, id=new_id)
    assert SECRET_CASE in new.case_description and new.purged_at is None
    assert count_rows(app, ReviewScore) == 1 and count_rows(app, Lesson) == 1
    events = in_context(app, audit, "Review", "purge")
    assert [e.object_id for e in events] == [old_id]
    # The page says the details were removed; scores and lessons remain.
    client = logged_in(app, world.users["teamlid"].email)
    page = html(client.get(url(world, "/1")))
    assert "Drie." in page and "Oude les." in page
    assert not any(secret in page for secret in SECRETS)
    assert said(app, "The case details were removed on %(date)s after the retention period; title, scores and lessons remain.",
                date="DATE").split("DATE")[0] in page  # fmt: skip
    # A second run changes nothing.
    result = app.test_cli_runner().invoke(args=["reviews", "purge-expired"])
    assert "Case details purged from 0 reviews" in result.output


# --- overview, actions and the dashboard panel ------------------------------------------------------


def test_the_overview_shows_the_score_trend_as_svg_and_table_with_the_same_figures(app, reviewed):
    from datetime import date

    world, ids = reviewed.world, reviewed.principles
    for held_on in (date(2023, 2, 1), date(2023, 3, 1), date(2023, 8, 1)):
        made(app, world, held_on=held_on)
    for number, score in ((1, 4), (2, 3), (3, 2)):

        def work(number=number, score=score):
            review = services.get_review(world.partnership.id, number)
            services.set_scores(review, member(world, "teamlid"), {ids["Samen"]: (score, "")})
            add_lesson(world, review, level=number, arena="casus" if number < 3 else "systeem")
            finalise(world, review)

        in_context(app, work)
    client = logged_in(app, world.users["lezer"].email)
    page = html(client.get(url(world, "/overview")))
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg and "<polyline" in svg.group(0) and svg.group(0).count("<circle") == 2
    table = re.search(r"<table.*?</table>", page[svg.end() :], re.S).group(0)
    assert "2023 H1" in table and "2023 H2" in table
    row = text_of(
        re.search(r"<tr[^>]*>\s*<th[^>]*scope=\"row\">.*?Samen.*?</tr>", table, re.S).group(0)
    )
    assert row == "Samen 3.5 (2) 2.0 (1)"
    # The figures of the chart are the figures of the table: a point at 3.5 and one at 2.0.
    _, trend = in_context(app, services.score_trend, world.partnership.id)
    assert trend[0][2] == [(3.5, 2), (2.0, 1)]
    # Lessons by level and arena.
    matrix = re.findall(r"<table.*?</table>", page, re.S)[1]
    assert [text_of(r) for r in re.findall(r"<tr[^>]*>.*?</tr>", matrix, re.S)[1:]] == [
        f"{said(app, '1st order – rules and actions')} 1 0 0",
        f"{said(app, '2nd order – insights and system')} 1 0 0",
        f"{said(app, '3rd order – principles and roles')} 0 0 1",
    ]


def test_open_actions_are_changed_by_their_owner_or_a_programme_manager(app, reviewed, add_member):
    world = reviewed.world

    def build():
        review = make_review(world)
        add_lesson(world, review, text="Teamoverleg plannen.", follow_up="action",
                   action_owner_id=world.users["teamlid"].id, action_due_on=days(10))  # fmt: skip
        finalise(world, review)
        return db.session.execute(select(Action.id)).scalar_one()

    action_id = in_context(app, build)
    _, colleague_email = add_member(world, "teamlid")
    colleague = logged_in(app, colleague_email)
    page = html(colleague.get(url(world, "/actions")))
    assert "Teamoverleg plannen." in page
    assert f'id="status-{action_id}"' not in page  # no form for others
    response = post(colleague, url(world, f"/actions/{action_id}"), {"status": "gereed"})
    assert said(app, "Only the owner or a programme manager can change this action.") in flashed(colleague, response)  # fmt: skip
    assert find(app, Action, id=action_id).status == "open"

    owner = logged_in(app, world.users["teamlid"].email)
    assert f'id="status-{action_id}"' in html(owner.get(url(world, "/actions")))
    assert f'id="action-{action_id}"' in html(owner.get(url(world, "/overview")))
    response = post(owner, url(world, f"/actions/{action_id}"), {"status": "in_uitvoering"})
    assert said(app, "The action has been updated.") in flashed(owner, response)
    assert find(app, Action, id=action_id).status == "in_uitvoering"
    manager = logged_in(app, world.users["programmamanager"].email)
    response = post(manager, url(world, f"/actions/{action_id}"), {"status": "gereed"})
    assert find(app, Action, id=action_id).status == "gereed"
    assert "Teamoverleg plannen." not in html(manager.get(url(world, "/actions")))
    assert f'id="action-{action_id}"' not in html(manager.get(url(world, "/overview")))
    assert len(in_context(app, audit, "Action", "update")) == 2
    # An action of another partnership is not found.
    assert post(manager, url(world, "/actions/999"), {"status": "gereed"}).status_code == 404


def test_the_dashboard_panel(app, reviewed):
    world = reviewed.world

    def build():
        review = make_review(world, title="Gedeeld")
        add_lesson(world, review, follow_up="action", action_owner_id=world.users["teamlid"].id)
        add_lesson(world, review, level=3, arena="systeem", text="Derde orde.")
        finalise(world, review)
        make_review(world, title="Nog een concept")

    in_context(app, build)
    client = logged_in(app, world.users["teamlid"].email)
    page = html(client.get(f"/p/{world.slug}/"))
    assert said(app, "Your open actions: %(n)s.", n=1) in page
    assert said(app, "Concept reviews of your organisation (%(n)s):", n=1) in page
    assert "CR-2 Nog een concept" in page
    assert said(app, "New lessons of the 3rd order (principles and roles) in the last 30 days: %(n)s.", n=1) in page  # fmt: skip
    # Another organisation's member sees the new lesson but not the concept.
    client = logged_in(app, world.users["programmamanager"].email)
    page = html(client.get(f"/p/{world.slug}/"))
    assert "Nog een concept" not in page
    assert said(app, "New lessons of the 3rd order (principles and roles) in the last 30 days: %(n)s.", n=1) in page  # fmt: skip


def test_the_list_filters_and_answers_htmx_with_the_partial(app, world, login_as):
    made(app, world, title="Eerste", final=True)
    made(app, world, title="Tweede", fields=quality_fields())
    client = login_as(world, "teamlid")
    page = html(client.get(url(world, "/?kind=kwaliteitsreview")))
    assert "Tweede" in page and "CR-1 Eerste" not in page
    partial = html(client.get(url(world, "/?status=vastgesteld"), headers={"HX-Request": "true"}))
    assert "<html" not in partial
    assert "CR-1 Eerste" in partial and "Tweede" not in partial
    assert alert_text(page) == ""


def label(page: str, field_id: str) -> str:
    match = re.search(rf'<label[^>]*for="{field_id}"[^>]*>(.*?)</label>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.mark.parametrize(
    ("follow_up", "field", "error"),
    [
        ("table", "target_table_id", "Choose a thematic table."),
        ("action", "action_owner_id", "Choose an owner who is a member of this partnership."),
        ("agreement", "target_agreement_id", "Choose an agreement of this partnership."),
    ],
)
def test_a_follow_up_without_its_field_is_refused_where_the_hint_says_so(
    app, reviewed, login_as, follow_up, field, error
):
    world = reviewed.world
    made(app, world)
    client = login_as(world, "teamlid")
    page = html(client.get(url(world, "/1/lessons/new")))
    # Required only for its follow-up: the label says neither, the hint says when.
    assert not label(page, field).endswith(("(optioneel)", "(verplicht)")), label(page, field)
    assert f'id="{field}-description"' in page
    assert label(page, "text").endswith("(verplicht)")

    response = post(client, url(world, "/1/lessons/new"),
                    lesson_form(follow_up=follow_up, proposal_text="Wat doen we?"))  # fmt: skip

    assert response.status_code == 422
    assert field_error(html(response), field) == said(app, error)
    assert count_rows(app, Lesson) == 0
