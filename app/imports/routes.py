"""Import pages, one per kind of list an area registers (app.registry.importers):
upload, preview, apply, and the template to fill in."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.imports import services
from app.imports.forms import ApplyForm, UploadForm
from app.policy import can, requires
from app.registry import importers
from app.views import form_status, service_errors

bp = Blueprint("imports", __name__, url_prefix="/p/<slug>/import")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def allow_import_size():
    """The app refuses bodies above MAX_CONTENT_LENGTH (4 MB by default) with a bare 413.
    An import file may be up to SAMENSPEL_IMPORT_MAX_MB: the upload route alone accepts
    1 MB more than that, so a file just above the import limit gets a message in words
    (read_table refuses it). Runs before every other before_request function (see
    contributions.py): the CSRF check reads the body, and with it the limit."""
    if request.endpoint == "imports.upload" and request.method == "POST":
        request.max_content_length = services.max_bytes() + 2**20


def _importer(kind: str):
    importer = importers.get(kind)
    if importer is None:
        abort(404)
    if not can(importer.permission):
        abort(403)
    return importer


@bp.route("/<kind>", methods=["GET", "POST"])
@requires("import.run")
def upload(slug: str, kind: str):
    importer = _importer(kind)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        with service_errors(form):
            result = services.preview(importer, g.partnership.id, data, upload.filename or "")
            token = services.store_upload(
                data, upload.filename or "", kind, current_user.id, g.partnership.id
            )
            apply_form = ApplyForm(token=token)
            return render_template(
                "imports/preview.html", importer=importer, kind=kind, result=result,
                form=apply_form,
            )  # fmt: skip
    return render_template(
        "imports/upload.html", importer=importer, kind=kind, form=form
    ), form_status()


@bp.post("/<kind>/apply")
@requires("import.run")
def apply(slug: str, kind: str):
    importer = _importer(kind)
    form = ApplyForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data or ""
    with service_errors() as outcome:
        data, filename = services.load_upload(token, kind, current_user.id, g.partnership.id)
        result = services.apply(
            importer, g.partnership.id, data, filename, current_user.id,
            all_or_nothing=bool(form.all_or_nothing.data),
        )  # fmt: skip
        services.discard_upload(token)
        flash(
            _("Import done: %(created)s created, %(updated)s changed, %(same)s unchanged, "
              "%(skipped)s rows with errors skipped.", created=result.count("create"),
              updated=result.count("update"), same=result.count("unchanged"),
              skipped=len(result.invalid)),
            "success",
        )  # fmt: skip
        return redirect(url_for(importer.list_endpoint, slug=slug))
    return render_template(
        "imports/upload.html", importer=importer, kind=kind, form=UploadForm(),
        error=outcome.message,
    ), 422  # fmt: skip


@bp.get("/<kind>/template.xlsx")
@requires("import.run")
def template(slug: str, kind: str):
    importer = _importer(kind)
    response = Response(importer.template(g.partnership.id), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="sjabloon-{kind}.xlsx"'
    return response
