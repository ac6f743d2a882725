"""Helpers for the risk tests: service input, form data, risks made through the services,
a snapshot of everything the risk area stores, and reading pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from app.activity.models import AuditEvent
from app.agreements import services as agreements
from app.extensions import db
from app.manifest import services as manifest
from app.manifest.models import PrincipleLink
from app.partnerships.models import Partnership
from app.risks import services
from app.risks.models import (
    Measure,
    Risk,
    RiskAssessment,
    RiskBearer,
    RiskCategory,
    RiskComment,
    RiskSettings,
)

EDITORS = ("programmamanager", "beheerder")
NOT_EDITORS = ("teamlid", "partner", "lezer", "bestuurder")
FIGURES = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")


def days(n: int) -> date:
    """A date n days from today (negative: in the past), as the services count days."""
    return services.today() + timedelta(days=n)


def category(world, name: str = "financieel") -> int:
    """The id of one of the partnership's categories (needs an application context)."""
    return next(c.id for c in services.categories_of(world.partnership.id) if c.name == name)


def category_in(app, world, name: str = "financieel") -> int:
    with app.app_context():
        result = category(world, name)
        db.session.remove()
    return result


def fields(world, **over) -> dict:
    """Service input for a risk of the world's partnership, every field filled in."""
    return {
        "title": "Budgetoverschrijding door taakgerichte bekostiging",
        "description": "De kosten stijgen **sneller** dan het budget.",
        "cause": "Meer jeugdigen met zware hulp.",
        "consequence": "Gemeenten moeten bijbetalen.",
        "category_id": category(world),
        "shared": False,
        "bearers": [world.municipality.id, world.provider.id],
        "owner_id": world.users["programmamanager"].id,
        "inherent_likelihood": 4,
        "inherent_impact": 5,
        "residual_likelihood": 3,
        "residual_impact": 3,
        "residual_reason": "",
        "strategy": "verminderen",
        "status": "open",
        "review_on": days(60),
        "principles": [],
        **over,
    }


def form(world, default_category: int, **over) -> dict:
    """The same risk as a browser posts the new-risk form."""
    data = {
        "title": "Budgetoverschrijding door taakgerichte bekostiging",
        "description": "De kosten stijgen **sneller** dan het budget.",
        "cause": "Meer jeugdigen met zware hulp.",
        "consequence": "Gemeenten moeten bijbetalen.",
        "category_id": str(default_category),
        "bearers": [str(world.municipality.id), str(world.provider.id)],
        "owner_id": str(world.users["programmamanager"].id),
        "inherent_likelihood": "4",
        "inherent_impact": "5",
        "residual_likelihood": "3",
        "residual_impact": "3",
        "residual_reason": "",
        "strategy": "verminderen",
        "status": "open",
        "review_on": days(60).isoformat(),
    }
    for name, value in over.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value.isoformat() if isinstance(value, date) else value
    return data


def make(world, **over) -> Risk:
    """A risk made through the services (needs an application context)."""
    user_id = world.users["programmamanager"].id
    return services.create_risk(world.partnership.id, fields(world, **over), user_id)


def make_in(app, world, **over) -> int:
    """make() in its own request context (for route tests); returns the risk's number."""
    with app.test_request_context():
        number = make(world, **over).number
        db.session.remove()
    return number


def in_context(app, func, *args, **kwargs):
    """Run func in a request context of the app, the way a route calls a service."""
    with app.test_request_context():
        try:
            return func(*args, **kwargs)
        finally:
            db.session.remove()


def risk_of(world, number: int) -> Risk:
    db.session.expire_all()
    return services.get_risk(world.partnership.id, number)


def stored(app, world, number: int) -> Risk:
    """The risk as the database holds it now, with its bearers (detached)."""
    with app.app_context():
        risk = services.get_risk(world.partnership.id, number)
        if risk is not None:
            risk.bearers  # noqa: B018  (load before detaching)
            db.session.expunge(risk)
        db.session.remove()
    return risk


def assessments_in(app, world, number: int) -> list[RiskAssessment]:
    with app.app_context():
        risk = services.get_risk(world.partnership.id, number)
        rows = services.assessments_of(risk)
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


def measures_in(app, world, number: int) -> list[Measure]:
    with app.app_context():
        risk = services.get_risk(world.partnership.id, number)
        rows = services.measures_of(risk)
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


def principles(world, titles=("Samen", "Open", "Lerend")) -> dict[str, int]:
    """An adopted manifest with these principles (needs a request context): title -> id."""
    partnership = db.session.get(Partnership, world.partnership.id)
    user_id = world.users["programmamanager"].id
    draft = manifest.open_draft(partnership, user_id)
    for title in titles:
        manifest.add_principle(
            draft, {"title": title, "core_sentence": f"Wij werken {title.lower()} samen."}
        )
    manifest.adopt(draft, "Vastgesteld.", user_id)
    return {t.title: t.principle_id for t in draft.texts}


def agreement(world, title: str = "Kwartaalrapportage aan het bestuur"):
    """An agreement of the world's partnership (needs an application context)."""
    return agreements.create_agreement(
        world.partnership.id,
        {
            "title": title,
            "summary": "Elk kwartaal een rapportage.",
            "explanation": "",
            "kind": "werkbaar",
            "start_on": days(-100),
            "revisit_on": days(80),
            "end_on": None,
            "parties": [world.municipality.id, world.provider.id],
            "owner_id": world.users["programmamanager"].id,
            "origin": "",
            "principles": [],
            "change_note": "Eerste versie",
        },
        world.users["programmamanager"].id,
    )


def state() -> dict:
    """Everything the risk area stores, as plain values, and the audit trail's size."""

    def rows(model, order):
        return [
            {c.key: getattr(obj, c.key) for c in model.__table__.columns}
            for obj in db.session.execute(select(model).order_by(*order)).scalars()
        ]

    db.session.expire_all()
    return {
        "risks": rows(Risk, [Risk.id]),
        "bearers": rows(RiskBearer, [RiskBearer.risk_id, RiskBearer.organisation_id]),
        "assessments": rows(RiskAssessment, [RiskAssessment.id]),
        "measures": rows(Measure, [Measure.id]),
        "comments": rows(RiskComment, [RiskComment.id]),
        "categories": rows(RiskCategory, [RiskCategory.id]),
        "settings": rows(RiskSettings, [RiskSettings.partnership_id]),
        "links": rows(PrincipleLink, [PrincipleLink.id]),
        "audit": db.session.execute(select(func.count(AuditEvent.id))).scalar_one(),
    }


def state_of(app) -> dict:
    with app.app_context():
        result = state()
        db.session.remove()
    return result


def html(response) -> str:
    return response.get_data(as_text=True)


def url(world, path: str = "") -> str:
    return f"/p/{world.slug}/risks{path}"


def listed(page: str) -> list[int]:
    """The risk numbers a list (page or partial) shows, in order."""
    return [int(n) for n in re.findall(r'/risks/(\d+)">R-', page)]


def logged_in(app, email: str):
    """A new client with its own session, signed in as email."""
    from tests.conftest import sign_in

    return sign_in(app.test_client(), email)


def flashed(client, response) -> str:
    """The messages shown on the page a redirect leads to."""
    from tests.conftest import alert_text

    assert response.status_code == 302, html(response)[:800]
    return alert_text(html(client.get(response.headers["Location"])))


def main_of(response) -> str:
    page = html(response)
    return page[page.index("<main") : page.index("</main>")]


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    from html import unescape

    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def add_members(world, count: int) -> list[int]:
    """`count` extra members (teamlid) of the world's partnership; their user ids."""
    from sqlalchemy import insert

    from app.auth.models import User
    from app.partnerships.models import Membership

    db.session.execute(
        insert(User),
        [
            {"email": f"lid{n}@{world.slug}.test", "name": f"Lid {n:03} {world.slug}",
             "password_hash": "", "session_token": f"lid-{world.slug}-{n}"}
            for n in range(count)
        ],
    )  # fmt: skip
    ids = list(
        db.session.execute(
            select(User.id).where(User.email.like(f"lid%@{world.slug}.test")).order_by(User.id)
        ).scalars()
    )
    db.session.execute(
        insert(Membership),
        [
            {"user_id": uid, "partnership_id": world.partnership.id,
             "organisation_id": world.provider.id, "role": "teamlid"}
            for uid in ids
        ],
    )  # fmt: skip
    return ids


def bulk_risks(app, world, count: int, members: int = 30) -> None:
    """`count` open risks inserted in bulk, each with a category, both organisations as
    bearers and (on a page) different owners; the figures vary with the number."""
    from sqlalchemy import insert

    from app.timeutil import utcnow

    with app.app_context():
        owners = add_members(world, members)
        categories = [c.id for c in services.categories_of(world.partnership.id)]
        now = utcnow()
        rows = []
        for n in range(1, count + 1):
            il, ii = n % 5 + 1, (n * 3) % 5 + 1
            rl, ri = max(1, il - 1), ii
            rows.append(
                {"partnership_id": world.partnership.id, "number": n,
                 "title": f"Risico {n:03}", "description": f"Omschrijving {n}", "cause": "",
                 "consequence": "", "category_id": categories[n % len(categories)],
                 "shared": n % 4 == 0, "owner_id": owners[n % len(owners)],
                 "inherent_likelihood": il, "inherent_impact": ii, "residual_likelihood": rl,
                 "residual_impact": ri, "inherent_score": il * ii, "residual_score": rl * ri,
                 "residual_reason": "", "strategy": "verminderen", "status": "open",
                 "review_on": days(n % 60 - 20), "created_at": now, "updated_at": now,
                 "version": 1}
            )  # fmt: skip
        db.session.execute(insert(Risk), rows)
        ids = db.session.execute(
            select(Risk.id).where(Risk.partnership_id == world.partnership.id)
        ).scalars()
        db.session.execute(
            insert(RiskBearer),
            [
                {"risk_id": rid, "organisation_id": oid}
                for rid in ids
                for oid in (world.municipality.id, world.provider.id)
            ],
        )
        db.session.commit()
        db.session.remove()


def make_inventory(world) -> int:
    """Five risks that differ in every filterable property (needs a request context);
    returns the id of the extra category "Reputatie" that R-3 has.

    R-1 kritiek netto 16, R-2 midden 6 (owner teamlid, borne by the provider), R-3 laag 2
    (gedeeld, beheerst, "wachtlijst" in its description), R-4 hoog 12 (review overdue,
    borne by the municipality), R-5 netto 4 gesloten (review date passed too).
    """
    reputatie = services.add_category(world.partnership.id, "Reputatie")
    teamlid = world.users["teamlid"].id

    def figures(bruto, netto):
        return {"inherent_likelihood": bruto[0], "inherent_impact": bruto[1],
                "residual_likelihood": netto[0], "residual_impact": netto[1]}  # fmt: skip

    make(world, title="Tekort budget", **figures((5, 5), (4, 4)))
    make(world, title="Wachttijden", bearers=[world.provider.id], owner_id=teamlid,
         **figures((3, 4), (2, 3)))  # fmt: skip
    make(world, title="Informatiepositie", shared=True, bearers=[], status="beheerst",
         category_id=reputatie.id, description="Geen zicht op de WACHTLIJST",
         **figures((3, 3), (1, 2)))  # fmt: skip
    make(world, title="Personeel", bearers=[world.municipality.id], **figures((4, 4), (3, 4)))
    make(world, title="Oud", status="gesloten", **figures((2, 2), (2, 2)))
    db.session.execute(
        Risk.__table__.update()
        .where(Risk.partnership_id == world.partnership.id, Risk.number.in_([4, 5]))
        .values(review_on=days(-3))
    )
    db.session.commit()
    return reputatie.id
