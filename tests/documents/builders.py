"""Small, valid documents of every kind the extraction reads, generated in code."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl
from weasyprint import HTML

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3"'
)


def zipped(parts: dict[str, str | bytes], *, first: tuple[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:
            archive.writestr(first[0], first[1], compress_type=zipfile.ZIP_STORED)
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def pdf(pages: list[str]) -> bytes:
    body = (
        "".join(f'<p style="break-after: page">{escape(text)}</p>' for text in pages[:-1])
        + f"<p>{escape(pages[-1])}</p>"
    )
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def _w_run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def docx(
    paragraphs: list[str],
    tables: list[list[list[str]]] = (),
    parts: dict[str, str] | None = None,
) -> bytes:
    """Paragraphs, then the tables (rows of cells); `parts` adds members (headers, notes)."""
    body = "".join(f"<w:p>{_w_run(text)}</w:p>" for text in paragraphs)
    for table in tables:
        rows = "".join(
            "<w:tr>"
            + "".join(f"<w:tc><w:p>{_w_run(cell)}</w:p></w:tc>" for cell in row)
            + "</w:tr>"
            for row in table
        )
        body += f"<w:tbl>{rows}</w:tbl>"
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}<w:sectPr/></w:body></w:document>'
    )
    return zipped(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                "</Types>"
            ),
            "_rels/.rels": (
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL_NS}">'
                f'<Relationship Id="rId1" Type="{R_NS}/officeDocument" Target="word/document.xml"/>'
                "</Relationships>"
            ),
            "word/document.xml": document,
            **(parts or {}),
        }
    )


def word_part(root: str, paragraphs: list[str]) -> str:
    """A header or footer part (root "hdr" or "ftr") with these paragraphs."""
    body = "".join(f"<w:p>{_w_run(text)}</w:p>" for text in paragraphs)
    return f'<?xml version="1.0" encoding="UTF-8"?><w:{root} xmlns:w="{W_NS}">{body}</w:{root}>'


def word_notes(tag: str, notes: list[str]) -> str:
    """footnotes.xml / endnotes.xml / comments.xml (tag footnote, endnote, comment), with
    Word's two separator notes first."""
    separators = "".join(
        f'<w:{tag} w:id="{number}"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>'
        for number in (-1, 0)
    )
    body = "".join(
        f'<w:{tag} w:id="{number}"><w:p>{_w_run(text)}</w:p></w:{tag}>'
        for number, text in enumerate(notes, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<w:{tag}s xmlns:w="{W_NS}">{separators}{body}</w:{tag}s>'
    )


def pptx(slides: list[list[str]], order: list[int] | None = None) -> bytes:
    """Slides (paragraphs each) in files slide1.xml…; `order` lists file numbers as shown."""
    order = order or list(range(1, len(slides) + 1))
    parts: dict[str, str] = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>'
        ),
        "ppt/presentation.xml": (
            f'<p:presentation xmlns:p="{P_NS}" xmlns:r="{R_NS}"><p:sldIdLst>'
            + "".join(f'<p:sldId id="{255 + n}" r:id="rId{n}"/>' for n in order)
            + "</p:sldIdLst></p:presentation>"
        ),
        "ppt/_rels/presentation.xml.rels": (
            f'<Relationships xmlns="{REL_NS}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{R_NS}/slide" Target="slides/slide{n}.xml"/>'
                for n in range(1, len(slides) + 1)
            )
            + "</Relationships>"
        ),
    }
    for number, paragraphs in enumerate(slides, start=1):
        shapes = "".join(f"<a:p><a:r><a:t>{escape(text)}</a:t></a:r></a:p>" for text in paragraphs)
        parts[f"ppt/slides/slide{number}.xml"] = (
            f'<p:sld xmlns:p="{P_NS}" xmlns:a="{A_NS}"><p:cSld><p:spTree><p:sp><p:txBody>'
            f"{shapes}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
        )
    return zipped(parts)


def _odf(mimetype: str, body: str) -> bytes:
    return zipped(
        {
            "META-INF/manifest.xml": (
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>"
            ),
            "content.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS}>'
                f"<office:body>{body}</office:body></office:document-content>"
            ),
        },
        first=("mimetype", mimetype),
    )


def odt(paragraphs: list[str]) -> bytes:
    body = "".join(f"<text:p>{escape(text)}</text:p>" for text in paragraphs)
    return _odf("application/vnd.oasis.opendocument.text", f"<office:text>{body}</office:text>")


def ods(sheets: dict[str, str]) -> bytes:
    """Sheets given as raw table:table-row XML."""
    tables = "".join(
        f'<table:table table:name="{escape(name)}">{rows}</table:table>'
        for name, rows in sheets.items()
    )
    return _odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        f"<office:spreadsheet>{tables}</office:spreadsheet>",
    )


def xlsx(sheets: dict[str, dict[str, object]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, cells in sheets.items():
        sheet = workbook.create_sheet(name)
        for coordinate, value in cells.items():
            sheet[coordinate] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
