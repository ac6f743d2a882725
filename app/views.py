"""Shared view helpers: one view answers both full-page and htmx requests."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, flash, g, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from app import registry
from app.errors import EditConflict, ServiceError
from app.extensions import db
from app.forms import is_id, mark_refused
from app.kept import kept_count, kept_fragment
from app.urls import url_pattern

_LABELS: dict[tuple[str, ...], dict[str, dict[str, str]]] = {}


def labels_context() -> dict[str, dict[str, str]]:
    """The context processor of every page: the labels the areas register
    (app.registry.page_labels), translated into the page's language once per process and
    language. A list shows a label on every row, and a lazy label is translated through the
    request context each time it is shown. The areas' mappings are module constants,
    registered while the app is created."""
    areas = registry.page_labels.keys()
    key = (str(get_locale()), *areas)
    found = _LABELS.get(key)
    if found is None:
        found = _LABELS[key] = {
            name: {value: str(label) for value, label in labels.items()}
            for area in areas
            for name, labels in registry.page_labels[area].items()
        }
    return found


def render(full: str, partial: str | None = None, status: int = 200, **context):
    """Render the partial for an htmx request and the full page otherwise."""
    # request.htmx comes from htmx-flask: true when the HX-Request header is "true".
    template = partial if partial and request.htmx else full
    return render_template(template, **context), status


def kept_total_page(query, per_page: int | None = None):
    """db.paginate() of the ?page= asked for (bad input: page 1), SAMENSPEL_PAGE_SIZE rows
    a page unless per_page says otherwise, with its total kept until what the query reads
    changes (app.kept.kept_count): only for a list that reads no table in app.kept.UNREAD."""
    size = per_page or current_app.config["SAMENSPEL_PAGE_SIZE"]
    page = db.paginate(query, page=page_number(), per_page=size, error_out=False, count=False)
    page.total = kept_count(query)
    return page


def kept_results(template: str, rows: Callable[[], dict], *key: Hashable, **context) -> Markup:
    """The template (the results of a list: its rows and pagination) rendered with rows()
    and context, kept until what it reads changes (app.kept): only for results that read
    no table in app.kept.UNREAD. rows() reads what they show (the page of rows, its total)
    and is called only when they are not kept.

    The key holds the partnership, the query string as asked (the filters and the page;
    the pagination links repeat it), the language and ``key``: whatever else the results
    depend on, such as the reader's rights."""

    def make() -> str:
        return render_template(template, **rows(), **context)

    asked = tuple(request.args.items(multi=True))
    return kept_fragment(("list", template, g.partnership.id, asked, str(get_locale()), *key), make)


def list_page(full: str, results: str, rows: Callable[[], dict], *key: Hashable, **context):
    """A list page whose results (the template ``results``) are kept_results(): ``context``
    goes to both templates, and the full page shows the results as ``results``. An htmx
    request gets the results alone."""
    html = kept_results(results, rows, *key, **context)
    if request.htmx:
        return html, 200
    return render_template(full, results=html, **context), 200


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
    mark_refused()
    for message, name in error.all:
        field = getattr(form, name, None) if name else None
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


@dataclass
class Outcome:
    """What a service_errors() block ended with: the refusal, or None when it went through."""

    error: ServiceError | None = None

    @property
    def refused(self) -> bool:
        return self.error is not None

    @property
    def message(self) -> str | None:
        return self.error.message if self.error is not None else None


@contextmanager
def service_errors(form=None, *, quiet: bool = False) -> Iterator[Outcome]:
    """Run a service call; a ServiceError it raises is shown to the user, not a crash.

    The session is rolled back (nothing of the refused write is kept) and the message
    goes next to its field of ``form`` (or above the form). Without a form, for the
    buttons of a page, the message is flashed as an error; with ``quiet=True`` it is
    only kept in the yielded ``Outcome.error`` for the view to show itself. The block
    stops at the error and the view goes on after it, so the success path stays in
    the block and the refused form is rendered below it::

        if form.validate_on_submit():
            with service_errors(form):
                agreement = services.create_agreement(pid, form.data, current_user.id)
                flash(_("Agreement created."), "success")
                return redirect(url_for("agreements.show", ...))
        return render_template("agreements/form.html", form=form), form_status()

    Any other exception (EditConflict, HTTP errors) passes through untouched.
    """
    outcome = Outcome()
    try:
        yield outcome
    except ServiceError as error:
        db.session.rollback()
        mark_refused()
        outcome.error = error
        if form is not None:
            show_service_error(form, error)
        elif not quiet:
            flash(error.message, "error")


def confirmed() -> bool:
    """Whether a POST comes from a confirmation step (the page or the dialog of
    ``confirm_button`` in templates/_macros/ui.html): irreversible actions act only then."""
    return request.method == "POST" and request.form.get("confirmed") == "1"


def confirmation_page(title: str, explanation: str, label: str, back: str):
    """The confirmation page of an irreversible action: what will happen and the real
    form, which posts back to the current URL with confirmed=1."""
    return render_template("confirm.html", title=title, explanation=explanation, label=label,
                           action=request.path, back=back)  # fmt: skip


def form_status(outcome: Outcome | None = None) -> int:
    """The status of a page with a form: 200 when it is first shown, 422 when a
    submitted form comes back (refused by its validators or by the service); a refusal
    that names a status of its own (too many attempts: 429) answers with that."""
    status = getattr(outcome.error, "status", None) if outcome is not None else None
    if status:
        return status
    return 422 if request.method == "POST" else 200


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
    """The current URL with its filters kept and ?page= set (built once a request: a list's
    pagination links up to nine pages)."""
    pattern = g.get("page_url_pattern")
    if pattern is None:
        # The path's own values win over the query string, and url_for's own options
        # (_anchor, _external, ...) are never taken from it.
        query = {k: v for k, v in request.args.to_dict().items() if not k.startswith("_")}
        args = {**query, **(request.view_args or {})}
        args.pop("page", None)
        pattern = g.page_url_pattern = url_pattern(request.endpoint, "page", **args)
    return pattern(number)
