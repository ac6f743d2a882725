"""Comments are kept as HTML between requests (app/tables/routes.py, kept_comment): what
each reader sees stays their own, and a kept comment never outlives a change to it."""

from __future__ import annotations

import re
from datetime import timedelta

from app.auth.models import User
from app.tables import routes
from app.tables.models import Comment
from app.timeutil import utcnow
from tests.conftest import change_row, message, post
from tests.tables.helpers import html, logged_in, main_of, text_of, uid
from tests.tables.test_conversations import comment_by, edit_url

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BADGE = "utrecht-status-badge--warning"
NEW = re.compile(rf'<span class="utrecht-status-badge {BADGE}">[^<]*</span>')


def whole_article(page: str, comment_id: int) -> str:
    """One top-level comment's article, with its replies and reply form."""
    start = page.index(f'id="comment-{comment_id}"')
    return page[start : page.index("</article>", page.rindex('class="ss-reply"', start))]


def reader(app, seated, role: str):
    return logged_in(app, seated.world.users[role].email)


def test_each_reader_sees_their_own_links_badges_and_reply_form(app, seated):
    first = comment_by(app, seated, "teamlid", "Wie houdt de **regie**?")
    reply = comment_by(app, seated, "partner", "Het wijkteam.", parent_id=first)
    teamlid, partner = reader(app, seated, "teamlid"), reader(app, seated, "partner")
    manager = reader(app, seated, "programmamanager")

    before = main_of(teamlid.get(seated.conversation_url()))
    assert any(key[0] == first for key in routes._articles)  # kept
    again = main_of(teamlid.get(seated.conversation_url()))  # the kept article, read again
    # The partner's reply was new at the first visit; apart from that the same page.
    assert before.count(BADGE) == 1 and again.count(BADGE) == 0
    assert TOKEN.sub("", NEW.sub("", before)) == TOKEN.sub("", again)
    for page, client in (
        (again, teamlid),
        (main_of(partner.get(seated.conversation_url())), partner),
    ):
        tokens = set(TOKEN.findall(page))
        assert len(tokens) == 1  # the reply forms carry this session's token, as the page does
        assert post(client, seated.comments_url(),
                    {"body": "Eens.", "parent_id": str(first), "csrf_token": tokens.pop()},
                    ).status_code == 302  # fmt: skip

    mine = whole_article(again, first)
    assert edit_url(seated, first) in mine and edit_url(seated, reply) not in mine
    assert edit_url(seated, first, "hide") not in mine
    theirs = whole_article(main_of(partner.get(seated.conversation_url())), first)
    assert edit_url(seated, first) not in theirs and edit_url(seated, reply) in theirs
    managed = whole_article(main_of(manager.get(seated.conversation_url())), first)
    assert edit_url(seated, first, "hide") in managed and edit_url(seated, first) not in managed
    assert managed.count(BADGE) == 4  # all new to the manager

    # The edit link goes when the window closes, though the comment itself did not change.
    change_row(app, Comment, first, created_at=utcnow() - timedelta(minutes=31))
    assert edit_url(seated, first) not in whole_article(
        main_of(teamlid.get(seated.conversation_url())), first
    )


def test_a_kept_comment_shows_edits_hiding_and_new_names(app, seated):
    mentioned = uid(seated.world, "partner")
    first = comment_by(app, seated, "teamlid", f"Vraag aan @[Partner](user:{mentioned}).")
    client = reader(app, seated, "programmamanager")
    url = seated.conversation_url()
    author = seated.world.users["teamlid"].name
    partner = seated.world.users["partner"].name
    assert f"@{partner}" in whole_article(main_of(client.get(url)), first)

    change_row(app, User, mentioned, name="Fatima El Amrani")
    assert "@Fatima El Amrani" in whole_article(main_of(client.get(url)), first)
    change_row(app, User, uid(seated.world, "teamlid"), name="Mehmet Yılmaz-de Vries")
    page = whole_article(main_of(client.get(url)), first)
    assert "Mehmet Yılmaz-de Vries" in page and author not in page
    change_row(app, Comment, first, body="Een **nieuwe** vraag.", edited_at=utcnow())
    page = whole_article(main_of(client.get(url)), first)
    assert "<strong>nieuwe</strong>" in page and "Fatima" not in page
    response = post(client, edit_url(seated, first, "hide"), {"reason": "Persoonsgegevens."})
    assert response.status_code == 302
    page = whole_article(main_of(client.get(url)), first)
    assert "Persoonsgegevens." in page and edit_url(seated, first, "hide") not in page
    member = reader(app, seated, "teamlid")  # not a moderator: the hidden text is not there
    assert "<strong>nieuwe</strong>" not in main_of(member.get(url))


def test_a_kept_comment_is_shown_in_the_language_of_the_reader(app, seated):
    first = comment_by(app, seated, "teamlid", "Wie houdt de regie?")
    client = reader(app, seated, "partner")
    url = seated.conversation_url()
    dutch = whole_article(main_of(client.get(url)), first)

    assert post(client, "/language", {"language": "en", "next": url}).status_code == 302
    english = whole_article(main_of(client.get(url)), first)

    for text in ("Reply", "Documents"):
        assert message(app, text) in dutch and message(app, text) != text
        assert f">{text}<" in english


def test_the_marks_of_a_kept_comment_cannot_be_written_in_one(app, seated):
    body = "Voor <!--new--> midden <!--replies--> na <!--reply-form--> einde"
    first = comment_by(app, seated, "teamlid", body)
    client = reader(app, seated, "partner")

    for new in (1, 0):  # new at the first visit; the second from the kept article
        page = whole_article(main_of(client.get(seated.conversation_url())), first)
        assert "Voor midden na einde" in text_of(page)
        assert page.count("<details") == 1 and page.count(BADGE) == new
        assert "<!--" not in html(client.get(seated.conversation_url()))[len("<!doctype html>") :]
