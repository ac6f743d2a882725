"""Documents in the search index: found by their name, and by the text of their latest
version where that text is not a case detail.

Who finds a document is decided by its object's area (``Attachable.search_scope``, in
step with policy.may_read_document) and written into the index's own columns: an
organisation for a review's case documents, a thematic table for meeting and comment
documents. The search layer's session hook calls `index_document` whenever a document or
one of its versions changes (attach, new version, archive); a service that changes who
may read an object's documents (finalising a review, hiding a comment) calls
`reindex(kind, id)` in its transaction.

The work is bounded: at most SEARCH_TEXT characters of a file are extracted for the index,
and the text of a version is remembered by its content (a version never changes)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import inspect, select
from sqlalchemy.orm import selectinload

from app import registry
from app.documents import services
from app.documents.extract import ExtractError, extract_passages
from app.documents.models import Document, DocumentVersion
from app.extensions import db
from app.registry import DocumentScope, Indexer
from app.search.services import WORD, Doc, join_text, write
from app.urls import path_in

KIND = "document"
# Characters of a file's text that are searchable (the rest is not read for the index).
SEARCH_TEXT = 20_000
TEXTS_KEPT = 128

_TEXTS: OrderedDict[str, str] = OrderedDict()
_TEXTS_LOCK = threading.Lock()


def searchable_text(version: DocumentVersion) -> str:
    """The first SEARCH_TEXT characters of a version's text ("" for an image, or for a file
    that cannot be read)."""
    key = f"{version.sha256}:{version.kind}"
    with _TEXTS_LOCK:
        known = _TEXTS.get(key)
    if known is not None:
        return known
    try:
        passages = extract_passages(
            services.read(version), version.kind, max_characters=SEARCH_TEXT
        )
    except (ExtractError, OSError, KeyError):
        current_app.logger.info("document version %s: no searchable text", version.id)
        return ""
    text = "\n".join(passage.text for passage in passages)[:SEARCH_TEXT]
    with _TEXTS_LOCK:
        _TEXTS[key] = text
        while len(_TEXTS) > TEXTS_KEPT:
            _TEXTS.popitem(last=False)
    return text


def scope_of(document: Document) -> DocumentScope | None:
    """Who finds the document (None: no one)."""
    if document.archived:
        return None
    attachable = registry.attachables.get(document.object_kind)
    if attachable is None:
        return None
    if attachable.search_scope is None:
        return DocumentScope()
    return attachable.search_scope(document)


def document_doc(document: Document) -> Doc | None:
    scope = scope_of(document)
    if scope is None or not document.versions:
        return None
    # The name's words as well: PostgreSQL's parser reads "verslag.pdf" as one file name,
    # which a search for "verslag" would not find.
    words = " ".join(WORD.findall(document.name))
    body = join_text(words, searchable_text(document.latest) if scope.text else "")
    url = path_in(
        document.partnership_id, "documents.index", kind=document.object_kind,
        object_id=document.object_id,
    )  # fmt: skip
    return Doc(
        KIND, document.id, document.partnership_id, document.name, body, url,
        organisation_id=scope.organisation_id, table_id=scope.table_id,
    )  # fmt: skip


def index_document(document: Document):
    state = inspect(document)
    if state.deleted or state.was_deleted:
        return [(KIND, document.id, None)]
    return [(KIND, document.id, document_doc(document))]


def index_version(version: DocumentVersion):
    return index_document(version.document)


def entries_for(object_kind: str, object_ids: int | Iterable[int]):
    """The index entries of every document of these objects (archived ones taken out):
    for an area whose change decides anew who may read its documents."""
    ids = [object_ids] if isinstance(object_ids, int) else list(object_ids)
    if not ids:
        return []
    found = db.session.scalars(
        select(Document)
        .where(Document.object_kind == object_kind, Document.object_id.in_(ids))
        .options(selectinload(Document.versions))
    )
    return [(KIND, document.id, document_doc(document)) for document in found]


def reindex(object_kind: str, object_ids: int | Iterable[int]) -> None:
    """Write the documents of these objects anew into the index, in the current transaction."""
    write(entries_for(object_kind, object_ids))


def forgotten(document_ids: Iterable[int]):
    """Entries that take these documents out of the index (rows removed in bulk)."""
    return [(KIND, document_id, None) for document_id in document_ids]


INDEXERS = [
    Indexer(
        Document, index_document,
        everything=lambda: select(Document)
        .where(Document.archived.is_(False))
        .options(selectinload(Document.versions))
        .order_by(Document.id),
    ),
    Indexer(DocumentVersion, index_version),
]  # fmt: skip
