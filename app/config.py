"""Settings from the environment (SAMENSPEL_*, DATABASE_URL) and the instance folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(instance_path: Path) -> str:
    """DATABASE_URL when set (PostgreSQL), else SQLite in the instance folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'samenspel.db'}"
    # Accept the usual spellings and use the psycopg 3 driver for PostgreSQL.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(instance_path: Path) -> str:
    """SAMENSPEL_SECRET_KEY, or a key generated once into instance/secret_key."""
    given = os.environ.get("SAMENSPEL_SECRET_KEY")
    if given:
        return given
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load(instance_path: Path) -> dict:
    """Build the Flask configuration mapping."""
    instance_path.mkdir(parents=True, exist_ok=True)
    secure = _flag("SAMENSPEL_HTTPS")
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en"),
        # Larger request bodies are refused (413) before they are read.
        "MAX_CONTENT_LENGTH": int(float(os.environ.get("SAMENSPEL_MAX_CONTENT_MB", "4")) * 2**20),
        # Imports (app/imports): larger files and longer lists are refused with a message.
        # The upload routes of imports raise the request limit above this for themselves,
        # so a file just over it is answered in words rather than with a bare 413.
        "SAMENSPEL_IMPORT_MAX_MB": float(os.environ.get("SAMENSPEL_IMPORT_MAX_MB", "5")),
        "SAMENSPEL_IMPORT_MAX_ROWS": int(os.environ.get("SAMENSPEL_IMPORT_MAX_ROWS", "10000")),
        # Documents (app/documents): per file and per object, in MB; files stay in the
        # instance folder unless an S3-compatible bucket is configured.
        "SAMENSPEL_DOCUMENT_MAX_MB": float(os.environ.get("SAMENSPEL_DOCUMENT_MAX_MB", "25")),
        "SAMENSPEL_DOCUMENT_OBJECT_MAX_MB": float(
            os.environ.get("SAMENSPEL_DOCUMENT_OBJECT_MAX_MB", "200")
        ),
        "SAMENSPEL_S3_BUCKET": os.environ.get("SAMENSPEL_S3_BUCKET", "").strip(),
        "SAMENSPEL_S3_ENDPOINT": os.environ.get("SAMENSPEL_S3_ENDPOINT", "").strip(),
        "SAMENSPEL_S3_REGION": os.environ.get("SAMENSPEL_S3_REGION", "").strip(),
        "SAMENSPEL_S3_ACCESS_KEY": os.environ.get("SAMENSPEL_S3_ACCESS_KEY", "").strip(),
        "SAMENSPEL_S3_SECRET_KEY": os.environ.get("SAMENSPEL_S3_SECRET_KEY", "").strip(),
        "SAMENSPEL_S3_PREFIX": os.environ.get("SAMENSPEL_S3_PREFIX", "").strip(),
        "SAMENSPEL_CLAMD_SOCKET": os.environ.get("SAMENSPEL_CLAMD_SOCKET", "").strip(),
        "SAMENSPEL_BASE_URL": os.environ.get("SAMENSPEL_BASE_URL", "").rstrip("/"),
        # werkzeug's method for hashing new passwords (app/auth/models.py).
        "SAMENSPEL_PASSWORD_METHOD": os.environ.get("SAMENSPEL_PASSWORD_METHOD", "scrypt"),
        # Fernet key that encrypts the client secrets of single sign-on providers.
        "SAMENSPEL_SSO_KEY": os.environ.get("SAMENSPEL_SSO_KEY", "").strip(),
        "SAMENSPEL_LOGIN_LIMIT": int(os.environ.get("SAMENSPEL_LOGIN_LIMIT", "5")),
        # Sessions end after this long unused, and at the latest after 12 hours (30 days
        # with "ingelogd blijven"), whatever the cookie says.
        "SAMENSPEL_SESSION_IDLE_MINUTES": int(
            os.environ.get("SAMENSPEL_SESSION_IDLE_MINUTES", "480")
        ),
        "SAMENSPEL_SESSION_HOURS": int(os.environ.get("SAMENSPEL_SESSION_HOURS", "12")),
        "SAMENSPEL_SESSION_REMEMBER_DAYS": int(
            os.environ.get("SAMENSPEL_SESSION_REMEMBER_DAYS", "30")
        ),
        # The demo: its public password is accepted as a new password only here.
        "SAMENSPEL_DEMO": _flag("SAMENSPEL_DEMO"),
        "SAMENSPEL_INVITATION_DAYS": 7,
        "SAMENSPEL_PAGE_SIZE": 25,
        "SAMENSPEL_COMMENT_EDIT_MINUTES": int(
            os.environ.get("SAMENSPEL_COMMENT_EDIT_MINUTES", "30")
        ),
        # Local hour (Europe/Amsterdam) from which `flask notify send` sends daily digests.
        "SAMENSPEL_DIGEST_HOUR": int(os.environ.get("SAMENSPEL_DIGEST_HOUR", "7")),
        "MAIL_HOST": os.environ.get("SAMENSPEL_SMTP_HOST", ""),
        "MAIL_PORT": int(os.environ.get("SAMENSPEL_SMTP_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("SAMENSPEL_SMTP_USER", ""),
        "MAIL_PASSWORD": os.environ.get("SAMENSPEL_SMTP_PASSWORD", ""),
        "MAIL_STARTTLS": _flag("SAMENSPEL_SMTP_STARTTLS"),
        "MAIL_SENDER": os.environ.get("SAMENSPEL_MAIL_FROM", "Samenspel <noreply@samenspel.local>"),
        # Print mails (with their links) to the console: on in development.
        "MAIL_ECHO": _flag("SAMENSPEL_MAIL_ECHO", default=True),
    }
