"""Use cases of decisions: start, answer, amend, close and withdraw a proposal, state its
outcome, make it an agreement or a manifest change, designate who decides for an
organisation; and the tallies, lists and reminders that read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.activity.notifications import notify
from app.activity.services import record
from app.agreements import services as agreements
from app.agreements.models import WORKABLE
from app.decisions.models import (
    ADOPTED,
    AGREE,
    CLOSED,
    CONSENT,
    MAJORITY,
    METHODS,
    NOT_PASSED,
    OBJECT,
    OPEN,
    OUTCOMES,
    PASSED,
    POSITIONS,
    WITHDRAWN,
    DecisionMandate,
    Proposal,
    ProposalAnswer,
    ProposalAnswerRevision,
    ProposalOrganisation,
    ProposalVersion,
)
from app.errors import ServiceError
from app.extensions import db
from app.manifest import services as manifest
from app.partnerships.models import Membership, Organisation, Participation
from app.policy import (
    TABLE_NONE,
    TABLE_TAKE_PART,
    may_decide_for,
    may_designate_for,
    may_propose_for_partnership,
)
from app.tables.models import ACTIVE as TABLE_ACTIVE
from app.tables.models import TableMember, ThematicTable
from app.tables.services import access_to
from app.timeutil import LOCAL, local, show_datetime, today, utcnow
from app.urls import path_in

TEXT_LIMITS = {"title": 200, "text": 20000, "rationale": 10000}
REASON_LIMIT = 5000
# Days before the closing time at which organisations that have not answered are reminded.
REMINDER_STAGES = (3, 1)
# A closing time is at most this far ahead.
LONGEST = timedelta(days=366)
# The revisit date of an agreement made from a proposal without a review date.
DEFAULT_REVISIT = timedelta(days=182)


class AnswerConflict(Exception):
    """Someone else of the organisation answered since the form was shown."""

    def __init__(self, current: ProposalAnswer | None, position: str, reason: str):
        super().__init__("answer conflict")
        self.current = current
        self.position = position
        self.reason = reason


# --- who decides ------------------------------------------------------------------------------


@cache
def _designated_statement(of_organisations: bool):
    """Built once (the dashboard asks it of every member)."""
    query = select(DecisionMandate.organisation_id, DecisionMandate.user_id).where(
        DecisionMandate.partnership_id == bindparam("partnership_id"),
        DecisionMandate.active.is_(True),
    )
    if of_organisations:
        organisations = bindparam("organisation_ids", expanding=True)
        query = query.where(DecisionMandate.organisation_id.in_(organisations))
    return query


def designated_ids(partnership_id: int, organisation_ids: list[int] | None = None) -> set[tuple]:
    """(organisation id, user id) of the active designations."""
    values = {"partnership_id": partnership_id}
    if organisation_ids is not None:
        values["organisation_ids"] = list(organisation_ids)
    statement = _designated_statement(organisation_ids is not None)
    return {(row[0], row[1]) for row in db.session.execute(statement, values)}


def is_designated(membership: Membership) -> bool:
    return (membership.organisation_id, membership.user_id) in designated_ids(
        membership.partnership_id, [membership.organisation_id]
    )


def may_decide(membership: Membership, organisation_id: int) -> bool:
    """Whether this member answers for the organisation (see policy.may_decide_for)."""
    if membership.organisation_id != organisation_id:
        return False
    return may_decide_for(membership, organisation_id, is_designated(membership))


def deciders_of(partnership_id: int, organisation_ids: list[int]) -> dict[int, list[int]]:
    """organisation id -> user ids of the active members who may decide for it."""
    if not organisation_ids:
        return {}
    designated = designated_ids(partnership_id, organisation_ids)
    result: dict[int, list[int]] = {oid: [] for oid in organisation_ids}
    for membership in db.session.execute(
        select(Membership).where(
            Membership.partnership_id == partnership_id, Membership.active.is_(True),
            Membership.organisation_id.in_(organisation_ids),
            Membership.role.in_(("bestuurder", "beheerder", "programmamanager", "teamlid",
                                 "partner")),
        )
    ).scalars():  # fmt: skip
        key = (membership.organisation_id, membership.user_id)
        if may_decide_for(membership, membership.organisation_id, key in designated):
            result[membership.organisation_id].append(membership.user_id)
    return result


def mandates_of(partnership_id: int, organisation_ids: list[int]) -> list[DecisionMandate]:
    return list(
        db.session.execute(
            select(DecisionMandate)
            .options(joinedload(DecisionMandate.user))
            .where(
                DecisionMandate.partnership_id == partnership_id,
                DecisionMandate.organisation_id.in_(organisation_ids),
                DecisionMandate.active.is_(True),
            )
            .order_by(DecisionMandate.organisation_id, DecisionMandate.id)
        ).scalars()
    )


def designate(actor: Membership, organisation_id: int, user_id) -> DecisionMandate:
    """The organisation's bestuurder (or the beheerder) lets a member decide for it."""
    if not may_designate_for(actor, organisation_id):
        raise ServiceError(_l("You may not designate for this organisation."), "organisation_id")
    if not str(user_id or "").isdigit():
        raise ServiceError(_l("Choose a person."), "user_id")
    member = db.session.execute(
        select(Membership).where(
            Membership.partnership_id == actor.partnership_id,
            Membership.user_id == int(user_id), Membership.active.is_(True),
        )
    ).scalar_one_or_none()  # fmt: skip
    if member is None or member.organisation_id != organisation_id:
        raise ServiceError(_l("Choose a member of this organisation."), "user_id")
    if member.role == "lezer":
        raise ServiceError(_l("A reader cannot decide for an organisation."), "user_id")
    if member.role == "bestuurder":
        raise ServiceError(_l("A bestuurder decides for the organisation already."), "user_id")
    mandate = db.session.execute(
        select(DecisionMandate).where(
            DecisionMandate.partnership_id == actor.partnership_id,
            DecisionMandate.organisation_id == organisation_id,
            DecisionMandate.user_id == member.user_id,
        )
    ).scalar_one_or_none()
    if mandate is not None and mandate.active:
        raise ServiceError(_l("This person has been designated already."), "user_id")
    if mandate is None:
        mandate = DecisionMandate(
            partnership_id=actor.partnership_id, organisation_id=organisation_id,
            user_id=member.user_id, designated_by_id=actor.user_id,
        )  # fmt: skip
        db.session.add(mandate)
        record("create", mandate, partnership_id=actor.partnership_id, actor_id=actor.user_id)
    else:
        mandate.active = True
        mandate.designated_by_id = actor.user_id
        record("restore", mandate, partnership_id=actor.partnership_id, actor_id=actor.user_id)
    db.session.commit()
    return mandate


def withdraw_designation(actor: Membership, mandate: DecisionMandate) -> None:
    if not may_designate_for(actor, mandate.organisation_id):
        raise ServiceError(_l("You may not designate for this organisation."))
    if not mandate.active:
        raise ServiceError(_l("This designation has been withdrawn already."))
    mandate.active = False
    record("archive", mandate, partnership_id=mandate.partnership_id, actor_id=actor.user_id)
    db.session.commit()


# --- reading ---------------------------------------------------------------------------------


def visible_proposals(membership: Membership):
    """A select() of the partnership's proposals this member may see: a partner sees those
    of the tables they take part in (see policy.table_access) and those of the partnership."""
    query = select(Proposal).where(Proposal.partnership_id == membership.partnership_id)
    if membership.role == "partner":
        member_of = select(TableMember.table_id).where(TableMember.user_id == membership.user_id)
        chair_of = select(ThematicTable.id).where(ThematicTable.chair_id == membership.user_id)
        query = query.where(
            or_(Proposal.table_id.is_(None), Proposal.table_id.in_(member_of),
                Proposal.table_id.in_(chair_of))
        )  # fmt: skip
    return query


def may_see(proposal: Proposal, membership: Membership) -> bool:
    if proposal.partnership_id != membership.partnership_id:
        return False
    return proposal.table is None or access_to(proposal.table, membership) != TABLE_NONE


def get_proposal(partnership_id: int, number: int) -> Proposal | None:
    return db.session.execute(
        select(Proposal)
        .options(joinedload(Proposal.proposer), joinedload(Proposal.table))
        .where(Proposal.partnership_id == partnership_id, Proposal.number == number)
    ).scalar_one_or_none()


STATUS_FILTERS = ("open", "closed", "all")


def proposals_query(membership: Membership, status: str = "open", archived: bool = False):
    """The list page: visible proposals, open ones by closing time, others newest first."""
    query = visible_proposals(membership).options(
        joinedload(Proposal.proposer), joinedload(Proposal.table)
    )
    query = query.where(
        Proposal.archived_at.is_not(None) if archived else Proposal.archived_at.is_(None)
    )
    if status == "open":
        return query.where(Proposal.status == OPEN).order_by(Proposal.closes_at, Proposal.id)
    if status == "closed":
        query = query.where(Proposal.status == CLOSED)
    return query.order_by(Proposal.created_at.desc(), Proposal.id.desc())


def asked_ids(proposal_ids: list[int]) -> dict[int, list[int]]:
    """proposal id -> the deciding organisations still taking part (the ones asked)."""
    if not proposal_ids:
        return {}
    rows = db.session.execute(
        select(ProposalOrganisation.proposal_id, ProposalOrganisation.organisation_id)
        .join(Proposal, Proposal.id == ProposalOrganisation.proposal_id)
        .join(Participation, (Participation.organisation_id == ProposalOrganisation.organisation_id)
              & (Participation.partnership_id == Proposal.partnership_id))
        .where(ProposalOrganisation.proposal_id.in_(proposal_ids), Participation.active.is_(True))
    ).all()  # fmt: skip
    result: dict[int, list[int]] = {pid: [] for pid in proposal_ids}
    for pid, oid in rows:
        result[pid].append(oid)
    return result


def answer_counts(proposals: list[Proposal]) -> dict[int, tuple[int, int]]:
    """proposal id -> (organisations asked, of which answered the current version), in two
    queries for a whole page of proposals."""
    asked = asked_ids([p.id for p in proposals])
    answered: dict[int, set[int]] = {p.id: set() for p in proposals}
    if proposals:
        versions = {p.id: p.current_version for p in proposals}
        for pid, oid, number in db.session.execute(
            select(ProposalAnswer.proposal_id, ProposalAnswer.organisation_id,
                   ProposalAnswer.proposal_version)
            .where(ProposalAnswer.proposal_id.in_(list(versions)))
        ).all():  # fmt: skip
            if number == versions[pid]:
                answered[pid].add(oid)
    return {p.id: (len(asked[p.id]), len(answered[p.id] & set(asked[p.id]))) for p in proposals}


@dataclass
class TallyRow:
    organisation: Organisation
    asked: bool  # False once the organisation left the partnership
    answer: ProposalAnswer | None  # the answer to the current version
    earlier: ProposalAnswer | None  # an answer to an earlier version


@dataclass
class Tally:
    rows: list[TallyRow] = field(default_factory=list)
    agree: int = 0
    object: int = 0
    abstain: int = 0
    pending: int = 0
    passes: bool = False
    quorum_met: bool = True

    @property
    def answered(self) -> int:
        return self.agree + self.object + self.abstain


def tally(proposal: Proposal) -> Tally:
    """Each deciding organisation with its answer, the counts, and whether it passes now."""
    organisations = list(
        db.session.execute(
            select(Organisation)
            .join(ProposalOrganisation, ProposalOrganisation.organisation_id == Organisation.id)
            .where(ProposalOrganisation.proposal_id == proposal.id)
            .order_by(Organisation.name)
        ).scalars()
    )
    asked = set(asked_ids([proposal.id])[proposal.id])
    answers = {
        a.organisation_id: a
        for a in db.session.execute(
            select(ProposalAnswer)
            .options(joinedload(ProposalAnswer.answered_by))
            .where(ProposalAnswer.proposal_id == proposal.id)
        ).scalars()
    }
    result = Tally()
    for organisation in organisations:
        answer = answers.get(organisation.id)
        current = answer if answer and answer.proposal_version == proposal.current_version else None
        row = TallyRow(organisation, organisation.id in asked, current,
                       answer if answer and current is None else None)  # fmt: skip
        result.rows.append(row)
        if current is not None:
            # An answer stays when its organisation leaves; it is no longer asked.
            if current.position == AGREE:
                result.agree += 1
            elif current.position == OBJECT:
                result.object += 1
            else:
                result.abstain += 1
        elif row.asked:
            result.pending += 1
    if proposal.method == CONSENT:
        result.passes = result.object == 0 and result.agree > 0
    else:
        result.quorum_met = result.answered >= (proposal.quorum or 1)
        result.passes = result.quorum_met and result.agree > result.object
    return result


def versions_of(proposal: Proposal) -> list[ProposalVersion]:
    return list(
        db.session.execute(
            select(ProposalVersion)
            .options(joinedload(ProposalVersion.created_by))
            .where(ProposalVersion.proposal_id == proposal.id)
            .order_by(ProposalVersion.number.desc())
        ).scalars()
    )


def answer_history(proposal: Proposal) -> list[ProposalAnswerRevision]:
    return list(
        db.session.execute(
            select(ProposalAnswerRevision)
            .options(joinedload(ProposalAnswerRevision.organisation),
                     joinedload(ProposalAnswerRevision.answered_by))
            .where(ProposalAnswerRevision.proposal_id == proposal.id)
            .order_by(ProposalAnswerRevision.answered_at.desc(), ProposalAnswerRevision.id.desc())
        ).scalars()
    )  # fmt: skip


def default_organisations(partnership_id: int, table: ThematicTable | None) -> list[int]:
    """All organisations taking part; in a table, those of its members (and chair)."""
    query = select(Participation.organisation_id).where(
        Participation.partnership_id == partnership_id, Participation.active.is_(True)
    )
    if table is not None:
        people = select(TableMember.user_id).where(TableMember.table_id == table.id)
        organisations = select(Membership.organisation_id).where(
            Membership.partnership_id == partnership_id, Membership.active.is_(True),
            or_(Membership.user_id.in_(people), Membership.user_id == table.chair_id),
        )  # fmt: skip
        query = query.where(Participation.organisation_id.in_(organisations))
    return sorted(db.session.execute(query).scalars())


def may_propose(membership: Membership, table: ThematicTable | None) -> bool:
    if table is None:
        return may_propose_for_partnership(membership)
    return (
        membership.role != "lezer"
        and table.status == TABLE_ACTIVE
        and access_to(table, membership) >= TABLE_TAKE_PART
    )


def may_answer_for(proposal: Proposal, membership: Membership) -> bool:
    """Whether this member answers for their organisation on this proposal now."""
    if proposal.status != OPEN:
        return False
    asked = asked_ids([proposal.id])[proposal.id]
    return membership.organisation_id in asked and may_decide(
        membership, membership.organisation_id
    )


# --- writing ---------------------------------------------------------------------------------


def to_utc(value: datetime) -> datetime:
    """A Dutch wall-clock time (from a form) as the naive UTC moment stored."""
    return value.replace(tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


def _clean_text(data: dict) -> dict:
    clean = {name: (data.get(name) or "").strip() for name in TEXT_LIMITS}
    if not clean["title"]:
        raise ServiceError(_l("Enter a title."), "title")
    if not clean["text"]:
        raise ServiceError(_l("Write the proposed text."), "text")
    for name, limit in TEXT_LIMITS.items():
        if len(clean[name]) > limit:
            raise ServiceError(_l("Use at most %(n)s characters.", n=limit), name)
    return clean


def _proposal_path(proposal: Proposal) -> str:
    return path_in(proposal.partnership_id, "decisions.show", number=proposal.number)


def _label(proposal: Proposal) -> str:
    return f"{proposal.reference} “{proposal.title}”"


def start_proposal(membership: Membership, data: dict, table: ThematicTable | None = None,
                   now: datetime | None = None) -> Proposal:  # fmt: skip
    """A proposal put to the deciding organisations until its closing time (Dutch time)."""
    now = now or utcnow()
    if table is not None and table.partnership_id != membership.partnership_id:
        raise ServiceError(_l("Choose a table of this partnership."))
    if not may_propose(membership, table):
        raise ServiceError(
            _l("Only members who take part in this table may propose here.") if table
            else _l("At partnership level, the programme manager proposes.")
        )  # fmt: skip
    clean = _clean_text(data)
    method = data.get("method")
    if method not in METHODS:
        raise ServiceError(_l("Choose how the organisations decide."), "method")
    closes_local = data.get("closes_at")
    if not isinstance(closes_local, datetime):
        raise ServiceError(_l("Enter the closing date and time."), "closes_at")
    closes_at = to_utc(closes_local)
    if closes_at <= now:
        raise ServiceError(_l("The closing time lies in the past. Choose a later time."),
                           "closes_at")  # fmt: skip
    if closes_at > now + LONGEST:
        raise ServiceError(_l("Choose a closing time within a year."), "closes_at")
    chosen = {int(o) for o in data.get("organisations") or [] if str(o).isdigit()}
    if not chosen:
        raise ServiceError(_l("Choose the organisations that decide."), "organisations")
    known = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name)
            .join(Participation)
            .where(Participation.partnership_id == membership.partnership_id,
                   Participation.active.is_(True))
        ).all()
    )  # fmt: skip
    if not chosen <= set(known):
        raise ServiceError(_l("Choose organisations that take part in this partnership."),
                           "organisations")  # fmt: skip
    deciders = deciders_of(membership.partnership_id, sorted(chosen))
    nobody = sorted(known[oid] for oid in chosen if not deciders[oid])
    if nobody:
        raise ServiceError(
            _l("Nobody may decide for %(names)s: it has no bestuurder or designated member in "
               "this partnership. Leave it out, or ask for someone to be designated first.",
               names=", ".join(nobody)),
            "organisations",
        )  # fmt: skip
    quorum = None
    if method == MAJORITY:
        quorum = data.get("quorum")
        if not isinstance(quorum, int) or not 1 <= quorum <= len(chosen):
            raise ServiceError(
                _l("Enter a quorum between 1 and %(n)s organisations.", n=len(chosen)), "quorum"
            )
    highest = db.session.execute(
        select(func.max(Proposal.number)).where(
            Proposal.partnership_id == membership.partnership_id
        )
    ).scalar_one()
    proposal = Proposal(
        partnership_id=membership.partnership_id, number=(highest or 0) + 1,
        table_id=table.id if table else None, method=method, quorum=quorum,
        closes_at=closes_at, status=OPEN, proposer_id=membership.user_id, current_version=1,
        **clean,
    )  # fmt: skip
    db.session.add(proposal)
    db.session.flush()
    for oid in sorted(chosen):
        db.session.add(ProposalOrganisation(proposal_id=proposal.id, organisation_id=oid))
    db.session.add(ProposalVersion(proposal_id=proposal.id, number=1, created_by_id=membership.user_id,
                                   **clean))  # fmt: skip
    record("create", proposal, partnership_id=proposal.partnership_id, actor_id=membership.user_id)
    notify(
        [uid for uids in deciders.values() for uid in uids],
        partnership_id=proposal.partnership_id, kind="decision_opened", object_type="decision",
        object_id=proposal.id, url=_proposal_path(proposal),
        params={"title": _label(proposal), "date": local(closes_at).date().isoformat()},
        actor_id=membership.user_id,
    )  # fmt: skip
    db.session.commit()
    return proposal


def closed_message(proposal: Proposal) -> str:
    when = proposal.closed_at or proposal.closes_at
    return str(_l("This proposal closed on %(time)s; answers are no longer taken.",
                  time=show_datetime(when)))  # fmt: skip


def answer_proposal(
    proposal: Proposal, membership: Membership, position: str, reason: str,
    expected_version: int, now: datetime | None = None,
) -> ProposalAnswer:  # fmt: skip
    """The member's organisation answers (or changes its answer) until the closing time.

    expected_version is the version of the organisation's answer the form was made from
    (0: none yet); another answer since then is a conflict, never overwritten.
    """
    now = now or utcnow()
    if proposal.status == OPEN and proposal.closes_at <= now:
        close_proposal(proposal, now)
        db.session.commit()
    if proposal.status != OPEN:
        raise ServiceError(closed_message(proposal))
    organisation_id = membership.organisation_id
    if organisation_id not in asked_ids([proposal.id])[proposal.id]:
        raise ServiceError(_l("Your organisation is not asked to decide on this proposal."))
    if not may_decide(membership, organisation_id):
        raise ServiceError(_l("Only the bestuurder, or a member the bestuurder designated, "
                              "answers for your organisation."))  # fmt: skip
    if position not in POSITIONS:
        raise ServiceError(_l("Choose your organisation's answer."), "position")
    reason = (reason or "").strip()
    if position == OBJECT and not reason:
        raise ServiceError(_l("Give the reason for the objection."), "reason")
    if len(reason) > REASON_LIMIT:
        raise ServiceError(_l("Use at most %(n)s characters.", n=REASON_LIMIT), "reason")
    answer = db.session.execute(
        select(ProposalAnswer).where(
            ProposalAnswer.proposal_id == proposal.id,
            ProposalAnswer.organisation_id == organisation_id,
        )
    ).scalar_one_or_none()
    if (answer.version if answer else 0) != expected_version:
        raise AnswerConflict(answer, position, reason)
    if (answer is not None and answer.position == position and answer.reason == reason
            and answer.proposal_version == proposal.current_version):  # fmt: skip
        raise ServiceError(_l("Your organisation gave this answer already."), "position")
    try:
        if answer is None:
            answer = ProposalAnswer(proposal_id=proposal.id, organisation_id=organisation_id)
            db.session.add(answer)
            action = "create"
        else:
            action = "update"
        answer.position, answer.reason = position, reason
        answer.proposal_version = proposal.current_version
        answer.answered_by_id, answer.answered_at = membership.user_id, now
        event = record(action, answer, partnership_id=proposal.partnership_id,
                       actor_id=membership.user_id)  # fmt: skip
        event.action = "answer"
    except (IntegrityError, StaleDataError) as error:
        # Another member of the organisation answered at the same moment and won.
        db.session.rollback()
        current = db.session.execute(
            select(ProposalAnswer).where(
                ProposalAnswer.proposal_id == proposal.id,
                ProposalAnswer.organisation_id == organisation_id,
            )
        ).scalar_one_or_none()
        raise AnswerConflict(current, position, reason) from error
    db.session.add(ProposalAnswerRevision(
        proposal_id=proposal.id, organisation_id=organisation_id, position=position,
        reason=reason, proposal_version=proposal.current_version,
        answered_by_id=membership.user_id, answered_at=now,
    ))  # fmt: skip
    if position == OBJECT:
        organisation = db.session.get(Organisation, organisation_id)
        notify(
            [proposal.proposer_id], partnership_id=proposal.partnership_id,
            kind="decision_objection", object_type="decision", object_id=proposal.id,
            url=_proposal_path(proposal) + "#tally",
            params={"title": _label(proposal), "organisation": organisation.name,
                    "reason": reason[:300]},
            actor_id=membership.user_id,
        )  # fmt: skip
    db.session.flush()
    if _complete(proposal):
        close_proposal(proposal, now, early=True)
    db.session.commit()
    return answer


def _complete(proposal: Proposal) -> bool:
    """Whether it closes early: every organisation asked has answered, and, by consent, no
    objection stands (an objection invites an amendment until the closing time)."""
    counts = tally(proposal)
    return counts.pending == 0 and (proposal.method == MAJORITY or counts.object == 0)


def amend_proposal(proposal: Proposal, user_id: int, data: dict, reason: str) -> ProposalVersion:
    """A new version of the text; every organisation is asked again, with the reason."""
    if proposal.proposer_id != user_id:
        raise ServiceError(_l("Only the proposer amends the proposal."))
    if proposal.status != OPEN:
        raise ServiceError(closed_message(proposal))
    clean = _clean_text(data)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Explain why you amend the proposal."), "reason")
    if len(reason) > REASON_LIMIT:
        raise ServiceError(_l("Use at most %(n)s characters.", n=REASON_LIMIT), "reason")
    if all(clean[name] == getattr(proposal, name) for name in clean):
        raise ServiceError(_l("Change the text of the proposal."), "text")
    changes = {name: [getattr(proposal, name), value] for name, value in clean.items()
               if getattr(proposal, name) != value}  # fmt: skip
    for name, value in clean.items():
        setattr(proposal, name, value)
    proposal.current_version += 1
    changes["reason"] = [None, reason]
    version = ProposalVersion(proposal_id=proposal.id, number=proposal.current_version,
                              reason=reason, created_by_id=user_id, **clean)  # fmt: skip
    db.session.add(version)
    record("amend", proposal, partnership_id=proposal.partnership_id, actor_id=user_id,
           changes=changes)  # fmt: skip
    asked = asked_ids([proposal.id])[proposal.id]
    deciders = deciders_of(proposal.partnership_id, asked)
    notify(
        [uid for uids in deciders.values() for uid in uids],
        partnership_id=proposal.partnership_id, kind="decision_amended", object_type="decision",
        object_id=proposal.id, url=_proposal_path(proposal),
        params={"title": _label(proposal), "reason": reason[:300]}, actor_id=user_id,
    )  # fmt: skip
    db.session.commit()
    return version


def close_proposal(proposal: Proposal, now: datetime, early: bool = False,
                   actor_id: int | None = None) -> None:  # fmt: skip
    """Close at the closing time (or early, when every organisation answered) with the
    result of the answers; the proposer is asked to state the outcome. The caller commits."""
    if proposal.status != OPEN:
        return
    proposal.status = CLOSED
    proposal.closed_at = min(now, proposal.closes_at) if not early else now
    proposal.result = PASSED if tally(proposal).passes else NOT_PASSED
    record("close", proposal, partnership_id=proposal.partnership_id, actor_id=actor_id)
    notify(
        [proposal.proposer_id], partnership_id=proposal.partnership_id, kind="decision_closed",
        object_type="decision", object_id=proposal.id, url=_proposal_path(proposal) + "#outcome",
        params={"title": _label(proposal), "result": proposal.result},
    )  # fmt: skip


def close_due(partnership_id: int | None = None, now: datetime | None = None) -> int:
    """Close the open proposals whose closing time passed (the scheduled `flask notify
    send`, and the first request after the closing time); commits when it closed any."""
    now = now or utcnow()
    query = select(Proposal).where(Proposal.status == OPEN, Proposal.closes_at <= now)
    if partnership_id is not None:
        query = query.where(Proposal.partnership_id == partnership_id)
    due = list(db.session.execute(query.order_by(Proposal.id)).scalars())
    for proposal in due:
        close_proposal(proposal, now)
    if due:
        db.session.commit()
    return len(due)


def state_outcome(
    proposal: Proposal, user_id: int, outcome: str, text: str, review_on: date | None,
    now: datetime | None = None,
) -> None:  # fmt: skip
    """The proposer states the outcome: adopted (only when it passed), rejected, or
    withdrawn (also while it is open), with a text and an optional review date."""
    now = now or utcnow()
    if proposal.proposer_id != user_id:
        raise ServiceError(_l("Only the proposer states the outcome."))
    if proposal.outcome is not None:
        raise ServiceError(_l("The outcome has been stated already."))
    if outcome not in OUTCOMES:
        raise ServiceError(_l("Choose the outcome."), "outcome")
    if proposal.status == OPEN and proposal.closes_at <= now:
        close_proposal(proposal, now)
    if proposal.status == OPEN and outcome != WITHDRAWN:
        raise ServiceError(_l("The proposal is still open: you can only withdraw it now."),
                           "outcome")  # fmt: skip
    if outcome == ADOPTED and proposal.result != PASSED:
        raise ServiceError(_l("The proposal did not pass, so it cannot be adopted."), "outcome")
    text = (text or "").strip()
    if not text:
        raise ServiceError(_l("Describe the outcome."), "outcome_text")
    if len(text) > TEXT_LIMITS["rationale"]:
        raise ServiceError(_l("Use at most %(n)s characters.", n=TEXT_LIMITS["rationale"]),
                           "outcome_text")  # fmt: skip
    if review_on is not None and review_on <= today():
        raise ServiceError(_l("The review date must lie after today."), "review_on")
    if proposal.status == OPEN:  # withdrawn while open
        close_proposal(proposal, now, early=True, actor_id=user_id)
    proposal.outcome, proposal.outcome_text = outcome, text
    proposal.review_on = review_on if outcome == ADOPTED else None
    proposal.outcome_at = now
    record("outcome", proposal, partnership_id=proposal.partnership_id, actor_id=user_id)
    organisations = [row[0] for row in db.session.execute(
        select(ProposalOrganisation.organisation_id).where(ProposalOrganisation.proposal_id == proposal.id)
    )]  # fmt: skip
    deciders = deciders_of(proposal.partnership_id, organisations)
    notify(
        [uid for uids in deciders.values() for uid in uids],
        partnership_id=proposal.partnership_id, kind="decision_outcome", object_type="decision",
        object_id=proposal.id, url=_proposal_path(proposal) + "#outcome",
        params={"title": _label(proposal), "outcome": outcome}, actor_id=user_id,
    )  # fmt: skip
    db.session.commit()


def _require_adopted(proposal: Proposal, user_id: int) -> None:
    if proposal.proposer_id != user_id:
        raise ServiceError(_l("Only the proposer takes an adopted proposal further."))
    if proposal.outcome != ADOPTED:
        raise ServiceError(
            _l("Only an adopted proposal becomes an agreement or a manifest change.")
        )
    if proposal.agreement_id or proposal.change_proposal_id:
        raise ServiceError(_l("Something has been made of this proposal already."))


def _summary(text: str) -> str:
    """The first line of the proposed text, without Markdown marks, as one sentence."""
    for line in text.splitlines():
        line = line.strip().lstrip("#>*- ").strip()
        if line:
            return line[:500]
    return text[:500]


def adopt_as_agreement(proposal: Proposal, user_id: int):
    """A draft agreement in one step: the proposed text, the deciding organisations as
    parties and the review date as its revisit date; each links to the other."""
    _require_adopted(proposal, user_id)
    parties = asked_ids([proposal.id])[proposal.id]
    label = f"{proposal.reference} {proposal.title}"
    agreement = agreements.create_agreement(
        proposal.partnership_id,
        {
            "title": proposal.title, "summary": _summary(proposal.text),
            "explanation": proposal.text, "kind": WORKABLE, "start_on": today(),
            "revisit_on": proposal.review_on or today() + DEFAULT_REVISIT,
            "parties": parties, "owner_id": user_id, "origin": label[:500],
            "change_note": str(_l("Adopted by the organisations: %(ref)s", ref=proposal.reference)),
        },
        user_id, origin_type="decision", origin_id=proposal.id, origin_label=label, commit=False,
    )  # fmt: skip
    proposal.agreement_id = agreement.id
    record("make_agreement", proposal, partnership_id=proposal.partnership_id, actor_id=user_id,
           changes={"agreement_id": [None, agreement.id]})  # fmt: skip
    db.session.commit()
    return agreement


def adopt_as_manifest_change(proposal: Proposal, user_id: int):
    """A proposal to add a principle to the manifest, with the decision as its reason."""
    _require_adopted(proposal, user_id)
    label = f"{proposal.reference} {proposal.title}"
    change = manifest.propose_change(
        proposal.partnership_id, user_id, None,
        {"title": proposal.title, "core_sentence": _summary(proposal.text),
         "explanation": proposal.text},
        str(_l("Adopted by the organisations (%(ref)s): %(text)s", ref=proposal.reference,
               text=proposal.outcome_text))[:5000],
        origin_type="decision", origin_id=proposal.id, origin_label=label, commit=False,
    )  # fmt: skip
    db.session.flush()
    proposal.change_proposal_id = change.id
    record("make_agreement", proposal, partnership_id=proposal.partnership_id, actor_id=user_id,
           changes={"change_proposal_id": [None, change.id]})  # fmt: skip
    db.session.commit()
    return change


def set_archived(proposal: Proposal, membership: Membership, archived: bool) -> None:
    """Archive (or restore) a closed proposal; its proposer or a programme manager does."""
    if proposal.proposer_id != membership.user_id and not may_propose_for_partnership(membership):
        raise ServiceError(_l("Only the proposer or a programme manager archives a proposal."))
    if proposal.status == OPEN:
        raise ServiceError(_l("An open proposal cannot be archived. Withdraw it first."))
    if archived == (proposal.archived_at is not None):
        raise ServiceError(
            _l("This proposal is already archived.") if archived
            else _l("This proposal is not archived.")
        )  # fmt: skip
    proposal.archived_at = utcnow() if archived else None
    record("archive" if archived else "restore", proposal,
           partnership_id=proposal.partnership_id, actor_id=membership.user_id)  # fmt: skip
    db.session.commit()


# --- reminders and the dashboard ----------------------------------------------------------


def remind_closing(on: date) -> int:
    """Deciders of organisations that have not answered, 3 days and 1 day before closing."""
    horizon = datetime.combine(on + timedelta(days=max(REMINDER_STAGES) + 1), datetime.min.time())
    proposals = list(
        db.session.execute(
            select(Proposal).where(Proposal.status == OPEN, Proposal.closes_at < to_utc(horizon))
        ).scalars()
    )
    added = 0
    asked = asked_ids([p.id for p in proposals])
    for proposal in proposals:
        days_left = (local(proposal.closes_at).date() - on).days
        if days_left < 0 or days_left > max(REMINDER_STAGES):
            continue
        stage = min(s for s in REMINDER_STAGES if days_left <= s)
        answered = set(
            db.session.execute(
                select(ProposalAnswer.organisation_id).where(
                    ProposalAnswer.proposal_id == proposal.id,
                    ProposalAnswer.proposal_version == proposal.current_version,
                )
            ).scalars()
        )
        waiting = [oid for oid in asked[proposal.id] if oid not in answered]
        deciders = deciders_of(proposal.partnership_id, waiting)
        added += notify(
            [uid for uids in deciders.values() for uid in uids],
            partnership_id=proposal.partnership_id, kind="decision_reminder",
            object_type="decision", object_id=proposal.id, url=_proposal_path(proposal),
            params={"title": _label(proposal), "date": local(proposal.closes_at).date().isoformat()},
            key=f"decision:{proposal.id}:{proposal.current_version}:{stage}",
        )  # fmt: skip
    return added


def awaiting(membership: Membership, limit: int = 5) -> tuple[int, list[Proposal]]:
    """Open proposals on which the member's organisation has yet to answer, when the member
    answers for it: the dashboard's "decisions your organisation still has to answer"."""
    if not may_decide(membership, membership.organisation_id):
        return 0, []
    answered = (
        select(ProposalAnswer.id)
        .where(
            ProposalAnswer.proposal_id == Proposal.id,
            ProposalAnswer.organisation_id == membership.organisation_id,
            ProposalAnswer.proposal_version == Proposal.current_version,
        )
        .exists()
    )
    asked = select(ProposalOrganisation.proposal_id).where(
        ProposalOrganisation.organisation_id == membership.organisation_id
    )
    query = visible_proposals(membership).where(
        Proposal.status == OPEN, Proposal.closes_at > utcnow(), Proposal.id.in_(asked), ~answered
    )
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    if not total:
        return 0, []
    return total, list(
        db.session.execute(query.order_by(Proposal.closes_at).limit(limit)).scalars()
    )


# --- what came of a table, what a period brought ----------------------------------------------


def outcomes_of_table(table: ThematicTable) -> list[Proposal]:
    return list(
        db.session.execute(
            select(Proposal)
            .where(Proposal.table_id == table.id, Proposal.outcome.is_not(None),
                   Proposal.archived_at.is_(None))
            .order_by(Proposal.outcome_at.desc())
        ).scalars()
    )  # fmt: skip


def decided_between(partnership_id: int, start: datetime, end: datetime, limit: int = 20):
    """Proposals whose outcome was stated in the period: (count, first `limit`)."""
    query = select(Proposal).where(
        Proposal.partnership_id == partnership_id, Proposal.outcome.is_not(None),
        Proposal.outcome_at.between(start, end),
    )  # fmt: skip
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = list(db.session.execute(query.order_by(Proposal.outcome_at).limit(limit)).scalars())
    return total, rows
