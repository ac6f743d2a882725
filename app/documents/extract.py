"""Text of uploaded documents, as passages with the place they were found.

The privacy guard reads documents through this module: every passage carries a location in
Dutch ("pagina 2", "blad Cijfers, cel C7", "tabel 1, rij 3", "voettekst 1, alinea 2",
"voetnoot 3", "dia 4", "regel 12"), which the guard shows next to what it found. Pure
functions of the bytes: no database, no request.

The work is bounded: at most MAX_CHARACTERS characters and MAX_PASSAGES passages (pages,
cells, paragraphs, lines) are extracted; what lies beyond is not read, and the returned
`Passages` says so with `truncated`. Office files are zip archives whose members are read
with their declared sizes checked first (no zip bombs) and whose XML is parsed with
defusedxml (no entity expansion, no external entities). A broken, truncated or encrypted
file raises ExtractError, never another exception."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from posixpath import dirname, join, normpath
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeXML
import openpyxl
from openpyxl.utils import get_column_letter
from pypdf import PdfReader

MAX_CHARACTERS = 2_000_000
MAX_PASSAGES = 50_000
# Zip archives: members read at most this big (uncompressed, as declared), all together at
# most MAX_ARCHIVE, at most MAX_MEMBERS members and a compression ratio of at most MAX_RATIO.
MAX_MEMBER = 64 * 1024 * 1024
MAX_ARCHIVE = 256 * 1024 * 1024
MAX_MEMBERS = 5_000
MAX_RATIO = 200
# Spreadsheets: a cell or row repeated this often counts as one (ODS writes empty rows that
# way, up to the sheet's end).
MAX_REPEAT = 1_000

KINDS = ("pdf", "docx", "odt", "xlsx", "ods", "pptx", "csv", "txt", "png", "jpeg")
IMAGES = ("png", "jpeg", "jpg")

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
SLIDE = re.compile(r"ppt/slides/slide(\d+)\.xml")


@dataclass(frozen=True)
class Passage:
    location: str
    text: str


class Passages(list):
    """The passages found, in document order; `truncated` when the limits stopped reading."""

    truncated: bool = False


class ExtractError(Exception):
    """The file cannot be read: broken, truncated, encrypted or not of its kind."""


class _Full(Exception):
    """The limits are reached: stop reading."""


class _Collector:
    def __init__(self, max_characters: int, max_passages: int) -> None:
        self.passages = Passages()
        self.characters_left = max_characters
        self.max_passages = max_passages

    def add(self, location: str, text: str) -> None:
        text = text.strip()
        if not text:
            return
        if len(self.passages) >= self.max_passages or self.characters_left <= 0:
            self.passages.truncated = True
            raise _Full
        if len(text) > self.characters_left:
            self.passages.append(Passage(location, text[: self.characters_left]))
            self.characters_left = 0
            self.passages.truncated = True
            raise _Full
        self.passages.append(Passage(location, text))
        self.characters_left -= len(text)


def extract_passages(
    data: bytes,
    kind: str,
    *,
    max_characters: int = MAX_CHARACTERS,
    max_passages: int = MAX_PASSAGES,
) -> Passages:
    """The text of `data`, a file of `kind` (as decided from its content), as passages.

    Images have no text: []. An unknown kind is a programming error (ValueError); a file
    that cannot be read raises ExtractError."""
    kind = kind.lower()
    readers = {
        "pdf": _pdf,
        "docx": _docx,
        "odt": _odt,
        "xlsx": _xlsx,
        "ods": _ods,
        "pptx": _pptx,
        "csv": _lines,
        "txt": _lines,
    }
    if kind in IMAGES:
        return Passages()
    if kind not in readers:
        raise ValueError(f"Unknown document kind: {kind!r}")
    collector = _Collector(max_characters, max_passages)
    try:
        readers[kind](bytes(data), collector)
    except _Full:
        pass
    except ExtractError:
        raise
    except Exception as error:
        # Parsers of broken input fail in many ways (struct, zlib, KeyError, recursion…);
        # to the caller they all mean one thing.
        raise ExtractError(f"The {kind} file cannot be read: {type(error).__name__}") from error
    return collector.passages


# --- PDF ---------------------------------------------------------------------------------


def _pdf(data: bytes, out: _Collector) -> None:
    if b"%PDF-" not in data[:1024]:  # readers accept the header within the first 1 KB
        raise ExtractError("Not a PDF file.")
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ExtractError("The PDF file is encrypted.")
    for number, page in enumerate(reader.pages, start=1):
        if number > out.max_passages:
            out.passages.truncated = True
            return
        out.add(f"pagina {number}", page.extract_text() or "")


# --- Zip archives (Office Open XML, OpenDocument) ----------------------------------------


class _Archive:
    """A zip archive whose members are read within the limits."""

    def __init__(self, data: bytes) -> None:
        if data[:8] == OLE_MAGIC:
            raise ExtractError("The file is encrypted or in an old Office format.")
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as error:
            raise ExtractError("The file is not a valid Office document.") from error
        members = self.zip.infolist()
        if len(members) > MAX_MEMBERS:
            raise ExtractError("The file has too many parts.")
        total = sum(member.file_size for member in members)
        packed = sum(member.compress_size for member in members)
        if total > MAX_ARCHIVE or total > MAX_RATIO * max(packed, 1024):
            raise ExtractError("The file unpacks to too much data.")
        if any(member.flag_bits & 0x1 for member in members):
            raise ExtractError("The file is encrypted.")
        self.names = {member.filename for member in members}

    def read(self, name: str) -> bytes:
        try:
            member = self.zip.getinfo(name)
        except KeyError as error:
            raise ExtractError(f"The document lacks its part {name}.") from error
        if member.file_size > MAX_MEMBER:
            raise ExtractError("A part of the file is too large.")
        with self.zip.open(member) as stream:
            # ZipExtFile stops at the declared size and checks the CRC at its end.
            return stream.read(MAX_MEMBER + 1)

    def xml(self, name: str) -> Element:
        return SafeXML.fromstring(self.read(name))


def _text_of(element: Element, *, skip: Iterable[str] = ()) -> str:
    """The text of an OOXML element: w:t/a:t runs, tabs and breaks, in order."""
    skipped = set(skip)
    parts: list[str] = []

    def walk(node: Element) -> None:
        for child in node:
            if child.tag in skipped:
                continue
            if child.tag in (W + "t", A + "t"):
                parts.append(child.text or "")
            elif child.tag == W + "tab":
                parts.append("\t")
            elif child.tag in (W + "br", W + "cr", A + "br"):
                parts.append("\n")
            else:
                walk(child)

    walk(element)
    return "".join(parts)


# Parts of a Word document besides its body, with the word for where a passage was found.
DOCX_PARTS = (
    ("word/header", "koptekst"),
    ("word/footer", "voettekst"),
)
DOCX_NOTES = (
    ("word/footnotes.xml", "footnote", "voetnoot"),
    ("word/endnotes.xml", "endnote", "eindnoot"),
    ("word/comments.xml", "comment", "opmerking"),
)


def _docx(data: bytes, out: _Collector) -> None:
    archive = _Archive(data)
    root = archive.xml("word/document.xml")
    body = root.find(W + "body")
    if body is None:
        raise ExtractError("The document has no body.")
    _docx_blocks(body, out, "")
    # Headers and footers (numbered as stored: header1.xml, header2.xml, ...), then the
    # footnotes, endnotes and comments: a BSN in a footer is as much in the document.
    for prefix, word in DOCX_PARTS:
        parts = sorted(
            (name for name in archive.names if _numbered_part(name, prefix) is not None),
            key=lambda name: _numbered_part(name, prefix),
        )
        for name in parts:
            _docx_blocks(archive.xml(name), out, f"{word} {_numbered_part(name, prefix)}, ")
    for name, tag, word in DOCX_NOTES:
        if name not in archive.names:
            continue
        shown = 0
        for note in archive.xml(name).findall(W + tag):
            # Word stores separator "notes" (ids -1 and 0) that hold no text of the author.
            text = "\n".join(_text_of(paragraph) for paragraph in note.iter(W + "p"))
            if text.strip():
                shown += 1
                out.add(f"{word} {shown}", text)


def _numbered_part(name: str, prefix: str) -> int | None:
    """3 for word/header3.xml with prefix word/header; None for other names."""
    match = re.fullmatch(re.escape(prefix) + r"(\d{1,4})\.xml", name)
    return int(match.group(1)) if match else None


def _docx_blocks(container: Element, out: _Collector, place: str) -> None:
    """Paragraphs and table rows of a body, header or footer, located within `place`."""
    paragraphs = tables = 0
    for block in _blocks(container):
        if block.tag == W + "p":
            text = _text_of(block)
            if text.strip():
                paragraphs += 1
                out.add(f"{place}alinea {paragraphs}", text)
        else:
            tables += 1
            for row_number, row in enumerate(block.iter(W + "tr"), start=1):
                for cell in row.findall(W + "tc"):
                    out.add(f"{place}tabel {tables}, rij {row_number}", _text_of(cell))


def _blocks(body: Element) -> Iterator[Element]:
    """Paragraphs and tables of the body in order, also inside content controls (w:sdt)."""
    for child in body:
        if child.tag in (W + "p", W + "tbl"):
            yield child
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml"):
            yield from _blocks(child)


def _odf_text(element: Element) -> str:
    """The text of an OpenDocument paragraph: spans, spaces, tabs, line breaks; notes left out."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if child.tag == TEXT + "s":
            parts.append(" " * min(int(child.get(TEXT + "c", "1") or 1), 100))
        elif child.tag == TEXT + "tab":
            parts.append("\t")
        elif child.tag == TEXT + "line-break":
            parts.append("\n")
        elif child.tag not in (TEXT + "note", TEXT + "p", TEXT + "h"):
            parts.append(_odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _odt(data: bytes, out: _Collector) -> None:
    root = _Archive(data).xml("content.xml")
    number = 0
    for element in root.iter():
        if element.tag in (TEXT + "p", TEXT + "h"):
            text = _odf_text(element)
            if text.strip():
                number += 1
                out.add(f"alinea {number}", text)


def _ods(data: bytes, out: _Collector) -> None:
    root = _Archive(data).xml("content.xml")
    for sheet in root.iter(TABLE + "table"):
        name = sheet.get(TABLE + "name", "")
        row_number = 0
        for row in sheet.iter(TABLE + "table-row"):
            rows = _repeat(row, TABLE + "number-rows-repeated")
            cells: list[tuple[int, str]] = []
            column = 0
            for cell in row:
                if cell.tag not in (TABLE + "table-cell", TABLE + "covered-table-cell"):
                    continue
                repeat = _repeat(cell, TABLE + "number-columns-repeated")
                text = "\n".join(_odf_text(p) for p in cell.iter(TEXT + "p"))
                if text.strip():
                    for offset in range(min(repeat, MAX_REPEAT)):
                        cells.append((column + offset + 1, text))
                column += repeat
            if cells:
                for offset in range(min(rows, MAX_REPEAT)):
                    for column_number, text in cells:
                        cell_name = f"{get_column_letter(column_number)}{row_number + offset + 1}"
                        out.add(f"blad {name}, cel {cell_name}", text)
            row_number += rows


def _repeat(element: Element, attribute: str) -> int:
    try:
        return max(1, int(element.get(attribute, "1")))
    except ValueError:
        return 1


def _xlsx(data: bytes, out: _Collector) -> None:
    _Archive(data)  # the limits, before openpyxl reads anything
    workbook = openpyxl.load_workbook(
        io.BytesIO(data), read_only=True, data_only=True, keep_links=False
    )
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    value = getattr(cell, "value", None)
                    if value is None or not hasattr(cell, "coordinate"):
                        continue
                    out.add(f"blad {sheet.title}, cel {cell.coordinate}", str(value))
    finally:
        workbook.close()


def _pptx(data: bytes, out: _Collector) -> None:
    archive = _Archive(data)
    for number, name in enumerate(_slide_order(archive), start=1):
        slide = archive.xml(name)
        paragraphs = (_text_of(p) for p in slide.iter(A + "p"))
        out.add(f"dia {number}", "\n".join(text for text in paragraphs if text.strip()))


def _slide_order(archive: _Archive) -> list[str]:
    """The slides as shown: presentation.xml's list, else by their file number."""
    by_number = sorted(
        (name for name in archive.names if SLIDE.fullmatch(name)),
        key=lambda name: int(SLIDE.fullmatch(name).group(1)),
    )
    if not {"ppt/presentation.xml", "ppt/_rels/presentation.xml.rels"} <= archive.names:
        return by_number
    targets = {
        rel.get("Id"): normpath(join(dirname("ppt/presentation.xml"), rel.get("Target", "")))
        for rel in archive.xml("ppt/_rels/presentation.xml.rels").iter(PKG_REL + "Relationship")
    }
    listed = [
        targets.get(slide.get(R + "id"))
        for slide in archive.xml("ppt/presentation.xml").iter(P + "sldId")
    ]
    ordered = [name for name in listed if name in archive.names and SLIDE.fullmatch(name)]
    return ordered or by_number


# --- Plain text --------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM, or UTF-16 with BOM); else Windows-1252, as Excel writes."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _lines(data: bytes, out: _Collector) -> None:
    text = decode_text(data)
    if "\x00" in text:
        raise ExtractError("The file is not a text file.")
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        out.add(f"regel {number}", line)
