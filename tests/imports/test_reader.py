"""Reading files for an import: encodings, separators, refused files, Dutch values."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from app.imports.reader import (
    ImportFileError,
    match_header,
    parse_date,
    parse_int,
    parse_number,
    read_table,
)
from tests.imports.helpers import csv_bytes, xlsx_bytes

MB = 2**20


def read(name, data, max_bytes=5 * MB, max_rows=10_000):
    return read_table(name, data, max_bytes, max_rows)


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8-sig"), (",", "utf-8"), (";", "cp1252"), (",", "utf-8-sig")],
)
def test_csv_in_every_encoding_and_separator(delimiter, encoding):
    data = csv_bytes([["Titel", "Soort"], ["Zorg für één", "werkbaar"]], delimiter, encoding)
    table = read("lijst.csv", data)
    assert table.header == ["Titel", "Soort"]
    assert table.rows == [(2, ["Zorg für één", "werkbaar"])]


def test_xlsx_reads_values_not_formulas():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Titel", "Kans"])
    sheet.append(["Formule", "=1+1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read("lijst.xlsx", buffer.getvalue())
    # openpyxl wrote no cached value: the formula is not evaluated, the cell reads empty.
    assert table.rows == [(2, ["Formule", None])]


def test_empty_rows_are_skipped_and_lines_kept():
    table = read("l.xlsx", xlsx_bytes([["Titel"], ["a"], [None], ["b"]]))
    assert table.rows == [(2, ["a"]), (4, ["b"])]


def _with_macro(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/vbaProject.bin", b"macro")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("lijst.xlsm", xlsx_bytes([["Titel"]]), "macro"),
        ("lijst.xlsx", _with_macro(xlsx_bytes([["Titel"]])), "macro"),
        ("lijst.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
        ("foto.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "not a spreadsheet"),
        ("lijst.xlsx", b"PK\x03\x04 broken", "not a spreadsheet"),
        ("lijst.csv", b"   ", "empty"),
        ("lijst.csv", b"\n\n", "empty"),
    ],
)
def test_bad_files_are_refused(name, data, message):
    with pytest.raises(ImportFileError) as refused:
        read(name, data)
    assert message in refused.value.message


def test_merged_cells_are_refused():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Titel", "Soort"])
    sheet.append(["a", "b"])
    sheet.merge_cells("A2:B2")
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportFileError, match="merged cells"):
        read("l.xlsx", buffer.getvalue())


def test_limits_of_size_and_rows():
    data = csv_bytes([["Titel"]] + [["x"]] * 11)
    with pytest.raises(ImportFileError, match="more than 10 rows"):
        read("l.csv", data, max_rows=10)
    assert len(read("l.csv", data, max_rows=11).rows) == 11
    with pytest.raises(ImportFileError, match="larger than 0,5 MB"):
        read("l.csv", b"Titel\n" + b"x" * (MB // 2), max_bytes=MB // 2)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1-3-2027", date(2027, 3, 1)),
        ("01/03/2027", date(2027, 3, 1)),
        ("1 maart 2027", date(2027, 3, 1)),
        ("15 okt. 2026", date(2026, 10, 15)),
        ("2027-03-01", date(2027, 3, 1)),
        (date(2027, 3, 1), date(2027, 3, 1)),
        ("", None),
    ],
)
def test_dutch_dates(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["31-2-2027", "1 maartje 2027", "morgen", "3/2027"])
def test_not_a_date(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_numbers_with_a_decimal_comma():
    assert parse_number("3,5") == Decimal("3.5")
    assert parse_number("1.234,5") == Decimal("1234.5")
    assert parse_number(2.25) == Decimal("2.25")
    assert parse_int("4") == 4
    assert parse_int(4.0) == 4
    with pytest.raises(ValueError):
        parse_int("4,5")
    with pytest.raises(ValueError):
        parse_number("veel")


def test_missing_column_suggests_the_closest_header():
    columns = {"title": ["Titel", "Title"], "kind": ["Soort", "Kind"]}
    positions, problems = match_header(["Titels", "soort"], columns, {"title", "kind"})
    assert positions == {"kind": 1}
    assert problems == [
        "Column “Titel” is missing. Did you mean “Titels”? Rename that column to “Titel”."
    ]
