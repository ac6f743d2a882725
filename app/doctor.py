"""`flask doctor`: checks of the configuration, each saying in Dutch what to set and why.

A check is a function of the app that returns its findings; register more with @check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.activity.notifications import FALLBACK_BASE_URL


@dataclass(frozen=True)
class Finding:
    level: str  # "waarschuwing" or "fout"
    text: str

    def __str__(self) -> str:
        return f"{self.level.capitalize()}: {self.text}"


CHECKS: list[Callable[[Flask], list[Finding]]] = []


def check(function: Callable[[Flask], list[Finding]]) -> Callable[[Flask], list[Finding]]:
    CHECKS.append(function)
    return function


def findings(app: Flask) -> list[Finding]:
    return [finding for function in CHECKS for finding in function(app)]


@check
def base_url(app: Flask) -> list[Finding]:
    if app.config.get("SAMENSPEL_BASE_URL"):
        return []
    return [
        Finding(
            "waarschuwing",
            "SAMENSPEL_BASE_URL is niet gezet. Links in mails en agenda-feeds gebruiken dan "
            "het adres (de Host-header) van het verzoek dat ze veroorzaakte; herinneringen van "
            f"`flask notify send` ontstaan buiten een verzoek en wijzen naar {FALLBACK_BASE_URL}. "
            "Zet SAMENSPEL_BASE_URL op het openbare adres, bijvoorbeeld "
            "https://samenspel.example.nl, zeker als de server verzoeken met een willekeurige "
            "Host-header doorlaat.",
        )
    ]


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Check the configuration and say what to set."""
    found = findings(current_app)
    for finding in found:
        click.echo(str(finding))
    if not found:
        click.echo("Geen problemen gevonden.")
    if any(finding.level == "fout" for finding in found):
        raise SystemExit(1)
