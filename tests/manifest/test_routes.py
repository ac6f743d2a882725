"""Manifest pages: who may do what, what each page shows, bad input, isolation, PDF, audit,
and a query count that does not grow with the manifest."""

from __future__ import annotations

import re
import zlib
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.activity.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.manifest import services
from app.manifest.models import (
    ACCEPTED,
    ADOPTED,
    DECLINED,
    DRAFT,
    OPEN,
    ChangeProposal,
    Endorsement,
)
from app.partnerships.models import Membership, Organisation, Participation, Partnership
from tests.conftest import alert_text, field_error, input_value, login, message, post
from tests.manifest.helpers import (
    TITLES,
    built,
    in_context,
    principle_fields,
    state,
    titles_of,
    version,
)

EDITORS = ("programmamanager", "beheerder")
NOT_EDITORS = ("teamlid", "partner", "lezer", "bestuurder")


def url(world, path: str = "") -> str:
    return f"/p/{world.slug}/manifest{path}"


def html(response) -> str:
    return response.get_data(as_text=True)


def main_of(response) -> str:
    page = html(response)
    return page[page.index("<main") : page.index("</main>")]


def flashed(client, response) -> str:
    """The messages shown on the page a redirect leads to."""
    assert response.status_code == 302, html(response)[:500]
    return alert_text(html(client.get(response.headers["Location"])))


def logout(client) -> None:
    assert post(client, "/logout").status_code == 302


def send(client, method: str, path: str, data: dict | None = None):
    return client.get(path) if method == "GET" else post(client, path, data or {})


def drafted(app, world):
    """Version 1 adopted (Samen, Open, Lerend); draft version 2 leaves Lerend out."""
    result = built(app, world)

    def leave_out():
        services.retire_principle(
            next(t for t in version(world, 2).texts if t.principle_id == result.ids["Lerend"])
        )

    in_context(app, lambda: services.open_draft(_partnership(world), world.users["beheerder"].id))
    in_context(app, leave_out)
    return result


def _partnership(world):
    return db.session.get(Partnership, world.partnership.id)


def propose_in(app, world, principle_id=None, role="teamlid", title="Voorstel", **kwargs):
    def run():
        return services.propose_change(
            world.partnership.id,
            world.users[role].id,
            principle_id,
            principle_fields(title),
            "Omdat de praktijk erom vraagt.",
            **kwargs,
        ).id

    return in_context(app, run)


def proposal_row(app, proposal_id) -> ChangeProposal:
    with app.app_context():
        proposal = db.session.get(ChangeProposal, proposal_id)
        db.session.expunge(proposal)
        return proposal


def texts_in(app, world, number: int) -> list[str]:
    return in_context(app, lambda: titles_of(version(world, number)))


# --- access ------------------------------------------------------------------------------------


def edit_requests(world, ids) -> list[tuple[str, str, dict | None]]:
    """Every request that changes a draft, on draft version 2 of `drafted()`."""
    base = url(world, "/versions/2")
    pid, left_out = ids["Open"], ids["Lerend"]
    return [
        ("POST", url(world, "/versions"), {}),
        ("GET", f"{base}/preamble", None),
        ("POST", f"{base}/preamble", {"preamble": "Anders", "version": "1"}),
        ("GET", f"{base}/principles/new", None),
        ("POST", f"{base}/principles/new", principle_fields("Nieuw")),
        ("GET", f"{base}/principles/{pid}", None),
        ("POST", f"{base}/principles/{pid}", {**principle_fields("Anders"), "version": "1"}),
        ("POST", f"{base}/principles/{pid}/move", {"position": "1"}),
        ("POST", f"{base}/principles/{pid}/retire", {}),
        ("POST", f"{base}/principles/{left_out}/reinstate", {}),
        ("GET", f"{base}/adopt", None),
        ("POST", f"{base}/adopt", {"note": "Vastgesteld."}),
    ]


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_edit_routes_are_refused_to_other_roles(app, world, login_as, role):
    ids = drafted(app, world).ids
    before = state(app, world)
    client = login_as(world, role)

    answers = [(m, p, send(client, m, p, d).status_code) for m, p, d in edit_requests(world, ids)]

    assert answers == [(m, p, 403) for m, p, _ in edit_requests(world, ids)]
    assert state(app, world) == before


@pytest.mark.parametrize("role", EDITORS)
def test_edit_forms_are_open_to_programmamanager_and_beheerder(app, world, login_as, role):
    ids = drafted(app, world).ids
    client = login_as(world, role)

    answers = [
        (p, client.get(p).status_code) for m, p, _ in edit_requests(world, ids) if m == "GET"
    ]

    assert answers == [(p, 200) for m, p, _ in edit_requests(world, ids) if m == "GET"]


def all_requests(world, ids, proposal_id) -> list[tuple[str, str, dict | None]]:
    reads = [
        ("GET", url(world, path), None)
        for path in (
            "/",
            "/versions",
            "/versions/1",
            "/compare",
            "/proposals",
            "/proposals/new",
            f"/proposals/{proposal_id}",
            f"/principles/{ids['Open']}",
            "/pdf",
        )
    ]
    writes = [
        ("POST", url(world, "/versions/1/endorse"), {}),
        ("POST", url(world, "/proposals/new"), {**principle_fields("X"), "reason": "Omdat."}),
        ("POST", url(world, f"/proposals/{proposal_id}/comments"), {"body": "Eens."}),
        ("POST", url(world, f"/proposals/{proposal_id}/accept"), {}),
        ("POST", url(world, f"/proposals/{proposal_id}/decline"), {"reason": "Nee."}),
    ]
    return reads + edit_requests(world, ids) + writes


def test_anonymous_visitors_are_sent_to_login(app, client, world):
    ids = drafted(app, world).ids
    proposal_id = propose_in(app, world, ids["Open"])
    before = state(app, world)

    for method, path, data in all_requests(world, ids, proposal_id):
        response = send(client, method, path, data)
        assert response.status_code == 302, (method, path, response.status_code)
        assert urlsplit(response.headers["Location"]).path == "/login", (method, path)

    assert state(app, world) == before


def test_a_non_member_gets_404(app, client, world, make_partnership):
    ids = drafted(app, world).ids
    proposal_id = propose_in(app, world, ids["Open"])
    outsider = make_partnership("ander")
    login(client, outsider.users["beheerder"].email)
    before = state(app, world)

    answers = [
        (m, p, send(client, m, p, d).status_code)
        for m, p, d in all_requests(world, ids, proposal_id)
    ]

    assert answers == [(m, p, 404) for m, p, _ in all_requests(world, ids, proposal_id)]
    assert state(app, world) == before


def test_ids_of_another_partnership_give_404(app, world, make_partnership, login_as):
    own = built(app, world)
    other_world = make_partnership("ander")
    other = built(app, other_world, ["Elders"])
    built(app, other_world, ["Nog een"])  # the other partnership has a version 2
    foreign_proposal = propose_in(app, other_world, other.ids["Elders"])
    own_proposal = propose_in(app, world, own.ids["Open"])
    before, other_before = state(app, world), state(app, other_world)
    client = login_as(world, "programmamanager")

    for path in (
        f"/principles/{other.ids['Elders']}",
        f"/proposals/{foreign_proposal}",
        "/versions/2",
        "/versions/2/preamble",
        "/versions/2/adopt",
        f"/versions/1/principles/{other.ids['Elders']}",
        "/pdf?version=2",
    ):
        assert client.get(url(world, path)).status_code == 404, path
    for path, data in (
        (f"/proposals/{foreign_proposal}/accept", {}),
        (f"/proposals/{foreign_proposal}/decline", {"reason": "Nee."}),
        (f"/proposals/{foreign_proposal}/comments", {"body": "Eens."}),
        (f"/versions/2/principles/{other.ids['Elders']}/move", {"position": "1"}),
        (f"/versions/1/principles/{other.ids['Elders']}/retire", {}),
    ):
        assert post(client, url(world, path), data).status_code == 404, path
    # This partnership's own proposal and principle are there: the 404s come from scoping.
    assert client.get(url(world, f"/proposals/{own_proposal}")).status_code == 200
    assert client.get(url(world, f"/principles/{own.ids['Open']}")).status_code == 200
    assert state(app, world) == before
    assert state(app, other_world) == other_before


def test_every_role_reads_the_manifest(app, world, client):
    built(app, world)
    for role in ("beheerder", "bestuurder", "programmamanager", "teamlid", "partner", "lezer"):
        login(client, world.users[role].email)
        for path in ("/", "/versions", "/versions/1", "/compare", "/proposals"):
            assert client.get(url(world, path)).status_code == 200, (role, path)
        logout(client)


# --- reading -----------------------------------------------------------------------------------


def test_without_a_manifest_an_editor_can_start_a_first_draft(app, world, client):
    for role, offered in (("programmamanager", True), ("beheerder", True), ("teamlid", False)):
        login(client, world.users[role].email)
        response = client.get(url(world, "/"))
        assert response.status_code == 200
        page = main_of(response)
        assert (
            message(
                app,
                "This partnership has no adopted manifest yet. The manifest holds the leading principles the partners agree on: their collective memory.",
            )
            in page
        )
        assert (f'action="{url(world, "/versions")}"' in page) is offered, role
        logout(client)


def test_members_read_the_newest_adopted_version_by_default(app, world, login_as):
    built(app, world)
    built(app, world, ["Tweede"])
    built(app, world, ["Nog niet vastgesteld"], adopt=False)
    client = login_as(world, "lezer")

    page = main_of(client.get(url(world, "/")))

    assert message(app, "Version %(n)s", n=2) in page
    for title in (*TITLES, "Tweede"):
        assert f">{title}</a>" in page
    assert "Nog niet vastgesteld" not in page
    assert message(app, "Open draft version %(n)s", n=3) in page


def test_older_versions_stay_readable(app, world, login_as):
    first = built(app, world)

    def rename():
        draft = services.open_draft(_partnership(world), world.users["programmamanager"].id)
        text = next(t for t in draft.texts if t.principle_id == first.ids["Open"])
        services.update_principle(text, principle_fields("Open en eerlijk"))
        services.adopt(version(world, 2), "Versie 2.", world.users["programmamanager"].id)

    in_context(app, rename)
    client = login_as(world, "teamlid")

    old = main_of(client.get(url(world, "/versions/1")))
    current = main_of(client.get(url(world, "/")))
    listed = main_of(client.get(url(world, "/versions")))

    assert ">Open</a>" in old and "Open en eerlijk" not in old
    assert message(app, "This is an older version.") in old
    assert "Open en eerlijk" in current
    assert url(world, "/versions/1") in listed and url(world, "/versions/2") in listed
    assert "Vastgesteld." in listed and "Versie 2." in listed
    assert client.get(url(world, "/versions/3")).status_code == 404


def test_principle_page_shows_the_principle_and_its_history(app, world, login_as):
    ids = built(app, world).ids
    client = login_as(world, "partner")

    response = client.get(url(world, f"/principles/{ids['Open']}"))

    assert response.status_code == 200
    page = main_of(response)
    assert "Wij kiezen voor open samenwerken." in page
    assert "<em>Open</em>" in page  # the explanation's Markdown
    assert url(world, f"/proposals/new?principle={ids['Open']}") in page
    assert client.get(url(world, "/principles/999999")).status_code == 404


# --- comparing ---------------------------------------------------------------------------------


def compared(app, world):
    ids = built(app, world).ids

    def second():
        draft = services.open_draft(_partnership(world), world.users["programmamanager"].id)
        text = next(t for t in draft.texts if t.principle_id == ids["Open"])
        services.update_principle(text, principle_fields("Open", "Wij delen alles open."))
        services.retire_principle(next(t for t in draft.texts if t.principle_id == ids["Lerend"]))
        services.add_principle(version(world, 2), principle_fields("Nieuw"))
        services.adopt(version(world, 2), "Versie 2.", world.users["programmamanager"].id)

    in_context(app, second)
    return ids


def test_compare_two_versions_marks_the_changes(app, world, login_as):
    compared(app, world)
    client = login_as(world, "lezer")

    response = client.get(url(world, "/compare?a=1&b=2"))

    assert response.status_code == 200
    page = main_of(response)
    for label in ("changed", "new", "left out", "unchanged"):
        assert message(app, label) in page, label
    assert "<del>" in page and "<ins>" in page
    assert "<del> samenwerken</del>" in page and "<ins>alles</ins>" in page
    # Without arguments the two newest versions are compared.
    assert main_of(client.get(url(world, "/compare"))).count("<ins>") == page.count("<ins>")


@pytest.mark.parametrize(
    "query", ["?a=1&b=9", "?a=0&b=1", "?a=abc&b=1", "?a=1&b=", "?a=1", "?b=2", "?a=-1&b=2"]
)
def test_compare_with_invalid_versions_is_refused(app, world, login_as, query):
    compared(app, world)
    client = login_as(world, "lezer")

    response = client.get(url(world, f"/compare{query}"))

    assert response.status_code == 422
    assert message(app, "Choose two existing versions.") in html(response)
    assert "<ins>" not in main_of(response)


def test_compare_with_a_version_of_another_partnership_is_refused(
    app, world, make_partnership, login_as
):
    compared(app, world)
    other = make_partnership("ander")
    for titles in (["A"], ["B"], ["C"]):
        built(app, other, titles)
    client = login_as(world, "lezer")

    response = client.get(url(world, "/compare?a=2&b=3"))

    assert response.status_code == 422
    assert message(app, "Choose two existing versions.") in html(response)


# --- drafts through the pages ------------------------------------------------------------------


@pytest.mark.parametrize("role", EDITORS)
def test_an_editor_opens_a_draft_of_the_next_version(app, world, login_as, role):
    built(app, world)
    client = login_as(world, role)

    response = post(client, url(world, "/versions"))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(world, "/versions/2"))
    assert texts_in(app, world, 2) == list(TITLES)
    page = main_of(client.get(response.headers["Location"]))
    assert (
        message(
            app, "This is a draft. Members read the adopted version until this draft is adopted."
        )
        in page
    )


def test_a_second_draft_is_refused_with_a_message(app, world, login_as):
    built(app, world)
    client = login_as(world, "programmamanager")
    post(client, url(world, "/versions"))
    before = state(app, world)

    response = post(client, url(world, "/versions"))

    assert message(app, "There is already a draft. Continue with that one.") in flashed(
        client, response
    )
    assert state(app, world) == before


def test_edit_the_preamble_of_a_draft(app, world, login_as):
    drafted(app, world)
    client = login_as(world, "programmamanager")
    form = html(client.get(url(world, "/versions/2/preamble")))

    response = post(
        client,
        url(world, "/versions/2/preamble"),
        {"preamble": "Wij **groeien** samen.", "version": input_value(form, "version")},
    )

    assert response.status_code == 302
    page = main_of(client.get(url(world, "/versions/2")))
    assert "Wij <strong>groeien</strong> samen." in page
    assert "groeien" not in main_of(client.get(url(world, "/versions/1")))


def test_a_stale_preamble_form_gets_the_conflict_page(app, world, login_as):
    drafted(app, world)
    client = login_as(world, "programmamanager")
    form = html(client.get(url(world, "/versions/2/preamble")))
    stale = input_value(form, "version")
    post(client, url(world, "/versions/2/preamble"), {"preamble": "Eerst.", "version": stale})
    before = state(app, world)

    response = post(
        client, url(world, "/versions/2/preamble"), {"preamble": "Later.", "version": stale}
    )

    assert response.status_code == 409
    assert state(app, world) == before


def test_add_a_principle_to_the_draft(app, world, login_as):
    drafted(app, world)
    client = login_as(world, "programmamanager")

    response = post(client, url(world, "/versions/2/principles/new"), principle_fields("Eerlijk"))

    assert response.status_code == 302
    assert texts_in(app, world, 2) == ["Samen", "Open", "Eerlijk"]
    assert texts_in(app, world, 1) == list(TITLES)


@pytest.mark.parametrize(
    ("field", "msgid"),
    [("title", "Enter a title."), ("core_sentence", "Enter the principle in one sentence.")],
)
def test_a_principle_without_title_or_core_sentence_is_refused(app, world, login_as, field, msgid):
    ids = drafted(app, world).ids
    client = login_as(world, "programmamanager")
    before = state(app, world)
    form = html(client.get(url(world, f"/versions/2/principles/{ids['Open']}")))

    added = post(
        client, url(world, "/versions/2/principles/new"), principle_fields("X", **{field: "  "})
    )
    edited = post(
        client,
        url(world, f"/versions/2/principles/{ids['Open']}"),
        {**principle_fields("Open", **{field: ""}), "version": input_value(form, "version")},
    )

    for response in (added, edited):
        assert response.status_code == 422
        assert field_error(html(response), field) == message(app, msgid)
    assert state(app, world) == before


def test_edit_a_principle_in_the_draft(app, world, login_as):
    ids = drafted(app, world).ids
    client = login_as(world, "beheerder")
    path = url(world, f"/versions/2/principles/{ids['Open']}")
    form = html(client.get(path))
    assert input_value(form, "title") == "Open"

    response = post(
        client,
        path,
        {**principle_fields("Open en eerlijk"), "version": input_value(form, "version")},
    )

    assert response.status_code == 302
    assert texts_in(app, world, 2) == ["Samen", "Open en eerlijk"]
    assert texts_in(app, world, 1) == list(TITLES)


def test_move_a_principle(app, world, login_as):
    ids = built(app, world, (*TITLES, "Eerlijk"), adopt=False).ids
    client = login_as(world, "programmamanager")

    response = post(
        client, url(world, f"/versions/1/principles/{ids['Eerlijk']}/move"), {"position": "2"}
    )

    assert message(app, "The principle has been moved.") in flashed(client, response)
    assert texts_in(app, world, 1) == ["Samen", "Eerlijk", "Open", "Lerend"]
    page = main_of(client.get(url(world, "/versions/1")))
    positions = re.findall(r'id="position-(\d+)"[^>]*value="(\d+)"', page)
    assert [int(p) for _, p in positions] == [1, 2, 3, 4]


@pytest.mark.parametrize("position", ["0", "5", "abc", "", "-1", "1.5"])
def test_a_move_out_of_range_is_refused(app, world, login_as, position):
    ids = built(app, world, (*TITLES, "Eerlijk"), adopt=False).ids
    client = login_as(world, "programmamanager")
    before = state(app, world)

    response = post(
        client, url(world, f"/versions/1/principles/{ids['Open']}/move"), {"position": position}
    )

    assert message(app, "Choose a position from 1 to %(n)s.", n=4) in flashed(client, response)
    assert state(app, world) == before


def test_retire_and_reinstate_a_principle(app, world, login_as):
    ids = built(app, world).ids
    client = login_as(world, "programmamanager")
    post(client, url(world, "/versions"))

    response = post(client, url(world, f"/versions/2/principles/{ids['Samen']}/retire"))

    assert response.status_code == 302
    assert texts_in(app, world, 2) == ["Open", "Lerend"]
    draft = main_of(client.get(url(world, "/versions/2")))
    assert message(app, "Left out of this draft") in draft
    assert url(world, f"/versions/2/principles/{ids['Samen']}/reinstate") in draft
    assert ">Samen</a>" in main_of(client.get(url(world, "/versions/1")))

    response = post(client, url(world, f"/versions/2/principles/{ids['Samen']}/reinstate"))

    assert message(app, "The principle is back in the draft.") in flashed(client, response)
    assert texts_in(app, world, 2) == ["Open", "Lerend", "Samen"]


def test_adopt_a_draft_with_a_note(app, world, login_as):
    drafted(app, world)
    client = login_as(world, "programmamanager")
    assert client.get(url(world, "/versions/2/adopt")).status_code == 200

    response = post(
        client, url(world, "/versions/2/adopt"), {"note": "Vastgesteld in het RBO van maart."}
    )

    assert message(app, "Version %(n)s has been adopted.", n=2) in flashed(client, response)
    page = main_of(client.get(url(world, "/")))
    assert message(app, "Version %(n)s", n=2) in page
    assert "Vastgesteld in het RBO van maart." in page
    assert ">Lerend</a>" not in page


def test_adopting_opens_a_dialog_with_the_text_and_the_note_of_its_page(app, world, login_as):
    drafted(app, world)
    client = login_as(world, "programmamanager")
    path = url(world, "/versions/2/adopt")
    explained = message(
        app,
        "After adoption this version is what all members read, and it can no longer be changed. "
        "Each organisation's bestuurder can then endorse it.",
    )
    page = html(client.get(url(world, "/versions/2")))
    assert f'href="{path}" data-confirm="confirm-adopt"' in page
    dialog = page[page.index('<dialog class="ss-confirm-dialog" id="confirm-adopt"') :]
    dialog = dialog[: dialog.index("</dialog>")]
    assert message(app, "Adopt version %(n)s", n=2) in dialog and explained in dialog
    assert f'action="{path}"' in dialog and 'name="note"' in dialog
    # The adopt page (without JavaScript) says the same.
    assert explained in html(client.get(path))
    # The dialog's form adopts as the page's does; without a note it is refused.
    before = state(app, world)
    response = post(client, path, {"note": "", "confirmed": "1"})
    assert response.status_code == 422 and state(app, world) == before
    response = post(client, path, {"note": "Vastgesteld in het RBO.", "confirmed": "1"})
    assert message(app, "Version %(n)s has been adopted.", n=2) in flashed(client, response)
    assert "confirm-adopt" not in html(client.get(url(world, "/versions/2")))


def test_adopt_without_a_note_is_refused(app, world, login_as):
    drafted(app, world)
    client = login_as(world, "programmamanager")
    before = state(app, world)

    response = post(client, url(world, "/versions/2/adopt"), {"note": "  "})

    assert response.status_code == 422
    assert field_error(html(response), "note") == message(
        app, "Write a note on what this version changes and who decided."
    )
    assert state(app, world) == before


def test_adopting_an_empty_draft_is_refused(app, world, login_as):
    client = login_as(world, "programmamanager")
    post(client, url(world, "/versions"))
    before = state(app, world)

    response = post(client, url(world, "/versions/1/adopt"), {"note": "Vastgesteld."})

    assert response.status_code == 422
    assert message(
        app, "A manifest without principles cannot be adopted. Add a principle first."
    ) in alert_text(html(response))
    assert state(app, world) == before


def test_an_adopted_version_cannot_be_edited_through_any_page(app, world, login_as):
    ids = built(app, world).ids
    client = login_as(world, "programmamanager")
    refusal = message(app, "Version %(n)s has been adopted and can no longer be changed.", n=1)
    base = url(world, "/versions/1")
    before = state(app, world)

    for method, path, data in (
        ("GET", f"{base}/preamble", None),
        ("POST", f"{base}/preamble", {"preamble": "Anders", "version": "1"}),
        ("GET", f"{base}/principles/new", None),
        ("POST", f"{base}/principles/new", principle_fields("Nieuw")),
        ("GET", f"{base}/principles/{ids['Open']}", None),
        (
            "POST",
            f"{base}/principles/{ids['Open']}",
            {**principle_fields("Anders"), "version": "1"},
        ),
        ("POST", f"{base}/principles/{ids['Open']}/move", {"position": "1"}),
        ("POST", f"{base}/principles/{ids['Open']}/retire", {}),
        ("POST", f"{base}/principles/{ids['Open']}/reinstate", {}),
    ):
        response = send(client, method, path, data)
        assert refusal in flashed(client, response), (method, path)
    adopt = post(client, f"{base}/adopt", {"note": "Nog eens."})
    assert adopt.status_code == 422 and refusal in html(adopt)
    assert refusal in html(client.get(f"{base}/adopt"))
    assert state(app, world) == before


# --- endorsement -------------------------------------------------------------------------------


def endorsement_table(page: str) -> dict[str, str]:
    """{organisation: what its 'Endorsed' cell says}, from the endorsements table."""
    section = page[page.index('id="endorsements-heading"') :]
    rows = re.findall(
        r'<th class="utrecht-table__header-cell" scope="row">([^<]+)</th>\s*<td[^>]*>(.*?)</td>',
        section,
        re.S,
    )
    return {name: re.sub(r"<[^>]+>|\s+", " ", cell).strip() for name, cell in rows}


def test_bestuurder_endorses_the_current_version(app, world, login_as):
    built(app, world)
    client = login_as(world, "bestuurder")
    page = main_of(client.get(url(world, "/")))
    assert url(world, "/versions/1/endorse") in page

    response = post(client, url(world, "/versions/1/endorse"), {"note": "Namens het college."})

    assert message(
        app,
        "%(organisation)s has endorsed version %(n)s.",
        organisation="Gemeente testverband",
        n=1,
    ) in flashed(client, response)
    with app.app_context():
        endorsement = db.session.execute(select(Endorsement)).scalar_one()
        assert (endorsement.organisation_id, endorsement.user_id, endorsement.note) == (
            world.municipality.id,
            world.users["bestuurder"].id,
            "Namens het college.",
        )
    page = main_of(client.get(url(world, "/")))
    table = endorsement_table(page)
    assert table["Gemeente testverband"].startswith(message(app, "yes"))
    assert table["Aanbieder testverband"] == message(app, "not yet")
    assert "Bestuurder testverband" in page
    assert (
        message(
            app,
            "%(done)s of %(total)s organisations have endorsed version %(n)s.",
            done=1,
            total=2,
            n=1,
        )
        in page
    )
    assert url(world, "/versions/1/endorse") not in page


def test_endorsing_twice_is_refused(app, world, login_as, add_member):
    built(app, world)
    client = login_as(world, "bestuurder")
    post(client, url(world, "/versions/1/endorse"))
    before = state(app, world)

    again = post(client, url(world, "/versions/1/endorse"))

    refusal = message(
        app,
        "%(organisation)s has already endorsed version %(n)s.",
        organisation="Gemeente testverband",
        n=1,
    )
    assert refusal in flashed(client, again)
    colleague = add_member(world, "bestuurder", "municipality")
    logout(client)
    login(client, colleague)
    assert refusal in flashed(client, post(client, url(world, "/versions/1/endorse")))
    assert state(app, world) == before


@pytest.mark.parametrize("role", ["beheerder", "programmamanager", "teamlid", "partner", "lezer"])
def test_only_a_bestuurder_may_endorse(app, world, login_as, role):
    built(app, world)
    client = login_as(world, role)

    response = post(client, url(world, "/versions/1/endorse"))

    assert response.status_code == 403
    assert url(world, "/versions/1/endorse") not in main_of(client.get(url(world, "/")))
    assert state(app, world)["endorsements"] == 0


def test_an_older_version_cannot_be_endorsed(app, world, login_as):
    built(app, world)
    built(app, world, ["Tweede"])
    client = login_as(world, "bestuurder")

    response = post(client, url(world, "/versions/1/endorse"))

    assert message(app, "Only the current adopted version can be endorsed.") in flashed(
        client, response
    )
    assert state(app, world)["endorsements"] == 0
    assert url(world, "/versions/1/endorse") not in main_of(client.get(url(world, "/versions/1")))


def panel_text(app, n, v) -> str:
    return message(
        app, "Manifest: organisations that still have to endorse version %(v)s: %(n)s.", n=n, v=v
    )


def test_dashboard_panel_for_bestuurders_and_programmamanagers(app, world, add_member):
    built(app, world)
    provider_board = add_member(world, "bestuurder", "provider")
    clients = {}
    for who, email in [(role, world.users[role].email) for role in world.users] + [
        ("provider_board", provider_board)
    ]:
        clients[who] = app.test_client()
        login(clients[who], email)

    def dashboard(who):
        return main_of(clients[who].get(f"/p/{world.slug}/"))

    own_missing = message(app, "Your organisation has not endorsed it yet.")
    for who in ("bestuurder", "programmamanager", "provider_board"):
        assert panel_text(app, 2, 1) in dashboard(who), who
    for who in ("teamlid", "partner", "lezer", "beheerder"):
        assert "Manifest:" not in dashboard(who), who
    assert own_missing in dashboard("bestuurder")
    assert own_missing not in dashboard("programmamanager")

    post(clients["bestuurder"], url(world, "/versions/1/endorse"))

    assert panel_text(app, 1, 1) in dashboard("bestuurder")
    assert own_missing not in dashboard("bestuurder")
    assert own_missing in dashboard("provider_board")
    assert panel_text(app, 1, 1) in dashboard("programmamanager")
    assert "Manifest:" not in dashboard("teamlid")

    post(clients["provider_board"], url(world, "/versions/1/endorse"))

    for who in ("bestuurder", "programmamanager", "provider_board"):
        assert "Manifest:" not in dashboard(who), who


def test_no_dashboard_panel_without_an_adopted_version(app, world, client):
    built(app, world, adopt=False)
    login(client, world.users["programmamanager"].email)

    assert "Manifest:" not in main_of(client.get(f"/p/{world.slug}/"))


# --- change proposals ----------------------------------------------------------------------------


def proposal_form(principle_id="", **fields) -> dict:
    return {
        "principle_id": str(principle_id),
        **{k: v for k, v in principle_fields("Voorstel").items() if k != "origin"},
        "reason": "Omdat de praktijk erom vraagt.",
        **fields,
    }


@pytest.mark.parametrize(
    "role", ["beheerder", "bestuurder", "programmamanager", "teamlid", "partner"]
)
def test_every_member_but_a_lezer_proposes_a_change(app, world, login_as, role):
    ids = built(app, world).ids
    client = login_as(world, role)
    form = client.get(url(world, f"/proposals/new?principle={ids['Open']}"))
    assert form.status_code == 200
    assert input_value(html(form), "title") == "Open"

    response = post(
        client, url(world, "/proposals/new"), proposal_form(ids["Open"], title="Open en eerlijk")
    )

    assert response.status_code == 302
    with app.app_context():
        proposal = db.session.execute(select(ChangeProposal)).scalar_one()
        assert (proposal.principle_id, proposal.title, proposal.author_id, proposal.status) == (
            ids["Open"],
            "Open en eerlijk",
            world.users[role].id,
            OPEN,
        )
    assert response.headers["Location"].endswith(url(world, f"/proposals/{proposal.id}"))
    page = main_of(client.get(response.headers["Location"]))
    assert "<ins>" in page  # the proposed wording beside the current one


def test_propose_a_new_principle(app, world, login_as):
    built(app, world)
    client = login_as(world, "partner")

    response = post(client, url(world, "/proposals/new"), proposal_form("", title="Nieuw principe"))

    assert response.status_code == 302
    with app.app_context():
        proposal = db.session.execute(select(ChangeProposal)).scalar_one()
        assert (proposal.principle_id, proposal.title) == (None, "Nieuw principe")
    listed = main_of(client.get(url(world, "/proposals")))
    assert "Nieuw principe" in listed and message(app, "new principle") in listed


def test_a_lezer_cannot_propose_or_comment(app, world, login_as):
    ids = built(app, world).ids
    proposal_id = propose_in(app, world, ids["Open"])
    client = login_as(world, "lezer")
    before = state(app, world)

    assert client.get(url(world, "/proposals/new")).status_code == 403
    assert post(client, url(world, "/proposals/new"), proposal_form(ids["Open"])).status_code == 403
    assert (
        post(
            client, url(world, f"/proposals/{proposal_id}/comments"), {"body": "Eens."}
        ).status_code
        == 403
    )
    page = main_of(client.get(url(world, f"/proposals/{proposal_id}")))
    assert url(world, f"/proposals/{proposal_id}/comments") not in page
    assert url(world, "/proposals/new") not in main_of(client.get(url(world, "/proposals")))
    assert state(app, world) == before


@pytest.mark.parametrize(
    ("field", "msgid"),
    [
        ("title", "Enter a title."),
        ("core_sentence", "Enter the principle in one sentence."),
        ("reason", "Explain why you propose this."),
    ],
)
def test_a_proposal_with_an_empty_field_is_refused(app, world, login_as, field, msgid):
    ids = built(app, world).ids
    client = login_as(world, "teamlid")
    before = state(app, world)

    response = post(
        client, url(world, "/proposals/new"), proposal_form(ids["Open"], **{field: "  "})
    )

    assert response.status_code == 422
    assert field_error(html(response), field) == message(app, msgid)
    assert state(app, world) == before


def test_a_proposal_for_a_principle_of_another_partnership_is_refused(
    app, world, make_partnership, login_as
):
    built(app, world)
    other = built(app, make_partnership("ander"), ["Elders"])
    client = login_as(world, "teamlid")
    before = state(app, world)

    response = post(client, url(world, "/proposals/new"), proposal_form(other.ids["Elders"]))

    assert response.status_code == 422
    assert field_error(html(response), "principle_id")
    assert state(app, world) == before


def test_members_comment_on_a_proposal(app, world, login_as):
    ids = built(app, world).ids
    proposal_id = propose_in(app, world, ids["Open"])
    client = login_as(world, "partner")

    response = post(
        client, url(world, f"/proposals/{proposal_id}/comments"), {"body": "Eens, *graag*."}
    )

    assert message(app, "Your comment has been placed.") in flashed(client, response)
    page = main_of(client.get(url(world, f"/proposals/{proposal_id}")))
    assert "Eens, <em>graag</em>." in page and "Partner testverband" in page


def test_an_empty_comment_is_refused(app, world, login_as):
    ids = built(app, world).ids
    proposal_id = propose_in(app, world, ids["Open"])
    client = login_as(world, "teamlid")
    before = state(app, world)

    response = post(client, url(world, f"/proposals/{proposal_id}/comments"), {"body": "   "})

    assert response.status_code == 422
    assert field_error(html(response), "body") == message(app, "Write a comment.")
    assert state(app, world) == before


@pytest.mark.parametrize("role", EDITORS)
def test_accept_a_change_into_the_draft(app, world, login_as, role):
    ids = drafted(app, world).ids
    proposal_id = propose_in(app, world, ids["Open"], title="Open en eerlijk")
    client = login_as(world, role)

    response = post(client, url(world, f"/proposals/{proposal_id}/accept"))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(world, "/versions/2"))
    assert texts_in(app, world, 2) == ["Samen", "Open en eerlijk"]
    assert texts_in(app, world, 1) == list(TITLES)
    proposal = proposal_row(app, proposal_id)
    assert (proposal.status, proposal.decided_by_id) == (ACCEPTED, world.users[role].id)
    page = main_of(client.get(url(world, f"/proposals/{proposal_id}")))
    assert url(world, f"/proposals/{proposal_id}/accept") not in page


def test_accept_opens_a_draft_when_there_is_none(app, world, login_as):
    ids = built(app, world).ids
    proposal_id = propose_in(app, world, ids["Samen"], title="Samen sterk")
    client = login_as(world, "programmamanager")

    response = post(client, url(world, f"/proposals/{proposal_id}/accept"))

    assert message(app, "The proposal has been taken into draft version %(n)s.", n=2) in flashed(
        client, response
    )
    assert texts_in(app, world, 2) == ["Samen sterk", "Open", "Lerend"]
    with app.app_context():
        assert version(world, 2).status == DRAFT
        assert version(world, 1).status == ADOPTED


def test_accept_a_new_principle(app, world, login_as):
    built(app, world)
    proposal_id = propose_in(app, world, None, title="Nieuw principe")
    client = login_as(world, "beheerder")

    post(client, url(world, f"/proposals/{proposal_id}/accept"))

    assert texts_in(app, world, 2) == [*TITLES, "Nieuw principe"]
    assert ">Nieuw principe</a>" in main_of(client.get(url(world, "/versions/2")))


def test_decline_with_a_reason(app, world, login_as):
    ids = built(app, world).ids
    proposal_id = propose_in(app, world, ids["Open"])
    client = login_as(world, "programmamanager")

    response = post(
        client,
        url(world, f"/proposals/{proposal_id}/decline"),
        {"reason": "Past niet bij de koers."},
    )

    assert message(app, "The proposal has been declined.") in flashed(client, response)
    proposal = proposal_row(app, proposal_id)
    assert (proposal.status, proposal.decision_reason) == (DECLINED, "Past niet bij de koers.")
    assert "Past niet bij de koers." in main_of(client.get(url(world, f"/proposals/{proposal_id}")))
    assert state(app, world)["versions"][-1][1] == ADOPTED  # no draft was opened


def test_decline_without_a_reason_is_refused(app, world, login_as):
    ids = built(app, world).ids
    proposal_id = propose_in(app, world, ids["Open"])
    client = login_as(world, "programmamanager")
    before = state(app, world)

    response = post(client, url(world, f"/proposals/{proposal_id}/decline"), {"reason": " "})

    assert response.status_code == 422
    assert field_error(html(response), "reason") == message(app, "Give the reason for declining.")
    assert state(app, world) == before


def test_a_decided_proposal_cannot_be_decided_again(app, world, login_as):
    ids = built(app, world).ids
    proposal_id = propose_in(app, world, ids["Open"])
    client = login_as(world, "programmamanager")
    client.get(post(client, url(world, f"/proposals/{proposal_id}/accept")).headers["Location"])
    before = state(app, world)
    refusal = message(app, "This proposal has already been decided.")

    again = post(client, url(world, f"/proposals/{proposal_id}/accept"))
    assert refusal in flashed(client, again)
    declined = post(
        client, url(world, f"/proposals/{proposal_id}/decline"), {"reason": "Toch niet."}
    )

    assert declined.status_code == 422
    assert refusal in alert_text(html(declined))
    assert state(app, world) == before


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_other_roles_cannot_accept_or_decline(app, world, login_as, role):
    ids = built(app, world).ids
    proposal_id = propose_in(app, world, ids["Open"])
    client = login_as(world, role)
    before = state(app, world)

    assert post(client, url(world, f"/proposals/{proposal_id}/accept")).status_code == 403
    assert (
        post(
            client, url(world, f"/proposals/{proposal_id}/decline"), {"reason": "Nee."}
        ).status_code
        == 403
    )
    page = main_of(client.get(url(world, f"/proposals/{proposal_id}")))
    assert url(world, f"/proposals/{proposal_id}/accept") not in page
    assert state(app, world) == before


def test_a_proposal_from_a_lesson_shows_its_origin(app, world, login_as):
    ids = built(app, world).ids
    proposal_id = propose_in(
        app,
        world,
        ids["Lerend"],
        role="programmamanager",
        origin_type="lesson",
        origin_id=7,
        origin_label="Les uit review 7",
    )
    client = login_as(world, "lezer")

    page = main_of(client.get(url(world, f"/proposals/{proposal_id}")))

    assert "Les uit review 7" in page
    proposal = proposal_row(app, proposal_id)
    assert (proposal.origin_type, proposal.origin_id) == ("lesson", 7)


def test_proposals_list_filters_by_status(app, world, login_as):
    built(app, world)
    first = propose_in(app, world, title="Eerste")
    propose_in(app, world, title="Tweede")
    client = login_as(world, "programmamanager")
    post(client, url(world, f"/proposals/{first}/decline"), {"reason": "Nee."})

    open_list = main_of(client.get(url(world, "/proposals")))
    declined = main_of(client.get(url(world, "/proposals?status=declined")))
    everything = main_of(client.get(url(world, "/proposals?status=all")))

    assert "Tweede" in open_list and "Eerste" not in open_list
    assert "Eerste" in declined and "Tweede" not in declined
    assert "Eerste" in everything and "Tweede" in everything


# --- PDF ---------------------------------------------------------------------------------------


def pdf_strings(data: bytes) -> list[str]:
    """The text strings of a PDF's dictionaries (document title, bookmarks), in any stream."""
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            chunks.append(zlib.decompress(data[match.end() : end]))
        except zlib.error:
            continue
    found = []
    for chunk in chunks:
        for hexed in re.findall(rb"/Title\s*<([0-9a-fA-F]+)>", chunk):
            raw = bytes.fromhex(hexed.decode())
            found.append(
                raw[2:].decode("utf-16-be") if raw[:2] == b"\xfe\xff" else raw.decode("latin-1")
            )
        found += [s.decode("latin-1") for s in re.findall(rb"/Title\s*\(([^)]*)\)", chunk)]
    return found


def test_pdf_of_the_adopted_manifest(app, world, login_as):
    built(app, world)
    client = login_as(world, "lezer")

    response = client.get(url(world, "/pdf"))

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "manifest-testverband-v1.pdf" in response.headers["Content-Disposition"]
    strings = pdf_strings(response.data)
    assert any("Samenwerking testverband" in s for s in strings), strings
    for title in TITLES:
        assert any(title in s for s in strings), (title, strings)


def test_pdf_of_an_older_version(app, world, login_as):
    built(app, world)
    built(app, world, ["Tweede"])
    client = login_as(world, "teamlid")

    response = client.get(url(world, "/pdf?version=1"))

    assert response.status_code == 200
    assert "manifest-testverband-v1.pdf" in response.headers["Content-Disposition"]
    assert not any("Tweede" in s for s in pdf_strings(response.data))


def test_no_pdf_without_an_adopted_version(app, world, login_as):
    client = login_as(world, "lezer")
    assert client.get(url(world, "/pdf")).status_code == 404

    built(app, world, adopt=False)

    assert client.get(url(world, "/pdf")).status_code == 404
    assert client.get(url(world, "/pdf?version=1")).status_code == 404


# --- audit -------------------------------------------------------------------------------------


def test_every_write_leaves_an_audit_event(app, world, client, add_member):
    manifest_types = ("ManifestVersion", "PrincipleText", "Endorsement", "ChangeProposal")

    def actions():
        """The manifest's audit events since the last call, as (actor, object type, action)."""
        with app.app_context():
            events = (
                db.session.execute(
                    select(AuditEvent)
                    .where(AuditEvent.id > seen[0], AuditEvent.object_type.in_(manifest_types))
                    .order_by(AuditEvent.id)
                )
                .scalars()
                .all()
            )
            if events:
                seen[0] = events[-1].id
            assert {e.partnership_id for e in events} <= {world.partnership.id}
            assert all(e.object_id for e in events)
            return [(e.actor_id, e.object_type, e.action) for e in events]

    seen = [0]
    manager = world.users["programmamanager"]
    login(client, manager.email)

    post(client, url(world, "/versions"))
    assert actions() == [(manager.id, "ManifestVersion", "create")]

    post(client, url(world, "/versions/1/principles/new"), principle_fields("Samen"))
    assert actions() == [(manager.id, "PrincipleText", "create")]

    post(client, url(world, "/versions/1/adopt"), {"note": "Vastgesteld."})
    assert actions() == [(manager.id, "ManifestVersion", "adopt")]

    with app.app_context():
        pid = services.current_version(world.partnership.id).texts[0].principle_id
    logout(client)
    board = world.users["bestuurder"]
    login(client, board.email)
    post(client, url(world, "/versions/1/endorse"))
    assert actions() == [(board.id, "Endorsement", "create")]

    post(client, url(world, "/proposals/new"), proposal_form(pid, title="Samen sterk"))
    post(client, url(world, "/proposals/new"), proposal_form("", title="Nieuw"))
    assert actions() == [(board.id, "ChangeProposal", "create")] * 2

    with app.app_context():
        change, new = db.session.execute(
            select(ChangeProposal.id).order_by(ChangeProposal.id)
        ).scalars()
    logout(client)
    login(client, manager.email)
    post(client, url(world, f"/proposals/{change}/accept"))
    assert actions()[-1] == (manager.id, "ChangeProposal", "accept")
    post(client, url(world, f"/proposals/{new}/decline"), {"reason": "Nee."})
    assert actions() == [(manager.id, "ChangeProposal", "decline")]


def test_a_refused_write_leaves_no_audit_event(app, world, login_as):
    ids = built(app, world).ids
    client = login_as(world, "programmamanager")
    with app.app_context():
        before = db.session.query(AuditEvent).count()

    post(client, url(world, "/versions/1/principles/new"), principle_fields("Nieuw"))
    post(client, url(world, f"/versions/1/principles/{ids['Open']}/move"), {"position": "9"})
    post(client, url(world, "/proposals/new"), proposal_form(ids["Open"], reason=""))

    with app.app_context():
        assert db.session.query(AuditEvent).count() == before


# --- query counts ------------------------------------------------------------------------------


def sized(app, make_partnership, password_hash, slug, principles, organisations):
    """A partnership with an adopted manifest of `principles` principles, `organisations`
    organisations of which every other one endorsed it, open proposals and a draft."""
    world = make_partnership(slug)
    titles = [f"Principe {n:02}" for n in range(principles)]
    ids = built(app, world, titles).ids
    with app.test_request_context():
        current = services.current_version(world.partnership.id)
        for n in range(organisations - 2):
            org = Organisation(name=f"Organisatie {slug} {n:02}", kind="aanbieder")
            db.session.add_all(
                [org, Participation(partnership_id=world.partnership.id, organisation=org)]
            )
        db.session.flush()
        orgs = db.session.execute(
            select(Organisation)
            .join(Participation)
            .where(Participation.partnership_id == world.partnership.id)
            .order_by(Organisation.name)
        ).scalars()
        for n, org in enumerate(orgs):
            user = User(
                email=f"bestuur{n}@{slug}.test",
                name=f"Bestuur {n} {slug}",
                password_hash=password_hash,
                session_token=f"b-{slug}-{n}",
            )
            db.session.add_all(
                [
                    user,
                    Membership(
                        user=user,
                        partnership_id=world.partnership.id,
                        organisation=org,
                        role="bestuurder",
                    ),
                ]
            )
            db.session.flush()
            if n % 2 == 0:
                db.session.add(
                    Endorsement(
                        manifest_version_id=current.id, organisation_id=org.id, user_id=user.id
                    )
                )
        db.session.commit()
        roles = ["teamlid", "partner", "bestuurder", "beheerder", "programmamanager"]
        for n, title in enumerate(titles[: max(1, principles // 3)]):
            services.propose_change(
                world.partnership.id,
                world.users[roles[n % 5]].id,
                ids[title],
                principle_fields(title),
                "Omdat.",
            )
        draft = services.open_draft(world.partnership, world.users["programmamanager"].id)
        services.retire_principle(services.texts_of(draft)[0])
        db.session.remove()
    return world


def logged_in(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def statements_for(app, count_queries, client, path) -> int:
    assert client.get(path).status_code == 200  # warm up
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


MANIFEST_PAGES = ("/", "/versions/1", "/versions/2", "/versions", "/proposals", "/compare")


@pytest.mark.parametrize("role", ["programmamanager", "bestuurder"])
def test_manifest_pages_query_count_does_not_grow(
    app, make_partnership, password_hash, count_queries, role
):
    small = sized(app, make_partnership, password_hash, "klein", principles=3, organisations=2)
    large = sized(app, make_partnership, password_hash, "groot", principles=15, organisations=12)
    few_client = logged_in(app, small.users[role].email)
    many_client = logged_in(app, large.users[role].email)

    few = {
        path: statements_for(app, count_queries, few_client, url(small, path))
        for path in MANIFEST_PAGES
    }
    many = {
        path: statements_for(app, count_queries, many_client, url(large, path))
        for path in MANIFEST_PAGES
    }

    assert few == many
    assert all(few.values())


def test_proposal_page_query_count_does_not_grow_with_comments(
    app, make_partnership, count_queries, add_member
):
    counts = []
    for slug, comments in (("klein", 1), ("groot", 10)):
        world = make_partnership(slug)
        ids = built(app, world).ids
        proposal_id = propose_in(app, world, ids["Open"])
        emails = [add_member(world, "teamlid") for _ in range(comments)]

        def place(emails=emails, proposal_id=proposal_id):
            proposal = db.session.get(ChangeProposal, proposal_id)
            for email in emails:
                author = db.session.execute(select(User).where(User.email == email)).scalar_one()
                services.comment_on_proposal(proposal, author.id, f"Reactie van {author.name}.")

        in_context(app, place)
        client = logged_in(app, world.users["lezer"].email)
        counts.append(
            statements_for(app, count_queries, client, url(world, f"/proposals/{proposal_id}"))
        )

    assert counts[0] == counts[1]


def test_principle_page_query_count_does_not_grow(app, make_partnership, count_queries):
    counts = []
    for slug, versions in (("klein", 1), ("groot", 6)):
        world = make_partnership(slug)
        ids = built(app, world).ids
        for n in range(versions - 1):
            built(app, world, [f"Extra {n}"])
        for n in range(versions):
            propose_in(
                app, world, ids["Open"], title=f"Voorstel {n}", role=["teamlid", "partner"][n % 2]
            )
        client = logged_in(app, world.users["lezer"].email)
        counts.append(
            statements_for(app, count_queries, client, url(world, f"/principles/{ids['Open']}"))
        )

    assert counts[0] == counts[1]
