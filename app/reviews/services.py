"""Use cases of reviews: record, score, lessons with follow-ups, privacy guard, finalise."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, extract, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, selectinload

from app.activity.notifications import follow_automatically, followers, notify
from app.activity.services import record
from app.agreements import services as agreements
from app.agreements.models import Agreement
from app.documents import search as document_search
from app.documents import services as documents
from app.documents.extract import ExtractError, extract_passages
from app.documents.files import Inspected, UploadRefused
from app.documents.models import Document
from app.documents.retention import purge_private
from app.errors import ServiceError
from app.extensions import db
from app.inputs import refuse_controls
from app.manifest import services as manifest
from app.manifest.links import set_links
from app.manifest.models import Principle, PrincipleLink
from app.partnerships.models import Membership
from app.partnerships.services import members_of
from app.policy import TABLE_TAKE_PART, may_edit_review, role_may
from app.reviews import privacy
from app.reviews.models import (
    ACTION_STATUSES,
    AIMS,
    ARENAS,
    CONCEPT,
    FINAL,
    FOLLOW_UPS,
    KINDS,
    LEVELS,
    OPEN_ACTIONS,
    QUALITY,
    Action,
    Lesson,
    LessonTally,
    PrivacyConfirmation,
    Review,
    ReviewScore,
    ReviewSettings,
    ScoreTally,
)
from app.tables import services as tables
from app.tables.models import Conversation, ThematicTable
from app.timeutil import today, utcnow
from app.urls import path_in

TEXT_LIMIT = 20000


# --- reading -------------------------------------------------------------------------------


def visible_reviews(
    membership: Membership, kind: str = "", status: str = "", level: int | None = None
):
    """Finalised reviews of the partnership and the concepts this member may see."""
    query = (
        select(Review)
        .options(joinedload(Review.organisation))
        .where(Review.partnership_id == membership.partnership_id)
        .order_by(Review.held_on.desc(), Review.number.desc())
    )
    if membership.role != "beheerder":
        query = query.where(
            or_(Review.status == FINAL, Review.organisation_id == membership.organisation_id)
        )
    if kind in KINDS:
        query = query.where(Review.kind == kind)
    if status in (CONCEPT, FINAL):
        query = query.where(Review.status == status)
    if level in LEVELS:
        query = query.where(Review.id.in_(select(Lesson.review_id).where(Lesson.level == level)))
    return query


@cache
def _page_statements() -> dict:
    """Built once, with bind parameters: every review page runs them, and building a
    statement (with its loader options) and its cache key costs more than running it."""
    review_id = bindparam("review_id")
    return {
        "review": select(Review)
        .options(joinedload(Review.organisation), joinedload(Review.finalised_by))
        .where(
            Review.partnership_id == bindparam("partnership_id"),
            Review.number == bindparam("number"),
        ),
        "scores": select(ReviewScore).where(ReviewScore.review_id == review_id),
        "lessons": select(Lesson)
        .options(joinedload(Lesson.action_owner))
        .where(Lesson.review_id == review_id)
        .order_by(Lesson.level.desc(), Lesson.id),
        "lesson_principles": select(PrincipleLink.source_id, PrincipleLink.principle_id).where(
            PrincipleLink.source_type == "lesson",
            PrincipleLink.source_id.in_(bindparam("lesson_ids", expanding=True)),
        ),
    }


def get_review(partnership_id: int, number: int) -> Review | None:
    return db.session.execute(
        _page_statements()["review"], {"partnership_id": partnership_id, "number": number}
    ).scalar_one_or_none()


def scores_of(review: Review) -> dict[int, ReviewScore]:
    found = db.session.execute(_page_statements()["scores"], {"review_id": review.id})
    return {s.principle_id: s for s in found.scalars()}


def lessons_of(review: Review) -> list[Lesson]:
    values = {"review_id": review.id}
    return list(db.session.execute(_page_statements()["lessons"], values).scalars())


def principle_texts(partnership_id: int):
    """The principles of the current adopted manifest (what reviews score against)."""
    version = manifest.current_version(partnership_id)
    return manifest.texts_of(version) if version else []


# --- recording -------------------------------------------------------------------------------


def _text(data: dict, name: str, limit: int = TEXT_LIMIT, required=None) -> str:
    value = (data.get(name) or "").strip()
    if required is not None and not value:
        raise ServiceError(required, name)
    if len(value) > limit:
        raise ServiceError(_l("Use at most %(n)s characters.", n=limit), name)
    return value


# One message wherever a BSN is refused: saving a concept, editing, scoring, lessons, finalising.
BSN_REFUSED = _l("The text contains a citizen service number (BSN). Remove it: a BSN may not be stored.")  # fmt: skip


def refuse_bsn(texts: dict[str, str]) -> None:
    """Refuse a save whose texts contain a BSN; the error goes to the first field with one.

    Other hits of the privacy guard are warnings and are stored (see ``findings``).
    """
    for name, hit in privacy.scan_fields(texts):
        if hit.kind == privacy.BSN:
            raise ServiceError(BSN_REFUSED, name)


def _check_review(data: dict) -> dict:
    kind = data.get("kind")
    if kind not in KINDS:
        raise ServiceError(_l("Choose a case discussion or a quality review."), "kind")
    held_on = data.get("held_on")
    if not isinstance(held_on, date):
        raise ServiceError(_l("Enter the date of the review."), "held_on")
    if held_on > today():
        raise ServiceError(
            _l("A review is recorded after it was held; the date cannot lie in the future."),
            "held_on",
        )
    clean = {
        "kind": kind,
        "held_on": held_on,
        "title": _text(data, "title", 200, _l("Enter a title.")),
        "team": _text(data, "team", 200, _l("Enter the team.")),
        "participants": _text(data, "participants", 2000),
        "case_description": _text(data, "case_description"),
        "went_well": _text(data, "went_well"),
        "could_be_better": _text(data, "could_be_better"),
    }
    clean["aims"] = {aim: _text(data, f"aim_{aim}") for aim in AIMS} if kind == QUALITY else {}
    refuse_bsn({name: value for name, value in clean.items() if isinstance(value, str)}
               | {f"aim_{aim}": text for aim, text in clean["aims"].items()})  # fmt: skip
    return clean


def create_review(membership: Membership, data: dict) -> Review:
    """A concept review recorded by the member's team for their own organisation."""
    clean = _check_review(data)
    highest = db.session.execute(
        select(func.max(Review.number)).where(Review.partnership_id == membership.partnership_id)
    ).scalar_one()
    review = Review(
        partnership_id=membership.partnership_id,
        number=(highest or 0) + 1,
        organisation_id=membership.organisation_id,
        created_by_id=membership.user_id,
        **clean,
    )
    db.session.add(review)
    record("create", review, partnership_id=membership.partnership_id, actor_id=membership.user_id,
           changes={"title": [None, review.title], "kind": [None, review.kind]})  # fmt: skip
    follow_automatically([membership.user_id], review.partnership_id, "review", review.id)
    db.session.commit()
    return review


def _require_editable(review: Review, membership: Membership) -> None:
    if review.status != CONCEPT:
        raise ServiceError(_l("This review has been finalised and can no longer be changed."))
    if not may_edit_review(membership, review.status, review.organisation_id):
        raise ServiceError(_l("Only the recording organisation's team can change this review."))


def update_review(review: Review, membership: Membership, data: dict) -> None:
    _require_editable(review, membership)
    clean = _check_review(data)
    for name, value in clean.items():
        setattr(review, name, value)
    # Case details are not copied into the audit trail; only which fields changed.
    record("update", review, partnership_id=review.partnership_id, actor_id=membership.user_id,
           changes={name: ["…", "…"] for name in clean})  # fmt: skip
    db.session.commit()


def set_scores(review: Review, membership: Membership, scores: dict) -> None:
    """scores: {principle_id: (score or None, explanation)} for the adopted principles."""
    _require_editable(review, membership)
    allowed = {t.principle_id for t in principle_texts(review.partnership_id)}
    existing = scores_of(review)
    for principle_id, (score, explanation) in scores.items():
        if principle_id not in allowed:
            raise ServiceError(_l("Score the principles of the adopted manifest."))
        if score in ("", None):
            score = None
        else:
            try:
                score = int(score)
            except (TypeError, ValueError):
                score = 0
            if not 1 <= score <= 5:
                raise ServiceError(
                    _l("A score is a whole number from 1 to 5."), f"score_{principle_id}"
                )
        explanation = refuse_controls((explanation or "").strip(), f"explanation_{principle_id}")
        if len(explanation) > 5000:
            raise ServiceError(
                _l("Use at most %(n)s characters.", n=5000), f"explanation_{principle_id}"
            )
        refuse_bsn({f"explanation_{principle_id}": explanation})
        row = existing.get(principle_id)
        if row is None:
            db.session.add(ReviewScore(review_id=review.id, principle_id=principle_id,
                                       score=score, explanation=explanation))  # fmt: skip
        else:
            row.score, row.explanation = score, explanation
    record("score", review, partnership_id=review.partnership_id, actor_id=membership.user_id,
           changes={"scores": [None, {str(k): v[0] for k, v in scores.items()}]})  # fmt: skip
    db.session.commit()


def add_lesson(review: Review, membership: Membership, data: dict) -> Lesson:
    _require_editable(review, membership)
    pid = review.partnership_id
    text = _text(data, "text", 5000, _l("Write the lesson."))
    try:
        level = int(data.get("level"))
    except (TypeError, ValueError):
        level = 0
    if level not in LEVELS:
        raise ServiceError(_l("Choose the level of the lesson (1e, 2e or 3e orde)."), "level")
    arena = data.get("arena")
    if arena not in ARENAS:
        raise ServiceError(_l("Choose the arena: case, organisation or system."), "arena")
    follow_up = data.get("follow_up") or "none"
    if follow_up not in FOLLOW_UPS:
        raise ServiceError(_l("Choose a follow-up."), "follow_up")
    lesson = Lesson(partnership_id=pid, review_id=review.id, text=text, level=level, arena=arena,
                    follow_up=follow_up)  # fmt: skip
    members = {uid for uid, _ in members_of(pid)}
    if follow_up == "action":
        owner = data.get("action_owner_id")
        owner = int(owner) if owner not in (None, "", 0) else None
        if owner is None or owner not in members:
            raise ServiceError(
                _l("Choose an owner who is a member of this partnership."), "action_owner_id"
            )
        lesson.action_owner_id = owner
        lesson.action_due_on = data.get("action_due_on")
        if lesson.action_due_on is not None and lesson.action_due_on < today():
            raise ServiceError(_l("The due date cannot lie in the past."), "action_due_on")
    elif follow_up == "agreement":
        agreement = db.session.get(Agreement, int(data.get("target_agreement_id") or 0))
        if agreement is None or agreement.partnership_id != pid:
            raise ServiceError(
                _l("Choose an agreement of this partnership."), "target_agreement_id"
            )
        lesson.target_agreement_id = agreement.id
        lesson.proposal_text = _text(data, "proposal_text", 5000, _l("Write the proposed change."))
    elif follow_up == "principle":
        target = data.get("target_principle_id")
        if target not in (None, "", 0, "0"):
            principle = db.session.get(Principle, int(target))
            if principle is None or principle.partnership_id != pid:
                raise ServiceError(
                    _l("Choose a principle of this partnership."), "target_principle_id"
                )
            lesson.target_principle_id = principle.id
        lesson.proposal_title = _text(
            data, "proposal_title", 200, _l("Enter a title for the proposed principle.")
        )
        lesson.proposal_text = _text(
            data, "proposal_text", 500, _l("Write the proposed principle in one sentence.")
        )
    elif follow_up == "table":
        table = db.session.get(ThematicTable, int(data.get("target_table_id") or 0))
        if table is None or table.partnership_id != pid:
            raise ServiceError(_l("Choose a thematic table."), "target_table_id")
        if tables.access_to(table, membership) < TABLE_TAKE_PART or table.status != "actief":
            raise ServiceError(
                _l("You can only put an item on a table you take part in."), "target_table_id"
            )
        lesson.target_table_id = table.id
        lesson.proposal_text = _text(
            data, "proposal_text", 5000, _l("Write the question for the table.")
        )
    refuse_bsn({"text": lesson.text, "proposal_title": lesson.proposal_title or "",
                "proposal_text": lesson.proposal_text or ""})  # fmt: skip
    db.session.add(lesson)
    db.session.flush()
    principles = [int(p) for p in data.get("principles") or []]
    allowed = {t.principle_id for t in principle_texts(pid)}
    if not set(principles) <= allowed:
        raise ServiceError(_l("Choose principles of the adopted manifest."), "principles")
    # Principle pages show a lesson only once its review is finalised (see the describer).
    set_links(pid, "lesson", lesson.id, "cites", principles)
    record("create", lesson, partnership_id=pid, actor_id=membership.user_id,
           changes={"level": [None, level], "arena": [None, arena], "follow_up": [None, follow_up]})  # fmt: skip
    db.session.commit()
    return lesson


def remove_lesson(review: Review, membership: Membership, lesson: Lesson) -> None:
    _require_editable(review, membership)
    record("delete", lesson, partnership_id=review.partnership_id, actor_id=membership.user_id,
           changes={"level": [lesson.level, None]})  # fmt: skip
    set_links(review.partnership_id, "lesson", lesson.id, "cites", [])
    db.session.delete(lesson)
    db.session.commit()


def lesson_principles(lesson_ids: list[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {i: [] for i in lesson_ids}
    if lesson_ids:
        values = {"lesson_ids": list(lesson_ids)}
        for row in db.session.execute(_page_statements()["lesson_principles"], values):
            result[row.source_id].append(row.principle_id)
    return result


# --- privacy guard --------------------------------------------------------------------------


def _hash(kind: str, fragment: str) -> str:
    normal = "".join(fragment.split()).lower()
    return hashlib.sha256(f"{kind}:{normal}".encode()).hexdigest()


@dataclass
class Finding:
    field: str
    hit: privacy.Hit
    confirmed: bool
    # For a hit in an attached document: its name and where in it ("pagina 3").
    document: str = ""
    location: str = ""


def texts_of(
    review: Review, scores: dict | None = None, lessons: list | None = None
) -> dict[str, str]:
    """Every free text of a review, including the shared parts (scores and lessons: those
    of scores_of() and lessons_of(), read here unless the caller read them already)."""
    texts = {
        "title": review.title,
        "team": review.team,
        "participants": review.participants,
        "case_description": review.case_description,
        "went_well": review.went_well,
        "could_be_better": review.could_be_better,
    }
    for aim, text in (review.aims or {}).items():
        texts[f"aim_{aim}"] = text
    for principle_id, row in (scores_of(review) if scores is None else scores).items():
        texts[f"explanation_{principle_id}"] = row.explanation
    for lesson in lessons_of(review) if lessons is None else lessons:
        texts[f"lesson_{lesson.id}"] = (
            f"{lesson.text}\n{lesson.proposal_title}\n{lesson.proposal_text}"
        )
    return texts


# --- the privacy guard in documents -------------------------------------------------------------

# Where in a document a hit in its name is (shown like "pagina 2" for its content).
NAME_LOCATION = "bestandsnaam"
# Why a document cannot be checked (and so blocks finalising).
UNREADABLE, INCOMPLETE, MISSING = "unreadable", "incomplete", "missing"


@dataclass(frozen=True)
class DocumentCheck:
    """What the privacy guard found in one file: (location, hit) pairs, or why it could not
    read the file (`problem`: UNREADABLE, INCOMPLETE or MISSING; "" when it read it all)."""

    hits: tuple[tuple[str, privacy.Hit], ...] = ()
    problem: str = ""


@dataclass
class DocumentProblem:
    document: Document
    problem: str


@dataclass
class DocumentGuard:
    """The privacy guard over the documents of a review: hits and files it cannot check."""

    hits: list[tuple[Document, str, privacy.Hit]] = field(default_factory=list)
    problems: list[DocumentProblem] = field(default_factory=list)


# Checks of file contents by "sha256:kind", newest last: a version's bytes never change, so
# its result stays valid; pages showing a review's hits do not extract the files again.
_CHECKS: OrderedDict[str, DocumentCheck] = OrderedDict()
_CHECKS_LOCK = threading.Lock()
CHECKS_KEPT = 256


def check_file(data: bytes, kind: str) -> DocumentCheck:
    """The privacy guard over the text of one file (pure: bytes in, hits out)."""
    try:
        passages = extract_passages(data, kind)
    except ExtractError:
        return DocumentCheck(problem=UNREADABLE)
    hits = tuple(
        (passage.location, hit) for passage in passages for hit in privacy.scan(passage.text)
    )
    return DocumentCheck(hits, INCOMPLETE if passages.truncated else "")


def check_upload(inspected: Inspected, data: bytes) -> None:
    """A file attached to a review passes the privacy guard first, as its texts do when
    saved: a BSN is refused (nothing stored). Other hits are stored and shown as warnings
    on the review; a file the guard cannot read completely is stored too, and shown as
    blocking finalising until it is replaced or archived (the check is remembered)."""
    if any(hit.kind == privacy.BSN for hit in privacy.scan(inspected.name)):
        raise UploadRefused(
            _l("The file name contains a citizen service number (BSN). Rename the file: a BSN may not be stored."),
            "file",
        )  # fmt: skip
    check = check_file(data, inspected.kind)
    _remember(f"{inspected.sha256}:{inspected.kind}", check)
    for location, hit in check.hits:
        if hit.kind == privacy.BSN:
            raise UploadRefused(
                _l("The file contains a citizen service number (BSN) at %(location)s. Remove it from the file: a BSN may not be stored.", location=location),
                "file",
            )  # fmt: skip


def _remember(key: str, check: DocumentCheck) -> None:
    with _CHECKS_LOCK:
        _CHECKS[key] = check
        _CHECKS.move_to_end(key)
        while len(_CHECKS) > CHECKS_KEPT:
            _CHECKS.popitem(last=False)


def check_version(version, data: bytes | None = None) -> DocumentCheck:
    """The check of a stored version, from memory when its content was checked before."""
    key = f"{version.sha256}:{version.kind}"
    with _CHECKS_LOCK:
        known = _CHECKS.get(key)
    if known is not None:
        return known
    if data is None:
        try:
            data = documents.read(version)
        except (OSError, KeyError):
            # Not remembered: the file may be back after a restore.
            current_app.logger.warning("document version %s cannot be read", version.id)
            return DocumentCheck(problem=MISSING)
    check = check_file(data, version.kind)
    _remember(key, check)
    return check


def review_documents(review: Review) -> list[Document]:
    """What the privacy guard reads of a review's documents, with their versions: the current
    ones, and archived ones marked "deelbaar" (the partnership reads those once the review
    is final, from its archived documents)."""
    archived = documents.documents_of("review", review.id, archived=True)
    return documents.documents_of("review", review.id) + [d for d in archived if d.shareable]


def guard_documents(review: Review) -> DocumentGuard:
    """The privacy guard over the latest version of every current document of the review,
    and over its name (shown wherever the document is)."""
    guard = DocumentGuard()
    for document in review_documents(review):
        guard.hits.extend((document, NAME_LOCATION, hit) for hit in privacy.scan(document.name))
        check = check_version(document.latest)
        if check.problem:
            guard.problems.append(DocumentProblem(document, check.problem))
        guard.hits.extend((document, location, hit) for location, hit in check.hits)
    return guard


def _confirmed_hashes(review: Review) -> set[tuple[str, str]]:
    return {
        (c.kind, c.fragment_hash)
        for c in db.session.execute(
            select(PrivacyConfirmation).where(PrivacyConfirmation.review_id == review.id)
        ).scalars()
    }


def findings(review: Review, guard: DocumentGuard | None = None, **read) -> list[Finding]:
    """The hits in the review's texts, then those in its documents (with their location).
    read: the scores and lessons when the caller read them already (see texts_of)."""
    confirmed = _confirmed_hashes(review)
    guard = guard or guard_documents(review)
    return [
        Finding(name, hit, (hit.kind, _hash(hit.kind, hit.text)) in confirmed)
        for name, hit in privacy.scan_fields(texts_of(review, **read))
    ] + [
        Finding(f"document_{document.id}", hit, (hit.kind, _hash(hit.kind, hit.text)) in confirmed,
                document=document.name, location=location)
        for document, location, hit in guard.hits
    ]  # fmt: skip


def document_bsn_message(finding: Finding):
    return _l("The document “%(name)s” contains a citizen service number (BSN) at %(location)s. Remove it from the document: a BSN may not be stored.",
              name=finding.document, location=finding.location)  # fmt: skip


def document_problem_message(problem: DocumentProblem):
    """Why a document blocks finalising, in words."""
    name = problem.document.name
    if problem.problem == UNREADABLE:
        return _l("The document “%(name)s” cannot be read (it is encrypted or damaged), so the privacy guard cannot check it. Upload a readable version or archive the document.", name=name)  # fmt: skip
    if problem.problem == INCOMPLETE:
        return _l("The document “%(name)s” is too long for the privacy guard to read completely. Split it into smaller documents or archive it.", name=name)  # fmt: skip
    return _l("The file of the document “%(name)s” cannot be found, so the privacy guard cannot check it. Upload it again or archive the document.", name=name)  # fmt: skip


def confirm_hit(
    review: Review, membership: Membership, kind: str, fragment: str, reason: str
) -> None:
    """Record that a hit is not personal data; a BSN can never be confirmed."""
    _require_editable(review, membership)
    if kind == privacy.BSN:
        raise ServiceError(_l("A citizen service number (BSN) cannot be confirmed: remove it."))
    if kind not in privacy.KINDS:
        raise ServiceError(_l("Unknown kind of hit."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Give the reason why this is not personal data."), "reason")
    if not any(f.hit.kind == kind and f.hit.text == fragment for f in findings(review)):
        raise ServiceError(_l("This hit is no longer in the text."))
    key = _hash(kind, fragment)
    if db.session.execute(
        select(PrivacyConfirmation.id).where(
            PrivacyConfirmation.review_id == review.id, PrivacyConfirmation.kind == kind,
            PrivacyConfirmation.fragment_hash == key,
        )
    ).first():  # fmt: skip
        return
    confirmation = PrivacyConfirmation(review_id=review.id, kind=kind, fragment_hash=key,
                                       reason=reason[:2000], confirmed_by_id=membership.user_id)  # fmt: skip
    db.session.add(confirmation)
    record("confirm_privacy_hit", confirmation, partnership_id=review.partnership_id,
           actor_id=membership.user_id, changes={"kind": [None, kind], "reason": [None, reason]})  # fmt: skip
    db.session.commit()


# --- finalising -------------------------------------------------------------------------------


def finalise(review: Review, membership: Membership) -> None:
    """Share the review with the partnership and carry out the lessons' follow-ups.

    Refused while the privacy guard finds a BSN, or any other hit that is not confirmed, in
    the texts or in the latest version of a current document; and while a document cannot be
    read completely (encrypted, damaged, too long or missing), since it cannot be checked.
    """
    _require_editable(review, membership)
    guard = guard_documents(review)
    found = findings(review, guard)
    # Saves refuse a BSN; this catches texts stored before that rule.
    for finding in found:
        if finding.hit.kind == privacy.BSN:
            raise ServiceError(document_bsn_message(finding) if finding.document else BSN_REFUSED)
    if guard.problems:
        raise ServiceError(document_problem_message(guard.problems[0]))
    open_hits = [f for f in found if not f.confirmed]
    if open_hits:
        raise ServiceError(
            _l("The privacy guard found %(n)s possible personal data. Remove them or confirm each with a reason.",
               n=len(open_hits))
        )  # fmt: skip
    if not review.title or not (
        review.case_description or review.went_well or review.could_be_better
    ):
        raise ServiceError(_l("Describe the case or the findings before finalising."))
    review.status = FINAL
    review.finalised_at = utcnow()
    review.finalised_by_id = membership.user_id
    pid = review.partnership_id
    label = f"{review.reference} {review.title}"[:300]
    scores = scores_of(review)
    set_links(pid, "review", review.id, "scores", [p for p, r in scores.items() if r.score])
    lessons = lessons_of(review)
    for lesson in lessons:
        _carry_out(lesson, review, membership, label)
    _tally(review, scores, lessons)
    record("finalise", review, partnership_id=pid, actor_id=membership.user_id,
           changes={"status": [CONCEPT, FINAL]})  # fmt: skip
    notify(
        followers("review", review.id), partnership_id=pid, kind="review_finalised",
        object_type="review", object_id=review.id,
        url=path_in(pid, "reviews.show", number=review.number),
        params={"title": label}, actor_id=membership.user_id,
    )  # fmt: skip
    # Documents marked "deelbaar" are now found by the whole partnership.
    document_search.reindex("review", review.id)
    db.session.commit()


def _carry_out(lesson: Lesson, review: Review, membership: Membership, label: str) -> None:
    origin = str(_l("Lesson from %(review)s", review=label))[:300]
    user_id = membership.user_id
    if lesson.follow_up == "action":
        action = Action(partnership_id=review.partnership_id, title=lesson.text,
                        owner_id=lesson.action_owner_id, due_on=lesson.action_due_on,
                        source_label=origin)  # fmt: skip
        db.session.add(action)
        db.session.flush()
        lesson.action_id = action.id
    elif lesson.follow_up == "agreement":
        agreement = db.session.get(Agreement, lesson.target_agreement_id)
        comment = agreements.add_comment(
            # Proposal and lesson may each be 5000 characters; a comment holds 10000.
            agreement, user_id, f"{lesson.proposal_text}\n\n{lesson.text}"[:10000], is_proposal=True,
            origin_label=origin, commit=False,
        )  # fmt: skip
        db.session.flush()
        lesson.agreement_comment_id = comment.id
    elif lesson.follow_up == "principle":
        proposal = manifest.propose_change(
            review.partnership_id, user_id, lesson.target_principle_id,
            {"title": lesson.proposal_title, "core_sentence": lesson.proposal_text,
             "explanation": lesson.text},
            str(_l("Lesson (level %(level)s) from %(review)s: %(text)s", level=lesson.level,
                   review=label, text=lesson.text))[:5000],
            origin_type="lesson", origin_id=lesson.id, origin_label=origin, commit=False,
        )  # fmt: skip
        db.session.flush()
        lesson.change_proposal_id = proposal.id
    elif lesson.follow_up == "table":
        table = db.session.get(ThematicTable, lesson.target_table_id)
        conversation = Conversation(
            partnership_id=review.partnership_id, table_id=table.id,
            title=str(_l("Lesson from %(review)s", review=review.reference)) + ": "
            + lesson.proposal_text[:150],
            introduction=f"{lesson.proposal_text}\n\n{lesson.text}", author_id=user_id,
        )  # fmt: skip
        db.session.add(conversation)
        db.session.flush()
        record("create", conversation, partnership_id=review.partnership_id, actor_id=user_id)
        lesson.conversation_id = conversation.id


# --- actions ----------------------------------------------------------------------------------


def open_actions(partnership_id: int, owner_id: int | None = None):
    query = (
        select(Action)
        .options(joinedload(Action.owner))
        .where(Action.partnership_id == partnership_id, Action.status.in_(OPEN_ACTIONS))
        .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
    )
    if owner_id:
        query = query.where(Action.owner_id == owner_id)
    return query


def set_action_status(action: Action, membership: Membership, status: str) -> None:
    if status not in ACTION_STATUSES:
        raise ServiceError(_l("Choose a status."), "status")
    if not role_may(membership.role, "action.update") or (
        action.owner_id != membership.user_id
        and membership.role not in ("beheerder", "programmamanager")
    ):
        raise ServiceError(_l("Only the owner or a programme manager can change this action."))
    action.status = status
    record("update", action, partnership_id=action.partnership_id, actor_id=membership.user_id)
    db.session.commit()


# --- overviews ---------------------------------------------------------------------------------


def period_of(held_on: date) -> str:
    """The half-year of a date, as the trend groups reviews: "2026-1" or "2026-2"."""
    return f"{held_on.year}-{1 if held_on.month <= 6 else 2}"


def _add_up(model, rows: list[dict], sums: tuple[str, ...]) -> None:
    """Insert tally rows, or add their sums to the rows with the same key: in one
    statement, so concurrent finalisations add up instead of overwriting each other."""
    if not rows:
        return
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(model).values(rows)
    columns = model.__table__.c
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[c.name for c in model.__table__.primary_key],
            set_={name: columns[name] + statement.excluded[name] for name in sums},
        )
    )


def _tally(review: Review, scores: dict[int, ReviewScore], lessons: list[Lesson]) -> None:
    """Add a review being finalised to the tallies, and share its lessons."""
    pid, period = review.partnership_id, period_of(review.held_on)
    _add_up(ScoreTally, [
        {"partnership_id": pid, "principle_id": principle_id, "period": period,
         "total": row.score, "count": 1}
        for principle_id, row in scores.items() if row.score is not None
    ], ("total", "count"))  # fmt: skip
    counts = Counter((lesson.level, lesson.arena) for lesson in lessons)
    _add_up(LessonTally, [
        {"partnership_id": pid, "level": level, "arena": arena, "count": n}
        for (level, arena), n in counts.items()
    ], ("count",))  # fmt: skip
    for lesson in lessons:
        lesson.shared_on = review.held_on


def rebuild_tallies(partnership_id: int) -> None:
    """The tallies and the lessons' shared_on computed afresh from the finalised reviews,
    after a bulk load that did not finalise them one by one (the scale seeder)."""
    pid = partnership_id
    final = select(Review.id).where(Review.partnership_id == pid, Review.status == FINAL)
    db.session.execute(delete(ScoreTally).where(ScoreTally.partnership_id == pid))
    db.session.execute(delete(LessonTally).where(LessonTally.partnership_id == pid))
    # The review's date when it is final, None (not shared) when it is not.
    held_on = (
        select(Review.held_on)
        .where(Review.id == Lesson.review_id, Review.status == FINAL)
        .scalar_subquery()
    )
    db.session.execute(
        update(Lesson)
        .where(Lesson.partnership_id == pid)
        .values(shared_on=held_on)
        .execution_options(synchronize_session=False)
    )
    year, month = extract("year", Review.held_on), extract("month", Review.held_on)
    sums: dict[tuple[int, str], list[int]] = {}
    for principle_id, y, m, total, count in db.session.execute(
        select(ReviewScore.principle_id, year, month, func.sum(ReviewScore.score),
               func.count(ReviewScore.score))
        .join(Review, Review.id == ReviewScore.review_id)
        .where(Review.id.in_(final), ReviewScore.score.is_not(None))
        .group_by(ReviewScore.principle_id, year, month)
    ):  # fmt: skip
        acc = sums.setdefault((principle_id, period_of(date(int(y), int(m), 1))), [0, 0])
        acc[0] += int(total)
        acc[1] += int(count)
    _add_up(ScoreTally, [
        {"partnership_id": pid, "principle_id": principle_id, "period": period,
         "total": total, "count": count}
        for (principle_id, period), (total, count) in sums.items()
    ], ("total", "count"))  # fmt: skip
    _add_up(LessonTally, [
        {"partnership_id": pid, "level": level, "arena": arena, "count": count}
        for level, arena, count in db.session.execute(
            select(Lesson.level, Lesson.arena, func.count(Lesson.id))
            .where(Lesson.review_id.in_(final))
            .group_by(Lesson.level, Lesson.arena)
        )
    ], ("count",))  # fmt: skip


def score_trend(partnership_id: int) -> tuple[list[str], list[tuple[int, str, list]]]:
    """Average score per principle per half-year over finalised reviews, from the tally.

    Returns (periods, [(principle id, title, [(average or None, count) per period])]).
    """
    buckets = {
        (principle_id, period): (total, count)
        for principle_id, period, total, count in db.session.execute(
            select(ScoreTally.principle_id, ScoreTally.period, ScoreTally.total,
                   ScoreTally.count)
            .where(ScoreTally.partnership_id == partnership_id, ScoreTally.count > 0)
        )
    }  # fmt: skip
    periods = sorted({p for _, p in buckets})
    result = []
    for text in principle_texts(partnership_id):
        series = []
        for period in periods:
            total, count = buckets.get((text.principle_id, period), (0, 0))
            series.append((round(total / count, 1) if count else None, count))
        result.append((text.principle_id, text.title, series))
    return periods, result


def lessons_matrix(partnership_id: int) -> dict[tuple[int, str], int]:
    rows = db.session.execute(
        select(LessonTally.level, LessonTally.arena, LessonTally.count).where(
            LessonTally.partnership_id == partnership_id, LessonTally.count > 0
        )
    )
    return {(r[0], r[1]): r[2] for r in rows}


def shared_lessons(partnership_id: int, level: int | None = None, arena: str = ""):
    """The lessons of finalised reviews, newest review first (read from an index)."""
    query = (
        select(Lesson)
        .options(selectinload(Lesson.review))
        .where(Lesson.partnership_id == partnership_id, Lesson.shared_on.is_not(None))
        .order_by(Lesson.shared_on.desc(), Lesson.id.desc())
    )
    if level in LEVELS:
        query = query.where(Lesson.level == level)
    if arena in ARENAS:
        query = query.where(Lesson.arena == arena)
    return query


# --- retention ---------------------------------------------------------------------------------


def retention_months(partnership_id: int) -> int:
    settings = db.session.get(ReviewSettings, partnership_id)
    return settings.retention_months if settings else 24


def set_retention(partnership_id: int, months: int, user_id: int) -> None:
    if not isinstance(months, int) or not 1 <= months <= 240:
        raise ServiceError(
            _l("Choose a retention period from 1 to 240 months."), "retention_months"
        )
    settings = db.session.get(ReviewSettings, partnership_id)
    if settings is None:
        settings = ReviewSettings(partnership_id=partnership_id)
        db.session.add(settings)
    old = settings.retention_months
    settings.retention_months = months
    record("update", settings, partnership_id=partnership_id, actor_id=user_id,
           changes={"retention_months": [old, months]})  # fmt: skip
    db.session.commit()


def purge_expired(now: datetime | None = None) -> int:
    """Empty the case details of finalised reviews older than their partnership's retention
    period; title, scores and lessons stay. The review's case documents go with them (every
    version, archived ones too); a document marked shareable ("deelbaar") was shared with
    the partnership like the lessons, and stays. Returns how many reviews were purged.

    The rows go in one transaction; the stored files are deleted after its commit, so no row
    ever points at a missing file (a failed file deletion leaves only unreferenced bytes)."""
    now = now or utcnow()
    settings = dict(
        db.session.execute(
            select(ReviewSettings.partnership_id, ReviewSettings.retention_months)
        ).all()
    )
    candidates = db.session.execute(
        select(Review).where(Review.status == FINAL, Review.purged_at.is_(None),
                             Review.finalised_at.is_not(None))
    ).scalars()  # fmt: skip
    expired = []
    for review in candidates:
        months = settings.get(review.partnership_id, 24)
        if review.finalised_at <= now - timedelta(days=round(months * 30.44)):
            expired.append((review, months))
    counted, keys = purge_private("review", [review.id for review, _ in expired])
    for review, months in expired:
        review.case_description = ""
        review.aims = {}
        review.went_well = ""
        review.could_be_better = ""
        review.purged_at = now
        record("purge", review, partnership_id=review.partnership_id, actor_id=None,
               changes={"case_details": ["…", None], "retention_months": [None, months],
                        "documents": [counted.get(review.id, 0), 0]})  # fmt: skip
    db.session.commit()
    documents.remove_files(keys)
    return len(expired)


# --- dashboard ----------------------------------------------------------------------------------


def dashboard_figures(membership: Membership, limit: int = 5) -> dict:
    """What the dashboard panel shows of attention(): the three counts in one statement,
    and the concept reviews' list only when there are any to show."""
    pid = membership.partnership_id
    show_concepts = membership.role in ("beheerder", "programmamanager", "teamlid")
    since = datetime.combine(today() - timedelta(days=30), datetime.min.time())
    actions = select(func.count(Action.id)).where(
        Action.partnership_id == pid, Action.status.in_(OPEN_ACTIONS),
        Action.owner_id == membership.user_id,
    )  # fmt: skip
    concepts = select(func.count(Review.id)).where(
        Review.partnership_id == pid, Review.status == CONCEPT,
        Review.organisation_id == membership.organisation_id,
    )  # fmt: skip
    lately = select(Review.id).where(Review.partnership_id == pid, Review.finalised_at >= since)
    level3 = select(func.count(Lesson.id)).where(
        Lesson.partnership_id == pid, Lesson.shared_on.is_not(None), Lesson.level == 3,
        Lesson.review_id.in_(lately),
    )  # fmt: skip
    actions_total, concepts_total, level3_total = db.session.execute(
        select(actions.scalar_subquery(), concepts.scalar_subquery(), level3.scalar_subquery())
    ).one()
    if not show_concepts:
        concepts_total = 0
    listed = []
    if concepts_total:
        listed = list(db.session.execute(
            select(Review).where(
                Review.partnership_id == pid, Review.status == CONCEPT,
                Review.organisation_id == membership.organisation_id,
            ).order_by(Review.held_on.desc()).limit(limit)
        ).scalars())  # fmt: skip
    return {
        "actions_total": actions_total,
        "concepts_total": concepts_total,
        "concepts": listed,
        "level3_total": level3_total,
    }


def attention(membership: Membership, limit: int = 5) -> dict:
    pid = membership.partnership_id
    actions = open_actions(pid, membership.user_id)
    concepts = (
        select(Review)
        .where(Review.partnership_id == pid, Review.status == CONCEPT,
               Review.organisation_id == membership.organisation_id)
        .order_by(Review.held_on.desc())
    )  # fmt: skip
    since = today() - timedelta(days=30)
    lately = select(Review.id).where(
        Review.partnership_id == pid,
        Review.finalised_at >= datetime.combine(since, datetime.min.time()),
    )
    level3 = shared_lessons(pid, level=3).where(Lesson.review_id.in_(lately))

    def count(query):
        return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()

    show_concepts = membership.role in ("beheerder", "programmamanager", "teamlid")
    return {
        "actions_total": count(actions),
        "actions": list(db.session.execute(actions.limit(limit)).scalars()),
        "concepts_total": count(concepts) if show_concepts else 0,
        "concepts": list(db.session.execute(concepts.limit(limit)).scalars())
        if show_concepts
        else [],
        "level3_total": count(level3),
        "level3": list(db.session.execute(level3.limit(limit)).scalars()),
    }
