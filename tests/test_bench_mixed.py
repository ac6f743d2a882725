"""The pure parts of the mixed-load benchmark (bench/mixed.py): the workload, the figures
of a step and the capacity search. No load is run here."""

from types import SimpleNamespace

import sqlalchemy as sa

from bench.mixed import (
    WEIGHTS,
    WRITE,
    aggregate,
    capacity,
    meets,
    more_ids,
    page_paths,
    percentile,
    session_headers,
    workload,
)
from bench.run import USER_AGENT
from bench.scale import DOMAIN, KNOWN_ROLES
from tests.conftest import sign_in

IDS = {"agreement": 3, "risk": 4, "review": 5, "table": 6, "conversation": 7, "cycle": 8}
PAGE_TYPES = {
    "dashboard", "agreements", "agreement", "risks", "risk", "heatmap", "reviews",
    "review", "conversation", "cycle", "search", "notifications",
}  # fmt: skip


def test_workload_covers_every_page_type_for_each_of_the_six_roles():
    load = workload(IDS)
    assert set(load) == set(KNOWN_ROLES) and len(load) == 6
    for pages in load.values():
        assert {p["key"] for p in pages} == PAGE_TYPES
        assert all(p["weight"] > 0 for p in pages)
    assert WRITE == "comment" and WRITE not in WEIGHTS


def test_page_paths_use_the_ids_and_filter_the_lists():
    paths = page_paths(IDS)
    assert paths["agreement"].endswith("/agreements/3")
    assert paths["risk"].endswith("/risks/4") and paths["review"].endswith("/reviews/5")
    assert paths["conversation"].endswith("/tables/6/conversations/7")
    assert paths["cycle"].endswith("/cycles/8")
    assert "?" in paths["agreements"] and "?" in paths["risks"] and "q=" in paths["search"]


def test_each_role_asks_for_the_review_it_may_read():
    ids = {**IDS, "reviews": {"beheerder": 9, "partner": 2}}
    load = workload(ids)
    review = {role: next(p["path"] for p in pages if p["key"] == "review")
              for role, pages in load.items()}  # fmt: skip
    assert review["beheerder"].endswith("/reviews/9")
    assert review["partner"].endswith("/reviews/2")
    # A role without one of its own: the partnership's newest review.
    assert review["lezer"].endswith("/reviews/5")
    assert page_paths(ids, "partner")["review"].endswith("/reviews/2")


def test_the_readable_review_follows_the_rules_of_who_may_see_a_review(tmp_path):
    database = tmp_path / "reviews.db"
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.begin() as c:
        c.exec_driver_sql('CREATE TABLE "user" (id INTEGER PRIMARY KEY, email TEXT)')
        c.exec_driver_sql(
            "CREATE TABLE membership (user_id INT, partnership_id INT, role TEXT,"
            " organisation_id INT)"
        )
        c.exec_driver_sql(
            "CREATE TABLE review (number INT, partnership_id INT, status TEXT, organisation_id INT)"
        )
        for i, (role, organisation) in enumerate([("beheerder", 1), ("teamlid", 2), ("lezer", 3)]):
            c.exec_driver_sql(f"INSERT INTO \"user\" VALUES ({i}, '{role}@{DOMAIN}')")
            c.exec_driver_sql(f"INSERT INTO membership VALUES ({i}, 1, '{role}', {organisation})")
        c.exec_driver_sql(
            "INSERT INTO review VALUES (1, 1, 'vastgesteld', 1), (2, 1, 'concept', 2),"
            " (3, 1, 'concept', 1), (4, 2, 'vastgesteld', 3)"
        )
    scale = SimpleNamespace(partnership_id=1, agreement=1, big_table=1, big_conversation=1,
                            cycle=1, write_table=1, write_conversation=1)  # fmt: skip
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE risk (number INT, partnership_id INT)")
    engine.dispose()
    ids = more_ids(f"sqlite:///{database}", scale)
    # The beheerder reads every review, the teamlid its own organisation's concept, the
    # lezer only the finalised one (never another partnership's).
    assert ids["reviews"] == {"beheerder": 3, "teamlid": 2, "lezer": 1}


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.95) == 0.0


def test_aggregate_counts_errors_and_rates_per_page_and_overall():
    raw = {
        "window_s": 10.0,
        "times": {"dashboard": [10.0] * 90 + [200.0] * 10, "search": [5.0] * 50},
        "errors": {"search": 2, "comment": 1},
    }
    figures = aggregate(raw)
    dash, search, comment = (figures["pages"][k] for k in ("dashboard", "search", "comment"))
    assert dash["requests"] == 100 and dash["requests_per_s"] == 10.0
    assert dash["p50_ms"] == 10.0 and dash["p95_ms"] == 200.0 and dash["errors"] == 0
    assert search["requests"] == 52 and search["errors"] == 2 and search["p99_ms"] == 5.0
    assert comment == {
        "requests": 1, "errors": 1, "requests_per_s": 0.1,
        "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0,
    }  # fmt: skip
    overall = figures["overall"]
    assert overall["requests"] == 153 and overall["errors"] == 3
    assert overall["requests_per_s"] == 15.3
    assert overall["p50_ms"] == 10.0 and overall["p99_ms"] == 200.0


def step(users, rate, p95, errors=0):
    return {"users": users, "overall": {"requests": 100, "requests_per_s": rate,
                                        "p95_ms": p95, "errors": errors}}  # fmt: skip


def test_capacity_is_the_highest_rate_within_the_p95_limit_without_errors():
    recorded = [
        step(20, 30.0, 40.0),
        step(40, 60.0, 70.0),
        step(80, 115.0, 99.5),
        step(120, 126.0, 130.0),  # faster but too slow a p95
        step(160, 118.0, 90.0, errors=1),  # within the limit but with errors
    ]
    assert capacity(recorded)["users"] == 80
    assert capacity(recorded, p95_limit=60.0)["users"] == 20
    assert capacity([step(20, 30.0, 101.0)]) is None
    assert capacity([]) is None
    assert not meets({"requests": 0, "requests_per_s": 0, "p95_ms": 0, "errors": 0})


def test_the_sessions_are_asked_as_the_browser_that_signed_in_asks_them(app, world):
    """locust sends a session's cookie with the user agent it signed in with: asked with
    another, Flask-Login marks the session not fresh and the app signs and sends the
    cookie anew on every request, work no real browser causes."""
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    sign_in(browser, world.users["teamlid"])
    page = f"/p/{world.slug}/"
    assert browser.get(page).status_code == 200  # the session gets its CSRF secret
    cookie = f"session={browser.get_cookie('session').value}"

    headers = session_headers(cookie)
    assert headers == {"Cookie": cookie, "User-Agent": USER_AGENT}
    response = app.test_client(use_cookies=False).get(page, headers=headers)
    assert response.status_code == 200 and response.headers.getlist("Set-Cookie") == []

    other = app.test_client(use_cookies=False).get(
        page, headers={**headers, "User-Agent": "another"}
    )
    assert other.status_code == 200 and other.headers.getlist("Set-Cookie")
