"""The partnership's activity page (GET /p/<slug>/activity) and its CSV export: for the
beheerder and programme managers, filtered by person, kind of object and period, with
the values of other organisations' reviews left out."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from html import unescape

import pytest

from app.auth.models import User
from app.extensions import db
from app.partnerships.models import Membership
from app.reviews import services as reviews
from app.reviews.models import PrivacyConfirmation
from app.timeutil import utcnow
from tests.activity.history_helpers import HIDDEN, add_events, events_on, html
from tests.agreements.helpers import in_context, make_in
from tests.conftest import alert_text, find, message, sign_in
from tests.reviews.helpers import (
    SECRET_BETTER,
    SECRET_CASE,
    SECRET_PARTICIPANT,
    SECRET_WELL,
    add_lesson,
    finalise,
    make_review,
    member,
)
from tests.risks.helpers import fields as risk_fields


def url(world, path: str = "") -> str:
    return f"/p/{world.slug}/activity{path}"


def csv_url(world, path: str = "") -> str:
    return f"/p/{world.slug}/activity.csv{path}"


def logged_in(app, email: str):
    """A new client with its own session, signed in as email."""
    return sign_in(app.test_client(), email)


def as_role(app, world, role: str):
    return logged_in(app, world.users[role].email)


def said(app, msgid: str, **variables) -> str:
    return unescape(message(app, msgid, **variables))


def csv_rows(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith("\ufeff".encode()), data[:20]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def add_member(app, password_hash):
    """add_member(world, role, organisation) -> the e-mail of a new member."""
    made = {"n": 0}

    def add(world, role: str, organisation) -> str:
        made["n"] += 1
        email = f"extra{made['n']}@{world.slug}.test"
        with app.app_context():
            user = User(email=email, name=f"Extra {made['n']} {organisation.name}",
                        password_hash=password_hash, session_token=f"extra-{made['n']}")  # fmt: skip
            db.session.add_all([user, Membership(user=user, partnership_id=world.partnership.id,
                                                 organisation_id=organisation.id, role=role)])  # fmt: skip
            db.session.commit()
            db.session.remove()
        return email

    return add


# --- who may see it -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["beheerder", "programmamanager"])
def test_the_beheerder_and_programme_managers_see_the_activity(app, world, role):
    make_in(app, world)
    client = as_role(app, world, role)

    page = client.get(url(world))
    download = client.get(csv_url(world))

    assert page.status_code == 200
    assert events_on(html(page))
    assert download.status_code == 200
    assert download.mimetype == "text/csv"


@pytest.mark.parametrize("role", ["teamlid", "partner", "lezer", "bestuurder"])
def test_other_roles_are_refused(app, world, role):
    make_in(app, world)
    client = as_role(app, world, role)

    assert client.get(url(world)).status_code == 403
    assert client.get(csv_url(world)).status_code == 403


def test_not_logged_in_goes_to_the_login_page_and_outsiders_find_nothing(
    app, client, world, make_partnership
):
    other = make_partnership("elders")
    for path in (url(world), csv_url(world)):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    outsider = as_role(app, other, "programmamanager")
    assert outsider.get(url(world)).status_code == 404
    assert outsider.get(csv_url(world)).status_code == 404


def test_only_this_partnerships_events_are_listed(app, world, make_partnership):
    other = make_partnership("elders")
    make_in(app, world, title="Afspraak van ons")
    make_in(app, other, title="Afspraak van elders")

    page = html(as_role(app, world, "programmamanager").get(url(world)))
    rows = csv_rows(as_role(app, world, "programmamanager").get(csv_url(world)))

    assert "Afspraak van ons" in page and "Afspraak van elders" not in page
    assert "Afspraak van elders" not in str(rows)


# --- filters ------------------------------------------------------------------------------------


@pytest.fixture
def trail(app, world):
    """An agreement made by the programmamanager and a risk made by the beheerder."""
    from app.risks import services as risks

    make_in(app, world, title="Afspraak over wachttijden")
    in_context(app, lambda: risks.create_risk(world.partnership.id, risk_fields(world),
                                              world.users["beheerder"].id))  # fmt: skip


def test_filter_by_person(app, world, trail):
    client = as_role(app, world, "programmamanager")
    beheerder = world.users["beheerder"]

    page = html(client.get(url(world, f"?person={beheerder.id}")))

    shown = events_on(page)
    assert shown and {e.who for e in shown} == {beheerder.name}
    assert f'<option value="{beheerder.id}" selected>' in page
    everyone = {e.who for e in events_on(html(client.get(url(world))))}
    assert {"Beheerder testverband", "Programmamanager testverband"} <= everyone


def test_filter_by_kind_of_object(app, world, trail):
    client = as_role(app, world, "programmamanager")

    risks = events_on(html(client.get(url(world, "?kind=Risk"))))
    agreements = events_on(html(client.get(url(world, "?kind=Agreement"))))

    assert risks and all(said(app, "Risk") in e.what for e in risks)
    assert not any(said(app, "Agreement") in e.what for e in risks)
    assert agreements and all(said(app, "Agreement") in e.what for e in agreements)
    assert not any(said(app, "Risk") in e.what for e in agreements)


def test_an_unknown_kind_is_no_filter(app, world, trail):
    client = as_role(app, world, "programmamanager")

    everything = events_on(html(client.get(url(world))))
    unknown = client.get(url(world, "?kind=Bogus"))

    assert unknown.status_code == 200
    assert len(events_on(html(unknown))) == len(everything)


def at_local(text: str) -> datetime:
    """A naive-UTC moment given as a Dutch local time."""
    from datetime import UTC

    from app.timeutil import LOCAL

    return datetime.fromisoformat(text).replace(tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def dated(app, world):
    """Agreement events at known Dutch local times around March 2024 (DST starts 31 March)."""
    moments = {
        "voor": "2024-03-09 23:59", "begin": "2024-03-10 00:00", "midden": "2024-03-20 12:00",
        "eind": "2024-03-31 23:59", "na": "2024-04-01 00:00",
    }  # fmt: skip
    add_events(app, [
        {"partnership_id": world.partnership.id, "object_type": "Agreement", "object_id": 1,
         "action": "update", "actor_id": world.users["programmamanager"].id,
         "at": at_local(moment), "changes": {"origin": ["", f"MOMENT-{name}"]}}
        for name, moment in moments.items()
    ])  # fmt: skip
    return moments


def moments_on(page: str) -> set[str]:
    return {name for name in ("voor", "begin", "midden", "eind", "na") if f"MOMENT-{name}<" in page}


def test_filter_by_period_in_local_days(app, world, dated):
    client = as_role(app, world, "programmamanager")

    assert moments_on(html(client.get(url(world, "?from=2024-03-10&to=2024-03-31")))) == {
        "begin", "midden", "eind",
    }  # fmt: skip
    assert moments_on(html(client.get(url(world, "?from=2024-03-20")))) == {"midden", "eind", "na"}
    assert moments_on(html(client.get(url(world, "?to=2024-03-10")))) == {"voor", "begin"}
    assert moments_on(html(client.get(url(world, "?from=2024-03-20&to=2024-03-20")))) == {"midden"}
    assert moments_on(html(client.get(url(world)))) == set(dated)


def test_filters_combine_and_are_kept_in_the_form_and_the_csv_link(app, world, dated, trail):
    client = as_role(app, world, "programmamanager")
    person = world.users["programmamanager"].id

    page = html(
        client.get(url(world, f"?person={person}&kind=Agreement&from=2024-03-10&to=2024-03-31"))
    )

    assert moments_on(page) == {"begin", "midden", "eind"}
    assert len(events_on(page)) == 3
    assert 'value="2024-03-10"' in page and 'value="2024-03-31"' in page
    assert '<option value="Agreement" selected>' in page
    link = unescape(page.split("activity.csv", 1)[1].split('"', 1)[0])
    assert set(link.lstrip("?").split("&")) == {
        f"person={person}", "kind=Agreement", "from=2024-03-10", "to=2024-03-31",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("?from=gisteren", "Give dates as YYYY-MM-DD."),
        ("?to=2024-02-30", "Give dates as YYYY-MM-DD."),
        ("?from=2024-03-31&to=2024-03-10", "The end of the period lies before its start."),
    ],
)
def test_bad_dates_are_answered_with_a_message(app, world, dated, query, problem):
    client = as_role(app, world, "programmamanager")

    response = client.get(url(world, query))

    assert response.status_code == 400
    page = html(response)
    assert said(app, problem) in alert_text(page)
    # The page still works: the form, the events (without the bad bound), the CSV link.
    assert 'id="filter-from"' in page and "activity.csv" in page
    assert events_on(page)
    assert client.get(csv_url(world, query)).status_code == 400


def test_a_bad_date_leaves_the_other_filters_working(app, world, dated):
    client = as_role(app, world, "programmamanager")

    response = client.get(url(world, "?from=2024-03-20&to=morgen"))

    assert response.status_code == 400
    assert moments_on(html(response)) == {"midden", "eind", "na"}


@pytest.mark.parametrize(
    "query",
    ["?from=0001-01-01", "?to=9999-12-31", "?from=0001-01-01&to=9999-12-31", "?person=abc",
     "?person=99999999999999", "?page=0", "?page=abc", "?slug=elders", "?_external=1&_anchor=x",
     "?kind=" + "x" * 1000],
)  # fmt: skip
def test_odd_input_is_no_error(app, world, dated, query):
    client = as_role(app, world, "programmamanager")

    page = client.get(url(world, query))
    download = client.get(csv_url(world, query))

    assert page.status_code == 200, query
    assert download.status_code == 200, query
    body = html(page)
    link = body.split("Download", 1)[0].rsplit("href=", 1)[1]
    assert link.startswith(f'"/p/{world.slug}/activity.csv'), link


def test_the_extremes_of_the_calendar_cover_everything(app, world, dated):
    client = as_role(app, world, "programmamanager")

    page = html(client.get(url(world, "?from=0001-01-01&to=9999-12-31")))

    assert moments_on(page) == set(dated)


def test_pages_keep_the_filters(app, world):
    add_events(app, [
        {"partnership_id": world.partnership.id, "object_type": "Risk", "object_id": 1,
         "action": "update", "actor_id": world.users["beheerder"].id,
         "at": utcnow() - timedelta(minutes=n), "changes": {"title": [f"R{n}", f"R{n + 1}"]}}
        for n in range(60)
    ] + [
        {"partnership_id": world.partnership.id, "object_type": "Agreement", "object_id": 1,
         "action": "update", "at": utcnow(), "changes": {"title": ["A", "B"]}}
    ])  # fmt: skip
    client = as_role(app, world, "programmamanager")

    first = html(client.get(url(world, "?kind=Risk")))
    second = html(client.get(url(world, "?kind=Risk&page=2")))

    assert len(events_on(first)) == 50 and len(events_on(second)) == 10
    [next_link] = re.findall(r'<a[^>]*rel="next"[^>]*href="([^"]*)"', first)
    assert set(unescape(next_link).split("?", 1)[1].split("&")) == {"kind=Risk", "page=2"}


# --- CSV ----------------------------------------------------------------------------------------


def test_the_csv_has_a_bom_semicolons_a_header_and_the_filtered_rows(app, world, dated, trail):
    client = as_role(app, world, "programmamanager")
    query = (
        f"?person={world.users['programmamanager'].id}&kind=Agreement&from=2024-03-10&to=2024-03-31"
    )

    response = client.get(csv_url(world, query))

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert f"activiteit-{world.slug}.csv" in response.headers["Content-Disposition"]
    raw = response.get_data().decode("utf-8-sig")
    assert raw.splitlines()[0].count(";") == 5
    rows = csv_rows(response)
    assert rows[0] == [
        said(app, h) for h in ("When", "Who", "Action", "Kind of object", "Number", "Changes")
    ]
    body = rows[1:]
    assert len(body) == 3
    assert {row[1] for row in body} == {"Programmamanager testverband"}
    # Kinds, actions and fields are named in the reader's language, as on the page.
    assert {row[3] for row in body} == {said(app, "Agreement")}
    assert {row[2] for row in body} == {said(app, "changed")}
    assert [row[5] for row in body] == [
        f"{said(app, 'origin').capitalize()}: – → MOMENT-{n}" for n in ("eind", "midden", "begin")
    ]
    # The same rows as the page with the same filters.
    assert len(events_on(html(client.get(url(world, query))))) == len(body)


def test_the_csv_without_filters_has_every_event(app, world, dated, trail):
    from app.activity.models import AuditEvent
    from tests.conftest import count_rows

    rows = csv_rows(as_role(app, world, "beheerder").get(csv_url(world)))

    assert len(rows) - 1 == count_rows(app, AuditEvent, partnership_id=world.partnership.id)


# --- reviews of other organisations ----------------------------------------------------------


@pytest.fixture
def reviewed(app, world):
    """A finalised review and a concept of the provider (recorded by its teamlid), with a
    lesson and a confirmed privacy hit, and an older event holding case details."""

    def build():
        concept = make_review(world, title="Concept GEHEIMETITEL")
        review = make_review(world, case_description=f"Het team belde 033-4567890. {SECRET_CASE}")
        reviews.confirm_hit(review, member(world, "teamlid"), "phone", "033-4567890",
                            "Algemeen nummer OKAPIREDEN.")  # fmt: skip
        add_lesson(world, review)
        finalise(world, review)
        return review.id, concept.id

    review_id, concept_id = in_context(app, build)
    add_events(app, [{
        "partnership_id": world.partnership.id, "object_type": "Review", "object_id": review_id,
        "action": "update", "actor_id": world.users["teamlid"].id,
        "at": utcnow() - timedelta(days=1),
        "changes": {"case_description": ["", SECRET_CASE], "went_well": ["", SECRET_WELL],
                    "could_be_better": ["", SECRET_BETTER], "participants": ["", SECRET_PARTICIPANT]},
    }])  # fmt: skip
    return review_id, concept_id


SECRETS = (
    SECRET_CASE,
    SECRET_WELL,
    SECRET_BETTER,
    SECRET_PARTICIPANT,
    "GEHEIMETITEL",
    "OKAPIREDEN",
)


def test_review_values_of_another_organisation_are_hidden_on_the_page_and_in_the_csv(
    app, world, reviewed
):
    make_in(app, world, title="Afspraak voor iedereen")
    client = as_role(app, world, "programmamanager")  # of the municipality

    page = html(client.get(url(world)))
    raw = client.get(csv_url(world)).get_data(as_text=True)

    for secret in SECRETS:
        assert secret not in page, secret
        assert secret not in raw, secret
    review_events = [e for e in events_on(page) if said(app, "Review") in e.what.split("·")[-1]]
    assert review_events
    assert all(value is HIDDEN for e in review_events for value in e.changes.values())
    assert said(app, "not shown (case details of another organisation)") in raw
    # Other events stay readable.
    assert "Afspraak voor iedereen" in page and "Afspraak voor iedereen" in raw


def test_the_recording_organisation_and_the_beheerder_read_them(app, world, reviewed, add_member):
    provider_manager = add_member(world, "programmamanager", world.provider)

    for client in (logged_in(app, provider_manager), as_role(app, world, "beheerder")):
        page = html(client.get(url(world)))
        raw = client.get(csv_url(world)).get_data(as_text=True)
        for secret in SECRETS:
            assert secret in page, secret
            assert secret in raw, secret


# --- the cost of the page does not grow with the trail ----------------------------------------


def bulk_trail(app, world, count: int) -> None:
    """A finalised review with a lesson and a privacy check (of the provider), then `count`
    newer events about agreements (with a person field), reviews, lessons, privacy checks
    and comments, in turn."""

    def build():
        review = make_review(world, case_description="Het team belde 033-4567890.")
        reviews.confirm_hit(review, member(world, "teamlid"), "phone", "033-4567890", "Algemeen.")
        lesson = add_lesson(world, review)
        finalise(world, review)
        return review.id, lesson.id

    review_id, lesson_id = in_context(app, build)
    confirmation_id = find(app, PrivacyConfirmation, review_id=review_id).id
    people = [world.users[role].id for role in ("beheerder", "programmamanager", "teamlid")]
    kinds = [
        ("Agreement", 1, {"owner_id": [people[0], people[1]]}),
        ("Review", review_id, {"title": ["A", "B"]}),
        ("Lesson", lesson_id, {"level": [1, 2]}),
        ("PrivacyConfirmation", confirmation_id, {"reason": [None, "R"]}),
        ("Comment", 1, {"body": ["x", "y"]}),
    ]
    start = utcnow() + timedelta(minutes=1)
    add_events(app, [
        {"partnership_id": world.partnership.id, "object_type": kinds[n % 5][0],
         "object_id": kinds[n % 5][1], "action": "update", "actor_id": people[n % 3],
         "at": start + timedelta(seconds=n), "changes": kinds[n % 5][2]}
        for n in range(count)
    ])  # fmt: skip


def statements_for(count_queries, client, path: str) -> int:
    assert client.get(path).status_code == 200  # warm up
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    "path", ["", "?kind=Review", "?person={person}", "?from=2000-01-01&to=2999-12-31"]
)
def test_the_activity_query_count_does_not_grow(app, make_partnership, count_queries, path):
    counts = []
    for slug, count in (("klein", 10), ("groot", 600)):
        world = make_partnership(slug)
        bulk_trail(app, world, count)
        client = as_role(app, world, "programmamanager")
        query = path.format(person=world.users["teamlid"].id)
        counts.append(statements_for(count_queries, client, url(world, query)))

    assert counts[0] == counts[1], counts
    assert counts[0] > 0


def test_later_pages_cost_the_same(app, world, count_queries):
    bulk_trail(app, world, 600)
    client = as_role(app, world, "programmamanager")

    counts = {page: statements_for(count_queries, client, url(world, f"?page={page}")) for page in (1, 2, 12)}  # fmt: skip

    assert len(set(counts.values())) == 1, counts


def test_the_csv_query_count_does_not_grow(app, make_partnership, count_queries):
    counts = []
    for slug, count in (("klein", 10), ("groot", 600)):
        world = make_partnership(slug)
        bulk_trail(app, world, count)
        client = as_role(app, world, "programmamanager")
        counts.append(statements_for(count_queries, client, csv_url(world)))

    assert counts[0] == counts[1], counts


def test_history_links_lead_to_the_objects_history(app, world, trail):
    page = html(as_role(app, world, "programmamanager").get(url(world, "?kind=Agreement")))

    agreement = find_agreement(app, world)
    assert f'href="/p/{world.slug}/history/agreement/{agreement}"' in page


def find_agreement(app, world) -> int:
    from app.agreements.models import Agreement

    return find(app, Agreement, partnership_id=world.partnership.id).id


def test_a_removed_lesson_of_another_organisations_concept_stays_hidden(app, world):
    from tests.reviews.helpers import add_lesson, make_review

    with app.test_request_context():
        review = make_review(world)  # a concept of the provider's team
        lesson = add_lesson(world, review, text="Geheime les over de casus")
        reviews.remove_lesson(review, world.memberships["teamlid"], lesson)
        db.session.remove()

    page = html(as_role(app, world, "programmamanager").get(url(world)))
    assert "Geheime les over de casus" not in page
    lesson_events = [e for e in events_on(page) if said(app, "Lesson") in e.what.split("·")[-1]]
    assert len(lesson_events) == 2  # added and removed, both without their values
    assert all(value is HIDDEN for e in lesson_events for value in e.changes.values())
