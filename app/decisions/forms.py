"""Forms of the decision pages."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.decisions.models import (
    ABSTAIN,
    ADOPTED,
    AGREE,
    CONSENT,
    MAJORITY,
    NOT_PASSED,
    OBJECT,
    PASSED,
    REJECTED,
    WITHDRAWN,
)
from app.forms import Conditional, Form, MultiCheckboxField, select_choices

MARKDOWN_HINT = _l("You can use Markdown: *italic*, **bold**, lists with -.")
METHOD_LABELS = {
    CONSENT: _l("Consent: it passes when no organisation objects"),
    MAJORITY: _l("Majority of organisations, with a quorum"),
}
POSITION_LABELS = {
    AGREE: _l("Consent"),
    OBJECT: _l("Objection (with a reason)"),
    ABSTAIN: _l("Stand aside"),
}
OUTCOME_LABELS = {ADOPTED: _l("Adopted"), REJECTED: _l("Rejected"), WITHDRAWN: _l("Withdrawn")}
RESULT_LABELS = {PASSED: _l("passed"), NOT_PASSED: _l("did not pass")}
STATUS_LABELS = {"open": _l("open"), "gesloten": _l("closed")}


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class ProposalTextMixin:
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    text = TextAreaField(
        _l("Proposed text"),
        description=MARKDOWN_HINT,
        validators=[DataRequired(_l("Write the proposed text.")), Length(max=20000)],
    )
    rationale = TextAreaField(
        _l("Why"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=10000)]
    )


class ProposalForm(ProposalTextMixin, Form):
    organisations = MultiCheckboxField(
        _l("Organisations that decide"), coerce=int,
        validators=[DataRequired(_l("Choose the organisations that decide."))],
    )  # fmt: skip
    method = RadioField(
        _l("How the organisations decide"),
        choices=select_choices(METHOD_LABELS.items()),
        default=CONSENT,
        validators=[InputRequired(_l("Choose how the organisations decide."))],
    )
    quorum = IntegerField(
        _l("Quorum (majority only)"),
        description=_l("How many organisations must have answered for the result to count."),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter a number of at least 1."))],
    )
    closes_at = DateTimeLocalField(
        _l("Closes (Dutch time)"),
        validators=[InputRequired(_l("Enter the closing date and time."))],
    )
    table_id = HiddenField()


class AmendForm(ProposalTextMixin, Form):
    reason = TextAreaField(
        _l("Why you amend it"),
        description=_l("Every organisation is asked to answer again."),
        validators=[DataRequired(_l("Explain why you amend the proposal.")), Length(max=5000)],
    )
    version = HiddenField()


class AnswerForm(Form):
    position = RadioField(
        _l("Your organisation's answer"),
        choices=select_choices(POSITION_LABELS.items()),
        validators=[InputRequired(_l("Choose your organisation's answer."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Required with an objection."),
        validators=[Conditional(), Optional(), Length(max=5000)],
    )
    # The version of the organisation's answer this form was made from (0: none yet).
    answer_version = HiddenField(default="0")


class OutcomeForm(Form):
    outcome = RadioField(
        _l("Outcome"),
        choices=select_choices(OUTCOME_LABELS.items()),
        validators=[InputRequired(_l("Choose the outcome."))],
    )
    outcome_text = TextAreaField(
        _l("Outcome text"),
        description=MARKDOWN_HINT,
        validators=[DataRequired(_l("Describe the outcome.")), Length(max=10000)],
    )
    review_on = DateField(
        _l("Review date"),
        description=_l("When the decision is revisited; an agreement made from it gets this "
                       "revisit date."),
        validators=[Optional()],
    )  # fmt: skip


class MandateForm(Form):
    organisation_id = SelectField(
        _l("Organisation"), coerce=_int_or_none,
        validators=[InputRequired(_l("Choose an organisation."))],
    )  # fmt: skip
    user_id = SelectField(
        _l("Member who may decide"), coerce=_int_or_none,
        validators=[InputRequired(_l("Choose a person."))],
    )  # fmt: skip
