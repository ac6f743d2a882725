"""Shared view helpers: one view answers both full-page and htmx requests."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import render_template, request, url_for
from flask import request as flask_request

from app.errors import EditConflict
from app.forms import is_id


def is_htmx() -> bool:
    return flask_request.headers.get("HX-Request") == "true"


def render(full: str, partial: str | None = None, status: int = 200, **context):
    """Render the partial for an htmx request and the full page otherwise."""
    template = partial if partial and is_htmx() else full
    return render_template(template, **context), status


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths are followed after login or a language switch."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    # Browsers read "/\\host" as "//host"; control characters have no place in a path.
    if "\\" in target or any(ord(char) < 32 for char in target):
        return default
    return target


def page_number() -> int:
    """The ?page= argument as a positive int (bad input falls back to page 1)."""
    value = request.args.get("page", "1")
    return int(value) if is_id(value) and int(value) > 0 else 1


def show_service_error(form, error) -> None:
    """Put a ServiceError's message next to its field, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def ensure_current(obj, form, fields: dict) -> None:
    """Raise EditConflict when the form was made from an older version of obj.

    ``fields`` maps form field names to labels for the conflict page, which shows
    the submitted values beside the stored ones.
    """
    submitted = str(form.version.data or "")
    if submitted != str(obj.version):
        values = {name: form[name].data for name in fields}
        raise EditConflict(obj, values, fields)


def page_url(number: int) -> str:
    """The current URL with its filters kept and ?page= set."""
    # The path's own values win over the query string, and url_for's own options
    # (_anchor, _external, ...) are never taken from it.
    query = {k: v for k, v in request.args.to_dict().items() if not k.startswith("_")}
    args = {**query, **(request.view_args or {}), "page": number}
    return url_for(request.endpoint, **args)
