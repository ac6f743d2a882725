"""Conversation pages: starting one, comments and replies with and without htmx, bad
input, @mentions, editing one's own comment and its history, moderation, closing and
reopening, making an agreement of a conclusion, unread markers and paging."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.agreements.models import Agreement
from app.extensions import db
from app.tables.models import Comment, CommentRevision, Conversation, Mention, ThematicTable
from app.timeutil import utcnow
from tests.conftest import alert_text, change_row, count_rows, field_error, find, message, post
from tests.tables.helpers import (
    article,
    bulk_comments,
    close,
    flashed,
    html,
    in_context,
    logged_in,
    main_of,
    say,
    state,
    uid,
)
from tests.walk import committed_writes

HTMX = {"HX-Request": "true"}


def conversation_of(app, seated) -> Conversation:
    return find(app, Conversation, id=seated.conversation_id)


def comment_by(app, seated, role: str, body: str, parent_id=None) -> int:
    """A comment placed through the service; its id."""

    def do():
        conversation = db.session.get(Conversation, seated.conversation_id)
        return say(seated.world, conversation, role, body, parent_id).id

    return in_context(app, do)


def closed(app, seated, conclusion: str = "We werken met één regisseur per gezin.") -> None:
    in_context(
        app, lambda: close(seated.world, db.session.get(Conversation, seated.conversation_id),
                           conclusion=conclusion)
    )  # fmt: skip


def snapshot(app) -> dict:
    with app.app_context():
        result = state()
        db.session.remove()
    return result


def comments(app, seated) -> list[Comment]:
    with app.app_context():
        rows = list(
            db.session.execute(
                select(Comment)
                .where(Comment.conversation_id == seated.conversation_id)
                .order_by(Comment.id)
            ).scalars()
        )
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


# --- starting a conversation ------------------------------------------------------------------


def test_a_member_starts_a_conversation(app, seated, login_as):
    client = login_as(seated.world, "partner")
    assert client.get(seated.url("/conversations/new")).status_code == 200

    response = post(client, seated.url("/conversations/new"), {
        "title": "Ouders met een eigen hulpvraag", "introduction": "Waar houdt *jeugdhulp* op?",
    })  # fmt: skip

    conversation = find(app, Conversation, title="Ouders met een eigen hulpvraag")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(seated.url(f"/conversations/{conversation.id}"))
    assert conversation.author_id == uid(seated.world, "partner")
    page = main_of(client.get(response.headers["Location"]))
    assert "Ouders met een eigen hulpvraag" in page and "<em>jeugdhulp</em>" in page


def test_a_conversation_needs_a_title(app, seated, login_as):
    client = login_as(seated.world, "teamlid")
    response = post(client, seated.url("/conversations/new"), {"title": " ", "introduction": "x"})
    assert response.status_code == 422
    assert field_error(html(response), "title") == message(app, "Enter a title.")
    assert count_rows(app, Conversation) == 1


# --- comments and replies without JavaScript ----------------------------------------------------


def test_a_comment_is_placed_and_the_browser_goes_to_it(app, seated, login_as):
    client = login_as(seated.world, "teamlid")

    response = post(client, seated.comments_url(), {"body": "Wie houdt de **regie**?"})

    [comment] = comments(app, seated)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        seated.conversation_url(f"?page=last#comment-{comment.id}")
    )
    assert (comment.author_id, comment.body) == (
        uid(seated.world, "teamlid"),
        "Wie houdt de **regie**?",
    )
    page = main_of(client.get(response.headers["Location"]))
    assert "<strong>regie</strong>" in article(page, comment.id)
    assert conversation_of(app, seated).comment_count == 1


def test_a_reply_is_placed_under_its_comment(app, seated, login_as):
    first = comment_by(app, seated, "teamlid", "Wie houdt de regie?")
    comment_by(app, seated, "bestuurder", "Een ander punt.")
    client = login_as(seated.world, "partner")

    response = post(client, seated.comments_url(), {"body": "De aanbieder met de meeste uren.",
                                                    "parent_id": str(first)})  # fmt: skip

    reply = comments(app, seated)[-1]
    assert reply.parent_id == first
    assert response.headers["Location"].endswith(f"#comment-{reply.id}")
    page = main_of(client.get(seated.conversation_url()))
    replies = page[page.index(f'id="replies-{first}"') :]
    assert replies.index(f'id="comment-{reply.id}"') < replies.index("Een ander punt.")


@pytest.mark.parametrize("data", [{"body": ""}, {"body": "   "}, {}])
def test_an_empty_comment_is_refused_next_to_the_field(app, seated, login_as, data):
    client = login_as(seated.world, "teamlid")

    response = post(client, seated.comments_url(), data)

    assert response.status_code == 422
    assert field_error(html(response), "comment-body") == message(app, "Write a comment.")
    assert comments(app, seated) == []


def test_a_reply_to_a_reply_is_refused_with_a_message(app, seated, login_as):
    first = comment_by(app, seated, "teamlid", "Vraag.")
    reply = comment_by(app, seated, "partner", "Antwoord.", first)
    client = login_as(seated.world, "teamlid")
    client.get(seated.conversation_url())  # seeing the page marks it read; that may change
    before = snapshot(app)

    response = post(client, seated.comments_url(), {"body": "Antwoord op het antwoord.",
                                                    "parent_id": str(reply)})  # fmt: skip

    assert response.status_code == 422
    assert message(app, "You can only reply to a comment, not to a reply.") in alert_text(
        html(response)
    )
    # The text is not lost.
    assert "Antwoord op het antwoord." in html(response)
    assert snapshot(app) == before


@pytest.mark.parametrize("parent", ["other", "999999", "abc"])
def test_a_reply_to_a_comment_elsewhere_is_refused_with_a_message(app, seated, login_as, parent):
    def elsewhere():
        table = db.session.get(ThematicTable, seated.table_id)
        from tests.tables.helpers import start

        there = start(seated.world, table, title="Daar")
        return say(seated.world, there, "teamlid", "Elders.").id

    other = in_context(app, elsewhere)
    client = login_as(seated.world, "teamlid")
    client.get(seated.conversation_url())  # seeing the page marks it read; that may change
    before = snapshot(app)

    response = post(client, seated.comments_url(), {
        "body": "Antwoord.", "parent_id": str(other) if parent == "other" else parent,
    })  # fmt: skip

    assert response.status_code == 422
    assert message(app, "The comment you reply to does not exist in this conversation.") in (
        alert_text(html(response))
    )
    assert snapshot(app) == before


def test_each_top_level_comment_has_its_own_reply_form(app, seated, login_as):
    # The empty reply form is rendered once a page and given each comment's id.
    ids = [comment_by(app, seated, "teamlid", f"Vraag {n}.") for n in range(3)]
    client = login_as(seated.world, "partner")

    page = html(client.get(seated.conversation_url()))

    assert "{reply-to}" not in page
    for comment_id in ids:
        form = re.search(rf'<form[^>]*id="reply-form-{comment_id}".*?</form>', page, re.S)
        assert form, comment_id
        body = form.group(0)
        assert f'data-hx-target="#replies-{comment_id}"' in body
        assert f'name="parent_id" value="{comment_id}"' in body
        assert f'<label class="utrecht-form-label" for="reply-body-{comment_id}">' in body
        assert f'id="reply-body-{comment_id}"' in body
        assert f'aria-describedby="reply-body-{comment_id}-description"' in body
        assert 'name="csrf_token" value="' in body
    # And a reply through one of them lands under that comment.
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(seated.comments_url(), data={
        "csrf_token": token, "body": "Antwoord.", "parent_id": str(ids[1]),
    })  # fmt: skip
    assert response.status_code in (302, 303)
    page = html(client.get(seated.conversation_url()))
    replies = re.search(rf'id="replies-{ids[1]}">(.*?)</div>', page, re.S).group(1)
    assert "Antwoord." in replies


def test_a_failed_reply_is_shown_in_its_own_form(app, seated, login_as):
    first = comment_by(app, seated, "teamlid", "Vraag.")
    client = login_as(seated.world, "partner")

    response = post(client, seated.comments_url(), {"body": "", "parent_id": str(first)})

    assert response.status_code == 422
    page = html(response)
    assert field_error(page, f"reply-body-{first}") == message(app, "Write a comment.")
    assert field_error(page, "comment-body") == ""


def test_no_comment_in_a_closed_conversation(app, seated, login_as):
    first = comment_by(app, seated, "teamlid", "Vraag.")
    closed(app, seated)
    client = login_as(seated.world, "teamlid")
    client.get(seated.conversation_url())  # seeing the page marks it read; that may change
    before = snapshot(app)

    page = main_of(client.get(seated.conversation_url()))
    assert 'name="body"' not in page
    for data in ({"body": "Nog iets."}, {"body": "Nog iets.", "parent_id": str(first)}):
        response = post(client, seated.comments_url(), data)
        assert response.status_code == 422
        assert message(app, "This conversation is closed. Reopen it to comment.") in html(response)
    assert snapshot(app) == before


def test_script_in_markdown_is_made_harmless(app, seated, login_as):
    client = login_as(seated.world, "teamlid")
    body = ('<script>alert("xss")</script> **vet** <img src=x onerror="alert(1)"> '
            "[klik](javascript:alert(2)) <a href=\"https://example.org\" onclick=\"x()\">link</a>")  # fmt: skip

    post(client, seated.comments_url(), {"body": body})
    [comment] = comments(app, seated)
    page = html(client.get(seated.conversation_url()))

    assert comment.body == body  # stored as typed; cleaned when shown
    shown = article(page, comment.id)
    assert "<strong>vet</strong>" in shown
    assert "<script" not in shown and "onerror" not in shown and "onclick" not in shown
    assert "javascript:" not in shown
    assert 'href="https://example.org"' in shown
    assert 'alert("xss")' not in page


def test_script_in_a_title_or_introduction_is_made_harmless(app, seated, login_as):
    client = login_as(seated.world, "teamlid")
    post(client, seated.url("/conversations/new"), {
        "title": "<script>alert(1)</script>Titel", "introduction": "<script>alert(2)</script>*intro*",
    })  # fmt: skip
    conversation = find(app, Conversation, title="<script>alert(1)</script>Titel")

    page = main_of(client.get(seated.url(f"/conversations/{conversation.id}")))

    assert "&lt;script&gt;alert(1)&lt;/script&gt;Titel" in page
    assert "<script" not in page and "alert(2)" not in page
    assert "<em>intro</em>" in page


# --- @mentions ---------------------------------------------------------------------------------


def test_a_mention_at_the_end_of_a_sentence_notifies_the_member(app, seated, login_as):
    client = login_as(seated.world, "teamlid")

    response = post(client, seated.comments_url(), {"body": "Dit is iets voor @programmamanager."})

    assert response.status_code == 302
    [comment] = comments(app, seated)
    mention = find(app, Mention, comment_id=comment.id)
    assert mention.user_id == uid(seated.world, "programmamanager")
    assert count_rows(app, Mention) == 1


def test_a_mention_of_a_non_member_is_refused_and_nothing_is_saved(app, seated, login_as):
    comment_by(app, seated, "partner", "Eerste reactie.")
    client = login_as(seated.world, "teamlid")
    client.get(seated.conversation_url())  # seeing the page marks it read; that may change
    before = snapshot(app)

    response = post(client, seated.comments_url(), {"body": "Wat vindt @lezer hiervan?"})

    assert response.status_code == 422
    expected = message(app, "@%(name)s is not a member of this table. Mention members only.",
                       name="lezer")  # fmt: skip
    assert field_error(html(response), "comment-body") == expected
    assert "Wat vindt @lezer hiervan?" in html(response)
    assert snapshot(app) == before
    assert conversation_of(app, seated).comment_count == 1
    assert count_rows(app, Comment) == 1 and count_rows(app, Mention) == 0


# --- htmx ------------------------------------------------------------------------------------------


def test_with_htmx_the_comment_and_a_fresh_form_come_back(app, seated, login_as):
    client = login_as(seated.world, "teamlid")

    response = post(client, seated.comments_url(), {"body": "Met *htmx*."}, headers=HTMX)

    assert response.status_code == 200
    [comment] = comments(app, seated)
    page = html(response)
    assert "<html" not in page
    assert f'id="comment-{comment.id}"' in page and "<em>htmx</em>" in page
    form = re.search(r'<form[^>]*id="comment-form"[^>]*>', page).group(0)
    assert 'data-hx-swap-oob="true"' in form
    assert re.search(r'<textarea[^>]*id="comment-body"[^>]*></textarea>', page)


def test_with_htmx_a_reply_comes_back_with_a_fresh_reply_form(app, seated, login_as):
    first = comment_by(app, seated, "teamlid", "Vraag.")
    client = login_as(seated.world, "partner")

    response = post(client, seated.comments_url(), {"body": "Antwoord.", "parent_id": str(first)},
                    headers=HTMX)  # fmt: skip

    assert response.status_code == 200
    reply = comments(app, seated)[-1]
    page = html(response)
    assert f'id="comment-{reply.id}"' in page
    assert re.search(rf'<form[^>]*id="reply-form-{first}"[^>]*data-hx-swap-oob="true"', page)


@pytest.mark.parametrize(
    ("body", "msgid", "variables"),
    [
        ("", "Write a comment.", {}),
        ("Vraag aan @lezer", "@%(name)s is not a member of this table. Mention members only.",
         {"name": "lezer"}),
    ],
)  # fmt: skip
def test_with_htmx_a_failing_comment_returns_the_form_with_its_error(app, seated, login_as, body,
                                                                      msgid, variables):  # fmt: skip
    client = login_as(seated.world, "teamlid")

    response = post(client, seated.comments_url(), {"body": body}, headers=HTMX)

    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#comment-form"
    assert response.headers["HX-Reswap"] == "outerHTML"
    page = html(response)
    assert "<html" not in page
    assert field_error(page, "comment-body") == message(app, msgid, **variables)
    assert comments(app, seated) == []


def test_with_htmx_a_failing_reply_goes_back_into_its_own_form(app, seated, login_as):
    first = comment_by(app, seated, "teamlid", "Vraag.")
    client = login_as(seated.world, "partner")

    response = post(client, seated.comments_url(), {"body": " ", "parent_id": str(first)},
                    headers=HTMX)  # fmt: skip

    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == f"#reply-form-{first}"
    assert field_error(html(response), f"reply-body-{first}") == message(app, "Write a comment.")


def test_with_htmx_a_reply_to_a_reply_shows_the_message(app, seated, login_as):
    first = comment_by(app, seated, "teamlid", "Vraag.")
    reply = comment_by(app, seated, "partner", "Antwoord.", first)
    client = login_as(seated.world, "teamlid")

    response = post(client, seated.comments_url(), {"body": "En nu?", "parent_id": str(reply)},
                    headers=HTMX)  # fmt: skip

    assert response.status_code == 422
    # Replies have no reply form of their own: the error goes where the page has a form.
    assert response.headers["HX-Retarget"] == "#comment-form"
    assert message(app, "You can only reply to a comment, not to a reply.") in html(response)
    assert len(comments(app, seated)) == 2


# --- editing one's own comment ----------------------------------------------------------------------


def edit_url(seated, comment_id: int, what: str = "edit") -> str:
    return seated.conversation_url(f"/comments/{comment_id}/{what}")


def test_editing_within_the_window_keeps_the_history(app, seated, login_as):
    comment = comment_by(app, seated, "teamlid", "Eerste **versie**.")
    change_row(app, Comment, comment, created_at=utcnow() - timedelta(minutes=29))
    client = login_as(seated.world, "teamlid")
    assert edit_url(seated, comment) in html(client.get(seated.conversation_url()))
    assert "Eerste **versie**." in html(client.get(edit_url(seated, comment)))

    response = post(client, edit_url(seated, comment), {"body": "Tweede versie."})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#comment-{comment}")
    assert find(app, Comment, id=comment).body == "Tweede versie."
    assert find(app, CommentRevision, comment_id=comment).body == "Eerste **versie**."
    assert count_rows(app, CommentRevision) == 1
    page = main_of(client.get(seated.conversation_url()))
    assert edit_url(seated, comment, "history") in article(page, comment)
    history = main_of(client.get(edit_url(seated, comment, "history")))
    assert "Tweede versie." in history and "<strong>versie</strong>" in history
    assert history.index("Tweede versie.") < history.index("<strong>versie</strong>")
    # Other members read the history too.
    other = logged_in(app, seated.world.users["lezer"].email)
    assert "<strong>versie</strong>" in main_of(other.get(edit_url(seated, comment, "history")))


@pytest.mark.parametrize("minutes", [31, 60 * 24])
def test_editing_after_the_window_is_refused(app, seated, login_as, minutes):
    comment = comment_by(app, seated, "teamlid", "Eerste versie.")
    change_row(app, Comment, comment, created_at=utcnow() - timedelta(minutes=minutes))
    client = login_as(seated.world, "teamlid")

    assert edit_url(seated, comment) not in html(client.get(seated.conversation_url()))
    page = html(client.get(edit_url(seated, comment)))
    assert message(app, "The time to edit this comment has passed.") in page
    response = post(client, edit_url(seated, comment), {"body": "Te laat."})

    assert response.status_code == 422
    assert message(app, "A comment can be edited for %(n)s minutes after posting.", n=30) in (
        alert_text(html(response))
    )
    assert find(app, Comment, id=comment).body == "Eerste versie."
    assert count_rows(app, CommentRevision) == 0


@pytest.mark.parametrize("role", ["partner", "bestuurder", "programmamanager"])
def test_editing_someone_elses_comment_is_forbidden(app, seated, login_as, role):
    comment = comment_by(app, seated, "teamlid", "Mijn tekst.")
    client = login_as(seated.world, role)

    assert edit_url(seated, comment) not in html(client.get(seated.conversation_url()))
    assert client.get(edit_url(seated, comment)).status_code == 403
    assert post(client, edit_url(seated, comment), {"body": "Overschreven."}).status_code == 403
    assert find(app, Comment, id=comment).body == "Mijn tekst."


def test_an_empty_edit_is_refused(app, seated, login_as):
    comment = comment_by(app, seated, "teamlid", "Mijn tekst.")
    client = login_as(seated.world, "teamlid")

    response = post(client, edit_url(seated, comment), {"body": ""})

    assert response.status_code == 422
    assert field_error(html(response), "body") == message(app, "Write a comment.")
    assert find(app, Comment, id=comment).body == "Mijn tekst."


# --- moderation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("moderator", ["bestuurder", "programmamanager"])
def test_a_moderator_hides_a_comment_with_a_reason(app, seated, login_as, moderator):
    comment = comment_by(app, seated, "teamlid", "Jeugdige J. de Vries (BSN 123) woont op ...")
    client = login_as(seated.world, moderator)
    assert "BSN 123" in html(client.get(edit_url(seated, comment, "hide")))

    response = post(client, edit_url(seated, comment, "hide"), {"reason": "Persoonsgegevens"})

    assert response.status_code == 302
    stored = find(app, Comment, id=comment)
    assert stored.body == "Jeugdige J. de Vries (BSN 123) woont op ..."
    assert (stored.hidden_by_id, stored.hidden_reason) == (uid(seated.world, moderator),
                                                          "Persoonsgegevens")  # fmt: skip
    note = message(app, "Hidden by %(name)s: %(reason)s", name=seated.world.users[moderator].name,
                   reason="Persoonsgegevens")  # fmt: skip
    for role in ("teamlid", "partner", "lezer"):
        page = main_of(
            logged_in(app, seated.world.users[role].email).get(seated.conversation_url())
        )
        assert note in article(page, comment), role
        assert "BSN 123" not in page, role
    # Moderators can still read what was hidden.
    page = main_of(client.get(seated.conversation_url()))
    assert note in page and "BSN 123" in page
    assert message(app, "Show the hidden text (moderators)") in page


def test_hiding_needs_a_reason(app, seated, login_as):
    comment = comment_by(app, seated, "teamlid", "Tekst.")
    client = login_as(seated.world, "bestuurder")

    response = post(client, edit_url(seated, comment, "hide"), {"reason": " "})

    assert response.status_code == 422
    assert field_error(html(response), "reason")
    assert find(app, Comment, id=comment).hidden_at is None


@pytest.mark.parametrize("role", ["teamlid", "partner", "lezer"])
def test_only_moderators_hide_comments(app, seated, login_as, role):
    comment = comment_by(app, seated, "teamlid", "Tekst.")
    client = login_as(seated.world, role)

    assert edit_url(seated, comment, "hide") not in html(client.get(seated.conversation_url()))
    assert client.get(edit_url(seated, comment, "hide")).status_code == 403
    response = post(client, edit_url(seated, comment, "hide"), {"reason": "Weg ermee."})
    assert response.status_code == 403
    assert find(app, Comment, id=comment).hidden_at is None


def test_the_history_of_a_hidden_comment_is_for_moderators(app, seated, login_as):
    comment = comment_by(app, seated, "teamlid", "Tekst.")
    client = login_as(seated.world, "bestuurder")
    post(client, edit_url(seated, comment, "hide"), {"reason": "Ongepast"})

    assert client.get(edit_url(seated, comment, "history")).status_code == 200
    author = logged_in(app, seated.world.users["teamlid"].email)
    assert author.get(edit_url(seated, comment, "history")).status_code == 404
    assert author.get(edit_url(seated, comment)).status_code == 200
    assert post(author, edit_url(seated, comment), {"body": "Nieuw."}).status_code == 422
    assert find(app, Comment, id=comment).body == "Tekst."


# --- closing and reopening --------------------------------------------------------------------------


def test_closing_with_a_conclusion_and_reopening_with_a_reason(app, seated, login_as):
    client = login_as(seated.world, "bestuurder")
    chair = seated.world.users["bestuurder"].name
    # The chair's page of an open conversation has the form to close it, not to reopen it.
    page = main_of(client.get(seated.conversation_url()))
    assert seated.conversation_url("/close") in page and 'name="conclusion"' in page
    assert seated.conversation_url("/reopen") not in page and 'name="reason"' not in page

    response = post(client, seated.conversation_url("/close"),
                    {"conclusion": "Eén **regisseur** per gezin."})  # fmt: skip

    assert response.status_code == 302
    assert response.headers["Location"].endswith("#conclusion")
    page = main_of(client.get(seated.conversation_url()))
    assert "<strong>regisseur</strong>" in page
    assert seated.conversation_url("/reopen") in page and 'name="reason"' in page
    assert seated.conversation_url("/close") not in page and 'name="conclusion"' not in page
    assert message(app, "closed by %(name)s", name=chair) in page
    assert message(app, "closed") in page
    assert conversation_of(app, seated).status == "gesloten"

    response = post(client, seated.conversation_url("/reopen"), {"reason": "Nieuwe casus."})
    assert response.status_code == 302
    page = main_of(client.get(seated.conversation_url()))
    assert message(app, "closed by %(name)s", name=chair) in page
    assert (
        message(app, "reopened by %(name)s: %(reason)s", name=chair, reason="Nieuwe casus.") in page
    )
    assert 'name="body"' in page
    assert conversation_of(app, seated).status == "open"


def test_closing_needs_a_conclusion_and_reopening_a_reason(app, seated, login_as):
    client = login_as(seated.world, "programmamanager")

    response = post(client, seated.conversation_url("/close"), {"conclusion": ""})
    assert response.status_code == 422
    assert field_error(html(response), "conclusion") == message(app, "Write the conclusion.")
    assert conversation_of(app, seated).status == "open"

    post(client, seated.conversation_url("/close"), {"conclusion": "Klaar."})
    response = post(client, seated.conversation_url("/reopen"), {"reason": ""})
    assert response.status_code == 422
    assert field_error(html(response), "reason")
    assert conversation_of(app, seated).status == "gesloten"


@pytest.mark.parametrize("role", ["teamlid", "partner", "lezer"])
def test_only_moderators_close_and_reopen(app, seated, login_as, role):
    client = login_as(seated.world, role)
    page = html(client.get(seated.conversation_url()))
    assert seated.conversation_url("/close") not in page

    assert post(client, seated.conversation_url("/close"), {"conclusion": "X"}).status_code == 403
    assert conversation_of(app, seated).status == "open"
    closed(app, seated)
    assert post(client, seated.conversation_url("/reopen"), {"reason": "X"}).status_code == 403
    assert conversation_of(app, seated).status == "gesloten"


# --- a conclusion becomes an agreement ---------------------------------------------------------------


def test_a_conclusion_becomes_a_draft_agreement_in_one_step(app, seated, login_as):
    closed(app, seated, "Eén regisseur per gezin.")
    client = login_as(seated.world, "programmamanager")
    page = html(client.get(seated.conversation_url()))
    assert seated.conversation_url("/agreement") in page

    response = post(client, seated.conversation_url("/agreement"))

    agreement = find(app, Agreement, partnership_id=seated.world.partnership.id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/p/{seated.world.slug}/agreements/{agreement.number}"
    )
    assert (agreement.origin_type, agreement.origin_id) == ("conversation", seated.conversation_id)
    assert agreement.origin_label == "Gezinsgericht werken: Wie houdt de regie?"
    assert agreement.status == "concept"
    assert "Gezinsgericht werken: Wie houdt de regie?" in main_of(
        client.get(response.headers["Location"])
    )
    assert conversation_of(app, seated).agreement_id == agreement.id

    page = main_of(client.get(seated.conversation_url()))
    assert message(app, "This conclusion became agreement") in page
    assert seated.conversation_url("/agreement") not in page
    table_page = main_of(client.get(seated.url()))
    outcomes = table_page[table_page.index(message(app, "What came of it")) :]
    assert f"WA-{agreement.number}" in outcomes
    assert f"/agreements/{agreement.number}" in outcomes

    # Only once.
    response = post(client, seated.conversation_url("/agreement"))
    assert message(app, "An agreement has already been made from this conclusion.") in flashed(
        client, response
    )
    assert count_rows(app, Agreement) == 1


def test_an_open_conversation_makes_no_agreement(app, seated, login_as):
    client = login_as(seated.world, "programmamanager")
    response = post(client, seated.conversation_url("/agreement"))
    assert message(
        app, "Only a closed conversation with a conclusion can become an agreement."
    ) in flashed(client, response)
    assert count_rows(app, Agreement) == 0


@pytest.mark.parametrize("role", ["teamlid", "bestuurder", "partner", "lezer"])
def test_making_an_agreement_needs_agreement_edit(app, seated, login_as, role):
    closed(app, seated)
    client = login_as(seated.world, role)

    assert seated.conversation_url("/agreement") not in html(client.get(seated.conversation_url()))
    assert post(client, seated.conversation_url("/agreement")).status_code == 403
    assert count_rows(app, Agreement) == 0


# --- unread markers ----------------------------------------------------------------------------------


def test_new_comments_are_marked_until_the_member_opens_the_conversation(app, seated, login_as):
    new_comments = message(app, "new comments")
    client = login_as(seated.world, "partner")
    assert new_comments not in main_of(client.get(seated.url()))

    comment = comment_by(app, seated, "teamlid", "Iets nieuws.")
    assert new_comments in main_of(client.get(seated.url()))
    listing = main_of(client.get(f"/p/{seated.world.slug}/tables/"))
    assert message(app, "%(n)s with new comments", n=1) in listing

    badge = f">{message(app, 'new')}</span>"
    page = main_of(client.get(seated.conversation_url()))
    assert badge in article(page, comment)
    assert new_comments not in main_of(client.get(seated.url()))
    assert message(app, "%(n)s with new comments", n=1) not in main_of(
        client.get(f"/p/{seated.world.slug}/tables/")
    )
    # Seen once: no longer marked new.
    page = main_of(client.get(seated.conversation_url()))
    assert badge not in article(page, comment)

    # One's own comments are not news.
    post(client, seated.comments_url(), {"body": "Mijn eigen reactie."})
    assert new_comments not in main_of(client.get(seated.url()))
    teamlid = logged_in(app, seated.world.users["teamlid"].email)
    assert new_comments in main_of(teamlid.get(seated.url()))


# --- paging --------------------------------------------------------------------------------------


def long_conversation(app, seated, count: int = 120) -> list[int]:
    with app.app_context():
        bulk_comments(seated.conversation_id,
                      [uid(seated.world, "teamlid"), uid(seated.world, "partner")], count)  # fmt: skip
        db.session.remove()
    return [c.id for c in comments(app, seated)]


def shown(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article[^>]*id="comment-(\d+)"', page)]


def test_a_long_conversation_shows_fifty_comments_and_a_load_more_link(app, seated, login_as):
    ids = long_conversation(app, seated)
    client = login_as(seated.world, "lezer")

    page = html(client.get(seated.conversation_url()))

    assert shown(page) == ids[:50]
    link = re.search(r'<p[^>]*class="[^"]*ss-load-more[^"]*"[^>]*>\s*<a([^>]*)>', page).group(1)
    href = unescape(re.search(r'href="([^"]*)"', link).group(1))
    hx_get = unescape(re.search(r'data-hx-get="([^"]*)"', link).group(1))
    assert "page=2" in href and "more" not in href
    assert "page=2" in hx_get and "more=1" in hx_get

    # Without JavaScript the link opens page 2 as a full page.
    second = html(client.get(href.split("#")[0]))
    assert "<html" in second and shown(second) == ids[50:100]

    more = client.get(hx_get, headers=HTMX)
    assert more.status_code == 200
    fragment = html(more)
    assert "<html" not in fragment and "<main" not in fragment
    assert shown(fragment) == ids[50:100]
    assert "page=3" in fragment and "page=4" not in fragment

    last = html(client.get(seated.conversation_url("?page=3&more=1"), headers=HTMX))
    assert shown(last) == ids[100:]
    assert "ss-load-more" not in last


def test_after_posting_in_a_long_conversation_the_browser_goes_to_the_last_page(app, seated,
                                                                                 login_as):  # fmt: skip
    ids = long_conversation(app, seated)
    client = login_as(seated.world, "teamlid")

    response = post(client, seated.comments_url(), {"body": "Nummer 121."})
    new = comments(app, seated)[-1].id
    assert response.headers["Location"].endswith(f"?page=last#comment-{new}")
    last_page = html(client.get(response.headers["Location"].split("#")[0]))
    assert shown(last_page) == [*ids[100:], new]  # the third page, with the new comment
    assert shown(html(client.get(seated.conversation_url("?page=3")))) == shown(last_page)

    response = post(client, seated.comments_url(), {"body": "Antwoord op 60.",
                                                    "parent_id": str(ids[59])})  # fmt: skip
    reply = comments(app, seated)[-1].id
    assert response.headers["Location"].endswith(f"?page=2#comment-{reply}")


def test_page_last_shows_the_last_page_and_other_words_the_first(app, seated, login_as):
    client = login_as(seated.world, "lezer")
    assert shown(html(client.get(seated.conversation_url("?page=last")))) == []  # no comments

    ids = long_conversation(app, seated)

    assert shown(html(client.get(seated.conversation_url("?page=last")))) == ids[100:]
    assert shown(html(client.get(seated.conversation_url("?page=laatste")))) == ids[:50]


def test_a_failed_reply_on_a_later_page_is_shown_on_that_page(app, seated, login_as):
    ids = long_conversation(app, seated)
    client = login_as(seated.world, "partner")

    response = post(client, seated.comments_url(), {"body": "", "parent_id": str(ids[75])})

    assert response.status_code == 422
    page = html(response)
    assert ids[75] in shown(page)
    assert field_error(page, f"reply-body-{ids[75]}") == message(app, "Write a comment.")


def test_a_refused_comment_writes_nothing_not_even_read(app, seated, login_as):
    def conversation():
        return db.session.get(Conversation, seated.conversation_id)

    in_context(app, lambda: say(seated.world, conversation(), "partner", "Nieuw voor jou."))
    client = login_as(seated.world, "teamlid")
    before = committed_writes(app)

    response = post(client, seated.comments_url(), {"body": ""})

    assert response.status_code == 422
    assert committed_writes(app) == before
    # Opening the conversation does mark it read.
    client.get(seated.conversation_url())
    assert committed_writes(app) > before
