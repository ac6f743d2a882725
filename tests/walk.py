"""Helpers for the tests that walk every route: the demo data with the test world's members
in it, a crawl of the pages for the forms they hold, paths made from url_map rules, and
checks of what the database holds."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

from sqlalchemy import JSON, Date, DateTime, String, Text, event, select, update
from sqlalchemy.engine import Engine

from app import inputs
from app.extensions import db
from app.partnerships.models import Membership, Organisation, Partnership
from app.seeds import load_demo
from app.sqlite_writes import is_write

DEMO = "eemland-bsa"  # the partnership the test world's members join
OTHER = "noordoost-brabant"  # another partnership with objects of every kind
# Where the test world's members sit in the demo partnership.
ORGANISATIONS = {"teamlid": "Kompas Gezinshulp (demo)", "partner": "Kompas Gezinshulp (demo)"}
DEFAULT_ORGANISATION = "Gemeente Amersfoort"
# Routes that end the session they are sent in; they are walked without one.
SESSION_ENDERS = {"auth.logout"}
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def demo_with_world(app, world) -> None:
    """Load the demo data and make each of the world's members a member of the demo
    partnership in the same role."""
    with app.app_context():
        load_demo()
        partnership = db.session.execute(
            select(Partnership).where(Partnership.slug == DEMO)
        ).scalar_one()
        for role, user in world.users.items():
            name = ORGANISATIONS.get(role, DEFAULT_ORGANISATION)
            organisation = db.session.execute(
                select(Organisation).where(Organisation.name == name)
            ).scalar_one()
            db.session.add(
                Membership(
                    user_id=user.id,
                    partnership_id=partnership.id,
                    organisation_id=organisation.id,
                    role=role,
                )
            )
        db.session.commit()


def restore_roles(app, world) -> None:
    """Give the world's members their own role again, active, everywhere (a beheerder
    among the walkers may have changed or ended their memberships)."""
    with app.app_context():
        for role, user in world.users.items():
            db.session.execute(
                update(Membership)
                .where(Membership.user_id == user.id)
                .values(role=role, active=True)
            )
        db.session.commit()
        db.session.remove()


def clients_by_role(app, world, client, login_as, roles) -> dict:
    """A client of its own per role, logged in as the world's member in that role (the
    session ``login_as`` gives the shared client, copied); the shared one ends logged out."""
    cookie = app.config["SESSION_COOKIE_NAME"]
    clients = {}
    for role in roles:
        client.delete_cookie(cookie)  # the login page sends the logged-in elsewhere
        login_as(world, role)
        own = app.test_client()
        own.set_cookie(cookie, client.get_cookie(cookie).value)
        account = own.get("/account").get_data(as_text=True)
        assert world.users[role].email in account, role
        clients[role] = own
    client.delete_cookie(cookie)
    return clients


# Bookkeeping no page shows: attempt counters, when a session was last seen, the outbox.
UNSHOWN_TABLES = frozenset({"auth_throttle", "user_session", "outgoing_mail"})
_WRITTEN_TABLE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_committed_writes = [0]


def _note_write(conn, cursor, statement, parameters, context, executemany) -> None:
    if is_write(statement):
        table = _WRITTEN_TABLE.match(statement)
        if table is None or table.group(1) not in UNSHOWN_TABLES:
            conn.info["wrote"] = True


def _note_commit(conn) -> None:
    if conn.info.pop("wrote", False):
        _committed_writes[0] += 1


def _note_rollback(conn) -> None:
    conn.info.pop("wrote", None)


def committed_writes(app) -> int:
    """How many transactions have committed a write to data a page shows (through any
    engine of this process, counted from the first call): equal before and after a
    request when that request changed nothing."""
    for name, hook in (
        ("before_cursor_execute", _note_write),
        ("commit", _note_commit),
        ("rollback", _note_rollback),
    ):
        if not event.contains(Engine, name, hook):
            event.listen(Engine, name, hook)
    return _committed_writes[0]


# --- the crawl ---------------------------------------------------------------------------


@dataclass
class SeenForm:
    """A form a page offers: where it posts and the values its fields may have."""

    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str | None, value: str | None) -> None:
        if name:
            values = self.fields.setdefault(name, [])
            if value is not None and value not in values:
                values.append(value)


class _PageParser(HTMLParser):
    def __init__(self, path: str):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.links: list[str] = []
        self.forms: list[SeenForm] = []
        self._form: SeenForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        htmx_post = a.get("data-hx-post") or a.get("hx-post")
        if htmx_post:  # an htmx request a page makes by itself
            self.forms.append(SeenForm(urljoin(self.path, htmx_post)))
            self.forms[-1].add(a.get("name"), a.get("value") or "")
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.path, a["href"]))
        elif tag == "form":
            method = (a.get("method") or "get").lower()
            action = urljoin(self.path, a.get("action") or self.path)
            self._form = SeenForm(action) if method == "post" else None
            if self._form is not None:
                self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "button"):
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox", "hidden", "submit") or tag == "button":
                self._form.add(a.get("name"), a.get("value") or "")
            else:
                self._form.add(a.get("name"), a.get("value"))
        elif tag == "textarea":
            self._form.add(a.get("name"), None)
        elif tag == "select":
            self._select = a.get("name")
            self._form.add(self._select, None)
        elif tag == "option" and self._select:
            self._form.add(self._select, a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def crawl(client, starts: list[str], limit: int) -> tuple[list[str], list[SeenForm]]:
    """Follow the links of the pages from ``starts`` (same site, GET, HTML only), up to
    ``limit`` pages; returns the paths visited and the POST forms found on them."""
    seen: set[str] = set()
    queue = deque(starts)
    visited, forms = [], {}
    while queue and len(visited) < limit:
        path = queue.popleft()
        parts = urlsplit(path)
        if parts.netloc or path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        visited.append(path)
        parser = _PageParser(path)
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            key = (form.action, tuple(sorted(form.fields)))
            forms.setdefault(key, form)
        for link in parser.links:
            target = urlsplit(link)
            if target.path.startswith(("/p/", "/account", "/notifications")) and not (
                target.path.endswith((".csv", ".xlsx", ".ics", "/pdf"))
            ):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return visited, list(forms.values())


def endpoint_of(app, path: str, method: str = "POST") -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _values = adapter.match(urlsplit(path).path, method=method)
    except Exception:  # noqa: BLE001 (no route: not a form of ours)
        return None
    return endpoint


# --- paths from rules ----------------------------------------------------------------------


def arguments(rule) -> list[tuple[str, str]]:
    """(converter, name) of each variable part of a rule, in order."""
    return [(conv or "default", name) for conv, name in ARGUMENT.findall(rule.rule)]


def path_of(rule, values: dict[str, object]) -> str:
    """The rule's path with these values put in as they are (no converter checks them)."""

    def put(match):
        return quote(str(values[match.group(2)]), safe="")

    return ARGUMENT.sub(put, rule.rule)


# --- what is stored ----------------------------------------------------------------------


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def stored_problems(app) -> list[str]:
    """Every stored text holding a control character (other than tab and newlines) and
    every stored date outside the accepted years, as 'table.column: value'."""
    problems = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            texts = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            dates = [c for c in table.columns if isinstance(c.type, Date | DateTime)]
            columns = texts + dates
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if column in dates:
                        if not inputs.date_in_range(value):
                            problems.append(f"{table.name}.{column.name}: {value!r}")
                    elif any(inputs.has_control(text) for text in _strings(value)):
                        problems.append(f"{table.name}.{column.name}: {value!r:.80}")
        db.session.remove()
    return problems
