"""Helpers for the search tests: objects made through the area services, searching as a
member, the stored documents as plain values, and reading the search page."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import select

from app.agreements import services as agreements
from app.agreements.models import Agreement
from app.decisions import services as decisions
from app.documents.services import attach
from app.extensions import db
from app.partnerships.models import Membership
from app.search import services
from app.search.models import SearchDocument
from tests.agreements.helpers import fields as agreement_fields
from tests.cycles.helpers import make_cycle
from tests.reviews.helpers import add_lesson, adopt_manifest, make_review
from tests.risks.helpers import make as make_risk
from tests.tables.helpers import local_now, make_table, plan, say, start, uid


def in_context(app, func, *args, **kwargs):
    """Run func in a request context of the app, the way a route calls a service."""
    with app.test_request_context():
        try:
            return func(*args, **kwargs)
        finally:
            db.session.remove()


def member(world, role: str) -> Membership:
    """The world's membership in this role, attached to the current session."""
    return db.session.get(Membership, world.memberships[role].id)


def found(world, role: str, query: str, kind: str | None = None, page: int = 1):
    """services.search as the member in this role (needs a request context)."""
    return services.search(member(world, role), query, kind, page)


def titles(results, kind: str | None = None) -> list[str]:
    """The plain titles of the hits (of one kind, or all), in order."""
    return [
        unescape(re.sub(r"<[^>]+>", "", str(hit.title)))
        for group, hits in results.groups.items()
        if kind in (None, group)
        for hit in hits
    ]


def make_agreement(world, title: str = "Afspraken over wachttijden", **over) -> Agreement:
    """An agreement made through the service by the programmamanager."""
    user_id = world.users["programmamanager"].id
    over.setdefault("origin", "")
    agreement = agreements.create_agreement(
        world.partnership.id, agreement_fields(world, title=title, **over), user_id
    )
    return db.session.get(Agreement, agreement.id)


def documents(partnership_id: int | None = None) -> set[tuple]:
    """The stored documents as plain values (without ids and times)."""
    query = select(SearchDocument)
    if partnership_id is not None:
        query = query.where(SearchDocument.partnership_id == partnership_id)
    db.session.expire_all()
    return {
        (d.kind, d.object_id, d.partnership_id, d.title, d.body, d.url, d.organisation_id,
         d.table_id, d.stems)
        for d in db.session.execute(query).scalars()
    }  # fmt: skip


def document(kind: str, object_id: int) -> SearchDocument | None:
    db.session.expire_all()
    return db.session.execute(
        select(SearchDocument).where(
            SearchDocument.kind == kind, SearchDocument.object_id == object_id
        )
    ).scalar_one_or_none()


# The kinds only the recording organisation finds while a review is a concept, and the
# kind (case details) it alone finds for good.
REVIEW_KINDS = ("review", "case", "lesson")


def a_bit_of_everything(world, word: str = "wachttijden", members=("teamlid", "partner"),
                        chair: str = "bestuurder") -> dict[str, int]:  # fmt: skip
    """An object of every kind mentioning `word`, made through the services; kind -> id.

    The table is chaired by `chair` with these members; the review is a concept recorded
    by the teamlid, so of the provider organisation (as is the partner); the beheerder,
    programmamanager, bestuurder and lezer are of the municipality."""
    principles = adopt_manifest(world, titles=("Samen", f"Korte {word}"))
    agreement = make_agreement(world, title=f"Afspraken over {word}")
    risk = make_risk(world, title=f"Oplopende {word}")
    table = make_table(world, chair=chair, members=members)
    conversation = start(world, table, title=f"Hoe korten we de {word}?")
    comment = say(world, conversation, "teamlid", f"Bij ons zijn de {word} gehalveerd.")
    meeting = plan(world, table, local_now() + timedelta(days=7), agenda=f"1. De {word}")
    review = make_review(world, title=f"Casus {word}")
    lesson = add_lesson(world, review, text=f"Bespreek {word} eerder.")
    cycle = make_cycle(world, title=f"Halfjaar {word}")
    decision = decisions.start_proposal(
        db.session.get(Membership, world.memberships["programmamanager"].id),
        {"title": f"Besluit over {word}", "text": f"We delen de {word} elk kwartaal.",
         "method": "consent", "closes_at": local_now() + timedelta(days=5),
         "organisations": [world.municipality.id]},
    )  # fmt: skip
    # A document of the agreement, found by its name and its text.
    document = attach(
        world.partnership.id, "agreement", agreement.id,
        f"Notitie: de {word} per kwartaal.\n".encode(), f"notitie-{word}.txt",
        user_id=uid(world, "programmamanager"),
    )  # fmt: skip
    return {
        "document": document.id,
        "principle": principles[f"Korte {word}"], "agreement": agreement.id, "risk": risk.id,
        "conversation": conversation.id, "comment": comment.id, "meeting": meeting.id,
        "review": review.id, "case": review.id, "lesson": lesson.id, "cycle": cycle.id,
        "table": table.id, "decision": decision.id,
    }  # fmt: skip


# --- pages ------------------------------------------------------------------------------


def url(world, query: str | None = None, **args) -> str:
    from urllib.parse import urlencode

    params = {"q": query, **args} if query is not None else args
    return f"/p/{world.slug}/search/" + (f"?{urlencode(params)}" if params else "")


def html(response) -> str:
    return response.get_data(as_text=True)


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def results_of(page: str) -> str:
    """The results part of a search page (or the whole htmx partial)."""
    start = page.find('id="search-results"')
    return page[start:] if start >= 0 else page


def hit_links(page: str) -> list[str]:
    """The hrefs of the hits on a search page."""
    return re.findall(r'<li class="ss-hit">\s*<p[^>]*><a class="utrecht-link" href="([^"]+)"', page)


def logged_in(app, email: str):
    """A new client with its own session, signed in as email."""
    from tests.conftest import sign_in

    return sign_in(app.test_client(), email)


def shown_counts(page: str) -> dict[str, int]:
    """The counts per kind a search page shows in its list of kinds (kind -> count)."""
    match = re.search(r'<ul class="[^"]*ss-kind-list[^"]*">(.*?)</ul>', page, re.S)
    if not match:
        return {}
    return {
        kind: int(count)
        for kind, count in re.findall(
            r'href="[^"]*[?&;]kind=(\w+)[^"]*">[^<]*: (\d+)</a>', match.group(1)
        )
    }


def shown_groups(page: str) -> dict[str, int]:
    """The groups of hits on a search page with the count in their heading (kind -> count)."""
    return {
        kind: int(count)
        for kind, count in re.findall(r'id="group-(\w+)">[^<]*\((\d+)\)</h2>', page)
    }
