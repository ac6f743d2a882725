"""Uploads are judged by their content: allowed kinds pass, everything else is refused in Dutch."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib

import openpyxl
import pytest

from app.documents.files import UploadRefused, clean_name, inspect

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def zipped(entries: dict[str, bytes], first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first is not None:
            archive.writestr(first, entries.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, body in entries.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def docx() -> bytes:
    return zipped(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
            "_rels/.rels": b"<Relationships/>",
        }
    )


def pptx() -> bytes:
    return zipped({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["B4"] = "Cijfers"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def odf(mimetype: bytes) -> bytes:
    return zipped({"mimetype": mimetype, "content.xml": b"<office/>"}, first="mimetype")


def check(data: bytes, name: str = "stuk.pdf", **limits):
    limits.setdefault("max_mb", 25)
    return inspect(data, name, **limits)


@pytest.mark.parametrize(
    ("data", "name", "kind", "content_type"),
    [
        (PDF, "convenant.pdf", "pdf", "application/pdf"),
        (png(), "logo.png", "png", "image/png"),
        (jpeg(), "foto.jpg", "jpeg", "image/jpeg"),
        (docx(), "notulen.docx", "docx", "wordprocessingml"),
        (xlsx(), "cijfers.xlsx", "xlsx", "spreadsheetml"),
        (pptx(), "presentatie.pptx", "pptx", "presentationml"),
        (odf(b"application/vnd.oasis.opendocument.text"), "a.odt", "odt", "opendocument.text"),
        (odf(b"application/vnd.oasis.opendocument.spreadsheet"), "b.ods", "ods", "spreadsheet"),
        ("naam;aantal\nZorg €;3\n".encode(), "lijst.csv", "csv", "text/csv"),
        (b"Verslag van de monitor", "verslag.txt", "txt", "text/plain"),
    ],
)
def test_allowed_kinds_are_recognised_from_content(app, data, name, kind, content_type):
    with app.test_request_context():
        inspected = check(data, name)
    assert inspected.kind == kind
    assert content_type in inspected.content_type
    assert inspected.size == len(data)
    assert inspected.sha256 == hashlib.sha256(data).hexdigest()
    assert inspected.name == name


def test_a_misleading_extension_does_not_change_the_kind(app):
    with app.test_request_context():
        assert check(PDF, "plaatje.png").kind == "pdf"


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.mark.parametrize(
    "data",
    [
        ELF,
        PE,
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,  # old .doc: not on the list
        zipped({"evil.exe": b"MZ"}),  # a plain zip
        zipped({"[Content_Types].xml": b"<Types/>", "other/x.xml": b"<x/>"}),
        odf(b"application/vnd.oasis.opendocument.graphics"),
        "tekst".encode("utf-16"),  # not UTF-8 (and contains NUL)
        b"caf\xe9",  # Latin-1
    ],
    ids=["elf", "pe", "gif", "doc", "zip", "ooxml-unknown", "odg", "utf16", "latin1"],
)
def test_other_kinds_are_refused_whatever_the_name(app, data):
    with app.test_request_context(), pytest.raises(UploadRefused) as refused:
        check(data, "rapport.pdf")
    assert refused.value.message.startswith("Dit type bestand wordt niet geaccepteerd")
    assert refused.value.field == "file"


def test_messages_are_dutch(app):
    with app.test_request_context(), pytest.raises(UploadRefused) as refused:
        check(ELF, "rapport.pdf")
    assert refused.value.message.startswith("Dit type bestand wordt niet geaccepteerd")


def test_empty_file_is_refused(app):
    with app.test_request_context(), pytest.raises(UploadRefused) as refused:
        check(b"", "leeg.pdf")
    assert refused.value.message == "Het bestand is leeg. Kies een bestand met inhoud."


def test_file_over_the_limit_is_refused(app):
    with app.test_request_context():
        with pytest.raises(UploadRefused) as refused:
            check(PDF + b"x" * 2**20, max_mb=1)
        assert check(PDF, max_mb=1).kind == "pdf"
    assert refused.value.message == "Het bestand is groter dan 1 MB."


def test_file_over_the_room_left_on_the_object_is_refused(app):
    with app.test_request_context(), pytest.raises(UploadRefused) as refused:
        check(PDF + b"x" * 2**20, room_mb=0.5)
    assert "totale omvang" in refused.value.message


def test_zip_bombs_are_refused(app):
    bomb = zipped(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
            "word/media/zeros.xml": b"\x00" * (40 * 2**20),
        }
    )
    many = zipped(
        {"[Content_Types].xml": b"<Types/>"} | {f"word/p{n}.xml": b"<p/>" for n in range(2100)}
    )
    with app.test_request_context():
        for data in (bomb, many):
            with pytest.raises(UploadRefused) as refused:
                check(data, "bom.docx")
            assert "veel meer gegevens" in refused.value.message


def test_a_damaged_office_file_is_refused(app):
    with app.test_request_context(), pytest.raises(UploadRefused) as refused:
        check(docx()[:60], "kapot.docx")
    assert refused.value.message == "Het bestand is beschadigd en kan niet worden geopend."


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\jan\\notulen.pdf", "notulen.pdf"),
        ("rapport\u202efdp.exe", "rapport fdp.exe"),
        ("a\x00b\x1fc.pdf", "a b c.pdf"),
        ("  verslag .pdf  ", "verslag .pdf"),
        ("Cafe\u0301.txt", "Café.txt"),
    ],
)
def test_names_lose_folders_and_hidden_characters(app, raw, clean):
    with app.test_request_context():
        assert clean_name(raw) == clean


def test_names_of_1000_characters_are_refused(app):
    with app.test_request_context():
        assert len(clean_name("a" * 251 + ".pdf")) == 255
        with pytest.raises(UploadRefused) as refused:
            check(PDF, "a" * 996 + ".pdf")
    assert "1000 tekens" in refused.value.message


@pytest.mark.parametrize("raw", ["", None, "../", "\u202e", " . "])
def test_names_without_anything_left_are_refused(app, raw):
    with app.test_request_context(), pytest.raises(UploadRefused):
        clean_name(raw)
