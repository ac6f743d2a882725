"""The XLSX template of an import: a header row, drop-down lists for the choice columns
and a sheet that explains every column."""

from __future__ import annotations

import io
from collections.abc import Sequence

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation


def template_xlsx(
    sheet: str, columns: Sequence[tuple[str, str, Sequence[str] | None]], rows: int = 1000
) -> bytes:
    """columns: (header, explanation, choices or None) in the order of the sheet."""
    workbook = Workbook()
    data = workbook.active
    data.title = sheet[:31]
    data.append([header for header, _explanation, _choices in columns])
    for cell in data[1]:
        cell.font = Font(bold=True)
    data.freeze_panes = "A2"
    lists = workbook.create_sheet(_("Lists"))
    for index, (header, _explanation, choices) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        data.column_dimensions[letter].width = max(14, len(header) + 2)
        if not choices:
            continue
        lists.cell(row=1, column=index, value=header).font = Font(bold=True)
        for row, choice in enumerate(choices, start=2):
            lists.cell(row=row, column=index, value=choice)
        source = f"'{lists.title}'!${letter}$2:${letter}${len(choices) + 1}"
        validation = DataValidation(type="list", formula1=source, allow_blank=True)
        validation.error = _("Choose a value from the list.")
        validation.showErrorMessage = True
        data.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{rows + 1}")
    explanation = workbook.create_sheet(_("Explanation"))
    explanation.append([_("Column"), _("What to fill in")])
    for cell in explanation[1]:
        cell.font = Font(bold=True)
    for header, text, choices in columns:
        extra = f" {_('Choose from')}: {', '.join(choices)}." if choices else ""
        explanation.append([header, f"{text}{extra}"])
    explanation.append([])
    explanation.append(
        [_("Dates"), _("As a date, or as text: 2027-03-01, 1-3-2027 or 1 maart 2027.")]
    )
    explanation.append([_("Numbers"), _("With a decimal comma or point: 3,5 or 3.5.")])
    explanation.column_dimensions["A"].width = 28
    explanation.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
