"""Table pages: the list, creating and editing a table, finishing it, managing members;
who sees which table and who may write where; other partnerships' ids and anonymous
visitors; @mention suggestions."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.tables.models import Conversation, TableMember, ThematicTable
from tests.conftest import count_rows, field_error, find, input_value, message, post
from tests.tables.helpers import (
    flashed,
    html,
    in_context,
    logged_in,
    main_of,
    make_table,
    say,
    start,
    uid,
    url,
)


def table_named(app, world, name: str) -> ThematicTable:
    return find(app, ThematicTable, partnership_id=world.partnership.id, name=name)


def other_table(app, world, name: str = "18-/18+", **kw) -> int:
    """A second table, chaired by the programmamanager, with nobody else unless given."""

    def make():
        kw.setdefault("members", ())
        return make_table(world, name=name, chair="programmamanager", **kw).id

    return in_context(app, make)


def members_of(app, table_id: int) -> set[int]:
    from sqlalchemy import select

    with app.app_context():
        result = set(
            db.session.execute(
                select(TableMember.user_id).where(TableMember.table_id == table_id)
            ).scalars()
        )
        db.session.remove()
    return result


# --- the list and a new table ----------------------------------------------------------------


def test_a_manager_creates_a_table_with_a_chair(app, world, login_as):
    client = login_as(world, "beheerder")
    assert client.get(url(world, "/new")).status_code == 200

    response = post(client, url(world, "/new"), {
        "name": "18-/18+", "theme": "De overgang *naar* volwassenheid.",
        "goal": "Geen gat bij 18 jaar.", "chair_id": str(uid(world, "teamlid")),
    })  # fmt: skip

    table = table_named(app, world, "18-/18+")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(world, f"/{table.id}"))
    assert table.chair_id == uid(world, "teamlid")
    assert members_of(app, table.id) == {uid(world, "teamlid"), uid(world, "beheerder")}
    page = main_of(client.get(url(world, f"/{table.id}")))
    assert "<em>naar</em>" in page
    assert world.users["teamlid"].name in page
    listing = main_of(client.get(url(world, "/")))
    assert "18-/18+" in listing and world.users["teamlid"].name in listing


def test_a_new_table_needs_a_name(app, world, login_as):
    client = login_as(world, "programmamanager")

    response = post(client, url(world, "/new"), {"name": "", "chair_id": ""})

    assert response.status_code == 422
    assert field_error(html(response), "name") == message(app, "Enter a name.")
    assert count_rows(app, ThematicTable) == 0


def test_a_chair_from_another_partnership_is_refused(app, make_partnership, login_as):
    world, other = make_partnership("eemland"), make_partnership("brabant")
    client = login_as(world, "programmamanager")

    response = post(client, url(world, "/new"), {
        "name": "18-/18+", "chair_id": str(other.users["programmamanager"].id),
    })  # fmt: skip

    assert response.status_code == 422
    assert field_error(html(response), "chair_id")
    assert count_rows(app, ThematicTable) == 0


@pytest.mark.parametrize("role", ["bestuurder", "teamlid", "partner", "lezer"])
def test_only_managers_create_tables(app, world, login_as, role):
    client = login_as(world, role)
    assert client.get(url(world, "/new")).status_code == 403
    assert post(client, url(world, "/new"), {"name": "Stiekem"}).status_code == 403
    assert count_rows(app, ThematicTable) == 0
    assert url(world, "/new") not in html(client.get(url(world, "/")))


# --- editing and finishing --------------------------------------------------------------------


def edit_form(client, seated, **over) -> dict:
    page = html(client.get(seated.url("/edit")))
    data = {
        "name": input_value(page, "name"),
        "theme": "Eén gezin, één plan.",
        "goal": "Beleid aanscherpen.",
        "chair_id": str(uid(seated.world, "bestuurder")),
        "status": "actief",
        "version": input_value(page, "version"),
    }
    data.update(over)
    return data


@pytest.mark.parametrize("role", ["bestuurder", "programmamanager", "beheerder"])
def test_the_chair_and_managers_edit_the_table(app, seated, login_as, role):
    client = login_as(seated.world, role)

    response = post(client, seated.url("/edit"), edit_form(client, seated, name="Gezin centraal"))

    assert response.status_code == 302
    assert find(app, ThematicTable, id=seated.table_id).name == "Gezin centraal"


@pytest.mark.parametrize("role", ["teamlid", "partner", "lezer"])
def test_others_may_not_edit_the_table_or_its_members(app, seated, login_as, role):
    client = login_as(seated.world, role)
    partner = uid(seated.world, "partner")

    for path in ("/edit", "/members"):
        assert client.get(seated.url(path)).status_code == 403
        assert post(client, seated.url(path), {"name": "X", "user_id": "1"}).status_code == 403
    assert post(client, seated.url(f"/members/{partner}/remove")).status_code == 403
    assert partner in members_of(app, seated.table_id)
    assert find(app, ThematicTable, id=seated.table_id).name == "Gezinsgericht werken"
    assert seated.url("/edit") not in html(client.get(seated.url()))


def test_a_stale_edit_form_gets_a_conflict(app, seated, login_as):
    client = login_as(seated.world, "programmamanager")
    stale = edit_form(client, seated, name="Eerste wijziging")
    assert post(client, seated.url("/edit"), dict(stale)).status_code == 302

    response = post(client, seated.url("/edit"), {**stale, "name": "Tweede wijziging"})

    assert response.status_code == 409
    assert find(app, ThematicTable, id=seated.table_id).name == "Eerste wijziging"


def test_a_finished_table_offers_and_takes_no_new_conversation(app, seated, login_as):
    client = login_as(seated.world, "bestuurder")
    assert seated.url("/conversations/new") in html(client.get(seated.url()))

    response = post(client, seated.url("/edit"), edit_form(client, seated, status="afgerond"))
    assert response.status_code == 302

    page = main_of(client.get(seated.url()))
    assert seated.url("/conversations/new") not in page
    assert message(app, "finished") in page
    response = post(client, seated.url("/conversations/new"), {"title": "Nog een gesprek"})
    assert response.status_code == 422
    assert message(app, "This table has finished; no new conversations.") in html(response)
    assert count_rows(app, Conversation) == 1


# --- members -------------------------------------------------------------------------------------


def test_the_chair_adds_and_removes_members(app, seated, login_as):
    client = login_as(seated.world, "bestuurder")
    lezer = uid(seated.world, "lezer")
    page = html(client.get(seated.url("/members")))
    assert f'value="{lezer}"' in page
    assert f'value="{uid(seated.world, "teamlid")}"' not in page  # already a member

    response = post(client, seated.url("/members"), {"user_id": str(lezer)})
    assert response.status_code == 302
    assert lezer in members_of(app, seated.table_id)
    assert seated.world.users["lezer"].name in main_of(client.get(seated.url("/members")))

    response = post(client, seated.url(f"/members/{lezer}/remove"))
    assert message(app, "The member has been removed from the table.") in flashed(client, response)
    assert lezer not in members_of(app, seated.table_id)


def test_adding_someone_outside_the_partnership_or_twice_is_refused(
    app, make_partnership, login_as
):
    world, other = make_partnership("eemland"), make_partnership("brabant")
    table_id = in_context(app, lambda: make_table(world).id)
    client = login_as(world, "programmamanager")
    before = members_of(app, table_id)

    for user_id in (other.users["teamlid"].id, uid(world, "teamlid"), ""):
        response = post(client, url(world, f"/{table_id}/members"), {"user_id": str(user_id)})
        assert response.status_code == 422
        assert field_error(html(response), "user_id")
    assert members_of(app, table_id) == before


def test_the_chair_cannot_be_removed(app, seated, login_as):
    client = login_as(seated.world, "programmamanager")
    chair = uid(seated.world, "bestuurder")

    response = post(client, seated.url(f"/members/{chair}/remove"))

    assert message(app, "The chair stays a member. Choose another chair first.") in flashed(
        client, response
    )
    assert chair in members_of(app, seated.table_id)


# --- who sees which table --------------------------------------------------------------------------


def test_a_partner_sees_only_the_tables_they_sit_at(app, seated, login_as):
    other = other_table(app, seated.world)
    conversation = in_context(
        app, lambda: start(seated.world, db.session.get(ThematicTable, other),
                           role="programmamanager", title="Geheim").id
    )  # fmt: skip
    client = login_as(seated.world, "partner")

    listing = main_of(client.get(url(seated.world, "/")))
    assert "Gezinsgericht werken" in listing
    assert "18-/18+" not in listing
    assert client.get(seated.url()).status_code == 200
    for path in ("", "/edit", "/members", f"/conversations/{conversation}", "/conversations/new",
                 "/mentions"):  # fmt: skip
        assert client.get(url(seated.world, f"/{other}{path}")).status_code == 404, path
    response = post(client, url(seated.world, f"/{other}/conversations/{conversation}/comments"),
                    {"body": "Hallo?"})  # fmt: skip
    assert response.status_code == 404


def test_a_lezer_reads_every_table_but_writes_nothing(app, seated, login_as):
    other = other_table(app, seated.world)
    client = login_as(seated.world, "lezer")

    listing = main_of(client.get(url(seated.world, "/")))
    assert "Gezinsgericht werken" in listing and "18-/18+" in listing
    assert client.get(url(seated.world, f"/{other}")).status_code == 200
    page = main_of(client.get(seated.conversation_url()))
    assert 'name="body"' not in page
    assert message(app, "Only members of the table take part in its conversations.") in page
    assert seated.url("/conversations/new") not in main_of(client.get(seated.url()))

    assert post(client, seated.comments_url(), {"body": "Mag ik?"}).status_code == 403
    assert (
        post(client, seated.url("/conversations/new"), {"title": "Mijn gesprek"}).status_code == 403
    )
    assert client.get(seated.url("/mentions")).status_code == 403
    assert count_rows(app, Conversation) == 1


def test_a_lezer_who_sits_at_a_table_still_only_reads(app, seated, login_as):
    in_context(app, lambda: make_table(seated.world, name="Met lezer", members=("lezer",)))
    table = table_named(app, seated.world, "Met lezer")
    client = login_as(seated.world, "lezer")
    response = post(client, url(seated.world, f"/{table.id}/conversations/new"), {"title": "Nee"})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["teamlid", "bestuurder"])
def test_teamlid_and_bestuurder_read_every_table_and_write_where_they_sit(app, world, login_as,
                                                                          role):  # fmt: skip
    def setup():
        here = make_table(world, name="Aan tafel", chair="programmamanager", members=(role,))
        away = make_table(world, name="Niet aan tafel", chair="programmamanager", members=())
        return (here.id, start(world, here, role="programmamanager").id,
                away.id, start(world, away, role="programmamanager").id)  # fmt: skip

    here, here_talk, away, away_talk = in_context(app, setup)
    client = login_as(world, role)

    listing = main_of(client.get(url(world, "/")))
    assert "Aan tafel" in listing and "Niet aan tafel" in listing
    assert client.get(url(world, f"/{away}/conversations/{away_talk}")).status_code == 200

    response = post(client, url(world, f"/{here}/conversations/{here_talk}/comments"),
                    {"body": "Ik zit aan tafel."})  # fmt: skip
    assert response.status_code == 302
    response = post(client, url(world, f"/{away}/conversations/{away_talk}/comments"),
                    {"body": "Ik zit niet aan tafel."})  # fmt: skip
    assert response.status_code == 403
    response = post(client, url(world, f"/{away}/conversations/new"), {"title": "Nee"})
    assert response.status_code == 403
    response = post(client, url(world, f"/{here}/conversations/new"), {"title": "Ja"})
    assert response.status_code == 302
    assert count_rows(app, Conversation) == 3


# --- other partnerships and anonymous visitors -------------------------------------------------------


def test_ids_of_another_partnership_give_404(app, make_partnership, login_as):
    from datetime import datetime

    from tests.tables.helpers import plan

    world, other = make_partnership("eemland"), make_partnership("brabant")

    def setup(w):
        table = make_table(w)
        conversation = start(w, table)
        comment = say(w, conversation, "teamlid", "Tekst.")
        meeting = plan(w, table, datetime(2030, 12, 10, 14, 0))
        return table.id, conversation.id, comment.id, meeting.id

    mine = in_context(app, setup, world)
    theirs = in_context(app, setup, other)
    client = login_as(world, "beheerder")
    t, c, k, m = theirs
    own_t, own_c, _, _ = mine

    for path in (
        f"/{t}", f"/{t}/edit", f"/{t}/members", f"/{t}/conversations/{c}",
        f"/{t}/meetings/{m}", f"/{t}/meetings/{m}.ics", f"/{t}/meetings/{m}/edit",
        # Their conversation, comment or meeting under our own table.
        f"/{own_t}/conversations/{c}", f"/{own_t}/meetings/{m}",
        f"/{own_t}/conversations/{own_c}/comments/{k}/history",
        f"/{own_t}/conversations/{own_c}/comments/{k}/hide",
    ):  # fmt: skip
        assert client.get(url(world, path)).status_code == 404, path
    for path in (f"/{t}/conversations/{c}/comments", f"/{t}/conversations/{c}/close",
                 f"/{own_t}/conversations/{c}/comments", f"/{own_t}/conversations/{c}/agreement"):  # fmt: skip
        assert post(client, url(world, path), {"body": "X", "conclusion": "X"}).status_code == 404
    # Their slug: we are no member there.
    assert client.get(url(other, f"/{t}")).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(app, seated, client):
    for path in ("", "/edit", "/members", "/conversations/new"):
        response = client.get(seated.url(path))
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    response = client.get(seated.conversation_url())
    assert "/login" in response.headers["Location"]
    response = post(client, seated.comments_url(), {"body": "Anoniem"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- @mention suggestions --------------------------------------------------------------------------


def test_mention_suggestions_list_members_of_the_table(app, seated):
    client = logged_in(app, seated.world.users["teamlid"].email)

    response = client.get(seated.url("/mentions?q=Prog&target=comment-body"),
                          headers={"HX-Request": "true"})  # fmt: skip

    assert response.status_code == 200
    page = html(response)
    pid = seated.world.users["programmamanager"].id
    assert f'id="comment-body-option-{pid}"' in page and 'role="option"' in page
    assert ">Programmamanager testverband</li>" in page
    assert "Partner" not in page and "<html" not in page
    assert "Lezer" not in html(client.get(seated.url("/mentions?q=lez")))
