"""The templates' gettext and ngettext (app/__init__.py): bound to the request's
translations once a rendering, and for macros a template imports (rendered without the
page's context) kept per language. Both behave as the ones Flask-Babel installs in Jinja:
the text escaped when autoescaping, always a format string, in the language rendered."""

from __future__ import annotations

import pytest
from flask import render_template_string, session
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from jinja2 import DictLoader
from markupsafe import escape

TEMPLATE = (
    '{{ _("Log in") }}|{{ _("%(n)s organisations with %(m)s members", n=name, m=2) }}'
    '|{{ _("100%% sure") }}'
)
NAME = "<b>Zorg & Co</b>"


def _expected() -> str:
    """What Flask-Babel's own gettext says, escaped as its Jinja functions escape."""
    return "|".join(
        [
            str(escape(babel_gettext("Log in"))),
            str(
                escape(babel_gettext("%(n)s organisations with %(m)s members", n="{n}", m=2))
            ).replace("{n}", str(escape(NAME))),
            babel_gettext("100%% sure") % {},  # a format string in a template
        ]
    )


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_bound_and_macro_gettext_say_what_flask_babel_says(app, lang):
    with app.test_request_context("/"):
        session["lang"] = lang
        env = app.jinja_env
        bound = render_template_string(TEMPLATE, name=NAME)
        # The same template with only the environment's globals (as imported macros get).
        macro = env.from_string(TEMPLATE).render(name=NAME)
        expected = _expected()
    assert bound == macro == expected
    assert "&lt;b&gt;Zorg &amp; Co&lt;/b&gt;" in bound  # variables escaped
    assert bound.endswith("|100% sure")  # always a format string
    assert bound.split("|")[0] == ("Inloggen" if lang == "nl" else "Log in")


def test_an_imported_macro_speaks_the_language_being_rendered(app):
    """A mail in the recipient's language is rendered under force_locale: the macros its
    template imports follow that language, not the page's."""
    loader = app.jinja_env.loader
    app.jinja_env.loader = DictLoader(
        {
            "m.html": '{% macro login() %}{{ _("Log in") }}{% endmacro %}',
            "page.html": '{% from "m.html" import login %}{{ login() }}/{{ _("Log in") }}',
        }
    )
    try:
        with app.test_request_context("/"):
            session["lang"] = "nl"
            env = app.jinja_env
            assert env.get_template("page.html").render() == "Inloggen/Inloggen"
            with force_locale("en"):
                assert render_template_string('{% include "page.html" %}') == "Log in/Log in"
            assert env.get_template("page.html").render() == "Inloggen/Inloggen"
    finally:
        app.jinja_env.loader = loader
        app.jinja_env.cache.clear()


def test_bound_ngettext_chooses_the_plural(app):
    template = '{{ ngettext("%(num)s day", "%(num)s days", n) }}'
    with app.test_request_context("/"):
        assert render_template_string(template, n=1) == app.jinja_env.from_string(template).render(
            n=1
        )
        assert render_template_string(template, n=3) == app.jinja_env.from_string(template).render(
            n=3
        )
        assert "3" in render_template_string(template, n=3)
