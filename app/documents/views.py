"""What the documents pages and the documents section of an object's page show: the
object as its area resolves it for the current member, its documents with their versions,
and the download response."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote

from flask import Response, abort, current_app, g, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.activity.objects import in_partnership
from app.auth.models import User
from app.documents import services
from app.documents.files import KINDS, LABELS, limit_mb
from app.documents.forms import ACCEPT, UploadForm
from app.documents.models import Document, DocumentVersion
from app.extensions import db
from app.partnerships.models import Membership
from app.policy import (
    can,
    may_attach_to,
    may_manage_document,
    may_read_document,
    may_read_version,
)
from app.registry import AttachTarget, attachables


def numbered_object(
    model: type, endpoint: str, permission: str
) -> Callable[[int, Membership], AttachTarget | None]:
    """The resolver of a numbered object every member reads (an agreement, risk or cycle):
    found in the member's partnership, shown at `endpoint` by its number, and given
    documents by those with `permission`."""

    def resolve_numbered(object_id: int, membership: Membership) -> AttachTarget | None:
        obj = in_partnership(model, object_id, membership)
        if obj is None:
            return None
        url = url_for(endpoint, slug=membership.partnership.slug, number=obj.number)
        return AttachTarget(obj, obj.partnership_id, f"{obj.reference} {obj.title}", url,
                            may_read=True, may_attach=can(permission, membership))  # fmt: skip

    return resolve_numbered


def resolve(kind: str, object_id: int, membership: Membership) -> AttachTarget | None:
    """The object as its area resolves it for the member; None (so 404) when the kind is
    unknown, the object is in another partnership or the member may not read it."""
    attachable = attachables.get(kind)
    if attachable is None:
        return None
    target = attachable.resolve(object_id, membership)
    if target is None or target.partnership_id != membership.partnership_id or not target.may_read:
        return None
    return target


def target_or_404(kind: str, object_id: int) -> AttachTarget:
    target = resolve(kind, object_id, g.membership)
    if target is None:
        abort(404)
    return target


def document_or_404(document_id: int) -> tuple[Document, AttachTarget]:
    """A document of the current partnership the member may read, with its object; any
    other is 404, so neither its existence nor its name is revealed."""
    document = db.session.get(Document, document_id)
    if document is None or document.partnership_id != g.partnership.id:
        abort(404)
    target = resolve(document.object_kind, document.object_id, g.membership)
    if target is None or not may_read_document(g.membership, document, target):
        abort(404)
    return document, target


def back_url(target: AttachTarget) -> str:
    """The object's page at its documents section (a comment's page is at the comment)."""
    return target.url if "#" in target.url else target.url + "#documents"


def file_size(size: int) -> str:
    """A size as people read it, in their language: 812 bytes, 14 kB, 2,4 MB."""
    if size < 1000:
        return _("%(n)s bytes", n=size)
    if size < 1000**2:
        return _("%(n)s kB", n=format_decimal(round(size / 1000)))
    return _("%(n)s MB", n=format_decimal(round(size / 1000**2, 1), format="#,##0.#"))


def kind_label(kind: str) -> str:
    return LABELS.get(kind, kind.upper())


@dataclass
class Section:
    """The documents section of one object's page, for the current member."""

    kind: str
    slug: str
    target: AttachTarget
    documents: list[Document]
    names: dict[int, str] = field(default_factory=dict)
    manageable: set[int] = field(default_factory=set)
    # document id -> the versions the member may read (policy.may_read_version)
    readable: dict[int, list[DocumentVersion]] = field(default_factory=dict)
    # The form, or its class for a fresh one (see app.kept.kept_form); None: no upload.
    form: UploadForm | type[UploadForm] | None = None
    archived: bool = False

    @property
    def back(self) -> str:
        return back_url(self.target)

    def versions_of(self, document: Document) -> list[DocumentVersion]:
        return self.readable.get(document.id, [])


def uploader_names(documents: list[Document]) -> dict[int, str]:
    """The names of everyone who uploaded a version, in one query."""
    ids = {v.uploaded_by_id for d in documents for v in d.versions if v.uploaded_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def section(
    kind: str,
    object_id: int,
    *,
    target: AttachTarget | None = None,
    # The form, or its class for a fresh one (see app.kept.kept_form); None: no upload.
    form: UploadForm | type[UploadForm] | None = None,
    archived: bool = False,
) -> Section | None:
    """The documents of an object the member may read (None when the object is not
    theirs to read), with an upload form when they may attach to it."""
    membership = g.get("membership")
    if membership is None:
        return None
    target = target or resolve(kind, object_id, membership)
    if target is None:
        return None
    documents = [
        d
        for d in services.documents_of(kind, object_id, archived=archived)
        if may_read_document(membership, d, target)
    ]
    may_attach = may_attach_to(membership, target) and not archived
    if may_attach and form is None:
        form = UploadForm  # a fresh form, made only when the page renders it (kept_form)
    return Section(
        kind=kind,
        slug=membership.partnership.slug,
        target=target,
        documents=documents,
        names=uploader_names(documents),
        manageable={d.id for d in documents if may_manage_document(membership, d, target)},
        readable={
            d.id: [v for v in d.versions if may_read_version(membership, d, v, target)]
            for d in documents
        },
        form=form if may_attach else None,
        archived=archived,
    )


def limits() -> dict:
    """The upload form's accept list and limits, the figures in the page's language."""
    config = current_app.config
    max_mb, object_mb = (
        config["SAMENSPEL_DOCUMENT_MAX_MB"],
        config["SAMENSPEL_DOCUMENT_OBJECT_MAX_MB"],
    )
    return dict(_limits(max_mb, object_mb, str(get_locale())))


@lru_cache(maxsize=64)
def _limits(max_mb: float, object_mb: float, locale: str) -> tuple:
    """limits() of a language, formatted once (limit_mb formats in the page's language,
    which is `locale`): an object's page shows them with its upload form."""
    return (("accept", ACCEPT), ("max_mb", limit_mb(max_mb)), ("object_mb", limit_mb(object_mb)))


def download_name(version: DocumentVersion) -> str:
    """The stored name, ending in the extension of the type found in the content (so a
    file is never saved under an extension that makes it open as something else)."""
    extension = KINDS[version.kind][1] if version.kind in KINDS else "bin"
    stem, dot, suffix = version.name.rpartition(".")
    allowed = {extension, "jpeg"} if version.kind == "jpeg" else {extension}
    if dot and suffix.lower() in allowed:
        return version.name
    return f"{version.name}.{extension}"


def content_disposition(name: str) -> str:
    """RFC 6266: an ASCII fallback in filename and the name itself, UTF-8, in filename*."""
    fallback = (
        "".join(c if 32 <= ord(c) < 127 and c not in '"\\%;' else "_" for c in name).strip()
        or "document"
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_response(version: DocumentVersion) -> Response:
    """The bytes of a version as a download, never shown inline or sniffed as another type."""
    response = Response(services.read(version), mimetype=None)
    response.headers["Content-Type"] = version.content_type
    response.headers["Content-Disposition"] = content_disposition(download_name(version))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
