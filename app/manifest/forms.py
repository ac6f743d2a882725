"""Forms of the manifest pages."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import Form

MARKDOWN_HINT = _l("You can use Markdown: *italic*, **bold**, lists with -.")


class PrincipleForm(Form):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    core_sentence = StringField(
        _l("Core sentence"),
        description=_l("The principle in one sentence."),
        validators=[DataRequired(_l("Enter the principle in one sentence.")), Length(max=500)],
    )
    explanation = TextAreaField(
        _l("Explanation"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=20000)]
    )
    origin = StringField(
        _l("Origin"),
        description=_l("Where the principle comes from, e.g. a document, a table or a lesson."),
        validators=[Optional(), Length(max=500)],
    )
    practice = TextAreaField(
        _l("What this means in practice"),
        description=MARKDOWN_HINT,
        validators=[Optional(), Length(max=20000)],
    )
    version = HiddenField()


class PreambleForm(Form):
    preamble = TextAreaField(
        _l("Preamble"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=20000)]
    )
    version = HiddenField()


class MoveForm(Form):
    position = IntegerField(_l("New position"), validators=[DataRequired(_l("Choose a position."))])


class AdoptForm(Form):
    note = TextAreaField(
        _l("Adoption note"),
        description=_l("What this version changes, and who decided to adopt it (e.g. the RBO)."),
        validators=[DataRequired(_l("Write a note on what this version changes and who decided.")),
                    Length(max=5000)],
    )  # fmt: skip


class EndorseForm(Form):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ProposalForm(Form):
    principle_id = SelectField(
        _l("Principle"), coerce=str, description=_l("Choose a principle, or a new principle.")
    )
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    core_sentence = StringField(
        _l("Core sentence"),
        validators=[DataRequired(_l("Enter the principle in one sentence.")), Length(max=500)],
    )
    explanation = TextAreaField(
        _l("Explanation"), description=MARKDOWN_HINT, validators=[Optional(), Length(max=20000)]
    )
    practice = TextAreaField(
        _l("What this means in practice"),
        description=MARKDOWN_HINT,
        validators=[Optional(), Length(max=20000)],
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Why should the principle change?"),
        validators=[DataRequired(_l("Explain why you propose this.")), Length(max=5000)],
    )


class CommentForm(Form):
    body = TextAreaField(
        _l("Comment"),
        description=MARKDOWN_HINT,
        validators=[DataRequired(_l("Write a comment.")), Length(max=10000)],
    )


class DeclineForm(Form):
    reason = TextAreaField(
        _l("Reason for declining"),
        validators=[DataRequired(_l("Give the reason for declining.")), Length(max=5000)],
    )
