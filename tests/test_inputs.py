"""One place decides what input is acceptable: ids in paths within the integer columns,
text without control characters and of limited length, dates between 1900 and 2200,
numbers that fit, query parameters that cannot break a page, and a request body of at most
SAMENSPEL_MAX_CONTENT_MB."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from wtforms.fields import DateField, DateTimeLocalField, StringField
from wtforms.validators import Length

from app import inputs
from app.agreements.models import Agreement
from app.cycles.models import Indicator
from app.forms import DateInRange, Form, NoControlCharacters
from app.tables.models import Meeting
from tests.agreements.helpers import form as agreement_form
from tests.conftest import count_rows, field_error, login, message, post
from tests.tables.helpers import in_context, make_table


def said(app, msgid: str, **variables) -> str:
    return message(app, msgid, **variables)


# --- WTForms' own messages ------------------------------------------------------------------


@pytest.mark.parametrize(("language", "said_it"), [("nl", "Ongeldig getal."),
                                                    ("en", "Not a valid integer value.")])  # fmt: skip
def test_wtforms_messages_are_in_the_language_of_the_request(app, language, said_it):
    from flask import session
    from wtforms.fields import IntegerField

    class Numbers(Form):
        class Meta:
            csrf = False

        count = IntegerField("Aantal")

    for _ in range(2):  # the second time from the translations kept in the process
        with app.test_request_context(method="POST", data={"count": "abc"}):
            session["lang"] = language
            form = Numbers()
            assert not form.validate()
            assert form.count.errors == [said_it]


# --- ids in paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("ident", [2**31, 2**32, 2**63, 2**64, 10**30])
def test_an_id_beyond_the_integer_columns_is_a_missing_page(app, world, login_as, ident):
    client = login_as(world, "beheerder")

    for path in (f"agreements/{ident}", f"risks/{ident}/edit", f"tables/{ident}",
                 f"history/agreement/{ident}", f"tables/1/conversations/{ident}"):  # fmt: skip
        response = client.get(f"/p/{world.slug}/{path}")
        assert response.status_code == 404, path
        assert said(app, "Page not found") in response.get_data(as_text=True)
    response = post(client, f"/p/{world.slug}/agreements/{ident}/archive")
    assert response.status_code == 404
    assert client.get(f"/notifications/{ident}").status_code == 404


def test_the_largest_id_is_an_ordinary_missing_page(app, world, login_as):
    client = login_as(world, "beheerder")

    assert client.get(f"/p/{world.slug}/agreements/{inputs.MAX_ID}").status_code == 404


# --- every form -----------------------------------------------------------------------------


def _forms():
    import app.agreements.forms  # noqa: F401  (every area's forms, imported by create_app)

    found, todo = [], [FlaskForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("app."):
                found.append(sub)
    return found


def test_every_form_applies_the_input_rules_to_every_field(app):
    forms = _forms()
    assert len(forms) > 40
    with app.test_request_context():
        for cls in forms:
            assert issubclass(cls, Form), f"{cls.__module__}.{cls.__name__} is not a Form"
            form = cls(meta={"csrf": False})
            for field in form:
                kinds = [type(v) for v in field.validators]
                if isinstance(field, StringField):
                    assert NoControlCharacters in kinds, (cls.__name__, field.name)
                    limits = [
                        v.max for v in field.validators if isinstance(v, Length) and v.max != -1
                    ]
                    assert limits and all(0 < m <= inputs.MAX_TEXT * 3 for m in limits), (
                        cls.__name__,
                        field.name,
                    )
                if isinstance(field, DateField | DateTimeLocalField):
                    assert DateInRange in kinds, (cls.__name__, field.name)


# --- text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1b[2J", "\x7f", "\x85"])
def test_control_characters_in_text_are_refused_with_a_dutch_message(app, world, login_as, bad):
    client = login_as(world, "programmamanager")

    response = post(
        client, f"/p/{world.slug}/agreements/new", agreement_form(world, title=f"Werk{bad}afspraak")
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "title") == "Haal de onzichtbare stuurtekens uit deze tekst."
    assert count_rows(app, Agreement) == 0


def test_tabs_and_line_breaks_are_kept(app, world, login_as):
    client = login_as(world, "programmamanager")

    response = post(
        client,
        f"/p/{world.slug}/agreements/new",
        agreement_form(world, explanation="Eerst\tdit,\r\ndan dat."),
    )

    assert response.status_code == 302
    assert count_rows(app, Agreement) == 1


def test_text_without_its_own_limit_is_limited_too(app, world, login_as):
    client = login_as(world, "programmamanager")

    response = post(
        client,
        f"/p/{world.slug}/agreements/new",
        agreement_form(world, explanation="x" * (inputs.MAX_TEXT + 1)),
    )

    assert response.status_code == 422
    assert count_rows(app, Agreement) == 0


def test_a_nul_in_the_login_e_mail_is_a_form_error(app, world, client):
    response = login(client, "beheerder\x00@testverband.test")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "email") == "Haal de onzichtbare stuurtekens uit deze tekst."


# --- dates -----------------------------------------------------------------------------------------


@pytest.fixture
def table_id(app, world) -> int:
    return in_context(app, lambda: make_table(world).id)


@pytest.mark.parametrize(
    "starts, ends",
    [
        ("0001-01-01T00:00", "0001-01-01T02:00"),
        ("9999-12-31T22:00", "9999-12-31T23:59"),
        ("1899-12-31T10:00", "1899-12-31T12:00"),
    ],
)
def test_a_meeting_outside_the_years_is_refused(app, world, login_as, table_id, starts, ends):
    client = login_as(world, "programmamanager")
    data = {"title": "Bijeenkomst", "starts_at": starts, "ends_at": ends}

    response = post(client, f"/p/{world.slug}/tables/{table_id}/meetings/new", data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    expected = "Vul een datum in tussen 1900 en 2200."
    assert field_error(page, "starts_at") == expected
    assert field_error(page, "ends_at") == expected
    assert count_rows(app, Meeting) == 0


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2201-01-01"])
def test_an_agreement_date_outside_the_years_is_refused(app, world, login_as, day):
    client = login_as(world, "programmamanager")

    response = post(
        client, f"/p/{world.slug}/agreements/new", agreement_form(world, revisit_on=day)
    )

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "revisit_on") == (
        "Vul een datum in tussen 1900 en 2200."
    )
    assert count_rows(app, Agreement) == 0


# --- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["nan", "inf", "-inf", "1e309", "1e300"])
def test_a_number_that_does_not_fit_is_refused(app, world, login_as, target):
    client = login_as(world, "programmamanager")
    data = {"name": "Wachttijd", "direction": "lager", "kind": "kwantitatief", "target": target}

    response = post(client, f"/p/{world.slug}/indicators/new", data)

    assert response.status_code in (200, 422)
    assert "Vul een kleiner getal in." in response.get_data(as_text=True) or (
        field_error(response.get_data(as_text=True), "target") != ""
    )
    assert count_rows(app, Indicator) == 0


# --- query parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["?q=%00", "?q=a%00b", "?q=%1b", "?page=%00", "?kind=%00", "?q=" + "x" * 10_001,
     "?status=%00&level=%7f", "?%00=1"],
)  # fmt: skip
def test_odd_query_parameters_are_ignored(app, world, login_as, query):
    client = login_as(world, "beheerder")

    for path in ("search/", "agreements/", "risks/", "members", "reviews/", "activity",
                 "agreements/export.xlsx", "risks/export.csv", "admin/members"):  # fmt: skip
        response = client.get(f"/p/{world.slug}/{path}{query}")
        assert response.status_code == 200, (path, query)


def test_a_dropped_parameter_leaves_the_others(app):
    from flask import request

    with app.test_request_context("/?q=a%00b&page=2&x=" + "y" * 10_001 + "&%01=1&z=" + "y" * 500):
        inputs.check_query_args()

        assert request.args.to_dict(flat=False) == {"page": ["2"], "z": ["y" * 500]}


# --- the size of a request -------------------------------------------------------------------------


def test_a_body_beyond_the_limit_is_refused_with_the_error_page(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] == 4 * 2**20
    body = "email=a%40b.test&password=" + "x" * (5 * 2**20)

    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert said(app, "What you sent is too large") in page
    assert said(app, "Make the text shorter and try again.") in page


def test_the_limit_comes_from_the_environment(monkeypatch, tmp_path):
    from app import config

    monkeypatch.setenv("SAMENSPEL_MAX_CONTENT_MB", "10")
    monkeypatch.setenv("SAMENSPEL_SECRET_KEY", "x")

    assert config.load(tmp_path)["MAX_CONTENT_LENGTH"] == 10 * 2**20
