"""Sending mail over SMTP; in development each mail is also printed to the console."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def send_mail(
    to: str, subject: str, text: str, html: str | None = None, headers: dict | None = None
) -> None:
    """Send one message; raise on SMTP failure so the caller can roll back."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")

    if config["MAIL_ECHO"]:
        print(f"--- mail to {to}: {subject}\n{text}\n---", flush=True)  # noqa: T201
    if not config["MAIL_HOST"]:
        return
    with smtplib.SMTP(config["MAIL_HOST"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_STARTTLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
