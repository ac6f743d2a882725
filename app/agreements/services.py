"""Use cases of agreements: create, edit (a new version), activate, revisit, archive, comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from app.activity.notifications import comment_posted, follow_automatically
from app.activity.services import record
from app.agreements.models import (
    ACTIVE,
    AMEND,
    CONCEPT,
    DECISIONS,
    END,
    ENDED,
    EXTEND,
    FIRM,
    KINDS,
    MAKE_FIRM,
    REVISIT_DUE,
    WORKABLE,
    Agreement,
    AgreementComment,
    AgreementParty,
    AgreementVersion,
    Revisit,
)
from app.diff import side_by_side
from app.errors import Refusals, ServiceError
from app.extensions import db
from app.forms import is_id
from app.manifest.links import linked_principle_ids, set_links
from app.manifest.models import PrincipleLink
from app.partnerships.models import Organisation
from app.partnerships.services import members_of, organisations_of
from app.registry import agreement_sections, origins
from app.timeutil import today, utcnow
from app.urls import path_in

LINK = ("agreement", "implements")
DUE_WINDOW = timedelta(days=30)
TEXT_LIMITS = {"title": 200, "summary": 500, "origin": 500, "explanation": 20000}
SORTS = {
    "revisit": (Agreement.revisit_on.is_(None), Agreement.revisit_on, Agreement.number),
    "title": (Agreement.title, Agreement.number),
    "start": (Agreement.start_on.desc(), Agreement.number),
    "number": (Agreement.number,),
    "updated": (Agreement.updated_at.desc(), Agreement.number),
}


# --- what other areas show on an agreement's page ----------------------------------------


def related_sections(agreement) -> list[dict]:
    """Sections other areas add to an agreement's page (app.registry.agreement_sections:
    risks show the measures an agreement implements), so agreements need not import them."""
    return [s for s in (section(agreement) for section in agreement_sections) if s]


def origin_url(agreement) -> str | None:
    """Where an agreement came from (a table conclusion, a meeting decision, a cycle
    decision), as the area of its origin links it (app.registry.origins)."""
    resolve = origins.get(agreement.origin_type or "")
    return resolve(agreement.origin_id) if resolve and agreement.origin_id else None


# --- reading ---------------------------------------------------------------------------


@dataclass
class Filters:
    status: str = ""
    kind: str = ""
    party: int | None = None
    principle: int | None = None
    owner: int | None = None
    due: str = ""  # "30" (revisit within 30 days, or overdue) or "overdue"
    q: str = ""
    archived: bool = False
    sort: str = "revisit"

    @classmethod
    def from_args(cls, args) -> Filters:
        def number(name):
            value = args.get(name, "")
            return int(value) if is_id(value) else None

        status = args.get("status", "")
        kind = args.get("kind", "")
        due = args.get("due", "")
        sort = args.get("sort", "revisit")
        return cls(
            status=status if status in (CONCEPT, ACTIVE, REVISIT_DUE, ENDED) else "",
            kind=kind if kind in KINDS else "",
            party=number("party"),
            principle=number("principle"),
            owner=number("owner"),
            due=due if due in ("30", "overdue") else "",
            q=args.get("q", "").strip()[:100],
            archived=args.get("archived") == "1",
            sort=sort if sort in SORTS else "revisit",
        )

    def as_args(self) -> dict:
        values = {
            "status": self.status, "kind": self.kind, "party": self.party,
            "principle": self.principle, "owner": self.owner, "due": self.due, "q": self.q,
            "archived": "1" if self.archived else "", "sort": self.sort if self.sort != "revisit" else "",
        }  # fmt: skip
        return {k: v for k, v in values.items() if v}


def agreements_query(partnership_id: int, filters: Filters, on: date | None = None):
    """A select() of the partnership's agreements, filtered and sorted, with their owners.
    Their parties are not loaded: a list reads their names with party_names(), an export
    adds selectinload(Agreement.parties) (loading them as objects costs more than the rest
    of a list page's rows)."""
    on = on or today()
    query = (
        select(Agreement)
        .options(joinedload(Agreement.owner))
        .where(Agreement.partnership_id == partnership_id)
    )
    query = query.where(
        Agreement.archived_at.is_not(None) if filters.archived else Agreement.archived_at.is_(None)
    )
    overdue = and_(
        Agreement.status == ACTIVE, Agreement.kind == WORKABLE, Agreement.revisit_on < on
    )
    if filters.status == REVISIT_DUE:
        query = query.where(overdue)
    elif filters.status == ACTIVE:
        query = query.where(
            Agreement.status == ACTIVE,
            or_(
                Agreement.kind != WORKABLE,
                Agreement.revisit_on.is_(None),
                Agreement.revisit_on >= on,
            ),
        )
    elif filters.status:
        query = query.where(Agreement.status == filters.status)
    if filters.kind:
        query = query.where(Agreement.kind == filters.kind)
    if filters.party:
        query = query.where(
            Agreement.id.in_(
                select(AgreementParty.agreement_id).where(
                    AgreementParty.organisation_id == filters.party
                )
            )
        )
    if filters.principle:
        query = query.where(
            Agreement.id.in_(
                select(PrincipleLink.source_id).where(
                    PrincipleLink.source_type == LINK[0],
                    PrincipleLink.relation == LINK[1],
                    PrincipleLink.principle_id == filters.principle,
                )
            )
        )
    if filters.owner:
        query = query.where(Agreement.owner_id == filters.owner)
    if filters.due:
        query = query.where(Agreement.status == ACTIVE, Agreement.revisit_on.is_not(None))
        if filters.due == "overdue":
            query = query.where(Agreement.revisit_on < on)
        else:
            query = query.where(Agreement.revisit_on <= on + DUE_WINDOW)
    if filters.q:
        like = f"%{filters.q.lower()}%"
        query = query.where(
            or_(func.lower(Agreement.title).like(like), func.lower(Agreement.summary).like(like))
        )
    return query.order_by(*SORTS[filters.sort])


@cache
def _party_names_statement():
    return (
        select(AgreementParty.agreement_id, Organisation.name)
        .join(Organisation, Organisation.id == AgreementParty.organisation_id)
        .where(AgreementParty.agreement_id.in_(bindparam("ids", expanding=True)))
        .order_by(Organisation.name)
    )


def party_names(agreements) -> dict[int, str]:
    """The parties of each of these agreements as a list shows them ("A, B", by name), in
    one statement that reads names only; an agreement without parties is left out."""
    ids = [a.id for a in agreements]
    names: dict[int, list[str]] = {}
    if ids:
        for agreement_id, name in db.session.execute(_party_names_statement(), {"ids": ids}):
            names.setdefault(agreement_id, []).append(name)
    return {agreement_id: ", ".join(found) for agreement_id, found in names.items()}


@cache
def _page_statements() -> dict:
    """Built once, with bind parameters: every agreement page runs them, and building a
    statement (with its loader options) and its cache key costs more than running it."""
    agreement_id = bindparam("agreement_id")
    return {
        # The parties are read when shown (an agreement's page keeps what it shows of them).
        "agreement": select(Agreement)
        .options(joinedload(Agreement.owner))
        .where(
            Agreement.partnership_id == bindparam("partnership_id"),
            Agreement.number == bindparam("number"),
        ),
        "versions": select(AgreementVersion)
        .options(joinedload(AgreementVersion.created_by))
        .where(AgreementVersion.agreement_id == agreement_id)
        .order_by(AgreementVersion.number.desc()),
        "revisits": select(Revisit)
        .options(joinedload(Revisit.decided_by))
        .where(Revisit.agreement_id == agreement_id),
        "comments": select(AgreementComment)
        .options(joinedload(AgreementComment.author))
        .where(AgreementComment.agreement_id == agreement_id),
    }


def get_agreement(partnership_id: int, number: int) -> Agreement | None:
    return db.session.execute(
        _page_statements()["agreement"], {"partnership_id": partnership_id, "number": number}
    ).scalar_one_or_none()


def versions_of(agreement: Agreement) -> list[AgreementVersion]:
    values = {"agreement_id": agreement.id}
    return list(db.session.execute(_page_statements()["versions"], values).scalars())


def timeline(
    agreement: Agreement, versions: list[AgreementVersion] | None = None
) -> list[tuple[str, object]]:
    """Versions (``versions_of``, unless the caller read them already), revisit decisions
    and comments, newest first."""
    values = {"agreement_id": agreement.id}
    revisits = db.session.execute(_page_statements()["revisits"], values).scalars()
    comments = db.session.execute(_page_statements()["comments"], values).scalars()
    if versions is None:
        versions = versions_of(agreement)
    items = [("version", v.created_at, v) for v in versions]
    items += [("revisit", r.decided_at, r) for r in revisits]
    items += [("comment", c.created_at, c) for c in comments]
    items.sort(key=lambda item: item[1], reverse=True)
    return [(kind, obj) for kind, _, obj in items]


def is_due(agreement: Agreement, on: date | None = None) -> bool:
    """Whether a revisit decision can be recorded: active, with a revisit date within 30 days
    or passed."""
    on = on or today()
    return (
        agreement.status == ACTIVE
        and agreement.revisit_on is not None
        and agreement.revisit_on <= on + DUE_WINDOW
    )


# --- writing ---------------------------------------------------------------------------------


def _check(partnership_id: int, data: dict) -> dict:
    """Validate agreement fields again in the service; returns the cleaned values."""
    clean = {name: (data.get(name) or "").strip() for name in TEXT_LIMITS}
    if not clean["title"]:
        raise ServiceError(_l("Enter a title."), "title")
    if not clean["summary"]:
        raise ServiceError(_l("Write the agreement in one sentence."), "summary")
    for name, limit in TEXT_LIMITS.items():
        if len(clean[name]) > limit:
            raise ServiceError(_l("Use at most %(n)s characters.", n=limit), name)
    kind = data.get("kind")
    if kind not in KINDS:
        raise ServiceError(_l("Choose hard or werkbaar."), "kind")
    start_on, revisit_on, end_on = data.get("start_on"), data.get("revisit_on"), data.get("end_on")
    # The dates and parties are checked together: every refusal is reported in one round.
    refusals = Refusals()
    if not isinstance(start_on, date):
        refusals.add(_l("Enter the start date."), "start_on")
    if kind == WORKABLE and not isinstance(revisit_on, date):
        refusals.add(_l("A workable agreement needs a revisit date."), "revisit_on")
    elif revisit_on is not None and isinstance(start_on, date) and revisit_on <= start_on:
        refusals.add(_l("The revisit date must lie after the start date."), "revisit_on")
    if end_on is not None and isinstance(start_on, date) and end_on < start_on:
        refusals.add(_l("The end date cannot lie before the start date."), "end_on")
    parties = {int(p) for p in data.get("parties") or []}
    if not parties:
        refusals.add(_l("Choose at least one party."), "parties")
    elif not parties <= {oid for oid, _ in organisations_of(partnership_id)}:
        refusals.add(_l("Choose parties that take part in this partnership."), "parties")
    refusals.raise_any()
    owner_id = data.get("owner_id")
    if owner_id in (None, "", 0):
        owner_id = None
    elif int(owner_id) not in {uid for uid, _ in members_of(partnership_id)}:
        raise ServiceError(_l("Choose an owner who is a member of this partnership."), "owner_id")
    clean.update(
        kind=kind,
        start_on=start_on,
        revisit_on=revisit_on,
        end_on=end_on,
        parties=sorted(parties),
        owner_id=int(owner_id) if owner_id else None,
        principles=[int(p) for p in data.get("principles") or []],
    )
    return clean


def _snapshot(agreement: Agreement) -> dict:
    principles = linked_principle_ids(LINK[0], agreement.id, LINK[1]) if agreement.id else []
    return {
        "title": agreement.title,
        "summary": agreement.summary,
        "explanation": agreement.explanation,
        "kind": agreement.kind,
        "start_on": agreement.start_on.isoformat() if agreement.start_on else "",
        "revisit_on": agreement.revisit_on.isoformat() if agreement.revisit_on else "",
        "end_on": agreement.end_on.isoformat() if agreement.end_on else "",
        "parties": [o.name for o in agreement.parties],
        "owner": agreement.owner.name if agreement.owner else "",
        "origin": agreement.origin,
        "principles": sorted(principles),
    }


def _apply(agreement: Agreement, clean: dict) -> None:
    for name in ("title", "summary", "explanation", "origin", "kind", "start_on", "revisit_on",
                 "end_on", "owner_id"):  # fmt: skip
        setattr(agreement, name, clean[name])
    agreement.parties = list(
        db.session.execute(
            select(Organisation).where(Organisation.id.in_(clean["parties"]))
        ).scalars()
    )


def _new_version(agreement: Agreement, note: str, user_id: int | None) -> AgreementVersion:
    db.session.flush()
    db.session.refresh(agreement, ["owner", "parties"])
    version = AgreementVersion(
        agreement_id=agreement.id,
        number=agreement.current_version,
        content=_snapshot(agreement),
        change_note=note,
        created_by_id=user_id,
    )
    db.session.add(version)
    return version


def create_agreement(
    partnership_id: int,
    data: dict,
    user_id: int | None,
    *,
    origin_type: str | None = None,
    origin_id: int | None = None,
    origin_label: str = "",
    commit: bool = True,
    number: int | None = None,
) -> Agreement:
    """A new agreement in status concept, as version 1 (an import may name its number)."""
    clean = _check(partnership_id, data)
    highest = db.session.execute(
        select(func.max(Agreement.number)).where(Agreement.partnership_id == partnership_id)
    ).scalar_one()
    agreement = Agreement(
        partnership_id=partnership_id,
        number=number or (highest or 0) + 1,
        status=CONCEPT,
        origin_type=origin_type,
        origin_id=origin_id,
        origin_label=origin_label[:300],
    )
    _apply(agreement, clean)
    db.session.add(agreement)
    db.session.flush()
    set_links(partnership_id, LINK[0], agreement.id, LINK[1], clean["principles"])
    record("create", agreement, partnership_id=partnership_id, actor_id=user_id)
    follow_automatically([user_id, agreement.owner_id], partnership_id, "agreement", agreement.id)
    _new_version(agreement, str(data.get("change_note") or _l("Created")), user_id)
    if commit:
        db.session.commit()
    return agreement


def draft_from_origin(
    partnership_id: int, user_id: int, title: str, summary: str, origin_type: str,
    origin_id: int, origin_label: str, parties: list[int] | None = None, commit: bool = True,
) -> Agreement:  # fmt: skip
    """A concept agreement made in one step from a table conclusion, meeting decision,
    lesson or cycle decision; its origin links back. Called by those areas."""
    on = today()
    data = {
        "title": title[:200],
        "summary": summary[:500] or title[:500],
        "kind": WORKABLE,
        "start_on": on,
        "revisit_on": on + timedelta(days=182),
        "parties": parties or [oid for oid, _ in organisations_of(partnership_id)],
        "owner_id": user_id,
        "origin": origin_label,
    }
    return create_agreement(
        partnership_id, data, user_id,
        origin_type=origin_type, origin_id=origin_id, origin_label=origin_label, commit=commit,
    )  # fmt: skip


def _require_open(agreement: Agreement) -> None:
    if agreement.status == ENDED:
        raise ServiceError(_l("This agreement has ended and can no longer be changed."))
    if agreement.archived_at is not None:
        raise ServiceError(_l("This agreement is archived. Restore it first."))


def check_agreement(partnership_id: int, data: dict) -> dict:
    """The rules of create and update, for an import's preview (raises ServiceError)."""
    return _check(partnership_id, data)


def snapshot(agreement: Agreement) -> dict:
    return _snapshot(agreement)


def update_agreement(
    agreement: Agreement, data: dict, change_note: str, user_id: int, commit: bool = True
) -> None:
    """Change the agreement; every change is a new version with a change note."""
    _require_open(agreement)
    clean = _check(agreement.partnership_id, data)
    change_note = (change_note or "").strip()
    if not change_note:
        raise ServiceError(_l("Describe what you changed and why."), "change_note")
    before = _snapshot(agreement)
    _apply(agreement, clean)
    set_links(agreement.partnership_id, LINK[0], agreement.id, LINK[1], clean["principles"])
    db.session.flush()
    db.session.refresh(agreement, ["owner", "parties"])
    if _snapshot(agreement) == before:
        db.session.rollback()
        raise ServiceError(_l("Nothing was changed."))
    agreement.current_version += 1
    agreement.updated_at = utcnow()
    record("update", agreement, partnership_id=agreement.partnership_id, actor_id=user_id,
           changes=_diff(before, _snapshot(agreement)))  # fmt: skip
    follow_automatically([agreement.owner_id], agreement.partnership_id, "agreement", agreement.id)
    _new_version(agreement, change_note[:5000], user_id)
    if commit:
        db.session.commit()


def _diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def activate(agreement: Agreement, user_id: int, commit: bool = True) -> None:
    if agreement.status != CONCEPT:
        raise ServiceError(_l("Only a concept agreement can be made active."))
    _require_open(agreement)
    agreement.status = ACTIVE
    agreement.updated_at = utcnow()
    record("activate", agreement, partnership_id=agreement.partnership_id, actor_id=user_id)
    if commit:
        db.session.commit()


def revisit(
    agreement: Agreement, decision: str, reason: str, user_id: int, *,
    new_revisit_on: date | None = None, amended: dict | None = None,
) -> Revisit:  # fmt: skip
    """Record a revisit decision: extend, amend (a new version), make firm, or end."""
    _require_open(agreement)
    if decision not in DECISIONS:
        raise ServiceError(_l("Choose a decision."), "decision")
    if not is_due(agreement):
        raise ServiceError(
            _l("This agreement is not due for a revisit yet (revisit date %(date)s).",
               date=agreement.revisit_on.isoformat() if agreement.revisit_on else "–")
        )  # fmt: skip
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Give the reason for this decision."), "reason")
    on = today()
    before = _snapshot(agreement)
    previous = agreement.revisit_on
    note = f"{_decision_label(decision)}: {reason}"
    if decision in (EXTEND, AMEND):
        if not isinstance(new_revisit_on, date):
            raise ServiceError(_l("Enter the new revisit date."), "new_revisit_on")
        if new_revisit_on <= on or (previous and new_revisit_on <= previous):
            raise ServiceError(
                _l("The new revisit date must lie after today and after the current one."),
                "new_revisit_on",
            )
    if decision == AMEND:
        data = {**amended} if amended else {}
        for name in ("title", "summary", "explanation"):
            data.setdefault(name, getattr(agreement, name))
        clean = _check(agreement.partnership_id, {
            **before, **data, "kind": agreement.kind, "start_on": agreement.start_on,
            "revisit_on": new_revisit_on, "end_on": agreement.end_on,
            "parties": [o.id for o in agreement.parties], "owner_id": agreement.owner_id,
            "origin": agreement.origin,
        })  # fmt: skip
        if all(clean[n] == getattr(agreement, n) for n in ("title", "summary", "explanation")):
            raise ServiceError(_l("Change the text of the agreement, or choose extend."), "summary")
        for name in ("title", "summary", "explanation"):
            setattr(agreement, name, clean[name])
    if decision in (EXTEND, AMEND):
        # Set only now, after every check passed, so a refusal leaves nothing pending.
        agreement.revisit_on = new_revisit_on
    if decision == MAKE_FIRM:
        agreement.kind = FIRM
        agreement.revisit_on = None
    if decision == END:
        agreement.status = ENDED
        agreement.end_on = on
    agreement.current_version += 1
    agreement.updated_at = utcnow()
    record("revisit", agreement, partnership_id=agreement.partnership_id, actor_id=user_id,
           changes={"decision": [None, decision], **_diff(before, _snapshot(agreement))})  # fmt: skip
    _new_version(agreement, note[:5000], user_id)
    entry = Revisit(
        agreement_id=agreement.id,
        decision=decision,
        reason=reason[:5000],
        previous_revisit_on=previous,
        new_revisit_on=agreement.revisit_on,
        version_number=agreement.current_version,
        decided_by_id=user_id,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def _decision_label(decision: str) -> str:
    return str(DECISION_LABELS[decision])


DECISION_LABELS = {
    EXTEND: _l("Extended"),
    AMEND: _l("Amended"),
    MAKE_FIRM: _l("Made structural (hard)"),
    END: _l("Ended"),
}


def set_archived(agreement: Agreement, archived: bool, user_id: int) -> None:
    if archived == (agreement.archived_at is not None):
        raise ServiceError(
            _l("This agreement is already archived.") if archived
            else _l("This agreement is not archived.")
        )  # fmt: skip
    agreement.archived_at = utcnow() if archived else None
    record("archive" if archived else "restore", agreement,
           partnership_id=agreement.partnership_id, actor_id=user_id)  # fmt: skip
    db.session.commit()


def _agreement_path(agreement: Agreement) -> str:
    return path_in(agreement.partnership_id, "agreements.show", number=agreement.number)


def add_comment(
    agreement: Agreement, author_id: int, body: str, *, is_proposal: bool = False,
    origin_label: str = "", commit: bool = True,
) -> AgreementComment:  # fmt: skip
    """A comment on the agreement; other areas add proposals to change it the same way."""
    body = (body or "").strip()
    if not body:
        raise ServiceError(_l("Write a comment."), "body")
    if len(body) > 10000:
        raise ServiceError(_l("Use at most %(n)s characters.", n=10000), "body")
    comment = AgreementComment(
        agreement_id=agreement.id, author_id=author_id, body=body,
        is_proposal=is_proposal, origin_label=origin_label[:300],
    )  # fmt: skip
    db.session.add(comment)
    record("create", comment, partnership_id=agreement.partnership_id, actor_id=author_id)
    comment_posted(
        object_type="agreement", object_id=agreement.id, partnership_id=agreement.partnership_id,
        author_id=author_id, title=f"{agreement.reference} “{agreement.title}”",
        url=_agreement_path(agreement),
    )  # fmt: skip
    if commit:
        db.session.commit()
    return comment


# --- comparing versions ------------------------------------------------------------------


VERSION_FIELDS = (
    "title", "summary", "explanation", "kind", "start_on", "revisit_on", "end_on",
    "parties", "owner", "origin",
)  # fmt: skip


def compare_versions(old: AgreementVersion, new: AgreementVersion) -> list[tuple]:
    """(field, old marked, new marked, changed?) for each field of two versions."""
    rows = []
    for name in VERSION_FIELDS:
        a, b = old.content.get(name, ""), new.content.get(name, "")
        if isinstance(a, list):
            a, b = ", ".join(a), ", ".join(b or [])
        left, right = side_by_side(str(a or ""), str(b or ""))
        rows.append((name, left, right, a != b))
    return rows


# --- dashboard ---------------------------------------------------------------------------


def due_soon(partnership_id: int, limit: int = 5) -> tuple[int, list[Agreement]]:
    query = agreements_query(partnership_id, Filters(due="30"))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    return total, list(db.session.execute(query.limit(limit)).scalars())


def owned_by(partnership_id: int, user_id: int, limit: int = 5) -> tuple[int, list[Agreement]]:
    query = agreements_query(partnership_id, Filters(owner=user_id)).where(
        Agreement.status != ENDED
    )
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    return total, list(db.session.execute(query.limit(limit)).scalars())
