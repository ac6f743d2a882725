"""Forms of the agreement pages."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.agreements.models import DECISIONS, FIRM, WORKABLE
from app.forms import Conditional, Form, MultiCheckboxField, mark_refused, select_choices

MARKDOWN_HINT = _l("You can use Markdown: *italic*, **bold**, lists with -.")

NEEDS_REVISIT = _l("A workable agreement needs a revisit date.")

KIND_LABELS = {
    FIRM: _l("Hard: fixed or contractual"),
    WORKABLE: _l("Werkbaar: temporary, open to dialogue, revisited on a date"),
}


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class AgreementForm(Form):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    summary = StringField(
        _l("The agreement in one sentence"),
        validators=[DataRequired(_l("Write the agreement in one sentence.")), Length(max=500)],
    )
    explanation = TextAreaField(
        _l("Explanation"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=20000)]
    )
    kind = RadioField(
        _l("Kind of agreement"),
        choices=select_choices(KIND_LABELS.items()),
        validators=[InputRequired(_l("Choose hard or werkbaar."))],
    )
    start_on = DateField(_l("Start date"), validators=[InputRequired(_l("Enter the start date."))])
    revisit_on = DateField(
        _l("Revisit date"),
        description=_l("Required for a workable agreement; after the start date."),
        validators=[Conditional(), Optional()],
    )
    end_on = DateField(_l("End date"), validators=[Optional()])
    parties = MultiCheckboxField(
        _l("Parties"), coerce=int, validators=[DataRequired(_l("Choose at least one party."))]
    )
    owner_id = SelectField(_l("Owner"), coerce=_int_or_none, validators=[Optional()])
    principles = MultiCheckboxField(
        _l("Principles this agreement implements"), coerce=int, validators=[Optional()]
    )
    origin = StringField(
        _l("Origin"),
        description=_l(
            "Where the agreement comes from, e.g. a table, a lesson or a board decision."
        ),
        validators=[Optional(), Length(max=500)],
    )
    change_note = TextAreaField(
        _l("Change note"),
        description=_l("What changed and why; kept with the version."),
        validators=[Optional(), Length(max=5000)],
    )
    version = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        # The rule that depends on another field is checked here too, so that a werkbaar
        # agreement without parties and revisit date reports both in the same round.
        valid = super().validate(extra_validators)
        if (
            self.kind.data == WORKABLE
            and self.revisit_on.data is None
            and not self.revisit_on.errors
        ):
            self.revisit_on.errors = [*self.revisit_on.errors, NEEDS_REVISIT]
            mark_refused()
            valid = False
        return valid


class EditAgreementForm(AgreementForm):
    """Changing an agreement: every change is a new version, with a note on what changed."""

    change_note = TextAreaField(
        _l("Change note"),
        description=_l("What changed and why; kept with the version."),
        validators=[DataRequired(_l("Describe what you changed and why.")), Length(max=5000)],
    )


DECISION_CHOICES = {
    "verlengen": _l("Extend: keep it as it is, with a new revisit date"),
    "aanpassen": _l("Amend: a new version with new text, and a new revisit date"),
    "structureel": _l("Make structural: it becomes a hard agreement"),
    "beeindigen": _l("End the agreement"),
}
assert set(DECISION_CHOICES) == set(DECISIONS)


class RevisitForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=select_choices(DECISION_CHOICES.items()),
        validators=[InputRequired(_l("Choose a decision."))],
    )
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(_l("Give the reason for this decision.")),
                                  Length(max=5000)]
    )  # fmt: skip
    new_revisit_on = DateField(
        _l("New revisit date"),
        description=_l("Required for extend and amend."),
        validators=[Conditional(), Optional()],
    )
    title = StringField(
        _l("New title"), description=_l("Required for amend."),
        validators=[Conditional(), Optional(), Length(max=200)],
    )  # fmt: skip
    summary = StringField(
        _l("New wording in one sentence"),
        description=_l("Required for amend; change the title, the wording or the explanation."),
        validators=[Conditional(), Optional(), Length(max=500)],
    )  # fmt: skip
    explanation = TextAreaField(
        _l("New explanation"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=20000)]
    )
    version = HiddenField()


class CommentForm(Form):
    body = TextAreaField(
        _l("Comment"),
        description=MARKDOWN_HINT,
        validators=[DataRequired(_l("Write a comment.")), Length(max=10000)],
    )
