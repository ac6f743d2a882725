"""The shared view helpers: service_errors() and form_status() of the form skeleton, and
render() choosing the htmx partial through htmx-flask's request.htmx."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages, request
from werkzeug.exceptions import NotFound

from app.errors import EditConflict, ServiceError
from app.extensions import db
from app.partnerships.forms import OrganisationForm
from app.partnerships.models import Organisation
from app.views import form_status, render, service_errors
from tests.conftest import count_rows


def _add_organisation(name: str) -> None:
    db.session.add(Organisation(name=name, kind="gemeente"))
    db.session.flush()


def test_a_refusal_rolls_back_and_shows_the_message_next_to_its_field(app):
    with app.test_request_context(method="POST"):
        form = OrganisationForm(meta={"csrf": False})
        with service_errors(form) as outcome:
            _add_organisation("Gemeente Half")
            raise ServiceError("Deze naam is al in gebruik.", "name")
        assert outcome.refused and outcome.error.field == "name"
        assert form.name.errors == ["Deze naam is al in gebruik."]
        assert form.form_errors == []
        assert get_flashed_messages() == []  # shown in the form, not flashed as well
        db.session.commit()  # what the block wrote was rolled back: nothing to commit
    assert count_rows(app, Organisation, name="Gemeente Half") == 0


def test_a_refusal_without_a_field_is_shown_above_the_form(app):
    with app.test_request_context(method="POST"):
        form = OrganisationForm(meta={"csrf": False})
        with service_errors(form):
            raise ServiceError("Dit kan niet meer.")
        assert form.form_errors == ["Dit kan niet meer."]
        assert not form.name.errors and not form.kind.errors


def test_a_refused_button_is_flashed_as_an_error(app):
    with app.test_request_context(method="POST"):
        with service_errors() as outcome:
            _add_organisation("Gemeente Knop")
            raise ServiceError("Alleen een open uitnodiging kan worden ingetrokken.")
        assert outcome.refused
        assert get_flashed_messages(with_categories=True) == [
            ("error", "Alleen een open uitnodiging kan worden ingetrokken.")
        ]
        db.session.commit()
    assert count_rows(app, Organisation, name="Gemeente Knop") == 0


def test_a_quiet_refusal_is_only_kept_for_the_view(app):
    with app.test_request_context(method="POST"):
        with service_errors(quiet=True) as outcome:
            raise ServiceError("Vul een getal in.", "value_3")
        assert outcome.refused and outcome.message == "Vul een getal in."
        assert get_flashed_messages() == []


def test_a_block_that_goes_through_keeps_its_writes_and_runs_to_its_end(app):
    reached = []
    with app.test_request_context(method="POST"):
        form = OrganisationForm(meta={"csrf": False})
        with service_errors(form) as outcome:
            _add_organisation("Gemeente Heel")
            reached.append("end of block")
        db.session.commit()
        assert not outcome.refused and outcome.error is None and outcome.message is None
        assert not form.form_errors and not form.name.errors
    assert reached == ["end of block"]
    assert count_rows(app, Organisation, name="Gemeente Heel") == 1


@pytest.mark.parametrize("error", [NotFound(), EditConflict(object(), {}, {}), ValueError("x")])
def test_other_exceptions_pass_through_for_their_own_handlers(app, error):
    with app.test_request_context(method="POST"):
        form = OrganisationForm(meta={"csrf": False})
        with pytest.raises(type(error)), service_errors(form):
            raise error
        assert not form.form_errors and not form.name.errors


@pytest.mark.parametrize(("method", "status"), [("GET", 200), ("POST", 422)])
def test_a_form_page_is_422_only_when_a_submitted_form_comes_back(app, method, status):
    with app.test_request_context(method=method):
        assert form_status() == status


@pytest.mark.parametrize(
    ("headers", "partial"),
    [({"HX-Request": "true"}, True), ({"HX-Request": "false"}, False), ({}, False)],
)
def test_render_gives_the_partial_to_htmx_and_the_full_page_otherwise(app, headers, partial):
    with app.test_request_context(headers=headers):
        assert bool(request.htmx) is partial
        # Both templates exist; which one was chosen shows in the page: only the full
        # page has the document around it.
        body, status = render("errors/error.html", "activity/_bell.html", unread=0)
        assert status == 200
        assert ("<html" in body) is not partial


def test_every_global_is_added_before_a_template_loads(app):
    """A template's globals are a copy of the environment's made when it loads
    (app._TemplateEnvironment): creating the app loads none, so each template has all of
    them, and the same ones."""
    from app import create_app

    fresh = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    )

    assert not fresh.jinja_env.cache
    template = fresh.jinja_env.get_template("base.html")
    assert template.globals == fresh.jinja_env.globals
    assert {"csrf_token", "url_for", "_", "kept_form", "comment_articles"} <= set(template.globals)


def test_every_page_has_the_areas_labels_in_its_language(app):
    """app.views.labels_context: the labels the areas register (app.registry.page_labels),
    translated once per language and kept."""
    from flask import session

    from app import registry
    from app.agreements.models import ACTIVE
    from app.views import labels_context
    from tests.conftest import message

    assert {"agreements", "risks", "cycles", "manifest"} <= set(registry.page_labels.keys())
    with app.test_request_context("/"):
        session["lang"] = "nl"
        dutch = labels_context()
        assert labels_context() is dutch  # kept
    with app.test_request_context("/"):
        session["lang"] = "en"
        english = labels_context()
    assert dutch["agreement_status_labels"][ACTIVE] == message(app, "active", "nl")
    assert english["agreement_status_labels"][ACTIVE] == "active"
    assert dutch["agreement_status_labels"][ACTIVE] != "active"
    names = {name for area in registry.page_labels for name in area}
    assert names == set(dutch) == set(english)


def test_the_app_inspects_each_view_and_hook_once_for_being_a_coroutine(app, monkeypatch):
    from flask import Flask

    asked = []
    real = Flask.ensure_sync
    monkeypatch.setattr(Flask, "ensure_sync", lambda self, f: asked.append(f) or real(self, f))

    def plain():
        return "plain"

    async def coroutine():
        return "async"

    assert app.ensure_sync(plain) is plain and app.ensure_sync(plain) is plain
    assert asked == [plain]
    with pytest.raises(RuntimeError):  # as Flask's: async views need Flask's "async" extra
        app.ensure_sync(coroutine)
    with pytest.raises(RuntimeError):
        app.ensure_sync(coroutine)  # nothing kept for it: asked again
    assert asked == [plain, coroutine, coroutine]

    class Unhashable:
        __hash__ = None

        def __call__(self):
            return "unhashable"

    view = Unhashable()
    assert app.ensure_sync(view) is view  # asked each time, as it cannot be a key
