"""Forms of the risk pages."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import Conditional, Form, MultiCheckboxField, select_choices

MARKDOWN_HINT = _l("You can use Markdown: *italic*, **bold**, lists with -.")

STRATEGY_LABELS = {
    "vermijden": _l("avoid"),
    "verminderen": _l("reduce"),
    "overdragen": _l("transfer"),
    "accepteren": _l("accept"),
}
STATUS_LABELS = {
    "open": _l("open"),
    "beheerst": _l("controlled"),
    "geaccepteerd": lazy_pgettext("risk status", "accepted"),
    "gesloten": _l("closed"),
}
MEASURE_STATUS_LABELS = {
    "gepland": _l("planned"),
    "in_uitvoering": _l("in progress"),
    "gereed": _l("done"),
    "vervallen": _l("dropped"),
}
LEVEL_LABELS = {
    "laag": _l("low"),
    "midden": _l("medium"),
    "hoog": _l("high"),
    "kritiek": _l("critical"),
}
SCALE = select_choices((str(n), str(n)) for n in range(1, 6))


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


def _figure(label):
    return RadioField(
        label,
        choices=SCALE,
        validators=[InputRequired(_l("Choose a value from 1 to 5."))],
    )


class FiguresMixin:
    inherent_likelihood = _figure(_l("Likelihood before measures (bruto)"))
    inherent_impact = _figure(_l("Impact before measures (bruto)"))
    residual_likelihood = _figure(_l("Likelihood after measures (netto)"))
    residual_impact = _figure(_l("Impact after measures (netto)"))
    residual_reason = TextAreaField(
        _l("Why the netto score is higher than the bruto score"),
        description=_l("Only needed when the netto score exceeds the bruto score."),
        validators=[Conditional(), Optional(), Length(max=5000)],
    )


class RiskForm(Form):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    description = TextAreaField(
        _l("Description"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=20000)]
    )
    cause = TextAreaField(_l("Cause"), validators=[Optional(), Length(max=20000)])
    consequence = TextAreaField(_l("Consequence"), validators=[Optional(), Length(max=20000)])
    category_id = SelectField(
        _l("Category"), coerce=_int_or_none, validators=[InputRequired(_l("Choose a category."))]
    )
    shared = BooleanField(_l("Borne jointly (gedeeld)"))
    bearers = MultiCheckboxField(
        _l("Bearing organisations"), coerce=int,
        description=_l("Required unless the risk is borne jointly (gedeeld)."),
        validators=[Conditional(), Optional()],
    )  # fmt: skip
    owner_id = SelectField(_l("Owner"), coerce=_int_or_none, validators=[Optional()])
    strategy = RadioField(
        _l("Strategy"),
        choices=select_choices(STRATEGY_LABELS.items()),
        validators=[InputRequired(_l("Choose a strategy."))],
    )
    status = SelectField(
        _l("Status"), choices=select_choices(STATUS_LABELS.items()), validators=[Optional()]
    )
    review_on = DateField(_l("Review date"), validators=[Optional()])
    principles = MultiCheckboxField(
        _l("Principles this risk threatens"), coerce=int, validators=[Optional()]
    )
    version = HiddenField()


class NewRiskForm(RiskForm, FiguresMixin):
    pass


class ReassessForm(Form, FiguresMixin):
    reason = TextAreaField(
        _l("Why the assessment changes"),
        description=_l("Or why it stays the same, when you confirm it at a review."),
        validators=[DataRequired(_l("Explain why the assessment changes.")), Length(max=5000)],
    )
    next_review_on = DateField(_l("Next review date"), validators=[Optional()])
    version = HiddenField()


class MeasureForm(Form):
    description = TextAreaField(
        _l("Measure"), validators=[DataRequired(_l("Describe the measure.")), Length(max=5000)]
    )
    owner_id = SelectField(_l("Owner"), coerce=_int_or_none, validators=[Optional()])
    due_on = DateField(_l("Due date"), validators=[Optional()])
    status = SelectField(
        _l("Status"), choices=select_choices(MEASURE_STATUS_LABELS.items()), validators=[Optional()]
    )
    agreement_id = SelectField(
        _l("Implemented by agreement"), coerce=_int_or_none, validators=[Optional()]
    )
    version = HiddenField()


class CommentForm(Form):
    body = TextAreaField(
        _l("Comment"),
        description=MARKDOWN_HINT,
        validators=[DataRequired(_l("Write a comment.")), Length(max=10000)],
    )


class CategoryForm(Form):
    name = StringField(
        _l("New category"), validators=[DataRequired(_l("Enter a name.")), Length(max=80)]
    )


class ThresholdsForm(Form):
    medium_from = IntegerField(
        _l("Medium from score"),
        validators=[InputRequired(_l("Enter a score.")), NumberRange(2, 25)],
    )
    high_from = IntegerField(
        _l("High from score"), validators=[InputRequired(_l("Enter a score.")), NumberRange(2, 25)]
    )
    critical_from = IntegerField(
        _l("Critical from score"),
        validators=[InputRequired(_l("Enter a score.")), NumberRange(2, 25)],
    )
