"""Forms of the thematic table pages."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import Form, MultiCheckboxField, select_choices

MARKDOWN_HINT = _l("You can use Markdown: *italic*, **bold**, lists with -.")
STATUS_LABELS = {"actief": _l("active"), "afgerond": _l("finished")}
CONVERSATION_STATUS_LABELS = {"open": _l("open"), "gesloten": _l("closed")}


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class TableForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)])
    theme = TextAreaField(
        _l("Theme"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=20000)]
    )
    goal = TextAreaField(
        _l("Goal"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=20000)]
    )
    chair_id = SelectField(_l("Chair"), coerce=_int_or_none, validators=[Optional()])
    status = SelectField(
        _l("Status"), choices=select_choices(STATUS_LABELS.items()), validators=[Optional()]
    )
    version = HiddenField()


class MemberForm(Form):
    user_id = SelectField(
        _l("Add a member"), coerce=_int_or_none, validators=[InputRequired(_l("Choose a person."))]
    )


class ConversationForm(Form):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    introduction = TextAreaField(
        _l("Introduction"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=20000)]
    )


class CommentForm(Form):
    body = TextAreaField(
        _l("Your comment"),
        description=_l("Mention a member of the table with @ and their name, e.g. @Mehmet "
                       "Yilmaz; suggestions appear as you type. You can use Markdown."),
        validators=[DataRequired(_l("Write a comment.")), Length(max=10000)],
    )  # fmt: skip
    parent_id = HiddenField()


class EditCommentForm(Form):
    body = TextAreaField(
        _l("Comment"), validators=[DataRequired(_l("Write a comment.")), Length(max=10000)]
    )


class ReasonForm(Form):
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=5000)]
    )


class ConclusionForm(Form):
    conclusion = TextAreaField(
        _l("Conclusion"),
        description=_l("What the table concludes; it can become a draft agreement."),
        validators=[DataRequired(_l("Write the conclusion.")), Length(max=20000)],
    )


class MeetingForm(Form):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    starts_at = DateTimeLocalField(
        _l("Starts"), validators=[InputRequired(_l("Enter the date and start time."))]
    )
    ends_at = DateTimeLocalField(_l("Ends"), validators=[InputRequired(_l("Enter the end time."))])
    place = StringField(_l("Place or link"), validators=[Optional(), Length(max=300)])
    agenda = TextAreaField(
        _l("Agenda"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=50000)]
    )
    minutes = TextAreaField(
        _l("Minutes"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=50000)]
    )
    present = MultiCheckboxField(
        _l("Present (the others are recorded as absent)"), coerce=int, validators=[Optional()]
    )
    version = HiddenField()


class DecisionForm(Form):
    text = StringField(
        _l("Decision"), validators=[DataRequired(_l("Write the decision.")), Length(max=2000)]
    )
    owner_id = SelectField(_l("Owner"), coerce=_int_or_none, validators=[Optional()])
