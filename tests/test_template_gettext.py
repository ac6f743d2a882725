"""The templates' gettext and ngettext, bound to the request's translations once a
rendering (app/__init__.py), behave as the ones Flask-Babel installs in Jinja."""

from __future__ import annotations

import pytest
from flask import render_template_string, session

TEMPLATE = (
    '{{ _("Log in") }}|{{ _("%(n)s organisations with %(m)s members", n=name, m=2) }}'
    '|{{ _("100%% sure") }}'
)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_bound_gettext_says_the_same_as_flask_babel(app, lang):
    with app.test_request_context("/"):
        session["lang"] = lang
        env = app.jinja_env
        bound = render_template_string(TEMPLATE, name="<b>Zorg & Co</b>")
        # The same template with only the globals Flask-Babel installed (as macros get).
        installed = env.from_string(TEMPLATE).render(name="<b>Zorg & Co</b>")
    assert bound == installed
    assert "&lt;b&gt;Zorg &amp; Co&lt;/b&gt;" in bound  # variables escaped
    assert bound.endswith("|100% sure")  # always a format string
    assert bound.split("|")[0] == ("Inloggen" if lang == "nl" else "Log in")


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
