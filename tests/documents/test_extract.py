"""Text extraction from every document kind, with locations, limits and broken input."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from app.documents.extract import (
    MAX_CHARACTERS,
    ExtractError,
    Passage,
    extract_passages,
)

from . import builders

BSN = "123456782"


def where(passages, needle):
    return [passage.location for passage in passages if needle in passage.text]


# --- Each kind: the text, and where it was found -----------------------------------------


def test_pdf_one_passage_per_page():
    data = builders.pdf(["Notulen van het overleg", f"Cliënt met BSN {BSN} besproken", "Einde"])
    passages = extract_passages(data, "pdf")
    assert [p.location for p in passages] == ["pagina 1", "pagina 2", "pagina 3"]
    assert where(passages, BSN) == ["pagina 2"]
    assert "Notulen" in passages[0].text
    assert not passages.truncated


def test_encrypted_pdf_is_refused_unless_it_opens_without_password():
    source = PdfReader(io.BytesIO(builders.pdf(["Geheim verslag", f"BSN {BSN}"])))
    locked = PdfWriter(clone_from=source)
    locked.encrypt(user_password="geheim", owner_password="eigenaar", algorithm="AES-128")
    buffer = io.BytesIO()
    locked.write(buffer)
    with pytest.raises(ExtractError, match="encrypted"):
        extract_passages(buffer.getvalue(), "pdf")

    # Only an owner password (restrictions, no secret): readable, so the guard reads it.
    restricted = PdfWriter(clone_from=source)
    restricted.encrypt(user_password="", owner_password="eigenaar", algorithm="AES-128")
    buffer = io.BytesIO()
    restricted.write(buffer)
    assert where(extract_passages(buffer.getvalue(), "pdf"), BSN) == ["pagina 2"]


def test_docx_paragraphs_and_table_cells():
    data = builders.docx(
        ["Samenwerkingsovereenkomst", "", "Artikel 1", f"Contact: BSN {BSN}"],
        tables=[
            [["Partij", "Rol"], ["Gemeente", "Opdrachtgever"]],
            [["Naam", "Nummer"], ["Jan", "x"], ["Piet", f"{BSN}"]],
        ],
    )
    passages = extract_passages(data, "docx")
    # Empty paragraphs are not counted: "alinea N" is the Nth paragraph with text.
    assert passages[:3] == [
        Passage("alinea 1", "Samenwerkingsovereenkomst"),
        Passage("alinea 2", "Artikel 1"),
        Passage("alinea 3", f"Contact: BSN {BSN}"),
    ]
    assert where(passages, BSN) == ["alinea 3", "tabel 2, rij 3"]
    assert Passage("tabel 1, rij 2", "Opdrachtgever") in passages


def test_docx_headers_footers_notes_and_comments():
    data = builders.docx(
        ["Verslag"],
        parts={
            "word/header1.xml": builders.word_part("hdr", ["Vertrouwelijk"]),
            "word/header10.xml": builders.word_part("hdr", ["", f"Cliënt {BSN}"]),
            "word/header2.xml": builders.word_part("hdr", ["Tweede koptekst"]),
            "word/footer1.xml": builders.word_part("ftr", [f"Dossier {BSN}"]),
            "word/footnotes.xml": builders.word_notes("footnote", ["Bron", f"BSN {BSN}"]),
            "word/endnotes.xml": builders.word_notes("endnote", [f"{BSN}"]),
            "word/comments.xml": builders.word_notes("comment", ["graag nakijken", BSN]),
            # A name that only looks like a header is not read.
            "word/headerX.xml": builders.word_part("hdr", [f"{BSN}"]),
        },
    )
    passages = extract_passages(data, "docx")
    assert passages[0] == Passage("alinea 1", "Verslag")
    assert Passage("koptekst 1, alinea 1", "Vertrouwelijk") in passages
    assert where(passages, BSN) == [
        "koptekst 10, alinea 1",
        "voettekst 1, alinea 1",
        "voetnoot 2",
        "eindnoot 1",
        "opmerking 2",
    ]
    # Headers in the order of their numbers, not of their names.
    headers = [p.location for p in passages if p.location.startswith("koptekst")]
    assert headers == ["koptekst 1, alinea 1", "koptekst 2, alinea 1", "koptekst 10, alinea 1"]


def test_odt_paragraphs_with_spans_and_spaces():
    data = builders.odt(["Verslag", "Tweede alinea", f"Nummer {BSN}"])
    passages = extract_passages(data, "odt")
    assert [p.location for p in passages] == ["alinea 1", "alinea 2", "alinea 3"]
    assert where(passages, BSN) == ["alinea 3"]

    # Text inside spans, with <text:s text:c="3"/> for three spaces.
    content = (
        '<office:text><text:p>Mevrouw<text:s text:c="3"/><text:span>De Vries</text:span>'
        "<text:tab/>klaar</text:p></office:text>"
    )
    spanned = builders._odf("application/vnd.oasis.opendocument.text", content)
    assert extract_passages(spanned, "odt") == [Passage("alinea 1", "Mevrouw   De Vries\tklaar")]


def test_xlsx_one_passage_per_cell_with_sheet_and_cell():
    data = builders.xlsx(
        {
            "Overzicht": {"A1": "Kwartaal", "B1": 3, "A2": None},
            "Cijfers": {"A1": "Naam", "C7": f"BSN {BSN}", "B4": 12.5},
        }
    )
    passages = extract_passages(data, "xlsx")
    assert where(passages, BSN) == ["blad Cijfers, cel C7"]
    assert Passage("blad Overzicht, cel B1", "3") in passages
    assert Passage("blad Cijfers, cel B4", "12.5") in passages
    assert len(passages) == 5


def test_ods_cells_with_repeated_rows_and_columns():
    rows = (
        '<table:table-row table:number-rows-repeated="6"><table:table-cell/></table:table-row>'
        "<table:table-row>"
        '<table:table-cell table:number-columns-repeated="2"/>'
        f'<table:table-cell office:value-type="string"><text:p>BSN {BSN}</text:p></table:table-cell>'
        "</table:table-row>"
        # LibreOffice pads sheets with a million empty rows; they cost nothing.
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    header = (
        "<table:table-row><table:table-cell><text:p>Naam</text:p></table:table-cell>"
        "<table:table-cell><text:p>Aantal</text:p></table:table-cell></table:table-row>"
    )
    passages = extract_passages(builders.ods({"Eerste": header, "Cijfers": rows}), "ods")
    assert passages == [
        Passage("blad Eerste, cel A1", "Naam"),
        Passage("blad Eerste, cel B1", "Aantal"),
        Passage("blad Cijfers, cel C7", f"BSN {BSN}"),
    ]


def test_pptx_slides_in_the_order_shown():
    data = builders.pptx(
        [["Eerste bestand"], ["Tweede bestand", f"BSN {BSN}"], ["Derde bestand"]],
        order=[3, 2, 1],
    )
    passages = extract_passages(data, "pptx")
    assert passages == [
        Passage("dia 1", "Derde bestand"),
        Passage("dia 2", f"Tweede bestand\nBSN {BSN}"),
        Passage("dia 3", "Eerste bestand"),
    ]


def test_csv_and_txt_lines():
    csv_data = f"naam;bsn\r\nJan;{BSN}\r\n\r\nPiet;-\r\n".encode()
    passages = extract_passages(csv_data, "csv")
    assert passages == [
        Passage("regel 1", "naam;bsn"),
        Passage("regel 2", f"Jan;{BSN}"),
        Passage("regel 4", "Piet;-"),
    ]
    # Windows-1252, as Excel writes CSV; UTF-8 with BOM; UTF-16.
    assert extract_passages("Cliënt €5".encode("cp1252"), "txt") == [
        Passage("regel 1", "Cliënt €5")
    ]
    assert extract_passages("\ufeffCliënt".encode(), "txt") == [Passage("regel 1", "Cliënt")]
    assert extract_passages("één\ntwee".encode("utf-16"), "TXT") == [
        Passage("regel 1", "één"),
        Passage("regel 2", "twee"),
    ]


def test_images_have_no_text_and_unknown_kinds_are_a_programming_error():
    assert extract_passages(b"\x89PNG\r\n\x1a\n....", "png") == []
    assert extract_passages(b"\xff\xd8\xff\xe0", "jpeg") == []
    with pytest.raises(ValueError):
        extract_passages(b"MZ", "exe")


# --- Limits --------------------------------------------------------------------------------


def test_character_limit_stops_cleanly():
    line = "x" * 99 + "\n"
    data = (line * 30_000).encode()  # 3,000,000 characters
    passages = extract_passages(data, "txt")
    assert passages.truncated
    assert sum(len(p.text) for p in passages) == MAX_CHARACTERS
    assert passages[-1].location == f"regel {MAX_CHARACTERS // 99 + 1}"

    small = extract_passages(b"abcdef\nghijkl\n", "txt", max_characters=8)
    assert small == [Passage("regel 1", "abcdef"), Passage("regel 2", "gh")]
    assert small.truncated


def test_passage_limit_stops_cleanly():
    cells = {f"A{row}": f"waarde {row}" for row in range(1, 51)}
    passages = extract_passages(builders.xlsx({"Blad": cells}), "xlsx", max_passages=10)
    assert len(passages) == 10
    assert passages.truncated
    assert passages[-1] == Passage("blad Blad, cel A10", "waarde 10")

    exact = extract_passages(b"a\nb\n", "txt", max_passages=2)
    assert len(exact) == 2 and not exact.truncated

    pages = extract_passages(builders.pdf(["een", "twee", "drie"]), "pdf", max_passages=2)
    assert [p.location for p in pages] == ["pagina 1", "pagina 2"] and pages.truncated


def test_zip_bomb_is_refused():
    bomb = builders.zipped({"word/document.xml": b" " * (40 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(ExtractError, match="too much"):
        extract_passages(bomb, "docx")


def test_xml_entity_expansion_is_refused():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<w:document xmlns:w="{builders.W_NS}"><w:body><w:p><w:r><w:t>&lol2;</w:t>'
        "</w:r></w:p></w:body></w:document>"
    )
    with pytest.raises(ExtractError):
        extract_passages(builders.zipped({"word/document.xml": laughs}), "docx")
    external = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f"<office:document-content {builders.ODF_NS}><office:body><office:text>"
        "<text:p>&x;</text:p></office:text></office:body></office:document-content>"
    )
    with pytest.raises(ExtractError):
        extract_passages(builders.zipped({"content.xml": external}), "odt")


def test_encrypted_office_files_are_refused():
    # Office encrypts a DOCX/XLSX into an OLE compound file.
    ole = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504
    for kind in ("docx", "xlsx", "pptx"):
        with pytest.raises(ExtractError, match="encrypted"):
            extract_passages(ole, kind)
    # A zip whose member is marked encrypted (bit 0 of its flags in the central directory).
    plain = bytearray(builders.ods({"A": ""}))
    entry = plain.index(b"PK\x01\x02")
    plain[entry + 8] |= 0x1
    with pytest.raises(ExtractError, match="encrypted"):
        extract_passages(bytes(plain), "ods")


def test_missing_parts_and_wrong_kinds():
    with pytest.raises(ExtractError):
        extract_passages(builders.zipped({"other.xml": "<x/>"}), "docx")
    with pytest.raises(ExtractError):
        extract_passages(builders.odt(["tekst"]), "docx")
    with pytest.raises(ExtractError):
        extract_passages(builders.docx(["tekst"]), "pdf")
    with pytest.raises(ExtractError):
        extract_passages(b"\x00\x01binary\x00", "txt")


# --- Broken input: only ExtractError ----------------------------------------------------


@pytest.fixture(scope="module")
def samples():
    return {
        "pdf": builders.pdf(["een", "twee"]),
        "docx": builders.docx(["een", "twee"], tables=[[["a", "b"]]]),
        "odt": builders.odt(["een", "twee"]),
        "ods": builders.ods(
            {
                "A": "<table:table-row><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row>"
            }
        ),
        "xlsx": builders.xlsx({"A": {"A1": "x", "B2": 2}}),
        "pptx": builders.pptx([["een"], ["twee"]]),
    }


ZIP_KINDS = ("docx", "odt", "ods", "xlsx", "pptx")


@pytest.mark.parametrize("kind", ["pdf", *ZIP_KINDS])
def test_truncated_and_garbage_files_raise_extract_error(samples, kind):
    data = samples[kind]
    assert extract_passages(data, kind)  # the sample itself reads
    for cut in (0, 1, 10, len(data) // 3, len(data) // 2, len(data) - 30):
        with contextlib.suppress(ExtractError):
            extract_passages(data[:cut], kind)
    for garbage in (b"", b"garbage" * 100, b"PK\x03\x04" + b"\x00" * 200, b"%PDF-1.7\n%%EOF"):
        with pytest.raises(ExtractError):
            extract_passages(garbage, kind)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    kind=st.sampled_from(["pdf", *ZIP_KINDS]),
    position=st.floats(min_value=0, max_value=1),
    noise=st.binary(min_size=1, max_size=64),
    truncate=st.booleans(),
)
def test_damaged_files_raise_only_extract_error(samples, kind, position, noise, truncate):
    data = samples[kind]
    at = int(position * (len(data) - 1))
    damaged = data[:at] + noise if truncate else data[:at] + noise + data[at + len(noise) :]
    try:
        passages = extract_passages(damaged, kind)
    except ExtractError:
        return
    assert all(isinstance(p, Passage) for p in passages)


@settings(max_examples=25, deadline=None)
@given(data=st.binary(max_size=2048), kind=st.sampled_from(["csv", "txt"]))
def test_any_bytes_as_text_give_passages_or_extract_error(data, kind):
    try:
        passages = extract_passages(data, kind)
    except ExtractError:
        return
    assert all(p.text and p.location.startswith("regel ") for p in passages)
