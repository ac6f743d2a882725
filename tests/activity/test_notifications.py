"""Notifications: each kind reaches the right people (never the actor, never someone who
may not read the object) and links to its object; date reminders come once per stage;
the bell, the list, and marking one or all read (never someone else's)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.activity import notifications as notes
from app.activity.models import Notification
from app.agreements import services as agreements
from app.extensions import db
from app.manifest import services as manifest
from app.partnerships.models import Partnership
from app.reviews.models import Action, Review
from app.risks import services as risks
from app.tables import services as tables
from app.tables.models import Comment
from app.timeutil import show_date
from app.urls import path_for
from tests.activity.notification_helpers import (
    add_member,
    add_organisation,
    bell,
    bell_count,
    html,
    in_context,
    logged_in,
    notes_for,
    notifications,
    received,
    text_of,
    uid,
)
from tests.agreements.helpers import make as make_agreement
from tests.conftest import alert_text, message, post
from tests.cycles.helpers import decide, submitted
from tests.reviews.helpers import adopt_manifest, finalise, make_review
from tests.risks.helpers import make as make_risk
from tests.tables.helpers import make_table, say, start

HTMX = {"HX-Request": "true"}


def kinds_in_session(**by) -> dict[int, list[str]]:
    """user id -> kinds of their notifications, read in the current session."""
    result: dict[int, list[str]] = {}
    for row in db.session.execute(
        select(Notification).filter_by(**by).order_by(Notification.id)
    ).scalars():
        result.setdefault(row.user_id, []).append(row.kind)
    return result


def only(world, kinds: dict[int, list[str]]) -> dict[str, list[str]]:
    """The same, keyed by the world's role or member key."""
    names = {user.id: key for key, user in world.users.items()}
    return {names[user_id]: found for user_id, found in kinds.items()}


# --- mentions and comments in a conversation ---------------------------------------------------


@pytest.fixture
def talk(ctx, world):
    """A table (members programmamanager, teamlid, partner; chair bestuurder) and a
    conversation the teamlid started."""
    table = make_table(world)
    conversation = start(world, table, "teamlid")
    return table, conversation


def comment_path(world, conversation, comment) -> str:
    return (f"/p/{world.slug}/tables/{conversation.table_id}/conversations/{conversation.id}"
            f"/comments/{comment.id}")  # fmt: skip


def test_a_mention_notifies_the_mentioned_member_and_not_the_author(world, talk):
    table, conversation = talk

    comment = say(world, conversation, "partner", "Wat vindt @programmamanager hiervan?")

    [mention] = db.session.execute(select(Notification).filter_by(kind="mention")).scalars().all()
    assert mention.user_id == uid(world, "programmamanager")
    assert mention.actor_id == uid(world, "partner")
    assert (mention.object_type, mention.object_id) == ("conversation", conversation.id)
    assert mention.url == comment_path(world, conversation, comment)
    assert mention.url == path_for("tables.comment_link", slug=world.slug, table_id=table.id,
                                   conversation_id=conversation.id, comment_id=comment.id)  # fmt: skip
    assert mention.params == {"actor": "Partner testverband", "title": "Wie houdt de regie?"}
    # The teamlid follows the conversation and hears of the comment; the author nothing.
    assert only(world, kinds_in_session()) == {
        "programmamanager": ["mention"],
        "teamlid": ["comment"],
    }


def test_a_mentioned_follower_gets_the_mention_and_not_also_a_comment(world, talk):
    _, conversation = talk

    say(world, conversation, "partner", "@teamlid, kijk je mee?")

    assert only(world, kinds_in_session()) == {"teamlid": ["mention"]}


def test_mentioning_oneself_notifies_nobody(world, talk):
    _, conversation = talk

    say(world, conversation, "teamlid", "Notitie voor @teamlid zelf.")

    assert kinds_in_session() == {}


def test_an_edit_that_adds_a_mention_notifies_only_the_newly_mentioned(world, talk):
    _, conversation = talk
    comment = say(world, conversation, "partner", "Eerst @teamlid.")
    assert only(world, kinds_in_session()) == {"teamlid": ["mention"]}

    tables.edit_comment(comment, uid(world, "partner"), "Eerst @teamlid, en ook @programmamanager.")

    assert only(world, kinds_in_session()) == {
        "teamlid": ["mention"], "programmamanager": ["mention"]
    }  # fmt: skip
    # The same mentions again: nobody is told twice.
    comment = db.session.get(Comment, comment.id)
    tables.edit_comment(comment, uid(world, "partner"), "Eerst @teamlid en @programmamanager.")
    assert sum(len(kinds) for kinds in kinds_in_session().values()) == 2


def test_a_comment_reaches_the_followers_who_may_read_the_table(world, talk):
    table, conversation = talk
    say(world, conversation, "partner", "Ik denk mee.")  # the partner follows from now on
    notes.set_following(uid(world, "lezer"), world.partnership.id, "conversation",
                        conversation.id, True)  # fmt: skip
    db.session.query(Notification).delete()
    db.session.commit()

    say(world, conversation, "teamlid", "Dank voor het meedenken.")

    assert only(world, kinds_in_session()) == {"partner": ["comment"], "lezer": ["comment"]}
    [to_partner] = db.session.execute(
        select(Notification).filter_by(user_id=uid(world, "partner"))
    ).scalars().all()  # fmt: skip
    assert to_partner.params == {"actor": "Teamlid testverband", "title": "“Wie houdt de regie?”"}
    assert to_partner.url.startswith(
        f"/p/{world.slug}/tables/{table.id}/conversations/{conversation.id}/comments/"
    )


def test_a_partner_removed_from_the_table_hears_nothing_more(world, talk):
    table, conversation = talk
    say(world, conversation, "partner", "Ik denk mee.")
    assert notes.is_following(uid(world, "partner"), "conversation", conversation.id)
    tables.remove_member(table, uid(world, "partner"), uid(world, "programmamanager"))
    db.session.query(Notification).delete()
    db.session.commit()

    say(world, conversation, "teamlid", "Een vertrouwelijke vervolgvraag.")

    # Still a follower on paper, but a partner outside the table may not read it.
    assert notes.is_following(uid(world, "partner"), "conversation", conversation.id)
    assert uid(world, "partner") not in kinds_in_session()
    assert kinds_in_session() == {}


def test_a_member_who_left_the_partnership_hears_nothing_more(world, talk):
    from app.partnerships.models import Membership

    _, conversation = talk
    say(world, conversation, "programmamanager", "Ik denk mee.")
    db.session.get(Membership, world.memberships["programmamanager"].id).active = False
    db.session.commit()

    say(world, conversation, "teamlid", "Nog iets.")

    assert uid(world, "programmamanager") not in kinds_in_session()


# --- comments on agreements and risks -----------------------------------------------------------


def test_a_comment_on_an_agreement_reaches_its_followers(world, ctx):
    agreement = make_agreement(world, owner_id=uid(world, "teamlid"))

    agreements.add_comment(agreement, uid(world, "partner"), "Is dit haalbaar?")

    assert only(world, kinds_in_session()) == {
        "programmamanager": ["comment"],
        "teamlid": ["comment"],
    }
    note = db.session.execute(select(Notification)).scalars().first()
    assert note.url == f"/p/{world.slug}/agreements/{agreement.number}"
    assert (note.object_type, note.object_id) == ("agreement", agreement.id)
    assert note.params["title"] == "WA-1 “Sturingsinformatie delen met de BSA”"

    # The one who commented now follows and hears of the next comment; the author not.
    agreements.add_comment(agreement, uid(world, "teamlid"), "Ja, met een kwartaalritme.")
    assert only(world, kinds_in_session()) == {
        "programmamanager": ["comment", "comment"], "teamlid": ["comment"], "partner": ["comment"],
    }  # fmt: skip


def test_a_comment_on_a_risk_reaches_its_followers(world, ctx):
    risk = make_risk(world, owner_id=uid(world, "bestuurder"))

    risks.add_comment(risk, uid(world, "teamlid"), "Dit risico groeit.")

    assert only(world, kinds_in_session()) == {
        "programmamanager": ["comment"], "bestuurder": ["comment"]
    }  # fmt: skip
    note = db.session.execute(select(Notification)).scalars().first()
    assert note.url == f"/p/{world.slug}/risks/{risk.number}"
    assert (note.object_type, note.object_id) == ("risk", risk.id)


def test_an_unfollowed_agreement_brings_no_comment_notifications(world, ctx):
    agreement = make_agreement(world)
    notes.set_following(uid(world, "programmamanager"), world.partnership.id, "agreement",
                        agreement.id, False)  # fmt: skip

    agreements.add_comment(agreement, uid(world, "partner"), "Hallo?")

    assert kinds_in_session() == {}


# --- reviews, cycles and the manifest ----------------------------------------------------------------


def test_a_finalised_review_is_told_to_its_followers(world, ctx):
    review = make_review(world, "teamlid")
    # The partner belongs to the provider too and follows the review.
    notes.set_following(uid(world, "partner"), world.partnership.id, "review", review.id, True)

    finalise(world, db.session.get(Review, review.id))

    assert only(world, kinds_in_session()) == {"partner": ["review_finalised"]}
    note = db.session.execute(select(Notification)).scalars().one()
    assert note.url == f"/p/{world.slug}/reviews/{review.number}"
    assert note.params == {"title": "CR-1 Gezin met twee aanbieders"}
    assert note.actor_id == uid(world, "teamlid")


@pytest.fixture
def boards(app, world, password_hash):
    """The world with a programmamanager and a bestuurder at the provider as well."""
    add_member(app, password_hash, world, "programmamanager_aanbieder", "programmamanager",
               world.provider.id)  # fmt: skip
    add_member(app, password_hash, world, "bestuurder_aanbieder", "bestuurder", world.provider.id)
    return world


def test_a_submitted_cycle_asks_the_bestuurders(app, boards):
    world = boards

    cycle_id = in_context(app, lambda: submitted(world).id)

    assert only(world, received(app)) == {
        "bestuurder": ["cycle_submitted"], "bestuurder_aanbieder": ["cycle_submitted"]
    }  # fmt: skip
    for note in notifications(app):
        assert note.url == f"/p/{world.slug}/cycles/1"
        assert (note.object_type, note.object_id) == ("cycle", cycle_id)
        assert note.actor_id == uid(world, "programmamanager")


def test_a_board_decision_reaches_followers_managers_and_bestuurders(app, boards):
    world = boards

    def run():
        cycle = submitted(world)
        notes.set_following(uid(world, "lezer"), world.partnership.id, "cycle", cycle.id, True)
        db.session.query(Notification).delete()
        db.session.commit()
        decide(world, cycle, "bestuurder", decision="vastgesteld")

    in_context(app, run)

    assert only(world, received(app)) == {
        key: ["board_decision"]
        for key in ("programmamanager", "programmamanager_aanbieder", "bestuurder_aanbieder",
                    "lezer")
    }  # fmt: skip
    note = notifications(app)[0]
    assert note.params["organisation"] == world.municipality.name
    assert note.params["decision"] == "vastgesteld"
    with app.test_request_context():
        assert notes.describe(note) == (
            f"{world.municipality.name} besloot over C-1 “Eerste halfjaar 2024”: vastgesteld"
        )


def test_an_adopted_manifest_asks_every_bestuurder_to_endorse(app, boards):
    world = boards

    in_context(app, adopt_manifest, world)

    assert only(world, received(app)) == {
        "bestuurder": ["manifest_adopted"], "bestuurder_aanbieder": ["manifest_adopted"]
    }  # fmt: skip
    note = notifications(app)[0]
    assert note.url == f"/p/{world.slug}/manifest/versions/1"
    assert note.params == {"number": 1}


def test_a_decided_proposal_is_told_to_its_author(app, world):
    def run():
        adopt_manifest(world)
        db.session.query(Notification).delete()
        db.session.commit()
        partnership = db.session.get(Partnership, world.partnership.id)
        fields = {"title": "Nieuw", "core_sentence": "Wij doen het samen.", "explanation": ""}
        accepted = manifest.propose_change(partnership.id, uid(world, "teamlid"), None, fields,
                                           "Omdat het ontbreekt.")  # fmt: skip
        declined = manifest.propose_change(partnership.id, uid(world, "partner"), None, fields,
                                           "Dubbel.")  # fmt: skip
        own = manifest.propose_change(partnership.id, uid(world, "programmamanager"), None,
                                      fields, "Van mezelf.")  # fmt: skip
        manifest.accept_proposal(accepted, uid(world, "programmamanager"), partnership)
        manifest.decline_proposal(declined, uid(world, "programmamanager"), "Staat er al in.")
        manifest.decline_proposal(own, uid(world, "programmamanager"), "Toch niet.")
        return accepted.id, declined.id

    accepted, declined = in_context(app, run)

    assert only(world, received(app)) == {
        "teamlid": ["proposal_accepted"], "partner": ["proposal_declined"]
    }  # fmt: skip
    by_user = {n.user_id: n for n in notifications(app)}
    assert by_user[uid(world, "teamlid")].url == f"/p/{world.slug}/manifest/proposals/{accepted}"
    assert by_user[uid(world, "partner")].url == f"/p/{world.slug}/manifest/proposals/{declined}"


def test_each_notification_links_to_a_page_its_reader_can_open(app, boards):
    world = boards

    def run():
        agreement = make_agreement(world, owner_id=uid(world, "teamlid"))
        agreements.add_comment(agreement, uid(world, "partner"), "Vraag.")
        table = make_table(world)
        conversation = start(world, table, "teamlid")
        say(world, conversation, "partner", "Zie @programmamanager.")
        submitted(world)

    in_context(app, run)

    for note in notifications(app):
        client = logged_in(app, next(u.email for u in world.users.values() if u.id == note.user_id))
        response = client.get(note.url)
        assert response.status_code in (200, 302), (note.kind, note.url)
        if response.status_code == 302:  # a comment link goes to the comment on its page
            assert client.get(response.headers["Location"]).status_code == 200


# --- reminders ------------------------------------------------------------------------------------


@pytest.fixture
def revisit(app, world, password_hash):
    """An active workable agreement (owner: the teamlid) between the municipality and the
    provider, with its revisit 40 days from now; each party has a programmamanager, and a
    third organisation that is no party has one too."""
    add_member(app, password_hash, world, "programmamanager_aanbieder", "programmamanager",
               world.provider.id)  # fmt: skip
    third = add_organisation(app, world, "Derde aanbieder")
    add_member(app, password_hash, world, "programmamanager_derde", "programmamanager", third)
    with app.test_request_context():
        agreement = make_agreement(world, active=True, owner_id=uid(world, "teamlid"),
                                   revisit_on=agreements.today() + timedelta(days=40))  # fmt: skip
        result = (agreement.id, agreement.revisit_on)
        db.session.remove()
    return result


def remind(app, today: date) -> int:
    return in_context(app, notes.remind, today)


REMINDED = ("teamlid", "programmamanager", "programmamanager_aanbieder")


def test_a_revisit_is_reminded_30_7_and_1_days_ahead_and_when_overdue(app, world, revisit):
    agreement_id, on = revisit

    assert remind(app, on - timedelta(days=31)) == 0
    assert remind(app, on - timedelta(days=30)) == 3
    assert remind(app, on - timedelta(days=30)) == 0  # the same day again: nothing
    assert remind(app, on - timedelta(days=29)) == 0  # the same stage: nothing
    assert remind(app, on - timedelta(days=7)) == 3
    assert remind(app, on - timedelta(days=3)) == 0
    assert remind(app, on - timedelta(days=1)) == 3
    assert remind(app, on) == 0  # the day itself is still the stage "1 day"
    assert remind(app, on + timedelta(days=1)) == 3
    assert remind(app, on + timedelta(days=1)) == 0
    assert remind(app, on + timedelta(days=20)) == 0

    kinds = ["revisit_due", "revisit_due", "revisit_due", "revisit_overdue"]
    assert only(world, received(app)) == dict.fromkeys(REMINDED, kinds)
    for note in notifications(app):
        assert note.url == f"/p/{world.slug}/agreements/1"
        assert (note.object_type, note.object_id) == ("agreement", agreement_id)
        assert note.params["date"] == on.isoformat()
        assert note.actor_id is None
    assert len({n.key for n in notifications(app)}) == 4


def test_a_late_first_run_reminds_once_for_the_nearest_stage(app, world, revisit):
    _, on = revisit

    assert remind(app, on - timedelta(days=5)) == 3  # stage "7 days"
    assert remind(app, on - timedelta(days=4)) == 0

    assert only(world, received(app)) == {key: ["revisit_due"] for key in REMINDED}


def test_the_reminder_text_names_the_agreement_and_the_date(app, world, revisit):
    _, on = revisit
    remind(app, on + timedelta(days=2))
    note = notifications(app, user_id=uid(world, "teamlid"))[0]

    title = "WA-1 “Sturingsinformatie delen met de BSA”"
    with app.test_request_context():
        with force_locale("nl"):
            dutch, dutch_date = notes.describe(note), show_date(on)
        with force_locale("en"):
            english, english_date = notes.describe(note), show_date(on)
    assert english == f"The revisit of {title} is overdue: it was due on {english_date}"
    assert dutch == message(app, "The revisit of %(title)s is overdue: it was due on %(date)s",
                            title=title, date=dutch_date)  # fmt: skip
    assert dutch != english


def test_agreements_without_a_due_revisit_are_not_reminded(app, world):
    def setup():
        make_agreement(world, revisit_on=agreements.today() + timedelta(days=5))  # a concept
        hard = make_agreement(world, active=True, kind="hard", revisit_on=None)
        archived = make_agreement(world, active=True,
                                  revisit_on=agreements.today() + timedelta(days=5))  # fmt: skip
        agreements.set_archived(archived, True, uid(world, "programmamanager"))
        return hard

    in_context(app, setup)

    assert remind(app, agreements.today()) == 0
    assert remind(app, agreements.today() + timedelta(days=30)) == 0
    assert notifications(app) == []


def test_risk_reviews_measures_and_actions_are_reminded_to_their_owner(app, world):
    today = risks.today()

    def setup():
        risk = make_risk(
            world, owner_id=uid(world, "bestuurder"), review_on=today + timedelta(days=10)
        )
        risks.add_measure(risk, {"description": "Maandelijks  de\ncijfers bespreken.",
                                 "owner_id": uid(world, "teamlid"), "status": "in_uitvoering",
                                 "due_on": today + timedelta(days=7)},
                          uid(world, "programmamanager"))  # fmt: skip
        risks.add_measure(risk, {"description": "Al gedaan.", "owner_id": uid(world, "teamlid"),
                                 "status": "gereed", "due_on": today},
                          uid(world, "programmamanager"))  # fmt: skip
        db.session.add_all([
            Action(partnership_id=world.partnership.id, title="Overleg plannen",
                   owner_id=uid(world, "partner"), due_on=today + timedelta(days=2)),
            Action(partnership_id=world.partnership.id, title="Afgerond",
                   owner_id=uid(world, "partner"), due_on=today, status="gereed"),
        ])  # fmt: skip
        db.session.commit()
        return risk.id

    risk_id = in_context(app, setup)

    assert remind(app, today) == 2  # the measure (7 days) and the action (2 days)
    assert remind(app, today) == 0
    # The risk review is now 7 days ahead, and the action overdue.
    assert remind(app, today + timedelta(days=3)) == 2
    assert remind(app, today + timedelta(days=8)) == 1  # the measure is overdue
    assert remind(app, today + timedelta(days=11)) == 1  # the risk review is overdue
    assert remind(app, today + timedelta(days=12)) == 0

    assert only(world, received(app)) == {
        "teamlid": ["measure_due", "measure_overdue"],
        "partner": ["action_due", "action_overdue"],
        "bestuurder": ["risk_review_due", "risk_review_overdue"],
    }
    urls = {n.kind: n.url for n in notifications(app)}
    assert urls["measure_due"] == urls["risk_review_due"] == f"/p/{world.slug}/risks/1"
    assert urls["action_due"] == f"/p/{world.slug}/reviews/actions"
    measure = notifications(app, kind="measure_due")[0]
    assert (measure.object_type, measure.object_id) == ("risk", risk_id)
    assert measure.params["title"] == "Maandelijks de cijfers bespreken."


def test_reminders_are_kept_to_their_partnership(app, world, make_partnership):
    other = make_partnership("ander-verband")

    def setup():
        for w in (world, other):
            make_agreement(w, active=True, revisit_on=agreements.today() + timedelta(days=30))

    in_context(app, setup)
    remind(app, agreements.today())

    by_user = {n.user_id: n for n in notifications(app)}
    assert set(by_user) == {uid(world, "programmamanager"), uid(other, "programmamanager")}
    assert by_user[uid(other, "programmamanager")].url == "/p/ander-verband/agreements/1"
    assert by_user[uid(other, "programmamanager")].partnership_id == other.partnership.id


# --- the bell, the list, reading ----------------------------------------------------------------


@pytest.fixture
def three(app, world):
    """Three unread notifications for the teamlid; returns their ids, oldest first."""
    notes_for(app, world, "teamlid", 3)
    return [n.id for n in notifications(app)]


def test_the_bell_shows_the_unread_count(app, world, three):
    client = logged_in(app, world.users["teamlid"].email)

    page = html(client.get(f"/p/{world.slug}/"))

    assert bell_count(page) == 3
    assert message(app, "unread") in bell(page)
    # Someone without notifications sees no number.
    other = logged_in(app, world.users["lezer"].email)
    assert bell_count(html(other.get(f"/p/{world.slug}/"))) == 0


def test_the_bell_and_the_kept_counter_are_read_with_the_session(app, world, three, count_queries):
    """One statement reads the session, the bell's count and the counter of kept data: a
    page runs no statement of its own for either."""
    client = logged_in(app, world.users["teamlid"].email)
    client.get(f"/p/{world.slug}/")

    with count_queries() as statements:
        page = html(client.get(f"/p/{world.slug}/agreements/"))

    assert bell_count(page) == 3
    assert "user_session" in statements[0] and "notification" in statements[0]
    assert "kept_basis" in statements[0]
    assert not [s for s in statements[1:] if "FROM notification" in s or "kept_basis" in s]


def test_after_a_post_the_bell_is_counted_again(app, world, three):
    """What a POST did before it renders (a form shown again) may have changed one's own
    notifications: the count read with the session is only used for GET and HEAD."""
    from flask import g

    from app.activity.routes import bell_count as page_bell_count
    from app.auth.models import User

    def count(method: str) -> int:
        with app.test_request_context("/", method=method):
            user = db.session.get(User, uid(world, "teamlid"))
            user.unread_at_load = 7  # as if read when the request began
            g._login_user = user
            return page_bell_count()

    assert count("GET") == 7
    assert count("HEAD") == 7
    assert count("POST") == 3


def test_the_list_shows_all_or_only_the_unread(app, world, three):
    client = logged_in(app, world.users["teamlid"].email)
    in_context(app, notes.mark_read, uid(world, "teamlid"), three[0])

    everything = text_of(html(client.get("/notifications")))
    unread = text_of(html(client.get("/notifications?show=unread")))

    for n in (1, 2, 3):
        assert f"Teamlid reageerde op Onderwerp {n}" in everything
    assert "Onderwerp 1" not in unread
    assert "Onderwerp 2" in unread and "Onderwerp 3" in unread
    # Newest first.
    assert everything.index("Onderwerp 3") < everything.index("Onderwerp 2")


def test_the_list_in_english(app, world, three):
    from tests.conftest import set_language

    client = logged_in(app, world.users["teamlid"].email)
    set_language(client, "en")

    assert "Teamlid commented on Onderwerp 1" in text_of(html(client.get("/notifications")))


def test_opening_a_notification_marks_it_read_and_goes_to_its_object(app, world, three):
    client = logged_in(app, world.users["teamlid"].email)

    response = client.get(f"/notifications/{three[1]}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/p/{world.slug}/agreements/1"
    read = {n.id: n.read_at for n in notifications(app)}
    assert read[three[1]] is not None
    assert read[three[0]] is None and read[three[2]] is None
    # Opening it again changes nothing.
    first = read[three[1]]
    client.get(f"/notifications/{three[1]}")
    assert notifications(app, id=three[1])[0].read_at == first
    assert bell_count(html(client.get("/notifications"))) == 2


def test_marking_one_read(app, world, three):
    client = logged_in(app, world.users["teamlid"].email)

    response = post(client, f"/notifications/{three[0]}/read")

    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications"
    page = html(client.get(response.headers["Location"]))
    assert message(app, "Marked as read.") in alert_text(page)
    assert bell_count(page) == 2
    assert [n.read_at is not None for n in notifications(app)] == [True, False, False]


def test_each_item_links_to_its_own_notification_and_read_form(app, world, three):
    # The list builds each item's links from one pattern a request: every item still
    # opens and marks its own notification, with the session's CSRF token.
    client = logged_in(app, world.users["teamlid"].email)
    in_context(app, notes.mark_read, uid(world, "teamlid"), three[1])

    page = html(client.get("/notifications"))

    for number in three:
        item = page.split(f'id="notification-{number}"', 1)[1].split("</li>", 1)[0]
        assert f'href="/notifications/{number}"' in item
        if number == three[1]:  # read: no form
            assert "/read" not in item
            continue
        assert f'action="/notifications/{number}/read"' in item
        assert f'data-hx-post="/notifications/{number}/read"' in item
        token = item.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert (
            client.post(f"/notifications/{number}/read", data={"csrf_token": token}).status_code
            == 302
        )
    assert all(n.read_at is not None for n in notifications(app))


def test_marking_one_read_goes_back_to_a_local_next_only(app, world, three):
    client = logged_in(app, world.users["teamlid"].email)

    here = post(client, f"/notifications/{three[0]}/read", {"next": "/notifications?show=unread"})
    away = post(client, f"/notifications/{three[1]}/read", {"next": "https://evil.example/"})

    assert here.headers["Location"] == "/notifications?show=unread"
    assert away.headers["Location"] == "/notifications"


def test_marking_one_read_with_htmx_returns_the_item(app, world, three):
    client = logged_in(app, world.users["teamlid"].email)

    response = post(client, f"/notifications/{three[2]}/read", headers=HTMX)

    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith(f'<li class="ss-notification" id="notification-{three[2]}"')
    assert "<html" not in fragment
    assert "/read" not in fragment  # no button to mark it read again
    assert message(app, "read") in text_of(fragment)
    assert notifications(app, id=three[2])[0].read_at is not None


def test_marking_all_read(app, world, three):
    notes_for(app, world, "lezer", 1)  # someone else's stays unread
    client = logged_in(app, world.users["teamlid"].email)
    in_context(app, notes.mark_read, uid(world, "teamlid"), three[0])

    response = post(client, "/notifications/read-all")

    assert response.status_code == 302
    page = html(client.get(response.headers["Location"]))
    assert message(app, "All notifications are marked as read (%(count)s).", count=2) in alert_text(
        page
    )
    assert bell_count(page) == 0
    assert message(app, "Mark all as read") not in page
    assert [n.read_at is not None for n in notifications(app, user_id=uid(world, "teamlid"))] == [
        True, True, True
    ]  # fmt: skip
    assert notifications(app, user_id=uid(world, "lezer"))[0].read_at is None


@pytest.mark.parametrize("how", ["open", "read", "read-htmx"])
def test_someone_elses_notification_is_not_found_and_stays_unread(app, world, three, how):
    client = logged_in(app, world.users["lezer"].email)

    if how == "open":
        response = client.get(f"/notifications/{three[0]}")
    else:
        response = post(client, f"/notifications/{three[0]}/read",
                        headers=HTMX if how == "read-htmx" else None)  # fmt: skip

    assert response.status_code == 404
    assert "Onderwerp" not in html(response)
    assert all(n.read_at is None for n in notifications(app))


def test_a_missing_notification_is_not_found(app, world, three):
    client = logged_in(app, world.users["teamlid"].email)

    assert client.get("/notifications/999999").status_code == 404
    assert post(client, "/notifications/999999/read").status_code == 404


def test_notifications_need_a_login(app, client, world, three):
    for response in (client.get("/notifications"), client.get(f"/notifications/{three[0]}")):
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert all(n.read_at is None for n in notifications(app))


def test_mark_read_needs_a_csrf_token(app, world, three):
    client = logged_in(app, world.users["teamlid"].email)

    assert client.post(f"/notifications/{three[0]}/read").status_code == 400
    assert client.post("/notifications/read-all").status_code == 400
    assert all(n.read_at is None for n in notifications(app))


def test_the_list_shows_only_ones_own_notifications(app, world, make_partnership):
    other = make_partnership("ander-verband")
    notes_for(app, world, "teamlid", 1, prefix="Hier")
    notes_for(app, other, "teamlid", 1, prefix="Daar")
    client = logged_in(app, world.users["teamlid"].email)

    page = text_of(html(client.get("/notifications")))

    assert "Hier 1" in page and "Daar 1" not in page
    assert count_unread(app, uid(world, "teamlid")) == 1


def count_unread(app, user_id: int) -> int:
    return in_context(app, notes.unread_count, user_id)


def test_a_stale_notification_of_a_deleted_object_still_opens(app, world):
    # The link is stored, so even when it leads nowhere now, opening marks it read.
    notes_for(app, world, "teamlid", 1)
    [note] = notifications(app)
    client = logged_in(app, world.users["teamlid"].email)

    response = client.get(f"/notifications/{note.id}")

    assert response.status_code == 302
    assert notifications(app)[0].read_at is not None
