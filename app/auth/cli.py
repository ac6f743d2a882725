"""`flask users ...`: make the first beheerder, deactivate and reactivate accounts."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth import services
from app.auth.models import User, normalise_email
from app.errors import ServiceError
from app.extensions import db
from app.partnerships.models import ORGANISATION_KINDS

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
