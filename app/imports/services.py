"""The import's steps: keep an upload between preview and apply, plan it through the
area's importer (app.registry.importers) and apply the valid rows in one transaction."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.errors import ServiceError
from app.extensions import db
from app.imports.reader import Table, match_header, read_table
from app.registry import Importer, RowPlan

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
KEEP_SECONDS = 24 * 60 * 60


@dataclass
class Preview:
    filename: str
    plans: list[RowPlan]
    problems: list[str]  # problems of the file as a whole (columns): nothing is imported

    @property
    def valid(self) -> list[RowPlan]:
        return [p for p in self.plans if p.valid] if not self.problems else []

    @property
    def invalid(self) -> list[RowPlan]:
        return [p for p in self.plans if not p.valid]

    def count(self, action: str) -> int:
        return sum(1 for p in self.valid if p.action == action)


def max_bytes() -> int:
    return int(current_app.config["SAMENSPEL_IMPORT_MAX_MB"] * 2**20)


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(data: bytes, filename: str, kind: str, user_id: int, partnership_id: int) -> str:
    """Keep the uploaded file on the server under a random id, with whose it is; the
    apply step reads it back from here, never from the browser."""
    token = secrets.token_urlsafe(24)
    folder = _folder()
    # Uploads that were previewed but never applied are removed after a day.
    stale = time.time() - KEEP_SECONDS
    for old in folder.glob("*.*"):
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    (folder / f"{token}.bin").write_bytes(data)
    meta = {"filename": Path(filename or "import").name[:200], "kind": kind, "user_id": user_id,
            "partnership_id": partnership_id, "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return token


def load_upload(token: str, kind: str, user_id: int, partnership_id: int) -> tuple[bytes, str]:
    """The stored file of this person, partnership and kind; anything else is refused."""
    expired = ServiceError(_l("The uploaded file is no longer available. Upload it again."))
    if not TOKEN.match(token or ""):
        raise expired
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError) as error:
        raise expired from error
    if (meta.get("kind"), meta.get("user_id"), meta.get("partnership_id")) != (
        kind, user_id, partnership_id,
    ) or hashlib.sha256(data).hexdigest() != meta.get("sha256"):  # fmt: skip
        raise expired
    return data, meta["filename"]


def discard_upload(token: str) -> None:
    if TOKEN.match(token or ""):
        for suffix in (".bin", ".json"):
            (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def rows_of(table: Table, importer: Importer) -> tuple[list[dict], list[str]]:
    positions, problems = match_header(table.header, importer.columns, set(importer.required))
    rows = []
    for line, values in table.rows:
        row = {key: (values[i] if i < len(values) else None) for key, i in positions.items()}
        row["_line"] = line
        rows.append(row)
    return rows, problems


def preview(importer: Importer, partnership_id: int, data: bytes, filename: str) -> Preview:
    """Read and check the file; writes nothing."""
    table = read_table(filename, data, max_bytes(), current_app.config["SAMENSPEL_IMPORT_MAX_ROWS"])
    rows, problems = rows_of(table, importer)
    if problems:
        return Preview(filename, [], problems)
    if not rows:
        return Preview(filename, [], [str(_l("The file has a header row but no rows below it."))])
    plans = importer.plan(partnership_id, rows)
    db.session.rollback()  # planning only reads; leave nothing pending
    return Preview(filename, plans, [])


def apply(
    importer: Importer, partnership_id: int, data: bytes, filename: str, user_id: int,
    *, all_or_nothing: bool,
) -> Preview:  # fmt: skip
    """Check the stored file again and apply its valid rows in one transaction (with
    ``all_or_nothing``: only when every row is valid). Raises ServiceError when nothing
    may be applied."""
    result = preview(importer, partnership_id, data, filename)
    if result.problems:
        raise ServiceError(result.problems[0])
    if all_or_nothing and result.invalid:
        raise ServiceError(
            _l("%(n)s rows have errors; nothing has been imported. Correct the file and "
               "upload it again.", n=len(result.invalid))
        )  # fmt: skip
    try:
        for plan in result.valid:
            if plan.action != "unchanged":
                importer.apply(partnership_id, plan, user_id, filename)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        line = str(_l("Row %(n)s", n=plan.line))
        raise ServiceError(f"{line}: {error.message}") from error
    except Exception:
        db.session.rollback()
        raise
    return result
