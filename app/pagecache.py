"""A cache of rendered pages for signed-in readers, kept per worker process.

A page is rendered from the database, the reader's session and the request; the cache
keeps a rendered page under exactly those inputs, and the database part is one number:
``data_version.value``, which every transaction that writes anything through the ORM
session raises by one just before it commits (session hooks below). A page is served
from the cache only while that number is unchanged, so any write — by anyone, in any
partnership, also by `flask notify send` — makes every kept page stale at once. Pages
that depend on the clock depend on it by the day (due dates, overdue marks): the
Amsterdam date is part of the key, and no page is kept longer than
``SAMENSPEL_PAGE_CACHE_SECONDS`` (60) so that the few finer clocks (a comment's
30-minute edit window) are at most that late.

Only GET requests of a signed-in session without pending flash messages are looked up,
and only a 200 HTML response that changed nothing (no write, no session change, no
cookie) is kept. The session's whole content is part of the key, so a page is only ever
served to the session it was rendered for (its user, language and CSRF token).

What bypasses the ORM session (a bulk load through a bare connection, a migration, a fix
in psql, restoring a backup, which may even set the number back) does not raise the
number: there the time limit is what bounds staleness, so after such work restart the
workers or wait a minute. ``clear()`` empties only the calling process's cache (the
tests use it after emptying the tables). Writes to bookkeeping no page shows (attempt
counters, when a session was last seen, the mail outbox) do not count. ``SAMENSPEL_PAGE_CACHE_MB=0`` switches the cache
off.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, Response, current_app, g, has_request_context, request, session
from flask_login import user_loaded_from_cookie
from flask_login.utils import _create_identifier
from sqlalchemy import TextClause, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db
from app.policy import PUBLIC
from app.sqlite_writes import is_write
from app.timeutil import LOCAL


class DataVersion(db.Model):
    """One row: raised by one in every transaction that writes."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


# --- the version ------------------------------------------------------------------

# Bookkeeping no page shows: attempt counters (anyone could otherwise empty every cache
# by posting wrong passwords), when a session was last seen (sessions starting and
# ending also write an audit event, which does count) and the mail outbox.
UNSHOWN_TABLES = frozenset({"auth_throttle", "user_session", "outgoing_mail"})


def _shown(obj) -> bool:
    return getattr(obj, "__tablename__", None) not in UNSHOWN_TABLES


def _note_flush(session: Session, _flush_context) -> None:
    # Still the pre-flush state here: what was added, deleted or really changed.
    if (
        any(_shown(o) for o in session.new)
        or any(_shown(o) for o in session.deleted)
        or any(_shown(o) and session.is_modified(o) for o in session.dirty)
    ):
        session.info["data_changed"] = True


def _note_statement(state) -> None:
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(statement, "table", None)
        writes = getattr(table, "name", None) not in UNSHOWN_TABLES
    elif isinstance(statement, TextClause):
        writes = is_write(statement.text)
    else:
        writes = False
    if writes:
        state.session.info["data_changed"] = True


def _raise_version(session: Session) -> None:
    session.flush()
    if not session.info.pop("data_changed", False):
        return
    table = DataVersion.__table__
    done = session.execute(
        update(table).where(table.c.id == 1).values(value=table.c.value + 1)
    ).rowcount
    if not done:  # a database emptied without its migration's row
        session.execute(insert(table).values(id=1, value=1))
    session.info.pop("data_changed", None)
    if has_request_context():
        g.page_cache_written = True


def _forget(session: Session, transaction) -> None:
    # Only when the whole transaction ends (also after a commit: a hook after ours may
    # have flushed); a savepoint rolled back leaves the writes before it in place.
    if transaction.parent is None:
        session.info.pop("data_changed", None)


def install_hooks() -> None:
    """Register the session hooks; the version is raised by the last before_commit hook,
    after the search index's (which writes), whatever the order of imports."""
    for name, hook in (
        ("after_flush", _note_flush),
        ("do_orm_execute", _note_statement),
        ("before_commit", _raise_version),
        ("after_transaction_end", _forget),
    ):
        if event.contains(Session, name, hook):
            event.remove(Session, name, hook)
        event.listen(Session, name, hook)


install_hooks()


def current_version() -> int:
    return db.session.execute(select(DataVersion.value).where(DataVersion.id == 1)).scalar() or 0


# --- the cache --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Page:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    expires: float


class PageCache:
    """A least-recently-used store of pages, bounded in bytes, thread-safe."""

    def __init__(self, max_bytes: int, seconds: float) -> None:
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.enabled = True
        self._pages: OrderedDict[tuple, _Page] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> _Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.expires <= time.monotonic():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, body: bytes, headers: tuple[tuple[str, str], ...]) -> None:
        if len(body) > self.max_bytes // 4:  # one huge page must not empty the cache
            return
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = _Page(body, headers, time.monotonic() + self.seconds)
            self._size += len(body)
            while self._size > self.max_bytes:
                self._drop(next(iter(self._pages)))

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._pages)

    def _drop(self, key: tuple) -> None:
        self._size -= len(self._pages.pop(key).body)


def clear() -> None:
    """Forget every kept page of this process (after writes that bypass the session)."""
    cache = current_app.extensions.get("page_cache")
    if cache is not None:
        cache.clear()


# --- the request hooks ------------------------------------------------------------

_HTMX_HEADERS = ("HX-Request", "HX-Target", "HX-Trigger", "HX-Boosted", "HX-Current-URL")
_KEPT_HEADERS_DROPPED = {"set-cookie", "content-length"}


def _key() -> tuple | None:
    """The cache key of this request, or None when it must not use the cache."""
    if request.method != "GET":
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or request.endpoint == "static" or getattr(view, "access_rule", "") == PUBLIC:
        return None  # static files, /healthz, the login page: cheap, and for anyone
    if "_user_id" not in session or "_flashes" in session:
        return None
    if session.get("_id") != _create_identifier():  # Flask-Login must see this request
        return None
    state = hashlib.blake2b(
        json.dumps(dict(session), sort_keys=True, default=str).encode(), digest_size=16
    ).digest()
    return (
        current_version(),
        datetime.now(LOCAL).date().isoformat(),
        request.host_url,
        request.full_path,
        tuple(request.headers.get(name, "") for name in _HTMX_HEADERS),
        state,
    )


def init_app(app: Flask) -> None:
    install_hooks()  # again: by now the search index's hooks are in place
    megabytes = app.config.get("SAMENSPEL_PAGE_CACHE_MB", 0)
    if megabytes <= 0:
        return
    cache = PageCache(megabytes * 1024 * 1024, app.config["SAMENSPEL_PAGE_CACHE_SECONDS"])
    app.extensions["page_cache"] = cache

    def identify(_app, user) -> None:
        # Signed in again by the remember-me cookie: note this client's identifier, as
        # login_user() does, or no later request of the session could use the cache.
        session["_id"] = _create_identifier()

    user_loaded_from_cookie.connect(identify, app, weak=False)

    @app.before_request
    def serve_kept_page():
        key = _key() if cache.enabled else None
        if key is None:
            return None
        g.page_cache_key = key
        page = cache.get(key)
        if page is None:
            return None
        g.page_cache_hit = True
        return Response(page.body, status=200, headers=list(page.headers))

    @app.after_request
    def keep_page(response: Response) -> Response:
        key = g.pop("page_cache_key", None)
        if key is None or g.get("page_cache_hit") or g.get("page_cache_written"):
            return response
        if (
            response.status_code != 200
            or response.mimetype != "text/html"
            or response.is_streamed
            or response.direct_passthrough
            or session.modified
            or "Set-Cookie" in response.headers
        ):
            return response
        headers = tuple(
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in _KEPT_HEADERS_DROPPED
        )
        cache.put(key, response.get_data(), headers)
        return response
