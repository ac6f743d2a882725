"""Mail about notifications: a daily digest from the digest hour (the default), one mail
per notification, or none; in the person's language, as plain text and HTML, with a link
to change the setting without logging in. `flask notify send` is safe to run twice and
to interrupt: every mail arrives exactly once. The mails are read from a real SMTP server
on loopback (the `smtp` fixture)."""

from __future__ import annotations

import socket
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from app.activity import notifications as notes
from app.activity.models import NotificationSetting, OutgoingMail
from app.extensions import db
from app.partnerships.models import Membership
from tests.activity.notification_helpers import (
    html,
    in_context,
    link_in,
    logged_in,
    mail_states,
    note,
    notes_for,
    notifications,
    outbox,
    parts,
    set_language,
    text_of,
    today_local,
    uid,
    utc_at_local,
)
from tests.conftest import alert_text, count_rows, message, post

DAY = today_local()
EARLY = utc_at_local(DAY, 6, 30)  # before the digest hour (7:00 Dutch time)
AT_SEVEN = utc_at_local(DAY, 7, 0)
NOON = utc_at_local(DAY, 12, 0)
NEXT_MORNING = utc_at_local(DAY + timedelta(days=1), 7, 5)


def send(app, now) -> dict:
    """What `flask notify send` does, in a request context like the command's."""
    return in_context(app, notes.send_due, now)


def cli(app, now=None, *extra):
    args = ["notify", "send", *(["--now", now.isoformat()] if now else []), *extra]
    return app.test_cli_runner().invoke(args=args)


def set_mode(app, world, key: str, mode: str, partnership_id: int | None = None) -> None:
    in_context(app, notes.set_mode, uid(world, key),
               partnership_id or world.partnership.id, mode)  # fmt: skip


def modes(app, world, key: str) -> dict[int, str]:
    return in_context(app, notes.modes_of, uid(world, key))


def subjects(mails) -> list[str]:
    return [str(m["Subject"]) for m in mails]


def to(mails) -> list[str]:
    return [str(m["To"]) for m in mails]


def path_of(url: str) -> str:
    parts_ = urlsplit(url)
    assert f"{parts_.scheme}://{parts_.netloc}" == "http://samenspel.test"
    return parts_.path


# --- the daily digest (the default) -----------------------------------------------------------


def test_the_digest_waits_for_the_digest_hour(app, world, smtp):
    notes_for(app, world, "teamlid", 2)

    result = send(app, EARLY)

    assert result == {"reminders": 0, "composed": 0, "sent": 0, "failed": 0}
    assert smtp == [] and outbox(app) == []
    assert mail_states(app) == ["pending", "pending"]

    result = send(app, AT_SEVEN)

    assert result == {"reminders": 0, "composed": 1, "sent": 1, "failed": 0}
    [mail] = smtp
    assert to(smtp) == [world.users["teamlid"].email]
    assert subjects(smtp) == ["Samenspel – Samenwerking testverband: je overzicht (2)"]
    text, _ = parts(mail)
    assert "Teamlid reageerde op Onderwerp 1" in text and "Teamlid reageerde op Onderwerp 2" in text
    assert mail_states(app) == ["mailed", "mailed"]
    [stored] = outbox(app)
    assert (stored.kind, stored.digest_on, stored.attempts) == ("digest", DAY, 1)
    assert stored.sent_at is not None
    assert {n.mail_id for n in notifications(app)} == {stored.id}


def test_one_digest_a_day_and_what_comes_later_waits_for_the_next(app, world, smtp):
    notes_for(app, world, "teamlid", 1, prefix="Ochtend")
    send(app, AT_SEVEN)
    notes_for(app, world, "teamlid", 1, prefix="Middag")

    assert send(app, NOON)["composed"] == 0
    assert len(smtp) == 1
    assert mail_states(app) == ["mailed", "pending"]

    assert send(app, NEXT_MORNING)["sent"] == 1
    assert len(smtp) == 2
    text, _ = parts(smtp[1])
    assert "Middag 1" in text and "Ochtend 1" not in text
    assert mail_states(app) == ["mailed", "mailed"]


def test_each_person_gets_their_own_digest(app, world, smtp):
    notes_for(app, world, "teamlid", 2, prefix="Voor teamlid")
    notes_for(app, world, "lezer", 1, prefix="Voor lezer")

    assert send(app, AT_SEVEN)["sent"] == 2

    by_recipient = {str(m["To"]): parts(m)[0] for m in smtp}
    teamlid, lezer = (
        by_recipient[world.users["teamlid"].email],
        by_recipient[world.users["lezer"].email],
    )
    assert "Voor teamlid 2" in teamlid and "Voor lezer" not in teamlid
    assert "Voor lezer 1" in lezer and "Voor teamlid" not in lezer


def test_a_digest_per_partnership(app, world, make_partnership, smtp):
    other = make_partnership("ander-verband")
    # The teamlid is a member of the other partnership too.
    with app.app_context():
        db.session.add(Membership(user_id=uid(world, "teamlid"), partnership_id=other.partnership.id,
                                  organisation_id=other.provider.id, role="teamlid"))  # fmt: skip
        db.session.commit()
    notes_for(app, world, "teamlid", 1, prefix="Hier")
    with app.test_request_context():
        notes.notify([uid(world, "teamlid")], partnership_id=other.partnership.id, kind="comment",
                     object_type="agreement", object_id=1, url="/p/ander-verband/agreements/1",
                     params={"actor": "Iemand", "title": "Daar 1"})  # fmt: skip
        db.session.commit()
    set_mode(app, world, "teamlid", "never", other.partnership.id)
    notes_for(app, world, "teamlid", 1, prefix="Ook hier")

    assert send(app, AT_SEVEN)["sent"] == 1

    [mail] = smtp
    text, _ = parts(mail)
    assert "Samenwerking testverband" in str(mail["Subject"])
    assert "Hier 1" in text and "Ook hier 1" in text and "Daar 1" not in text
    assert mail_states(app) == ["mailed", "skipped", "mailed"]


def test_the_command_sends_the_digest_and_says_what_it_did(app, world, smtp):
    notes_for(app, world, "teamlid", 2)

    early = cli(app, EARLY)
    assert early.exit_code == 0, early.output
    assert smtp == []

    result = cli(app, AT_SEVEN)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 herinneringen, 1 mails samengesteld, 1 verzonden, 0 mislukt."
    assert len(smtp) == 1


def test_the_digest_hour_can_be_set(app, world, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "SAMENSPEL_DIGEST_HOUR", 5)
    notes_for(app, world, "teamlid", 1)

    assert send(app, utc_at_local(DAY, 4, 59))["sent"] == 0
    assert send(app, utc_at_local(DAY, 5, 0))["sent"] == 1


def test_the_command_reads_a_time_with_an_offset_as_that_moment(app, world, smtp):
    # In winter 06:30+01:00 is 06:30 in the Netherlands: before the digest hour.
    notes_for(app, world, "teamlid", 1)
    winter = date(2026, 1, 15)

    result = cli(app, None, "--now", f"{winter.isoformat()}T06:30+01:00")
    assert result.exit_code == 0, result.output
    assert smtp == []

    result = cli(app, None, "--now", f"{winter.isoformat()}T07:00+01:00")
    assert result.exit_code == 0, result.output
    assert len(smtp) == 1
    assert outbox(app)[0].digest_on == winter


def test_the_command_runs_at_the_current_time_by_default(app, world, smtp):
    result = cli(app)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 herinneringen, 0 mails samengesteld, 0 verzonden, 0 mislukt."


def test_the_command_refuses_a_time_it_cannot_read(app, world, smtp):
    notes_for(app, world, "teamlid", 1)

    result = cli(app, None, "--now", "morgen vroeg")

    assert result.exit_code == 2
    assert "Geef een tijd als" in result.output
    assert smtp == [] and mail_states(app) == ["pending"]


# --- immediately and never ----------------------------------------------------------------------


def test_immediately_sends_one_mail_per_notification_at_any_hour(app, world, smtp):
    set_mode(app, world, "teamlid", "immediate")
    notes_for(app, world, "teamlid", 3)

    result = send(app, utc_at_local(DAY, 3, 0))

    assert result == {"reminders": 0, "composed": 3, "sent": 3, "failed": 0}
    assert subjects(smtp) == [
        f"Samenspel – Samenwerking testverband: Teamlid reageerde op Onderwerp {n}"
        for n in (1, 2, 3)
    ]
    for n, mail in enumerate(smtp, start=1):
        text, _ = parts(mail)
        assert f"Onderwerp {n}" in text
        assert {f"Onderwerp {m}" for m in (1, 2, 3) if m != n}.isdisjoint(text.split())
    assert [m.kind for m in outbox(app)] == ["immediate"] * 3
    assert [m.digest_on for m in outbox(app)] == [None] * 3
    assert mail_states(app) == ["mailed"] * 3


def test_never_sends_nothing_and_marks_the_notifications_skipped(app, world, smtp):
    set_mode(app, world, "teamlid", "never")
    notes_for(app, world, "teamlid", 2)

    assert send(app, AT_SEVEN) == {"reminders": 0, "composed": 0, "sent": 0, "failed": 0}

    assert smtp == [] and outbox(app) == []
    assert mail_states(app) == ["skipped", "skipped"]
    # They stay in the application, unread.
    assert all(n.read_at is None for n in notifications(app))
    # Choosing mail again later does not send the skipped ones after all.
    set_mode(app, world, "teamlid", "daily")
    assert send(app, NEXT_MORNING)["sent"] == 0


def test_a_deactivated_person_gets_no_mail(app, world, smtp):
    from app.auth.models import User

    notes_for(app, world, "teamlid", 1)
    with app.app_context():
        db.session.get(User, uid(world, "teamlid")).active = False
        db.session.commit()

    assert send(app, AT_SEVEN)["sent"] == 0
    assert smtp == [] and mail_states(app) == ["skipped"]


# --- language, parts and headers ----------------------------------------------------------------


def test_the_mail_is_in_the_persons_language(app, world, smtp):
    set_language(app, uid(world, "teamlid"), "en")
    notes_for(app, world, "teamlid", 1)
    notes_for(app, world, "lezer", 1)

    send(app, AT_SEVEN)

    by_recipient = {str(m["To"]): m for m in smtp}
    english = by_recipient[world.users["teamlid"].email]
    dutch = by_recipient[world.users["lezer"].email]
    assert str(english["Subject"]) == "Samenspel – Samenwerking testverband: your digest (1)"
    assert str(dutch["Subject"]) == "Samenspel – Samenwerking testverband: je overzicht (1)"
    text, page = parts(english)
    assert text.startswith("Hello Teamlid testverband,")
    assert "This is what happened in Samenwerking testverband:" in text
    assert "Teamlid commented on Onderwerp 1" in text
    assert '<html lang="en">' in page and "Teamlid commented on Onderwerp 1" in page
    text, page = parts(dutch)
    assert text.startswith("Beste Lezer testverband,")
    assert "Dit gebeurde er in Samenwerking testverband:" in text
    assert "Teamlid reageerde op Onderwerp 1" in text
    assert '<html lang="nl">' in page


def test_an_immediate_mail_in_english(app, world, smtp):
    set_language(app, uid(world, "teamlid"), "en")
    set_mode(app, world, "teamlid", "immediate")
    notes_for(app, world, "teamlid", 1)

    send(app, EARLY)

    [mail] = smtp
    assert (
        str(mail["Subject"])
        == "Samenspel – Samenwerking testverband: Teamlid commented on Onderwerp 1"
    )
    assert "News from Samenwerking testverband:" in parts(mail)[0]


def test_the_mail_has_a_plain_text_and_an_html_part_with_links(app, world, smtp):
    notes_for(app, world, "teamlid", 1)

    send(app, AT_SEVEN)

    [mail] = smtp
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    text, page = parts(mail)
    object_url = "http://samenspel.test/p/testverband/agreements/1"
    assert f"- Teamlid reageerde op Onderwerp 1\n  {object_url}" in text
    assert f'<a href="{object_url}">Teamlid reageerde op Onderwerp 1</a>' in page
    assert "http://samenspel.test/notifications" in text
    assert 'href="http://samenspel.test/notifications"' in page
    settings_url = link_in(text, "/mail-setting/")
    assert f'href="{settings_url}"' in page
    assert str(mail["From"]) == app.config["MAIL_SENDER"]


def test_the_headers_offer_one_click_unsubscribe_and_a_fixed_message_id(app, world, smtp):
    notes_for(app, world, "teamlid", 1)

    send(app, AT_SEVEN)

    [mail] = smtp
    [stored] = outbox(app)
    settings_url = link_in(parts(mail)[0], "/mail-setting/")
    # (A long header is folded; unfolding leaves the fold's space in front.)
    assert str(mail["List-Unsubscribe"]).strip() == f"<{settings_url}>"
    assert str(mail["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert str(mail["Message-ID"]) == stored.message_id
    assert stored.unsubscribe_url == settings_url


def test_text_from_people_is_escaped_in_the_html_part(app, world, smtp):
    with app.test_request_context():
        note(world, "teamlid", title="<script>alert(1)</script> & co", actor="<b>Mallory</b>")
        db.session.remove()

    send(app, AT_SEVEN)

    text, page = parts(smtp[0])
    assert "<script>" not in page and "<b>Mallory</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    # Plain text is not HTML: it shows the text as written.
    assert "<b>Mallory</b> reageerde op <script>alert(1)</script> & co" in text


def test_a_title_over_several_lines_still_makes_a_valid_subject(app, world, smtp):
    # A title may hold a line break (the services strip only its ends); a header may not.
    from tests.tables.helpers import make_table, say, start

    set_mode(app, world, "teamlid", "immediate")

    def setup():
        conversation = start(world, make_table(world), "partner", title="Wie houdt\nde regie?")
        say(world, conversation, "programmamanager", "Vraag voor @teamlid.")

    in_context(app, setup)

    assert send(app, EARLY) == {"reminders": 0, "composed": 1, "sent": 1, "failed": 0}
    assert subjects(smtp) == [
        "Samenspel – Samenwerking testverband: "
        "Programmamanager testverband noemde je in “Wie houdt de regie?”"
    ]


# --- the preference link -----------------------------------------------------------------------


@pytest.fixture
def setting_path(app, world, smtp) -> str:
    """The path of the preference link in the teamlid's digest."""
    notes_for(app, world, "teamlid", 1)
    send(app, AT_SEVEN)
    return path_of(link_in(parts(smtp[0])[0], "/mail-setting/"))


def test_the_preference_link_works_without_a_login(app, world, client, setting_path):
    page = html(client.get(setting_path))

    assert "Samenwerking testverband" in text_of(page)
    assert 'id="mode-daily" name="mode" value="daily" checked' in page
    # The form works from a mail program without a session: no CSRF token is needed.
    form = page[page.index(f'action="{setting_path}"') :]
    assert 'name="csrf_token"' not in form[: form.index("</form>")]

    response = client.post(setting_path, data={"mode": "immediate"})

    assert response.status_code == 200
    saved = message(
        app, "Saved: %(mode)s.", mode=message(app, "Immediately, one mail per notification")
    )
    assert saved in alert_text(html(response))
    assert 'id="mode-immediate" name="mode" value="immediate" checked' in html(response)
    assert modes(app, world, "teamlid") == {world.partnership.id: "immediate"}
    # The link keeps working for the next change.
    client.post(setting_path, data={"mode": "never"})
    assert modes(app, world, "teamlid") == {world.partnership.id: "never"}
    assert count_rows(app, NotificationSetting) == 1


def test_one_click_unsubscribe_sets_never(app, world, client, setting_path):
    # RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click" to the header's URL.
    response = client.post(
        setting_path, data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip

    assert response.status_code == 200
    assert modes(app, world, "teamlid") == {world.partnership.id: "never"}
    # And from then on no more mail.
    notes_for(app, world, "teamlid", 1, prefix="Later")
    send(app, NEXT_MORNING)
    assert mail_states(app) == ["mailed", "skipped"]


def test_an_invalid_mode_through_the_link_is_refused(app, world, client, setting_path):
    for data in ({"mode": "hourly"}, {}):
        response = client.post(setting_path, data=data)

        assert response.status_code == 422
        assert message(app, "Choose how you want to receive mail.") in html(response)
    assert modes(app, world, "teamlid") == {}


@pytest.mark.parametrize(
    "how", ["garbage", "dots", "unicode", "tampered", "other key", "unknown user", "not a pair"]
)
def test_a_bad_preference_link_shows_a_clear_404_page(app, world, client, setting_path, how):
    from itsdangerous import URLSafeSerializer

    token = setting_path.rsplit("/", 1)[1]
    bad = {
        "garbage": "nonsense",
        "dots": "...",
        "unicode": "é.ü",
        "tampered": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "other key": URLSafeSerializer("another-secret", salt="notification-setting").dumps(
            [uid(world, "teamlid"), world.partnership.id]
        ),
        "unknown user": URLSafeSerializer(app.config["SECRET_KEY"], salt="notification-setting")
        .dumps([999999, world.partnership.id]),
        "not a pair": URLSafeSerializer(app.config["SECRET_KEY"], salt="notification-setting")
        .dumps({"user": uid(world, "teamlid")}),
    }[how]  # fmt: skip

    for response in (client.get(f"/mail-setting/{bad}"),
                     client.post(f"/mail-setting/{bad}", data={"mode": "never"})):  # fmt: skip
        assert response.status_code == 404
        assert message(app, "Link not valid") in html(response)
    assert modes(app, world, "teamlid") == {}


def test_a_too_long_token_is_refused(app, world, client):
    response = client.get("/mail-setting/" + "a" * 5000)

    assert response.status_code == 404
    assert modes(app, world, "teamlid") == {}


def test_the_link_of_someone_who_left_the_partnership_changes_nothing(
    app, world, client, setting_path
):
    with app.app_context():
        db.session.get(Membership, world.memberships["teamlid"].id).active = False
        db.session.commit()

    response = client.post(setting_path, data={"mode": "never"})

    assert response.status_code == 422
    assert message(app, "You are not a member of this partnership.") in html(response)
    assert modes(app, world, "teamlid") == {}


# --- the settings page ----------------------------------------------------------------------------


def test_the_settings_page_saves_a_mode_per_partnership(app, world):
    client = logged_in(app, world.users["teamlid"].email)
    page = html(client.get("/account/notifications"))
    assert f'id="mode-{world.partnership.id}-daily" name="mode" value="daily" checked' in page

    response = post(client, "/account/notifications",
                    {"partnership": str(world.partnership.id), "mode": "immediate"})  # fmt: skip

    assert response.status_code == 302
    page = html(client.get(response.headers["Location"]))
    assert message(app, "Your mail setting has been saved.") in alert_text(page)
    assert (
        f'id="mode-{world.partnership.id}-immediate" name="mode" value="immediate" checked' in page
    )
    assert modes(app, world, "teamlid") == {world.partnership.id: "immediate"}


def test_a_mode_for_a_partnership_one_is_not_in_is_refused(app, world, make_partnership):
    other = make_partnership("ander-verband")
    client = logged_in(app, world.users["teamlid"].email)

    for partnership in (str(other.partnership.id), "999999", "abc", ""):
        response = post(
            client, "/account/notifications", {"partnership": partnership, "mode": "never"}
        )

        assert response.status_code == 422, partnership
        assert message(app, "You are not a member of this partnership.") in alert_text(
            html(response)
        )
    assert count_rows(app, NotificationSetting) == 0


@pytest.mark.parametrize("mode", ["hourly", "", "NEVER", "x" * 500])
def test_an_invalid_mode_is_refused(app, world, mode):
    client = logged_in(app, world.users["teamlid"].email)

    response = post(client, "/account/notifications",
                    {"partnership": str(world.partnership.id), "mode": mode})  # fmt: skip

    assert response.status_code == 422
    assert message(app, "Choose how you want to receive mail.") in alert_text(html(response))
    assert count_rows(app, NotificationSetting) == 0


def test_the_settings_page_needs_a_login_and_a_csrf_token(app, world, client):
    response = client.get("/account/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    client = logged_in(app, world.users["teamlid"].email)
    response = client.post("/account/notifications",
                           data={"partnership": str(world.partnership.id), "mode": "never"})  # fmt: skip
    assert response.status_code == 400
    assert count_rows(app, NotificationSetting) == 0


# --- running twice, crashing half-way, a server that refuses ------------------------------------


def test_running_twice_sends_nothing_twice(app, world, smtp):
    set_mode(app, world, "teamlid", "immediate")
    notes_for(app, world, "teamlid", 2)
    notes_for(app, world, "lezer", 2)

    first = cli(app, AT_SEVEN)
    second = cli(app, AT_SEVEN)
    third = cli(app, NOON)

    assert first.output.strip() == "0 herinneringen, 3 mails samengesteld, 3 verzonden, 0 mislukt."
    assert second.output.strip() == "0 herinneringen, 0 mails samengesteld, 0 verzonden, 0 mislukt."
    assert third.exit_code == 0
    assert len(smtp) == 3
    assert len({str(m["Message-ID"]) for m in smtp}) == 3


def test_reminders_are_added_once_and_mailed_once(app, world, smtp):
    from tests.agreements.helpers import make as make_agreement

    def setup():
        make_agreement(world, active=True, revisit_on=DAY + timedelta(days=7))

    in_context(app, setup)

    first = send(app, AT_SEVEN)
    second = send(app, AT_SEVEN)

    assert first == {"reminders": 1, "composed": 1, "sent": 1, "failed": 0}
    assert second == {"reminders": 0, "composed": 0, "sent": 0, "failed": 0}
    [mail] = smtp
    assert to(smtp) == [world.users["programmamanager"].email]
    assert "WA-1" in parts(mail)[0]


@pytest.fixture
def three_immediate(app, world):
    set_mode(app, world, "teamlid", "immediate")
    notes_for(app, world, "teamlid", 3)


def test_a_crash_while_sending_loses_nothing_and_doubles_nothing(app, world, smtp, monkeypatch,
                                                                 three_immediate):  # fmt: skip
    real = notes.send_mail
    calls = {"n": 0}

    def crashing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the process was killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(notes, "send_mail", crashing)

    with pytest.raises(RuntimeError):
        send(app, AT_SEVEN)

    assert len(smtp) == 1
    assert [m.sent_at is not None for m in outbox(app)] == [True, False, False]
    assert mail_states(app) == ["mailed"] * 3

    monkeypatch.setattr(notes, "send_mail", real)
    result = cli(app, AT_SEVEN)

    assert result.exit_code == 0, result.output
    assert "0 mails samengesteld, 2 verzonden, 0 mislukt" in result.output
    assert sorted(subjects(smtp)) == [
        f"Samenspel – Samenwerking testverband: Teamlid reageerde op Onderwerp {n}"
        for n in (1, 2, 3)
    ]
    assert all(m.sent_at is not None for m in outbox(app))
    assert cli(app, AT_SEVEN).exit_code == 0
    assert len(smtp) == 3


def test_a_crash_while_composing_leaves_nothing_half_done(app, world, smtp, monkeypatch,
                                                          three_immediate):  # fmt: skip
    notes_for(app, world, "lezer", 1)  # a digest as well
    real = notes._render_mail
    calls = {"n": 0}

    def crashing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the process was killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(notes, "_render_mail", crashing)

    with pytest.raises(RuntimeError):
        send(app, AT_SEVEN)

    assert smtp == []
    assert count_rows(app, OutgoingMail) == 0
    assert mail_states(app) == ["pending"] * 4
    assert all(n.mail_id is None for n in notifications(app))

    monkeypatch.setattr(notes, "_render_mail", real)
    assert send(app, AT_SEVEN) == {"reminders": 0, "composed": 4, "sent": 4, "failed": 0}

    assert len(smtp) == 4
    assert sorted(to(smtp)) == sorted(
        [world.users["teamlid"].email] * 3 + [world.users["lezer"].email]
    )
    assert mail_states(app) == ["mailed"] * 4


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_server_that_refuses_keeps_the_mail_for_the_next_run(app, world, smtp):
    notes_for(app, world, "teamlid", 1)
    working_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed_port()
    try:
        result = cli(app, AT_SEVEN)
        again = cli(app, NOON)
    finally:
        app.config["MAIL_PORT"] = working_port

    assert result.exit_code == 1
    assert result.output.strip() == "0 herinneringen, 1 mails samengesteld, 0 verzonden, 1 mislukt."
    assert again.exit_code == 1
    assert "0 mails samengesteld, 0 verzonden, 1 mislukt" in again.output
    [mail] = outbox(app)
    assert mail.sent_at is None and mail.attempts == 2 and mail.last_error
    assert smtp == []

    result = cli(app, NOON)

    assert result.exit_code == 0
    assert "1 verzonden, 0 mislukt" in result.output
    assert len(smtp) == 1
    [mail] = outbox(app)
    assert mail.sent_at is not None and mail.attempts == 3
    assert cli(app, NOON).exit_code == 0
    assert len(smtp) == 1


def test_a_mail_that_keeps_failing_is_given_up_after_ten_attempts(app, world, smtp):
    notes_for(app, world, "teamlid", 1)
    working_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed_port()
    try:
        results = [send(app, AT_SEVEN) for _ in range(11)]
    finally:
        app.config["MAIL_PORT"] = working_port

    assert [r["failed"] for r in results] == [1] * 10 + [0]
    assert outbox(app)[0].attempts == 10
    assert send(app, NOON)["sent"] == 0
    assert smtp == []


# --- one run at a time, and no server means the outbox waits ------------------------------


def test_a_second_run_steps_aside_while_another_is_busy(app, world, smtp):
    from app.activity.cli import only_one_run

    set_mode(app, world, "teamlid", "immediate")
    notes_for(app, world, "teamlid", 2)
    with app.app_context(), only_one_run() as alone:
        assert alone
        busy = cli(app, AT_SEVEN)
    assert busy.exit_code == 0
    assert "nog bezig" in busy.output
    assert len(smtp) == 0 and outbox(app) == []
    assert mail_states(app) == ["pending", "pending"]

    after = cli(app, AT_SEVEN)
    assert after.output.strip() == "0 herinneringen, 2 mails samengesteld, 2 verzonden, 0 mislukt."
    assert len(smtp) == 2


def test_without_a_mail_server_the_outbox_waits(app, world, smtp):
    set_mode(app, world, "teamlid", "immediate")
    notes_for(app, world, "teamlid", 1)
    host = app.config["MAIL_HOST"]
    app.config["MAIL_HOST"] = ""
    try:
        result = send(app, AT_SEVEN)
    finally:
        app.config["MAIL_HOST"] = host
    assert (result["composed"], result["sent"], result["failed"]) == (1, 0, 0)
    assert [m.sent_at for m in outbox(app)] == [None]
    assert send(app, AT_SEVEN)["sent"] == 1
    assert len(smtp) == 1


def test_someone_who_left_the_partnership_is_not_mailed(app, world, smtp):
    notes_for(app, world, "teamlid", 2)

    def leave():
        db.session.get(Membership, world.memberships["teamlid"].id).active = False
        db.session.commit()

    in_context(app, leave)
    result = send(app, AT_SEVEN)
    assert (result["composed"], result["sent"]) == (0, 0)
    assert len(smtp) == 0
    assert mail_states(app) == ["skipped", "skipped"]
