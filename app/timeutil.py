"""Times are stored as naive UTC and shown in Europe/Amsterdam."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _

LOCAL = ZoneInfo("Europe/Amsterdam")


def utcnow() -> datetime:
    """The current time as naive UTC, the form every column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today in the Netherlands (due and revisit dates are Dutch calendar days)."""
    return local(utcnow()).date()


def local(value: datetime) -> datetime:
    """A stored naive-UTC time as an aware Europe/Amsterdam time (at the very ends of the
    calendar, where the offset would leave the years Python holds, it stays in UTC)."""
    try:
        return value.replace(tzinfo=UTC).astimezone(LOCAL)
    except OverflowError:
        return value.replace(tzinfo=UTC)


def _language() -> str:
    return str(get_locale() or "nl")


@lru_cache(maxsize=4096)
def _day(language: str, day: date) -> str:
    return babel_dates.format_date(day, "d MMMM yyyy", locale=language)


def show_datetime(value: datetime | None, language: str | None = None) -> str:
    """ "6 december 2026 08:45" (Dutch time): Babel's "d MMMM yyyy HH:mm", with the day's
    words formatted once per day and language (a page of comments shows many times of few
    days, and Babel formats a date pattern slowly). Without ``language``, the request's."""
    if value is None:
        return ""
    moment = local(value)
    day = _day(language or _language(), moment.date())
    return f"{day} {moment.hour:02d}:{moment.minute:02d}"


def show_moment(value: datetime | None) -> str:
    """A stored time in words, e.g. "6 december 2026 om 08:45" (Dutch time)."""
    if value is None:
        return ""
    moment = local(value)
    return _(
        "%(date)s at %(time)s",
        date=format_date(moment.date(), "d MMMM yyyy"),
        time=format_time(moment, "HH:mm", rebase=False),
    )


def iso_moment(value: datetime | None) -> str:
    """A stored time for a <time datetime>: ISO 8601 in UTC, to the second."""
    if value is None:
        return ""
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def show_date(value, language: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return _day(language or _language(), value)
