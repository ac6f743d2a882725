"""What each area contributes to the search index, and who may find it.

Each indexer turns one object into documents: (kind, object_id, Doc), or None to take
a document out. Restrictions are data on the document: `organisation_id` (case details,
concept reviews) and `table_id` (everything said in a thematic table).
"""

from __future__ import annotations

from sqlalchemy import inspect, select

from app.agreements.models import Agreement
from app.cycles.models import Cycle, CycleProposal
from app.extensions import db
from app.manifest.models import ADOPTED, ManifestVersion, Principle, PrincipleText
from app.reviews.models import FINAL, Lesson, Review
from app.risks.models import Risk
from app.search.services import Doc, indexer
from app.tables.models import Comment, Conversation, Meeting
from app.views import path_in


def _join(*parts: str | None) -> str:
    return "\n".join(part for part in parts if part)


# --- manifest: the principles of the adopted version members read ------------------


def _current_version_id(partnership_id: int) -> int | None:
    return db.session.execute(
        select(ManifestVersion.id)
        .where(
            ManifestVersion.partnership_id == partnership_id,
            ManifestVersion.status == ADOPTED,
        )
        .order_by(ManifestVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def _principle_doc(text: PrincipleText, partnership_id: int) -> Doc:
    return Doc(
        "principle", text.principle_id, partnership_id, text.title,
        _join(text.core_sentence, text.explanation, text.practice, text.origin),
        path_in(partnership_id, "manifest.principle", principle_id=text.principle_id),
    )  # fmt: skip


@indexer(
    ManifestVersion,
    everything=lambda: select(ManifestVersion).where(ManifestVersion.status == ADOPTED),
)
def index_manifest(version: ManifestVersion):  # fmt: skip
    pid = version.partnership_id
    if version.status != ADOPTED or _current_version_id(pid) != version.id:
        return []
    texts = {t.principle_id: t for t in version.texts}
    every = db.session.execute(
        select(Principle.id).where(Principle.partnership_id == pid)
    ).scalars()
    return [(
        "principle", principle_id,
        _principle_doc(texts[principle_id], pid) if principle_id in texts else None,
    ) for principle_id in every]  # fmt: skip


@indexer(PrincipleText)
def index_principle_text(text: PrincipleText):
    version = text.manifest_version
    if version.status != ADOPTED or _current_version_id(version.partnership_id) != version.id:
        return []
    return [("principle", text.principle_id, _principle_doc(text, version.partnership_id))]


# --- agreements and risks ------------------------------------------------------------


@indexer(Agreement, everything=lambda: select(Agreement))
def index_agreement(agreement: Agreement):
    return [("agreement", agreement.id, Doc(
        "agreement", agreement.id, agreement.partnership_id,
        f"{agreement.reference} {agreement.title}",
        _join(agreement.summary, agreement.explanation, agreement.origin),
        path_in(agreement.partnership_id, "agreements.show", number=agreement.number),
    ))]  # fmt: skip


@indexer(Risk, everything=lambda: select(Risk))
def index_risk(risk: Risk):
    return [("risk", risk.id, Doc(
        "risk", risk.id, risk.partnership_id, f"{risk.reference} {risk.title}",
        _join(risk.description, risk.cause, risk.consequence),
        path_in(risk.partnership_id, "risks.show", number=risk.number),
    ))]  # fmt: skip


# --- thematic tables: readable by who may read the table --------------------------


@indexer(Conversation, everything=lambda: select(Conversation))
def index_conversation(conversation: Conversation):
    url = path_in(conversation.partnership_id, "tables.conversation",
                  table_id=conversation.table_id, conversation_id=conversation.id)  # fmt: skip
    return [("conversation", conversation.id, Doc(
        "conversation", conversation.id, conversation.partnership_id, conversation.title,
        _join(conversation.introduction, conversation.conclusion), url,
        table_id=conversation.table_id,
    ))]  # fmt: skip


def _conversation_of(comment: Comment) -> Conversation:
    return db.session.get(Conversation, comment.conversation_id)


# In order: a comment's document id then follows the order the comments were written,
# which is how search lists comments (newest first).
@indexer(
    Comment,
    everything=lambda: select(Comment).where(Comment.hidden_at.is_(None)).order_by(Comment.id),
)
def index_comment(comment: Comment):
    if comment.hidden_at is not None:
        return [("comment", comment.id, None)]
    conversation = _conversation_of(comment)
    url = path_in(conversation.partnership_id, "tables.comment_link", table_id=conversation.table_id,
                  conversation_id=conversation.id, comment_id=comment.id)  # fmt: skip
    return [("comment", comment.id, Doc(
        "comment", comment.id, conversation.partnership_id, conversation.title, comment.body,
        url, table_id=conversation.table_id,
    ))]  # fmt: skip


@indexer(Meeting, everything=lambda: select(Meeting))
def index_meeting(meeting: Meeting):
    url = path_in(meeting.partnership_id, "tables.meeting", table_id=meeting.table_id,
        meeting_id=meeting.id,
    )  # fmt: skip
    return [("meeting", meeting.id, Doc(
        "meeting", meeting.id, meeting.partnership_id, meeting.title,
        _join(meeting.place, meeting.agenda, meeting.minutes), url, table_id=meeting.table_id,
    ))]  # fmt: skip


# --- reviews: titles and lessons shared once final; case details never ------------


def _review_url(review: Review, anchor: str = "") -> str:
    url = path_in(review.partnership_id, "reviews.show", number=review.number)
    return url + anchor


def _lesson_doc(lesson: Lesson, review: Review) -> Doc:
    return Doc(
        "lesson", lesson.id, review.partnership_id, f"{review.reference} {review.title}",
        lesson.text, _review_url(review, f"#lesson-{lesson.id}"),
        organisation_id=None if review.status == FINAL else review.organisation_id,
    )  # fmt: skip


@indexer(Review, everything=lambda: select(Review))
def index_review(review: Review):
    shared_from = None if review.status == FINAL else review.organisation_id
    entries = [
        ("review", review.id, Doc(
            "review", review.id, review.partnership_id, f"{review.reference} {review.title}", "",
            _review_url(review), organisation_id=shared_from,
        )),
        ("case", review.id, Doc(
            "case", review.id, review.partnership_id, f"{review.reference} {review.title}",
            _join(review.team, review.participants, review.case_description, review.went_well,
                  review.could_be_better),
            _review_url(review), organisation_id=review.organisation_id,
        ) if review.purged_at is None else None),
    ]  # fmt: skip
    # Lessons follow their review's status (shared once it is final).
    lessons = db.session.execute(select(Lesson).where(Lesson.review_id == review.id)).scalars()
    entries.extend(("lesson", lesson.id, _lesson_doc(lesson, review)) for lesson in lessons)
    return entries


@indexer(Lesson)
def index_lesson(lesson: Lesson):
    if inspect(lesson).deleted:  # removed from its concept review
        return [("lesson", lesson.id, None)]
    return [("lesson", lesson.id, _lesson_doc(lesson, lesson.review))]


# --- cycles ----------------------------------------------------------------------------


@indexer(Cycle, everything=lambda: select(Cycle))
def index_cycle(cycle: Cycle):
    proposals = db.session.execute(
        select(CycleProposal.text).where(CycleProposal.cycle_id == cycle.id)
    ).scalars()
    return [("cycle", cycle.id, Doc(
        "cycle", cycle.id, cycle.partnership_id, f"{cycle.reference} {cycle.title}",
        _join(cycle.interpretation, cycle.dilemmas, *proposals),
        path_in(cycle.partnership_id, "cycles.show", number=cycle.number),
    ))]  # fmt: skip


@indexer(CycleProposal)
def index_cycle_proposal(proposal: CycleProposal):
    return index_cycle(db.session.get(Cycle, proposal.cycle_id))
