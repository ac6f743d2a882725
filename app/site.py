"""Pages outside any partnership: health check, accessibility statement, language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.auth.services import set_language
from app.policy import public
from app.views import safe_next

bp = Blueprint("site", __name__)


@bp.get("/healthz")
@public
def healthz() -> Response:
    # The benchmark's baseline: no database, no template.
    return Response("ok", mimetype="text/plain")


@bp.get("/favicon.ico")
@public
def favicon() -> Response:
    # Browsers and tools that ask for the icon at the conventional address before (or
    # without) reading <link rel="icon"> get the same SVG instead of a 404.
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/toegankelijkheid")
@public
def accessibility():
    return render_template("site/accessibility.html")


@bp.post("/language")
@public
def switch_language():
    language = request.form.get("language", "")
    if language in ("nl", "en"):
        session["lang"] = language
        if current_user.is_authenticated:
            set_language(current_user, language)
    # The page the form was on; the Referer also holds filters that htmx pushed
    # into the address bar after the page (and its hidden "next") was rendered.
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        target = referrer.path + (f"?{referrer.query}" if referrer.query else "")
        return redirect(safe_next(target))
    return redirect(safe_next(request.form.get("next")))
