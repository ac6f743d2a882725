"""Mentions by name: suggestions of table members (htmx), the stored form with the member's
id, the current name on the page, plain @name without JavaScript, and who is told."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from app.activity.models import Notification
from app.auth.models import User
from app.extensions import db
from app.partnerships.models import Membership
from app.tables import services
from app.tables.models import Comment, Mention, TableMember, ThematicTable
from tests.conftest import post, sign_in
from tests.tables.helpers import (
    article,
    html,
    in_context,
    local_now,
    make_table,
    plan,
    say,
    start,
    uid,
)

YILMAZ, CELIK = "Mehmet Yilmaz", "Mehmet Çelik"


def rename(app, world, **names) -> None:
    """Give the people in these roles another name."""
    with app.app_context():
        for role, name in names.items():
            db.session.get(User, uid(world, role)).name = name
        db.session.commit()


@pytest.fixture
def named(app, seated):
    """The table's teamlid is Mehmet Yilmaz, its partner Mehmet Çelik."""
    rename(app, seated.world, teamlid=YILMAZ, partner=CELIK)
    return seated


def token(world, role: str, name: str) -> str:
    return f"@[{name}](user:{uid(world, role)})"


def stored(app) -> tuple[str, set[int]]:
    """The newest comment's text and the ids mentioned in it."""
    with app.app_context():
        comment = db.session.execute(select(Comment).order_by(Comment.id.desc())).scalars().first()
        ids = set(
            db.session.execute(
                select(Mention.user_id).where(Mention.comment_id == comment.id)
            ).scalars()
        )
        return comment.body, ids


def place(client, seated, body: str):
    response = post(client, seated.comments_url(), {"body": body})
    assert response.status_code == 302, html(response)[:500]
    return response


def suggest(client, seated, q: str, target: str = "comment-body"):
    return client.get(seated.url("/mentions"), query_string={"q": q, "target": target},
                      headers={"HX-Request": "true"})  # fmt: skip


def options(page: str) -> list[str]:
    return re.findall(r'role="option"[^>]*>([^<]*)</li>', page)


# --- suggestions -------------------------------------------------------------------------


def test_suggestions_match_by_name_without_case_or_accents(app, named, login_as):
    client = login_as(named.world, "programmamanager")

    response = suggest(client, named, "meh")

    assert response.status_code == 200
    page = html(response)
    assert options(page) == [CELIK, YILMAZ]
    assert f'id="comment-body-option-{uid(named.world, "teamlid")}"' in page
    assert f'data-mention-id="{uid(named.world, "partner")}"' in page
    assert 'aria-selected="false"' in page and "<html" not in page
    assert options(html(suggest(client, named, "celi"))) == [CELIK]  # Ç typed as c
    assert options(html(suggest(client, named, "@Mehmet Y"))) == [YILMAZ]
    assert options(html(suggest(client, named, "YILM"))) == [YILMAZ]  # a later word
    assert options(html(suggest(client, named, "partner"))) == [CELIK]  # the e-mail's name
    assert options(html(suggest(client, named, "xyz"))) == []


def test_suggestions_stop_at_eight(app, named, login_as):
    def seat_ten():
        rows = [{"email": f"mehmet{n}@testverband.test", "name": f"Mehmet {n:02}",
                 "password_hash": "", "session_token": f"mehmet-{n}"} for n in range(10)]  # fmt: skip
        db.session.execute(insert(User), rows)
        ids = db.session.execute(
            select(User.id).where(User.email.like("mehmet%@testverband.test"))
        ).scalars().all()  # fmt: skip
        db.session.execute(insert(Membership), [
            {"user_id": i, "partnership_id": named.world.partnership.id,
             "organisation_id": named.world.provider.id, "role": "teamlid"} for i in ids
        ])  # fmt: skip
        db.session.execute(insert(TableMember), [{"table_id": named.table_id, "user_id": i}
                                                 for i in ids])  # fmt: skip
        db.session.commit()

    in_context(app, seat_ten)
    client = login_as(named.world, "programmamanager")

    found = options(html(suggest(client, named, "Mehmet")))

    assert len(found) == 8
    assert found == sorted(found)


def test_suggestions_never_show_someone_of_another_partnership(app, named, make_partnership,
                                                               login_as):  # fmt: skip
    other = make_partnership("elders")
    rename(app, other, teamlid="Mehmet Elders")
    # Even seated at this table by a fault in the data, they are not a member here.
    in_context(app, lambda: (db.session.execute(insert(TableMember), [
        {"table_id": named.table_id, "user_id": uid(other, "teamlid")}]), db.session.commit()))  # fmt: skip
    client = login_as(named.world, "programmamanager")

    page = html(suggest(client, named, "Mehmet"))

    assert options(page) == [CELIK, YILMAZ]
    assert "Elders" not in page


def test_suggestions_refuse_visitors_and_outsiders(app, named, make_partnership, client):
    response = client.get(named.url("/mentions?q=meh"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    other = make_partnership("elders")
    from_elsewhere = app.test_client()
    sign_in(from_elsewhere, other.users["programmamanager"])
    assert from_elsewhere.get(named.url("/mentions?q=meh")).status_code == 404


@pytest.mark.parametrize(
    "q",
    ["a" * 5000, "<script>alert(1)</script>", "%00\x00", "@@@", "🙂 meh", "meh\nmet", "''\"",
     "(user:1)", "Ａ", "1234", ""],
)  # fmt: skip
def test_odd_input_gives_a_list_and_never_an_error(app, named, login_as, q):
    client = login_as(named.world, "programmamanager")

    response = suggest(client, named, q, target='x" onmouseover="alert(1)')

    assert response.status_code == 200
    page = html(response)
    assert "<script" not in page and "onmouseover" not in page
    assert options(page) in ([], [CELIK, YILMAZ])


# --- storing and showing -------------------------------------------------------------------


def test_a_chosen_mention_is_stored_with_the_id_and_shown_with_the_current_name(
    app, named, login_as
):
    client = login_as(named.world, "programmamanager")

    place(client, named, f"Kun jij dit oppakken, {token(named.world, 'teamlid', 'Oude naam')}?")

    body, ids = stored(app)
    # The stored text holds the id; the name in it is brought up to date.
    assert body == f"Kun jij dit oppakken, {token(named.world, 'teamlid', YILMAZ)}?"
    assert ids == {uid(named.world, "teamlid")}
    assert "@Mehmet Yilmaz?" in html(client.get(named.conversation_url()))
    rename(app, named.world, teamlid="Mehmet Yılmaz-de Vries")
    page = html(client.get(named.conversation_url()))
    assert "@Mehmet Yılmaz-de Vries?" in page and "(user:" not in page


def test_a_name_with_markup_is_shown_as_text(app, named, login_as):
    rename(app, named.world, teamlid='<img src=x onerror="alert(1)">*Mehmet*')
    client = login_as(named.world, "programmamanager")
    place(client, named, f"Zie {token(named.world, 'teamlid', 'Mehmet')}.")

    page = html(client.get(named.conversation_url()))

    assert "<img src=x" not in page and "<em>Mehmet</em>" not in page
    assert "@&lt;img src=x onerror=&#34;alert(1)&#34;&gt;*Mehmet*." in page


def test_a_mention_of_someone_who_left_shows_the_written_name_as_text(app, named, login_as):
    client = login_as(named.world, "programmamanager")
    place(client, named, f"Vraag aan {token(named.world, 'teamlid', 'Mehmet')}.")

    def leave():
        db.session.get(Membership, named.world.memberships["teamlid"].id).active = False
        db.session.commit()

    in_context(app, leave)
    rename(app, named.world, teamlid="Nieuwe naam")
    page = html(client.get(named.conversation_url()))

    # The name as it was when the comment was saved.
    assert "Vraag aan @Mehmet Yilmaz." in page and "@Nieuwe naam" not in page


def test_a_hand_made_mention_of_someone_elsewhere_is_ignored(app, named, make_partnership,
                                                            login_as):  # fmt: skip
    other = make_partnership("elders")
    rename(app, other, teamlid="Geheime Naam")
    client = login_as(named.world, "programmamanager")
    written = f"Hallo {token(other, 'teamlid', 'Iemand')}."

    place(client, named, written)

    body, ids = stored(app)
    assert body == written and ids == set()
    with app.app_context():
        told = (
            db.session.execute(
                select(Notification).where(Notification.user_id == uid(other, "teamlid"))
            )
            .scalars()
            .all()
        )
    assert told == []
    page = html(client.get(named.conversation_url()))
    assert "Hallo @Iemand." in page and "Geheime Naam" not in page


# --- plain @name without JavaScript ----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "role"),
    [
        ("@Mehmet Yilmaz kun jij dit oppakken?", "teamlid"),
        ("@mehmet celik, wat vind jij?", "partner"),  # no case, no accents
        ("Vraag aan @teamlid.", "teamlid"),  # the e-mail's name, as before
        ("Vraag aan @Bestuurder.", "bestuurder"),  # a unique first name
    ],
)
def test_a_plain_name_that_fits_one_member_becomes_their_mention(app, named, login_as, written,
                                                                  role):  # fmt: skip
    client = login_as(named.world, "programmamanager")

    place(client, named, written)

    body, ids = stored(app)
    assert ids == {uid(named.world, role)}
    assert f"(user:{uid(named.world, role)})" in body
    name = {"teamlid": YILMAZ, "partner": CELIK, "bestuurder": "Bestuurder testverband"}[role]
    assert f"@{name}" in html(client.get(named.conversation_url()))


@pytest.mark.parametrize("written", ["@Mehmet, wat vinden jullie?", "Groet aan @niemand hier."])
def test_an_ambiguous_or_unknown_plain_name_stays_text(app, named, login_as, written):
    client = login_as(named.world, "programmamanager")

    place(client, named, written)

    assert stored(app) == (written, set())
    with app.app_context():
        assert db.session.execute(select(Notification).filter_by(kind="mention")).first() is None


# --- who is told -----------------------------------------------------------------------------


def test_the_mentioned_member_is_told_and_nobody_else_by_a_mention(app, named, login_as):
    client = login_as(named.world, "programmamanager")

    place(client, named, f"{token(named.world, 'teamlid', YILMAZ)}, en @Mehmet?")

    with app.app_context():
        told = db.session.execute(select(Notification).filter_by(kind="mention")).scalars().all()
        assert [n.user_id for n in told] == [uid(named.world, "teamlid")]
        comment_id = db.session.execute(select(Comment.id)).scalars().one()
    assert told[0].url.endswith(f"/comments/{comment_id}")


def test_editing_keeps_the_mention_and_tells_a_newly_mentioned_member(ctx, world):
    conversation = start(world, make_table(world))
    comment = say(world, conversation, "programmamanager", "Vraag aan @teamlid.")

    body = comment.body + " En @partner."
    services.edit_comment(comment, uid(world, "programmamanager"), body)

    db.session.expire_all()
    edited = db.session.get(Comment, comment.id)
    assert edited.body == (f"Vraag aan @[Teamlid testverband](user:{uid(world, 'teamlid')}). "
                           f"En @[Partner testverband](user:{uid(world, 'partner')}).")  # fmt: skip
    mentioned = db.session.execute(select(Mention.user_id).order_by(Mention.id)).scalars().all()
    assert mentioned == [uid(world, "teamlid"), uid(world, "partner")]


def test_the_comment_page_shows_the_rendered_mention_in_its_article(app, named, login_as):
    client = login_as(named.world, "programmamanager")
    place(client, named, f"Dank {token(named.world, 'partner', CELIK)}!")
    with app.app_context():
        comment_id = db.session.execute(select(Comment.id)).scalars().one()

    part = article(html(client.get(named.conversation_url())), comment_id)

    assert "Dank @Mehmet Çelik!" in part


def test_search_finds_a_mention_by_name_and_never_shows_the_stored_form(app, named, login_as):
    client = login_as(named.world, "programmamanager")
    place(client, named, f"Overleg met {token(named.world, 'teamlid', YILMAZ)} over de wachtlijst")

    page = html(client.get(f"/p/{named.world.slug}/search/", query_string={"q": "Yilmaz"}))

    assert "wachtlijst" in page
    text = re.sub(r"<[^>]+>", "", page)  # the hit is highlighted with <mark>
    assert "Overleg met @Mehmet Yilmaz over de wachtlijst" in text
    assert "(user:" not in page


def test_the_dashboard_names_who_mentioned_you_where_and_your_tables_news(app, named, login_as):
    client = login_as(named.world, "programmamanager")
    place(client, named, f"Wat vind jij, {token(named.world, 'partner', CELIK)}?")
    with app.test_request_context():
        comment_id = db.session.execute(select(Comment.id)).scalars().one()
        table = db.session.get(ThematicTable, named.table_id)
        plan(named.world, table, local_now() + timedelta(days=3), title="Ronde drie")
        table_name = table.name
        db.session.remove()

    page = html(login_as(named.world, "partner").get(f"/p/{named.world.slug}/"))

    link = named.conversation_url(f"#comment-{comment_id}")
    assert f'href="{link}">Programmamanager testverband in “' in page
    assert page.count(f"({table_name})") == 2  # the unread conversation and the meeting
    assert "Ronde drie" in page
