"""Every kind of object that takes documents, made through the areas' services in one
partnership (the world of tests/conftest.py), and uploads through the routes."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from pathlib import Path

from sqlalchemy import func, select

from app.documents.models import Document, DocumentVersion
from app.extensions import db
from app.manifest import services as manifest
from app.partnerships.models import Partnership
from app.reviews.models import FINAL, Review
from tests.agreements.helpers import make as make_agreement
from tests.conftest import csrf_token
from tests.cycles.helpers import make_cycle
from tests.reviews.helpers import make_review
from tests.risks.helpers import make as make_risk
from tests.tables.helpers import local_now, make_table, plan, say, start

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PDF_TWO = b"%PDF-1.4\n% tweede versie\n%%EOF\n"
CSV = b"naam;aantal\nWachttijd;12\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


@dataclass
class Objects:
    """kind -> object id, in one partnership."""

    ids: dict[str, int] = field(default_factory=dict)
    # reviews: the concept and the finalised one (both recorded by the provider's teamlid)
    concept_review: int = 0
    final_review: int = 0
    # a comment in a table the partner is not a member of (so cannot read)
    closed_table_comment: int = 0
    closed_table_meeting: int = 0


def make_objects(app, world) -> Objects:
    """One object of every kind, in a request context (the services read url_for)."""
    with app.test_request_context():
        made = Objects()
        made.ids["agreement"] = make_agreement(world).id
        made.ids["risk"] = make_risk(world).id
        partnership = db.session.get(Partnership, world.partnership.id)
        made.ids["manifest_version"] = manifest.open_draft(
            partnership, world.users["programmamanager"].id
        ).id
        table = make_table(world)  # chair: bestuurder; members: teamlid, partner
        conversation = start(world, table, "teamlid")
        made.ids["comment"] = say(world, conversation, "teamlid", "Zie de bijlage.").id
        made.ids["meeting"] = plan(world, table, local_now() + timedelta(days=7)).id
        # A table without the partner: its documents do not exist for them.
        other = make_table(world, name="Financiering", chair=None, members=("teamlid",))
        made.closed_table_comment = say(
            world, start(world, other, "teamlid", title="Budget"), "teamlid", "Cijfers."
        ).id
        made.closed_table_meeting = plan(world, other, local_now() + timedelta(days=8)).id
        made.concept_review = make_review(world).id
        final = make_review(world, title="Afgeronde casus")
        made.final_review = final.id
        made.ids["review"] = made.concept_review
        made.ids["cycle"] = make_cycle(world).id
        db.session.commit()
        db.session.remove()
    return made


def finalise_directly(app, review_id: int) -> None:
    """Mark a review finalised (the review tests cover finalising itself)."""
    with app.app_context():
        db.session.get(Review, review_id).status = FINAL
        db.session.commit()


def upload_url(world, kind: str, object_id: int) -> str:
    return f"/p/{world.slug}/documents/{kind}/{object_id}/upload"


def upload(client, world, kind: str, object_id: int, data: bytes = PDF, name="Convenant.pdf",
           shareable: bool = False, **kwargs):  # fmt: skip
    form = {"csrf_token": csrf_token(client), "file": (io.BytesIO(data), name)}
    if shareable:
        form["shareable"] = "y"
    return client.post(
        upload_url(world, kind, object_id), data=form, content_type="multipart/form-data", **kwargs
    )


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Document.id))),
            db.session.scalar(select(func.count(DocumentVersion.id))),
        )


def stored_files(app) -> list:
    root = app.config.get("SAMENSPEL_FILES_DIR") or f"{app.instance_path}/files"
    folder = Path(root) / "documents"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def document_of(app, kind: str, object_id: int) -> Document | None:
    with app.app_context():
        found = db.session.scalars(
            select(Document).where(Document.object_kind == kind, Document.object_id == object_id)
        ).first()
        if found is not None:
            db.session.expunge(found)
        return found


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))
