"""Inspecting an upload before anything is stored: type from the content, size, zip bombs, name.

Every refusal is an `UploadRefused` carrying a message for the person who uploaded the file;
the caller stores nothing when one is raised."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from flask_babel import format_decimal
from flask_babel import gettext as _

from app.errors import ServiceError

# kind -> (content type, extension shown in the safe download name)
KINDS = {
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    "odt": ("application/vnd.oasis.opendocument.text", "odt"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    "png": ("image/png", "png"),
    "jpeg": ("image/jpeg", "jpg"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "txt": ("text/plain; charset=utf-8", "txt"),
}
LABELS = {
    "pdf": "PDF",
    "docx": "Word",
    "xlsx": "Excel",
    "pptx": "PowerPoint",
    "odt": "ODT",
    "ods": "ODS",
    "png": "PNG",
    "jpeg": "JPEG",
    "csv": "CSV",
    "txt": "Tekst",
}
OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
# Office files are zip archives; these bound what opening one may cost.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_TOTAL = 300 * 2**20
ZIP_MAX_RATIO = 100
NAME_MAX = 255
# Control characters (Cc) and format characters (Cf), which include the bidi overrides
# (U+202A-U+202E, U+2066-U+2069) that make "fdp.exe" read as "exe.pdf".
HIDDEN = {"Cc", "Cf", "Zl", "Zp"}


class UploadRefused(ServiceError):
    """The upload is not accepted; the message says why, in the user's language."""


@dataclass(frozen=True)
class Inspected:
    name: str
    kind: str
    content_type: str
    size: int
    sha256: str


def clean_name(raw: str | None) -> str:
    """The file name without folders, hidden characters or surrounding spaces."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(" " if unicodedata.category(c) in HIDDEN else c for c in name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        raise UploadRefused(_("The file has no name. Give it a name and try again."), "file")
    if len(name) > NAME_MAX:
        raise UploadRefused(
            _(
                "The file name is %(length)d characters long; at most %(limit)d are allowed. "
                "Rename the file and try again.",
                length=len(name),
                limit=NAME_MAX,
            ),
            "file",
        )
    return name


def check_zip(data: bytes) -> zipfile.ZipFile:
    """The opened archive, after refusing one that would unpack to far more than it is."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UploadRefused(_("The file is damaged and cannot be opened."), "file") from None
    total = sum(entry.file_size for entry in entries)
    if (
        len(entries) > ZIP_MAX_ENTRIES
        or total > ZIP_MAX_TOTAL
        or total > ZIP_MAX_RATIO * max(len(data), 1)
    ):
        raise UploadRefused(
            _("The file unpacks to far more data than it contains and is refused."), "file"
        )
    return archive


def zip_kind(data: bytes) -> str | None:
    archive = check_zip(data)
    names = set(archive.namelist())
    if "mimetype" in names:
        try:
            mimetype = archive.read("mimetype").strip()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
            raise UploadRefused(_("The file is damaged and cannot be opened."), "file") from None
        return ODF_TYPES.get(mimetype)
    if "[Content_Types].xml" in names:
        for prefix, kind in OOXML_PARTS.items():
            if any(name.startswith(prefix) for name in names):
                return kind
    return None


def text_kind(data: bytes, name: str) -> str | None:
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "csv" if name.lower().endswith(".csv") else "txt"


def detect(data: bytes, name: str) -> str | None:
    """The allowed kind of the content, or None; the name only tells CSV from plain text."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return zip_kind(data)
    guess = filetype.guess(data)
    if guess is not None:
        return {"png": "png", "jpg": "jpeg"}.get(guess.extension)
    return text_kind(data, name)


def limit_mb(value: float) -> str:
    return format_decimal(value, format="#,##0.##")


def inspect(
    data: bytes, raw_name: str | None, *, max_mb: float, room_mb: float | None = None
) -> Inspected:
    """Check an upload; UploadRefused with a message when it may not be stored.

    `room_mb` is what the object still has room for (its total limit minus what it holds)."""
    name = clean_name(raw_name)
    if not data:
        raise UploadRefused(_("The file is empty. Choose a file with content."), "file")
    if len(data) > max_mb * 2**20:
        raise UploadRefused(
            _("The file is larger than %(limit)s MB.", limit=limit_mb(max_mb)), "file"
        )
    if room_mb is not None and len(data) > room_mb * 2**20:
        raise UploadRefused(
            _("This would exceed the total size of documents allowed for this item."), "file"
        )
    kind = detect(data, name)
    if kind is None:
        raise UploadRefused(
            _(
                "This type of file is not accepted. Allowed are PDF, Word (DOCX), Excel (XLSX), "
                "PowerPoint (PPTX), ODT, ODS, PNG, JPEG, CSV and plain text."
            ),
            "file",
        )
    return Inspected(
        name=name,
        kind=kind,
        content_type=KINDS[kind][0],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
