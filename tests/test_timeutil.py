"""How stored times are shown (app/timeutil.py): the same words as Babel's own patterns."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import flask_babel
import pytest
from flask import session

from app import timeutil


@pytest.mark.parametrize("language", ["nl", "en"])
def test_times_and_dates_read_as_babel_formats_them(app, language):
    moments = [
        datetime(2026, 3, 29, 0, 59),  # the hour before summer time starts in Amsterdam
        datetime(2026, 3, 29, 1, 0),
        datetime(2026, 10, 25, 0, 30),  # and the hour when it ends
        datetime(2026, 10, 25, 1, 30),
        datetime(2026, 12, 31, 23, 5),  # a new year, Dutch time
        datetime(2027, 1, 1, 9, 7),
    ] + [datetime(2026, 1, 1, 7, 3) + timedelta(days=37 * i, minutes=71 * i) for i in range(12)]
    with app.test_request_context("/"):
        session["lang"] = language
        flask_babel.refresh()
        assert str(flask_babel.get_locale()) == language
        for moment in moments:
            aware = timeutil.local(moment)
            expected = flask_babel.format_datetime(aware, "d MMMM yyyy HH:mm", rebase=False)
            assert timeutil.show_datetime(moment) == expected
            assert timeutil.show_date(moment) == flask_babel.format_date(
                aware.date(), "d MMMM yyyy"
            )
        assert timeutil.show_date(date(2026, 5, 1)) == (
            "1 mei 2026" if language == "nl" else "1 May 2026"
        )
        assert timeutil.show_datetime(None) == timeutil.show_date(None) == ""
