"""A person's secret calendar feed (POST /account/calendar, GET /calendar/<token>.ics):
shown once, replaced or revoked on request, valid RFC 5545 (read with the icalendar
package), and holding only the person's own dates in their own partnerships."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest
from icalendar import Calendar

from app.activity import notifications as notes
from app.activity.models import CalendarFeed
from app.agreements import services as agreements
from app.auth.models import User
from app.extensions import db
from app.partnerships.models import Membership
from app.reviews import services as reviews
from app.reviews.models import Action
from app.risks import services as risks
from app.tables.models import Meeting
from app.timeutil import utcnow
from tests.agreements.helpers import fields as agreement_fields
from tests.agreements.helpers import in_context
from tests.conftest import change_row, count_rows, csrf_token, find, login
from tests.reviews.helpers import add_lesson, finalise, make_review, member
from tests.risks.helpers import fields as risk_fields
from tests.tables.helpers import local_now, make_table, plan

BASE = "http://samenspel.test"  # SAMENSPEL_BASE_URL of the tests


def days(n: int) -> date:
    return utcnow().date() + timedelta(days=n)


def logged_in(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def make_link(client) -> str:
    """Ask for a (new) calendar link; the path of the URL shown once on the page."""
    response = client.post(
        "/account/calendar", data={"csrf_token": csrf_token(client), "action": "new"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    page = response.get_data(as_text=True)
    found = re.findall(r'<code[^>]*id="feed-url"[^>]*>(.*?)</code>', page)
    assert len(found) == 1, "the new link is shown exactly once"
    url = unescape(found[0])
    assert url.startswith(f"{BASE}/calendar/") and url.endswith(".ics"), url
    return url.removeprefix(BASE)


def revoke(client):
    return client.post(
        "/account/calendar", data={"csrf_token": csrf_token(client), "action": "revoke"}
    )


def parsed(response) -> Calendar:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/calendar"
    assert response.mimetype_params.get("charset") == "utf-8"
    return Calendar.from_ical(response.get_data())


def summaries(calendar: Calendar) -> list[str]:
    return [str(event.get("SUMMARY")) for event in calendar.walk("VEVENT")]


def has(calendar: Calendar, text: str) -> bool:
    return any(text in summary for summary in summaries(calendar))


# --- the link -----------------------------------------------------------------------------------


def test_a_new_link_is_shown_once_and_only_its_hash_is_stored(app, world, login_as, client):
    login_as(world, "teamlid")

    path = make_link(client)

    token = path.removeprefix("/calendar/").removesuffix(".ics")
    assert len(token) >= 40
    later = client.get("/account/notifications").get_data(as_text=True)
    assert token not in later and 'id="feed-url"' not in later
    feed = find(app, CalendarFeed, user_id=world.users["teamlid"].id)
    assert feed is not None and token not in feed.token_hash
    assert count_rows(app, CalendarFeed) == 1


def test_the_feed_needs_no_login(app, world, login_as, client):
    login_as(world, "teamlid")
    path = make_link(client)

    response = app.test_client().get(path)  # a calendar program: no session

    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("BEGIN:VCALENDAR\r\n")


def test_a_new_link_replaces_the_old_one(app, world, login_as, client):
    login_as(world, "teamlid")
    old = make_link(client)

    new = make_link(client)

    assert new != old
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    assert count_rows(app, CalendarFeed) == 1


def test_a_revoked_link_stops_working(app, world, login_as, client):
    login_as(world, "teamlid")
    path = make_link(client)

    response = revoke(client)

    assert response.status_code == 302
    assert app.test_client().get(path).status_code == 404
    assert count_rows(app, CalendarFeed) == 0
    # Revoking again changes nothing and is no error.
    assert revoke(client).status_code == 302


@pytest.mark.parametrize(
    "token", ["onbekend", "x" * 43, "a" * 500, "%00", "..%2F..%2Fetc"],
)  # fmt: skip
def test_unknown_tokens_are_not_found(app, world, login_as, client, token):
    login_as(world, "teamlid")
    make_link(client)

    response = app.test_client().get(f"/calendar/{token}.ics")

    assert response.status_code == 404
    assert "BEGIN:VCALENDAR" not in response.get_data(as_text=True)


def test_an_inactive_persons_feed_is_not_found(app, world, login_as, client):
    login_as(world, "teamlid")
    path = make_link(client)

    change_row(app, User, world.users["teamlid"].id, active=False)

    assert app.test_client().get(path).status_code == 404


def test_making_a_link_needs_a_login_and_the_form_token(app, world, client):
    response = client.post("/account/calendar", data={"action": "new"})
    assert response.status_code in (302, 400)
    assert count_rows(app, CalendarFeed) == 0
    login(client, world.users["teamlid"].email)

    assert client.post("/account/calendar", data={"action": "new"}).status_code == 400
    assert count_rows(app, CalendarFeed) == 0


def test_one_persons_link_shows_only_their_calendar(app, world, login_as, client):
    login_as(world, "teamlid")
    teamlid = make_link(client)
    other = logged_in(app, world.users["partner"].email)
    partner = make_link(other)

    assert teamlid != partner
    assert "Teamlid testverband" in app.test_client().get(teamlid).get_data(as_text=True)
    assert "Partner testverband" in app.test_client().get(partner).get_data(as_text=True)


# --- what the feed holds ------------------------------------------------------------------------


LONG_TITLE = (("Overdracht; wachttijd, en één regisseur per gezin – afspraken over de "
               "gezamenlijke sturing € en privacy ") * 2)[:190].strip()  # fmt: skip


@pytest.fixture
def dates(app, world):
    """Dates for the teamlid (U) and for others, made through the services."""
    teamlid, manager = world.users["teamlid"].id, world.users["programmamanager"].id

    def agreement(title, owner, revisit, **over):
        return agreements.create_agreement(
            world.partnership.id,
            agreement_fields(world, title=title, owner_id=owner, start_on=days(-200),
                             revisit_on=revisit, **over),
            manager,
        )  # fmt: skip

    def build():
        agreement("Eigen afspraak", teamlid, days(30))
        agreement("Verlopen herziening", teamlid, days(-30))
        agreement(LONG_TITLE, teamlid, days(35))
        followed = agreement("Gevolgde afspraak", manager, days(40))
        notes.set_following(teamlid, world.partnership.id, "agreement", followed.id, True)
        agreement("Andermans afspraak", manager, days(50))
        unfollowed = agreement("Ontvolgde afspraak", manager, days(45))
        notes.set_following(teamlid, world.partnership.id, "agreement", unfollowed.id, True)
        notes.set_following(teamlid, world.partnership.id, "agreement", unfollowed.id, False)
        archived = agreement("Gearchiveerde afspraak", teamlid, days(20))
        agreements.set_archived(archived, True, manager)
        agreement("Verre afspraak", teamlid, days(500))
        agreement("Oude afspraak", teamlid, days(-100))
        agreement("Harde afspraak", teamlid, None, kind="hard")

        own_risk = risks.create_risk(world.partnership.id,
                                     risk_fields(world, title="Eigen risico", owner_id=teamlid,
                                                 review_on=days(25)), manager)  # fmt: skip
        risks.create_risk(world.partnership.id,
                          risk_fields(world, title="Andermans risico", owner_id=manager,
                                      review_on=days(25)), manager)  # fmt: skip
        for description, owner, status in (("Eigen maatregel", teamlid, "gepland"),
                                           ("Lopende maatregel", teamlid, "in_uitvoering"),
                                           ("Afgeronde maatregel", teamlid, "gereed"),
                                           ("Andermans maatregel", manager, "gepland")):  # fmt: skip
            risks.add_measure(own_risk, {"description": description, "owner_id": owner,
                                         "status": status, "due_on": days(15)}, manager)  # fmt: skip

        archived = risks.create_risk(world.partnership.id,
                                     risk_fields(world, title="Gearchiveerd risico", owner_id=teamlid,
                                                 review_on=days(25)), manager)  # fmt: skip
        risks.add_measure(archived, {"description": "Maatregel van een gearchiveerd risico",
                                     "owner_id": teamlid, "status": "gepland",
                                     "due_on": days(15)}, manager)  # fmt: skip
        risks.set_archived(archived, True, manager)

        review = make_review(world)
        for text, owner in (("Eigen actie", teamlid), ("Afgeronde actie", teamlid),
                            ("Andermans actie", manager)):  # fmt: skip
            add_lesson(world, review, text=text, follow_up="action", action_owner_id=owner,
                       action_due_on=days(14))  # fmt: skip
        finalise(world, review)
        done = db.session.execute(db.select(Action).filter_by(title="Afgeronde actie")).scalar_one()
        reviews.set_action_status(done, member(world, "teamlid"), "gereed")

        starts = local_now().replace(hour=14, minute=0) + timedelta(days=7)
        mine = make_table(world, name="Tafel met teamlid", members=("teamlid",))
        plan(world, mine, starts, title="Bijeenkomst eigen tafel",
             place="Stadhuis, zaal 2; eerste verdieping", agenda="1. Opening\n2. Regie, samen")  # fmt: skip
        chaired = make_table(world, name="Tafel voorgezeten", chair="teamlid", members=())
        plan(world, chaired, starts + timedelta(days=1), title="Bijeenkomst voorgezeten")
        others = make_table(world, name="Tafel zonder teamlid", members=("partner",))
        plan(world, others, starts, title="Bijeenkomst andere tafel")

    in_context(app, build)


@pytest.fixture
def feed(app, world, dates, login_as, client):
    login_as(world, "teamlid")
    return make_link(client)


MINE = ("Eigen afspraak", "Verlopen herziening", "Gevolgde afspraak", "Eigen risico",
        "Eigen maatregel", "Lopende maatregel", "Eigen actie", "Bijeenkomst eigen tafel",
        "Bijeenkomst voorgezeten", "Overdracht; wachttijd")  # fmt: skip
NOT_MINE = ("Andermans afspraak", "Ontvolgde afspraak", "Gearchiveerde afspraak",
            "Verre afspraak", "Oude afspraak", "Harde afspraak", "Andermans risico",
            "Afgeronde maatregel", "Andermans maatregel", "Gearchiveerd risico",
            "Maatregel van een gearchiveerd risico", "Afgeronde actie", "Andermans actie",
            "Bijeenkomst andere tafel")  # fmt: skip


def test_the_feed_holds_the_persons_own_dates_and_nothing_else(app, feed):
    calendar = parsed(app.test_client().get(feed))

    for text in MINE:
        assert has(calendar, text), text
    for text in NOT_MINE:
        assert not has(calendar, text), text
    assert len(summaries(calendar)) == len(MINE)


def test_the_feed_is_a_valid_calendar(app, feed):
    calendar = parsed(app.test_client().get(feed))

    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"])
    events = calendar.walk("VEVENT")
    assert events
    uids = [str(event["UID"]) for event in events]
    assert len(set(uids)) == len(uids)
    for event in events:
        for name in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert event.get(name) is not None, (name, event)
        assert isinstance(event.decoded("DTSTAMP"), datetime)
        assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)
        assert str(event["URL"]).startswith(f"{BASE}/p/testverband/")


def test_dates_are_all_day_events_ending_the_next_day(app, world, feed):
    raw = app.test_client().get(feed).get_data(as_text=True)
    calendar = Calendar.from_ical(raw)

    own = next(e for e in calendar.walk("VEVENT") if "Eigen afspraak" in str(e["SUMMARY"]))
    start, end = own.decoded("DTSTART"), own.decoded("DTEND")
    assert type(start) is date and type(end) is date
    assert start == days(30) and end == days(31)
    assert f"DTSTART;VALUE=DATE:{days(30):%Y%m%d}\r\n" in raw
    assert f"DTEND;VALUE=DATE:{days(31):%Y%m%d}\r\n" in raw
    for event in calendar.walk("VEVENT"):
        if type(event.decoded("DTSTART")) is date:
            assert event.decoded("DTEND") == event.decoded("DTSTART") + timedelta(days=1)


def test_meetings_are_timed_in_utc_with_place_and_agenda(app, world, feed):
    calendar = parsed(app.test_client().get(feed))
    meeting = find(app, Meeting, title="Bijeenkomst eigen tafel")

    event = next(
        e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "Bijeenkomst eigen tafel"
    )

    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)
    assert start.replace(tzinfo=None) == meeting.starts_at
    assert end.replace(tzinfo=None) == meeting.ends_at
    assert str(event["LOCATION"]) == "Stadhuis, zaal 2; eerste verdieping"
    assert str(event["DESCRIPTION"]) == "1. Opening\n2. Regie, samen"
    assert str(event["URL"]) == (
        f"{BASE}/p/testverband/tables/{meeting.table_id}/meetings/{meeting.id}"
    )


def test_lines_are_folded_at_75_octets_and_end_with_crlf(app, feed):
    raw = app.test_client().get(feed).get_data()

    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    for line in lines:
        assert len(line) <= 75, line
        assert b"\n" not in line and b"\r" not in line, line
        line.decode("utf-8")  # a fold never splits a character
    assert any(line.startswith(b" ") for line in lines), "the long title is folded"
    calendar = Calendar.from_ical(raw)
    [long] = [s for s in summaries(calendar) if "Overdracht" in s]
    assert LONG_TITLE in long  # unfolded and unescaped again, ; and , included


def test_nothing_from_a_partnership_the_person_left(app, world, make_partnership):
    other = make_partnership("elders")
    teamlid = world.users["teamlid"]
    with app.app_context():
        membership = Membership(user_id=teamlid.id, partnership_id=other.partnership.id,
                                organisation_id=other.provider.id, role="teamlid")  # fmt: skip
        db.session.add(membership)
        db.session.commit()
        membership_id = membership.id
        db.session.remove()

    def build():
        agreements.create_agreement(
            other.partnership.id,
            agreement_fields(other, title="Afspraak elders", owner_id=teamlid.id, revisit_on=days(30)),
            other.users["programmamanager"].id,
        )  # fmt: skip
        table = make_table(other, name="Tafel elders", chair=None, members=())
        from app.tables import services as tables

        tables.add_member(table, teamlid.id, other.users["programmamanager"].id)
        plan(other, table, local_now() + timedelta(days=3), title="Bijeenkomst elders")

    in_context(app, build)
    client = logged_in(app, teamlid.email)
    path = make_link(client)

    before = parsed(app.test_client().get(path))
    change_row(app, Membership, membership_id, active=False)
    after = parsed(app.test_client().get(path))

    assert has(before, "Afspraak elders") and has(before, "Bijeenkomst elders")
    assert not has(after, "Afspraak elders") and not has(after, "Bijeenkomst elders")
    # And another member of that partnership sees nothing of ours.
    theirs = parsed(
        app.test_client().get(make_link(logged_in(app, other.users["programmamanager"].email)))
    )
    assert not any("testverband" in str(e.get("URL")) for e in theirs.walk("VEVENT"))


def test_an_empty_feed_is_a_valid_calendar(app, world, login_as, client):
    login_as(world, "lezer")

    calendar = parsed(app.test_client().get(make_link(client)))

    assert calendar.walk("VEVENT") == []
    assert str(calendar["VERSION"]) == "2.0"


def test_text_with_line_breaks_and_special_characters_round_trips(app, world, login_as, client):
    teamlid = world.users["teamlid"].id
    description = "Stap 1: bellen;\r\nstap 2, daarna \\ mailen\nstap 3\rklaar"

    def build():
        risk = risks.create_risk(world.partnership.id, risk_fields(world, owner_id=teamlid),
                                 world.users["programmamanager"].id)  # fmt: skip
        risks.add_measure(risk, {"description": description, "owner_id": teamlid,
                                 "status": "gepland", "due_on": days(5)},
                          world.users["programmamanager"].id)  # fmt: skip

    in_context(app, build)
    login_as(world, "teamlid")

    raw = app.test_client().get(make_link(client)).get_data()

    for line in raw.split(b"\r\n"):
        assert b"\n" not in line and b"\r" not in line, line
    calendar = Calendar.from_ical(raw)
    [measure] = [e for e in calendar.walk("VEVENT") if "Stap 1" in str(e["SUMMARY"])]
    assert str(measure["DESCRIPTION"]).replace("\r\n", "\n").replace("\r", "\n") == (
        "Stap 1: bellen;\nstap 2, daarna \\ mailen\nstap 3\nklaar"
    )
