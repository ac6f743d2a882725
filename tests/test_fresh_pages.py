"""Every page is rendered from the database: what another member changed shows on the next
visit, each reader gets their own page, and a session ended elsewhere is refused at once.
(Kept from the tests of the removed cache of rendered pages.)"""

from __future__ import annotations

import re

from app.activity.models import Notification
from app.extensions import db
from app.tables.models import Conversation
from app.timeutil import utcnow
from tests.agreements.helpers import form as agreement_form
from tests.agreements.helpers import make_in
from tests.conftest import alert_text, input_value, login, message, post
from tests.tables.helpers import make_table, start

HTMX = {"HX-Request": "true"}


def signed_in(flask_app, email: str):
    """A new client logged in as email, with a first page behind it."""
    client = flask_app.test_client()
    assert login(client, email).status_code == 302
    assert client.get("/toegankelijkheid").status_code == 200
    return client


def reader(app, world, role: str):
    return signed_in(app, world.users[role].email)


def page(client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def signed_in_as(text: str) -> str:
    """The name in the header's account link."""
    match = re.search(r'<span class="ss-visually-hidden"> \((.*?)\)</span>', text)
    assert match, "no account link on the page"
    return match.group(1)


def agreements_url(world, path: str = "/") -> str:
    return f"/p/{world.slug}/agreements{path}"


def test_an_edited_agreement_is_shown_after_another_user_edits_it(app, world):
    number = make_in(app, world, active=True, title="Oude titel")
    url = agreements_url(world, f"/{number}")
    lezer = reader(app, world, "lezer")
    assert "Oude titel" in page(lezer, url)

    editor = reader(app, world, "programmamanager")
    form = page(editor, agreements_url(world, f"/{number}/edit"))
    data = {
        **agreement_form(world, title="Nieuwe titel"),
        "version": input_value(form, "version"),
        "change_note": "Titel aangepast.",
    }
    assert post(editor, agreements_url(world, f"/{number}/edit"), data).status_code == 302

    after = page(lezer, url)
    assert "Nieuwe titel" in after and "Oude titel" not in after
    assert "Nieuwe titel" in page(lezer, agreements_url(world))


def test_a_comment_in_a_conversation_is_shown_to_another_member(app, world):
    with app.test_request_context():
        table = make_table(world)
        conversation = start(world, table)
        conversation_url = f"/p/{world.slug}/tables/{table.id}/conversations/{conversation.id}"
        db.session.remove()
    teamlid = reader(app, world, "teamlid")
    page(teamlid, conversation_url)

    partner = reader(app, world, "partner")
    body = "Wie neemt de regie bij drie aanbieders?"
    assert post(partner, f"{conversation_url}/comments", {"body": body}).status_code == 302

    assert body in page(teamlid, conversation_url)
    with app.app_context():
        assert db.session.get(Conversation, conversation.id).comment_count == 1
        db.session.remove()


def test_each_user_gets_their_own_page_for_the_same_url(app, world):
    url = agreements_url(world)
    for_lezer = page(reader(app, world, "lezer"), url)
    for_manager = page(reader(app, world, "programmamanager"), url)

    assert signed_in_as(for_lezer) == world.users["lezer"].name
    assert signed_in_as(for_manager) == world.users["programmamanager"].name
    new_link = agreements_url(world, "/new")
    assert new_link in for_manager and new_link not in for_lezer


def test_a_removed_member_is_refused_on_the_next_get(app, world):
    url = agreements_url(world)
    lezer = reader(app, world, "lezer")
    page(lezer, url)

    beheerder = reader(app, world, "beheerder")
    membership_id = world.memberships["lezer"].id
    response = post(beheerder, f"/p/{world.slug}/admin/members/{membership_id}/deactivate")
    assert response.status_code == 302

    refused = lezer.get(url)  # deactivation ends the member's sessions
    assert refused.status_code == 302 and "/login" in refused.location


def test_a_deactivated_user_is_refused_on_the_next_get(app, world):
    url = agreements_url(world)
    lezer = reader(app, world, "lezer")
    page(lezer, url)

    result = app.test_cli_runner().invoke(args=["users", "deactivate", world.users["lezer"].email])
    assert result.exit_code == 0, result.output

    refused = lezer.get(url)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]


def test_switching_language_gives_the_page_in_the_other_language(app, world):
    url = agreements_url(world)
    lezer = reader(app, world, "lezer")
    assert '<html lang="nl"' in page(lezer, url)

    assert post(lezer, "/language", {"language": "en", "next": url}).status_code == 302

    english = page(lezer, url)
    assert '<html lang="en"' in english
    assert message(app, "Agreements", "en") in english
    assert message(app, "New agreement", "en") not in english  # a lezer: no button


def test_a_flashed_message_is_shown_once(app, world):
    with app.app_context():
        notification = Notification(
            user_id=world.users["lezer"].id, partnership_id=world.partnership.id, kind="comment",
            object_type="agreement", object_id=None, url=agreements_url(world),
            params={"actor": "Iemand", "title": "Een werkafspraak"}, read_at=utcnow(),
        )  # fmt: skip
        db.session.add(notification)
        db.session.commit()
        ident = notification.id
        db.session.remove()
    lezer = reader(app, world, "lezer")
    page(lezer, "/notifications")

    response = post(lezer, f"/notifications/{ident}/read")
    assert response.status_code == 302

    flashed = page(lezer, response.headers["Location"])
    assert message(app, "Marked as read.") in alert_text(flashed)
    again = page(lezer, "/notifications")
    assert message(app, "Marked as read.") not in again


def test_an_htmx_request_gets_the_list_and_a_full_request_the_page(app, world):
    make_in(app, world, active=True, title="Wachttijden delen")
    url = agreements_url(world, "/?kind=werkbaar")
    lezer = reader(app, world, "lezer")

    partial = page(lezer, url, headers=HTMX)
    full = page(lezer, url)

    assert "<html" not in partial and "<html" in full
    assert "Wachttijden delen" in partial and "Wachttijden delen" in full
