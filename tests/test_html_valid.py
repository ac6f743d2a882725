"""Every page is valid HTML by the Nu HTML checker (vnu-jar). `make test` checks one page
of each kind a beheerder of the demo reaches, the sign-in page and a form with errors, in
one run of the checker; scripts/check-html.py checks every page of every role the same way
(SAMENSPEL_HTML_CHECK=all)."""

from __future__ import annotations

import io
import os

from sqlalchemy import select

from app.activity.notifications import notify
from app.agreements.models import Agreement
from app.documents import services as documents
from app.extensions import db
from app.partnerships.models import Partnership
from tests.conftest import post
from tests.html_check import check, page_type
from tests.walk import DEMO, clients_by_role, crawl, demo_with_world

# Roles whose crawl is checked: a sample covers the beheerder, who reaches the most kinds
# of page; the full check covers everyone.
ROLES = ("beheerder", "programmamanager", "bestuurder", "teamlid", "partner", "lezer")


def unread_notification(app, world) -> None:
    """An unread notification for the beheerder: the notification pages show one."""
    with app.test_request_context():
        demo = db.session.execute(select(Partnership).where(Partnership.slug == DEMO)).scalar_one()
        notify(
            [world.users["beheerder"].id], partnership_id=demo.id, kind="comment",
            object_type="Partnership", object_id=demo.id, url=f"/p/{DEMO}/",
            params={"actor": "Programmamanager", "title": demo.name},
        )  # fmt: skip
        db.session.commit()
        db.session.remove()


def attached_document(app, world) -> tuple[int, int]:
    """A PDF with two versions on the demo's first agreement: (agreement number, document id)."""
    with app.test_request_context():
        demo = db.session.execute(select(Partnership).where(Partnership.slug == DEMO)).scalar_one()
        agreement = db.session.scalars(
            select(Agreement).where(Agreement.partnership_id == demo.id).order_by(Agreement.id)
        ).first()
        user_id = world.users["beheerder"].id
        document = documents.attach(demo.id, "agreement", agreement.id, b"%PDF-1.4\n%%EOF\n",
                                    "Convenant.pdf", user_id=user_id)  # fmt: skip
        documents.add_version(
            document, b"%PDF-1.4\n% 2\n%%EOF\n", "Convenant getekend.pdf", user_id=user_id
        )
        found = (agreement.number, agreement.id, document.id)
        db.session.remove()
    return found


def pages_to_check(app, world, client, login_as, every: bool) -> dict[str, str]:
    demo_with_world(app, world)
    unread_notification(app, world)
    number, agreement_id, document_id = attached_document(app, world)
    roles = ROLES if every else ("beheerder",)
    clients = clients_by_role(app, world, client, login_as, roles)
    pages: dict[str, str] = {}
    kinds: set[str] = set()
    for role, own in clients.items():
        visited, _forms = crawl(own, [f"/p/{DEMO}/", "/account", "/notifications"], 2000)
        for path in visited:
            kind = page_type(path)
            if not every and kind in kinds:
                continue
            kinds.add(kind)
            pages[f"{role} {path}"] = own.get(path).get_data(as_text=True)
    # The search page with hits (a form of the header, not a link the crawl follows).
    found = clients["beheerder"].get(f"/p/{DEMO}/search/?q=jeugd")
    assert found.status_code == 200
    pages["beheerder search"] = found.get_data(as_text=True)
    # A refused form: the page with the error messages.
    refused = post(clients["beheerder"], f"/p/{DEMO}/agreements/new", {"title": ""})
    assert refused.status_code == 422
    pages["beheerder refused form"] = refused.get_data(as_text=True)
    # An agreement with a document, the documents pages and a refused upload.
    beheerder = clients["beheerder"]
    for path in (f"/p/{DEMO}/agreements/{number}", f"/p/{DEMO}/documents/agreement/{agreement_id}",
                 f"/p/{DEMO}/documents/agreement/{agreement_id}/archived",
                 f"/p/{DEMO}/documents/{document_id}/version",
                 f"/p/{DEMO}/documents/{document_id}/archive"):  # fmt: skip
        shown = beheerder.get(path)
        assert shown.status_code == 200, path
        pages[f"beheerder documents {path}"] = shown.get_data(as_text=True)
    assert "Convenant getekend.pdf" in pages[f"beheerder documents /p/{DEMO}/agreements/{number}"]
    empty = post(beheerder, f"/p/{DEMO}/documents/agreement/{agreement_id}/upload",
                 {"file": (io.BytesIO(b""), "leeg.pdf")}, content_type="multipart/form-data")  # fmt: skip
    assert empty.status_code == 422
    pages["beheerder refused upload"] = empty.get_data(as_text=True)
    # Signed out: the sign-in page.
    signed_out = app.test_client()
    pages["sign-in"] = signed_out.get("/login").get_data(as_text=True)
    return pages


def test_every_kind_of_page_is_valid_html(app, world, client, login_as, tmp_path):
    every = os.environ.get("SAMENSPEL_HTML_CHECK") == "all"

    pages = pages_to_check(app, world, client, login_as, every)
    problems = check(pages, tmp_path / "pages")

    kinds = {page_type(path.split(" ", 1)[1]) for path in pages if " /" in path}
    for kind in ("/p/<slug>/", "/account", "/notifications"):
        assert any(k.startswith(kind.replace("<slug>", DEMO)) for k in kinds), kind
    print(f"{len(pages)} pages checked, {len(problems)} errors")  # noqa: T201
    assert not problems, "\n".join(str(p) for p in problems[:50])


def test_the_checker_names_the_page_and_line_of_each_error(tmp_path):
    head = '<!doctype html><html lang="nl"><head><title>t</title></head><body>'
    pages = {
        "/good": f"{head}<p>Goed</p></body></html>",
        "/bad": f'{head}\n<p><time datetime="2026-12-06T07:45:12.123456Z">nu</time></p>\n'
        '<div hx-get="/">x</div></body></html>',
    }

    problems = check(pages, tmp_path)

    assert [(p.path, p.line) for p in problems] == [("/bad", 2), ("/bad", 3)]
    assert "fraction of a second" in problems[0].message
    assert "hx-get" in problems[1].message
