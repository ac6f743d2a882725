"""Helpers for the import tests: files made as spreadsheet programs write them, upload
and apply through the pages."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook

from tests.conftest import post

TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"')


def csv_bytes(rows: list[list], delimiter: str = ";", encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, slug: str, kind: str, data: bytes, filename: str):
    return post(
        client, f"/p/{slug}/import/{kind}", {"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )  # fmt: skip


def token_of(response) -> str:
    match = TOKEN.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:3000]
    return match.group(1)


def apply(client, slug: str, kind: str, token: str, all_or_nothing: bool = False):
    data = {"token": token}
    if all_or_nothing:
        data["all_or_nothing"] = "y"
    return post(client, f"/p/{slug}/import/{kind}/apply", data)


def import_file(client, slug: str, kind: str, data: bytes, filename: str, **options):
    preview = upload(client, slug, kind, data, filename)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:3000]
    return apply(client, slug, kind, token_of(preview), **options)
