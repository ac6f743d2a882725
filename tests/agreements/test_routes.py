"""Agreement pages: create, edit, status and revisit decisions, versions, conflicts, archive,
comments, the principle page, who may do what, and the audit trail of the forms."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.activity.models import AuditEvent
from app.agreements import services
from app.agreements.models import ACTIVE, CONCEPT, ENDED, EXTEND, FIRM, Agreement, Revisit
from app.extensions import db
from tests.agreements.helpers import (
    EDITORS,
    NOT_EDITORS,
    checked,
    days,
    flashed,
    form,
    html,
    in_context,
    logged_in,
    main_of,
    make_in,
    principles,
    selected,
    state_of,
    textarea,
    url,
)
from tests.conftest import alert_text, field_error, input_value, message, post


def stored(app, world, number: int) -> Agreement:
    """The agreement as the database holds it now, with its parties (detached)."""
    with app.app_context():
        agreement = services.get_agreement(world.partnership.id, number)
        if agreement is not None:
            agreement.parties  # noqa: B018  (load before detaching)
            db.session.expunge(agreement)
        db.session.remove()
    return agreement


def overdue_in(app, world, **over) -> int:
    """An active werkbaar agreement whose revisit date passed ten days ago."""
    return make_in(app, world, active=True, start_on=days(-200), revisit_on=days(-10), **over)


def edit_form(client, world, number: int, **over) -> dict:
    """The edit form as the page gives it (with its version), changed by `over`."""
    page = html(client.get(url(world, f"/{number}/edit")))
    return {**form(world, **over), "version": input_value(page, "version"), "change_note": "Aangepast."}  # fmt: skip


def revisit_form(client, world, number: int, **over) -> dict:
    """The revisit form as the page gives it (text and version filled in), with `over`."""
    page = html(client.get(url(world, f"/{number}/revisit")))
    return {
        "version": input_value(page, "version"),
        "title": input_value(page, "title"),
        "summary": input_value(page, "summary"),
        "explanation": textarea(page, "explanation"),
        **over,
    }


# --- creating ----------------------------------------------------------------------------


def test_create_through_the_form(app, world, login_as):
    client = login_as(world, "programmamanager")
    page = html(client.get(url(world, "/new")))
    assert 'name="title"' in page and 'name="revisit_on"' in page

    response = post(client, url(world, "/new"), form(world, end_on=days(300)))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(world, "/1"))
    agreement = stored(app, world, 1)
    assert (agreement.status, agreement.current_version, agreement.reference) == (
        CONCEPT,
        1,
        "WA-1",
    )
    assert agreement.title == form(world)["title"]
    assert (agreement.revisit_on, agreement.end_on) == (days(80), days(300))
    assert {o.id for o in agreement.parties} == {world.municipality.id, world.provider.id}
    assert agreement.owner_id == world.users["programmamanager"].id
    assert message(app, "Agreement %(ref)s has been created as a concept.", ref="WA-1") in flashed(client, response)  # fmt: skip

    assert post(client, url(world, "/new"), form(world, title="Tweede")).headers["Location"].endswith(url(world, "/2"))  # fmt: skip


def test_created_agreement_page_shows_its_fields(app, world, login_as):
    ids = in_context(app, principles, world)
    client = login_as(world, "programmamanager")
    post(client, url(world, "/new"), {**form(world), "principles": [str(ids["Open"])]})

    page = main_of(client.get(url(world, "/1")))

    assert "WA-1 Sturingsinformatie delen met de BSA" in page
    assert "<em>nadruk</em>" in page
    assert world.municipality.name in page and world.provider.name in page
    assert world.users["programmamanager"].name in page
    assert "Thematafel wachttijden" in page
    assert f"/manifest/principles/{ids['Open']}" in page
    assert message(app, "concept") in page


def test_werkbaar_is_the_default_and_the_owner_is_the_current_user(world, login_as):
    client = login_as(world, "beheerder")

    page = html(client.get(url(world, "/new")))

    assert checked(page, "kind") == {"werkbaar"}
    assert selected(page, "owner_id") == {str(world.users["beheerder"].id)}
    assert input_value(page, "start_on") == days(0).isoformat()
    assert checked(page, "parties") == set()


ROUTE_REFUSALS = [
    ("revisit missing", {"revisit_on": ""}, "revisit_on", "A workable agreement needs a revisit date."),
    ("revisit before start", {"revisit_on": days(-150)}, "revisit_on", "The revisit date must lie after the start date."),
    ("end before start", {"end_on": days(-101)}, "end_on", "The end date cannot lie before the start date."),
    ("unknown party", {"parties": ["987654"]}, "parties", None),
    ("no party", {"parties": []}, "parties", "Choose at least one party."),
    ("title too long", {"title": "x" * 201}, "title", None),
    ("no title", {"title": ""}, "title", "Enter a title."),
    ("bad date", {"start_on": "31-02-2024"}, "start_on", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("over", "field", "msgid"),
    [case[1:] for case in ROUTE_REFUSALS],
    ids=[case[0] for case in ROUTE_REFUSALS],
)
def test_bad_input_shows_the_message_next_to_the_field(app, world, login_as, over, field, msgid):
    client = login_as(world, "programmamanager")
    before = state_of(app)

    response = post(client, url(world, "/new"), form(world, **over))

    assert response.status_code == 422
    error = field_error(html(response), field)
    assert error
    if msgid:
        assert error == message(app, msgid)
    assert state_of(app) == before


def test_a_party_or_owner_of_another_partnership_is_refused(app, make_partnership, login_as):
    world, other = make_partnership("eigen"), make_partnership("ander")
    client = login_as(world, "programmamanager")
    before = state_of(app)

    party = post(client, url(world, "/new"), form(world, parties=[str(world.provider.id), str(other.provider.id)]))  # fmt: skip
    owner = post(client, url(world, "/new"), form(world, owner_id=str(other.users["beheerder"].id)))

    assert (party.status_code, owner.status_code) == (422, 422)
    assert field_error(html(party), "parties")
    assert field_error(html(owner), "owner_id")
    assert state_of(app) == before


# --- status and revisit decisions --------------------------------------------------------


def test_activate(app, world, login_as):
    number = make_in(app, world)
    client = login_as(world, "beheerder")

    response = post(client, url(world, f"/{number}/activate"))

    assert message(app, "The agreement is active.") in flashed(client, response)
    assert stored(app, world, number).status == ACTIVE
    again = post(client, url(world, f"/{number}/activate"))
    assert message(app, "Only a concept agreement can be made active.") in flashed(client, again)


def test_a_passed_revisit_date_shows_revisit_needed(app, world, login_as):
    number = overdue_in(app, world)
    client = login_as(world, "lezer")

    page = main_of(client.get(url(world, f"/{number}")))

    assert message(app, "revisit needed") in page
    assert "utrecht-alert--warning" in page


def test_extend_through_the_form_shows_on_the_timeline(app, world, login_as):
    number = overdue_in(app, world)
    client = login_as(world, "programmamanager")
    show = html(client.get(url(world, f"/{number}")))
    assert url(world, f"/{number}/revisit") in show

    response = post(client, url(world, f"/{number}/revisit"), revisit_form(
        client, world, number, decision="verlengen", reason="Definities nog niet af.",
        new_revisit_on=days(90).isoformat(),
    ))  # fmt: skip

    assert message(app, "The revisit decision has been recorded.") in flashed(client, response)
    agreement = stored(app, world, number)
    assert agreement.revisit_on == days(90)
    assert agreement.current_version == 2
    page = main_of(client.get(url(world, f"/{number}")))
    assert message(app, "Extended") in page
    assert "Definities nog niet af." in page
    assert world.users["programmamanager"].name in page
    assert message(app, "revisit needed") not in page


def test_amend_through_the_form_makes_a_version_with_the_new_text(app, world, login_as):
    number = overdue_in(app, world)
    client = login_as(world, "beheerder")

    response = post(client, url(world, f"/{number}/revisit"), revisit_form(
        client, world, number, decision="aanpassen", reason="Aangescherpt.",
        new_revisit_on=days(120).isoformat(), title="Sturingsinformatie delen met de BSA",
        summary="De gemeenten delen elke week de sturingsinformatie met de BSA.",
    ))  # fmt: skip

    assert response.status_code == 302
    agreement = stored(app, world, number)
    assert agreement.summary == "De gemeenten delen elke week de sturingsinformatie met de BSA."
    assert agreement.current_version == 2


def test_amend_with_the_same_text_is_refused(app, world, login_as):
    number = overdue_in(app, world)
    client = login_as(world, "beheerder")
    data = revisit_form(client, world, number, decision="aanpassen", reason="Reden.",
                        new_revisit_on=days(120).isoformat())  # fmt: skip
    before = state_of(app)

    response = post(client, url(world, f"/{number}/revisit"), data)

    assert response.status_code == 422
    assert field_error(html(response), "summary") == message(app, "Change the text of the agreement, or choose extend.")  # fmt: skip
    assert state_of(app) == before


def test_make_structural_and_end_through_the_form(app, world, login_as):
    firm, ended = overdue_in(app, world), overdue_in(app, world, title="Pilot")
    client = login_as(world, "programmamanager")

    post(client, url(world, f"/{firm}/revisit"), revisit_form(client, world, firm, decision="structureel", reason="Wordt beleid."))  # fmt: skip
    end = revisit_form(client, world, ended, decision="beeindigen", reason="Pilot klaar.")
    post(client, url(world, f"/{ended}/revisit"), {**end, "confirmed": "1"})

    assert (stored(app, world, firm).kind, stored(app, world, firm).revisit_on) == (FIRM, None)
    assert stored(app, world, ended).status == ENDED
    page = main_of(client.get(url(world, f"/{ended}")))
    assert message(app, "Ended") in page and "Pilot klaar." in page
    assert url(world, f"/{ended}/edit") not in page


def test_ending_asks_for_confirmation_first(app, world, login_as):
    number = overdue_in(app, world)
    client = login_as(world, "programmamanager")
    data = revisit_form(client, world, number, decision="beeindigen", reason="Pilot klaar.")
    before = state_of(app)
    # The first submit changes nothing: the page says what ending means and asks again.
    response = post(client, url(world, f"/{number}/revisit"), data)
    assert response.status_code == 200
    page = html(response)
    explained = message(app, "Ending %(ref)s stops the agreement for every party today; it can "
                             "no longer be revisited or changed. This cannot be undone.",
                        ref=f"WA-{number}")  # fmt: skip
    assert explained in page
    assert 'name="confirmed" value="1"' in page
    assert message(app, "Yes, end the agreement") in page
    assert state_of(app) == before
    assert stored(app, world, number).status == ACTIVE
    # Confirmed (the hidden field of that page), it ends.
    response = post(client, url(world, f"/{number}/revisit"), {**data, "confirmed": "1"})
    assert response.status_code == 302
    assert stored(app, world, number).status == ENDED


def test_the_revisit_form_holds_the_dialog_of_ending(app, world, login_as):
    number = overdue_in(app, world)
    client = login_as(world, "programmamanager")
    page = html(client.get(url(world, f"/{number}/revisit")))
    assert '<form class="utrecht-form" id="revisit-form"' in page
    dialog = page[page.index('<dialog class="ss-confirm-dialog" id="confirm-end"') :]
    dialog = dialog[: dialog.index("</dialog>")]
    assert 'data-confirm-form="revisit-form"' in dialog
    assert 'data-confirm-field="decision" data-confirm-value="beeindigen"' in dialog
    explained = message(app, "Ending %(ref)s stops the agreement for every party today; it can "
                             "no longer be revisited or changed. This cannot be undone.",
                        ref=f"WA-{number}")  # fmt: skip
    assert explained in dialog
    assert 'form="revisit-form" name="confirmed" value="1"' in dialog
    # The page that asks once more (without JavaScript) needs no dialog.
    data = revisit_form(client, world, number, decision="beeindigen", reason="Pilot klaar.")
    page = html(post(client, url(world, f"/{number}/revisit"), data))
    assert explained in page and 'id="confirm-end"' not in page


def test_ending_is_refused_to_a_reader_even_confirmed(app, world, login_as):
    number = overdue_in(app, world)
    manager = login_as(world, "programmamanager")
    data = revisit_form(manager, world, number, decision="beeindigen", reason="Klaar.")
    reader = logged_in(app, world.users["lezer"].email)
    before = state_of(app)
    response = post(reader, url(world, f"/{number}/revisit"), {**data, "confirmed": "1"})
    assert response.status_code == 403
    assert state_of(app) == before


def test_ending_needs_a_reason(app, world, login_as):
    number = overdue_in(app, world)
    client = login_as(world, "programmamanager")
    data = revisit_form(client, world, number, decision="beeindigen", reason="")
    before = state_of(app)

    response = post(client, url(world, f"/{number}/revisit"), data)

    assert response.status_code == 422
    assert field_error(html(response), "reason") == message(
        app, "Give the reason for this decision."
    )
    assert state_of(app) == before


def test_an_ended_agreement_cannot_be_edited(app, world, login_as):
    number = overdue_in(app, world)
    in_context(app, lambda: services.revisit(
        services.get_agreement(world.partnership.id, number), "beeindigen", "Klaar.",
        world.users["beheerder"].id,
    ))  # fmt: skip
    client = login_as(world, "beheerder")
    data = edit_form(client, world, number, title="Toch nog aanpassen", start_on=days(-200), revisit_on=days(-10))  # fmt: skip
    before = state_of(app)

    response = post(client, url(world, f"/{number}/edit"), data)

    assert response.status_code == 422
    assert message(app, "This agreement has ended and can no longer be changed.") in alert_text(html(response))  # fmt: skip
    assert state_of(app) == before


def test_extend_with_a_date_before_today_is_refused(app, world, login_as):
    number = overdue_in(app, world)
    client = login_as(world, "programmamanager")
    data = revisit_form(client, world, number, decision="verlengen", reason="Reden.", new_revisit_on=days(-1).isoformat())  # fmt: skip
    before = state_of(app)

    response = post(client, url(world, f"/{number}/revisit"), data)

    assert response.status_code == 422
    assert field_error(html(response), "new_revisit_on") == message(
        app, "The new revisit date must lie after today and after the current one."
    )
    assert state_of(app) == before


def test_a_decision_on_an_agreement_not_due_is_refused(app, world, login_as):
    number = make_in(app, world, active=True, revisit_on=days(45))
    client = login_as(world, "programmamanager")
    page = html(client.get(url(world, f"/{number}/revisit")))
    assert "utrecht-alert--info" in page
    assert url(world, f"/{number}/revisit") not in html(client.get(url(world, f"/{number}")))
    data = revisit_form(client, world, number, decision="verlengen", reason="Reden.", new_revisit_on=days(200).isoformat())  # fmt: skip
    before = state_of(app)

    response = post(client, url(world, f"/{number}/revisit"), data)

    assert response.status_code == 422
    assert message(
        app, "This agreement is not due for a revisit yet (revisit date %(date)s).", date=days(45).isoformat()
    ) in alert_text(html(response))  # fmt: skip
    assert state_of(app) == before


# --- versions ----------------------------------------------------------------------------


def test_every_edit_makes_a_version_and_versions_can_be_compared(app, world, login_as):
    number = make_in(app, world)
    client = login_as(world, "programmamanager")

    first = post(client, url(world, f"/{number}/edit"), {
        **edit_form(client, world, number, summary="De gemeenten delen elke week de sturingsinformatie met de BSA."),
        "change_note": "Vaker delen.",
    })  # fmt: skip
    assert message(app, "The agreement has been saved as version %(n)s.", n=2) in flashed(
        client, first
    )
    second = post(client, url(world, f"/{number}/edit"), {
        **edit_form(client, world, number, summary="De gemeenten delen elke week de sturingsinformatie met de BSA.",
                    title="Sturingsinformatie wekelijks delen"),
        "change_note": "Titel bijgewerkt.",
    })  # fmt: skip
    assert message(app, "The agreement has been saved as version %(n)s.", n=3) in flashed(
        client, second
    )

    assert stored(app, world, number).current_version == 3
    page = main_of(client.get(url(world, f"/{number}")))
    assert "Vaker delen." in page and "Titel bijgewerkt." in page
    compare = client.get(url(world, f"/{number}/compare?a=1&b=2"))
    assert compare.status_code == 200
    shown = main_of(compare)
    assert "<del>maand</del>" in shown and "<ins>week</ins>" in shown
    assert "Vaker delen." in shown
    default = main_of(client.get(url(world, f"/{number}/compare")))
    assert "<ins>wekelijks" in default and "Titel bijgewerkt." in default


@pytest.mark.parametrize("args", ["a=1&b=9", "a=0&b=1", "a=-1&b=1", "a=abc&b=1", "a=1"])
def test_compare_with_versions_that_do_not_exist_is_refused(app, world, login_as, args):
    number = make_in(app, world)
    client = login_as(world, "lezer")

    response = client.get(url(world, f"/{number}/compare?{args}"))

    assert response.status_code == 422
    assert message(app, "Choose two existing versions.") in alert_text(html(response))


def test_an_edit_needs_a_change_note(app, world, login_as):
    number = make_in(app, world)
    client = login_as(world, "programmamanager")
    data = {**edit_form(client, world, number, title="Nieuwe titel"), "change_note": ""}
    before = state_of(app)

    response = post(client, url(world, f"/{number}/edit"), data)

    assert response.status_code == 422
    assert field_error(html(response), "change_note") == message(app, "Describe what you changed and why.")  # fmt: skip
    assert state_of(app) == before


def test_an_edit_that_changes_nothing_is_refused(app, world, login_as):
    number = make_in(app, world)
    client = login_as(world, "programmamanager")
    data = edit_form(client, world, number)
    before = state_of(app)

    response = post(client, url(world, f"/{number}/edit"), data)

    assert response.status_code == 422
    assert message(app, "Nothing was changed.") in alert_text(html(response))
    assert state_of(app) == before


def test_the_edit_form_shows_the_stored_values(app, world, login_as):
    ids = in_context(app, principles, world)
    number = make_in(app, world, principles=[ids["Lerend"]], parties=[world.provider.id])
    client = login_as(world, "beheerder")

    page = html(client.get(url(world, f"/{number}/edit")))

    assert input_value(page, "title") == "Sturingsinformatie delen met de BSA"
    assert input_value(page, "revisit_on") == days(80).isoformat()
    assert textarea(page, "explanation") == "Uitleg met *nadruk*."
    assert checked(page, "kind") == {"werkbaar"}
    assert checked(page, "parties") == {str(world.provider.id)}
    assert checked(page, "principles") == {str(ids["Lerend"])}
    assert selected(page, "owner_id") == {str(world.users["programmamanager"].id)}
    assert input_value(page, "version")


# --- concurrent edits --------------------------------------------------------------------


def test_a_stale_edit_gets_a_conflict_page_and_overwrites_nothing(app, world):
    number = make_in(app, world)
    first = logged_in(app, world.users["programmamanager"].email)
    second = logged_in(app, world.users["beheerder"].email)
    mine = edit_form(first, world, number, title="Titel van de programmamanager")
    theirs = edit_form(second, world, number, title="Titel van de beheerder")
    assert mine["version"] == theirs["version"]

    assert post(first, url(world, f"/{number}/edit"), mine).status_code == 302
    before = state_of(app)
    response = post(second, url(world, f"/{number}/edit"), theirs)

    assert response.status_code == 409
    page = main_of(response)
    assert message(app, "Someone else changed this in the meantime") in page
    assert "Titel van de beheerder" in page
    assert "Titel van de programmamanager" in page
    assert state_of(app) == before
    assert stored(app, world, number).title == "Titel van de programmamanager"
    assert stored(app, world, number).current_version == 2


def test_a_stale_revisit_form_gets_a_conflict_page(app, world):
    number = overdue_in(app, world)
    first = logged_in(app, world.users["programmamanager"].email)
    second = logged_in(app, world.users["beheerder"].email)
    mine = revisit_form(first, world, number, decision="verlengen", reason="Eerste.", new_revisit_on=days(60).isoformat())  # fmt: skip
    theirs = revisit_form(second, world, number, decision="beeindigen", reason="Tweede.")

    assert post(first, url(world, f"/{number}/revisit"), mine).status_code == 302
    before = state_of(app)
    response = post(second, url(world, f"/{number}/revisit"), theirs)

    assert response.status_code == 409
    assert state_of(app) == before
    assert stored(app, world, number).status == ACTIVE
    with app.app_context():
        assert [r.decision for r in db.session.execute(select(Revisit)).scalars()] == [EXTEND]


# --- archive, comments -------------------------------------------------------------------


def test_archive_and_restore(app, world, login_as):
    kept, archived = make_in(app, world, title="Blijft staan"), make_in(app, world, title="Gaat naar het archief")  # fmt: skip
    client = login_as(world, "beheerder")

    response = post(client, url(world, f"/{archived}/archive"))

    assert message(app, "The agreement has been archived. It can be restored.") in flashed(client, response)  # fmt: skip
    assert "Gaat naar het archief" not in main_of(client.get(url(world, "/")))
    assert "Gaat naar het archief" in main_of(client.get(url(world, "/?archived=1")))
    assert "Blijft staan" not in main_of(client.get(url(world, "/?archived=1")))
    assert client.get(url(world, f"/{archived}")).status_code == 200

    response = post(client, url(world, f"/{archived}/restore"))

    assert message(app, "The agreement has been restored.") in flashed(client, response)
    assert stored(app, world, archived).archived_at is None
    page = main_of(client.get(url(world, "/")))
    assert "Gaat naar het archief" in page and "Blijft staan" in page
    assert stored(app, world, kept).archived_at is None


def test_comments_are_sanitised_markdown(app, world, login_as):
    number = make_in(app, world)
    client = login_as(world, "teamlid")
    body = "Werkt dit **ook in Baarn**?\n\n<script>alert('x')</script>\n\n<a href=\"javascript:alert(1)\">klik</a>"

    response = post(client, url(world, f"/{number}/comments"), {"body": body})

    assert message(app, "Your comment has been placed.") in flashed(client, response)
    page = html(client.get(url(world, f"/{number}")))
    assert "<strong>ook in Baarn</strong>" in page
    assert "<script>alert" not in page
    assert "javascript:" not in page
    assert world.users["teamlid"].name in main_of(client.get(url(world, f"/{number}")))


def test_an_empty_comment_is_refused(app, world, login_as):
    number = make_in(app, world)
    client = login_as(world, "partner")
    before = state_of(app)

    response = post(client, url(world, f"/{number}/comments"), {"body": "   "})

    assert response.status_code == 422
    assert field_error(html(response), "body") == message(app, "Write a comment.")
    assert state_of(app) == before


@pytest.mark.parametrize(
    "role", ["teamlid", "partner", "bestuurder", "programmamanager", "beheerder"]
)
def test_every_member_but_a_lezer_may_comment(app, world, login_as, role):
    number = make_in(app, world)
    client = login_as(world, role)

    response = post(client, url(world, f"/{number}/comments"), {"body": f"Reactie van {role}."})

    assert response.status_code == 302
    assert f"Reactie van {role}." in main_of(client.get(url(world, f"/{number}")))


def test_the_kept_comment_form_carries_each_sessions_own_token(app, world, login_as):
    """The comment form is kept as HTML (app.kept.kept_form) without its CSRF token: each
    member's page has their own, and a refused comment comes back with its text."""
    from tests.conftest import CSRF, sign_in

    number = make_in(app, world)
    others = app.test_client()
    sign_in(others, world.users["partner"])
    for who, text in ((login_as(world, "teamlid"), "Eerst ik."), (others, "Dan ik.")):
        page = html(who.get(url(world, f"/{number}")))
        form = page[page.index('id="comment-heading"') :]
        token = CSRF.search(form).group(1)

        response = who.post(
            url(world, f"/{number}/comments"), data={"csrf_token": token, "body": text}
        )

        assert response.status_code == 302
    page = main_of(others.get(url(world, f"/{number}")))
    assert "Eerst ik." in page and "Dan ik." in page

    response = post(others, url(world, f"/{number}/comments"), {"body": "x" * 10001})

    assert response.status_code == 422
    assert "x" * 10001 in html(response)
    assert "x" * 10001 not in html(others.get(url(world, f"/{number}")))


def test_a_lezer_may_not_comment(app, world, login_as):
    number = make_in(app, world)
    client = login_as(world, "lezer")
    assert 'name="body"' not in html(client.get(url(world, f"/{number}")))
    before = state_of(app)

    response = post(client, url(world, f"/{number}/comments"), {"body": "Mag dit?"})

    assert response.status_code == 403
    assert state_of(app) == before


# --- the principle page ------------------------------------------------------------------


def test_the_principle_page_lists_the_agreements_that_implement_it(app, world, login_as):
    ids = in_context(app, principles, world)
    linked = make_in(app, world, title="Open boeken", principles=[ids["Open"]])
    make_in(app, world, title="Samen plannen", principles=[ids["Samen"]])
    client = login_as(world, "lezer")

    page = main_of(client.get(f"/p/{world.slug}/manifest/principles/{ids['Open']}"))

    assert f"WA-{linked} Open boeken" in page
    assert url(world, f"/{linked}") in page
    assert "Samen plannen" not in page
    empty = main_of(client.get(f"/p/{world.slug}/manifest/principles/{ids['Lerend']}"))
    assert message(app, "No agreement implements this principle yet.") in empty


def test_unlinking_a_principle_removes_the_agreement_from_its_page(app, world, login_as):
    ids = in_context(app, principles, world)
    number = make_in(app, world, title="Open boeken", principles=[ids["Open"]])
    client = login_as(world, "programmamanager")

    data = {**edit_form(client, world, number, title="Open boeken"), "principles": [str(ids["Samen"])]}  # fmt: skip
    response = post(client, url(world, f"/{number}/edit"), data)

    assert response.status_code == 302
    assert "Open boeken" not in main_of(client.get(f"/p/{world.slug}/manifest/principles/{ids['Open']}"))  # fmt: skip
    assert "Open boeken" in main_of(client.get(f"/p/{world.slug}/manifest/principles/{ids['Samen']}"))  # fmt: skip


def test_an_agreement_drafted_from_an_origin_shows_it(app, world, login_as):
    def draft():
        return services.draft_from_origin(
            world.partnership.id, world.users["programmamanager"].id, "Wachttijden halveren",
            "De wachttijd voor ambulante hulp gaat binnen een jaar naar zes weken.",
            "table_conclusion", 12, "Conclusie thematafel Wachttijden",
        ).number  # fmt: skip

    number = in_context(app, draft)
    client = login_as(world, "lezer")

    page = main_of(client.get(url(world, f"/{number}")))

    assert "Conclusie thematafel Wachttijden" in page
    assert message(app, "concept") in page


# --- who may do what ---------------------------------------------------------------------

EDIT_ROUTES = [
    ("GET", "/new"), ("POST", "/new"), ("GET", "/{n}/edit"), ("POST", "/{n}/edit"),
    ("POST", "/{n}/activate"), ("POST", "/{n}/archive"), ("POST", "/{n}/restore"),
    ("GET", "/{n}/revisit"), ("POST", "/{n}/revisit"),
]  # fmt: skip
VIEW_ROUTES = ["/", "/{n}", "/{n}/compare", "/export.csv", "/export.xlsx"]


def send(client, method: str, path: str, data: dict | None = None):
    return client.get(path) if method == "GET" else post(client, path, data or {})


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_edit_routes_are_refused_for_roles_that_may_not_edit(app, world, login_as, role):
    number = overdue_in(app, world)
    client = login_as(world, role)
    before = state_of(app)
    data = {**form(world, title="Niet toegestaan"), "change_note": "x", "decision": "verlengen",
            "reason": "x", "new_revisit_on": days(60).isoformat()}  # fmt: skip

    codes = {
        (method, path): send(client, method, url(world, path.format(n=number)), data).status_code
        for method, path in EDIT_ROUTES
    }

    assert set(codes.values()) == {403}, codes
    assert state_of(app) == before
    page = html(client.get(url(world, f"/{number}")))
    assert url(world, f"/{number}/edit") not in page
    assert url(world, "/new") not in html(client.get(url(world, "/")))


@pytest.mark.parametrize("role", EDITORS)
def test_edit_routes_are_allowed_for_editors(app, world, login_as, role):
    number = make_in(app, world, start_on=days(-200), revisit_on=days(-10))
    client = login_as(world, role)

    assert client.get(url(world, "/new")).status_code == 200
    assert post(client, url(world, "/new"), form(world, title="Nieuw")).status_code == 302
    assert client.get(url(world, f"/{number}/edit")).status_code == 200
    data = edit_form(client, world, number, title="Gewijzigd", start_on=days(-200), revisit_on=days(-10))  # fmt: skip
    assert post(client, url(world, f"/{number}/edit"), data).status_code == 302
    assert post(client, url(world, f"/{number}/activate")).status_code == 302
    assert client.get(url(world, f"/{number}/revisit")).status_code == 200
    data = revisit_form(client, world, number, decision="verlengen", reason="Door.", new_revisit_on=days(60).isoformat())  # fmt: skip
    assert post(client, url(world, f"/{number}/revisit"), data).status_code == 302
    assert post(client, url(world, f"/{number}/archive")).status_code == 302
    assert post(client, url(world, f"/{number}/restore")).status_code == 302

    agreement = stored(app, world, number)
    assert (agreement.title, agreement.status, agreement.revisit_on) == (
        "Gewijzigd",
        ACTIVE,
        days(60),
    )
    assert agreement.archived_at is None
    assert stored(app, world, number + 1).title == "Nieuw"


@pytest.mark.parametrize("role", [*EDITORS, *NOT_EDITORS])
def test_every_member_may_read(app, world, login_as, role):
    number = make_in(app, world)
    client = login_as(world, role)

    codes = [client.get(url(world, path.format(n=number))).status_code for path in VIEW_ROUTES]

    assert codes == [200] * len(VIEW_ROUTES)


def test_an_agreement_number_of_another_partnership_is_not_found(app, make_partnership, login_as):
    world, other = make_partnership("eigen"), make_partnership("ander")
    make_in(app, world)
    make_in(app, other)
    make_in(app, other, title="Alleen bij de ander")
    client = login_as(world, "beheerder")
    before = state_of(app)

    codes = [client.get(url(world, path.format(n=2))).status_code for path in VIEW_ROUTES[1:3]]
    codes += [
        send(client, method, url(world, path.format(n=2)), form(world)).status_code
        for method, path in EDIT_ROUTES
        if "{n}" in path
    ]
    codes.append(post(client, url(world, "/2/comments"), {"body": "Hallo"}).status_code)

    assert set(codes) == {404}
    assert state_of(app) == before


def test_a_non_member_gets_not_found(app, make_partnership, login_as):
    world, other = make_partnership("eigen"), make_partnership("ander")
    number = make_in(app, world)
    client = login_as(other, "beheerder")
    before = state_of(app)

    codes = [client.get(url(world, path.format(n=number))).status_code for path in VIEW_ROUTES]
    codes += [send(client, m, url(world, p.format(n=number)), form(world)).status_code for m, p in EDIT_ROUTES]  # fmt: skip
    codes.append(post(client, url(world, f"/{number}/comments"), {"body": "Hallo"}).status_code)

    assert set(codes) == {404}
    assert state_of(app) == before


def test_anonymous_visitors_are_sent_to_the_login_page(app, world, client):
    number = make_in(app, world)
    before = state_of(app)

    responses = [client.get(url(world, path.format(n=number))) for path in VIEW_ROUTES]
    responses += [send(client, m, url(world, p.format(n=number)), form(world)) for m, p in EDIT_ROUTES]  # fmt: skip
    responses.append(post(client, url(world, f"/{number}/comments"), {"body": "Hallo"}))

    assert {r.status_code for r in responses} == {302}
    assert all("/login" in r.headers["Location"] for r in responses)
    assert state_of(app) == before


# --- audit through the pages -------------------------------------------------------------


def test_the_pages_record_the_logged_in_member_as_actor(app, world, login_as):
    client = login_as(world, "beheerder")
    post(client, url(world, "/new"), form(world, start_on=days(-200), revisit_on=days(-10)))
    post(client, url(world, "/1/edit"), edit_form(client, world, 1, title="Nieuw", start_on=days(-200), revisit_on=days(-10)))  # fmt: skip
    post(client, url(world, "/1/activate"))
    post(client, url(world, "/1/revisit"), revisit_form(client, world, 1, decision="structureel", reason="Beleid."))  # fmt: skip
    post(client, url(world, "/1/archive"))
    post(client, url(world, "/1/restore"))
    post(client, url(world, "/1/comments"), {"body": "Genoteerd."})

    with app.app_context():
        trail = list(
            db.session.execute(
                select(AuditEvent)
                .where(AuditEvent.object_type.in_(["Agreement", "AgreementComment"]))
                .order_by(AuditEvent.id)
            ).scalars()
        )
        actions = [(e.object_type, e.action) for e in trail]
        assert actions == [("Agreement", a) for a in ("create", "update", "activate", "revisit", "archive", "restore")] + [("AgreementComment", "create")]  # fmt: skip
        assert {e.actor_id for e in trail} == {world.users["beheerder"].id}
        assert {e.partnership_id for e in trail} == {world.partnership.id}
        assert all(e.changes for e in trail)
        assert trail[1].changes["title"] == ["Sturingsinformatie delen met de BSA", "Nieuw"]
        assert trail[3].changes["kind"] == ["werkbaar", "hard"]
        db.session.remove()


def label(page: str, field_id: str) -> str:
    match = re.search(rf'<label[^>]*for="{field_id}"[^>]*>(.*?)</label>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_the_change_note_is_labelled_required_and_refused_with_the_title_at_once(
    app, world, login_as
):
    number = make_in(app, world)
    client = login_as(world, "programmamanager")
    page = html(client.get(url(world, f"/{number}/edit")))
    assert label(page, "change_note") == "Toelichting op de wijziging (verplicht)"
    data = {**edit_form(client, world, number, title=""), "change_note": ""}
    before = state_of(app)

    response = post(client, url(world, f"/{number}/edit"), data)

    # Both in the first round: the form itself refuses an empty change note now.
    assert response.status_code == 422
    assert field_error(html(response), "change_note") == message(app, "Describe what you changed and why.")  # fmt: skip
    assert field_error(html(response), "title") == message(app, "Enter a title.")
    assert state_of(app) == before


def test_amend_without_wording_is_refused_at_the_field_its_hint_names(app, world, login_as):
    number = overdue_in(app, world)
    client = login_as(world, "beheerder")
    page = html(client.get(url(world, f"/{number}/revisit")))
    assert label(page, "summary") == "Nieuwe formulering in één zin"
    assert label(page, "title") == "Nieuwe titel"
    assert "Verplicht bij aanpassen; wijzig de titel, de formulering of de toelichting." in page
    data = revisit_form(client, world, number, decision="aanpassen", reason="Reden.",
                        new_revisit_on=days(120).isoformat(), summary="")  # fmt: skip
    before = state_of(app)

    response = post(client, url(world, f"/{number}/revisit"), data)

    assert response.status_code == 422
    assert field_error(html(response), "summary") == message(app, "Write the agreement in one sentence.")  # fmt: skip
    assert state_of(app) == before
