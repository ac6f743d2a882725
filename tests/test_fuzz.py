"""Bad input never breaks a page: generated requests to every route, in every role.

For each route of ``app.url_map`` (GET and POST), and for each role of the test world
(who are members of the demo partnership, so that every kind of object exists) and for a
visitor who is not logged in, Hypothesis sends generated path ids (huge, negative, zero,
another partnership's), query strings and form bodies (with a valid CSRF token: unicode,
control characters, NUL, huge and negative numbers, odd dates, missing and repeated
fields, overlong text). It asserts that no request answers 5xx, that a refused request
(4xx) changes nothing (no transaction commits a write), and that nothing stored holds a control
character or a date outside the accepted years.

The examples share one database: each starts from whatever the earlier ones stored, which
is the point (a hostile member's posts pile up too). The budget is fixed and the run
derandomised in ``make test``; ``make fuzz`` runs the long profile
(SAMENSPEL_FUZZ_PROFILE=long).
"""

from __future__ import annotations

import os
from collections import Counter
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.partnerships.models import ROLES
from tests.conftest import csrf_token
from tests.walk import (
    DEMO,
    OTHER,
    SESSION_ENDERS,
    arguments,
    clients_by_role,
    committed_writes,
    crawl,
    demo_with_world,
    endpoint_of,
    path_of,
    restore_roles,
    stored_problems,
)

# Examples per endpoint, each by a drawn role (or a visitor who is not logged in).
PROFILES = {"quick": {"GET": 5, "POST": 9}, "long": {"GET": 40, "POST": 120}}
PROFILE = os.environ.get("SAMENSPEL_FUZZ_PROFILE", "quick")
BUDGET = PROFILES[PROFILE]
CRAWL_PAGES = 120 if PROFILE == "quick" else 400

settings.register_profile(
    "samenspel-fuzz",
    deadline=None,
    derandomize=PROFILE == "quick",
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HUGE_IDS = [2**31 - 1, 2**31, 2**32, 2**53, 2**63 - 1, 2**63, 2**64, 10**30]
ODD_VALUES = [
    "", " ", "0", "1", "2", "3", "5", "-1", "-2147483649", "2147483648", "9223372036854775808",
    "1" * 400, "1e309", "-1e309", "nan", "inf", "1.5", "0x10", "²", "٣",
    "0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "1899-12-31", "2201-01-01",
    "0001-01-01T00:00", "9999-12-31T23:59", "2026-06-01T10:00", "2026-06-01", "2026-13-01",
    "\x00", "a\x00b", "\x1b[31m", "\x7f", "\u0085", "\u202e", "\ufeff", "line\r\nbreak",
    "x" * 25_000, "é" * 6_000, "<script>alert(1)</script>", "' OR 1=1 --", "%00", "../..",
    "None", "null", "on", "true", "last", "=1+1", "@everyone",
]  # fmt: skip
KNOWN_QUERY_KEYS = [
    "q", "page", "kind", "status", "level", "arena", "principle", "version", "a", "b",
    "from", "to", "person", "show", "mine", "more", "role", "organisation", "state", "sort",
    "owner", "category", "bearer", "score", "net", "archived", "next", "year", "month",
]  # fmt: skip

controls = st.characters(categories=["Cc"])
text = st.text(max_size=30)
with_controls = st.builds(
    lambda a, c, b: a + c + b, text, st.text(alphabet=controls, min_size=1, max_size=3), text
)
numbers = st.integers(min_value=-(2**70), max_value=2**70).map(str)
VALUES = st.one_of(st.sampled_from(ODD_VALUES), text, with_controls, numbers)
ODD_DATES = ["0001-01-01", "9999-12-31", "1900-01-01", "2200-12-31", "2026-06-01"]
ODD_TIMES = ["0001-01-01T00:00", "9999-12-31T23:59", "1900-01-01T00:30", "2200-12-31T23:30"]


def plausible(name: str):
    """Values that pass a field's own checks now and then, with the extremes of dates, so
    that examples reach the services and the database, not only the form's refusal."""
    if name.endswith("_at"):
        return st.sampled_from([*ODD_TIMES, "2026-06-01T10:00", "2026-06-01T12:00"])
    if name.endswith(("_on", "_from", "_to")):
        return st.sampled_from(ODD_DATES)
    if name.endswith(("_id", "number", "position", "months")) or name.startswith("value_"):
        return st.one_of(st.integers(0, 40).map(str), st.sampled_from([str(i) for i in HUGE_IDS]))
    return st.one_of(st.just("Een gewone tekst"), with_controls, st.just("x" * 20_001))


IDS = st.one_of(
    st.integers(min_value=0, max_value=60), st.sampled_from(HUGE_IDS), st.integers(-5, -1)
)


@pytest.fixture
def fuzz_world(app, world, client, login_as):
    """The demo data, the test world's members in it, and what a beheerder's crawl finds:
    real paths and the POST forms with their fields."""
    demo_with_world(app, world)
    login_as(world, "beheerder")
    starts = [f"/p/{DEMO}/", "/account", "/account/notifications", "/notifications"]
    visited, forms = crawl(client, starts, CRAWL_PAGES)
    return visited, forms


def _walkable(app):
    """GET and POST endpoints with their rules (static files aside)."""
    rules = {"GET": {}, "POST": {}}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in ("GET", "POST"):
            if method in rule.methods:
                rules[method].setdefault(rule.endpoint, rule)
    return rules


def _real_values(app, paths: list[str]) -> dict[str, set]:
    """Path values seen in real pages and forms, per argument name."""
    adapter = app.url_map.bind("localhost")
    found: dict[str, set] = {}
    for path in paths:
        for method in ("GET", "POST"):
            try:
                _endpoint, values = adapter.match(path.split("?")[0], method=method)
            except Exception:  # noqa: BLE001, S112 (a path of another method or none)
                continue
            for name, value in values.items():
                found.setdefault(name, set()).add(value)
    return found


class Walker:
    """Draws requests, sends them, and checks each answer."""

    def __init__(self, app, world, fuzz_world):
        visited, forms = fuzz_world
        self.app, self.world = app, world
        self.rules = _walkable(app)
        self.real = _real_values(app, visited + [form.action for form in forms])
        self.paths: dict[tuple[str, str], list[str]] = {}
        for path in visited:
            endpoint = endpoint_of(app, path, "GET")
            if endpoint:
                self.paths.setdefault(("GET", endpoint), []).append(path)
        self.fields: dict[str, dict[str, list[str]]] = {}
        for form in forms:
            endpoint = endpoint_of(app, form.action)
            if endpoint:
                self.paths.setdefault(("POST", endpoint), []).append(form.action)
                merged = self.fields.setdefault(endpoint, {})
                for name, values in form.fields.items():
                    merged.setdefault(name, [])
                    merged[name] += [v for v in values if v not in merged[name]]
        self.all_fields = sorted({n for fields in self.fields.values() for n in fields})
        self.sent = Counter()
        self.statuses = Counter()
        self.hit: set[tuple[str, str]] = set()

    def _slug(self):
        return st.sampled_from([DEMO, DEMO, DEMO, OTHER, "testverband", "onbekend", "é/.."])

    def path(self, data, method: str, endpoint: str) -> str:
        rule = self.rules[method][endpoint]
        real = self.paths.get((method, endpoint), [])
        if real and data.draw(st.booleans(), label="real path"):
            return data.draw(st.sampled_from(real), label="path")
        values = {}
        for converter, name in arguments(rule):
            seen = sorted(self.real.get(name, set()), key=str)
            if name == "slug":
                choice = self._slug()
            elif converter == "int":
                choice = st.one_of(st.sampled_from(seen), IDS) if seen else IDS
            else:
                choice = st.one_of(st.sampled_from(seen), VALUES) if seen else VALUES
            values[name] = data.draw(choice, label=name)
        return path_of(rule, values)

    def query(self, data) -> str:
        pairs = data.draw(
            st.lists(
                st.tuples(st.one_of(st.sampled_from(KNOWN_QUERY_KEYS), text), VALUES),
                max_size=4,
            ),
            label="query",
        )
        return ("?" + urlencode(pairs)) if pairs else ""

    def body(self, data, endpoint: str, token: str) -> list[tuple[str, str]]:
        known = self.fields.get(endpoint, {})
        pairs = []
        for name in sorted(known):
            if name == "csrf_token":
                continue
            options = st.one_of(st.sampled_from(known[name] or [""]), plausible(name), VALUES)
            values = data.draw(st.lists(options, max_size=2), label=name)  # [] = missing
            pairs += [(name, value) for value in values]
        extra = st.sampled_from(self.all_fields) if self.all_fields else text
        for name in data.draw(st.lists(st.one_of(extra, text), max_size=2), label="extra"):
            pairs.append((name, data.draw(VALUES, label=f"extra {name}")))
        if token and data.draw(st.integers(0, 19), label="csrf") > 0:
            pairs.append(("csrf_token", token))  # and now and then none at all
        return pairs

    def send(self, client, method: str, path: str, body=None, htmx: bool = False):
        headers = {"HX-Request": "true"} if htmx else {}
        before = committed_writes(self.app)
        if method == "GET":
            response = client.get(path, headers=headers)
        else:
            response = client.post(
                path,
                data=urlencode(body or []),
                content_type="application/x-www-form-urlencoded",
                headers=headers,
            )
        self.sent[method] += 1
        self.statuses[response.status_code // 100] += 1
        assert response.status_code < 500, (method, path, body)
        if 400 <= response.status_code < 500:
            assert committed_writes(self.app) == before, (method, path, body, response.status_code)
        return response

    def run(self, clients: dict, method: str, examples: int) -> None:
        """Each endpoint in turn, ``examples`` requests each, by drawn roles."""
        tokens = {who: csrf_token(client) for who, client in clients.items()}
        for endpoint in sorted(self.rules[method]):
            # A beheerder's earlier examples may have changed the walkers' roles.
            restore_roles(self.app, self.world)
            who_may = ["visitor"] if endpoint in SESSION_ENDERS else sorted(clients)
            self._fuzz(clients, tokens, method, endpoint, who_may, examples)

    def _fuzz(self, clients, tokens, method, endpoint, who_may, examples) -> None:
        @settings(settings.get_profile("samenspel-fuzz"), max_examples=examples)
        @given(st.data())
        def one_request(data):
            who = data.draw(st.sampled_from(who_may), label="who")
            path = self.path(data, method, endpoint) + self.query(data)
            body = self.body(data, endpoint, tokens[who]) if method == "POST" else None
            htmx = data.draw(st.booleans(), label="htmx")
            self.hit.add((method, endpoint))
            self.send(clients[who], method, path, body, htmx)

        one_request()


def _clients(app, world, client, login_as) -> dict:
    """A logged-in client per role, and a visitor."""
    clients = clients_by_role(app, world, client, login_as, ROLES)
    clients["visitor"] = app.test_client()
    return clients


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_no_request_breaks_a_page_or_stores_what_it_should_not(
    app, world, client, login_as, fuzz_world, method
):
    walker = Walker(app, world, fuzz_world)
    clients = _clients(app, world, client, login_as)
    walker.run(clients, method, BUDGET[method])
    assert stored_problems(app) == []

    total = sum(walker.sent.values())
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    print(  # noqa: T201 (the run's tally, shown with -s and in `make fuzz`)
        f"\nfuzz {PROFILE} {method} on {database}: {total} requests to "
        f"{len(walker.hit)} of {len(walker.rules[method])} endpoints, answers by class "
        f"{dict(sorted(walker.statuses.items()))}, none 5xx"
    )
    assert walker.statuses[5] == 0
    assert len(walker.hit) == len(walker.rules[method])
