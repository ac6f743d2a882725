"""The link to the mail setting in every mail: a random token per mail (stored hashed),
valid for 60 days, revoked when new links are asked for, showing no name, working only for
the setting it names; links in mails and feeds start with SAMENSPEL_BASE_URL or else the
address of the request that caused them; `flask doctor` warns when the base URL is unset."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.activity import notifications as notes
from app.activity.models import MailSettingLink
from app.doctor import check_base_url
from app.extensions import db
from tests.activity.notification_helpers import (
    html,
    in_context,
    link_in,
    logged_in,
    notes_for,
    parts,
    text_of,
    today_local,
    uid,
    utc_at_local,
)
from tests.conftest import change_row, count_rows, mail_text, message, post

AT_SEVEN = utc_at_local(today_local(), 7, 0)


def send(app, now=AT_SEVEN) -> dict:
    return in_context(app, notes.send_due, now)


def links(app) -> list[MailSettingLink]:
    with app.app_context():
        rows = list(db.session.execute(select(MailSettingLink).order_by(MailSettingLink.id)))
        result = [row[0] for row in rows]
        for row in result:
            db.session.expunge(row)
        return result


def modes(app, world, key: str) -> dict[int, str]:
    return in_context(app, notes.modes_of, uid(world, key))


def setting_path(mail) -> str:
    return urlsplit(link_in(parts(mail)[0], "/mail-setting/")).path


@pytest.fixture
def mailed(app, world, smtp):
    """The teamlid's digest has arrived; its setting link's path."""
    notes_for(app, world, "teamlid", 1)
    send(app)
    assert len(smtp) == 1
    return setting_path(smtp[0])


def test_every_mail_has_its_own_random_link_stored_only_as_a_hash(app, world, smtp, mailed):
    notes_for(app, world, "teamlid", 1, prefix="Later")
    send(app, AT_SEVEN + timedelta(days=1))

    second = setting_path(smtp[1])
    tokens = [mailed.rsplit("/", 1)[1], second.rsplit("/", 1)[1]]
    assert tokens[0] != tokens[1]
    for token in tokens:
        # Random, not the ids in a readable (or signed) form.
        assert len(token) >= 40 and "." not in token
        assert str(uid(world, "teamlid")) not in token.split("-")
    stored = links(app)
    assert [s.token_hash for s in stored] == [
        hashlib.sha256(t.encode()).hexdigest() for t in tokens
    ]
    assert all(s.expires_at - s.created_at == timedelta(days=60) for s in stored)


def test_the_page_shows_no_name_to_someone_not_logged_in(app, world, client, mailed):
    page = html(client.get(mailed))

    assert world.users["teamlid"].name not in page
    assert world.users["teamlid"].email not in page
    assert "Samenwerking testverband" in text_of(page)


def test_the_link_works_only_for_the_setting_it_names(app, world, client, make_partnership, mailed):
    other = make_partnership("elders")
    # The teamlid is a member elsewhere too; the link ignores a partnership in the form.
    with app.app_context():
        from app.partnerships.models import Membership

        db.session.add(
            Membership(user_id=uid(world, "teamlid"), partnership_id=other.partnership.id,
                       organisation_id=other.provider.id, role="teamlid")
        )  # fmt: skip
        db.session.commit()

    client.post(mailed, data={"mode": "never", "partnership": other.partnership.id})

    assert modes(app, world, "teamlid") == {world.partnership.id: "never"}


def test_an_expired_link_says_so_offers_login_and_changes_nothing(app, world, client, mailed):
    link = links(app)[0]
    change_row(app, MailSettingLink, link.id, expires_at=link.created_at - timedelta(seconds=1))

    for response in (client.get(mailed), client.post(mailed, data={"mode": "never"})):
        assert response.status_code == 410
        page = html(response)
        assert message(app, "Link expired") in page
        assert "/login?next=" in page
        assert message(app, "Mail me a new link") in page
    assert modes(app, world, "teamlid") == {}


def test_asking_for_a_new_link_mails_one_and_revokes_the_older(app, world, client, smtp, mailed):
    link = links(app)[0]
    change_row(app, MailSettingLink, link.id, expires_at=link.created_at - timedelta(seconds=1))
    notes_for(app, world, "teamlid", 1, prefix="Later")
    send(app, AT_SEVEN + timedelta(days=1))  # a second, still valid link
    older = setting_path(smtp[1])

    response = client.post(mailed, data={"action": "renew"})

    assert response.status_code == 410
    assert message(app, "A new link has been sent to the e-mail address this mail went to.") in (
        html(response)
    )
    assert len(smtp) == 3 and str(smtp[2]["To"]) == world.users["teamlid"].email
    fresh = urlsplit(link_in(mail_text(smtp[2]), "/mail-setting/")).path
    # Every older link stops working, the expired one cannot ask again.
    assert client.get(older).status_code == 410
    assert message(app, "Link replaced") in html(client.get(older))
    again = client.post(mailed, data={"action": "renew"})
    assert message(app, "Mail me a new link") not in html(again)
    assert len(smtp) == 3
    # The new one works.
    assert client.post(fresh, data={"mode": "never"}).status_code == 200
    assert modes(app, world, "teamlid") == {world.partnership.id: "never"}


def test_a_valid_link_cannot_ask_for_new_ones(app, world, client, smtp, mailed):
    client.post(mailed, data={"action": "renew"})

    assert len(smtp) == 1
    assert all(link.revoked_at is None for link in links(app))


def test_the_links_in_earlier_mails_can_be_revoked_from_the_account(app, world, mailed):
    member = logged_in(app, world.users["teamlid"].email)
    page = html(member.get("/account/notifications"))
    assert message(app, "Revoke the links in my earlier mails") in page

    response = post(member, "/account/mail-links", {"confirmed": "1"})

    assert response.status_code == 302
    assert links(app)[0].revoked_at is not None
    visitor = app.test_client()
    assert visitor.post(mailed, data={"mode": "never"}).status_code == 410
    assert modes(app, world, "teamlid") == {}


MAIL_LINKS_EXPLAINED = (
    "The links to change your mail setting in every mail sent to you so far stop working for "
    "good. Mails sent from now on bring a new link. This cannot be undone."
)


def test_revoking_the_links_asks_for_confirmation_first(app, world, mailed):
    member = logged_in(app, world.users["teamlid"].email)
    explained = message(app, MAIL_LINKS_EXPLAINED)
    # The settings page offers the step: a link to the confirmation page and a dialog.
    page = member.get("/account/notifications").get_data(as_text=True)
    assert 'href="/account/mail-links" data-confirm="confirm-revoke-mail-links"' in page
    assert '<dialog class="ss-confirm-dialog" id="confirm-revoke-mail-links"' in page
    assert explained in page
    response = member.get("/account/mail-links")
    assert response.status_code == 200
    assert explained in response.get_data(as_text=True)
    # A POST without the confirmation shows the same page and revokes nothing.
    response = post(member, "/account/mail-links")
    assert response.status_code == 200 and explained in response.get_data(as_text=True)
    assert links(app)[0].revoked_at is None
    visitor = app.test_client()
    assert visitor.post(mailed, data={"mode": "never"}).status_code == 200
    assert modes(app, world, "teamlid") != {}


def test_revoking_needs_a_login(app, world, client, mailed):
    response = post(client, "/account/mail-links", {"confirmed": "1"})

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert links(app)[0].revoked_at is None
    response = client.get("/account/mail-links")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the address links start with --------------------------------------------------------------


@pytest.fixture
def no_base_url(app):
    old = app.config["SAMENSPEL_BASE_URL"]
    app.config["SAMENSPEL_BASE_URL"] = ""
    yield
    app.config["SAMENSPEL_BASE_URL"] = old


def test_without_a_base_url_mail_links_use_the_address_of_the_request(
    app, world, smtp, no_base_url
):
    # A comment posted through https://samenspel.gemeente.example notifies the teamlid.
    with app.test_request_context(base_url="https://samenspel.gemeente.example/"):
        from tests.activity.notification_helpers import note

        note(world, "teamlid")
        db.session.remove()
    send(app)

    text = parts(smtp[0])[0]
    urls = re.findall(r"https?://\S+", text)
    assert urls and all(u.startswith("https://samenspel.gemeente.example/") for u in urls)


def test_without_a_base_url_or_a_request_links_fall_back_and_doctor_warns(
    app, world, smtp, no_base_url
):
    notes_for(app, world, "teamlid", 1)  # made outside a real request: like the CLI
    with app.app_context():
        db.session.execute(db.text("UPDATE notification SET link_base = NULL"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["notify", "send", "--now", AT_SEVEN.isoformat()])
    assert result.exit_code == 0, result.output

    assert link_in(parts(smtp[0])[0], "/mail-setting/").startswith(notes.FALLBACK_BASE_URL)
    doctor = app.test_cli_runner().invoke(args=["doctor"])
    assert doctor.exit_code == 1  # a problem found
    assert "- SAMENSPEL_BASE_URL is niet gezet" in doctor.output


def test_doctor_is_content_when_the_base_url_is_set(app):
    result = app.test_cli_runner().invoke(args=["doctor"])

    assert result.exit_code in (0, 1)  # other checks may find this test machine lacking
    assert "SAMENSPEL_BASE_URL" not in result.output
    assert check_base_url(app) == []


def test_the_base_url_wins_over_the_request(app, world, smtp):
    with app.test_request_context(base_url="https://elders.example/"):
        from tests.activity.notification_helpers import note

        note(world, "teamlid")
        db.session.remove()
    send(app)

    assert link_in(parts(smtp[0])[0], "/mail-setting/").startswith("http://samenspel.test/")


def test_a_new_calendar_link_uses_the_address_of_the_request(app, world, no_base_url):
    member = logged_in(app, world.users["teamlid"].email)
    token = post(member, "/account/calendar").get_data(as_text=True)

    assert re.search(r"http://localhost/calendar/[\w-]+\.ics", token)
    assert count_rows(app, MailSettingLink) == 0


def test_a_new_link_that_cannot_be_mailed_changes_nothing(app, world, client, smtp, mailed):
    import socket

    link = links(app)[0]
    change_row(app, MailSettingLink, link.id, expires_at=link.created_at - timedelta(seconds=1))
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        app.config["MAIL_PORT"] = probe.getsockname()[1]

    response = client.post(mailed, data={"action": "renew"})

    assert response.status_code == 410
    assert message(
        app, "No new link can be sent for this link. Log in to change your setting."
    ) in html(response)
    assert [(s.id, s.revoked_at) for s in links(app)] == [(link.id, None)]
