"""policy.py: who may read and manage a document, given how its object resolved."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.policy import may_manage_document, may_read_document
from app.registry import AttachTarget


@dataclass
class Member:
    role: str
    organisation_id: int
    active: bool = True


@dataclass
class Doc:
    shareable: bool = False


def target(*, may_read=True, may_attach=True, org=None, concept=False) -> AttachTarget:
    return AttachTarget(
        obj=None, partnership_id=1, label="x", url="/x", may_read=may_read,
        may_attach=may_attach, case_organisation_id=org, concept=concept,
    )  # fmt: skip


def test_a_document_follows_whether_its_object_may_be_read():
    member = Member("teamlid", 1)
    assert may_read_document(member, Doc(), target())
    assert not may_read_document(member, Doc(), target(may_read=False))
    assert not may_read_document(Member("teamlid", 1, active=False), Doc(), target())


@pytest.mark.parametrize("shareable", [False, True])
def test_a_concept_reviews_documents_stay_in_the_recording_organisation(shareable):
    doc = Doc(shareable=shareable)
    assert may_read_document(Member("teamlid", 1), doc, target(org=1, concept=True))
    assert may_read_document(Member("lezer", 1), doc, target(org=1, concept=True))
    for role in ("beheerder", "programmamanager", "bestuurder", "teamlid"):
        assert not may_read_document(Member(role, 2), doc, target(org=1, concept=True))


def test_a_finalised_reviews_documents_leave_the_organisation_only_when_deelbaar():
    other = Member("programmamanager", 2)
    assert not may_read_document(other, Doc(shareable=False), target(org=1))
    assert may_read_document(other, Doc(shareable=True), target(org=1))
    assert may_read_document(Member("teamlid", 1), Doc(shareable=False), target(org=1))
    # Not even "deelbaar" opens a review the member may not read.
    assert not may_read_document(other, Doc(shareable=True), target(org=1, may_read=False))


def test_managing_needs_attaching_and_reading():
    member = Member("programmamanager", 1)
    assert may_manage_document(member, Doc(), target())
    assert not may_manage_document(member, Doc(), target(may_attach=False))
    assert not may_manage_document(member, Doc(), target(may_read=False))
    assert not may_manage_document(
        Member("programmamanager", 2), Doc(), target(org=1, concept=True)
    )
    # A lezer never writes, whatever the area said.
    assert not may_manage_document(Member("lezer", 1), Doc(), target())
