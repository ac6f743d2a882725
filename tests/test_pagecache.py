"""The cache of rendered pages (app/pagecache.py): what is served from it, what makes a
kept page stale, whose page it is, and what is never kept.

Whether a response came from the cache is seen in the SQL it ran: a kept page costs one
statement, the read of ``data_version``; rendering a page costs more."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import make_response, render_template
from sqlalchemy import event, select, text

from app import create_app, pagecache
from app.activity.models import Notification
from app.agreements.models import Agreement
from app.auth.models import User
from app.extensions import db
from app.pagecache import PageCache
from app.policy import authenticated
from app.tables.models import Conversation
from app.timeutil import utcnow
from tests.agreements.helpers import form as agreement_form
from tests.agreements.helpers import make_in
from tests.conftest import alert_text, input_value, login, message, post
from tests.tables.helpers import make_table, start

HTMX = {"HX-Request": "true"}


# --- seeing where a response came from -------------------------------------------------


@dataclass
class Visit:
    response: object
    statements: list[str]

    @property
    def cached(self) -> bool:
        """Served from the cache: nothing ran but the check of the server-side session
        (an ended session never gets a kept page) and the read of the version."""
        rest = [s for s in self.statements if not s.startswith("SELECT user_session.")]
        return len(rest) == 1 and "data_version" in rest[0] and len(self.statements) <= 2

    @property
    def reads_version(self) -> bool:
        return any("data_version" in s for s in self.statements)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def body(self) -> bytes:
        return self.response.get_data()

    @property
    def text(self) -> str:
        return self.response.get_data(as_text=True)


def engine_of(flask_app):
    with flask_app.app_context():
        return db.engine


def get(engine, client, url: str, **kwargs) -> Visit:
    """GET url with the client, recording the SQL statements run meanwhile."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(url, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return Visit(response, seen)


@pytest.fixture
def visit(app):
    """visit(client, url, **kwargs) -> Visit, on the test app."""
    engine = engine_of(app)
    return lambda client, url, **kwargs: get(engine, client, url, **kwargs)


@pytest.fixture
def cache(app) -> PageCache:
    return app.extensions["page_cache"]


def signed_in(flask_app, email: str):
    """A new client logged in as email, with a first page behind it (which put the CSRF
    token in the session, so the session no longer changes when a page is rendered)."""
    client = flask_app.test_client()
    assert login(client, email).status_code == 302
    assert client.get("/toegankelijkheid").status_code == 200
    return client


def reader(app, world, role: str):
    return signed_in(app, world.users[role].email)


def version(app) -> int:
    with app.app_context():
        value = pagecache.current_version()
        db.session.remove()
    return value


def kept(visit, client, url: str, **kwargs) -> Visit:
    """GET url twice: the second time it is served from the cache, the same bytes."""
    first = visit(client, url, **kwargs)
    assert first.status == 200, first.text[:500]
    assert not first.cached
    second = visit(client, url, **kwargs)
    assert second.cached, second.statements
    assert second.body == first.body
    assert sorted(second.response.headers.items()) == sorted(first.response.headers.items())
    assert second.response.mimetype == "text/html"
    return second


def signed_in_as(page: str) -> str:
    """The name in the header's account link."""
    match = re.search(r'<span class="ss-visually-hidden"> \((.*?)\)</span>', page)
    assert match, "no account link on the page"
    return match.group(1)


def agreements_url(world, path: str = "/") -> str:
    return f"/p/{world.slug}/agreements{path}"


def add_notification(app, world, role: str, *, read: bool = False) -> int:
    with app.app_context():
        notification = Notification(
            user_id=world.users[role].id, partnership_id=world.partnership.id, kind="comment",
            object_type="agreement", object_id=None, url=agreements_url(world),
            params={"actor": "Iemand", "title": "Een werkafspraak"},
            read_at=utcnow() if read else None,
        )  # fmt: skip
        db.session.add(notification)
        db.session.commit()
        ident = notification.id
        db.session.remove()
    return ident


# --- 1. a second GET is served from the cache -------------------------------------------


def test_a_second_get_is_served_from_the_cache_byte_for_byte(app, world, visit):
    number = make_in(app, world, active=True, title="Wachttijden delen")
    client = reader(app, world, "lezer")

    for url in (agreements_url(world), agreements_url(world, f"/{number}")):
        again = kept(visit, client, url)
        assert "Wachttijden delen" in again.text
        assert again.response.headers["Cache-Control"] == "no-store"
        assert again.response.headers["Content-Security-Policy"]


def test_another_url_is_another_page(app, world, visit):
    make_in(app, world, active=True)
    client = reader(app, world, "lezer")
    kept(visit, client, agreements_url(world))

    for other in ("/?page=2", "/?kind=hard", "/?q=sturing", "/?kind=werkbaar"):
        response = visit(client, agreements_url(world, other))
        assert response.status == 200
        assert not response.cached, other
    assert visit(client, agreements_url(world, "/?kind=hard")).cached


# --- 2. another user's write through a form makes the kept page stale ------------------


def test_an_edited_agreement_is_shown_after_another_user_edits_it(app, world, visit):
    number = make_in(app, world, active=True, title="Oude titel")
    url = agreements_url(world, f"/{number}")
    lezer = reader(app, world, "lezer")
    assert "Oude titel" in kept(visit, lezer, url).text

    editor = reader(app, world, "programmamanager")
    page = editor.get(agreements_url(world, f"/{number}/edit")).get_data(as_text=True)
    data = {
        **agreement_form(world, title="Nieuwe titel"),
        "version": input_value(page, "version"),
        "change_note": "Titel aangepast.",
    }
    assert post(editor, agreements_url(world, f"/{number}/edit"), data).status_code == 302

    after = visit(lezer, url)
    assert not after.cached
    assert "Nieuwe titel" in after.text and "Oude titel" not in after.text
    assert "Nieuwe titel" in visit(lezer, agreements_url(world)).text


def test_a_comment_in_a_conversation_is_shown_to_another_member(app, world, visit, cache):
    with app.test_request_context():
        table = make_table(world)
        conversation = start(world, table)
        table_url = f"/p/{world.slug}/tables/{table.id}"
        conversation_url = f"{table_url}/conversations/{conversation.id}"
        db.session.remove()
    teamlid = reader(app, world, "teamlid")
    kept(visit, teamlid, conversation_url)
    kept(visit, teamlid, table_url)

    partner = reader(app, world, "partner")
    body = "Wie neemt de regie bij drie aanbieders?"
    assert post(partner, f"{conversation_url}/comments", {"body": body}).status_code == 302

    on_table = visit(teamlid, table_url)
    assert not on_table.cached
    size = len(cache)
    seen = visit(teamlid, conversation_url)
    assert not seen.cached and body in seen.text
    # Showing it marked the conversation read (a write): that page is not kept.
    assert len(cache) == size
    with app.app_context():
        assert db.session.get(Conversation, conversation.id).comment_count == 1
        db.session.remove()


# --- 3. which writes raise the version --------------------------------------------------


def test_marking_all_notifications_read_with_a_core_update_raises_the_version(app, world, visit):
    add_notification(app, world, "teamlid")
    add_notification(app, world, "teamlid")
    teamlid = reader(app, world, "teamlid")
    lezer = reader(app, world, "lezer")
    kept(visit, lezer, agreements_url(world))
    before = version(app)

    response = post(teamlid, "/notifications/read-all")

    assert response.status_code == 302
    assert version(app) == before + 1
    assert not visit(lezer, agreements_url(world)).cached
    with app.app_context():
        unread = db.session.execute(
            select(Notification).where(Notification.read_at.is_(None))
        ).all()
        assert unread == []
        db.session.remove()


def test_a_textual_update_raises_the_version(app, world, visit):
    lezer = reader(app, world, "lezer")
    assert world.users["lezer"].name in kept(visit, lezer, agreements_url(world)).text
    before = version(app)

    with app.app_context():
        db.session.execute(
            text('UPDATE "user" SET name = :name WHERE id = :id'),
            {"name": "Lezer Hernoemd", "id": world.users["lezer"].id},
        )
        db.session.commit()
        db.session.remove()

    assert version(app) == before + 1
    after = visit(lezer, agreements_url(world))
    assert not after.cached and "Lezer Hernoemd" in after.text


def test_a_rolled_back_transaction_does_not_raise_the_version(app, world):
    before = version(app)

    with app.app_context():
        user = db.session.get(User, world.users["lezer"].id)
        user.name = "Teruggedraaid"
        db.session.flush()
        db.session.execute(text('UPDATE "user" SET name = :name'), {"name": "Ook terug"})
        db.session.rollback()
        db.session.commit()  # nothing left to commit
        assert db.session.get(User, world.users["lezer"].id).name == world.users["lezer"].name
        db.session.remove()

    assert version(app) == before


def test_a_pure_read_does_not_raise_the_version(app, world, visit):
    lezer = reader(app, world, "lezer")
    before = version(app)

    with app.app_context():
        user = db.session.get(User, world.users["lezer"].id)
        user.name = user.name  # the same value: not a change
        db.session.execute(select(Agreement)).all()
        db.session.execute(text("SELECT COUNT(*) FROM agreement")).scalar_one()
        db.session.commit()
        db.session.remove()
    visit(lezer, agreements_url(world))

    assert version(app) == before


def test_a_read_only_commit_after_an_indexed_write_does_not_raise_the_version(app, world):
    """Under pytest the version hook runs before the search index's hook (conftest imports
    app.pagecache first): the index's own flush marks the session changed again after the
    version was raised, and that mark must not outlive the commit."""
    number = make_in(app, world, active=True, title="Oude titel")

    with app.app_context():
        agreement = db.session.execute(
            select(Agreement).where(Agreement.number == number)
        ).scalar_one()
        before = pagecache.current_version()
        agreement.title = "Nieuwe titel"
        db.session.commit()
        assert pagecache.current_version() == before + 1
        db.session.execute(select(Agreement)).all()
        db.session.commit()  # a read only
        assert pagecache.current_version() == before + 1
        db.session.remove()


def test_a_savepoint_rolled_back_keeps_the_writes_before_it_counted(app, world):
    before = version(app)

    with app.app_context():
        user = db.session.get(User, world.users["lezer"].id)
        user.name = "Voor het savepoint"
        db.session.flush()
        savepoint = db.session.begin_nested()
        db.session.execute(text('UPDATE "user" SET name = :name'), {"name": "Terug"})
        savepoint.rollback()
        db.session.commit()
        db.session.remove()

    assert version(app) == before + 1


def test_failed_logins_do_not_make_kept_pages_stale(app, world, client, visit):
    """Anyone may post wrong passwords; that bookkeeping must not empty every cache."""
    lezer = reader(app, world, "lezer")
    url = agreements_url(world)
    kept(visit, lezer, url)
    before = version(app)

    for _ in range(7):  # also past the limit, when attempts are refused
        assert login(client, world.users["teamlid"].email, "fout").status_code in (200, 422, 429)

    assert version(app) == before
    assert visit(lezer, url).cached


def test_the_version_is_raised_by_the_last_hook_before_a_commit(app):
    """After the search index's hook, which writes; whatever the order of imports."""
    from sqlalchemy.orm import Session

    from app.search import services as search_services

    hooks = list(Session().dispatch.before_commit)
    assert hooks[-1] is pagecache._raise_version
    assert hooks.index(search_services._apply) < len(hooks) - 1


def test_static_files_do_not_read_the_version(app, world, visit):
    lezer = reader(app, world, "lezer")
    response = visit(lezer, "/static/js/app.js")
    assert response.status == 200
    assert not response.reads_version


def test_a_session_signed_in_by_the_remember_cookie_uses_the_cache(app, world, visit):
    lezer = app.test_client()
    response = login(lezer, world.users["lezer"].email, remember="y")
    assert response.status_code == 302 and lezer.get_cookie("remember_token") is not None
    lezer.delete_cookie("session")
    url = agreements_url(world)

    first = visit(lezer, url)  # signed in again from the cookie; the session is new
    assert first.status == 200 and world.users["lezer"].name in first.text
    visit(lezer, url)  # the CSRF token is now in the session
    third = visit(lezer, url)
    assert third.cached and world.users["lezer"].name in third.text


# --- 4. whose page it is ----------------------------------------------------------------


def test_each_user_gets_their_own_page_for_the_same_url(app, world, visit):
    url = agreements_url(world)
    lezer = reader(app, world, "lezer")
    manager = reader(app, world, "programmamanager")

    for_lezer = kept(visit, lezer, url).text
    for_manager = kept(visit, manager, url).text
    for_lezer_again = visit(lezer, url)

    assert for_lezer_again.cached and for_lezer_again.text == for_lezer
    assert signed_in_as(for_lezer) == world.users["lezer"].name
    assert signed_in_as(for_manager) == world.users["programmamanager"].name
    new_link = agreements_url(world, "/new")
    assert new_link in for_manager and new_link not in for_lezer


def test_a_removed_member_is_refused_on_the_next_get(app, world, visit):
    url = agreements_url(world)
    lezer = reader(app, world, "lezer")
    kept(visit, lezer, url)

    beheerder = reader(app, world, "beheerder")
    membership_id = world.memberships["lezer"].id
    response = post(beheerder, f"/p/{world.slug}/admin/members/{membership_id}/deactivate")
    assert response.status_code == 302

    # Deactivation ends the member's sessions: refused at once, the kept page unseen.
    refused = visit(lezer, url)
    assert refused.status == 302 and "/login" in refused.response.location


def test_a_deactivated_user_is_refused_on_the_next_get(app, world, visit):
    url = agreements_url(world)
    lezer = reader(app, world, "lezer")
    kept(visit, lezer, url)

    result = app.test_cli_runner().invoke(args=["users", "deactivate", world.users["lezer"].email])
    assert result.exit_code == 0, result.output

    refused = visit(lezer, url)
    assert refused.status == 302
    assert "/login" in refused.response.headers["Location"]


# --- 5. language ---------------------------------------------------------------------------


def test_switching_language_gives_the_page_in_the_other_language(app, world, visit):
    url = agreements_url(world)
    lezer = reader(app, world, "lezer")
    assert '<html lang="nl"' in kept(visit, lezer, url).text

    response = post(lezer, "/language", {"language": "en", "next": url})
    assert response.status_code == 302

    english = visit(lezer, url)
    assert not english.cached
    assert '<html lang="en"' in english.text
    assert message(app, "New agreement", "en") not in english.text  # a lezer: no button
    assert message(app, "Agreements", "en") in english.text
    english_again = visit(lezer, url)
    assert english_again.cached and english_again.body == english.body


# --- 6. flashed messages ------------------------------------------------------------------


def test_a_flashed_message_is_shown_and_not_kept_in_place_of_the_page(app, world, visit):
    notification = add_notification(app, world, "lezer", read=True)
    lezer = reader(app, world, "lezer")
    plain = kept(visit, lezer, "/notifications")
    before = version(app)

    # Marking a read notification read again writes nothing, but flashes a message.
    response = post(lezer, f"/notifications/{notification}/read")
    assert response.status_code == 302
    assert version(app) == before

    flashed = visit(lezer, response.headers["Location"])
    assert not flashed.cached
    assert message(app, "Marked as read.") in alert_text(flashed.text)

    again = visit(lezer, "/notifications")
    assert again.cached
    assert again.body == plain.body
    assert message(app, "Marked as read.") not in again.text


# --- 7. htmx partials -------------------------------------------------------------------------


def test_an_htmx_request_and_a_full_request_are_kept_apart(app, world, visit):
    make_in(app, world, active=True, title="Wachttijden delen")
    url = agreements_url(world, "/?kind=werkbaar")
    lezer = reader(app, world, "lezer")

    partial = kept(visit, lezer, url, headers=HTMX)
    full = kept(visit, lezer, url)
    partial_again = visit(lezer, url, headers=HTMX)

    assert partial_again.cached and partial_again.body == partial.body
    assert "<html" not in partial.text and "<html" in full.text
    assert "Wachttijden delen" in partial.text and "Wachttijden delen" in full.text


# --- 8. what is never kept -------------------------------------------------------------------


def never_kept(visit, cache, client, url: str, status: int, **kwargs) -> Visit:
    size = len(cache)
    for _ in range(2):
        response = visit(client, url, **kwargs)
        assert response.status == status, response.text[:300]
        assert not response.cached
    assert len(cache) == size
    return response


def test_not_found_and_forbidden_pages_are_not_kept(app, world, visit, cache):
    lezer = reader(app, world, "lezer")
    never_kept(visit, cache, lezer, agreements_url(world, "/999"), 404)
    never_kept(visit, cache, lezer, agreements_url(world, "/new"), 403)


def test_a_csv_export_is_not_kept(app, world, visit, cache):
    make_in(app, world, active=True)
    lezer = reader(app, world, "lezer")
    response = never_kept(visit, cache, lezer, agreements_url(world, "/export.csv"), 200)
    assert response.response.mimetype == "text/csv"


def test_anonymous_pages_are_not_kept(app, world, client, visit, cache):
    for url in ("/login", "/toegankelijkheid"):
        response = never_kept(visit, cache, client, url, 200)
        assert not response.reads_version

    # A session that still carries Flask-Login's identifier, but no user.
    lezer = reader(app, world, "lezer")
    with lezer.session_transaction() as session:
        del session["_user_id"]
        assert session["_id"]
    response = never_kept(visit, cache, lezer, "/notifications", 302)
    assert not response.reads_version


def test_public_pages_are_not_kept_for_a_signed_in_reader(app, world, visit, cache):
    lezer = reader(app, world, "lezer")
    page = never_kept(visit, cache, lezer, "/toegankelijkheid", 200)
    assert signed_in_as(page.text) == world.users["lezer"].name
    assert not page.reads_version
    assert not never_kept(visit, cache, lezer, "/healthz", 200).reads_version


def test_a_page_that_changed_the_session_is_not_kept(app, world, visit, cache):
    """Right after logging in the session has no CSRF token yet: the first page puts one
    in. That page must not be kept for the session without it (its forms would fail)."""
    url = agreements_url(world)
    lezer = app.test_client()
    assert login(lezer, world.users["lezer"].email).status_code == 302
    fresh = lezer.get_cookie("session").value
    size = len(cache)

    first = visit(lezer, url)
    assert first.status == 200 and first.reads_version
    assert len(cache) == size
    assert lezer.get_cookie("session").value != fresh

    lezer.set_cookie("session", fresh)
    again = visit(lezer, url)
    assert not again.cached
    assert input_value(again.text, "csrf_token") != input_value(first.text, "csrf_token")


def test_another_user_agent_with_the_same_session_is_not_served_the_kept_page(app, world, visit):
    url = agreements_url(world)
    lezer = reader(app, world, "lezer")
    kept(visit, lezer, url)

    other = visit(lezer, url, headers={"User-Agent": "Ander apparaat/1.0"})

    assert other.status == 200
    assert not other.cached


@pytest.fixture
def other_app(app):
    """other_app(**config) -> a second app on the test database (closed afterwards)."""
    made = []

    def make(**overrides):
        extra = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "MAIL_ECHO": False,
                "MAIL_HOST": "",
                "SAMENSPEL_BASE_URL": "http://samenspel.test",
                **overrides,
            }
        )
        made.append(extra)
        return extra

    yield make
    for extra in made:
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_response_that_sets_a_cookie_is_not_kept(app, world, other_app):
    extra = other_app()

    @extra.get("/test/plain")
    @authenticated
    def plain():
        return render_template("site/accessibility.html")

    @extra.get("/test/cookie")
    @authenticated
    def with_cookie():
        response = make_response(render_template("site/accessibility.html"))
        response.set_cookie("gezien", "ja")
        return response

    engine = engine_of(extra)
    cache = extra.extensions["page_cache"]
    client = signed_in(extra, world.users["lezer"].email)

    get(engine, client, "/test/plain")
    assert get(engine, client, "/test/plain").cached  # this app keeps pages
    size = len(cache)
    first = get(engine, client, "/test/cookie")
    second = get(engine, client, "/test/cookie")

    assert "gezien=ja" in first.response.headers["Set-Cookie"]
    assert not second.cached
    assert "gezien=ja" in second.response.headers["Set-Cookie"]
    assert len(cache) == size


# --- 9. PageCache itself -------------------------------------------------------------------


def test_the_least_recently_used_page_goes_first_when_the_bound_is_reached():
    cache = PageCache(max_bytes=400, seconds=60)
    for key in "abcd":
        cache.put((key,), key.encode() * 100, ())
    assert len(cache) == 4

    assert cache.get(("a",)).body == b"a" * 100  # a is used again: b is the oldest now
    cache.put(("e",), b"e" * 100, ())

    assert cache.get(("b",)) is None
    assert [cache.get((k,)).body[:1] for k in "acde"] == [b"a", b"c", b"d", b"e"]
    assert len(cache) == 4


def test_putting_a_key_again_replaces_its_page_and_its_size():
    cache = PageCache(max_bytes=400, seconds=60)
    cache.put(("a",), b"a" * 100, ())
    cache.put(("a",), b"A" * 100, (("Content-Type", "text/html"),))
    for key in "bcd":
        cache.put((key,), b"x" * 100, ())

    assert len(cache) == 4  # the replaced page no longer counts
    assert cache.get(("a",)).body == b"A" * 100
    assert cache.get(("a",)).headers == (("Content-Type", "text/html"),)


def test_a_page_larger_than_a_quarter_of_the_bound_is_not_kept():
    cache = PageCache(max_bytes=400, seconds=60)
    cache.put(("small",), b"s" * 100, ())
    cache.put(("large",), b"l" * 101, ())

    assert cache.get(("large",)) is None
    assert cache.get(("small",)) is not None
    assert len(cache) == 1


def test_a_page_expires_after_its_seconds(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(pagecache, "time", type("Clock", (), {"monotonic": lambda: now[0]}))
    cache = PageCache(max_bytes=400, seconds=60)
    cache.put(("a",), b"a", ())

    now[0] = 1059.0
    assert cache.get(("a",)) is not None
    now[0] = 1060.0
    assert cache.get(("a",)) is None
    assert len(cache) == 0


def test_with_zero_seconds_nothing_is_served():
    cache = PageCache(max_bytes=400, seconds=0)
    cache.put(("a",), b"a", ())
    assert cache.get(("a",)) is None


def test_clear_forgets_every_page():
    cache = PageCache(max_bytes=400, seconds=60)
    for key in "abc":
        cache.put((key,), b"x" * 100, ())
    cache.clear()

    assert len(cache) == 0
    assert cache.get(("a",)) is None
    for key in "abcd":  # the size was reset too: four fit again
        cache.put((key,), b"x" * 100, ())
    assert len(cache) == 4


def test_clear_of_the_module_clears_the_apps_cache(app, world, visit, cache):
    lezer = reader(app, world, "lezer")
    kept(visit, lezer, agreements_url(world))

    with app.app_context():
        pagecache.clear()

    assert len(cache) == 0
    assert not visit(lezer, agreements_url(world)).cached


def test_a_disabled_cache_serves_and_keeps_nothing(app, world, visit, cache):
    lezer = reader(app, world, "lezer")
    cache.enabled = False
    try:
        for _ in range(2):
            response = visit(lezer, agreements_url(world))
            assert response.status == 200 and not response.cached
            assert not response.reads_version
        assert len(cache) == 0
    finally:
        cache.enabled = True
    kept(visit, lezer, agreements_url(world))


# --- 10. the date is part of the key -------------------------------------------------------


def test_tomorrow_a_kept_page_of_today_is_not_served(app, world, visit, monkeypatch):
    url = agreements_url(world)
    lezer = reader(app, world, "lezer")
    kept(visit, lezer, url)

    class Tomorrow(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(days=1)

    monkeypatch.setattr(pagecache, "datetime", Tomorrow)
    assert not visit(lezer, url).cached
    assert visit(lezer, url).cached  # kept again, for tomorrow

    monkeypatch.undo()
    assert visit(lezer, url).cached  # today's page is still there for today


# --- 11. switched off ------------------------------------------------------------------------


def test_with_zero_megabytes_no_cache_is_installed_and_pages_work(app, world, other_app):
    number = make_in(app, world, active=True, title="Wachttijden delen")
    extra = other_app(SAMENSPEL_PAGE_CACHE_MB=0)
    assert "page_cache" not in extra.extensions

    engine = engine_of(extra)
    client = signed_in(extra, world.users["lezer"].email)
    for url in (agreements_url(world), agreements_url(world, f"/{number}")):
        for _ in range(2):
            response = get(engine, client, url)
            assert response.status == 200
            assert "Wachttijden delen" in response.text
            assert not response.cached and not response.reads_version
    with extra.app_context():
        pagecache.clear()  # harmless without a cache
