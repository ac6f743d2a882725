"""Every page is valid HTML by the Nu HTML checker (vnu-jar). `make test` checks one page
of each kind a beheerder of the demo reaches, the sign-in page and a form with errors, in
one run of the checker; scripts/check-html.py checks every page of every role the same way
(SAMENSPEL_HTML_CHECK=all)."""

from __future__ import annotations

import os

from sqlalchemy import select

from app.activity.notifications import notify
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


def pages_to_check(app, world, client, login_as, every: bool) -> dict[str, str]:
    demo_with_world(app, world)
    unread_notification(app, world)
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
