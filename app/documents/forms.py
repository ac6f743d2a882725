"""The forms of the documents pages: uploading a document or a newer version of one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from app.forms import Form

# What the file picker offers; the server decides the type from the content (files.py).
ACCEPT = (
    ".pdf,.docx,.xlsx,.pptx,.odt,.ods,.png,.jpg,.jpeg,.csv,.txt,"
    "application/pdf,image/png,image/jpeg,text/csv,text/plain"
)


class UploadForm(Form):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])
    # Shown for reviews only: their documents are case details unless marked "deelbaar".
    shareable = BooleanField(
        _l("Shareable: the whole partnership may read this document once the review is finalised")
    )


class VersionForm(Form):
    file = FileField(_l("Newer version"), validators=[FileRequired(_l("Choose a file."))])
