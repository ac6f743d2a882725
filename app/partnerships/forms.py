"""Forms of the partnership admin pages."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.forms import Form, ValidEmail, select_choices
from app.partnerships.models import (
    ORGANISATION_KIND_LABELS,
    ORGANISATION_KINDS,
    ROLE_LABELS,
    ROLES,
)


def role_choices():
    return select_choices((role, ROLE_LABELS[role]) for role in ROLES)


def kind_choices():
    return select_choices((kind, ORGANISATION_KIND_LABELS[kind]) for kind in ORGANISATION_KINDS)


class OrganisationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)])
    kind = SelectField(
        _l("Kind"), choices=kind_choices, validators=[DataRequired(_l("Choose a kind."))]
    )
    version = HiddenField()


class MembershipForm(Form):
    organisation_id = SelectField(
        _l("Organisation"), coerce=int, validators=[DataRequired(_l("Choose an organisation."))]
    )
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    version = HiddenField()


class InviteForm(Form):
    email = StringField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            ValidEmail(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    name = StringField(_l("Name"), validators=[Length(max=200)])
    organisation_id = SelectField(
        _l("Organisation"), coerce=int, validators=[DataRequired(_l("Choose an organisation."))]
    )
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])


class SecurityForm(Form):
    require_two_factor = BooleanField(
        _l("Two-factor authentication required for every member"),
        description=_l(
            "Members without it are sent to set it up at their next page and can do nothing "
            "else until they have. Beheerders always need it."
        ),
    )
