"""The user's partnerships, a partnership's dashboard and its member list."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import db
from app.forms import is_id
from app.kept import kept_fragment
from app.partnerships import services
from app.partnerships.dashboard import at_a_glance, attention_panels
from app.partnerships.models import ROLE_LABELS, ROLES
from app.policy import authenticated, requires
from app.views import page_number, render

bp = Blueprint("partnerships", __name__)


@bp.get("/")
@authenticated
def index():
    partnerships = services.partnerships_of(current_user)
    if len(partnerships) == 1:
        return redirect(url_for("partnerships.dashboard", slug=partnerships[0].slug))
    return render_template("partnerships/index.html", partnerships=partnerships)


@bp.get("/p/<slug>/")
@requires("partnership.view")
def dashboard(slug: str):
    def organisations() -> str:
        rows = services.organisations_with_counts(g.partnership)
        return render_template(
            "partnerships/_dashboard_organisations.html",
            organisations=rows,
            member_total=sum(count for _, count in rows),
        )

    membership = g.membership
    # The name from the kept list of the partnership's organisations (no statement); an
    # organisation no longer taking part is read.
    organisation = dict(services.organisations_of(g.partnership.id)).get(membership.organisation_id)
    return render_template(
        "partnerships/dashboard.html",
        organisation_name=organisation or membership.organisation.name,
        # the same for every member: kept per partnership and language (app/kept.py)
        organisations=kept_fragment(
            ("dashboard organisations", g.partnership.id, str(get_locale())), organisations
        ),
        glance=at_a_glance(g.partnership, g.membership),
        panels=attention_panels(g.partnership, g.membership),
    )


@bp.get("/p/<slug>/members")
@requires("partnership.view")
def members(slug: str):
    text = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    organisation = request.args.get("organisation", "")
    organisation_id = int(organisation) if is_id(organisation) else None
    page = db.paginate(
        services.members_query(g.partnership, text, role, organisation_id),
        page=page_number(),
        per_page=current_app.config["SAMENSPEL_PAGE_SIZE"],
        error_out=False,
    )
    return render(
        "partnerships/members.html",
        "partnerships/_members.html",
        page=page,
        filters={"q": text, "role": role if role in ROLES else "", "organisation": organisation_id},
        organisations=services.active_organisations(g.partnership),
        roles=[(r, ROLE_LABELS[r]) for r in ROLES],
    )
