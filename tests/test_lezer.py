"""A lezer reads and never writes, whatever else they are: chair of a table, member of every
table, owner of actions. The policy gives the role the last word, the chair list does not
offer readers and the service refuses them; every POST route of a partnership refuses a
reader who is chair and member of everything, and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.errors import ServiceError
from app.extensions import db
from app.partnerships.models import Membership, Partnership
from app.policy import PERMISSIONS, TABLE_MANAGE, TABLE_READ, role_may, table_access
from tests.conftest import csrf_token, post
from tests.walk import (
    DEMO,
    arguments,
    clients_by_role,
    committed_writes,
    crawl,
    demo_with_world,
    endpoint_of,
    path_of,
)

# Routes under /p/ that change only the person's own things, not the partnership's.
PERSONAL = {"activity.follow"}


def test_the_role_has_the_last_word_in_the_policy():
    reader = Membership(role="lezer", user_id=7, active=True)

    assert table_access(reader, chair_id=7, is_member=True) == TABLE_READ
    assert table_access(Membership(role="teamlid", user_id=7), 7, True) == TABLE_MANAGE
    for permission, roles in PERMISSIONS.items():
        expected = permission.endswith(".view") and "lezer" in roles
        assert role_may("lezer", permission) == expected, permission
    # A permission added later without thinking of readers still leaves them out.
    PERMISSIONS["test.write"] = frozenset({"lezer"})
    try:
        assert not role_may("lezer", "test.write")
    finally:
        del PERMISSIONS["test.write"]


def test_the_chair_list_does_not_offer_readers(app, world, login_as):
    client = login_as(world, "programmamanager")

    page = client.get(f"/p/{world.slug}/tables/new").get_data(as_text=True)

    chair = page[
        page.index('name="chair_id"') : page.index("</select>", page.index('name="chair_id"'))
    ]
    assert f'value="{world.users["teamlid"].id}"' in chair
    assert f'value="{world.users["lezer"].id}"' not in chair


def test_a_reader_made_chair_by_a_post_is_refused_and_nothing_stored(app, world, login_as):
    from app.tables.models import ThematicTable
    from tests.conftest import count_rows

    client = login_as(world, "programmamanager")
    response = post(
        client,
        f"/p/{world.slug}/tables/new",
        {"name": "Tafel", "chair_id": world.users["lezer"].id},
    )

    assert response.status_code in (400, 422)
    assert count_rows(app, ThematicTable) == 0


def test_the_service_refuses_a_reader_as_chair_in_dutch(app, world, ctx):
    from app.tables import services

    with pytest.raises(ServiceError) as refused:
        services.create_table(
            world.partnership.id,
            {"name": "Tafel", "chair_id": world.users["lezer"].id},
            world.users["programmamanager"].id,
        )

    assert refused.value.field == "chair_id"
    assert refused.value.message == "Een lezer kan geen tafel voorzitten. Kies iemand anders."


def _make_reader_everything(app, world) -> None:
    """The world's lezer (in the demo partnership) chairs every table, is a member of each,
    and owns every action and measure."""
    from app.reviews.models import Action
    from app.tables.models import TableMember, ThematicTable

    reader = world.users["lezer"].id
    with app.app_context():
        demo = db.session.execute(select(Partnership).where(Partnership.slug == DEMO)).scalar_one()
        tables = db.session.execute(
            select(ThematicTable).where(ThematicTable.partnership_id == demo.id)
        ).scalars()
        for table in tables:
            table.chair_id = reader
            db.session.add(TableMember(table_id=table.id, user_id=reader))
        db.session.execute(
            update(Action).where(Action.partnership_id == demo.id).values(owner_id=reader)
        )
        db.session.commit()


def test_a_reader_who_is_chair_and_member_of_everything_writes_nothing(
    app, world, client, login_as
):
    demo_with_world(app, world)
    _make_reader_everything(app, world)
    clients = clients_by_role(app, world, client, login_as, ["beheerder", "lezer"])
    _visited, forms = crawl(clients["beheerder"], [f"/p/{DEMO}/"], 400)
    client = clients["lezer"]
    token = csrf_token(client)

    tried: dict[str, list[tuple[str, int]]] = {}
    for form in forms:
        endpoint = endpoint_of(app, form.action)
        if endpoint is None or not form.action.startswith(f"/p/{DEMO}/") or endpoint in PERSONAL:
            continue
        body = {name: values[0] if values else "Tekst" for name, values in form.fields.items()}
        body["csrf_token"] = token
        before = committed_writes(app)
        response = client.post(form.action, data=body)
        tried.setdefault(endpoint, []).append((form.action, response.status_code))
        assert response.status_code in (403, 404), (form.action, response.status_code)
        assert committed_writes(app) == before, form.action

    # POST routes no page showed the beheerder (another role's buttons): the reader sends
    # them with the ids of the demo's objects.
    real = {}
    for form in forms:
        for name, value in _values(app, form.action).items():
            real.setdefault(name, value)
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or not rule.rule.startswith("/p/<slug>/"):
            continue
        if rule.endpoint in tried or rule.endpoint in PERSONAL:
            continue
        values = {name: real.get(name, 1) for _conv, name in arguments(rule)}
        values["slug"] = DEMO
        path = path_of(rule, values)
        before = committed_writes(app)
        response = client.post(path, data={"csrf_token": token})
        tried.setdefault(rule.endpoint, []).append((path, response.status_code))
        assert response.status_code in (403, 404), (path, response.status_code)
        assert committed_writes(app) == before, path

    partnership_posts = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if "POST" in r.methods and r.rule.startswith("/p/<slug>/")
    }
    assert set(tried) == partnership_posts - PERSONAL
    # The chair's own buttons were among them (the crawl found them as the beheerder).
    assert {"tables.close", "tables.new_meeting", "tables.members"} <= set(tried)


def _values(app, path: str) -> dict:
    adapter = app.url_map.bind("localhost")
    try:
        return adapter.match(path, method="POST")[1]
    except Exception:  # noqa: BLE001 (not a route)
        return {}
