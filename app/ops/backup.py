"""Backups that restore: `flask backup create | restore | verify`.

A backup is one file, ``samenspel-<UTC time>.tar.gz``, holding:

- ``manifest.json``: format, app version, database kind, migration head, rows and a
  checksum of the rows of every table, the checksum of every other member;
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the app
  runs and writes) or ``database.pgdump`` (``pg_dump -Fc`` of an exported snapshot, the
  same snapshot the manifest's figures are read in);
- ``files/…``: the stored files folder (``SAMENSPEL_FILES_DIR``, ``instance/files``)
  when it exists.

``restore`` checks the checksums, refuses a database (or files folder) that holds data
unless forced, restores, runs pending migrations and rebuilds the search index.
``verify`` restores into a throw-away database (a temporary SQLite file, or a temporary
PostgreSQL database) and compares every table's rows and checksum with the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import NullPool

from app import sqlite_writes
from app.extensions import db
from app.ops.jobs import recorded
from app.search.services import reindex_all
from app.timeutil import utcnow

FORMAT = 1
PREFIX = "samenspel-"
SUFFIX = ".tar.gz"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
FILES = "files"
# Tables whose rows say nothing about whether a database is in use: a database fresh
# from `flask db upgrade` (and the scheduler's first runs) holds rows in these.
NOT_DATA = {"alembic_version", "job_run"}


class BackupError(click.ClickException):
    """A backup that cannot be made, read or restored; the message is plain Dutch."""


# --- where things are -----------------------------------------------------------------------


def backup_dir() -> Path:
    configured = current_app.config.get("SAMENSPEL_BACKUP_DIR") or os.environ.get(
        "SAMENSPEL_BACKUP_DIR", ""
    )
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def files_dir(app: Flask | None = None) -> Path:
    """The stored files folder of app (the current app when not given)."""
    app = app or current_app
    configured = app.config.get("SAMENSPEL_FILES_DIR") or os.environ.get("SAMENSPEL_FILES_DIR", "")
    return Path(configured) if configured else Path(app.instance_path) / "files"


def app_version() -> str:
    pyproject = Path(current_app.root_path).parent / "pyproject.toml"
    if pyproject.exists():
        return tomllib.loads(pyproject.read_text())["project"]["version"]

    return version("samenspel")


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore: in PG_BIN, on the PATH, or of PostgreSQL 15."""
    for folder in (os.environ.get("PG_BIN", ""), "/usr/lib/postgresql/15/bin"):
        if folder and (Path(folder) / name).exists():
            return str(Path(folder) / name)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is niet gevonden; installeer de PostgreSQL 15-client.")
    return found


def _pg_env(url: URL, database: str | None = None) -> dict[str, str]:
    """libpq's environment for a database (the password stays off the command line)."""
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", database or url.database),
        ("PGSSLMODE", url.query.get("sslmode")),
    ):
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise BackupError(f"{Path(command[0]).name} mislukte: {done.stderr.strip()[-800:]}")


# --- figures of a database --------------------------------------------------------------------


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def table_figures(connection: Connection) -> dict[str, dict]:
    """{table: {"rows": n, "sha256": checksum of its rows in key order}} for the tables
    of the application that the database has."""
    present = set(inspect(connection).get_table_names())
    figures = {}
    for table in db.metadata.sorted_tables:
        if table.name not in present:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        digest, rows = hashlib.sha256(), 0
        result = connection.execution_options(yield_per=2000).execute(
            select(*table.columns).order_by(*order)
        )
        for row in result:
            digest.update(json.dumps(list(row), default=_plain, sort_keys=True).encode())
            digest.update(b"\n")
            rows += 1
        figures[table.name] = {"rows": rows, "sha256": digest.hexdigest()}
    return figures


def migration_heads(connection: Connection) -> list[str]:
    if not inspect(connection).has_table("alembic_version"):
        return []
    return sorted(r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version")))


def holds_data(connection: Connection) -> bool:
    present = set(inspect(connection).get_table_names())
    for table in db.metadata.sorted_tables:
        if table.name not in present or table.name in NOT_DATA:
            continue
        if connection.execute(select(table.columns[0]).limit(1)).first() is not None:
            return True
    return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- create -----------------------------------------------------------------------------------


def _sqlite_path() -> str:
    return db.engine.url.database


def _copy_sqlite(source: str, target: Path) -> None:
    """SQLite's online backup API: one step, so the copy is one consistent snapshot while
    writers go on (WAL mode); the copy is a single file (no WAL beside it)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


@contextmanager
def _sqlite_file(path: Path) -> Iterator[Connection]:
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _dump_database(work: Path) -> tuple[str, dict, list[str]]:
    """Write the database into work; returns (member name, table figures, heads)."""
    if db.engine.dialect.name == "sqlite":
        target = work / SQLITE_MEMBER
        _copy_sqlite(_sqlite_path(), target)
        with _sqlite_file(target) as connection:
            return SQLITE_MEMBER, table_figures(connection), migration_heads(connection)
    target = work / PG_MEMBER
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            _run(
                [pg_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot}", "-f", str(target)],
                _pg_env(db.engine.url),
            )  # fmt: skip
            return PG_MEMBER, table_figures(connection), migration_heads(connection)


def create(target: Path | None = None) -> Path:
    """Make a backup; target is a folder (a timestamped file in it) or a .tar.gz path."""
    target = target or backup_dir()
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    final = target if target.name.endswith(SUFFIX) else target / f"{PREFIX}{stamp}{SUFFIX}"
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=final.parent, prefix=".backup-") as temp:
        work = Path(temp)
        member, figures, heads = _dump_database(work)
        checksums = {member: _sha256(work / member)}
        stored = files_dir()
        files_present = stored.is_dir()
        if files_present:
            for path in sorted(p for p in stored.rglob("*") if p.is_file()):
                checksums[f"{FILES}/{path.relative_to(stored).as_posix()}"] = _sha256(path)
        manifest = {
            "format": FORMAT,
            "app_version": app_version(),
            "created_at": utcnow().isoformat(timespec="seconds") + "Z",
            "database": db.engine.dialect.name,
            "migration_head": heads,
            "tables": figures,
            "files_included": files_present,
            "checksums": checksums,
        }
        partial = work / "backup.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(utcnow().timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(work / member, arcname=member)
            if files_present:
                for name in checksums:
                    if name.startswith(f"{FILES}/"):
                        archive.add(stored / name.removeprefix(f"{FILES}/"), arcname=name)
        partial.chmod(0o600)
        os.replace(partial, final)  # whole or not at all
    return final


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest keep backups in folder; returns the removed files."""
    backups = sorted(folder.glob(f"{PREFIX}*{SUFFIX}"))
    removed = backups[:-keep] if keep > 0 else []
    for path in removed:
        path.unlink()
    return removed


# --- reading a backup -------------------------------------------------------------------------


def _extract(archive: tarfile.TarFile, folder: Path) -> None:
    """Unpack only plain files and folders below folder (tarfile's "data" filter where
    this Python has it; the same rules by hand on an older 3.11)."""
    if hasattr(tarfile, "data_filter"):
        archive.extractall(folder, filter="data")
        return
    root = folder.resolve()
    for member in archive.getmembers():
        target = (folder / member.name).resolve()
        if not (member.isfile() or member.isdir()) or not target.is_relative_to(root):
            raise BackupError(f"De back-up bevat een ongeldig onderdeel: {member.name}")
    archive.extractall(folder)  # noqa: S202 (every member checked above)


@contextmanager
def opened(archive_path: Path) -> Iterator[tuple[dict, Path]]:
    """Unpack a backup into a temporary folder after checking every checksum; yields
    (manifest, folder)."""
    if not archive_path.is_file():
        raise BackupError(f"Back-up {archive_path} bestaat niet.")
    with tempfile.TemporaryDirectory(prefix="samenspel-restore-") as temp:
        folder = Path(temp)
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                _extract(archive, folder)
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupError(f"Back-up {archive_path} is onleesbaar: {error}") from error
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except (OSError, ValueError) as error:
            raise BackupError(f"Back-up {archive_path} heeft geen leesbaar manifest.") from error
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Onbekend back-upformaat {manifest.get('format')!r}.")
        for name, checksum in manifest["checksums"].items():
            path = folder / name
            if not path.is_file() or _sha256(path) != checksum:
                raise BackupError(
                    f"Controlegetal klopt niet voor {name}: de back-up is beschadigd."
                )
        yield manifest, folder


def _restore_database(manifest: dict, folder: Path, engine_url: URL, dialect: str) -> None:
    if manifest["database"] != dialect:
        raise BackupError(
            f"Deze back-up is van {manifest['database']}; de database hier is {dialect}."
        )
    if dialect == "sqlite":
        src = sqlite3.connect(str(folder / SQLITE_MEMBER))
        dst = sqlite3.connect(engine_url.database, timeout=30)
        try:
            with sqlite_writes.holding(engine_url.database):
                src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
            src.close()
        return
    env = _pg_env(engine_url)
    engine = create_engine(engine_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:  # what pg_restore brings is all there will be
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    _run(
        [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--no-comments",
         "--exit-on-error", "--single-transaction", "-d", env["PGDATABASE"],
         str(folder / PG_MEMBER)],
        env,
    )  # fmt: skip


def restore(archive_path: Path, force: bool = False) -> dict:
    """Restore a backup into this app's database and files folder; returns the manifest."""
    with opened(archive_path) as (manifest, folder):
        with db.engine.connect() as connection:
            busy = holds_data(connection)
        stored = files_dir()
        files_busy = stored.is_dir() and any(stored.iterdir())
        if (busy or files_busy) and not force:
            what = "De database" if busy else f"De map {stored}"
            raise BackupError(
                f"{what} bevat al gegevens; terugzetten zou die overschrijven. "
                "Gebruik --force als dat de bedoeling is."
            )
        db.session.remove()
        db.engine.dispose()
        _restore_database(manifest, folder, db.engine.url, db.engine.dialect.name)
        db.engine.dispose()
        if manifest["files_included"]:
            if stored.exists():
                shutil.rmtree(stored)
            if (folder / FILES).exists():
                shutil.copytree(folder / FILES, stored)
            else:
                stored.mkdir(parents=True)
    upgrade()  # pending migrations of a backup made by an older version
    with current_app.test_request_context():
        reindex_all()
        db.session.commit()
    return manifest


def verify(archive_path: Path) -> list[str]:
    """Restore into a throw-away database and compare; returns the differences (Dutch)."""
    with opened(archive_path) as (manifest, folder):
        if manifest["database"] == "sqlite":
            scratch = folder / "verify.sqlite3"
            _restore_database(
                manifest, folder, URL.create("sqlite", database=str(scratch)), "sqlite"
            )
            with _sqlite_file(scratch) as connection:
                figures, heads = table_figures(connection), migration_heads(connection)
        else:
            figures, heads = _verify_postgres(manifest, folder)
    problems = []
    if heads != manifest["migration_head"]:
        problems.append(f"Migratiestand {heads} in plaats van {manifest['migration_head']}.")
    for table, expected in manifest["tables"].items():
        found = figures.get(table)
        if found is None:
            problems.append(f"Tabel {table} ontbreekt na terugzetten.")
        elif found["rows"] != expected["rows"]:
            problems.append(
                f"Tabel {table}: {found['rows']} rijen in plaats van {expected['rows']}."
            )
        elif found["sha256"] != expected["sha256"]:
            problems.append(f"Tabel {table}: de inhoud wijkt af van het manifest.")
    return problems


def _verify_postgres(manifest: dict, folder: Path) -> tuple[dict, list[str]]:
    if db.engine.dialect.name != "postgresql":
        raise BackupError(
            "Een PostgreSQL-back-up controleren kan alleen met DATABASE_URL naar PostgreSQL."
        )
    name = f"samenspel_verify_{secrets.token_hex(4)}"
    admin = create_engine(db.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        scratch_url = db.engine.url.set(database=name)
        try:
            _restore_database(manifest, folder, scratch_url, "postgresql")
            scratch = create_engine(scratch_url, poolclass=NullPool)
            try:
                with scratch.connect() as connection:
                    return table_figures(connection), migration_heads(connection)
            finally:
                scratch.dispose()
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


# --- the commands -----------------------------------------------------------------------------

backup_cli = AppGroup("backup", help="Back-ups of the database and stored files.")


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Keep only the newest N back-ups in the folder.")  # fmt: skip
@recorded("backup_create")
def create_command(path: Path | None, keep: int | None) -> None:
    """Write a consistent back-up (to PATH, a folder or a .tar.gz file)."""
    made = create(path)
    click.echo(f"Back-up gemaakt: {made} ({made.stat().st_size // 1024} kB).")
    if keep:
        for old in prune(made.parent, keep):
            click.echo(f"Oude back-up verwijderd: {old.name}")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database that holds data.")
def restore_command(path: Path, force: bool) -> None:
    """Restore a back-up, run pending migrations and rebuild the search index."""
    manifest = restore(path, force=force)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(
        f"Teruggezet: back-up van {manifest['created_at']} (versie {manifest['app_version']}), "
        f"{rows} rijen; migraties bijgewerkt en zoekindex opnieuw opgebouwd."
    )


@backup_cli.command("verify")
@click.argument("path", type=click.Path(path_type=Path))
def verify_command(path: Path) -> None:
    """Restore into a throw-away database and compare with the manifest."""
    problems = verify(path)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    click.echo(f"Back-up {path.name} is in orde: terugzetten geeft dezelfde rijen per tabel.")
