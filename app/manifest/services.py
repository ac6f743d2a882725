"""Use cases of the manifest: drafts, principles, adoption, endorsement, proposals."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.activity.notifications import notify
from app.activity.services import record
from app.diff import side_by_side
from app.errors import ServiceError
from app.extensions import db
from app.kept import kept_value
from app.manifest.links import linked_principle_ids
from app.manifest.models import (
    ACCEPTED,
    ADOPTED,
    DECLINED,
    DRAFT,
    OPEN,
    ChangeProposal,
    Endorsement,
    ManifestVersion,
    Principle,
    PrincipleText,
    ProposalComment,
)
from app.partnerships.models import Membership, Organisation, Participation, Partnership
from app.timeutil import utcnow
from app.urls import path_in

LIMITS = {
    "title": 200,
    "core_sentence": 500,
    "origin": 500,
    "explanation": 20000,
    "practice": 20000,
}


# --- reading ------------------------------------------------------------------------


def current_version(partnership_id: int) -> ManifestVersion | None:
    """The adopted version members read by default: the newest adopted one."""
    values = {"partnership_id": partnership_id}
    return db.session.execute(_current_statement(), values).scalar_one_or_none()


@cache
def _current_statement():
    """Built once: every review page and the manifest read the current version."""
    return (
        select(ManifestVersion)
        .options(joinedload(ManifestVersion.adopted_by))
        .where(
            ManifestVersion.partnership_id == bindparam("partnership_id"),
            ManifestVersion.status == ADOPTED,
        )
        .order_by(ManifestVersion.number.desc())
        .limit(1)
    )


def draft_version(partnership_id: int) -> ManifestVersion | None:
    return db.session.execute(
        select(ManifestVersion).where(
            ManifestVersion.partnership_id == partnership_id, ManifestVersion.status == DRAFT
        )
    ).scalar_one_or_none()


def version_by_number(partnership_id: int, number: int) -> ManifestVersion | None:
    return db.session.execute(
        select(ManifestVersion)
        .options(selectinload(ManifestVersion.texts), joinedload(ManifestVersion.adopted_by))
        .where(ManifestVersion.partnership_id == partnership_id, ManifestVersion.number == number)
    ).scalar_one_or_none()


def all_versions(partnership_id: int) -> list[ManifestVersion]:
    return list(
        db.session.execute(
            select(ManifestVersion)
            .options(joinedload(ManifestVersion.adopted_by))
            .where(ManifestVersion.partnership_id == partnership_id)
            .order_by(ManifestVersion.number.desc())
        ).scalars()
    )


def texts_of(version: ManifestVersion) -> list[PrincipleText]:
    return sorted(version.texts, key=lambda t: t.position)


def principle_choices(partnership_id: int) -> list[tuple[int, str]]:
    """(principle id, "n. title") of the current adopted version, for forms of other areas
    (kept until the manifest changes: every agreement and risk page reads it)."""

    def make() -> tuple[tuple[int, str], ...]:
        version = current_version(partnership_id)
        if version is None:
            return ()
        return tuple((t.principle_id, f"{t.position}. {t.title}") for t in texts_of(version))

    return list(kept_value(("principle choices", partnership_id), make))


def linked_principles(
    partnership_id: int, source_type: str, source_id: int, relation: str
) -> list[tuple[int, str | None]]:
    """(principle id, "n. title") of the principles an object is linked to, as an object's
    page shows them (the title None for one not in the current adopted version)."""
    labels = dict(principle_choices(partnership_id))
    linked = linked_principle_ids(source_type, source_id, relation)
    return [(pid, labels.get(pid)) for pid in linked]


@dataclass
class EndorsementRow:
    organisation: Organisation
    endorsement: Endorsement | None


def endorsement_status(version: ManifestVersion) -> list[EndorsementRow]:
    """Every active organisation of the partnership with its endorsement of the version."""
    endorsements = {
        e.organisation_id: e
        for e in db.session.execute(
            select(Endorsement)
            .options(joinedload(Endorsement.user))
            .where(Endorsement.manifest_version_id == version.id)
        ).scalars()
    }
    organisations = db.session.execute(
        select(Organisation)
        .join(Participation)
        .where(
            Participation.partnership_id == version.partnership_id, Participation.active.is_(True)
        )
        .order_by(Organisation.name)
    ).scalars()
    return [EndorsementRow(o, endorsements.get(o.id)) for o in organisations]


def missing_endorsements(version: ManifestVersion) -> int:
    """How many active organisations have not endorsed the version (one query)."""
    endorsed = select(Endorsement.organisation_id).where(
        Endorsement.manifest_version_id == version.id
    )
    return db.session.execute(
        select(func.count(Participation.id)).where(
            Participation.partnership_id == version.partnership_id,
            Participation.active.is_(True),
            Participation.organisation_id.not_in(endorsed),
        )
    ).scalar_one()


def principle_history(principle: Principle) -> list[PrincipleText]:
    """The principle's text in every version that has it, newest first."""
    return list(
        db.session.execute(
            select(PrincipleText)
            .join(ManifestVersion)
            .options(joinedload(PrincipleText.manifest_version))
            .where(PrincipleText.principle_id == principle.id)
            .order_by(ManifestVersion.number.desc())
        ).scalars()
    )


# --- the draft -------------------------------------------------------------------------


def _require_draft(version: ManifestVersion) -> None:
    if version.status != DRAFT:
        raise ServiceError(
            _l("Version %(n)s has been adopted and can no longer be changed.", n=version.number)
        )


def _clean(fields: dict) -> dict:
    """Trimmed principle fields; empty title or core sentence and overlong text refused."""
    clean = {name: (fields.get(name) or "").strip() for name in PrincipleText.CONTENT_FIELDS}
    if not clean["title"]:
        raise ServiceError(_l("Enter a title."), "title")
    if not clean["core_sentence"]:
        raise ServiceError(_l("Enter the principle in one sentence."), "core_sentence")
    for name, limit in LIMITS.items():
        if len(clean[name]) > limit:
            raise ServiceError(_l("Use at most %(n)s characters.", n=limit), name)
    return clean


def open_draft(partnership: Partnership, user_id: int) -> ManifestVersion:
    """Start the next version as a copy of the current adopted one (or empty)."""
    if draft_version(partnership.id) is not None:
        raise ServiceError(_l("There is already a draft. Continue with that one."))
    current = current_version(partnership.id)
    highest = db.session.execute(
        select(func.max(ManifestVersion.number)).where(
            ManifestVersion.partnership_id == partnership.id
        )
    ).scalar_one()
    draft = ManifestVersion(
        partnership_id=partnership.id,
        number=(highest or 0) + 1,
        status=DRAFT,
        preamble=current.preamble if current else "",
        created_by_id=user_id,
    )
    db.session.add(draft)
    if current is not None:
        for text in texts_of(current):
            db.session.add(
                PrincipleText(
                    manifest_version=draft,
                    principle_id=text.principle_id,
                    position=text.position,
                    **text.content(),
                )
            )
    record("create", draft, partnership_id=partnership.id)
    db.session.commit()
    return draft


def update_preamble(version: ManifestVersion, preamble: str) -> None:
    _require_draft(version)
    preamble = (preamble or "").strip()
    if len(preamble) > 20000:
        raise ServiceError(_l("Use at most %(n)s characters.", n=20000), "preamble")
    version.preamble = preamble
    record("update", version, partnership_id=version.partnership_id)
    db.session.commit()


def add_principle(version: ManifestVersion, fields: dict) -> PrincipleText:
    _require_draft(version)
    clean = _clean(fields)
    principle = Principle(partnership_id=version.partnership_id)
    db.session.add(principle)
    text = PrincipleText(
        manifest_version=version,
        principle=principle,
        position=len(version.texts) + 1,
        **clean,
    )
    db.session.add(text)
    record("create", text, partnership_id=version.partnership_id)
    db.session.commit()
    return text


def update_principle(text: PrincipleText, fields: dict) -> None:
    _require_draft(text.manifest_version)
    clean = _clean(fields)
    for name, value in clean.items():
        setattr(text, name, value)
    record("update", text, partnership_id=text.manifest_version.partnership_id)
    db.session.commit()


def move_principle(text: PrincipleText, position: int | str | None) -> None:
    """Put a principle at position (1..n); the others shift."""
    version = text.manifest_version
    _require_draft(version)
    texts = texts_of(version)
    try:
        target = int(position)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        target = 0
    if not 1 <= target <= len(texts):
        raise ServiceError(_l("Choose a position from 1 to %(n)s.", n=len(texts)), "position")
    old = text.position
    texts.remove(text)
    texts.insert(target - 1, text)
    for index, item in enumerate(texts, start=1):
        item.position = index
    record(
        "move",
        text,
        partnership_id=version.partnership_id,
        changes={"position": [old, target]},
    )
    db.session.commit()


def retire_principle(text: PrincipleText) -> None:
    """Leave a principle out of the draft; it stays in the versions that had it."""
    version = text.manifest_version
    _require_draft(version)
    record(
        "retire",
        text,
        partnership_id=version.partnership_id,
        changes={"title": [text.title, None]},
    )
    db.session.delete(text)
    db.session.flush()
    for index, item in enumerate(
        sorted((t for t in version.texts if t is not text), key=lambda t: t.position), start=1
    ):
        item.position = index
    db.session.commit()


def retired_principles(version: ManifestVersion) -> list[PrincipleText]:
    """Principles of the previous adopted version that the draft leaves out."""
    current = current_version(version.partnership_id)
    if current is None or current.id == version.id:
        return []
    present = {t.principle_id for t in version.texts}
    return [t for t in texts_of(current) if t.principle_id not in present]


def reinstate_principle(version: ManifestVersion, principle_id: int) -> None:
    _require_draft(version)
    source = next((t for t in retired_principles(version) if t.principle_id == principle_id), None)
    if source is None:
        raise ServiceError(_l("This principle cannot be brought back."))
    text = PrincipleText(
        manifest_version=version,
        principle_id=principle_id,
        position=len(version.texts) + 1,
        **source.content(),
    )
    db.session.add(text)
    record("reinstate", text, partnership_id=version.partnership_id)
    db.session.commit()


def adopt(version: ManifestVersion, note: str, user_id: int) -> None:
    """Adopt the draft: it becomes the version members read, read-only from now on."""
    _require_draft(version)
    note = (note or "").strip()
    if not version.texts:
        raise ServiceError(
            _l("A manifest without principles cannot be adopted. Add a principle first.")
        )
    if not note:
        raise ServiceError(_l("Write a note on what this version changes and who decided."), "note")
    version.status = ADOPTED
    version.adopted_at = utcnow()
    version.adopted_by_id = user_id
    version.adoption_note = note
    record("adopt", version, partnership_id=version.partnership_id)
    _notify_adopted(version, user_id)
    db.session.commit()


def _notify_adopted(version: ManifestVersion, user_id: int) -> None:
    """Bestuurders of organisations that have not endorsed the new version are asked to."""
    endorsed = select(Endorsement.organisation_id).where(
        Endorsement.manifest_version_id == version.id
    )
    board = db.session.execute(
        select(Membership.user_id).where(
            Membership.partnership_id == version.partnership_id, Membership.role == "bestuurder",
            Membership.active.is_(True), Membership.organisation_id.not_in(endorsed),
        )
    ).scalars()  # fmt: skip
    notify(board, partnership_id=version.partnership_id, kind="manifest_adopted",
           object_type="manifest", object_id=version.id,
           url=path_in(version.partnership_id, "manifest.version", number=version.number),
           params={"number": version.number}, actor_id=user_id)  # fmt: skip


def _notify_decided(proposal: ChangeProposal, user_id: int) -> None:
    notify([proposal.author_id], partnership_id=proposal.partnership_id,
           kind="proposal_accepted" if proposal.status == ACCEPTED else "proposal_declined",
           object_type="proposal", object_id=proposal.id,
           url=path_in(proposal.partnership_id, "manifest.proposal", proposal_id=proposal.id),
           params={"title": proposal.title}, actor_id=user_id)  # fmt: skip


# --- endorsement ---------------------------------------------------------------------


def endorse(version: ManifestVersion, membership: Membership, note: str = "") -> Endorsement:
    """The bestuurder records their organisation's endorsement of the current version."""
    if membership.role != "bestuurder":
        raise ServiceError(_l("Only a bestuurder can endorse on behalf of an organisation."))
    current = current_version(version.partnership_id)
    if current is None or current.id != version.id:
        raise ServiceError(_l("Only the current adopted version can be endorsed."))
    exists = db.session.execute(
        select(Endorsement).where(
            Endorsement.manifest_version_id == version.id,
            Endorsement.organisation_id == membership.organisation_id,
        )
    ).scalar_one_or_none()
    if exists is not None:
        raise ServiceError(
            _l("%(organisation)s has already endorsed version %(n)s.",
               organisation=membership.organisation.name, n=version.number)
        )  # fmt: skip
    endorsement = Endorsement(
        manifest_version_id=version.id,
        organisation_id=membership.organisation_id,
        user_id=membership.user_id,
        note=(note or "").strip()[:2000],
    )
    db.session.add(endorsement)
    record("create", endorsement, partnership_id=version.partnership_id)
    db.session.commit()
    return endorsement


# --- change proposals --------------------------------------------------------------------


def propose_change(
    partnership_id: int,
    author_id: int,
    principle_id: int | None,
    fields: dict,
    reason: str,
    *,
    origin_type: str | None = None,
    origin_id: int | None = None,
    origin_label: str = "",
    commit: bool = True,
) -> ChangeProposal:
    """Propose new wording for a principle (principle_id) or a new principle (None).

    Other areas call this with an origin (e.g. a triple-loop lesson: origin_type
    "lesson", its id and a label); the proposal keeps and shows it.
    """
    if principle_id is not None:
        principle = db.session.get(Principle, principle_id)
        if principle is None or principle.partnership_id != partnership_id:
            raise ServiceError(_l("Choose a principle of this partnership."), "principle_id")
    clean = _clean({**fields, "origin": ""})
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Explain why you propose this."), "reason")
    if len(reason) > 5000:
        raise ServiceError(_l("Use at most %(n)s characters.", n=5000), "reason")
    proposal = ChangeProposal(
        partnership_id=partnership_id,
        principle_id=principle_id,
        title=clean["title"],
        core_sentence=clean["core_sentence"],
        explanation=clean["explanation"],
        practice=clean["practice"],
        reason=reason,
        origin_type=origin_type,
        origin_id=origin_id,
        origin_label=origin_label[:300],
        author_id=author_id,
    )
    db.session.add(proposal)
    record("create", proposal, partnership_id=partnership_id, actor_id=author_id)
    if commit:
        db.session.commit()
    return proposal


def comment_on_proposal(proposal: ChangeProposal, author_id: int, body: str) -> ProposalComment:
    body = (body or "").strip()
    if not body:
        raise ServiceError(_l("Write a comment."), "body")
    if len(body) > 10000:
        raise ServiceError(_l("Use at most %(n)s characters.", n=10000), "body")
    comment = ProposalComment(proposal=proposal, author_id=author_id, body=body)
    db.session.add(comment)
    record("create", comment, partnership_id=proposal.partnership_id)
    db.session.commit()
    return comment


def _require_open(proposal: ChangeProposal) -> None:
    if proposal.status != OPEN:
        raise ServiceError(_l("This proposal has already been decided."))


def accept_proposal(
    proposal: ChangeProposal, user_id: int, partnership: Partnership
) -> ManifestVersion:
    """Take the proposal into the draft (opening one when there is none)."""
    _require_open(proposal)
    draft = draft_version(proposal.partnership_id)
    if draft is None:
        current = current_version(proposal.partnership_id)
        in_current = current is not None and any(
            t.principle_id == proposal.principle_id for t in current.texts
        )
        if proposal.principle_id is not None and not in_current:
            raise ServiceError(_l("The manifest no longer contains this principle."))
        draft = open_draft(partnership, user_id)
    fields = {
        "title": proposal.title,
        "core_sentence": proposal.core_sentence,
        "explanation": proposal.explanation,
        "practice": proposal.practice,
    }
    if proposal.principle_id is None:
        origin = _l("Change proposal %(id)s", id=proposal.id)
        text = PrincipleText(
            manifest_version=draft,
            principle=Principle(partnership_id=proposal.partnership_id),
            position=len(draft.texts) + 1,
            origin=str(origin),
            **fields,
        )
        db.session.add(text)
    else:
        text = next((t for t in draft.texts if t.principle_id == proposal.principle_id), None)
        if text is None:
            raise ServiceError(
                _l("The draft no longer contains this principle. Bring it back first.")
            )
        for name, value in fields.items():
            setattr(text, name, value)
    proposal.status = ACCEPTED
    proposal.decided_by_id = user_id
    proposal.decided_at = utcnow()
    proposal.accepted_into_id = draft.id
    record("accept", proposal, partnership_id=proposal.partnership_id)
    _notify_decided(proposal, user_id)
    db.session.commit()
    return draft


def decline_proposal(proposal: ChangeProposal, user_id: int, reason: str) -> None:
    _require_open(proposal)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Give the reason for declining."), "reason")
    proposal.status = DECLINED
    proposal.decided_by_id = user_id
    proposal.decided_at = utcnow()
    proposal.decision_reason = reason[:5000]
    record("decline", proposal, partnership_id=proposal.partnership_id)
    _notify_decided(proposal, user_id)
    db.session.commit()


def proposals_query(partnership_id: int, status: str = OPEN):
    query = (
        select(ChangeProposal)
        .options(joinedload(ChangeProposal.author), joinedload(ChangeProposal.decided_by))
        .where(ChangeProposal.partnership_id == partnership_id)
        .order_by(ChangeProposal.created_at.desc(), ChangeProposal.id.desc())
    )
    if status in (OPEN, ACCEPTED, DECLINED):
        query = query.where(ChangeProposal.status == status)
    return query


# --- comparing versions -----------------------------------------------------------------


@dataclass
class ComparedPrinciple:
    principle_id: int
    old: PrincipleText | None
    new: PrincipleText | None
    change: str  # unchanged, changed, moved, added, retired
    fields: list  # (label key, old marked, new marked, changed?)


def compare(old: ManifestVersion, new: ManifestVersion) -> list[ComparedPrinciple]:
    """Per principle: how it differs between two versions, words marked."""
    old_texts = {t.principle_id: t for t in old.texts}
    new_texts = {t.principle_id: t for t in new.texts}
    order = [t.principle_id for t in texts_of(new)] + [
        t.principle_id for t in texts_of(old) if t.principle_id not in new_texts
    ]
    rows = []
    for pid in order:
        a, b = old_texts.get(pid), new_texts.get(pid)
        fields = []
        for name in PrincipleText.CONTENT_FIELDS:
            left, right = side_by_side(getattr(a, name, "") or "", getattr(b, name, "") or "")
            fields.append((name, left, right, (a and getattr(a, name)) != (b and getattr(b, name))))
        if a is None:
            change = "added"
        elif b is None:
            change = "retired"
        elif a.content() != b.content():
            change = "changed"
        elif a.position != b.position:
            change = "moved"
        else:
            change = "unchanged"
        rows.append(ComparedPrinciple(pid, a, b, change, fields))
    return rows


def has_endorsed(version: ManifestVersion, organisation_id: int) -> bool:
    return (
        db.session.execute(
            select(Endorsement.id).where(
                Endorsement.manifest_version_id == version.id,
                Endorsement.organisation_id == organisation_id,
            )
        ).first()
        is not None
    )
