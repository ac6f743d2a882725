"""`flask seed demo`: load seeds/*.yaml idempotently (a second run changes nothing)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from importlib import import_module
from pathlib import Path

import click
import yaml
from flask.cli import AppGroup
from sqlalchemy import func, insert, select, update

from app import timeutil
from app.activity.services import record
from app.agreements import services as agreements
from app.agreements.models import CONCEPT, ENDED, Agreement, AgreementVersion, Revisit
from app.auth.models import User, normalise_email
from app.cycles import services as cycles
from app.cycles.models import Cycle, Indicator
from app.decisions import services as decisions
from app.decisions.models import DecisionMandate, Proposal, ProposalAnswer, ProposalVersion
from app.documents import services as documents
from app.documents.models import Document
from app.exports.pdf import render_pdf
from app.extensions import db
from app.manifest.links import linked_principle_ids
from app.manifest.models import (
    ADOPTED,
    ChangeProposal,
    Endorsement,
    ManifestVersion,
    Principle,
    PrincipleText,
)
from app.manifest.services import current_version
from app.markdown import render_markdown
from app.partnerships.models import Membership, Organisation, Participation, Partnership
from app.partnerships.services import add_organisation, create_partnership
from app.policy import TABLE_MANAGE
from app.reviews import services as reviews
from app.reviews.models import Review
from app.risks import services as risks
from app.risks.models import Risk
from app.search.services import reindex_all
from app.tables import services as tables
from app.tables.models import (
    Comment,
    Conversation,
    ConversationEvent,
    Meeting,
    MeetingAttendee,
    MeetingDecision,
    TableMember,
    ThematicTable,
)
from app.timeutil import today, utcnow

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


class SeedGroup(AppGroup):
    """`flask seed`: the demo here, and commands that live elsewhere, loaded by name only
    when they run (click's lazy subcommands): `flask seed scale` is the benchmark's data
    generator (bench/scale.py, 1,900 lines), which no web worker needs."""

    LAZY = {"scale": ("bench.scale", "scale_command")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            module, attribute = self.LAZY[name]
            return getattr(import_module(module), attribute)
        return super().get_command(ctx, name)


seed_cli = SeedGroup("seed", help="Load demo data.")


def load_demo(path: Path = SEEDS / "demo.yaml") -> int:
    """Load the demo; returns how many objects were created or changed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    changed = 0
    partnerships: dict[str, Partnership] = {}
    for spec in data["partnerships"]:
        partnership = db.session.execute(
            select(Partnership).where(Partnership.slug == spec["slug"])
        ).scalar_one_or_none()
        if partnership is None:
            partnership = create_partnership(spec["name"], spec["slug"], spec["description"])
            changed += 1
        partnerships[spec["slug"]] = partnership
        for org in spec["organisations"]:
            participates = db.session.execute(
                select(Participation)
                .join(Organisation)
                .where(
                    Participation.partnership_id == partnership.id,
                    Organisation.name == org["name"],
                )
            ).scalar_one_or_none()
            if participates is None:
                add_organisation(partnership, org["name"], org["kind"], commit=False)
                changed += 1

    for spec in data["users"]:
        email = normalise_email(spec["email"])
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, name=spec["name"], session_token=secrets.token_hex(16))
            user.set_password(data["password"])
            db.session.add(user)
            record("create", user)
            changed += 1
        beheerder = any(m["role"] == "beheerder" for m in spec["memberships"])
        if beheerder and not user.totp_secret and data.get("totp_secret"):
            user.totp_secret = data["totp_secret"]
            user.totp_enabled_at = utcnow()
            changed += 1
        for m in spec["memberships"]:
            partnership = partnerships[m["partnership"]]
            exists = db.session.execute(
                select(Membership.id).where(
                    Membership.user_id == user.id, Membership.partnership_id == partnership.id
                )
            ).first()
            if exists:
                continue
            organisation = db.session.execute(
                select(Organisation).where(Organisation.name == m["organisation"])
            ).scalar_one()
            membership = Membership(
                user=user, partnership=partnership, organisation=organisation, role=m["role"]
            )
            db.session.add(membership)
            record("create", membership, partnership_id=partnership.id)
            changed += 1
    db.session.commit()
    changed += load_manifests(SEEDS / "manifest.yaml")
    changed += load_agreements(SEEDS / "agreements.yaml")
    changed += load_risks(SEEDS / "risks.yaml")
    changed += load_tables(SEEDS / "tables.yaml")
    changed += load_reviews(SEEDS / "reviews.yaml")
    changed += load_cycles(SEEDS / "cycles.yaml")
    changed += load_decisions(SEEDS / "decisions.yaml")
    changed += load_documents(SEEDS / "documents.yaml")
    if changed:
        # Some demo parts are loaded in bulk, past the services that keep the index current.

        reindex_all()
    return changed


def _adopted_at(day) -> datetime:
    return datetime.combine(day, time(9, 0))


def load_manifests(path: Path) -> int:
    """Adopted manifest versions, endorsements and open proposals, for partnerships
    that have no manifest yet (so a second run changes nothing)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    changed = 0
    for spec in data["manifests"]:
        partnership = db.session.execute(
            select(Partnership).where(Partnership.slug == spec["partnership"])
        ).scalar_one()
        if db.session.execute(
            select(ManifestVersion.id).where(ManifestVersion.partnership_id == partnership.id)
        ).first():
            continue
        adopter = db.session.execute(
            select(Membership.user_id)
            .where(
                Membership.partnership_id == partnership.id,
                Membership.role == "programmamanager",
            )
            .order_by(Membership.id)
            .limit(1)
        ).scalar_one_or_none()
        principles: dict[str, Principle] = {}
        version = None
        for number, version_spec in enumerate(spec["versions"], start=1):
            version = ManifestVersion(
                partnership_id=partnership.id,
                number=number,
                status=ADOPTED,
                preamble=version_spec["preamble"].strip(),
                created_at=_adopted_at(version_spec["adopted_on"]),
                adopted_at=_adopted_at(version_spec["adopted_on"]),
                adopted_by_id=adopter,
                adoption_note=version_spec["adoption_note"],
            )
            db.session.add(version)
            for position, p in enumerate(version_spec["principles"], start=1):
                principle = principles.get(p["title"])
                if principle is None:
                    principle = principles[p["title"]] = Principle(partnership_id=partnership.id)
                db.session.add(
                    PrincipleText(
                        manifest_version=version,
                        principle=principle,
                        position=position,
                        title=p["title"],
                        core_sentence=p["core_sentence"].strip(),
                        explanation=(p.get("explanation") or "").strip(),
                        origin=p.get("origin") or "",
                        practice=(p.get("practice") or "").strip(),
                    )
                )
            record("adopt", version, partnership_id=partnership.id, actor_id=adopter)
            changed += 1
        for name in spec.get("endorsements", []):
            bestuurder = db.session.execute(
                select(Membership)
                .join(Organisation)
                .where(
                    Membership.partnership_id == partnership.id,
                    Membership.role == "bestuurder",
                    Organisation.name == name,
                )
                .order_by(Membership.id)
                .limit(1)
            ).scalar_one()
            endorsement = Endorsement(
                manifest_version=version,
                organisation_id=bestuurder.organisation_id,
                user_id=bestuurder.user_id,
                at=version.adopted_at + timedelta(days=14),
            )
            db.session.add(endorsement)
            record(
                "create", endorsement, partnership_id=partnership.id, actor_id=bestuurder.user_id
            )
            changed += 1
        last_texts = version_spec["principles"]
        for p in spec.get("proposals", []):
            author = db.session.execute(select(User).where(User.email == p["author"])).scalar_one()
            position = p.get("principle")
            principle = principles[last_texts[position - 1]["title"]] if position else None
            db.session.flush()
            proposal = ChangeProposal(
                partnership_id=partnership.id,
                principle_id=principle.id if principle else None,
                title=p["title"],
                core_sentence=p["core_sentence"].strip(),
                explanation=(p.get("explanation") or "").strip(),
                practice=(p.get("practice") or "").strip(),
                reason=p["reason"].strip(),
                author_id=author.id,
            )
            db.session.add(proposal)
            record("create", proposal, partnership_id=partnership.id, actor_id=author.id)
            changed += 1
    db.session.commit()
    return changed


def load_agreements(path: Path) -> int:
    """Agreements with their history (edits and revisit decisions, spread over the past).

    Dates in the file are days relative to today, so the demo always has revisits that
    are overdue and due soon. An agreement whose title exists already is skipped.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = timeutil.today()
    changed = 0

    def day(offset):
        return None if offset is None else today + timedelta(days=int(offset))

    for spec in data["agreements"]:
        partnership = db.session.execute(
            select(Partnership).where(Partnership.slug == spec["partnership"])
        ).scalar_one()
        if db.session.execute(
            select(Agreement.id).where(
                Agreement.partnership_id == partnership.id, Agreement.title == spec["title"]
            )
        ).first():
            continue
        orgs = dict(
            db.session.execute(
                select(Organisation.name, Organisation.id).where(
                    Organisation.name.in_(spec["parties"])
                )
            ).all()
        )
        owner = db.session.execute(select(User).where(User.email == spec["owner"])).scalar_one()
        manifest = current_version(partnership.id)
        titles = {t.title: t.principle_id for t in manifest.texts} if manifest else {}
        start = day(spec["start"])
        fields = {
            "title": spec["title"],
            "summary": spec["summary"],
            "explanation": (spec.get("explanation") or "").strip(),
            "kind": spec["kind"],
            "start_on": start,
            "revisit_on": day(spec.get("revisit")),
            "end_on": day(spec.get("end")),
            "parties": [orgs[name] for name in spec["parties"]],
            "owner_id": owner.id,
            "origin": spec.get("origin") or "",
            "principles": [titles[t] for t in spec.get("principles", [])],
            "change_note": "Vastgelegd bij de start van de samenwerking (demo)",
        }
        history = spec.get("history") or []
        # "revisit" is the date the agreement was made with; a decision in its history
        # was taken on that date and set the next one ("new_revisit").
        if spec["kind"] == "hard" and any(h.get("decision") == "structureel" for h in history):
            fields["kind"] = "werkbaar"
        agreement = agreements.create_agreement(partnership.id, fields, owner.id)
        moments = [
            start + (today - start) * (i + 1) / (len(history) + 1) for i in range(len(history))
        ]
        _backdate(agreement, start)
        if spec["status"] != CONCEPT:
            agreements.activate(agreement, owner.id)
        for step, moment in zip(history, moments, strict=True):
            if step["change"] == "edit":
                values = {**_current_fields(agreement), **_resolve(step.get("fields", {}), day)}
                agreements.update_agreement(agreement, values, step["note"], owner.id)
            else:
                # The decision was taken when the agreement was due.
                agreement.revisit_on = min(agreement.revisit_on or today, today)
                db.session.commit()
                amended = _resolve(step.get("fields", {}), day)
                agreements.revisit(
                    agreement, step["decision"], step["reason"], owner.id,
                    new_revisit_on=day(step.get("new_revisit")), amended=amended,
                )  # fmt: skip
            stamp = datetime.combine(moment, time(10, 0))
            db.session.execute(
                AgreementVersion.__table__.update()
                .where(
                    AgreementVersion.agreement_id == agreement.id,
                    AgreementVersion.number == agreement.current_version,
                )
                .values(created_at=stamp)
            )
            db.session.execute(
                Revisit.__table__.update()
                .where(
                    Revisit.agreement_id == agreement.id,
                    Revisit.version_number == agreement.current_version,
                )
                .values(decided_at=stamp)
            )
            db.session.commit()
        if spec["status"] == ENDED and agreement.status != ENDED:
            agreement.status = ENDED
            agreement.end_on = agreement.end_on or today
        db.session.commit()
        changed += 1
    return changed


def load_risks(path: Path) -> int:
    """Risks with their assessments over time and their measures; a title that exists
    already in the partnership is skipped."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = timeutil.today()
    changed = 0

    def day(offset):
        return None if offset is None else today + timedelta(days=int(offset))

    def user_id(email):
        return db.session.execute(select(User.id).where(User.email == email)).scalar_one()

    for spec in data["risks"]:
        partnership = db.session.execute(
            select(Partnership).where(Partnership.slug == spec["partnership"])
        ).scalar_one()
        if db.session.execute(
            select(Risk.id).where(
                Risk.partnership_id == partnership.id, Risk.title == spec["title"]
            )
        ).first():
            continue
        categories = {c.name: c.id for c in risks.categories_of(partnership.id)}
        orgs = dict(
            db.session.execute(
                select(Organisation.name, Organisation.id).where(
                    Organisation.name.in_(spec.get("bearers") or [])
                )
            ).all()
        )
        manifest = current_version(partnership.id)
        titles = {t.title: t.principle_id for t in manifest.texts} if manifest else {}
        owner = user_id(spec["owner"])
        first, *later = spec["assessments"]

        def figures(item, spec=spec):
            return {
                "inherent_likelihood": item["bruto"][0], "inherent_impact": item["bruto"][1],
                "residual_likelihood": item["netto"][0], "residual_impact": item["netto"][1],
                "residual_reason": spec.get("netto_reason") or "",
            }  # fmt: skip

        risk = risks.create_risk(
            partnership.id,
            {
                "title": spec["title"],
                "description": (spec.get("description") or "").strip(),
                "cause": spec.get("cause") or "",
                "consequence": spec.get("consequence") or "",
                "category_id": categories[spec["category"]],
                "shared": bool(spec.get("shared")),
                "bearers": [orgs[name] for name in spec.get("bearers") or []],
                "owner_id": owner,
                "strategy": spec["strategy"],
                "status": spec["status"],
                "review_on": None,
                "principles": [titles[t] for t in spec.get("principles", [])],
                "assessment_reason": first["reason"],
                **figures(first),
            },
            owner,
        )
        stamps = [datetime.combine(day(first["days"]), time(11, 0))]
        for item in later:
            risks.reassess(risk, figures(item), item["reason"], owner)
            stamps.append(datetime.combine(day(item["days"]), time(11, 0)))
        assessments = risks.assessments_of(risk)
        for assessment, stamp in zip(assessments, stamps, strict=True):
            assessment.assessed_at = stamp
        risk.created_at = stamps[0]
        risk.updated_at = stamps[-1]
        risk.review_on = day(spec.get("review"))
        db.session.commit()
        for m in spec.get("measures") or []:
            agreement_id = None
            if m.get("agreement"):
                agreement_id = db.session.execute(
                    select(Agreement.id).where(
                        Agreement.partnership_id == partnership.id,
                        Agreement.title == m["agreement"],
                    )
                ).scalar_one()
            measure = risks.add_measure(
                risk,
                {"description": m["description"], "owner_id": user_id(m["owner"]),
                 "due_on": day(m.get("due")), "status": m["status"],
                 "agreement_id": agreement_id},
                owner,
            )  # fmt: skip
            measure.created_at = stamps[0]
        db.session.commit()
        changed += 1
    return changed


def load_tables(path: Path) -> int:
    """Thematic tables with members, conversations (comments, replies, conclusions) and
    meetings; a table whose name exists already in the partnership is skipped."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = timeutil.today()
    changed = 0

    def user_id(email):
        return db.session.execute(select(User.id).where(User.email == email)).scalar_one()

    def moment(days, hour=10, minute=0):
        return datetime.combine(today + timedelta(days=int(days)), time(hour, minute))

    for spec in data["tables"]:
        partnership = db.session.execute(
            select(Partnership).where(Partnership.slug == spec["partnership"])
        ).scalar_one()
        if db.session.execute(
            select(ThematicTable.id).where(
                ThematicTable.partnership_id == partnership.id,
                ThematicTable.name == spec["name"],
            )
        ).first():
            continue
        chair = user_id(spec["chair"])
        table = tables.create_table(
            partnership.id,
            {"name": spec["name"], "theme": spec.get("theme", ""), "goal": spec.get("goal", ""),
             "chair_id": chair},
            chair,
        )  # fmt: skip
        for email in spec.get("members", []):
            uid = user_id(email)
            if not tables.is_member(table.id, uid):
                db.session.add(TableMember(table_id=table.id, user_id=uid))
        db.session.commit()
        for c in spec.get("conversations", []):
            conversation = tables.start_conversation(
                table, TABLE_MANAGE, user_id(c["author"]), c["title"], c.get("introduction", "")
            )
            conversation.created_at = moment(c["days"], 9)
            step = 0
            for item in c.get("comments", []):
                step += 1
                comment = tables.post_comment(
                    conversation, TABLE_MANAGE, user_id(item["author"]), item["body"]
                )
                comment.created_at = moment(item["days"], 9, step % 60)
                for reply in item.get("replies", []):
                    step += 1
                    posted = tables.post_comment(
                        conversation, TABLE_MANAGE, user_id(reply["author"]), reply["body"],
                        parent_id=comment.id,
                    )  # fmt: skip
                    posted.created_at = moment(reply["days"], 11, step % 60)
            generated = int(c.get("generate") or 0)
            if generated:
                _generate_comments(conversation, table, generated, moment(c["days"], 12))
            db.session.commit()
            db.session.refresh(conversation)
            last = db.session.execute(
                select(func.max(Comment.created_at)).where(
                    Comment.conversation_id == conversation.id
                )
            ).scalar_one()
            conversation.last_comment_at = last
            conclusion = c.get("conclusion")
            if conclusion:
                closer = user_id(conclusion["by"])
                tables.close_conversation(
                    conversation, TABLE_MANAGE, closer, conclusion["text"].strip()
                )
                conversation.closed_at = moment(conclusion["days"], 16)
                db.session.execute(
                    ConversationEvent.__table__.update()
                    .where(ConversationEvent.conversation_id == conversation.id)
                    .values(at=conversation.closed_at)
                )
                if conclusion.get("agreement"):
                    tables.make_agreement_from_conclusion(conversation, closer)
            # Demo readers have seen nothing yet, except the authors' own comments.
            db.session.commit()
        for m in spec.get("meetings", []):
            start_h, start_m = (int(x) for x in m["start"].split(":"))
            end_h, end_m = (int(x) for x in m["end"].split(":"))
            meeting = tables.create_meeting(
                table, TABLE_MANAGE,
                {"title": m["title"], "starts_at": moment(m["days"], start_h, start_m),
                 "ends_at": moment(m["days"], end_h, end_m), "place": m.get("place", ""),
                 "agenda": m.get("agenda", ""), "minutes": m.get("minutes", "")},
                chair,
            )  # fmt: skip
            if m["days"] < 0:
                absent = {user_id(e) for e in m.get("absent", [])}
                for attendee in db.session.execute(
                    select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting.id)
                ).scalars():
                    attendee.present = attendee.user_id not in absent
                for d in m.get("decisions", []):
                    db.session.add(
                        MeetingDecision(meeting_id=meeting.id, text=d["text"],
                                        owner_id=user_id(d["owner"]) if d.get("owner") else None)
                    )  # fmt: skip
            db.session.commit()
        changed += 1
    return changed


def load_reviews(path: Path) -> int:
    """Reviews with scores and lessons, finalised (follow-ups carried out) or left as a
    concept; a review whose title exists already in the partnership is skipped."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = timeutil.today()
    changed = 0
    for spec in data["reviews"]:
        partnership = db.session.execute(
            select(Partnership).where(Partnership.slug == spec["partnership"])
        ).scalar_one()
        if db.session.execute(
            select(Review.id).where(
                Review.partnership_id == partnership.id, Review.title == spec["title"]
            )
        ).first():
            continue
        membership = db.session.execute(
            select(Membership).join(User).where(
                Membership.partnership_id == partnership.id, User.email == spec["author"]
            )
        ).scalar_one()  # fmt: skip
        held_on = today + timedelta(days=int(spec["days"]))
        aims = spec.get("aims") or {}
        review = reviews.create_review(
            membership,
            {
                "kind": spec["kind"], "held_on": held_on, "team": spec["team"],
                "participants": "\n".join(spec.get("participants", [])), "title": spec["title"],
                "case_description": (spec.get("case_description") or "").strip(),
                "went_well": spec.get("went_well", ""), "could_be_better": spec.get("could_be_better", ""),
                **{f"aim_{aim}": text for aim, text in aims.items()},
            },
        )  # fmt: skip
        manifest = current_version(partnership.id)
        titles = {t.title: t.principle_id for t in manifest.texts} if manifest else {}
        scores = {
            titles[title]: (value[0], value[1])
            for title, value in (spec.get("scores") or {}).items()
        }
        if scores:
            reviews.set_scores(review, membership, scores)
        for lesson in spec.get("lessons") or []:
            item = {
                "text": lesson["text"], "level": lesson["level"], "arena": lesson["arena"],
                "follow_up": lesson.get("follow_up", "none"),
                "principles": [titles[t] for t in lesson.get("principles") or []],
                "proposal_text": lesson.get("proposal_text", ""),
                "proposal_title": lesson.get("proposal_title", ""),
            }  # fmt: skip
            if item["follow_up"] == "action":
                item["action_owner_id"] = db.session.execute(
                    select(User.id).where(User.email == lesson["owner"])
                ).scalar_one()
                # Seeded in the past: the due date is set after the lesson is added.
                due = today + timedelta(days=int(lesson.get("due", 30)))
            elif item["follow_up"] == "agreement":
                item["target_agreement_id"] = db.session.execute(
                    select(Agreement.id).where(
                        Agreement.partnership_id == partnership.id, Agreement.title == lesson["agreement"]
                    )
                ).scalar_one()  # fmt: skip
            elif item["follow_up"] == "principle":
                item["target_principle_id"] = (
                    titles.get(lesson.get("principle")) if lesson.get("principle") else None
                )
            elif item["follow_up"] == "table":
                item["target_table_id"] = db.session.execute(
                    select(ThematicTable.id).where(
                        ThematicTable.partnership_id == partnership.id, ThematicTable.name == lesson["table"]
                    )
                ).scalar_one()  # fmt: skip
            added = reviews.add_lesson(review, membership, item)
            if item["follow_up"] == "action":
                added.action_due_on = due
                db.session.commit()
        if spec.get("final", True):
            reviews.finalise(review, membership)
            stamp = datetime.combine(held_on + timedelta(days=2), time(15, 0))
            review.finalised_at = stamp
            review.created_at = datetime.combine(held_on, time(16, 0))
            db.session.commit()
        changed += 1
    return changed


def load_cycles(path: Path) -> int:
    """Indicators (adopted by a programme manager of each side) and cycles with their
    measurements, interpretation and board decisions; skipped when the partnership has
    indicators already."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = timeutil.today()
    changed = 0
    done: set[int] = set()

    def member(partnership, role, kinds):
        return db.session.execute(
            select(Membership).join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.partnership_id == partnership.id, Membership.role == role,
                   Organisation.kind.in_(kinds)).order_by(Membership.id).limit(1)
        ).scalar_one()  # fmt: skip

    for spec in data["indicators"]:
        partnership = db.session.execute(
            select(Partnership).where(Partnership.slug == spec["partnership"])
        ).scalar_one()
        if (
            partnership.id not in done
            and db.session.execute(
                select(Indicator.id).where(Indicator.partnership_id == partnership.id)
            ).first()
        ):
            continue
        done.add(partnership.id)
        municipal = member(partnership, "programmamanager", ("gemeente", "regio"))
        provider = member(partnership, "programmamanager", ("aanbieder", "consortium"))
        indicator = cycles.propose_indicator(municipal, {**spec, "target": spec.get("target")})
        cycles.approve_indicator(indicator, provider)
        changed += 1

    current_half = date(today.year, 1 if today.month <= 6 else 7, 1)

    def half_year(back: int) -> tuple[date, date]:
        year, month = current_half.year, current_half.month
        for _ in range(back):
            year, month = (year, 1) if month == 7 else (year - 1, 7)
        start = date(year, month, 1)
        end = date(year, 6, 30) if month == 1 else date(year, 12, 31)
        return start, end

    for spec in data["cycles"]:
        partnership = db.session.execute(
            select(Partnership).where(Partnership.slug == spec["partnership"])
        ).scalar_one()
        start, end = half_year(int(spec["half_years_ago"]))
        if db.session.execute(
            select(Cycle.id).where(
                Cycle.partnership_id == partnership.id, Cycle.period_from == start
            )
        ).first():
            continue
        manager = member(partnership, "programmamanager", ("gemeente", "regio"))
        cycle = cycles.create_cycle(manager, spec["title"], start, end)
        names = {i.name: i.id for i in cycles.indicators_of(partnership.id, ("vastgesteld",))}
        cycles.save_measurements(
            cycle, manager,
            # Every demo figure says so in its explanation.
            {names[name]: (str(value[0]), f"{value[1]} (demo-cijfer)".strip())
             for name, value in (spec.get("measurements") or {}).items()},
        )  # fmt: skip
        cycles.next_phase(cycle, manager)
        cycles.next_phase(cycle, manager)
        cycles.save_interpretation(cycle, manager, spec.get("interpretation", ""), spec.get("dilemmas", ""),
                                   "\n".join(spec.get("proposals") or []))  # fmt: skip
        if spec.get("phase") != "duiden":
            cycles.submit(cycle, manager)
            proposals = cycles.proposals_of(cycle)
            for org_name, (decision, comment, reason, votes) in (
                spec.get("decisions") or {}
            ).items():
                bestuurder = db.session.execute(
                    select(Membership).join(Organisation, Organisation.id == Membership.organisation_id)
                    .where(Membership.partnership_id == partnership.id, Membership.role == "bestuurder",
                           Organisation.name == org_name)
                ).scalar_one()  # fmt: skip
                cycles.decide(cycle, bestuurder, decision, comment, reason,
                              {p.id: v for p, v in zip(proposals, votes, strict=True)})  # fmt: skip
            stamp = datetime.combine(end + timedelta(days=45), time(10, 0))
            cycle.submitted_at = stamp
            if cycle.closed_at:
                cycle.closed_at = stamp + timedelta(days=21)
            db.session.commit()
        changed += 1
    return changed


def load_decisions(path: Path) -> int:
    """Designations to decide, and proposals answered by the organisations through the
    services, back-dated; a proposal whose title exists in the partnership is skipped."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    on = today()
    changed = 0

    def partnership_of(slug):
        return db.session.execute(select(Partnership).where(Partnership.slug == slug)).scalar_one()

    def membership(partnership, email):
        return db.session.execute(
            select(Membership).join(User, User.id == Membership.user_id)
            .where(Membership.partnership_id == partnership.id, User.email == email)
        ).scalar_one()  # fmt: skip

    def organisation_id(name):
        return db.session.execute(
            select(Organisation.id).where(Organisation.name == name)
        ).scalar_one()

    def moment(days, hour=10):
        local_time = datetime.combine(on + timedelta(days=int(days)), time(hour))
        return decisions.to_utc(local_time)

    for spec in data.get("mandates", []):
        partnership = partnership_of(spec["partnership"])
        member = membership(partnership, spec["member"])
        organisation = organisation_id(spec["organisation"])
        if db.session.execute(
            select(DecisionMandate.id).where(
                DecisionMandate.partnership_id == partnership.id,
                DecisionMandate.organisation_id == organisation,
                DecisionMandate.user_id == member.user_id,
            )
        ).first():
            continue
        decisions.designate(membership(partnership, spec["by"]), organisation, member.user_id)
        changed += 1

    for spec in data.get("proposals", []):
        partnership = partnership_of(spec["partnership"])
        if db.session.execute(
            select(Proposal.id).where(
                Proposal.partnership_id == partnership.id, Proposal.title == spec["title"]
            )
        ).first():
            continue
        table = db.session.execute(
            select(ThematicTable).where(
                ThematicTable.partnership_id == partnership.id, ThematicTable.name == spec["table"]
            )
        ).scalar_one() if spec.get("table") else None  # fmt: skip
        started = moment(spec["days"], 9)
        closes = datetime.combine(on + timedelta(days=int(spec["closes"])), time(17))
        proposal = decisions.start_proposal(
            membership(partnership, spec["by"]),
            {"title": spec["title"], "text": spec["text"].strip(),
             "rationale": spec.get("rationale", "").strip(), "method": spec["method"],
             "quorum": spec.get("quorum"), "closes_at": closes,
             "organisations": [organisation_id(name) for name in spec["organisations"]]},
            table, now=started,
        )  # fmt: skip
        proposal.created_at = started
        db.session.execute(
            ProposalVersion.__table__.update()
            .where(ProposalVersion.proposal_id == proposal.id)
            .values(created_at=started)
        )
        db.session.commit()
        for item in spec.get("answers", []):
            decisions.answer_proposal(
                proposal, membership(partnership, item["member"]), item["position"],
                item.get("reason", ""), _answer_version(proposal, item["member"], partnership),
                now=moment(item["days"], 11),
            )  # fmt: skip
        result = spec.get("outcome")
        if result:
            by = membership(partnership, spec["by"])
            review = (
                on + timedelta(days=int(result["review_in"])) if result.get("review_in") else None
            )
            decisions.state_outcome(proposal, by.user_id, result["outcome"], result["text"].strip(),
                                    review, now=moment(result["days"], 15))  # fmt: skip
            if result.get("agreement"):
                decisions.adopt_as_agreement(proposal, by.user_id)
        changed += 1
    return changed


def load_documents(path: Path) -> int:
    """Documents on agreements, meetings and cycles, uploaded through the documents service
    (so checked as an upload is); skipped when the object has a document of that name."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    changed = 0
    for spec in data["documents"]:
        partnership = db.session.execute(
            select(Partnership).where(Partnership.slug == spec["partnership"])
        ).scalar_one()
        kind, object_id = _document_object(partnership.id, spec)
        first = spec["versions"][0]
        if db.session.execute(
            select(Document.id).where(
                Document.object_kind == kind,
                Document.object_id == object_id,
                Document.name == first["name"],
            )
        ).first():
            continue
        document = None
        for version in spec["versions"]:
            user_id = db.session.execute(
                select(User.id).where(User.email == normalise_email(version["by"]))
            ).scalar_one()
            if "pdf" in version:
                content = render_pdf(
                    f"<!doctype html><html lang='nl'><meta charset='utf-8'>"
                    f"<body style='font-family: sans-serif'>{render_markdown(version['pdf'])}"
                )
            else:
                content = version["text"].encode("utf-8")
            if document is None:
                document = documents.attach(
                    partnership.id, kind, object_id, content, version["name"], user_id=user_id
                )
            else:
                documents.add_version(document, content, version["name"], user_id=user_id)
            moment = utcnow() - timedelta(days=version["days"])
            document.latest.uploaded_at = moment
            if len(document.versions) == 1:
                document.created_at = moment
            changed += 1
        db.session.commit()
    return changed


def _document_object(partnership_id: int, spec: dict) -> tuple[str, int]:
    """The (kind, id) a demo document is attached to: an agreement or cycle by its title, a
    meeting by its title (the earliest of that name)."""
    if "agreement" in spec:
        kind, model, title = "agreement", Agreement, spec["agreement"]
    elif "cycle" in spec:
        kind, model, title = "cycle", Cycle, spec["cycle"]
    else:
        kind, model, title = "meeting", Meeting, spec["meeting"]
    object_id = db.session.execute(
        select(model.id)
        .where(model.partnership_id == partnership_id, model.title == title)
        .order_by(model.starts_at if model is Meeting else model.id)
        .limit(1)
    ).scalar_one()
    return kind, object_id


def _answer_version(proposal, email: str, partnership) -> int:
    """The version of the answer of the organisation of the member with this e-mail (0: none)."""
    organisation = db.session.execute(
        select(Membership.organisation_id).join(User, User.id == Membership.user_id)
        .where(Membership.partnership_id == partnership.id, User.email == email)
    ).scalar_one()  # fmt: skip
    current = db.session.execute(
        select(ProposalAnswer.version).where(
            ProposalAnswer.proposal_id == proposal.id,
            ProposalAnswer.organisation_id == organisation,
        )
    ).scalar_one_or_none()
    return current or 0


def _generate_comments(conversation, table, count: int, start: datetime) -> None:
    """Many plain comments at once (bulk insert), for a long conversation to test speed."""
    members = list(
        db.session.execute(
            select(TableMember.user_id).where(TableMember.table_id == table.id)
        ).scalars()
    )
    # After the written comments, so that the page's order (by id) is also the order in time.
    written = db.session.execute(
        select(func.max(Comment.created_at)).where(Comment.conversation_id == conversation.id)
    ).scalar()
    if written is not None and written >= start:
        start = written + timedelta(hours=1)
    rows = [
        {
            "conversation_id": conversation.id,
            "author_id": members[i % len(members)],
            "body": f"Bijdrage {i + 1} aan de bespreking (gegenereerde demo-reactie om de "
            "snelheid van lange gesprekken te testen).",
            "created_at": start + timedelta(minutes=7 * i),
            "version": 1,
        }
        for i in range(count)
    ]
    db.session.execute(insert(Comment), rows)
    last_id, last_at, total, top = db.session.execute(
        select(
            func.max(Comment.id),
            func.max(Comment.created_at),
            func.count(Comment.id),
            func.count(Comment.id).filter(Comment.parent_id.is_(None)),
        ).where(Comment.conversation_id == conversation.id)
    ).one()
    db.session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(comment_count=total, top_level_count=top, last_comment_id=last_id,
                last_comment_at=last_at)
    )  # fmt: skip


def _current_fields(agreement) -> dict:
    return {
        "title": agreement.title, "summary": agreement.summary,
        "explanation": agreement.explanation, "kind": agreement.kind,
        "start_on": agreement.start_on, "revisit_on": agreement.revisit_on,
        "end_on": agreement.end_on, "parties": [o.id for o in agreement.parties],
        "owner_id": agreement.owner_id, "origin": agreement.origin,
        "principles": linked_principle_ids("agreement", agreement.id, "implements"),
    }  # fmt: skip


def _resolve(fields: dict, day) -> dict:
    """Seed fields with "revisit" given in days relative to today."""
    values = dict(fields)
    if "revisit" in values:
        values["revisit_on"] = day(values.pop("revisit"))
    return values


def _backdate(agreement, start) -> None:
    stamp = datetime.combine(start, time(9, 0))
    agreement.created_at = stamp
    db.session.execute(
        AgreementVersion.__table__.update()
        .where(AgreementVersion.agreement_id == agreement.id)
        .values(created_at=stamp)
    )
    db.session.commit()


def database_is_empty() -> bool:
    return db.session.execute(select(func.count(Partnership.id))).scalar_one() == 0


@seed_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when there is no partnership yet.")
def demo(if_empty: bool) -> None:
    """Load the demo partnerships, organisations and accounts."""
    if if_empty and not database_is_empty():
        click.echo("The database has data already; demo not loaded.")
        return
    changed = load_demo()
    click.echo(f"Demo loaded ({changed} objects created).")
