"""Form helpers shared by the areas: the base form every form extends (it applies the
input rules of app/inputs.py to every field), select choices and e-mail validation."""

from __future__ import annotations

import math
from functools import cache, lru_cache

from babel import support
from email_validator import EmailNotValidError, validate_email
from flask import current_app, g, has_request_context, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer
from wtforms.fields import (
    DateField,
    DateTimeField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app import inputs


def csrf_token() -> str:
    """Flask-WTF's generate_csrf() for the templates, with the token of a session signed
    once per process: WTF_CSRF_TIME_LIMIT is None, so the time signed into a token is never
    checked and one signed token of a session's secret is as good as the next (signing it
    anew took some 130 calls on every page). With a time limit, or before the session has
    its secret, Flask-WTF signs as usual."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g or config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()
    raw = session.get(field)
    if not isinstance(raw, str):
        return generate_csrf()
    token = _signed_csrf(config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw)
    setattr(g, field, token)
    return token


@lru_cache(maxsize=4096)
def _signed_csrf(secret_key: str, raw: str) -> str:
    """The token Flask-WTF's generate_csrf() signs for this session secret."""
    return URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token").dumps(raw)


class NoControlCharacters:
    """Text without NUL or other control characters (tab and newlines are fine)."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and inputs.has_control(field.data):
            raise ValidationError(inputs.CONTROL_MESSAGE)


class Conditional:
    """Marks a field required only in some cases (the description says when): its label
    then says neither "(verplicht)" nor "(optioneel)". Checks nothing itself; the service
    or the form's validate() enforces the rule."""

    field_flags = {"conditional": True}

    def __call__(self, form, field):
        return None


class DateInRange:
    """A date (or date and time) between the years inputs.MIN_YEAR and inputs.MAX_YEAR."""

    def __call__(self, form, field):
        if not inputs.date_in_range(field.data):
            raise ValidationError(inputs.DATE_MESSAGE)


class NumberInRange:
    """A finite number that fits the database's columns (no inf, nan or 10**400)."""

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if isinstance(field, IntegerField) and not -inputs.MAX_ID <= value <= inputs.MAX_ID:
            raise ValidationError(_l("Enter a smaller number."))
        if isinstance(value, float) and (not math.isfinite(value) or abs(value) > 1e15):
            raise ValidationError(_l("Enter a smaller number."))


class MaxLength(Length):
    """Length(max=...) added to text fields without a limit of their own; skips data set
    from code rather than from the request (a hidden field holding a version number)."""

    def __call__(self, form, field):
        if isinstance(field.data, str):
            super().__call__(form, field)


@cache
def _wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _InputRules(FlaskForm.Meta):
    def get_translations(self, form):
        """WTForms' own messages in the request's language, read from disk once per
        language (Flask-WTF reads them again for every request that shows a form)."""
        if not has_request_context():
            return super().get_translations(form)
        return _wtforms_translations(str(get_locale()))

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        extra = []
        if isinstance(field, StringField):
            extra.append(NoControlCharacters())
            if not any(isinstance(v, Length) and v.max >= 0 for v in field.validators):
                extra.append(MaxLength(max=inputs.MAX_TEXT))
        elif isinstance(field, DateField | DateTimeField | DateTimeLocalField):
            extra.append(DateInRange())
        elif isinstance(field, IntegerField | FloatField):
            extra.append(NumberInRange())
        if extra:
            field.validators = [*field.validators, *extra]
        return field


class Form(FlaskForm):
    """The base of every form: text without control characters and of limited length,
    dates in a sensible range, numbers that fit the database (see app/inputs.py)."""

    Meta = _InputRules

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid:
            mark_refused()
        return valid


def mark_refused() -> None:
    """Note that this request shows a refused form: the page title starts with "Fout: "."""
    if has_request_context():
        g.form_refused = True


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class ValidEmail:
    """A syntactically valid address; no DNS look-up (the mail server decides)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        try:
            # test_environment allows the .test addresses of the demo accounts.
            validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except EmailNotValidError as error:
            raise ValidationError(self.message) from error


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a group of checkboxes (rendered by the field macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def is_id(value) -> bool:
    """Whether user input is a plain id: ASCII digits only ("²".isdigit() is true, but
    int("²") fails) and short enough for every database's integer column."""
    value = str(value)
    return value.isascii() and value.isdigit() and len(value) <= 9
