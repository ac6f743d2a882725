"""`flask users ...`: make the first beheerder, deactivate and reactivate accounts."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.activity.services import record
from app.auth import services, sso
from app.auth.models import SsoProvider, User, normalise_email
from app.errors import ServiceError
from app.extensions import db
from app.partnerships.models import ORGANISATION_KINDS, Organisation

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True, help="E-mail address of the beheerder.")
@click.option("--name", prompt=True, help="Full name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="SAMENSPEL_ADMIN_PASSWORD",
    help="At least 12 characters (or set SAMENSPEL_ADMIN_PASSWORD).",
)
@click.option("--partnership", "slug", prompt="Partnership slug", help="e.g. eemland-bsa")
@click.option("--partnership-name", default=None, help="Name, when the partnership is new.")
@click.option("--organisation", prompt=True, help="The beheerder's organisation.")
@click.option(
    "--kind",
    type=click.Choice(ORGANISATION_KINDS),
    default="gemeente",
    show_default=True,
    help="Kind of organisation, when it is new.",
)
def create_admin(email, name, password, slug, partnership_name, organisation, kind):
    """Make the first beheerder of a partnership (creating what does not exist yet)."""
    try:
        membership = services.create_admin(
            email, name, password, slug, partnership_name, organisation, kind
        )
    except ServiceError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(
        f"{membership.user.email} is beheerder of {membership.partnership.name} "
        f"({membership.partnership.slug})."
    )


def _set_active(email: str, active: bool) -> None:
    user = db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No user with e-mail address {email}.")
    services.set_active(user, active)  # deactivating also ends every session
    click.echo(f"{user.email} is now {'active' if active else 'inactive'}.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email):
    """Stop an account from logging in (nothing is deleted)."""
    _set_active(email, False)


@users_cli.command("activate")
@click.argument("email")
def activate(email):
    """Let a deactivated account log in again."""
    _set_active(email, True)


@users_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email):
    """Remove an account's second factor (a lost phone, no recovery codes left); the
    person sets it up again at the next login. Ends their sessions and mails them."""
    user = db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No user with e-mail address {email}.")
    try:
        services.reset_two_factor(user)
    except ServiceError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"The two-factor authentication of {user.email} has been reset.")


@users_cli.command("instance-admin")
@click.argument("email")
@click.option("--off", is_flag=True, help="Take the role away again.")
def instance_admin(email, off):
    """Make someone beheerder of the instance: they manage single sign-on (and must use
    two-factor authentication)."""
    user = db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No user with e-mail address {email}.")
    user.instance_admin = not off
    record("update", user, changes={"instance_admin": [off, not off]})
    db.session.commit()
    click.echo(f"{user.email} is {'no longer ' if off else ''}beheerder of the instance.")


sso_cli = AppGroup("sso", help="Single sign-on providers (OpenID Connect).")


@sso_cli.command("add")
@click.option("--name", required=True, help="Shown on the login page.")
@click.option("--issuer", required=True, help="Issuer URL (discovery is read from it).")
@click.option("--client-id", required=True)
@click.option(
    "--client-secret",
    prompt=True,
    hide_input=True,
    envvar="SAMENSPEL_SSO_CLIENT_SECRET",
    help="Asked when not given (or set SAMENSPEL_SSO_CLIENT_SECRET); stored encrypted.",
)
@click.option("--domains", required=True, help="E-mail domains, separated by spaces.")
@click.option("--passwords/--no-passwords", default=False, show_default=True,
              help="Whether passwords stay allowed for these domains.")  # fmt: skip
@click.option("--auto-create/--no-auto-create", default=False, show_default=True,
              help="Create unknown people (without memberships).")  # fmt: skip
@click.option("--mfa-acr", default="", help="acr values that count as two-factor.")
@click.option("--organisation", default=None, help="Name of the organisation (optional).")
def sso_add(name, issuer, client_id, client_secret, domains, passwords, auto_create, mfa_acr,
            organisation):  # fmt: skip
    """Add an identity provider for one or more e-mail domains."""
    organisation_id = None
    if organisation:
        found = db.session.execute(
            select(Organisation).where(Organisation.name == organisation)
        ).scalar_one_or_none()
        if found is None:
            raise click.ClickException(f"No organisation named {organisation}.")
        organisation_id = found.id
    try:
        provider = sso.add_provider(
            name=name, issuer=issuer, client_id=client_id, client_secret=client_secret,
            domains=domains, passwords_allowed=passwords, auto_create=auto_create,
            mfa_acr_values=mfa_acr, organisation_id=organisation_id,
        )  # fmt: skip
    except ServiceError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Added {provider.name} for {provider.domains}.")


@sso_cli.command("list")
def sso_list():
    """The identity providers (never their secrets)."""
    for provider in sso.providers():
        click.echo(
            f"{provider.id}\t{provider.name}\t{provider.issuer}\t{provider.client_id}\t"
            f"{provider.domains}\tpasswords={'yes' if provider.passwords_allowed else 'no'}\t"
            f"auto-create={'yes' if provider.auto_create else 'no'}\t"
            f"acr={provider.mfa_acr_values or '-'}"
        )


@sso_cli.command("remove")
@click.argument("name")
def sso_remove(name):
    """Remove an identity provider; its people log in with a password again."""
    provider = db.session.execute(
        select(SsoProvider).where(SsoProvider.name == name)
    ).scalar_one_or_none()
    if provider is None:
        raise click.ClickException(f"No identity provider named {name}.")
    sso.remove_provider(provider)
    click.echo(f"Removed {name}.")


@sso_cli.command("new-key")
def sso_new_key():
    """Print a new key for SAMENSPEL_SSO_KEY."""
    click.echo(sso.new_key())
