"""Form helpers shared by the areas: select choices and e-mail validation."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from wtforms.fields import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget


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
