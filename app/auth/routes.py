"""Login, logout, account, password and invitation pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import services
from app.auth.forms import AcceptInvitationForm, AccountForm, LoginForm, PasswordForm
from app.errors import ServiceError
from app.policy import authenticated, public
from app.views import form_status, safe_next, service_errors

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("partnerships.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, request.remote_addr or "unknown"
            )
        except services.LoginThrottled as error:
            form.form_errors.append(error.message)
            status = 429
        except ServiceError as error:
            form.form_errors.append(error.message)
            status = 422
        else:
            target = safe_next(request.args.get("next"), url_for("partnerships.index"))
            language = session.get("lang")
            session.clear()  # a fresh session at login
            if language:
                session["lang"] = language
            login_user(user, remember=form.remember.data)
            return redirect(target)
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@authenticated
def logout():
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@authenticated
def account():
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        with service_errors(form):
            services.update_account(current_user, form.name.data, form.language.data)
            session["lang"] = current_user.language
            flash(_("Your details have been saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form), form_status()


@bp.route("/account/password", methods=["GET", "POST"])
@authenticated
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        with service_errors(form):
            services.change_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                form.repeat_password.data,
            )
            # Keep this session: its id carries the new token. Pass the user, not the
            # current_user proxy, or current_user would resolve to itself forever.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form), form_status()


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    invitation = services.find_invitation(token)
    if invitation is None:
        abort(404)
    if invitation.state != "open":
        return render_template("auth/invitation_closed.html", invitation=invitation), 410

    existing = services.existing_user(invitation.email)
    if existing is not None:
        # Someone with an account joins by logging in as that account.
        if not current_user.is_authenticated or current_user.id != existing.id:
            return render_template("auth/invitation_login.html", invitation=invitation, token=token)
        if request.method == "POST":
            # CSRFProtect has checked the token of this button-only form.
            with service_errors():
                services.accept_invitation_existing_user(invitation, current_user)
                flash(_("Welcome to %(name)s.", name=invitation.partnership.name), "success")
                return redirect(url_for("partnerships.dashboard", slug=invitation.partnership.slug))
            return redirect(url_for("auth.accept_invitation", token=token))
        return render_template("auth/invitation_join.html", invitation=invitation)

    form = AcceptInvitationForm(name=invitation.name or None)
    if form.validate_on_submit():
        with service_errors(form):
            user = services.accept_invitation_new_user(
                invitation, form.name.data, form.new_password.data, form.repeat_password.data
            )
            session.clear()
            login_user(user)
            flash(_("Welcome to %(name)s.", name=invitation.partnership.name), "success")
            return redirect(url_for("partnerships.dashboard", slug=invitation.partnership.slug))
    return render_template("auth/invitation.html", form=form, invitation=invitation), form_status()
