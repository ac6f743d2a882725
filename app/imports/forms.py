"""Forms of the import pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField

from app.forms import Form


class UploadForm(Form):
    file = FileField(
        _l("File (.xlsx or .csv)"),
        description=_l("The first row holds the column names; every row below it is imported."),
        validators=[FileRequired(_l("Choose a file."))],
    )


class ApplyForm(Form):
    token = HiddenField()
    all_or_nothing = BooleanField(_l("Only if everything is correct (otherwise nothing)"))
