"""What reviews add to the shared layers (history and its redactions, reminders, the
calendar, search, the dashboard, principle links), and init_app(), which wires the area
in."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select

from app import registry
from app.activity.notifications import (
    DUE_SOON_DAYS,
    notify,
    partnership_slugs,
    reminder_stage,
    shorten,
)
from app.activity.objects import Target, in_partnership
from app.documents.models import Document
from app.documents.services import document_ids
from app.exports.ics import day_event
from app.extensions import db
from app.partnerships.models import Membership
from app.policy import may_edit_review, may_read_case_details, may_see_review
from app.registry import (
    Attachable,
    AttachTarget,
    AuditType,
    CalendarQuery,
    DocumentScope,
    Indexer,
    NotificationKind,
    ObjectKind,
)
from app.reviews.archive import PART as ARCHIVE_PART
from app.reviews.cli import reviews_cli
from app.reviews.dashboard import open_actions_count, reviews_attention
from app.reviews.forms import (
    ACTION_STATUS_LABELS,
    ARENA_LABELS,
    FOLLOW_UP_LABELS,
    KIND_LABELS,
    PRIVACY_KIND_LABELS,
    STATUS_LABELS,
)
from app.reviews.models import (
    CASE_FIELDS,
    FINAL,
    OPEN_ACTIONS,
    Action,
    Lesson,
    PrivacyConfirmation,
    Review,
)
from app.reviews.routes import PAGE_LABELS, bp
from app.reviews.services import check_upload as check_review_upload
from app.search.services import Doc, join_text
from app.urls import path_for, path_in


def resolve_review(object_id: int, membership: Membership) -> Target | None:
    r = in_partnership(Review, object_id, membership)
    if r is None or not may_see_review(membership, r.status, r.organisation_id):
        return None
    audit = [("Review", r.id), ("Lesson", select(Lesson.id).where(Lesson.review_id == r.id))]
    target = Target("review", r, f"{r.reference} {r.title}",
                    url_for("reviews.show", slug=membership.partnership.slug, number=r.number),
                    audit)  # fmt: skip
    if may_read_case_details(membership, r.organisation_id):
        audit.append(("PrivacyConfirmation",
                      select(PrivacyConfirmation.id).where(PrivacyConfirmation.review_id == r.id)))  # fmt: skip
    else:
        target.redact["Review"] = frozenset(CASE_FIELDS)
    if membership.organisation_id == r.organisation_id:
        # Its documents are case details: their events only for the recording organisation.
        audit.append(("Document", document_ids("review", r.id)))
    return target


def may_follow_review(target: Target, membership: Membership) -> bool:
    """One follows the reviews of one's own organisation."""
    return target.obj.organisation_id == membership.organisation_id


def attach_review(object_id: int, membership: Membership) -> AttachTarget | None:
    """A review's documents are case details of the recording organisation (policy.py
    decides who reads one); its recording members attach them while it is a concept, and
    may mark one "deelbaar" for the partnership once the review is finalised."""
    r = in_partnership(Review, object_id, membership)
    if r is None or not may_see_review(membership, r.status, r.organisation_id):
        return None
    return AttachTarget(r, r.partnership_id, f"{r.reference} {r.title}",
                        url_for("reviews.show", slug=membership.partnership.slug, number=r.number),
                        may_read=True,
                        may_attach=may_edit_review(membership, r.status, r.organisation_id),
                        case_organisation_id=r.organisation_id, concept=r.status != FINAL,
                        offers_shareable=True)  # fmt: skip


def review_document_scope(document: Document) -> DocumentScope | None:
    """Who finds a review's document in search: its name only (the text is a case detail),
    for the recording organisation; for everyone once the review is final and the
    document is marked "deelbaar" (as policy.may_read_document decides)."""
    r = db.session.get(Review, document.object_id)
    if r is None:
        return None
    shared = r.status == FINAL and document.shareable
    return DocumentScope(organisation_id=None if shared else r.organisation_id, text=False)


def hidden_document_events(events: list, membership: Membership) -> set[int]:
    """Ids of the activity page's events about a review's documents (case details) of
    another organisation than the member's: their names are not shown."""
    ids = {e.object_id for e in events if e.object_type == "Document" and e.object_id}
    if not ids:
        return set()
    foreign = set(
        db.session.execute(
            select(Document.id)
            .join(Review, Review.id == Document.object_id)
            .where(
                Document.id.in_(ids),
                Document.object_kind == "review",
                Review.organisation_id != membership.organisation_id,
            )
        ).scalars()
    )
    return {e.id for e in events if e.object_type == "Document" and e.object_id in foreign}


def hidden_review_events(events: list, membership: Membership) -> set[int]:
    """Ids of events whose values this member may not read: every value recorded about
    a review (its lessons, its privacy checks) of an organisation whose case details the
    policy does not let them read; concept titles and case texts stay inside."""
    by_type: dict[str, set[int]] = {}
    for event in events:
        if event.object_type in ("Review", "Lesson", "PrivacyConfirmation") and event.object_id:
            by_type.setdefault(event.object_type, set()).add(event.object_id)
    if not by_type:
        return set()
    review_of: dict[tuple[str, int], int] = {("Review", i): i for i in by_type.get("Review", ())}
    for model, key in ((Lesson, "Lesson"), (PrivacyConfirmation, "PrivacyConfirmation")):
        if key in by_type:
            for object_id, review_id in db.session.execute(
                select(model.id, model.review_id).where(model.id.in_(by_type[key]))
            ).all():
                review_of[(key, object_id)] = review_id
    organisations = dict(
        db.session.execute(
            select(Review.id, Review.organisation_id).where(Review.id.in_(set(review_of.values())))
        ).all()
    )
    hidden = set()
    for event in events:
        if event.object_type not in ("Review", "Lesson", "PrivacyConfirmation"):
            continue
        review_id = review_of.get((event.object_type, event.object_id))
        if review_id is None:
            if event.object_type in ("Lesson", "PrivacyConfirmation"):  # removed since
                hidden.add(event.id)
            continue
        organisation_id = organisations.get(review_id)
        if organisation_id is None or not may_read_case_details(membership, organisation_id):
            hidden.add(event.id)
    return hidden


def remind_actions(today) -> int:
    """An action's owner, a week before it is due and when it is overdue."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    actions = db.session.execute(
        select(Action).where(
            Action.status.in_(OPEN_ACTIONS), Action.due_on.is_not(None), Action.due_on <= soon,
            Action.owner_id.is_not(None),
        )
    ).scalars().all()  # fmt: skip
    if not actions:
        return 0
    slugs, added = partnership_slugs(), 0
    for action in actions:
        stage = reminder_stage((action.due_on - today).days, (DUE_SOON_DAYS,))
        added += notify(
            [action.owner_id], partnership_id=action.partnership_id,
            kind="action_overdue" if stage == "overdue" else "action_due",
            object_type="action", object_id=action.id,
            url=path_for("reviews.actions", slug=slugs[action.partnership_id]),
            params={"title": shorten(action.title), "date": action.due_on.isoformat()},
            key=f"action:{action.id}:{action.due_on.isoformat()}:{stage}",
        )  # fmt: skip
    return added


def action_dates(q: CalendarQuery) -> list[list[str]]:
    """The due dates of one's open actions."""
    actions = db.session.execute(
        select(Action).where(
            Action.partnership_id.in_(q.partnership_ids), Action.owner_id == q.user.id,
            Action.status.in_(OPEN_ACTIONS), Action.due_on.between(q.start, q.end),
        ).order_by(Action.due_on).limit(q.limit)
    ).scalars()  # fmt: skip
    return [day_event(
        f"action-{action.id}-{action.due_on.isoformat()}@samenspel", action.due_on,
        _("Action due: %(text)s", text=shorten(action.title, 80)), description=action.title,
        url=q.url("reviews.actions", action.partnership_id),
    ) for action in actions]  # fmt: skip


# --- search: titles and lessons shared once final; case details never ------------------


def _review_url(review: Review, anchor: str = "") -> str:
    url = path_in(review.partnership_id, "reviews.show", number=review.number)
    return url + anchor


def _lesson_doc(lesson: Lesson, review: Review) -> Doc:
    return Doc(
        "lesson", lesson.id, review.partnership_id, f"{review.reference} {review.title}",
        lesson.text, _review_url(review, f"#lesson-{lesson.id}"),
        organisation_id=None if review.status == FINAL else review.organisation_id,
    )  # fmt: skip


def index_review(review: Review):
    shared_from = None if review.status == FINAL else review.organisation_id
    entries = [
        ("review", review.id, Doc(
            "review", review.id, review.partnership_id, f"{review.reference} {review.title}", "",
            _review_url(review), organisation_id=shared_from,
        )),
        ("case", review.id, Doc(
            "case", review.id, review.partnership_id, f"{review.reference} {review.title}",
            join_text(review.team, review.participants, review.case_description,
                      review.went_well, review.could_be_better),
            _review_url(review), organisation_id=review.organisation_id,
        ) if review.purged_at is None else None),
    ]  # fmt: skip
    # Lessons follow their review's status (shared once it is final).
    lessons = db.session.execute(select(Lesson).where(Lesson.review_id == review.id)).scalars()
    entries.extend(("lesson", lesson.id, _lesson_doc(lesson, review)) for lesson in lessons)
    return entries


def index_lesson(lesson: Lesson):
    if inspect(lesson).deleted:  # removed from its concept review
        return [("lesson", lesson.id, None)]
    return [("lesson", lesson.id, _lesson_doc(lesson, lesson.review))]


# --- principle links ---------------------------------------------------------------------


def describe_reviews(ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = db.session.execute(
        select(Review.id, Review.number, Review.title, Review.status).where(Review.id.in_(ids))
    )
    return {
        r.id: (f"CR-{r.number} {r.title}", url_for("reviews.show", slug=g.partnership.slug, number=r.number))
        for r in rows if r.status == "vastgesteld"
    }  # fmt: skip


def describe_lessons(ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = db.session.execute(
        select(Lesson.id, Lesson.text, Lesson.level, Review.number, Review.status)
        .join(Review, Review.id == Lesson.review_id)
        .where(Lesson.id.in_(ids))
    )
    return {
        r.id: (f"{r.level}e orde, CR-{r.number}: {r.text[:120]}",
               url_for("reviews.show", slug=g.partnership.slug, number=r.number) + f"#lesson-{r.id}")
        for r in rows if r.status == "vastgesteld"
    }  # fmt: skip


def review_titles(ids: list[int]) -> dict[int, str]:
    """Reviews as history and activity name them: "CR-4 Title"."""
    rows = db.session.execute(
        select(Review.id, Review.number, Review.title).where(Review.id.in_(ids))
    )
    return {r.id: f"CR-{r.number} {r.title}" for r in rows}


def action_titles(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(select(Action.id, Action.title).where(Action.id.in_(ids)))
    return {r.id: shorten(r.title) for r in rows}


AUDIT_TYPES = {
    "Review": AuditType(
        _l("Review"), history_kind="review", values={"status": STATUS_LABELS, "kind": KIND_LABELS}
    ),
    "Lesson": AuditType(
        _l("Lesson"),
        values={"arena": ARENA_LABELS, "follow_up": FOLLOW_UP_LABELS},
        references={
            "review_id": "review",
            "target_agreement_id": "agreement",
            "target_principle_id": "principle",
            "target_table_id": "table",
            "action_id": "action",
            "agreement_comment_id": "agreement_comment",
            "change_proposal_id": "change_proposal",
            "conversation_id": "conversation",
        },
    ),  # fmt: skip
    "Action": AuditType(_l("Action"), values={"status": ACTION_STATUS_LABELS}),
    "PrivacyConfirmation": AuditType(
        _l("Privacy check"),
        filterable=False,
        values={"kind": PRIVACY_KIND_LABELS},
        references={"review_id": "review"},
    ),
    "ReviewSettings": AuditType(_l("Review settings"), filterable=False),
}
NOTIFICATIONS = {
    "action_due": NotificationKind(_l("Action “%(title)s” is due on %(date)s")),
    "action_overdue": NotificationKind(_l("Action “%(title)s” is overdue: it was due on %(date)s")),
    "review_finalised": NotificationKind(_l("%(title)s was finalised")),
}

INDEXERS = [
    Indexer(Review, index_review, everything=lambda: select(Review)),
    Indexer(Lesson, index_lesson),
]

SEARCH_KINDS = {
    "review": _l("Reviews"),
    "case": _l("Case details"),
    "lesson": _l("Lessons"),
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry.page_labels.register("reviews", PAGE_LABELS)
    app.cli.add_command(reviews_cli)
    registry.objects.register(
        "review", ObjectKind(resolve_review, followable=True, may_follow=may_follow_review)
    )
    for name, audit_type in AUDIT_TYPES.items():
        registry.audit_types.register(name, audit_type)
    registry.audit_redactions.register("review case details", hidden_review_events)
    registry.audit_redactions.register("review documents", hidden_document_events)
    registry.attachables.register("review", Attachable(
        _l("Review"), attach_review, search_scope=review_document_scope,
        check_upload=check_review_upload, case_details=True,
    ))  # fmt: skip
    for kind, notification in NOTIFICATIONS.items():
        registry.notification_kinds.register(kind, notification)
    registry.reminders.register("actions", remind_actions)
    registry.calendar_sources.register("actions", action_dates)
    for indexer in INDEXERS:
        registry.indexers.register(indexer.model, indexer)
    for kind, heading in SEARCH_KINDS.items():
        registry.search_kinds.register(kind, heading)
    registry.panels.register("reviews", registry.Panel(reviews_attention, kept=True))
    registry.glance_counts.register("reviews", open_actions_count)
    registry.describers.register("review", describe_reviews)
    registry.describers.register("lesson", describe_lessons)
    registry.titles.register("review", review_titles)
    registry.titles.register("action", action_titles)
    registry.archive_parts.register("reviews", ARCHIVE_PART)
