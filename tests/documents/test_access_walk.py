"""Every document route as every role, in both organisations and both partnerships: who may
read, upload, version and archive exactly follows the object (policy.py and the areas'
attachables), everything else is 403 or 404, and no refused request changes anything."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.activity.models import AuditEvent
from app.documents import services
from app.documents.models import Document, DocumentVersion
from app.extensions import db
from app.partnerships.models import ROLES
from tests.conftest import csrf_token
from tests.documents.objects import PDF, finalise_directly, make_objects

ALL = frozenset(ROLES)
MANAGERS = frozenset({"beheerder", "programmamanager"})
PROVIDER = frozenset({"teamlid", "partner"})  # the organisation that records the reviews


@dataclass(frozen=True)
class Case:
    """One document on one object, and who may do what with it."""

    name: str
    kind: str
    object_id: int
    document_id: int
    see_object: frozenset  # the object's documents page (the object itself is readable)
    read: frozenset  # download this document
    attach: frozenset  # upload to the object
    shareable: bool = False

    @property
    def manage(self) -> frozenset:
        return self.attach & self.read


def attach(app, world, kind: str, object_id: int, role: str, *, shareable: bool = False) -> int:
    with app.test_request_context():
        document = services.attach(
            world.partnership.id, kind, object_id, PDF, f"{kind}-{object_id}.pdf",
            user_id=world.users[role].id, shareable=shareable,
        )  # fmt: skip
        document_id = document.id
        db.session.remove()
    return document_id


def cases(app, world) -> list[Case]:
    made = make_objects(app, world)
    ids = made.ids

    def doc(kind: str, object_id: int, role: str = "programmamanager", **kw) -> int:
        return attach(app, world, kind, object_id, role, **kw)

    found = [
        Case("agreement", "agreement", ids["agreement"], doc("agreement", ids["agreement"]), ALL, ALL, MANAGERS),
        Case("risk", "risk", ids["risk"], doc("risk", ids["risk"]), ALL, ALL, MANAGERS),
        Case("manifest version", "manifest_version", ids["manifest_version"],
             doc("manifest_version", ids["manifest_version"]), ALL, ALL, MANAGERS),
        Case("cycle", "cycle", ids["cycle"], doc("cycle", ids["cycle"]), ALL, ALL, MANAGERS),
        # A table with the bestuurder as chair and the teamlid and partner as members.
        Case("meeting", "meeting", ids["meeting"], doc("meeting", ids["meeting"]), ALL, ALL,
             MANAGERS | {"bestuurder"}),
        Case("comment", "comment", ids["comment"], doc("comment", ids["comment"], "teamlid"), ALL, ALL,
             MANAGERS | {"bestuurder", "teamlid"}),
        # A table without chair, with only the teamlid: the partner may not read it.
        Case("meeting of a closed table", "meeting", made.closed_table_meeting,
             doc("meeting", made.closed_table_meeting), ALL - {"partner"}, ALL - {"partner"}, MANAGERS),
        Case("comment in a closed table", "comment", made.closed_table_comment,
             doc("comment", made.closed_table_comment, "teamlid"), ALL - {"partner"}, ALL - {"partner"},
             MANAGERS | {"teamlid"}),
        # A concept review of the provider: the beheerder sees the review, not its documents.
        Case("concept review", "review", made.concept_review,
             doc("review", made.concept_review, "teamlid"), PROVIDER | {"beheerder"}, PROVIDER, {"teamlid"}),
        Case("concept review, shareable", "review", made.concept_review,
             doc("review", made.concept_review, "teamlid", shareable=True), PROVIDER | {"beheerder"}, PROVIDER,
             {"teamlid"}, shareable=True),
    ]  # fmt: skip
    final_plain = doc("review", made.final_review, "teamlid")
    final_shared = doc("review", made.final_review, "teamlid", shareable=True)
    finalise_directly(app, made.final_review)
    found += [
        Case("finalised review", "review", made.final_review, final_plain, ALL, PROVIDER, frozenset()),
        Case("finalised review, shareable", "review", made.final_review, final_shared, ALL, ALL,
             frozenset(), shareable=True),
    ]  # fmt: skip
    return found


def state(app) -> tuple:
    """Everything a document route could change."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Document.id))),
            db.session.scalar(select(func.count(DocumentVersion.id))),
            db.session.scalar(select(func.count(Document.id)).where(Document.archived.is_(True))),
            # (signing in as each role records a login; nothing else may be recorded)
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action != "login")
            ),
        )


def empty_upload(client) -> dict:
    """A form with an empty file: refused by the upload check (422) once access is granted,
    so a granted request stores nothing either."""
    return {"csrf_token": csrf_token(client), "file": (io.BytesIO(b""), "leeg.pdf")}


def expected(allowed: bool, visible: bool, granted: int) -> int:
    return granted if allowed else (403 if visible else 404)


def walk(client, slug: str, case: Case, role: str) -> dict[str, tuple[int, int]]:
    """route -> (status, expected status) for one member on one document."""
    base = f"/p/{slug}/documents"
    doc = case.document_id
    results = {}

    def check(route: str, response, want: int) -> None:
        results[route] = (response.status_code, want)

    see, read, attach_, manage = (
        role in case.see_object, role in case.read, role in case.attach, role in case.manage,
    )  # fmt: skip
    check("index", client.get(f"{base}/{case.kind}/{case.object_id}"), 200 if see else 404)
    check(
        "archived", client.get(f"{base}/{case.kind}/{case.object_id}/archived"), 200 if see else 404
    )
    check("download", client.get(f"{base}/{doc}/versions/1"), 200 if read else 404)
    check("upload", client.post(f"{base}/{case.kind}/{case.object_id}/upload", data=empty_upload(client),
                                content_type="multipart/form-data"), expected(attach_, see, 422))  # fmt: skip
    check("version form", client.get(f"{base}/{doc}/version"), expected(manage, read, 200))
    check("version upload", client.post(f"{base}/{doc}/version", data=empty_upload(client),
                                        content_type="multipart/form-data"), expected(manage, read, 422))  # fmt: skip
    check("archive question", client.get(f"{base}/{doc}/archive"), expected(manage, read, 200))
    if not manage:  # a confirmed archive by one who may not: refused, nothing archived
        check("archive", client.post(f"{base}/{doc}/archive",
                                     data={"csrf_token": csrf_token(client), "confirmed": "1"}),
              expected(False, read, 302))  # fmt: skip
    return results


def test_every_document_route_as_every_role(app, make_partnership, client, login_as):
    world = make_partnership("testverband")
    other = make_partnership("ander")
    all_cases = cases(app, world)
    cases(app, other)  # the other partnership has documents of its own
    before = state(app)
    wrong = []

    for role in ROLES:
        login_as(world, role)
        for case in all_cases:
            for route, (status, want) in walk(client, world.slug, case, role).items():
                if status != want:
                    wrong.append(f"{role} {route} {case.name}: {status}, expected {want}")

    assert wrong == []
    assert state(app) == before


@pytest.mark.parametrize("role", ROLES)
def test_members_of_another_partnership_find_nothing(app, make_partnership, client, login_as, role):
    world = make_partnership("testverband")
    other = make_partnership("ander")
    all_cases = cases(app, world)
    before = state(app)
    login_as(other, role)
    statuses = set()
    nobody = frozenset()
    for case in all_cases:
        outsider = Case(
            case.name, case.kind, case.object_id, case.document_id, nobody, nobody, nobody
        )
        # Through the other partnership's address (not theirs: 404) and through their own,
        # with this partnership's ids (not there: 404).
        for slug in (world.slug, other.slug):
            for route, (status, want) in walk(client, slug, outsider, role).items():
                statuses.add((route, status, want))
    assert {status for _route, status, _want in statuses} == {404}
    assert all(status == want for _route, status, want in statuses)
    assert state(app) == before


def test_the_readers_per_case_are_what_the_issue_asks(app, world):
    """The table above in words: concept review documents only for the recording
    organisation; finalised ones too unless "deelbaar"; table documents for its readers."""
    by_name = {case.name: case for case in cases(app, world)}
    assert by_name["concept review"].read == by_name["concept review, shareable"].read == PROVIDER
    assert by_name["finalised review"].read == PROVIDER
    assert by_name["finalised review, shareable"].read == ALL
    assert "partner" not in by_name["comment in a closed table"].read
    assert by_name["finalised review"].manage == frozenset()
    assert "lezer" not in set().union(*(case.attach for case in by_name.values()))
