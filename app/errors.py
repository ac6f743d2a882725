"""Error pages in the application's look and language, and the 409 conflict page."""

from __future__ import annotations

from flask import Flask, g, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.extensions import db

TITLES = {
    400: _l("The request could not be processed"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("Someone else changed this in the meantime"),
    413: _l("What you sent is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("Too busy"),
}
EXPLANATIONS = {
    400: _l("The form or link was not valid. Go back, reload the page and try again."),
    403: _l("Your role in this partnership does not allow this. Ask a beheerder if you need it."),
    404: _l("The page does not exist, or you do not have access to it."),
    405: _l("Go back and use the buttons on the page."),
    409: _l("Your change was not saved. Reload the page to see the latest version and try again."),
    413: _l("Make the text shorter and try again."),
    429: _l("Wait a minute and try again."),
    500: _l("The error has been logged. Nothing was saved. Try again later."),
}


class ServiceError(Exception):
    """Bad input caught by a service; the message is shown next to the field, in Dutch."""

    def __init__(self, message, field: str | None = None, more=()):
        # A plain str, so templates escape it: a lazy translation is rendered as markup,
        # and a message may carry user input (names of organisations, indicators...).
        self.message = str(message)
        super().__init__(self.message)
        self.field = field
        # Further (message, field) refusals of the same round, shown together with this one.
        self.more = [(str(m), f) for m, f in more]

    @property
    def all(self) -> list[tuple[str, str | None]]:
        return [(self.message, self.field), *self.more]


class Refusals:
    """Collects a service's refusals so that a form reports all of them in one round::

    refusals = Refusals()
    if not title:
        refusals.add(_l("Enter a title."), "title")
    ...
    refusals.raise_any()
    """

    def __init__(self):
        self.errors: list[tuple[str, str | None]] = []

    def add(self, message, field: str | None = None) -> None:
        self.errors.append((message, field))

    def has(self, field: str) -> bool:
        return any(f == field for _, f in self.errors)

    def raise_any(self) -> None:
        if self.errors:
            (message, field), *more = self.errors
            raise ServiceError(message, field, more)


class EditConflict(Exception):
    """A form was submitted for an older version of an object than the stored one."""

    def __init__(self, obj, submitted: dict, fields: dict):
        super().__init__("stale edit")
        self.obj = obj
        self.submitted = submitted
        self.fields = fields  # field name -> label


def error_page(code: int, message: str | None = None):
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=TITLES.get(code, TITLES[500]),
            explanation=message or EXPLANATIONS.get(code, EXPLANATIONS[500]),
            # The request id of the log line (app/ops/logs.py), to quote when reporting it.
            reference=g.get("request_id") if code >= 500 else None,
        ),
        code,
    )


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        description = None
        if error.code == 429 and error.description and not error.description.startswith("<"):
            description = error.description
        return error_page(error.code, description)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_page(
            400, _l("The form has expired or was not sent from this site. Reload and try again.")
        )

    @app.errorhandler(EditConflict)
    def edit_conflict(error: EditConflict):
        db.session.rollback()
        rows = [
            (label, error.submitted.get(name, ""), getattr(error.obj, name, ""))
            for name, label in error.fields.items()
        ]
        return render_template("errors/conflict.html", rows=rows, obj=error.obj), 409

    @app.errorhandler(StaleDataError)
    def stale_data(error: StaleDataError):
        db.session.rollback()
        return error_page(409)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return error_page(500)
