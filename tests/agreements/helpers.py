"""Helpers for the agreement tests: fields, agreements made through the services, state."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from app.activity.models import AuditEvent
from app.agreements import services
from app.agreements.models import (
    Agreement,
    AgreementComment,
    AgreementParty,
    AgreementVersion,
    Revisit,
)
from app.extensions import db
from app.manifest import services as manifest
from app.manifest.models import PrincipleLink
from app.partnerships.models import Partnership

EDITORS = ("programmamanager", "beheerder")
NOT_EDITORS = ("teamlid", "partner", "lezer", "bestuurder")


def days(n: int) -> date:
    """A date n days from today (negative: in the past), as the services count days."""
    return services.today() + timedelta(days=n)


def fields(world, **over) -> dict:
    """Service input for a werkbaar agreement of the world's partnership."""
    return {
        "title": "Sturingsinformatie delen met de BSA",
        "summary": "De gemeenten delen elke maand de sturingsinformatie met de BSA.",
        "explanation": "Uitleg met *nadruk*.",
        "kind": "werkbaar",
        "start_on": days(-100),
        "revisit_on": days(80),
        "end_on": None,
        "parties": [world.municipality.id, world.provider.id],
        "owner_id": world.users["programmamanager"].id,
        "origin": "Thematafel wachttijden",
        "principles": [],
        **over,
    }


def form(world, **over) -> dict:
    """The same agreement as a browser posts the form."""
    values = fields(world)
    data = {
        "title": values["title"],
        "summary": values["summary"],
        "explanation": values["explanation"],
        "kind": values["kind"],
        "start_on": values["start_on"].isoformat(),
        "revisit_on": values["revisit_on"].isoformat(),
        "end_on": "",
        "parties": [str(p) for p in values["parties"]],
        "owner_id": str(values["owner_id"]),
        "origin": values["origin"],
    }
    for name, value in over.items():
        data[name] = value.isoformat() if isinstance(value, date) else value
    return data


def make(world, *, active: bool = False, **over) -> Agreement:
    """An agreement made through the services (needs an application context)."""
    user_id = world.users["programmamanager"].id
    agreement = services.create_agreement(world.partnership.id, fields(world, **over), user_id)
    if active:
        services.activate(agreement, user_id)
    return agreement


def make_in(app, world, *, active: bool = False, **over) -> int:
    """make() in its own request context (for route tests); returns the agreement's number."""
    with app.test_request_context():
        number = make(world, active=active, **over).number
        db.session.remove()
    return number


def in_context(app, func, *args, **kwargs):
    """Run func in a request context of the app, the way a route calls a service."""
    with app.test_request_context():
        try:
            return func(*args, **kwargs)
        finally:
            db.session.remove()


def agreement_of(world, number: int) -> Agreement:
    return services.get_agreement(world.partnership.id, number)


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


def state() -> dict:
    """Everything the agreements area stores, as plain values, and the audit trail's size."""

    def rows(model, order):
        return [
            {c.key: getattr(obj, c.key) for c in model.__table__.columns}
            for obj in db.session.execute(select(model).order_by(*order)).scalars()
        ]

    db.session.expire_all()
    return {
        "agreements": rows(Agreement, [Agreement.id]),
        "parties": rows(
            AgreementParty, [AgreementParty.agreement_id, AgreementParty.organisation_id]
        ),
        "versions": rows(AgreementVersion, [AgreementVersion.id]),
        "revisits": rows(Revisit, [Revisit.id]),
        "comments": rows(AgreementComment, [AgreementComment.id]),
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


def listed(page: str) -> list[int]:
    """The agreement numbers a list (page or partial) shows, in order."""
    return [int(n) for n in re.findall(r'/agreements/(\d+)"', page)]


def url(world, path: str = "") -> str:
    return f"/p/{world.slug}/agreements{path}"


def logged_in(app, email: str):
    """A new client with its own session, signed in as email."""
    from tests.conftest import sign_in

    return sign_in(app.test_client(), email)


def flashed(client, response) -> str:
    """The messages shown on the page a redirect leads to."""
    from tests.conftest import alert_text

    assert response.status_code == 302, html(response)[:500]
    return alert_text(html(client.get(response.headers["Location"])))


def main_of(response) -> str:
    page = html(response)
    return page[page.index("<main") : page.index("</main>")]


def checked(page: str, name: str) -> set[str]:
    """The values of the checked checkboxes or radio buttons with this name."""
    tags = re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    return {re.search(r'value="([^"]*)"', t).group(1) for t in tags if re.search(r"\schecked\b", t)}


def selected(page: str, name: str) -> set[str]:
    """The values of the selected options of the select with this name."""
    match = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select named {name!r} on the page"
    options = re.findall(r"<option[^>]*>", match.group(1))
    return {
        re.search(r'value="([^"]*)"', o).group(1) for o in options if re.search(r"\sselected\b", o)
    }


def textarea(page: str, name: str) -> str:
    from html import unescape

    match = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea named {name!r} on the page"
    return unescape(match.group(1)).lstrip("\r\n")
