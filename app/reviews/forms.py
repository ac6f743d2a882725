"""Forms of the review pages."""

from flask_babel import lazy_gettext as _l
from wtforms import (
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
KIND_LABELS = {"casusbespreking": _l("case discussion"), "kwaliteitsreview": _l("quality review")}
AIM_LABELS = {
    "communicatie": _l("Making communication and decision processes explicit"),
    "professionalisering": _l("Supporting professionalisation within the team"),
    "verschillen": _l("Identifying systematic differences between teams"),
    "regels": _l("Clarifying rules and guidelines, or adjusting them"),
}
LEVEL_LABELS = {
    "1": _l("1st order – rules and actions"),
    "2": _l("2nd order – insights and system"),
    "3": _l("3rd order – principles and roles"),
}
ARENA_LABELS = {"casus": _l("case"), "organisatie": _l("organisation"), "systeem": _l("system")}
FOLLOW_UP_LABELS = {
    "none": _l("none"),
    "action": _l("an action"),
    "agreement": _l("a proposal to change an agreement"),
    "principle": _l("a proposal to change a principle (or a new one)"),
    "table": _l("an item for a thematic table"),
}
STATUS_LABELS = {"concept": _l("concept"), "vastgesteld": _l("finalised")}
# what a confirmed privacy check was about (app.reviews.privacy kinds)
PRIVACY_KIND_LABELS = {
    "bsn": _l("citizen service number (BSN)"), "date": _l("date"), "postcode": _l("postcode"),
    "phone": _l("phone number"), "email": _l("e-mail address"), "iban": _l("bank account number"),
    "name": _l("name"),
}  # fmt: skip
ACTION_STATUS_LABELS = {
    "open": _l("open"),
    "in_uitvoering": _l("in progress"),
    "gereed": _l("done"),
    "vervallen": _l("dropped"),
}
ANONYMOUS_HINT = _l(
    "Anonymised: no names, BSN, birth dates, addresses, phone numbers or e-mail addresses."
)


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class ReviewForm(Form):
    kind = RadioField(
        _l("Kind"), choices=select_choices(KIND_LABELS.items()),
        validators=[InputRequired(_l("Choose a case discussion or a quality review."))],
    )  # fmt: skip
    held_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date of the review."))])
    team = StringField(
        _l("Team"), validators=[DataRequired(_l("Enter the team.")), Length(max=200)]
    )
    participants = TextAreaField(
        _l("Participants by role"),
        description=_l(
            "One role per line, never names (e.g. jeugdprofessional, gedragswetenschapper)."
        ),
        validators=[Optional(), Length(max=2000)],
    )
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    case_description = TextAreaField(
        _l("Case description"),
        description=ANONYMOUS_HINT,
        validators=[Optional(), Length(max=20000)],
    )
    aim_communicatie = TextAreaField(
        AIM_LABELS["communicatie"], validators=[Optional(), Length(max=20000)]
    )
    aim_professionalisering = TextAreaField(
        AIM_LABELS["professionalisering"], validators=[Optional(), Length(max=20000)]
    )
    aim_verschillen = TextAreaField(
        AIM_LABELS["verschillen"], validators=[Optional(), Length(max=20000)]
    )
    aim_regels = TextAreaField(AIM_LABELS["regels"], validators=[Optional(), Length(max=20000)])
    went_well = TextAreaField(_l("What went well"), validators=[Optional(), Length(max=20000)])
    could_be_better = TextAreaField(
        _l("What could be better"), validators=[Optional(), Length(max=20000)]
    )
    version = HiddenField()


class LessonForm(Form):
    text = TextAreaField(
        _l("Lesson"), validators=[DataRequired(_l("Write the lesson.")), Length(max=5000)]
    )
    level = RadioField(
        _l("Level"), choices=select_choices(LEVEL_LABELS.items()),
        validators=[InputRequired(_l("Choose the level of the lesson (1e, 2e or 3e orde)."))],
    )  # fmt: skip
    arena = RadioField(
        _l("Arena"), choices=select_choices(ARENA_LABELS.items()),
        validators=[InputRequired(_l("Choose the arena: case, organisation or system."))],
    )  # fmt: skip
    principles = MultiCheckboxField(
        _l("Principles this lesson touches"), coerce=int, validators=[Optional()]
    )
    follow_up = RadioField(
        _l("Follow-up"), choices=select_choices(FOLLOW_UP_LABELS.items()), default="none",
        description=_l("Carried out when the review is finalised."), validators=[Optional()],
    )  # fmt: skip
    action_owner_id = SelectField(
        _l("Action owner"), coerce=_int_or_none, description=_l("Required for an action."),
        validators=[Conditional(), Optional()],
    )  # fmt: skip
    action_due_on = DateField(_l("Action due date"), validators=[Optional()])
    target_agreement_id = SelectField(
        _l("Agreement to change"), coerce=_int_or_none,
        description=_l("Required for a proposal to change an agreement."),
        validators=[Conditional(), Optional()],
    )  # fmt: skip
    target_principle_id = SelectField(
        _l("Principle to change"), coerce=_int_or_none, validators=[Optional()]
    )
    target_table_id = SelectField(
        _l("Thematic table"), coerce=_int_or_none,
        description=_l("Required for an item for a thematic table."),
        validators=[Conditional(), Optional()],
    )  # fmt: skip
    proposal_title = StringField(
        _l("Title of the proposed principle"),
        description=_l("Required for a proposal to change a principle."),
        validators=[Conditional(), Optional(), Length(max=200)],
    )  # fmt: skip
    proposal_text = TextAreaField(
        _l("Proposed wording, or the question for the table"),
        description=_l("Required for a proposal and for an item for a thematic table."),
        validators=[Conditional(), Optional(), Length(max=5000)],
    )  # fmt: skip


class ConfirmHitForm(Form):
    kind = HiddenField()
    fragment = HiddenField()
    reason = StringField(
        _l("Why this is not personal data"),
        validators=[
            DataRequired(_l("Give the reason why this is not personal data.")),
            Length(max=2000),
        ],
    )


class RetentionForm(Form):
    retention_months = IntegerField(
        _l("Keep case details for (months)"),
        validators=[InputRequired(_l("Enter a number of months.")), NumberRange(1, 240)],
    )


class ActionStatusForm(Form):
    status = SelectField(_l("Status"), choices=select_choices(ACTION_STATUS_LABELS.items()))
