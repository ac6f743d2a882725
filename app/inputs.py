"""What input the application accepts: ids in URLs, text, dates and query parameters.

One place for these rules, so that no form, filter or path can hand the database or an
export something it cannot hold (a NUL byte, an id beyond the integer column, the year 1).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from app.errors import ServiceError

# Every id column is a 32-bit INTEGER (SQLite's are wider, PostgreSQL's are not).
MAX_ID = 2**31 - 1
# Dates users may enter: far enough for history and plans, near enough that adding a
# time zone or a number of days never leaves the range Python and the databases hold.
MIN_YEAR, MAX_YEAR = 1900, 2200
# Longest text field without a tighter limit of its own (Text columns).
MAX_TEXT = 20_000
# Longest value of one query parameter (?q=, filters, page, sort) a view gets to see; the
# views refuse or cut shorter ones themselves (search: 200, with a message).
MAX_QUERY_VALUE = 10_000
# Kept in text: tab, line feed and carriage return.
ALLOWED_CONTROLS = frozenset("\t\n\r")

CONTROL_MESSAGE = _l("Remove the invisible control characters from this text.")
DATE_MESSAGE = _l("Enter a date between %(first)s and %(last)s.", first=MIN_YEAR, last=MAX_YEAR)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a non-negative id within the database's integer
    range; anything larger is simply a page that does not exist (404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's signature)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def is_control(char: str) -> bool:
    """A control character (C0, DEL, C1) other than tab and newlines, or a lone surrogate."""
    return char not in ALLOWED_CONTROLS and unicodedata.category(char) in ("Cc", "Cs")


def has_control(text: str) -> bool:
    return any(is_control(char) for char in text)


def strip_controls(text: str, replacement: str = "") -> str:
    """The text without control characters (for values shown or exported, never stored)."""
    return "".join(replacement if is_control(char) else char for char in text)


def refuse_controls(value: str, field: str | None = None) -> str:
    """The text, or a ServiceError shown next to ``field`` when it holds control characters:
    for a service that takes text read from the request past a form (score explanations,
    measurements)."""
    if has_control(value):
        raise ServiceError(CONTROL_MESSAGE, field)
    return value


def date_in_range(value: date | datetime | None) -> bool:
    return value is None or MIN_YEAR <= value.year <= MAX_YEAR


def _acceptable(text: str, limit: int) -> bool:
    return len(text) <= limit and not has_control(text)


def check_query_args() -> None:
    """Query parameters with control characters or an overlong value are dropped before
    any view reads them, as if they were not given: each view then only decides whether
    a value is one it knows (a filter, a page number) and ignores or refuses the rest."""
    pairs = list(request.args.items(multi=True))
    kept = [
        (key, value)
        for key, value in pairs
        if _acceptable(key, 100) and _acceptable(value, MAX_QUERY_VALUE)
    ]
    if len(kept) != len(pairs):
        request.args = ImmutableMultiDict(kept)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_query_args)
