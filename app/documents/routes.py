"""The documents pages: attach a file to an object, upload a newer version, archive a
document, list the archived ones and download a version.

Every route first resolves the object through the area that owns it (app.registry
.attachables) for the current member; policy.py decides whether they may read or manage
the document. Anything of another partnership, or not theirs to read, is 404."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from app.documents import services
from app.documents.files import limit_mb
from app.documents.forms import UploadForm, VersionForm
from app.documents.models import DocumentVersion
from app.documents.views import (
    back_url,
    document_or_404,
    download_response,
    limits,
    section,
    target_or_404,
)
from app.errors import error_page
from app.extensions import db
from app.partnerships.models import Membership, Partnership
from app.policy import can, may_attach_to, may_manage_document, may_read_version, requires
from app.views import confirmation_page, confirmed, form_status, service_errors

bp = Blueprint("documents", __name__, url_prefix="/p/<slug>/documents")

UPLOAD_ENDPOINTS = frozenset({"documents.upload", "documents.new_version"})
# What a multipart form adds to the file itself (boundaries, the CSRF token, the checkbox).
FORM_OVERHEAD = 2**20


def allow_document_size() -> None:
    """Bodies above MAX_CONTENT_LENGTH (4 MB by default) are refused before they are read.
    The upload routes accept a file of SAMENSPEL_DOCUMENT_MAX_MB plus the form around it,
    so a file just above the limit is answered in words (files.inspect refuses it). Runs
    before every other before_request function: the CSRF check reads the body."""
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        limit = int(current_app.config["SAMENSPEL_DOCUMENT_MAX_MB"] * 2**20)
        request.max_content_length = limit + FORM_OVERHEAD


def too_large_message() -> str:
    return _(
        "The file is larger than %(limit)s MB. Make it smaller (for example save it as PDF) or split it, and try again.",
        limit=limit_mb(current_app.config["SAMENSPEL_DOCUMENT_MAX_MB"]),
    )  # fmt: skip


def interrupted_message() -> str:
    return _(
        "The upload was interrupted before the whole file arrived, so nothing was stored. Choose the file again and try once more."
    )  # fmt: skip


def current_membership() -> Membership | None:
    """The member's membership of the partnership in the URL. A body refused before the view
    ran (by the CSRF check or the size limit) has not been through requires() yet."""
    if g.get("membership") is not None:
        return g.membership
    if not current_user.is_authenticated:
        return None
    membership = db.session.execute(
        select(Membership)
        .join(Partnership)
        .options(contains_eager(Membership.partnership))
        .where(
            Partnership.slug == (request.view_args or {}).get("slug"),
            Membership.user_id == current_user.id,
            Membership.active.is_(True),
        )
    ).scalar_one_or_none()
    if membership is not None and can("document.view", membership):
        g.membership, g.partnership = membership, membership.partnership
        return membership
    return None


def refused_upload(message: str, status: int):
    """A refused request body (too large, interrupted): the upload page with the message,
    or for htmx the documents section with it. Nothing was read or stored."""
    db.session.rollback()
    kind = (request.view_args or {}).get("kind")
    object_id = (request.view_args or {}).get("object_id")
    if request.endpoint == "documents.upload" and kind and object_id and current_membership():
        found = section(kind, object_id, form=UploadForm(formdata=None))
        if found is not None and found.form is not None:
            found.form.file.errors = [message]
            template = "documents/_section.html" if request.htmx else "documents/object.html"
            return render_template(template, section=found, limits=limits()), status
    return render_template("documents/refused.html", message=message), status


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    return refused_upload(too_large_message(), 413)


@bp.errorhandler(ClientDisconnected)
def disconnected(error):
    return refused_upload(interrupted_message(), 400)


@bp.errorhandler(CSRFError)
def csrf_refused(error):
    """A multipart body that ends too soon or is malformed reads as an empty form, which
    the CSRF check (it runs first) refuses: say what really happened."""
    if request.endpoint in UPLOAD_ENDPOINTS and multipart_broken():
        return refused_upload(interrupted_message(), 400)
    return error_page(
        400, _("The form has expired or was not sent from this site. Reload and try again.")
    )


def multipart_broken() -> bool:
    """Whether a multipart body could not be read to its end (werkzeug then gives an empty
    form rather than an error): the upload was cut off or malformed."""
    if request.mimetype != "multipart/form-data":
        return False
    return not request.files and not request.form and (request.content_length or 0) > 0


def _shown(kind: str, object_id: int, form: UploadForm, status: int):
    found = section(kind, object_id, form=form)
    if found is None:
        abort(404)
    template = "documents/_section.html" if request.htmx else "documents/object.html"
    return render_template(template, section=found, limits=limits()), status


@bp.get("/<kind>/<int:object_id>")
@requires("document.view")
def index(slug: str, kind: str, object_id: int):
    """The documents of one object (the section of its page, on a page of its own)."""
    target_or_404(kind, object_id)
    return _shown(kind, object_id, UploadForm(formdata=None), 200)


@bp.post("/<kind>/<int:object_id>/upload")
@requires("document.view")
def upload(slug: str, kind: str, object_id: int):
    target = target_or_404(kind, object_id)
    if not may_attach_to(g.membership, target):
        abort(403)
    if multipart_broken():
        return refused_upload(interrupted_message(), 400)
    form = UploadForm()
    if form.validate_on_submit():
        with service_errors(form):
            upload_file = form.file.data
            document = services.attach(
                g.partnership.id, kind, object_id, upload_file.read(), upload_file.filename,
                user_id=current_user.id,
                shareable=bool(form.shareable.data) and target.offers_shareable,
            )  # fmt: skip
            flash(_("“%(name)s” has been attached.", name=document.name), "success")
            if request.htmx:
                return _shown(kind, object_id, UploadForm(formdata=None), 200)
            return redirect(back_url(target))
    return _shown(kind, object_id, form, form_status())


@bp.get("/<kind>/<int:object_id>/archived")
@requires("document.view")
def archived(slug: str, kind: str, object_id: int):
    target = target_or_404(kind, object_id)
    found = section(kind, object_id, target=target, archived=True)
    return render_template("documents/archived.html", section=found, limits=limits())


@bp.route("/<int:document_id>/version", methods=["GET", "POST"])
@requires("document.view")
def new_version(slug: str, document_id: int):
    document, target = document_or_404(document_id)
    if document.archived or not may_manage_document(g.membership, document, target):
        abort(403)
    if request.method == "POST" and multipart_broken():
        return refused_upload(interrupted_message(), 400)
    form = VersionForm()
    if form.validate_on_submit():
        with service_errors(form):
            upload_file = form.file.data
            version = services.add_version(
                document, upload_file.read(), upload_file.filename, user_id=current_user.id
            )
            flash(
                _("Version %(n)s of “%(name)s” has been uploaded.", n=version.number, name=document.name),
                "success",
            )  # fmt: skip
            return redirect(back_url(target))
    return render_template(
        "documents/version.html",
        document=document,
        target=target,
        back=back_url(target),
        form=form,
        limits=limits(),
    ), form_status()


@bp.route("/<int:document_id>/archive", methods=["GET", "POST"])
@requires("document.view")
def archive(slug: str, document_id: int):
    document, target = document_or_404(document_id)
    if document.archived or not may_manage_document(g.membership, document, target):
        abort(403)
    if not confirmed():  # the page without JavaScript; the dialog posts confirmed=1
        return confirmation_page(
            _("Archive “%(name)s”?", name=document.name),
            _("The document and its versions disappear from %(object)s; they stay readable under “Archived documents”. Archiving cannot be undone.", object=target.label),
            _("Archive"),
            back_url(target),
        )  # fmt: skip
    with service_errors():
        services.archive(document, user_id=current_user.id)
        flash(_("“%(name)s” has been archived.", name=document.name), "success")
    return redirect(back_url(target))


@bp.get("/<int:document_id>/versions/<int:number>")
@requires("document.view")
def download(slug: str, document_id: int, number: int):
    document, target = document_or_404(document_id)
    version = db.session.execute(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == number
        )
    ).scalar_one_or_none()
    if version is None or not may_read_version(g.membership, document, version, target):
        abort(404)
    return download_response(version)
