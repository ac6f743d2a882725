"""Meeting pages: planning in Dutch local time, editing minutes and attendance, decisions
with an owner, a decision made into an agreement, the ICS invitation; and the dashboard
panel with mentions, new comments and next meetings."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.agreements.models import Agreement
from app.extensions import db
from app.tables.models import Conversation, Meeting, MeetingAttendee, MeetingDecision, ThematicTable
from app.timeutil import local
from tests.conftest import count_rows, field_error, find, input_value, message, post
from tests.tables.helpers import (
    flashed,
    html,
    in_context,
    local_now,
    logged_in,
    main_of,
    make_table,
    plan,
    say,
    start,
    uid,
)


def meeting_form(**over) -> dict:
    data = {
        "title": "Bijeenkomst thematafel",
        "starts_at": "2030-12-10T14:00",
        "ends_at": "2030-12-10T16:00",
        "place": "Stadhuis Amersfoort, zaal 2",
        "agenda": "1. Opening\n2. **Regie** in gezinnen",
    }
    data.update(over)
    return data


def planned(app, seated, starts: datetime, **over) -> int:
    def do():
        table = db.session.get(ThematicTable, seated.table_id)
        return plan(seated.world, table, starts, **over).id

    return in_context(app, do)


def attendance(app, meeting_id: int) -> dict[int, bool | None]:
    with app.app_context():
        rows = db.session.execute(
            select(MeetingAttendee.user_id, MeetingAttendee.present).where(
                MeetingAttendee.meeting_id == meeting_id
            )
        ).all()
        db.session.remove()
    return dict(rows)


# --- planning -------------------------------------------------------------------------------------


def test_the_chair_plans_a_meeting_in_dutch_time(app, seated, login_as):
    client = login_as(seated.world, "bestuurder")
    assert client.get(seated.url("/meetings/new")).status_code == 200

    response = post(client, seated.url("/meetings/new"), meeting_form())

    meeting = find(app, Meeting, table_id=seated.table_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(seated.url(f"/meetings/{meeting.id}"))
    # 14:00 in December in the Netherlands is 13:00 UTC.
    assert (meeting.starts_at, meeting.ends_at) == (datetime(2030, 12, 10, 13, 0),
                                                    datetime(2030, 12, 10, 15, 0))  # fmt: skip
    assert set(attendance(app, meeting.id)) == {
        uid(seated.world, r) for r in ("bestuurder", "programmamanager", "teamlid", "partner")
    }
    page = main_of(client.get(response.headers["Location"]))
    assert "10 december 2030 14:00" in page and "10 december 2030 16:00" in page
    assert "<strong>Regie</strong>" in page
    assert seated.world.users["partner"].name in page
    assert "Bijeenkomst thematafel" in main_of(client.get(seated.url()))


def test_a_summer_meeting_is_two_hours_ahead_of_utc(app, seated, login_as):
    client = login_as(seated.world, "programmamanager")
    post(client, seated.url("/meetings/new"),
         meeting_form(starts_at="2030-07-01T09:30", ends_at="2030-07-01T11:00"))  # fmt: skip
    meeting = find(app, Meeting, table_id=seated.table_id)
    assert meeting.starts_at == datetime(2030, 7, 1, 7, 30)


@pytest.mark.parametrize(
    ("over", "field", "msgid"),
    [
        ({"ends_at": "2030-12-10T13:00"}, "ends_at", "The meeting must end after it starts."),
        ({"ends_at": "2030-12-10T14:00"}, "ends_at", "The meeting must end after it starts."),
        ({"starts_at": ""}, "starts_at", "Enter the date and start time."),
        ({"title": ""}, "title", "Enter a title."),
    ],
)
def test_a_bad_meeting_is_refused_next_to_the_field(app, seated, login_as, over, field, msgid):
    client = login_as(seated.world, "bestuurder")

    response = post(client, seated.url("/meetings/new"), meeting_form(**over))

    assert response.status_code == 422
    assert field_error(html(response), field) == message(app, msgid)
    assert count_rows(app, Meeting) == 0


def test_a_nonsense_date_is_refused(app, seated, login_as):
    client = login_as(seated.world, "bestuurder")
    response = post(client, seated.url("/meetings/new"), meeting_form(starts_at="morgen"))
    assert response.status_code == 422
    assert field_error(html(response), "starts_at")
    assert count_rows(app, Meeting) == 0


@pytest.mark.parametrize("role", ["teamlid", "partner", "lezer"])
def test_only_moderators_plan_and_edit_meetings(app, seated, login_as, role):
    meeting = planned(app, seated, datetime(2030, 12, 10, 14, 0))
    client = login_as(seated.world, role)

    assert client.get(seated.url(f"/meetings/{meeting}")).status_code == 200
    assert seated.url("/meetings/new") not in html(client.get(seated.url()))
    assert client.get(seated.url("/meetings/new")).status_code == 403
    assert post(client, seated.url("/meetings/new"), meeting_form()).status_code == 403
    assert client.get(seated.url(f"/meetings/{meeting}/edit")).status_code == 403
    response = post(client, seated.url(f"/meetings/{meeting}/edit"), meeting_form(title="Anders"))
    assert response.status_code == 403
    response = post(client, seated.url(f"/meetings/{meeting}/decisions"), {"text": "Besluit"})
    assert response.status_code == 403
    assert count_rows(app, Meeting) == 1 and count_rows(app, MeetingDecision) == 0
    assert find(app, Meeting, id=meeting).title == "Bijeenkomst thematafel"


# --- minutes, attendance and decisions --------------------------------------------------------------


def test_minutes_and_attendance_of_a_past_meeting(app, seated, login_as):
    starts = local_now() - timedelta(days=3)
    meeting = planned(app, seated, starts)
    client = login_as(seated.world, "bestuurder")
    form = html(client.get(seated.url(f"/meetings/{meeting}/edit")))
    # The form shows the Dutch time that was entered.
    shown = input_value(form, "starts_at").replace("T", " ")
    assert datetime.fromisoformat(shown) == starts

    response = post(client, seated.url(f"/meetings/{meeting}/edit"), meeting_form(
        starts_at=starts.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        minutes="We spraken over **regie**.\n\n- actie 1",
        present=[str(uid(seated.world, "teamlid")), str(uid(seated.world, "bestuurder"))],
        version=input_value(form, "version"),
    ))  # fmt: skip

    assert response.status_code == 302
    stored = find(app, Meeting, id=meeting)
    assert stored.minutes == "We spraken over **regie**.\n\n- actie 1"
    assert local(stored.starts_at).replace(tzinfo=None) == starts
    assert attendance(app, meeting) == {
        uid(seated.world, "teamlid"): True, uid(seated.world, "bestuurder"): True,
        uid(seated.world, "partner"): False, uid(seated.world, "programmamanager"): False,
    }  # fmt: skip
    page = main_of(client.get(seated.url(f"/meetings/{meeting}")))
    assert "<strong>regie</strong>" in page
    assert f"{seated.world.users['teamlid'].name} – {message(app, 'present')}" in page
    assert f"{seated.world.users['partner'].name} – {message(app, 'absent')}" in page


def test_a_stale_meeting_form_gets_a_conflict(app, seated, login_as):
    meeting = planned(app, seated, datetime(2030, 12, 10, 14, 0))
    client = login_as(seated.world, "programmamanager")
    version = input_value(html(client.get(seated.url(f"/meetings/{meeting}/edit"))), "version")
    edit = seated.url(f"/meetings/{meeting}/edit")
    assert post(client, edit, meeting_form(title="Eerst", version=version)).status_code == 302

    response = post(client, edit, meeting_form(title="Daarna", version=version))

    assert response.status_code == 409
    assert find(app, Meeting, id=meeting).title == "Eerst"


def test_decisions_are_recorded_with_an_owner(app, seated, login_as):
    meeting = planned(app, seated, local_now() - timedelta(days=1))
    client = login_as(seated.world, "bestuurder")
    teamlid = seated.world.users["teamlid"]

    response = post(client, seated.url(f"/meetings/{meeting}/decisions"),
                    {"text": "We starten met één gezinsplan.", "owner_id": str(teamlid.id)})  # fmt: skip

    assert response.status_code == 302
    assert response.headers["Location"].endswith("#decisions")
    decision = find(app, MeetingDecision, meeting_id=meeting)
    assert (decision.text, decision.owner_id) == ("We starten met één gezinsplan.", teamlid.id)
    page = main_of(client.get(seated.url(f"/meetings/{meeting}")))
    assert "We starten met één gezinsplan." in page
    assert message(app, "owner: %(name)s", name=teamlid.name) in page


def test_a_decision_needs_text_and_an_owner_from_the_partnership(app, make_partnership, login_as):
    world, other = make_partnership("eemland"), make_partnership("brabant")

    def setup():
        table = make_table(world)
        return table.id, plan(world, table, local_now() - timedelta(days=1)).id

    table, meeting = in_context(app, setup)
    client = login_as(world, "programmamanager")
    path = f"/p/{world.slug}/tables/{table}/meetings/{meeting}/decisions"

    response = post(client, path, {"text": ""})
    assert response.status_code == 422
    assert field_error(html(response), "text") == message(app, "Write the decision.")
    response = post(client, path, {"text": "Besluit", "owner_id": str(other.users["teamlid"].id)})
    assert response.status_code == 422
    assert field_error(html(response), "owner_id")
    assert count_rows(app, MeetingDecision) == 0


def test_a_decision_becomes_a_draft_agreement(app, seated, login_as):
    meeting = planned(app, seated, local_now() - timedelta(days=1), title="Eerste bijeenkomst")
    client = login_as(seated.world, "programmamanager")
    post(client, seated.url(f"/meetings/{meeting}/decisions"), {"text": "Eén gezinsplan."})
    decision = find(app, MeetingDecision, meeting_id=meeting)
    make = seated.url(f"/meetings/{meeting}/decisions/{decision.id}/agreement")
    assert make in html(client.get(seated.url(f"/meetings/{meeting}")))

    response = post(client, make)

    agreement = find(app, Agreement, partnership_id=seated.world.partnership.id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/agreements/{agreement.number}")
    assert (agreement.origin_type, agreement.origin_id) == ("meeting_decision", decision.id)
    assert agreement.origin_label == "Gezinsgericht werken: Eerste bijeenkomst"
    assert find(app, MeetingDecision, id=decision.id).agreement_id == agreement.id
    page = main_of(client.get(seated.url(f"/meetings/{meeting}")))
    assert f"WA-{agreement.number}" in page and make not in page
    table_page = main_of(client.get(seated.url()))
    assert (
        f"WA-{agreement.number}" in table_page[table_page.index(message(app, "What came of it")) :]
    )

    response = post(client, make)
    assert message(app, "An agreement has already been made from this decision.") in flashed(
        client, response
    )
    assert count_rows(app, Agreement) == 1


@pytest.mark.parametrize("role", ["bestuurder", "teamlid", "lezer"])
def test_a_decision_becomes_an_agreement_only_with_agreement_edit(app, seated, login_as, role):
    meeting = planned(app, seated, local_now() - timedelta(days=1))

    def decide():
        from app.policy import TABLE_MANAGE
        from app.tables import services

        m = db.session.get(Meeting, meeting)
        return services.add_decision(m, TABLE_MANAGE, "Besluit.", None,
                                     uid(seated.world, "bestuurder")).id  # fmt: skip

    decision = in_context(app, decide)
    client = login_as(seated.world, role)
    make = seated.url(f"/meetings/{meeting}/decisions/{decision}/agreement")

    assert make not in html(client.get(seated.url(f"/meetings/{meeting}")))
    assert post(client, make).status_code == 403
    assert count_rows(app, Agreement) == 0


# --- the ICS invitation ----------------------------------------------------------------------------


def unfold(text: str) -> str:
    return text.replace("\r\n ", "")


def test_the_ics_invitation(app, seated, login_as):
    agenda = ("1. Opening – welkom, één kop koffie ☕\n2. Regie in gezinnen; wie doet wat, "
              "en hoe merkt het gezin dat?\n3. Rondvraag " + "é" * 60)  # fmt: skip
    meeting = planned(app, seated, datetime(2030, 12, 10, 14, 0), title="Bijeenkomst, deel 1",
                      agenda=agenda)  # fmt: skip
    client = login_as(seated.world, "lezer")

    response = client.get(seated.url(f"/meetings/{meeting}.ics"))

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    lines = raw.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-2] == b"END:VCALENDAR" and lines[-1] == b""
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert any(line.startswith(b" ") for line in lines)  # long lines are folded
    text = unfold(raw.decode("utf-8"))
    stored = find(app, Meeting, id=meeting)
    assert f"DTSTART:{stored.starts_at:%Y%m%dT%H%M%S}Z" in text
    assert "DTSTART:20301210T130000Z" in text and "DTEND:20301210T150000Z" in text
    assert "SUMMARY:Gezinsgericht werken: Bijeenkomst\\, deel 1" in text
    assert "LOCATION:Stadhuis Amersfoort\\, zaal 2" in text
    assert "DESCRIPTION:1. Opening – welkom\\, één kop koffie ☕\\n2. Regie in gezinnen\\;" in text
    assert re.search(r"^UID:meeting-\d+@samenspel\r?$", text, re.M)
    assert "BEGIN:VEVENT" in text and "END:VEVENT" in text


def test_a_partner_gets_no_ics_of_a_table_they_do_not_sit_at(app, world, login_as):
    def setup():
        table = make_table(world, members=())
        return table.id, plan(world, table, datetime(2030, 12, 10, 14, 0)).id

    table, meeting = in_context(app, setup)
    client = login_as(world, "partner")
    assert client.get(f"/p/{world.slug}/tables/{table}/meetings/{meeting}.ics").status_code == 404
    assert client.get(f"/p/{world.slug}/tables/{table}/meetings/{meeting}").status_code == 404


# --- the dashboard panel ------------------------------------------------------------------------------


def test_the_dashboard_shows_mentions_new_comments_and_next_meetings(app, seated, login_as):
    def setup():
        world = seated.world
        table = db.session.get(ThematicTable, seated.table_id)
        conversation = db.session.get(Conversation, seated.conversation_id)
        say(world, conversation, "teamlid", "@partner, wat vind jij van het gezinsplan?")
        quiet = start(world, table, title="Stil gesprek")
        plan(world, table, local_now() + timedelta(days=5), title="Volgende bijeenkomst")
        plan(world, table, local_now() - timedelta(days=5), title="Vorige bijeenkomst")
        away = make_table(world, name="Elders", chair="programmamanager", members=())
        elsewhere = start(world, away, role="programmamanager", title="Gesprek elders")
        say(world, elsewhere, "programmamanager", "Hier zit de partner niet.")
        plan(world, away, local_now() + timedelta(days=1), title="Bijeenkomst elders")
        return quiet.id

    in_context(app, setup)
    client = login_as(seated.world, "partner")

    page = main_of(client.get(f"/p/{seated.world.slug}/"))

    assert message(app, "Thematic tables") in page
    assert message(app, "Mentions of you (%(n)s):", n=1) in page
    assert seated.conversation_url() in page
    assert message(app, "Conversations in your tables with new comments (%(n)s):", n=1) in page
    assert "Wie houdt de regie?" in page
    assert "Volgende bijeenkomst" in page
    for absent in ("Vorige bijeenkomst", "Gesprek elders", "Bijeenkomst elders", "Stil gesprek"):
        assert absent not in page, absent

    # Reading the conversation clears the mention and the new comments.
    client.get(seated.conversation_url())
    page = main_of(client.get(f"/p/{seated.world.slug}/"))
    assert message(app, "Mentions of you (%(n)s):", n=1) not in page
    assert "Wie houdt de regie?" not in page
    assert "Volgende bijeenkomst" in page


def test_no_panel_without_anything_to_show(app, seated):
    client = logged_in(app, seated.world.users["lezer"].email)
    assert message(app, "Thematic tables") not in main_of(client.get(f"/p/{seated.world.slug}/"))
