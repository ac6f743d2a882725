"""CSV and XLSX downloads of lists: one header row, then one row per object."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from app.inputs import strip_controls

# What stands in for a character a file cannot hold (a NUL stored before input was checked).
REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return strip_controls(value, REPLACEMENT)
    return value


def _xlsx_cell(value):
    if isinstance(value, str):
        # openpyxl refuses (IllegalCharacterError) what the XLSX format cannot hold.
        return _safe(ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value))
    if isinstance(value, date):
        return value
    return _safe(value)


def _safe(value):
    # Text starting with = + - @ would be run as a formula by spreadsheet programs.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """Semicolon-separated UTF-8 with BOM: what Dutch Excel opens correctly."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(h) for h in header])
    for row in rows:
        writer.writerow([_safe(_cell(v)) for v in row])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(
    filename: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence]
) -> Response:
    workbook = Workbook(write_only=False)
    worksheet = workbook.active
    worksheet.title = ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, sheet)[:31]
    worksheet.append([_xlsx_cell(str(h)) for h in header])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        worksheet.append([_xlsx_cell(v) for v in row])
    worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = Response(
        buffer.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
