"""The archive of a partnership: one ZIP with a JSON document per object (with its
versions, decisions, comments and audit trail), a CSV per kind of object, the PDFs the
areas add (manifest, board packs), the JSON Schemas and a README. What each area puts
in, it registers itself (app.registry.archive_parts); see docs/archive.md."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from app.activity.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.partnerships.models import Partnership
from app.registry import archive_parts
from app.timeutil import utcnow

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "archive"
FOLDERS = {
    "agreement": "werkafspraken",
    "risk": "risicos",
    "cycle": "cycli",
    "review": "casusreviews",
    "manifest_version": "manifest",
    "document": "documenten",
}

README = """Archief van {name} ({slug})
Gemaakt op {made_at} (UTC) door Samenspel.

Inhoud
- inhoud.json: wat er in dit archief zit, met het aantal objecten per soort.
- <soort>/<kenmerk>.json: één document per object (werkafspraak, risico, cyclus,
  casusreview, manifestversie) met de velden, alle versies, besluiten, reacties en de
  audittrail. Het schema staat in schema/object.schema.json (JSON Schema 2020-12).
- csv/<soort>.csv: de velden van alle objecten van een soort in één tabel
  (puntkomma-gescheiden, UTF-8).
- pdf/: het manifest en de bestuurlijke rapportages zoals Samenspel ze maakt.
- documenten/D-<nummer>.json en documenten/D-<nummer>/v<versie>-<naam>: de bijgevoegde
  documenten met al hun versies (naam, grootte, soort, sha256, wie en wanneer) en de
  bestanden zelf. Documenten van casusreviews zijn casusgegevens (tenzij als deelbaar
  gemarkeerd bij een vastgestelde review) en staan er alleen in met casusgegevens.

Casusgegevens van casusreviews: {case_details}.
"""


def _moment(value: datetime) -> str:
    """A stored (naive UTC) moment as RFC 3339, the schema's date-time: with its offset."""
    return value.isoformat() + "Z" if value.tzinfo is None else value.isoformat()


def _plain(value):
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def _audit(partnership_id: int, documents: list[dict]) -> None:
    """Add each document's audit trail (its events by type and id)."""
    wanted = {(d["audit_type"], d["id"]) for d in documents}
    types = {t for t, _ in wanted}
    trail: dict[tuple[str, int], list[dict]] = {}
    if types:
        rows = db.session.execute(
            select(AuditEvent, User.name)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.partnership_id == partnership_id, AuditEvent.object_type.in_(types))
            .order_by(AuditEvent.at, AuditEvent.id)
        ).all()
        for event, actor in rows:
            key = (event.object_type, event.object_id)
            if key in wanted:
                trail.setdefault(key, []).append(
                    {"at": _moment(event.at), "actor": actor, "action": event.action,
                     "object_type": event.object_type, "changes": _plain(event.changes or {})}
                )  # fmt: skip
    for document in documents:
        document["audit"] = trail.get((document.pop("audit_type"), document["id"]), [])


def _csv(documents: list[dict]) -> bytes:
    names: list[str] = []
    for document in documents:
        for name in document["fields"]:
            if name not in names:
                names.append(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["reference", "title", *names])
    for d in documents:
        values = [d["fields"].get(n) for n in names]
        writer.writerow([d["reference"], d["title"], *[
            ", ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v)
            for v in values
        ]])  # fmt: skip
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def build_archive(partnership: Partnership, with_case_details: bool = False) -> bytes:
    """The ZIP of everything the partnership holds (needs a request context for the PDFs)."""
    made_at = utcnow()
    documents: list[dict] = []
    files: list[Iterable[tuple[str, bytes]]] = []
    for part in archive_parts:
        documents += [_plain(d) for d in part.documents(partnership.id, with_case_details)]
        if part.files is not None:
            files.append(part.files(partnership.id, with_case_details))
    _audit(partnership.id, documents)
    buffer = io.BytesIO()
    names: list[str] = []
    counts: dict[str, int] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            archive.writestr(name, data)
            names.append(name)

        by_kind: dict[str, list[dict]] = {}
        for document in documents:
            by_kind.setdefault(document["kind"], []).append(document)
        for kind, items in by_kind.items():
            folder = FOLDERS[kind]
            counts[kind] = len(items)
            for document in items:
                text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
                add(f"{folder}/{document['reference']}.json", text.encode())
            add(f"csv/{folder}.csv", _csv(items))
        for part_files in files:  # one file in memory at a time (stored documents)
            for path, data in part_files:
                add(path, data)
        for schema in sorted(SCHEMAS.glob("*.schema.json")):
            add(f"schema/{schema.name}", schema.read_bytes())
        add("README.txt", README.format(
            name=partnership.name, slug=partnership.slug, made_at=made_at.isoformat(),
            case_details="opgenomen" if with_case_details else "weggelaten",
        ).encode())  # fmt: skip
        index = {
            "partnership": partnership.name, "slug": partnership.slug,
            "made_at": _moment(made_at), "with_case_details": with_case_details,
            "counts": counts, "files": names,
        }  # fmt: skip
        archive.writestr("inhoud.json", json.dumps(index, ensure_ascii=False, indent=2))
    return buffer.getvalue()
