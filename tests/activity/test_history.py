"""The history of one object (GET /p/<slug>/history/<kind>/<id>): who changed which fields
from what to what and when, newest first, for members who may read the object; values a
member may not read are not on the page at all."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.activity.labels import field_label
from app.activity.models import AuditEvent
from app.agreements import services as agreements
from app.extensions import db
from app.partnerships.models import ROLES
from app.reviews import services as reviews
from app.risks import services as risks
from app.tables import services as tables
from app.timeutil import iso_moment, show_date, show_moment, utcnow
from tests.activity.history_helpers import (
    HIDDEN,
    KINDS,
    LINKED_KINDS,
    add_events,
    events_on,
    history_url,
    html,
    make_everything,
)
from tests.agreements.helpers import agreement_of, days, in_context, make_in
from tests.agreements.helpers import fields as agreement_fields
from tests.conftest import audit_events, login, message, set_language
from tests.reviews.helpers import (
    SECRET_BETTER,
    SECRET_CASE,
    SECRET_PARTICIPANT,
    SECRET_WELL,
    add_lesson,
    make_review,
    member,
)
from tests.reviews.helpers import finalise as finalise_review
from tests.risks.helpers import fields as risk_fields
from tests.tables.helpers import access, make_table, say, start


def logged_in(app, world, role: str):
    client = app.test_client()
    assert login(client, world.users[role].email).status_code == 302
    return client


def label(app, msgid: str) -> str:
    """An action or type label as the (Dutch) page shows it."""
    return unescape(message(app, msgid))


def field(app, msgid: str) -> str:
    """A field label as the (Dutch) page shows it, with a capital like a form's label."""
    text = label(app, msgid)
    return text[:1].upper() + text[1:]


# --- what a history shows ------------------------------------------------------------------


def test_an_agreement_history_shows_who_when_and_every_changed_field_from_to(app, world):
    number = make_in(app, world, active=True)
    old_revisit, new_revisit = days(80), days(120)

    def edit():
        agreement = agreement_of(world, number)
        agreements.update_agreement(
            agreement, agreement_fields(world, title="Sturingsinformatie maandelijks delen",
                                        revisit_on=new_revisit, owner_id=world.users["bestuurder"].id),
            "Titel verduidelijkt, later herzien, nieuwe eigenaar.", world.users["beheerder"].id,
        )  # fmt: skip
        return agreement.id

    agreement_id = in_context(app, edit)
    client = logged_in(app, world, "lezer")

    page = html(client.get(history_url(world, "agreement", agreement_id)))

    shown = events_on(page)
    assert [event.who for event in shown] == [
        "Beheerder testverband", "Programmamanager testverband", "Programmamanager testverband",
    ]  # fmt: skip
    update = shown[0]
    assert update.changes[field(app, "title")] == (
        "Sturingsinformatie delen met de BSA", "Sturingsinformatie maandelijks delen",
    )  # fmt: skip
    assert update.changes[field(app, "owner")] == (
        "Programmamanager testverband", "Bestuurder testverband",
    )  # fmt: skip
    with app.test_request_context():
        assert update.changes[field(app, "revisit date")] == (
            show_date(old_revisit), show_date(new_revisit),
        )  # fmt: skip
    assert label(app, "changed") in update.what
    # When: the moment of the event as the partnership's local time.
    [event] = audit_events(app, object_type="Agreement", action="update")
    with app.test_request_context():
        assert update.when == show_moment(event.at)
    # The first event holds the owner as a name, not as a user id.
    created = shown[-1]
    assert label(app, "created") in created.what
    assert created.changes[field(app, "owner")] == ("–", "Programmamanager testverband")
    assert f"WA-{number} Sturingsinformatie maandelijks delen" in page


def test_person_fields_show_names_not_ids(app, world):
    def edit():
        risk = risks.create_risk(world.partnership.id, risk_fields(world), world.users["programmamanager"].id)  # fmt: skip
        risks.update_risk(risk, risk_fields(world, owner_id=world.users["bestuurder"].id,
                                            review_on=risks.today() + timedelta(days=90)),
                          world.users["beheerder"].id)  # fmt: skip
        return risk.id

    risk_id = in_context(app, edit)
    client = logged_in(app, world, "teamlid")

    page = html(client.get(history_url(world, "risk", risk_id)))

    update = events_on(page)[0]
    assert update.who == "Beheerder testverband"
    assert update.changes[field(app, "owner")] == (
        "Programmamanager testverband", "Bestuurder testverband",
    )  # fmt: skip
    values = [v for e in events_on(page) for pair in e.changes.values() if pair for v in pair]
    assert not [v for v in values if re.fullmatch(r"#\d+", v)]


def test_the_history_is_newest_first_and_paginated(app, world):
    number = make_in(app, world, active=True)
    agreement_id = fetch_agreement_id(app, world, number)
    start_at = utcnow() + timedelta(minutes=1)
    add_events(app, [
        {"partnership_id": world.partnership.id, "object_type": "Agreement",
         "object_id": agreement_id, "action": "update", "actor_id": world.users["beheerder"].id,
         "at": start_at + timedelta(minutes=n), "changes": {"origin": [f"Bron {n}", f"Bron {n + 1}"]}}
        for n in range(1, 61)
    ])  # fmt: skip
    client = logged_in(app, world, "programmamanager")
    origin = field(app, "origin")

    first = html(client.get(history_url(world, "agreement", agreement_id)))
    second = html(client.get(history_url(world, "agreement", agreement_id) + "?page=2"))

    page_one, page_two = events_on(first), events_on(second)
    assert len(page_one) == 50
    assert [e.changes[origin] for e in page_one] == [
        (f"Bron {n}", f"Bron {n + 1}") for n in range(60, 10, -1)
    ]
    # 60 added events, then activation and creation: 62 in all, 12 on the second page.
    assert [e.changes.get(origin) for e in page_two[:10]] == [
        (f"Bron {n}", f"Bron {n + 1}") for n in range(10, 0, -1)
    ]
    assert len(page_two) == 12
    assert label(app, "created") in page_two[-1].what
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert "?page=2" in first


def fetch_agreement_id(app, world, number: int) -> int:
    return in_context(app, lambda: agreement_of(world, number).id)


# --- every kind of object -------------------------------------------------------------------


@pytest.fixture
def everything(app, world):
    return make_everything(app, world)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_history(app, world, everything, kind):
    client = logged_in(app, world, "bestuurder")

    response = client.get(history_url(world, kind, everything.ids[kind]))

    assert response.status_code == 200
    page = html(response)
    assert everything.labels[kind] in page
    shown = events_on(page)
    assert shown, f"no events in the history of the {kind}"
    assert all(event.when and event.who for event in shown)
    assert label(app, "created") in shown[-1].what
    assert any(pair and pair[1] not in ("", "–") for pair in shown[-1].changes.values())
    # The history links back to the object.
    assert f'href="{everything.pages[kind]}"' in page


@pytest.mark.parametrize("kind", LINKED_KINDS)
def test_the_object_page_links_to_its_history(app, world, everything, kind):
    client = logged_in(app, world, "bestuurder")

    page = client.get(everything.pages[kind])

    assert page.status_code == 200
    assert f'href="{history_url(world, kind, everything.ids[kind])}"' in html(page)


def test_the_history_includes_the_parts_of_an_object(app, world, everything):
    """A risk's measures and a table's members belong to their history."""
    client = logged_in(app, world, "programmamanager")

    risk = events_on(html(client.get(history_url(world, "risk", everything.ids["risk"]))))
    table = events_on(html(client.get(history_url(world, "table", everything.ids["table"]))))

    assert any(message(app, "Measure") in e.what for e in risk)
    assert sum(message(app, "Table member") in e.what for e in table) == 2


def test_another_partnerships_objects_have_no_history_here(app, world, make_partnership):
    other = make_partnership("elders")
    theirs = make_everything(app, other)
    client = logged_in(app, world, "beheerder")

    for kind in KINDS:
        # Through our own partnership: not found; through theirs: we are no member.
        assert client.get(history_url(world, kind, theirs.ids[kind])).status_code == 404, kind
        assert client.get(history_url(other, kind, theirs.ids[kind])).status_code == 404, kind


@pytest.mark.parametrize(
    "path", ["/history/unknown/1", "/history/agreement/999999", "/history/agreement/x",
             "/history/Agreement/1", "/history/agreement/-1"],
)  # fmt: skip
def test_unknown_kinds_and_objects_are_not_found(app, world, path):
    make_in(app, world)
    client = logged_in(app, world, "beheerder")

    assert client.get(f"/p/{world.slug}{path}").status_code == 404


def test_not_logged_in_goes_to_the_login_page(app, client, world):
    number = make_in(app, world)
    agreement_id = fetch_agreement_id(app, world, number)

    response = client.get(history_url(world, "agreement", agreement_id))

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- thematic tables: only for who may read the table -------------------------------------------


def test_a_partner_outside_the_table_finds_no_history_of_it(app, world):
    # Members: teamlid only; the partner is not a member, the bestuurder chairs.
    made = make_everything(app, world, table_members=("teamlid",))
    partner = logged_in(app, world, "partner")
    lezer = logged_in(app, world, "lezer")

    for kind in ("table", "conversation", "meeting"):
        url = history_url(world, kind, made.ids[kind])
        assert partner.get(url).status_code == 404, kind
        assert lezer.get(url).status_code == 200, kind  # a lezer reads every table


def test_a_partner_in_the_table_reads_its_history(app, world, everything):
    partner = logged_in(app, world, "partner")

    for kind in ("table", "conversation", "meeting"):
        assert partner.get(history_url(world, kind, everything.ids[kind])).status_code == 200


def test_the_text_of_a_hidden_comment_is_for_moderators_only(app, world):
    def build():
        table = make_table(world)
        conversation = start(world, table)
        say(world, conversation, "teamlid", "Een gewone bijdrage LEESBAAR.")
        hidden = say(world, conversation, "partner", "Een kwetsende bijdrage VERBORGEN.")
        tables.edit_comment(hidden, world.users["partner"].id, "Nog kwetsender BEWERKT.")
        tables.hide_comment(hidden, access(world, "programmamanager", table),
                            world.users["programmamanager"].id, "Niet respectvol.")  # fmt: skip
        return conversation.id

    conversation_id = in_context(app, build)
    url = history_url(world, "conversation", conversation_id)

    for role in ("teamlid", "partner", "lezer"):
        page = html(logged_in(app, world, role).get(url))
        assert "VERBORGEN" not in page and "BEWERKT" not in page, role
        assert "Niet respectvol." in page, role  # the reason is on the conversation page too
        assert "LEESBAAR" in page, role  # comments one can read stay readable
    for role in ("programmamanager", "beheerder", "bestuurder"):  # the bestuurder chairs
        page = html(logged_in(app, world, role).get(url))
        assert "VERBORGEN" in page and "BEWERKT" in page and "LEESBAAR" in page, role


# --- reviews: concepts and case details stay inside the organisation ---------------------------


def test_a_concept_review_of_another_organisation_has_no_history_for_them(app, world):
    review_id = in_context(app, lambda: make_review(world).id)  # the provider's teamlid
    url = history_url(world, "review", review_id)

    # The teamlid and partner belong to the provider; the others to the municipality.
    for role in ("programmamanager", "bestuurder", "lezer"):
        assert logged_in(app, world, role).get(url).status_code == 404, role
    for role in ("teamlid", "partner", "beheerder"):
        assert logged_in(app, world, role).get(url).status_code == 200, role


@pytest.fixture
def finalised(app, world):
    """A finalised review of the provider with a lesson, a confirmed privacy hit, and
    an (older) audit event that holds case details as values."""

    def build():
        review = make_review(
            world, case_description=f"Het team belde 033-4567890. {SECRET_CASE}",
        )  # fmt: skip
        reviews.update_review(review, member(world, "teamlid"), {
            "kind": "casusbespreking", "held_on": review.held_on, "title": review.title,
            "team": "Team Gezin Zuid", "participants": review.participants,
            "case_description": review.case_description, "went_well": review.went_well,
            "could_be_better": review.could_be_better,
        })  # fmt: skip
        reviews.confirm_hit(review, member(world, "teamlid"), "phone", "033-4567890",
                            "Algemeen nummer van het team OKAPIREDEN.")  # fmt: skip
        add_lesson(world, review, text="We plannen samen één gesprek.")
        finalise_review(world, review)
        return review.id

    review_id = in_context(app, build)
    add_events(app, [{
        "partnership_id": world.partnership.id, "object_type": "Review", "object_id": review_id,
        "action": "update", "actor_id": world.users["teamlid"].id,
        "at": utcnow() - timedelta(days=1),
        "changes": {
            "case_description": ["Eerdere tekst", f"Het gezin {SECRET_CASE}"],
            "went_well": [None, SECRET_WELL], "could_be_better": [None, SECRET_BETTER],
            "team": ["Team A", "Team SECRETTEAM"], "participants": [None, SECRET_PARTICIPANT],
            "aims": [None, {"communicatie": "OKAPIDOEL"}],
            "title": ["Oude titel", "Gezin met twee aanbieders"],
        },
    }])  # fmt: skip
    return review_id


SECRET_VALUES = (SECRET_CASE, SECRET_WELL, SECRET_BETTER, SECRET_PARTICIPANT, "SECRETTEAM",
                 "OKAPIDOEL", "Eerdere tekst", "OKAPIREDEN")  # fmt: skip
OLDER_TITLE = ("Oude titel", "Gezin met twee aanbieders")
CASE_LABELS = ("case description", "what went well", "what could be better", "team",
               "participants")  # fmt: skip


@pytest.mark.parametrize("role", ["programmamanager", "bestuurder", "lezer"])
def test_case_details_of_another_organisation_are_not_in_the_history(app, world, finalised, role):
    response = logged_in(app, world, role).get(history_url(world, "review", finalised))

    assert response.status_code == 200
    page = html(response)
    for secret in SECRET_VALUES:
        assert secret not in page, secret
    shown = events_on(page)
    older = next(e for e in shown if e.changes.get(field(app, "title")) == OLDER_TITLE)
    for name in CASE_LABELS:
        assert older.changes[field(app, name)] is HIDDEN, name
    # What is shared with the partnership stays readable: the title (above), the
    # finalising, the lessons.
    assert any(label(app, "finalised") in e.what for e in shown)
    assert any(message(app, "Lesson") in e.what for e in shown)
    # The privacy checks are case details too.
    assert not any(message(app, "Privacy check") in e.what for e in shown)


@pytest.mark.parametrize("role", ["teamlid", "partner", "beheerder"])
def test_the_recording_organisation_reads_the_case_details_in_the_history(
    app, world, finalised, role
):
    page = html(logged_in(app, world, role).get(history_url(world, "review", finalised)))

    for secret in SECRET_VALUES:
        assert secret in page, secret
    shown = events_on(page)
    older = next(e for e in shown if e.changes.get(field(app, "title")) == OLDER_TITLE)
    assert older.changes[field(app, "case description")] == (
        "Eerdere tekst",
        f"Het gezin {SECRET_CASE}",
    )
    assert any(message(app, "Privacy check") in e.what for e in shown)


def test_the_review_trail_itself_never_holds_case_text(app, world, finalised):
    """Through the services the trail records which case fields changed, never their text."""
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent).where(AuditEvent.object_type == "Review", AuditEvent.actor_id.is_not(None))
        ).scalars().all()  # fmt: skip
        # Leave out the older event the fixture put in by hand.
        recorded = [str(e.changes) for e in events if e.at > utcnow() - timedelta(hours=1)]
        db.session.remove()
    assert recorded
    for secret in (SECRET_CASE, SECRET_WELL, SECRET_BETTER, SECRET_PARTICIPANT, "Team Gezin Zuid"):
        assert all(secret not in text for text in recorded), secret


def test_every_role_reads_a_finalised_review_history(app, world, finalised):
    for role in ROLES:
        assert (
            logged_in(app, world, role).get(history_url(world, "review", finalised)).status_code
            == 200
        )


def test_objects_resolve_only_within_their_partnership(app, world, make_partnership):
    """resolve() itself: the kind, the member's partnership and the member's access."""
    from app.activity.objects import resolve
    from app.partnerships.models import Membership

    other = make_partnership("elders")
    ours, theirs = make_everything(app, world), make_everything(app, other)
    with app.test_request_context():
        lezer = db.session.get(Membership, world.memberships["lezer"].id)
        for kind in KINDS:
            target = resolve(kind, ours.ids[kind], lezer)
            assert target is not None and target.kind == kind, kind
            assert resolve(kind, theirs.ids[kind], lezer) is None, kind
        assert resolve("unknown", ours.ids["agreement"], lezer) is None
        assert resolve("agreement", 10**8, lezer) is None
        db.session.remove()


# --- plain language: labels, values as the object's page shows them, no bookkeeping --------


def test_a_history_speaks_plain_language(app, world, count_queries):
    number = make_in(app, world, active=True)
    agreement_id = fetch_agreement_id(app, world, number)
    provider_id = in_context(app, lambda: world.provider.id)
    add_events(app, [
        {"partnership_id": world.partnership.id, "object_type": "Agreement",
         "object_id": agreement_id, "action": "update", "actor_id": world.users["beheerder"].id,
         "at": utcnow() + timedelta(minutes=1),
         "changes": {"revisit_on": ["2026-11-01", "2026-12-06"],
                     "archived_at": [None, "2026-12-06T07:45:12.123456"],
                     "organisation_id": [None, provider_id],
                     "require_two_factor": [False, True],
                     "partnership_id": [None, world.partnership.id], "id": [None, 4711],
                     "updated_at": [None, "2026-12-06T07:45:12.123456"],
                     "origin_id": [None, 4712], "token_hash": [None, "5e884898da280471"]}},
    ])  # fmt: skip
    client = logged_in(app, world, "lezer")

    page = html(client.get(history_url(world, "agreement", agreement_id)))

    changes = events_on(page)[0].changes
    assert changes == {
        "Herzieningsdatum": ("1 november 2026", "6 december 2026"),
        "Gearchiveerd": ("–", "6 december 2026 om 08:45"),  # 07:45 UTC is 08:45 in Amsterdam
        "Organisatie": ("–", f"Aanbieder {world.partnership.slug}"),
        field(app, "two-factor authentication required"): ("nee", "ja"),
    }
    for raw in ("revisit_on", "partnership", "updated", "origin id", "4711", "4712",
                "5e884898", ".123456", "2026-11-01"):  # fmt: skip
        assert raw not in page, raw
    # Every date of the page is written for people, and to the second for machines.
    assert not re.search(r'datetime="[^"]*\.\d', page)
    # Names are looked up once per kind for the whole page, not once per event.
    with count_queries() as statements:
        assert client.get(history_url(world, "agreement", agreement_id)).status_code == 200
    assert sum("FROM organisation" in s and "organisation.name" in s for s in statements) == 1


def test_a_moment_is_written_in_the_readers_language(app):
    moment = datetime(2026, 12, 6, 7, 45, 12, 123456)
    with app.test_request_context(), force_locale("nl"):
        assert show_moment(moment) == "6 december 2026 om 08:45"
        assert field_label("revisit_on") == "Herzieningsdatum"
    with app.test_request_context(), force_locale("en"):
        assert show_moment(moment) == "6 December 2026 at 08:45"
        assert field_label("revisit_on") == "Revisit date"
    assert iso_moment(moment) == "2026-12-06T07:45:12Z"


def test_choices_are_shown_by_their_label_in_the_readers_language(app, world):
    number = make_in(app, world, active=True)
    agreement_id = fetch_agreement_id(app, world, number)
    add_events(app, [
        {"partnership_id": world.partnership.id, "object_type": "Agreement",
         "object_id": agreement_id, "action": "update", "actor_id": world.users["beheerder"].id,
         "at": utcnow() + timedelta(minutes=1),
         "changes": {"status": ["actief", "beeindigd"],
                     "end_on": ["2026-12-06", "2026-12-07"],
                     "updated_at": ["2026-12-06T07:45:12.123456", "2026-12-06T07:50:00"]}},
    ])  # fmt: skip
    client = logged_in(app, world, "lezer")
    url = history_url(world, "agreement", agreement_id)

    dutch = events_on(html(client.get(url)))[0].changes
    set_language(client, "en")
    english = events_on(html(client.get(url)))[0].changes

    assert dutch == {
        "Status": ("actief", "beëindigd"),
        "Einddatum": ("6 december 2026", "7 december 2026"),
    }
    assert english == {
        "Status": ("active", "ended"),
        "End date": ("6 December 2026", "7 December 2026"),
    }
