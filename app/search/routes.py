"""The search page of a partnership."""

from __future__ import annotations

from flask import Blueprint, g, request

from app.errors import ServiceError
from app.policy import requires
from app.search import services
from app.views import page_number, render

bp = Blueprint("search", __name__, url_prefix="/p/<slug>/search")


@bp.get("/")
@requires("partnership.view")
def index(slug: str):
    query = request.args.get("q", "")
    kind = request.args.get("kind") or None
    results, error, status = None, None, 200
    if query.strip() or "q" in request.args:
        try:
            results = services.search(g.membership, query, kind, page_number())
        except ServiceError as problem:
            error, status = problem.message, 400
    return render(
        "search/index.html", "search/_results.html", status=status, query=query[:1000],
        results=results, error=error,
        comment_limit=services.COMMENT_LIMIT,
    )  # fmt: skip
