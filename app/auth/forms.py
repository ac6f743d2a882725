"""Forms for login, account, password and accepting an invitation."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.auth.models import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from app.forms import Form, select_choices

# each language by its own name, whatever the reader's language
LANGUAGE_LABELS = {"nl": "Nederlands", "en": "English"}
LANGUAGE_CHOICES = select_choices(LANGUAGE_LABELS.items())


class LoginForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    # Not asked in the first step: the e-mail address decides whether the person logs in
    # with a password or through their organisation's sign-in (app/auth/sso.py).
    password = PasswordField(
        _l("Password"),
        validators=[Length(max=500)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Stay logged in on this device"))


class AccountForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    language = RadioField(
        _l("Language"),
        choices=LANGUAGE_CHOICES,
        validators=[DataRequired(_l("Choose a language."))],
    )


def _new_password_fields():
    new = PasswordField(
        _l("New password"),
        description=_l(
            "At least %(n)s characters; a few unrelated words are easy to remember and hard "
            "to guess. Not your name or e-mail address.",
            n=MIN_PASSWORD_LENGTH,
        ),
        validators=[
            DataRequired(_l("Enter a new password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
            ),
            Length(
                max=MAX_PASSWORD_LENGTH,
                message=_l("Use at most %(n)s characters.", n=MAX_PASSWORD_LENGTH),
            ),
        ],
        render_kw={"autocomplete": "new-password", "aria-controls": "password-strength"},
    )
    repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Repeat the new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    return new, repeat


class PasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password, repeat_password = _new_password_fields()


class AcceptInvitationForm(Form):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    new_password, repeat_password = _new_password_fields()


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


class ResetPasswordForm(Form):
    new_password, repeat_password = _new_password_fields()


def _code_field(label=None):
    return StringField(
        label or _l("Code"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class CodeForm(Form):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )


class TwoFactorSetupForm(Form):
    code = _code_field(_l("The 6-digit code your app shows now"))


class TwoFactorOffForm(Form):
    password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=500)],
        render_kw={"autocomplete": "current-password"},
    )
    code = _code_field(_l("Code from your authenticator app, or a recovery code"))


class RecoveryCodesForm(Form):
    password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=500)],
        render_kw={"autocomplete": "current-password"},
    )


class SsoProviderForm(Form):
    """A single sign-on provider; the client secret is asked, never shown."""

    name = StringField(
        _l("Name"),
        description=_l("As people see it on the login page, e.g. Gemeente Amersfoort."),
        validators=[DataRequired(_l("Enter a name.")), Length(max=100)],
    )
    issuer = StringField(
        _l("Issuer URL"),
        description=_l("The address the provider's discovery document is found under."),
        validators=[DataRequired(_l("Enter the issuer URL.")), Length(max=500)],
        render_kw={"spellcheck": "false", "inputmode": "url"},
    )
    client_id = StringField(
        _l("Client id"),
        validators=[DataRequired(_l("Enter the client id.")), Length(max=255)],
        render_kw={"spellcheck": "false"},
    )
    client_secret = PasswordField(
        _l("Client secret"),
        description=_l("Stored encrypted and never shown again."),
        validators=[DataRequired(_l("Enter the client secret.")), Length(max=2000)],
        render_kw={"autocomplete": "off"},
    )
    domains = StringField(
        _l("E-mail domains"),
        description=_l("Separated by spaces, e.g. amersfoort.nl leusden.nl."),
        validators=[DataRequired(_l("Enter at least one e-mail domain.")), Length(max=1000)],
        render_kw={"spellcheck": "false"},
    )
    passwords_allowed = BooleanField(_l("Passwords stay allowed for these domains"))
    auto_create = BooleanField(
        _l("Create accounts automatically"),
        description=_l("Without any membership: a beheerder still invites them to a partnership."),
    )
    mfa_acr_values = StringField(
        _l("acr values that count as two-factor authentication"),
        description=_l("Separated by spaces; an amr claim with mfa always counts."),
        validators=[Length(max=1000)],
        render_kw={"spellcheck": "false"},
    )
    organisation = SelectField(_l("Organisation"), choices=[], validate_choice=True)
