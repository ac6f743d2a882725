"""Reading an uploaded list: CSV (``;`` or ``,``; UTF-8 with or without BOM, or
Windows-1252 as Excel writes it) or XLSX (values only: formulas are never evaluated,
the cached value is read). Refused with a Dutch message, before anything is written:
not a spreadsheet, password-protected, with macros, merged cells, too large or too long.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from app.errors import ServiceError

ZIP_MAGIC = b"PK\x03\x04"
# An OLE2 compound file: an old .xls or, for .xlsx, a password-protected (encrypted) one.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MONTHS = {
    name: number
    for number, names in enumerate(
        [("januari", "jan"), ("februari", "feb"), ("maart", "mrt", "mar"), ("april", "apr"),
         ("mei",), ("juni", "jun"), ("juli", "jul"), ("augustus", "aug"),
         ("september", "sep", "sept"), ("oktober", "okt", "oct"), ("november", "nov"),
         ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
NUMERIC_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
WRITTEN_DATE = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")


class ImportFileError(ServiceError):
    """The file as a whole cannot be read; nothing is written."""


@dataclass
class Table:
    """The first sheet of a file: its header row and the rows below it (text, numbers,
    dates), with the line number of each row in the file."""

    header: list[str]
    rows: list[tuple[int, list]]


def read_table(filename: str, data: bytes, max_bytes: int, max_rows: int) -> Table:
    name = (filename or "").lower()
    if len(data) > max_bytes:
        raise ImportFileError(
            _l("The file is larger than %(mb)s MB. Split it into smaller files.",
               mb=_mb(max_bytes))
        )  # fmt: skip
    if not data.strip():
        raise ImportFileError(_l("The file is empty."))
    if name.endswith((".xlsm", ".xltm", ".xlam")):
        raise ImportFileError(
            _l("Files with macros (.xlsm) are not accepted. Save the file as .xlsx or .csv.")
        )
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(
            _l("This file is password-protected or an old Excel file (.xls). Remove the "
               "password and save it as .xlsx or .csv.")
        )  # fmt: skip
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, max_rows)
    if b"\x00" in data[:4096] or name.endswith((".xlsx", ".xls", ".pdf", ".docx")):
        raise ImportFileError(_l("This is not a spreadsheet. Upload an .xlsx or .csv file."))
    return _read_csv(data, max_rows)


def _mb(max_bytes: int) -> str:
    value = round(max_bytes / 2**20, 2)
    return f"{value:g}".replace(".", ",")


def _too_long(max_rows: int) -> ImportFileError:
    return ImportFileError(
        _l("The file has more than %(n)s rows. Split it into smaller files.", n=max_rows)
    )


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except zipfile.BadZipFile as error:
        raise ImportFileError(
            _l("This is not a spreadsheet. Upload an .xlsx or .csv file.")
        ) from error
    if "xl/workbook.xml" not in names:
        raise ImportFileError(_l("This is not a spreadsheet. Upload an .xlsx or .csv file."))
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ImportFileError(
            _l("Files with macros (.xlsm) are not accepted. Save the file as .xlsx or .csv.")
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(
            _l("The file cannot be read as a spreadsheet. Save it again as .xlsx or .csv.")
        ) from error
    try:
        sheet = workbook.worksheets[0]
        sheet_path = _first_sheet_path(archive)
        if sheet_path and b"<mergeCell " in archive.read(sheet_path):
            raise ImportFileError(
                _l("The sheet has merged cells. Unmerge them so that every row has its own "
                   "values.")
            )  # fmt: skip
        rows: list[tuple[int, list]] = []
        header: list[str] | None = None
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = [_xlsx_value(v) for v in values]
            if header is None:
                if not any(v not in (None, "") for v in values):
                    continue
                header = [str(v or "").strip() for v in values]
                continue
            if not any(v not in (None, "") for v in values):
                continue
            if len(rows) >= max_rows:
                raise _too_long(max_rows)
            rows.append((number, values))
    finally:
        workbook.close()
    if header is None:
        raise ImportFileError(_l("The file has no header row."))
    return Table(header, rows)


def _first_sheet_path(archive: zipfile.ZipFile) -> str | None:
    sheets = sorted(n for n in archive.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
    return sheets[0] if sheets else None


def _xlsx_value(value):
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, str):
        value = value.strip()
        # The exports write text that starts with = + - @ with a leading quote.
        if value[:2] in ("'=", "'+", "'-", "'@"):
            value = value[1:]
        return value
    return value


def _read_csv(data: bytes, max_rows: int) -> Table:
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list]] = []
    try:
        for number, values in enumerate(reader, start=1):
            values = [_csv_value(v) for v in values]
            if header is None:
                if any(values):
                    header = [str(v) for v in values]
                continue
            if not any(values):
                continue
            if len(rows) >= max_rows:
                raise _too_long(max_rows)
            rows.append((number, values))
    except csv.Error as error:
        raise ImportFileError(_l("The file cannot be read as CSV.")) from error
    if header is None:
        raise ImportFileError(_l("The file has no header row."))
    return Table(header, rows)


def _csv_value(value: str) -> str:
    value = value.strip()
    if value[:2] in ("'=", "'+", "'-", "'@"):
        value = value[1:]
    return value


# --- headers ------------------------------------------------------------------------------


def normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


def match_header(header: list[str], columns: dict[str, list[str]], required: set[str]):
    """Map each known column to its position in the header row.

    ``columns`` gives per column key the headers it is known by (Dutch and English).
    Returns (positions, problems): a missing required column is a problem that names
    the closest header of the file, or the closest known header for an unknown one.
    """
    known = {normalise(label): key for key, labels in columns.items() for label in labels}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, label in enumerate(header):
        key = known.get(normalise(label))
        if key and key not in positions:
            positions[key] = index
        elif label.strip() and not key:
            unknown.append(label)
    problems: list[str] = []
    for key in columns:
        if key in positions or key not in required:
            continue
        title = columns[key][0]
        close = difflib.get_close_matches(normalise(title), [normalise(u) for u in unknown],
                                          n=1, cutoff=0.5)  # fmt: skip
        if close:
            found = next(u for u in unknown if normalise(u) == close[0])
            problems.append(
                str(_l("Column “%(name)s” is missing. Did you mean “%(found)s”? Rename that "
                       "column to “%(name)s”.", name=title, found=found))
            )  # fmt: skip
        else:
            problems.append(str(_l("Column “%(name)s” is missing.", name=title)))
    for label in unknown:
        labels = [ls[0] for ls in columns.values()]
        close = difflib.get_close_matches(label, labels, n=1, cutoff=0.6)
        if close and not any(close[0] in p for p in problems):
            problems.append(
                str(_l("Column “%(found)s” is not known. Did you mean “%(name)s”?",
                       found=label, name=close[0]))
            )  # fmt: skip
    return positions, problems


# --- values ---------------------------------------------------------------------------


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value) -> date | None:
    """A date from a date cell, ISO text, 1-3-2027 / 1/3/2027 / 1.3.2027 or 1 maart 2027.
    None for an empty value; ValueError for anything else."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip().lower()
    if match := ISO_DATE.match(raw):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := NUMERIC_DATE.match(raw):
        return date(int(match[3]), int(match[2]), int(match[1]))
    if (match := WRITTEN_DATE.match(raw)) and match[2] in MONTHS:
        return date(int(match[3]), MONTHS[match[2]], int(match[1]))
    raise ValueError(raw)


def parse_number(value) -> Decimal | None:
    """A number from a number cell or text with a decimal comma (3,5) or point."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return Decimal(str(value))
    raw = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    try:
        return Decimal(raw)
    except InvalidOperation as error:
        raise ValueError(raw) from error


def parse_int(value) -> int | None:
    number = parse_number(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(value)
    return int(number)
