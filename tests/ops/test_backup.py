"""`flask backup create | restore | verify` on the test database (SQLite, or PostgreSQL
when DATABASE_URL is set): a backup made while a writer posts comments restores into an
empty database with every table's rows, and the restored app serves the same pages."""

from __future__ import annotations

import io
import json
import secrets
import tarfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from app import create_app
from app.documents import services as documents
from app.extensions import db
from app.ops import backup
from app.search.models import SearchDocument
from app.tables.models import Comment, Conversation, ThematicTable
from tests.conftest import count_rows, login
from tests.search.helpers import a_bit_of_everything, found, hit_links, titles
from tests.tables.helpers import say, start

# Rebuilt by restore (the search index): compared by what it holds, not row by row.
REBUILT = {"search_document"}


@pytest.fixture
def everything(app, world):
    with app.test_request_context():
        made = a_bit_of_everything(world)
        db.session.remove()
    return made


@pytest.fixture
def backups(tmp_path, app, monkeypatch):
    folder = tmp_path / "backups"
    monkeypatch.setitem(app.config, "SAMENSPEL_BACKUP_DIR", str(folder))
    monkeypatch.setitem(app.config, "SAMENSPEL_FILES_DIR", str(tmp_path / "files"))
    return folder


@pytest.fixture
def empty_app(app, tmp_path):
    """A second app on an empty database of the same kind (the restore target)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    made = []
    if url.startswith("sqlite"):
        target = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        name = f"samenspel_restored_{secrets.token_hex(3)}"
        admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        made.append((admin, name))
        target = url.rsplit("/", 1)[0] + f"/{name}"
    restored = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": target,
            "MAIL_ECHO": False,
            "SAMENSPEL_BACKUP_DIR": str(tmp_path / "restored-backups"),
            "SAMENSPEL_FILES_DIR": str(tmp_path / "restored-files"),
        }
    )
    yield restored
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()
    for admin, name in made:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def figures(app) -> dict:
    with app.app_context(), db.engine.connect() as connection:
        return backup.table_figures(connection)


def search_documents(app) -> set[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(
                SearchDocument.kind,
                SearchDocument.object_id,
                SearchDocument.title,
                SearchDocument.body,
                SearchDocument.url,
            )
        ).all()
        return {tuple(row) for row in rows}


def search_titles(app, world, role: str, query: str) -> list[str]:
    with app.test_request_context():
        try:
            return titles(found(world, role, query))
        finally:
            db.session.remove()


def manifest_of(path: Path) -> dict:
    with tarfile.open(path, "r:gz") as archive:
        return json.load(archive.extractfile(backup.MANIFEST))


class Writer(threading.Thread):
    """Posts comments to a conversation until stopped, as a member would."""

    def __init__(self, app, world, conversation_id):
        super().__init__(daemon=True)
        self.app, self.world, self.conversation_id = app, world, conversation_id
        self.posted = 0
        self.stop = threading.Event()
        self.error = None

    def run(self):
        try:
            while not self.stop.is_set():
                with self.app.test_request_context():
                    conversation = db.session.get(Conversation, self.conversation_id)
                    say(self.world, conversation, "teamlid", f"Tussendoor bericht {self.posted}")
                    db.session.remove()
                self.posted += 1
        except Exception as error:  # reported by the test
            self.error = error


def test_a_backup_made_while_comments_are_posted_restores_every_row(
    app, world, everything, backups, empty_app
):
    with app.test_request_context():  # the writer's own conversation, found by no search below
        busy = start(world, db.session.get(ThematicTable, everything["table"]), title="Planning")
        busy_id = busy.id
        db.session.remove()
    writer = Writer(app, world, busy_id)
    writer.start()
    while writer.posted < 3 and writer.is_alive():
        time.sleep(0.01)
    before = writer.posted
    result = cli(app, "backup", "create")
    after = writer.posted
    writer.stop.set()
    writer.join(30)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    (made,) = sorted(backups.glob("samenspel-*.tar.gz"))
    assert "Back-up gemaakt" in result.stdout
    manifest = manifest_of(made)
    assert manifest["database"] == db_kind(app)
    assert manifest["app_version"] == "0.1.0"
    with app.app_context(), db.engine.connect() as connection:
        assert manifest["migration_head"] == backup.migration_heads(connection)
    assert manifest["files_included"] is False
    comments = manifest["tables"]["comment"]["rows"]
    assert before + 1 <= comments <= after + 2  # a snapshot taken while writing
    assert set(manifest["tables"]) == {t.name for t in db.metadata.sorted_tables}

    result = cli(empty_app, "backup", "restore", str(made))
    assert result.exit_code == 0, result.output
    assert "zoekindex opnieuw opgebouwd" in result.stdout

    restored = figures(empty_app)
    for table, expected in manifest["tables"].items():
        if table not in REBUILT:
            assert restored[table] == expected, table
    # The search index is rebuilt from the restored rows: what the live app had, less the
    # comments posted after the snapshot.
    live_docs = search_documents(app)
    restored_docs = search_documents(empty_app)
    assert restored_docs <= live_docs
    missing = live_docs - restored_docs
    assert all(doc[0] == "comment" and "Tussendoor" in doc[3] for doc in missing)
    assert len(restored_docs) >= len(live_docs) - (writer.posted - comments + 5)

    for role in ("teamlid", "beheerder"):
        restored_titles = search_titles(empty_app, world, role, "wachttijden")
        live_titles = search_titles(app, world, role, "wachttijden")
        assert restored_titles == live_titles, (role, restored_titles, live_titles)
    client = empty_app.test_client()
    assert login(client, world.users["beheerder"].email).status_code == 302
    dashboard = client.get(f"/p/{world.slug}/")
    assert dashboard.status_code == 200
    assert world.partnership.name in dashboard.get_data(as_text=True)
    search = f"/p/{world.slug}/search/?q=wachttijden"
    page = client.get(search).get_data(as_text=True)
    live = app.test_client()
    assert login(live, world.users["beheerder"].email).status_code == 302
    links = hit_links(page)
    assert f"/p/{world.slug}/agreements/{everything['agreement']}" in links
    assert links == hit_links(live.get(search).get_data(as_text=True))


def db_kind(app) -> str:
    return "sqlite" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "postgresql"


def test_restore_refuses_a_database_with_data_unless_forced(
    app, world, everything, backups, empty_app
):
    assert cli(app, "backup", "create").exit_code == 0
    (made,) = backups.glob("samenspel-*.tar.gz")
    comments = count_rows(app, Comment)
    with app.test_request_context():
        say(world, db.session.get(Conversation, everything["conversation"]), "teamlid", "Later")
        db.session.remove()

    refused = cli(app, "backup", "restore", str(made))
    assert refused.exit_code == 1
    assert "De database bevat al gegevens" in refused.output
    assert "--force" in refused.output
    assert count_rows(app, Comment) == comments + 1  # untouched

    # Into a database fresh from `flask db upgrade` (and a job run): it holds no data yet.
    assert cli(empty_app, "db", "upgrade").exit_code == 0
    assert cli(empty_app, "reviews", "purge-expired").exit_code == 0
    restored = cli(empty_app, "backup", "restore", str(made))
    assert restored.exit_code == 0, restored.output
    # Into another database that holds data: only with --force, and then exactly the backup.
    with empty_app.test_request_context():
        say(world, db.session.get(Conversation, everything["conversation"]), "teamlid", "Extra")
        db.session.remove()
    assert cli(empty_app, "backup", "restore", str(made)).exit_code == 1
    forced = cli(empty_app, "backup", "restore", "--force", str(made))
    assert forced.exit_code == 0, forced.output
    assert count_rows(empty_app, Comment) == comments
    assert figures(empty_app)["comment"] == manifest_of(made)["tables"]["comment"]


def test_verify_restores_into_a_throw_away_database_and_compares(app, everything, backups):
    assert cli(app, "backup", "create").exit_code == 0
    (made,) = backups.glob("samenspel-*.tar.gz")
    result = cli(app, "backup", "verify", str(made))
    assert result.exit_code == 0, result.output
    assert "is in orde" in result.stdout
    if db_kind(app) == "postgresql":
        with app.app_context(), db.engine.connect() as connection:
            names = connection.execute(text("SELECT datname FROM pg_database")).scalars().all()
        assert not [name for name in names if name.startswith("samenspel_verify_")]

    # A manifest that claims another number of rows: the comparison finds it.
    wrong = made.with_name("samenspel-wrong.tar.gz")
    repack(made, wrong, lambda m: m["tables"]["agreement"].update(rows=99))
    result = cli(app, "backup", "verify", str(wrong))
    assert result.exit_code == 1
    assert "Tabel agreement: 1 rijen in plaats van 99." in result.output

    # A damaged database file: its checksum no longer matches.
    damaged = made.with_name("samenspel-damaged.tar.gz")
    repack(made, damaged, damage=True)
    result = cli(app, "backup", "verify", str(damaged))
    assert result.exit_code == 1
    assert "Controlegetal klopt niet" in result.output
    assert cli(app, "backup", "restore", "--force", str(damaged)).exit_code == 1

    missing = cli(app, "backup", "verify", str(made.with_name("nope.tar.gz")))
    assert missing.exit_code == 1 and "bestaat niet" in missing.output


def repack(source: Path, target: Path, change=None, damage: bool = False) -> None:
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if member.name == backup.MANIFEST and change:
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            elif member.name != backup.MANIFEST and damage:
                data = data[:-10] + b"0123456789"
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


def test_keep_leaves_the_newest_backups(app, everything, backups):
    for _ in range(3):
        result = cli(app, "backup", "create", "--keep", "2")
        assert result.exit_code == 0, result.output
    kept = sorted(backups.glob("samenspel-*.tar.gz"))
    assert len(kept) == 2
    assert "Oude back-up verwijderd" in result.stdout
    assert cli(app, "backup", "create", "--keep", "0").exit_code == 2  # at least 1
    assert len(list(backups.glob("samenspel-*.tar.gz"))) == 2


def test_a_named_file_and_the_stored_files_folder(app, world, backups, empty_app, tmp_path):
    files = Path(app.config["SAMENSPEL_FILES_DIR"])
    (files / "2026").mkdir(parents=True)
    (files / "2026" / "verslag.pdf").write_bytes(b"%PDF-1.7 inhoud")
    target = tmp_path / "elders" / "nacht.tar.gz"
    assert cli(app, "backup", "create", str(target)).exit_code == 0
    manifest = manifest_of(target)
    assert manifest["files_included"] is True
    assert "files/2026/verslag.pdf" in manifest["checksums"]
    assert cli(app, "backup", "verify", str(target)).exit_code == 0

    assert cli(empty_app, "backup", "restore", str(target)).exit_code == 0
    restored = Path(empty_app.config["SAMENSPEL_FILES_DIR"]) / "2026" / "verslag.pdf"
    assert restored.read_bytes() == b"%PDF-1.7 inhoud"


def test_a_backup_of_another_database_kind_is_refused(app, backups, empty_app):
    assert cli(app, "backup", "create").exit_code == 0
    (made,) = backups.glob("samenspel-*.tar.gz")
    other = "postgresql" if db_kind(app) == "sqlite" else "sqlite"
    changed = made.with_name("samenspel-other.tar.gz")
    repack(made, changed, lambda m: m.update(database=other))
    result = cli(empty_app, "backup", "restore", str(changed))
    assert result.exit_code == 1
    assert f"Deze back-up is van {other}" in result.output
    with empty_app.app_context(), db.engine.connect() as connection:
        assert not backup.holds_data(connection)


@pytest.mark.parametrize("python", ["with the data filter", "an older 3.11 without it"])
def test_a_backup_with_a_path_outside_its_folder_is_refused(
    app, backups, tmp_path, monkeypatch, python
):
    if python.startswith("an older"):
        monkeypatch.delattr(tarfile, "data_filter")
    evil = tmp_path / "samenspel-evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        data = b"x"
        info = tarfile.TarInfo("../outside.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    result = cli(app, "backup", "verify", str(evil))
    assert result.exit_code == 1
    assert not (tmp_path / "outside.txt").exists()
    assert "outside.txt" in result.output or "onleesbaar" in result.output


def test_documents_are_in_the_backup_and_restored(app, world, backups, empty_app, tmp_path):
    with app.app_context():
        document = documents.attach(
            world.partnership.id,
            "agreement",
            1,
            b"%PDF-1.7 convenant",
            "convenant.pdf",
            user_id=None,
        )
        key = document.latest.storage_key
    target = tmp_path / "met-documenten.tar.gz"
    assert cli(app, "backup", "create", str(target)).exit_code == 0
    assert f"files/documents/{key}" in manifest_of(target)["checksums"]
    assert cli(empty_app, "backup", "restore", str(target)).exit_code == 0
    with empty_app.app_context():
        [restored] = documents.documents_of("agreement", 1)
        assert documents.read(restored.latest) == b"%PDF-1.7 convenant"
