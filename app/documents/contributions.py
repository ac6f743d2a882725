"""What documents add to the app: their pages, the request limit of the upload routes, the
audit type of their history events and the documents section every object's page shows."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app import registry
from app.documents.archive import PART as ARCHIVE_PART
from app.documents.routes import allow_document_size, bp
from app.documents.search import INDEXERS
from app.documents.views import file_size, kind_label, limits, section
from app.registry import AuditType


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # First of all before_request functions: Flask-WTF's CSRF check reads the request
    # body, so the upload routes' own size limit must be set before it runs.
    first = app.before_request_funcs.setdefault(None, [])
    if allow_document_size not in first:
        first.insert(0, allow_document_size)
    registry.audit_types.register(
        "Document",
        AuditType(_l("Document")),
    )
    for indexer in INDEXERS:
        registry.indexers.register(indexer.model, indexer)
    registry.search_kinds.register("document", _l("Documents"))
    registry.archive_parts.register("documents", ARCHIVE_PART)
    app.jinja_env.globals.update(
        documents_section=section, document_limits=limits, document_kind_label=kind_label
    )
    app.jinja_env.filters["file_size"] = file_size
