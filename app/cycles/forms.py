"""Forms of the cycle and indicator pages."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import DateField, FloatField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import Conditional, Form, select_choices

DIRECTION_LABELS = {"hoger": _l("higher is better"), "lager": _l("lower is better")}
KIND_LABELS = {"kwantitatief": _l("quantitative"), "kwalitatief": _l("qualitative")}
STATUS_LABELS = {
    "voorgesteld": _l("proposed"),
    "vastgesteld": _l("adopted"),
    "vervallen": _l("retired"),
}
PHASE_LABELS = {
    "voorbereiden": _l("preparing"),
    "monitoren": _l("monitoring"),
    "duiden": _l("interpreting"),
    "besluitvorming": _l("board decision"),
    "afgerond": lazy_pgettext("cycle phase", "closed"),
}
DECISION_LABELS = {
    "vastgesteld": _l("adopted"),
    "vastgesteld_met_opmerkingen": _l("adopted with remarks"),
    "niet_vastgesteld": _l("not adopted"),
}
VOTE_LABELS = {"akkoord": _l("agree"), "niet_akkoord": _l("do not agree")}


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class IndicatorForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)])
    definition = TextAreaField(_l("Definition"), validators=[Optional(), Length(max=5000)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=50)])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=300)])
    direction = RadioField(
        _l("Direction"), choices=select_choices(DIRECTION_LABELS.items()),
        validators=[InputRequired(_l("Choose whether higher or lower is better."))],
    )  # fmt: skip
    kind = RadioField(
        _l("Kind"), choices=select_choices(KIND_LABELS.items()),
        validators=[InputRequired(_l("Choose quantitative or qualitative."))],
    )  # fmt: skip
    target = FloatField(_l("Target (a number)"), validators=[Optional()])
    target_text = StringField(
        _l("Target in words (qualitative)"), validators=[Optional(), Length(max=300)]
    )
    owner_organisation_id = SelectField(
        _l("Owner organisation"), coerce=_int_or_none, validators=[Optional()]
    )


class CycleForm(Form):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    period_from = DateField(_l("Period from"), validators=[InputRequired(_l("Enter the period."))])
    period_to = DateField(_l("Period to"), validators=[InputRequired(_l("Enter the period."))])


class InterpretationForm(Form):
    interpretation = TextAreaField(
        _l("Interpretation (duiding)"),
        description=_l("What the figures and stories of this period mean. You can use Markdown."),
        validators=[Optional(), Length(max=50000)],
    )
    dilemmas = TextAreaField(_l("Dilemmas"), validators=[Optional(), Length(max=50000)])
    proposals = TextAreaField(
        _l("Proposals for the boards"),
        description=_l("One proposal per line; each board votes on each line."),
        validators=[Optional(), Length(max=20000)],
    )


class DecisionForm(Form):
    decision = RadioField(
        _l("Decision of your organisation"), choices=select_choices(DECISION_LABELS.items()),
        validators=[InputRequired(_l("Choose a decision."))],
    )  # fmt: skip
    comment = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=10000)])
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Required when your organisation does not adopt it."),
        validators=[Conditional(), Optional(), Length(max=5000)],
    )
