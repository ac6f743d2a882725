"""Notifications (bell, list, read), mail settings, following, history, the partnership's
activity page and the calendar feed."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.activity import labels
from app.activity import notifications as notes
from app.activity.models import AuditEvent
from app.activity.objects import resolve
from app.activity.services import (
    HISTORY_PAGE_SIZE,
    ActivityFilters,
    activity_query,
    activity_redactions,
    event_rows,
    history_query,
)
from app.auth.models import User
from app.errors import ServiceError
from app.exports.calendar import feed_for
from app.exports.ics import ics_response
from app.exports.tables import csv_response
from app.extensions import csrf, db
from app.forms import is_id
from app.partnerships.models import Membership
from app.partnerships.services import partnerships_of
from app.policy import authenticated, public, requires
from app.timeutil import show_datetime
from app.urls import url_pattern
from app.views import (
    confirmation_page,
    confirmed,
    form_status,
    page_number,
    safe_next,
    service_errors,
)

bp = Blueprint("activity", __name__)


@bp.app_context_processor
def audit_labels():
    def is_following(kind: str, object_id: int) -> bool:
        return notes.is_following(current_user.id, kind, object_id)

    return {
        "is_following": is_following,
        "followable_kinds": notes.followable(),
        "audit_type_label": labels.type_label,
        "audit_action_label": labels.action_label,
        "field_label": labels.field_label,
    }


def _page(query, size: int):
    return db.paginate(query, page=page_number(), per_page=size, error_out=False, count=True)


# --- notifications ----------------------------------------------------------------------


@bp.get("/notifications")
@authenticated
def notifications():
    unread_only = request.args.get("show") == "unread"
    page = _page(notes.notifications_query(current_user.id, unread_only), notes.PAGE_SIZE)
    return render_template(
        "activity/notifications.html", page=page, unread_only=unread_only, describe=notes.describe,
        links=notification_links(),
    )  # fmt: skip


def notification_links() -> SimpleNamespace:
    """The links of a notification item, each built once a request (a page has 20 items)."""
    return SimpleNamespace(
        open=url_pattern("activity.open_notification", "notification_id"),
        read=url_pattern("activity.read", "notification_id"),
    )


def _own(notification_id: int):
    try:
        return notes.own_notification(current_user.id, notification_id)
    except ServiceError:
        abort(404)


@bp.get("/notifications/<int:notification_id>")
@authenticated
def open_notification(notification_id: int):
    """Mark as read and go to what it is about."""
    notification = _own(notification_id)
    notes.mark_read(current_user.id, notification.id)
    return redirect(notification.url)


@bp.post("/notifications/<int:notification_id>/read")
@authenticated
def read(notification_id: int):
    notification = _own(notification_id)
    notes.mark_read(current_user.id, notification.id)
    if request.htmx:
        # The item in place, and the bell's count out of band.
        return render_template("activity/_notification.html", notification=notification,
                               describe=notes.describe, links=notification_links()) + render_template(
            "activity/_bell.html", oob=True, unread_notifications=notes.unread_count(current_user.id)
        )  # fmt: skip
    flash(_("Marked as read."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("activity.notifications")))


@bp.post("/notifications/read-all")
@authenticated
def read_all():
    count = notes.mark_all_read(current_user.id)
    flash(_("All notifications are marked as read (%(count)s).", count=count), "success")
    return redirect(url_for("activity.notifications"))


# --- mail settings and calendar feed ------------------------------------------------------


@bp.route("/account/notifications", methods=["GET", "POST"])
@authenticated
def settings():
    partnerships = partnerships_of(current_user)
    with service_errors(quiet=True) as outcome:
        if request.method == "POST":
            partnership_id = request.form.get("partnership", "")
            notes.set_mode(
                current_user.id, int(partnership_id) if is_id(partnership_id) else None,
                request.form.get("mode", ""),
            )  # fmt: skip
            flash(_("Your mail setting has been saved."), "success")
            return redirect(url_for("activity.settings"))
    return render_template(
        "activity/settings.html", partnerships=partnerships, modes=notes.modes_of(current_user.id),
        mode_labels=notes.MODE_LABELS, default_mode=notes.DEFAULT_MODE, error=outcome.message,
        link_days=notes.SETTING_LINK_DAYS,
        feed=notes.has_feed(current_user), new_feed_url=None,
    ), form_status()  # fmt: skip


@bp.route("/mail-setting/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def mail_setting(token: str):
    """The link in every mail: change the setting for that partnership without logging in.

    A POST with the body "List-Unsubscribe=One-Click" (RFC 8058, sent by mail programs)
    sets "never"; a POST without that and without a mode is refused.
    """
    link = notes.find_setting_link(token)
    state = notes.setting_link_state(link) if link is not None else None
    found = notes.read_setting_token(token) if state == "valid" else None
    if state in ("expired", "revoked"):
        renewed = None
        if request.method == "POST" and request.form.get("action") == "renew":
            renewed = notes.renew_setting_link(link)
        return render_template(
            "activity/mail_setting_expired.html", state=state, renewed=renewed, token=token,
            days=notes.SETTING_LINK_DAYS,
        ), 410  # fmt: skip
    if found is None:
        return render_template("activity/mail_setting_invalid.html"), 404
    user, partnership = found
    saved = False
    with service_errors(quiet=True) as outcome:
        if request.method == "POST":
            mode = request.form.get("mode") or (
                "never" if "List-Unsubscribe" in request.form else ""
            )
            notes.set_mode(user.id, partnership.id, mode)
            saved = True
    current = notes.modes_of(user.id).get(partnership.id, notes.DEFAULT_MODE)
    return render_template(
        "activity/mail_setting.html", mail_partnership=partnership, current=current,
        mode_labels=notes.MODE_LABELS, error=outcome.message, saved=saved, token=token,
        expires_at=link.expires_at,
    ), (422 if outcome.refused else 200)  # fmt: skip


@bp.route("/account/mail-links", methods=["GET", "POST"])
@authenticated
def revoke_mail_links():
    """Revoke the mail-setting links of every mail sent so far (a new mail brings a new one)."""
    if not confirmed():  # the page without JavaScript; the dialog posts confirmed=1
        return confirmation_page(
            _("Revoke the links in your earlier mails?"),
            _("The links to change your mail setting in every mail sent to you so far stop working for good. Mails sent from now on bring a new link. This cannot be undone."),
            _("Revoke the links in my earlier mails"),
            url_for("activity.settings") + "#mail-links",
        )  # fmt: skip
    count = notes.revoke_setting_links(current_user.id)
    flash(_("The links in your earlier mails no longer work (%(count)s).", count=count), "success")
    return redirect(url_for("activity.settings"))


@bp.post("/account/calendar")
@authenticated
def calendar_feed():
    if request.form.get("action") == "revoke":
        if notes.revoke_feed(current_user):
            flash(_("Your calendar link no longer works."), "success")
        return redirect(url_for("activity.settings"))
    token = notes.new_feed_token(current_user)
    url = notes.base_url() + url_for("activity.calendar", token=token)
    return render_template(
        "activity/settings.html", partnerships=partnerships_of(current_user),
        modes=notes.modes_of(current_user.id), mode_labels=notes.MODE_LABELS,
        default_mode=notes.DEFAULT_MODE, error=None, feed=notes.has_feed(current_user),
        link_days=notes.SETTING_LINK_DAYS,
        new_feed_url=url,
    )  # fmt: skip


@bp.get("/calendar/<token>.ics")
@public
def calendar(token: str):
    user = notes.feed_user(token)
    if user is None:
        return render_template("activity/calendar_invalid.html"), 404
    response = ics_response(feed_for(user), "samenspel.ics")
    response.headers["Content-Disposition"] = 'inline; filename="samenspel.ics"'
    return response


# --- following ---------------------------------------------------------------------------


@bp.post("/p/<slug>/follow/<kind>/<int:object_id>")
@requires("partnership.view")
def follow(slug: str, kind: str, object_id: int):
    if kind not in notes.followable():
        abort(404)
    target = resolve(kind, object_id, g.membership)
    if target is None:
        abort(404)
    if not notes.may_follow(target, g.membership):
        abort(403)  # e.g. one follows the reviews of one's own organisation only
    following = request.form.get("follow") == "1"
    notes.set_following(current_user.id, g.partnership.id, kind, object_id, following)
    if request.htmx:
        return render_template("activity/_follow.html", kind=kind, object_id=object_id,
                               following=following)  # fmt: skip
    flash(_("You follow this now.") if following else _("You no longer follow this."), "success")
    return redirect(safe_next(request.form.get("next"), target.url))


# --- history -----------------------------------------------------------------------------


@bp.get("/p/<slug>/history/<kind>/<int:object_id>")
@requires("partnership.view")
def history(slug: str, kind: str, object_id: int):
    target = resolve(kind, object_id, g.membership)
    if target is None:
        abort(404)
    page = _page(history_query(target.audit), HISTORY_PAGE_SIZE)
    return render_template(
        "activity/history.html", target=target, page=page, rows=event_rows(page.items, target.redact),
    )  # fmt: skip


# --- the partnership's activity -------------------------------------------------------------


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _activity_filters() -> tuple[ActivityFilters, list[str]]:
    problems = []
    actor = request.args.get("person", "")
    filters = ActivityFilters(
        actor_id=int(actor) if is_id(actor) else None,
        object_type=request.args.get("kind", "") if request.args.get("kind", "") in labels.filterable_types() else "",
        date_from=_date("from"), date_to=_date("to"),
    )  # fmt: skip
    for name in ("from", "to"):
        if request.args.get(name) and _date(name) is None:
            problems.append(_("Give dates as YYYY-MM-DD."))
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        problems.append(_("The end of the period lies before its start."))
        filters.date_to = None
    return filters, sorted(set(problems))


def _members() -> list[tuple[int, str]]:
    return db.session.execute(
        select(User.id, User.name).join(Membership, Membership.user_id == User.id)
        .where(Membership.partnership_id == g.partnership.id).order_by(User.name)
    ).all()  # fmt: skip


@bp.get("/p/<slug>/activity")
@requires("activity.view")
def activity(slug: str):
    filters, problems = _activity_filters()
    page = _page(activity_query(g.partnership.id, filters), HISTORY_PAGE_SIZE)
    rows = event_rows(page.items, {}, activity_redactions(page.items, g.membership))
    return render_template(
        "activity/activity.html", page=page, rows=rows, filters=filters, problems=problems,
        members=_members(), object_types=labels.filterable_types(),
        history_kinds=labels.history_kinds(),
    ), (400 if problems else 200)  # fmt: skip


@bp.get("/p/<slug>/activity.csv")
@requires("activity.view")
def activity_csv(slug: str):
    filters, problems = _activity_filters()
    if problems:
        abort(400)
    events = (
        db.session.execute(activity_query(g.partnership.id, filters).limit(50000))
        .unique()
        .scalars()
        .all()
    )
    rows = event_rows(events, {}, activity_redactions(events, g.membership))

    hidden = _("not shown (case details of another organisation)")

    def lines():
        for row in rows:
            changes = "; ".join(
                f"{labels.field_label(c.field)}: {hidden}"
                if c.hidden
                else f"{labels.field_label(c.field)}: {c.old} → {c.new}"
                for c in row.changes
            )
            event: AuditEvent = row.event
            yield [show_datetime(event.at), event.actor.name if event.actor else "",
                   labels.action_label(event.action), labels.type_label(event.object_type),
                   event.object_id, changes]  # fmt: skip

    header = [_("When"), _("Who"), _("Action"), _("Kind of object"), _("Number"), _("Changes")]
    return csv_response(f"activiteit-{slug}.csv", header, lines())


# --- helpers for templates --------------------------------------------------------------


def bell_count() -> int:
    """The unread notifications of the signed-in user. A GET page shows the number read
    with the session as the request began (app/auth/sessions.py: a statement less on every
    page; a GET changes none of one's own notifications before it renders, opening one
    redirects); after a POST they may have changed, so they are counted again."""
    if not (current_user and current_user.is_authenticated):
        return 0
    at_load = getattr(current_user, "unread_at_load", None)
    if at_load is not None and request.method in ("GET", "HEAD"):
        return at_load
    return notes.unread_count(current_user.id)
