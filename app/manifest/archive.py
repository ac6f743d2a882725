"""What the manifest puts in a partnership's archive (app.exports.archive): the PDF of
its current version, as the manifest page offers it."""

from __future__ import annotations

from flask import render_template

from app.exports.pdf import render_pdf, static_uri
from app.manifest import services
from app.registry import ArchivePart


def files(partnership_id: int, with_case_details: bool) -> list[tuple[str, bytes]]:
    version = services.current_version(partnership_id)
    if version is None or version.is_draft:
        return []
    html = render_template(
        "manifest/pdf.html", version=version, texts=services.texts_of(version),
        endorsements=services.endorsement_status(version), static_uri=static_uri(),
    )  # fmt: skip
    return [(f"pdf/manifest-v{version.number}.pdf", render_pdf(html))]


PART = ArchivePart(lambda partnership_id, with_case_details: [], files)
