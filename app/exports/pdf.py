"""HTML to PDF with WeasyPrint; only our own static files are read, from disk."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import Response, current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher


class StaticFilesOnly(URLFetcher):
    """Fetch files below app/static and data: URLs; refuse everything else."""

    def __init__(self, static_folder: Path):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=False)
        self.static = static_folder.resolve()

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if self.static not in path.parents:
                raise ValueError(f"not fetched in a PDF: {url}")
        return super().fetch(url, headers)


def static_uri() -> str:
    """The static folder as a file:// URI, for stylesheets and fonts in PDF templates."""
    return Path(current_app.static_folder).resolve().as_uri()


def render_pdf(html: str) -> bytes:
    fetcher = StaticFilesOnly(Path(current_app.static_folder))
    return HTML(string=html, url_fetcher=fetcher, base_url=static_uri() + "/").write_pdf()


def pdf_response(html: str, filename: str) -> Response:
    response = Response(render_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
