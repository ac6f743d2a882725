"""Login (password, then a code), logout, account, sessions, password and its reset,
two-factor authentication and invitation pages."""

from __future__ import annotations

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import passwords, services, sso, twofactor
from app.auth.forms import (
    AcceptInvitationForm,
    AccountForm,
    CodeForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordForm,
    RecoveryCodesForm,
    ResetPasswordForm,
    SsoProviderForm,
    TwoFactorOffForm,
    TwoFactorSetupForm,
)
from app.auth.models import SsoProvider, User
from app.errors import ServiceError
from app.extensions import db
from app.partnerships.models import Organisation
from app.policy import authenticated, public
from app.views import form_status, safe_next, service_errors

bp = Blueprint("auth", __name__)


PENDING = "pending_second_factor"
PENDING_SECONDS = 300
SSO_PENDING = "pending_sso"  # state, nonce and PKCE verifier of a login at a provider
SSO_LOGOUT = "sso_logout"  # where logging out also ends the provider's session


def _sign_in(user, remember: bool, target: str, via: dict | None = None):
    """Start a server-side session for a user who passed every factor, in a fresh Flask
    session (keeping only the chosen language). ``via``: the single sign-on provider's
    login (its name, whether it asserted MFA, its logout address and ID token)."""
    via = via or {}
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    services.sessions.start_session(
        user,
        remember=remember,
        user_agent=request.headers.get("User-Agent", ""),
        ip=request.remote_addr or "",
        provider=via.get("provider", ""),
        mfa_by_provider=bool(via.get("mfa")),
    )
    login_user(user, remember=remember)
    if via.get("end_session"):
        session[SSO_LOGOUT] = {"url": via["end_session"], "id_token": via["id_token"]}
    if (
        not user.has_two_factor
        and not via.get("mfa")
        and services.sessions.two_factor_required(user)
    ):
        flash(_("Set up two-factor authentication to continue."), "info")
        return redirect(url_for("auth.two_factor_setup"))
    return redirect(target)


def _ask_second_factor(user, remember: bool, target: str, via: dict | None = None):
    session[PENDING] = {
        "user": user.id,
        "remember": remember,
        "next": target,
        "at": int(time.time()),
        "via": via or {},
    }
    return redirect(url_for("auth.login_code"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """First the e-mail address; its domain decides: the organisation's sign-in (single
    sign-on), or the password field (a form with both fields logs in at once). Without
    any single sign-on provider the page asks both at once, as it always did."""
    if current_user.is_authenticated:
        return redirect(url_for("partnerships.index"))
    form = LoginForm()
    outcome = None
    provider = None
    ask_password = not sso.any_provider()
    target = safe_next(request.args.get("next"), url_for("partnerships.index"))
    if form.validate_on_submit():
        provider = sso.provider_for_email(form.email.data)
        ask_password = provider is None or provider.passwords_allowed
        with service_errors(form) as outcome:
            if not ask_password:
                if form.password.data:
                    raise ServiceError(
                        _("Log in with the sign-in of your organisation (%(name)s).",
                          name=provider.name)
                    )  # fmt: skip
                return redirect(url_for("auth.sso_start", email=form.email.data, next=target))
            if not form.password.data and ("password" in request.form or not sso.any_provider()):
                raise ServiceError(_("Enter your password."), "password")
            if form.password.data:
                user = services.authenticate(
                    form.email.data, form.password.data, request.remote_addr or "unknown"
                )
                if user.has_two_factor:
                    return _ask_second_factor(user, bool(form.remember.data), target)
                return _sign_in(user, bool(form.remember.data), target)
        if outcome.error is None:  # the e-mail step: now the password
            return render_template(
                "auth/login.html", form=form, ask_password=True, provider=provider, next=target
            )
    return render_template(
        "auth/login.html", form=form, ask_password=ask_password, provider=provider, next=target
    ), form_status(outcome)


def _sso_error(error: ServiceError):
    return render_template("auth/sso_error.html", message=error.message), getattr(
        error, "status", 400
    )


@bp.get("/login/sso")
@public
def sso_start():
    """Send the browser to the identity provider of the e-mail address's domain."""
    if current_user.is_authenticated:
        return redirect(url_for("partnerships.index"))
    email = request.args.get("email", "")[:254]
    provider = sso.provider_for_email(email) if "@" in email else None
    if provider is None:
        flash(_("This e-mail address does not log in through an organisation."), "error")
        return redirect(url_for("auth.login"))
    target = safe_next(request.args.get("next"), url_for("partnerships.index"))
    try:
        started = sso.start(provider, services._external_url("auth.sso_callback"), email)
    except ServiceError as error:
        return _sso_error(error)
    session[SSO_PENDING] = {**started.state, "next": target, "at": int(time.time())}
    return redirect(started.url)


@bp.get("/login/sso/callback")
@public
def sso_callback():
    """The provider's answer: check it, then sign in (or ask the local code)."""
    pending = session.pop(SSO_PENDING, None)
    if isinstance(pending, dict) and time.time() - pending.get("at", 0) > PENDING_SECONDS * 2:
        pending = None
    try:
        result = sso.finish(pending, request.args, services._external_url("auth.sso_callback"))
    except ServiceError as error:
        db.session.rollback()
        return _sso_error(error)
    via = {
        "provider": result.provider.name,
        "mfa": result.mfa,
        "end_session": result.end_session_endpoint,
        "id_token": result.id_token if result.end_session_endpoint else "",
    }
    target = pending["next"]
    if result.user.has_two_factor and not result.mfa:
        return _ask_second_factor(result.user, False, target, via)
    return _sign_in(result.user, False, target, via)


def _pending_user():
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or not user.has_two_factor:
        return None, None
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    """The second step of logging in: a code from the authenticator app (or a recovery
    code), within five minutes of the password."""
    if current_user.is_authenticated:
        return redirect(url_for("partnerships.index"))
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Log in again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    outcome = None
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            recovery = services.verify_second_factor(user, form.code.data)
            if recovery:
                flash(_("You used a recovery code. Make new ones if few are left."), "warning")
            return _sign_in(user, pending["remember"], pending["next"], pending.get("via"))
    return render_template("auth/login_code.html", form=form), form_status(outcome)


@bp.post("/logout")
@authenticated
def logout():
    services.logout(current_user._get_current_object())
    language = session.get("lang")
    provider_logout = session.get(SSO_LOGOUT)
    # Empty the session first: logout_user() then notes that the remember cookie must be
    # deleted, which Flask-Login does when it sends the answer.
    session.clear()
    logout_user()
    if language:
        session["lang"] = language
    flash(_("You are logged out."), "info")
    if isinstance(provider_logout, dict) and provider_logout.get("url"):
        # Also end the session at the identity provider, which sends the browser back.
        return redirect(
            sso.end_session_url(
                provider_logout["url"],
                provider_logout.get("id_token", ""),
                services._external_url("auth.login"),
            )
        )
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    status = 200
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether or not the address has an account.
        return render_template("auth/forgot_sent.html"), 200
    elif request.method == "POST":
        status = 422
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    reset = services.find_reset(token)
    if reset is None:
        return render_template("auth/reset_invalid.html"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with service_errors(form):
            services.reset_password(token, form.new_password.data, form.repeat_password.data)
            if current_user.is_authenticated:
                session.clear()
                logout_user()
            flash(_("Your password has been changed. Log in with the new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, token=token), form_status()


@bp.post("/password/strength")
@public
def password_strength():
    """Feedback while typing a new password (htmx): the same judgement as the server's."""
    password = request.form.get("new_password", "")
    email = name = ""
    if current_user.is_authenticated:
        email, name = current_user.email, current_user.name
    name = request.form.get("name", name)[:200]
    verdict = passwords.judge(password, email=email, name=name) if password else None
    return render_template("auth/_strength.html", verdict=verdict)


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
            flash(_("Welcome to %(name)s.", name=invitation.partnership.name), "success")
            target = url_for("partnerships.dashboard", slug=invitation.partnership.slug)
            return _sign_in(user, False, target)
    return render_template("auth/invitation.html", form=form, invitation=invitation), form_status()


# --- sessions ------------------------------------------------------------------------


@bp.get("/account/sessions")
@authenticated
def sessions_page():
    rows = services.sessions.active_sessions(current_user)
    return render_template("auth/sessions.html", rows=rows, current_id=current_user.session_row_id)


@bp.post("/account/sessions/<int:session_id>/end")
@authenticated
def end_session(session_id: int):
    with service_errors():
        services.end_session(current_user._get_current_object(), session_id)
        flash(_("The session has been ended."), "success")
    return redirect(url_for("auth.sessions_page"))


@bp.post("/account/sessions/end-others")
@authenticated
def end_other_sessions():
    ended = services.end_other_sessions(current_user._get_current_object())
    flash(_("Sessions ended on other devices: %(n)s.", n=ended), "success")
    return redirect(url_for("auth.sessions_page"))


# --- two-factor authentication --------------------------------------------------------

SETUP_SECRET = "two_factor_setup_secret"  # noqa: S105  (a session key)


@bp.get("/account/two-factor")
@authenticated
def two_factor():
    return render_template(
        "auth/two_factor.html",
        required=services.sessions.two_factor_required(current_user),
        codes_left=twofactor.recovery_codes_left(current_user),
        off_form=TwoFactorOffForm(prefix="off"),
        codes_form=RecoveryCodesForm(prefix="codes"),
    )


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@authenticated
def two_factor_setup():
    """Enrol (or move to a new phone): scan the QR code, confirm with a first code, get
    the recovery codes once. The new secret stays in the session until confirmed."""
    form = TwoFactorSetupForm()
    secret = session.get(SETUP_SECRET)
    if request.method == "GET" or not secret:
        secret = twofactor.new_secret()
        session[SETUP_SECRET] = secret
    if form.validate_on_submit():
        with service_errors(form):
            codes = services.confirm_two_factor(
                current_user._get_current_object(), secret, form.code.data
            )
            session.pop(SETUP_SECRET, None)
            return render_template("auth/recovery_codes.html", codes=codes)
    uri = twofactor.provisioning_uri(current_user, secret)
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        secret=secret,
        qr=twofactor.qr_svg(uri),
        must_enrol=current_user.must_enrol,
    ), form_status()


@bp.post("/account/two-factor/off")
@authenticated
def two_factor_off():
    form = TwoFactorOffForm(prefix="off")
    outcome = None
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            services.disable_two_factor(
                current_user._get_current_object(), form.password.data, form.code.data
            )
            flash(_("Two-factor authentication is off."), "success")
            return redirect(url_for("auth.two_factor"))
    return render_template(
        "auth/two_factor.html",
        required=services.sessions.two_factor_required(current_user),
        codes_left=twofactor.recovery_codes_left(current_user),
        off_form=form,
        codes_form=RecoveryCodesForm(prefix="codes"),
    ), form_status(outcome)


@bp.post("/account/two-factor/recovery-codes")
@authenticated
def recovery_codes():
    form = RecoveryCodesForm(prefix="codes")
    if form.validate_on_submit():
        with service_errors(form):
            codes = services.new_recovery_codes(
                current_user._get_current_object(), form.password.data
            )
            return render_template("auth/recovery_codes.html", codes=codes)
    return render_template(
        "auth/two_factor.html",
        required=services.sessions.two_factor_required(current_user),
        codes_left=twofactor.recovery_codes_left(current_user),
        off_form=TwoFactorOffForm(prefix="off"),
        codes_form=form,
    ), 422


# --- single sign-on providers (the instance beheerder) -------------------------------


def _require_instance_admin() -> None:
    if not current_user.instance_admin:
        abort(404)


def _organisation_choices():
    organisations = db.session.execute(
        db.select(Organisation).order_by(Organisation.name)
    ).scalars()
    return [("", _("None"))] + [(str(o.id), o.name) for o in organisations]


@bp.route("/admin/sso", methods=["GET", "POST"])
@authenticated
def sso_providers():
    """The single sign-on providers: list and add (the secret is asked, never shown)."""
    _require_instance_admin()
    form = SsoProviderForm()
    form.organisation.choices = _organisation_choices()
    outcome = None
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            provider = sso.add_provider(
                name=form.name.data,
                issuer=form.issuer.data,
                client_id=form.client_id.data,
                client_secret=form.client_secret.data,
                domains=form.domains.data,
                passwords_allowed=bool(form.passwords_allowed.data),
                auto_create=bool(form.auto_create.data),
                mfa_acr_values=form.mfa_acr_values.data or "",
                organisation_id=int(form.organisation.data) if form.organisation.data else None,
                actor=current_user._get_current_object(),
            )
            flash(_("%(name)s has been added.", name=provider.name), "success")
            return redirect(url_for("auth.sso_providers"))
    return render_template(
        "auth/sso_providers.html",
        form=form,
        providers=sso.providers(),
        callback=services._external_url("auth.sso_callback"),
    ), form_status(outcome)


@bp.post("/admin/sso/<int:provider_id>/remove")
@authenticated
def sso_provider_remove(provider_id: int):
    _require_instance_admin()
    provider = db.session.get(SsoProvider, provider_id) or abort(404)
    name = provider.name
    sso.remove_provider(provider, current_user._get_current_object())
    flash(_("%(name)s has been removed.", name=name), "success")
    return redirect(url_for("auth.sso_providers"))
