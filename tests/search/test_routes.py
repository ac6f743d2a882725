"""The search page: as a full page and as an htmx partial, the search box in the header,
links to kinds and pages, bad input (400 with a clear message, nothing changed), who may
open it, and a number of SQL statements that does not grow with the data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, insert, select

from app.activity.models import AuditEvent
from app.agreements.models import ACTIVE, WORKABLE, Agreement
from app.extensions import db
from app.search import services
from app.tables.models import Comment
from app.timeutil import utcnow
from tests.conftest import alert_text, message, set_language
from tests.search.helpers import (
    documents,
    hit_links,
    html,
    in_context,
    logged_in,
    make_agreement,
    results_of,
    shown_counts,
    shown_groups,
    text_of,
    url,
)
from tests.tables.helpers import make_table, say, start


@pytest.fixture
def agreements(app, world) -> None:
    """Three agreements about wachttijden (one mentions <script> in its summary), one not."""

    def make():
        make_agreement(world, title="Afspraken over wachttijden")
        make_agreement(world, title="Wachttijd per aanbieder", summary="Zie <script>x</script>.")
        make_agreement(world, title="Wachttijden en doorlooptijden")
        make_agreement(world, title="Thuiszitters")

    in_context(app, make)


# --- the page ------------------------------------------------------------------------------


def test_the_page_shows_the_results_grouped_with_links(app, world, agreements, login_as):
    client = login_as(world, "lezer")

    response = client.get(url(world, "wachttijd"))

    assert response.status_code == 200
    page = html(response)
    assert page.startswith("<!doctype html>") and "<h1" in page
    assert 'value="wachttijd"' in page  # the query stays in the box
    results = results_of(page)
    total = message(app, "Found for “%(query)s”: %(total)s.", query="wachttijd", total=3)
    assert total in results
    assert shown_counts(results) == {"agreement": 3}
    assert shown_groups(results) == {"agreement": 3}
    assert sorted(hit_links(results)) == [f"/p/{world.slug}/agreements/{n}" for n in (1, 2, 3)]
    assert "<mark>wachttijden</mark>" in results and "<mark>Wachttijd</mark>" in results
    assert "&lt;script&gt;x&lt;/script&gt;" in results and "<script>x" not in page


def test_htmx_gets_only_the_results(app, world, agreements, login_as):
    client = login_as(world, "lezer")
    full = html(client.get(url(world, "wachttijd")))

    response = client.get(url(world, "wachttijd"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    partial = html(response)
    assert "<html" not in partial and "<h1" not in partial and "<form" not in partial
    assert "search-results" not in partial
    assert shown_counts(partial) == {"agreement": 3}
    assert hit_links(partial) == hit_links(results_of(full))
    assert text_of(partial) in text_of(full)


def test_the_page_without_a_query_shows_only_the_form(world, login_as):
    client = login_as(world, "lezer")
    response = client.get(url(world))
    assert response.status_code == 200
    page = html(response)
    assert 'id="search-q"' in page and 'role="alert"' not in page
    assert hit_links(page) == [] and shown_counts(page) == {}


def test_nothing_found_says_so(app, world, agreements, login_as):
    client = login_as(world, "lezer")
    page = html(client.get(url(world, "jeugdbescherming")))
    assert message(app, "Nothing found for “%(query)s”.", query="jeugdbescherming") in page
    assert hit_links(page) == []


def test_every_partnership_page_has_a_search_box(world, login_as):
    client = login_as(world, "teamlid")
    page = html(client.get(f"/p/{world.slug}/agreements/"))
    form = re.search(r'<form[^>]*ss-header-search[^>]*action="([^"]+)"', page)
    assert form and form.group(1) == f"/p/{world.slug}/search/"
    assert 'name="q"' in page


def test_the_page_is_in_english_for_who_chose_english(app, world, agreements, login_as):
    client = login_as(world, "lezer")
    set_language(client, "en")
    page = html(client.get(url(world, "wachttijd")))
    assert "Found for “wachttijd”: 3." in page
    assert shown_counts(page) == {"agreement": 3}


# --- kinds and pages -------------------------------------------------------------------------


def many(app, world, count: int) -> None:
    def make():
        for n in range(count):
            make_agreement(world, title=f"Wachttijden deel {n + 1}")

    in_context(app, make)


def test_a_group_with_more_hits_links_to_all_of_its_kind(app, world, login_as):
    many(app, world, 7)
    client = login_as(world, "lezer")

    page = html(client.get(url(world, "wachttijd")))

    assert len(hit_links(page)) == services.PER_KIND
    more = re.findall(r'href="([^"]*kind=agreement[^"]*)"', results_of(page))
    assert more  # the kind list and the "all 7" link
    response = client.get(more[-1].replace("&amp;", "&"))
    assert len(hit_links(html(response))) == 7


def test_the_links_to_a_kind_are_those_url_for_builds(app, world, login_as, agreements):
    from markupsafe import escape

    client = login_as(world, "lezer")
    query = "wachttijden &%<>"
    page = results_of(html(client.get(url(world, query))))
    links = set(re.findall(r'href="([^"]*kind=[^"]*)"', page))
    with app.test_request_context():
        from flask import url_for

        expected = {
            str(escape(url_for("search.index", slug=world.slug, q=query, kind=kind)))
            for kind in ("agreement",)
        }
    assert links == expected
    kind_page = results_of(html(client.get(url(world, query, kind="agreement"))))
    with app.test_request_context():
        all_kinds = str(escape(url_for("search.index", slug=world.slug, q=query)))
    assert f'href="{all_kinds}"' in kind_page


def test_a_kind_pages_through_its_hits(app, world, login_as):
    many(app, world, 23)
    client = login_as(world, "lezer")

    first = html(client.get(url(world, "wachttijd", kind="agreement")))
    second = html(client.get(url(world, "wachttijd", kind="agreement", page=2)))
    bad = html(client.get(url(world, "wachttijd", kind="agreement", page="abc")))

    assert len(hit_links(first)) == services.PAGE_SIZE
    assert len(hit_links(second)) == 3
    assert set(hit_links(first)).isdisjoint(hit_links(second))
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert hit_links(bad) == hit_links(first)
    # The groups list is not shown for one kind; a link leads back to all kinds.
    assert shown_counts(first) == {} and shown_groups(first) == {"agreement": 23}


def test_an_unknown_kind_is_ignored(world, agreements, login_as):
    client = login_as(world, "lezer")
    response = client.get(url(world, "wachttijd", kind="geheim"))
    assert response.status_code == 200
    assert shown_counts(html(response)) == {"agreement": 3}


# --- bad input -------------------------------------------------------------------------------


BAD = [
    ("", "Type what you are looking for.", {}),
    ("   ", "Type what you are looking for.", {}),
    ("a" * 1000, "Search with at most %(limit)s characters.", {"limit": 200}),
    ("wachttijd " * 100, "Search with at most %(limit)s characters.", {"limit": 200}),
    ("?!... -- “”", "Search with at least one word or number.", {}),
    ("___", "Search with at least one word or number.", {}),
]


def state(app) -> tuple:
    with app.app_context():
        audit = db.session.execute(select(func.count(AuditEvent.id))).scalar_one()
        result = (documents(), audit)
        db.session.remove()
    return result


@pytest.mark.parametrize(("query", "msgid", "variables"), BAD)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_bad_input_gets_400_and_a_clear_message(
    app, world, agreements, login_as, query, msgid, variables, htmx
):
    client = login_as(world, "lezer")
    before = state(app)
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.get(url(world, query), headers=headers)

    assert response.status_code == 400
    page = html(response)
    assert 'role="alert"' in page
    assert alert_text(page) == message(app, msgid, **variables)
    assert hit_links(page) == [] and shown_counts(page) == {}
    assert state(app) == before
    if not htmx:  # the form is shown again, with the field marked
        assert "utrecht-form-field--invalid" in page
        assert 'id="search-q"' in page


@pytest.mark.parametrize(("query", "msgid", "variables"), BAD)
def test_bad_input_is_explained_in_english_too(app, world, login_as, query, msgid, variables):
    client = login_as(world, "lezer")
    set_language(client, "en")
    response = client.get(url(world, query))
    assert response.status_code == 400
    assert alert_text(html(response)) == msgid % variables


def test_a_very_long_query_is_not_echoed_whole(world, login_as):
    client = login_as(world, "lezer")
    response = client.get(url(world, "a" * 5000))
    assert response.status_code == 400
    page = html(response)
    box = re.search(r'<input[^>]*id="search-q"[^>]*value="([^"]*)"', page).group(1)
    assert box == "a" * 1000
    assert len(re.search(r"<title>(.*?)</title>", page, re.S).group(1)) < 1100


# --- who may open it -------------------------------------------------------------------------


def test_not_logged_in_goes_to_the_login(client, world):
    for path in (url(world), url(world, "wachttijd")):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_not_a_member_gets_404(app, world, make_partnership, agreements):
    other = make_partnership("ander")
    client = logged_in(app, other.users["beheerder"].email)
    for path in (url(world), url(world, "wachttijd"), url(world, ""), "/p/bestaat-niet/search/"):
        assert client.get(path).status_code == 404, path


def test_an_inactive_member_gets_404(app, world, agreements):
    from app.partnerships.models import Membership

    with app.app_context():
        db.session.get(Membership, world.memberships["lezer"].id).active = False
        db.session.commit()
    client = logged_in(app, world.users["lezer"].email)
    assert client.get(url(world, "wachttijd")).status_code == 404


# --- the number of SQL statements --------------------------------------------------------------


def bulk(app, world, count: int) -> None:
    """`count` agreements and `count` comments (in a table the partner is a member of)
    that say 'afspraak', inserted in bulk and then indexed with reindex_all."""
    with app.test_request_context():
        table = make_table(world)
        conversation = start(world, table)
        say(world, conversation, "teamlid", "Een eerste afspraak.")
        owner, now = world.users["programmamanager"].id, utcnow()
        db.session.execute(
            insert(Agreement),
            [
                {"partnership_id": world.partnership.id, "number": n, "title": f"Afspraak {n:03}",
                 "summary": f"Samenvatting {n}.", "explanation": "", "kind": WORKABLE,
                 "status": ACTIVE, "owner_id": owner, "start_on": now.date(), "revisit_on": None,
                 "end_on": None, "origin": "", "origin_label": "", "current_version": 1,
                 "created_at": now, "updated_at": now, "version": 1}
                for n in range(1, count + 1)
            ],
        )  # fmt: skip
        db.session.execute(
            insert(Comment),
            [
                {"conversation_id": conversation.id, "author_id": world.users["teamlid"].id,
                 "body": f"Afspraken over punt {n}.", "created_at": now, "version": 1,
                 "hidden_reason": ""}
                for n in range(count - 1)
            ],
        )  # fmt: skip
        db.session.commit()
        services.reindex_all(world.partnership.id)
        db.session.remove()


PAGES = [
    ({"q": "afspraak"}, {}),
    ({"q": "afspraak"}, {"HX-Request": "true"}),
    ({"q": "afspraak", "kind": "comment"}, {}),
    ({"q": "afspraak", "kind": "agreement", "page": "2"}, {"HX-Request": "true"}),
    ({"q": "?!"}, {}),
]


@pytest.mark.parametrize("role", ["lezer", "partner"])
@pytest.mark.parametrize(("args", "headers"), PAGES, ids=["page", "htmx", "kind", "paged", "bad"])
def test_the_number_of_statements_does_not_grow_with_the_data(
    app, make_partnership, count_queries, role, args, headers
):
    counts = []
    for slug, count in (("klein", 5), ("groot", 60)):
        world = make_partnership(slug)
        bulk(app, world, count)
        client = logged_in(app, world.users[role].email)
        path = url(world, **args)
        expected_status = 400 if args["q"] == "?!" else 200
        assert client.get(path, headers=headers).status_code == expected_status  # warm up
        with count_queries() as statements:
            response = client.get(path, headers=headers)
        assert response.status_code == expected_status
        if expected_status == 200:
            assert hit_links(html(response)), "the search found nothing to show"
        counts.append(len(statements))

    assert counts[0] == counts[1]
    assert counts[0] > 0
