"""The beheerder pages: access to every route, organisations, members, invitations, conflicts."""

from __future__ import annotations

import socket
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from app.activity.models import AuditEvent
from app.auth.models import Invitation
from app.extensions import db
from app.partnerships import services
from app.partnerships.models import ROLES, Membership, Organisation, Participation, Partnership
from app.timeutil import utcnow
from tests.conftest import (
    alert_text,
    count_rows,
    enrol_two_factor,
    fetch,
    field_error,
    find,
    input_value,
    login,
    message,
    post,
)


def make_invitation(app, world, email="open@example.org") -> int:
    with app.app_context():
        invitation = Invitation(
            partnership_id=world.partnership.id,
            organisation_id=world.provider.id,
            role="lezer",
            email=email,
            token_hash=f"hash-of-{email}",
            expires_at=utcnow() + timedelta(days=7),
        )
        db.session.add(invitation)
        db.session.commit()
        return invitation.id


def add_organisation(app, world, name="Stichting Zonder Leden", kind="overig") -> int:
    with app.app_context():
        partnership = db.session.get(Partnership, world.partnership.id)
        return services.add_organisation(partnership, name, kind).id


def admin_requests(world, invitation_id: int) -> list[tuple[str, str, dict]]:
    """Every admin route of world's partnership, as (method, url, form data)."""
    base = f"/p/{world.slug}/admin"
    org = world.provider.id
    member = world.memberships["lezer"].id
    return [
        ("GET", f"{base}/", {}),
        ("GET", f"{base}/organisations", {}),
        ("POST", f"{base}/organisations", {"name": "Nieuwe Organisatie", "kind": "overig"}),
        ("GET", f"{base}/organisations/{org}", {}),
        (
            "POST",
            f"{base}/organisations/{org}",
            {"name": "Hernoemd", "kind": "overig", "version": "1"},
        ),
        ("POST", f"{base}/organisations/{org}/archive", {}),
        ("POST", f"{base}/organisations/{org}/restore", {}),
        ("GET", f"{base}/members", {}),
        ("GET", f"{base}/members/{member}", {}),
        (
            "POST",
            f"{base}/members/{member}",
            {"organisation_id": str(org), "role": "beheerder", "version": "1"},
        ),
        ("POST", f"{base}/members/{member}/deactivate", {}),
        ("POST", f"{base}/members/{member}/restore", {}),
        ("GET", f"{base}/invitations", {}),
        (
            "POST",
            f"{base}/invitations",
            {"email": "x@example.org", "organisation_id": str(org), "role": "beheerder"},
        ),
        ("POST", f"{base}/invitations/{invitation_id}/revoke", {}),
        ("GET", f"{base}/invitations/{invitation_id}/revoke", {}),
        ("POST", f"{base}/invitations/{invitation_id}/revoke", {"confirmed": "1"}),
    ]


def send(client, method, url, data):
    return client.get(url) if method == "GET" else post(client, url, data)


def snapshot(app) -> tuple:
    """Counts that any admin write would change."""
    return tuple(
        count_rows(app, model)
        for model in (Organisation, Participation, Membership, Invitation, AuditEvent)
    ) + (
        count_rows(app, Membership, active=True),
        count_rows(app, Participation, active=True),
        count_rows(app, Invitation, revoked_at=None),
        count_rows(app, Membership, role="beheerder"),
    )


# --- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in ROLES if r != "beheerder"])
def test_admin_routes_refuse_other_roles(app, client, login_as, world, smtp, role):
    invitation_id = make_invitation(app, world)
    login_as(world, role)
    before = snapshot(app)

    for method, url, data in admin_requests(world, invitation_id):
        assert send(client, method, url, data).status_code == 403, (method, url)

    assert snapshot(app) == before
    assert smtp == []


def test_admin_routes_are_404_for_another_partnership(app, client, make_partnership, world, smtp):
    invitation_id = make_invitation(app, world)
    other = make_partnership("ander")
    login(client, other.users["beheerder"].email)
    before = snapshot(app)

    for method, url, data in admin_requests(world, invitation_id):
        assert send(client, method, url, data).status_code == 404, (method, url)

    assert snapshot(app) == before
    assert smtp == []


def test_admin_routes_send_anonymous_to_login(app, client, world):
    invitation_id = make_invitation(app, world)
    before = snapshot(app)

    for method, url, data in admin_requests(world, invitation_id):
        response = send(client, method, url, data)
        assert response.status_code == 302, (method, url)
        assert urlsplit(response.location).path == "/login", (method, url)

    assert snapshot(app) == before


def test_admin_pages_open_for_the_beheerder(app, client, login_as, world):
    invitation_id = make_invitation(app, world)
    login_as(world, "beheerder")
    home = f"/p/{world.slug}/admin/"
    for method, url, _data in admin_requests(world, invitation_id):
        if method == "GET" and url != home:
            assert client.get(url).status_code == 200, url
    response = client.get(home)
    assert response.status_code == 302
    assert urlsplit(response.location).path == f"/p/{world.slug}/admin/organisations"


def test_objects_of_another_partnership_are_404(app, client, login_as, make_partnership, world):
    other = make_partnership("ander")
    other_invitation = make_invitation(app, other, email="elders@example.org")
    login_as(world, "beheerder")
    base = f"/p/{world.slug}/admin"
    member = other.memberships["lezer"].id
    org = other.municipality.id
    before = snapshot(app)

    requests = [
        ("GET", f"{base}/members/{member}", {}),
        (
            "POST",
            f"{base}/members/{member}",
            {"organisation_id": str(world.provider.id), "role": "lezer", "version": "1"},
        ),
        ("POST", f"{base}/members/{member}/deactivate", {}),
        ("POST", f"{base}/members/{member}/restore", {}),
        ("GET", f"{base}/organisations/{org}", {}),
        (
            "POST",
            f"{base}/organisations/{org}",
            {"name": "Gekaapt", "kind": "overig", "version": "1"},
        ),
        ("POST", f"{base}/organisations/{org}/archive", {}),
        ("POST", f"{base}/organisations/{org}/restore", {}),
        ("POST", f"{base}/invitations/{other_invitation}/revoke", {}),
        ("GET", f"{base}/members/999999", {}),
        ("GET", f"{base}/organisations/999999", {}),
        ("POST", f"{base}/invitations/999999/revoke", {}),
    ]
    for method, url, data in requests:
        assert send(client, method, url, data).status_code == 404, (method, url)

    assert snapshot(app) == before
    assert fetch(app, Organisation, org).name == other.municipality.name
    assert fetch(app, Membership, member).active
    assert fetch(app, Invitation, other_invitation).state == "open"


# --- organisations -------------------------------------------------------------------------


@pytest.fixture
def beheerder(client, login_as, world):
    login_as(world, "beheerder")
    return client


def test_add_a_new_organisation(app, beheerder, world):
    response = post(
        beheerder,
        f"/p/{world.slug}/admin/organisations",
        {"name": "  Stichting Nieuw  ", "kind": "aanbieder"},
    )
    assert response.status_code == 302
    organisation = find(app, Organisation, name="Stichting Nieuw")
    assert organisation.kind == "aanbieder"
    assert find(
        app, Participation, partnership_id=world.partnership.id, organisation_id=organisation.id
    ).active
    page = beheerder.get(response.location).get_data(as_text=True)
    assert "Stichting Nieuw" in page


def test_add_an_organisation_of_another_partnership_shares_it(
    app, beheerder, make_partnership, world
):
    other = make_partnership("ander")
    response = post(
        beheerder,
        f"/p/{world.slug}/admin/organisations",
        {"name": other.provider.name.upper(), "kind": "aanbieder"},
    )
    assert response.status_code == 302
    assert count_rows(app, Organisation) == 4  # no copy made
    assert find(
        app, Participation, partnership_id=world.partnership.id, organisation_id=other.provider.id
    )


@pytest.mark.parametrize("name", ["Gemeente testverband", "GEMEENTE TESTVERBAND"])
def test_add_a_duplicate_organisation_is_refused(app, beheerder, world, name):
    before = snapshot(app)
    response = post(
        beheerder, f"/p/{world.slug}/admin/organisations", {"name": name, "kind": "gemeente"}
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "name") == message(
        app, "This organisation already takes part."
    )
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Goede Naam", "kind": "koninkrijk"}, "kind"),
        ({"name": "", "kind": "gemeente"}, "name"),
        ({"name": "x" * 201, "kind": "gemeente"}, "name"),
    ],
)
def test_add_organisation_bad_input_is_refused(app, beheerder, world, data, field):
    before = snapshot(app)
    response = post(beheerder, f"/p/{world.slug}/admin/organisations", data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field)
    assert snapshot(app) == before


def test_edit_an_organisation(app, beheerder, world):
    url = f"/p/{world.slug}/admin/organisations/{world.provider.id}"
    form = beheerder.get(url).get_data(as_text=True)
    version = input_value(form, "version")

    response = post(
        beheerder, url, {"name": "Aanbieder Hernoemd", "kind": "consortium", "version": version}
    )

    assert response.status_code == 302
    organisation = fetch(app, Organisation, world.provider.id)
    assert (organisation.name, organisation.kind) == ("Aanbieder Hernoemd", "consortium")
    assert organisation.version == int(version) + 1


def test_edit_organisation_to_an_existing_name_is_refused(app, beheerder, world):
    url = f"/p/{world.slug}/admin/organisations/{world.provider.id}"
    version = input_value(beheerder.get(url).get_data(as_text=True), "version")
    before = snapshot(app)

    response = post(
        beheerder,
        url,
        {"name": world.municipality.name.lower(), "kind": "aanbieder", "version": version},
    )

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "name") == message(
        app, "An organisation with this name exists already."
    )
    assert fetch(app, Organisation, world.provider.id).name == world.provider.name
    assert snapshot(app) == before


def test_archive_is_refused_while_an_organisation_has_active_members(app, beheerder, world):
    before = snapshot(app)
    response = post(
        beheerder,
        f"/p/{world.slug}/admin/organisations/{world.provider.id}/archive",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert message(
        app, "This organisation still has active members. Deactivate or move them first."
    ) in alert_text(response.get_data(as_text=True))
    assert find(
        app, Participation, partnership_id=world.partnership.id, organisation_id=world.provider.id
    ).active
    assert snapshot(app) == before


def test_archive_and_restore_an_organisation_without_members(app, beheerder, world):
    organisation_id = add_organisation(app, world)
    base = f"/p/{world.slug}/admin/organisations/{organisation_id}"

    assert post(beheerder, f"{base}/archive").status_code == 302
    participation = find(
        app, Participation, partnership_id=world.partnership.id, organisation_id=organisation_id
    )
    assert not participation.active
    # Archived, not deleted: the organisation and its participation remain.
    assert fetch(app, Organisation, organisation_id) is not None
    # An archived organisation is no longer offered for members or invitations.
    invite_form = beheerder.get(f"/p/{world.slug}/admin/invitations").get_data(as_text=True)
    assert f'<option value="{organisation_id}"' not in invite_form

    assert post(beheerder, f"{base}/restore").status_code == 302
    assert fetch(app, Participation, participation.id).active


def test_archive_allowed_when_the_members_are_deactivated(app, beheerder, world):
    for role in ("teamlid", "partner"):  # the provider's members
        post(beheerder, f"/p/{world.slug}/admin/members/{world.memberships[role].id}/deactivate")
    assert (
        post(
            beheerder, f"/p/{world.slug}/admin/organisations/{world.provider.id}/archive"
        ).status_code
        == 302
    )
    assert not find(
        app, Participation, partnership_id=world.partnership.id, organisation_id=world.provider.id
    ).active


# --- members -------------------------------------------------------------------------------


def edit_member(client, world, role_of, data):
    url = f"/p/{world.slug}/admin/members/{world.memberships[role_of].id}"
    version = input_value(client.get(url).get_data(as_text=True), "version")
    return post(client, url, {"version": version, **data})


def test_edit_member_role_and_organisation(app, beheerder, world):
    response = edit_member(
        beheerder,
        world,
        "lezer",
        {"organisation_id": str(world.provider.id), "role": "programmamanager"},
    )
    assert response.status_code == 302
    membership = fetch(app, Membership, world.memberships["lezer"].id)
    assert (membership.organisation_id, membership.role) == (world.provider.id, "programmamanager")
    # The new role takes effect on the member's next request.
    lezer = app.test_client()
    login(lezer, world.users["lezer"].email)
    assert lezer.get(f"/p/{world.slug}/admin/organisations").status_code == 403
    edit_member(
        beheerder, world, "lezer", {"organisation_id": str(world.provider.id), "role": "beheerder"}
    )
    # A beheerder must use two-factor authentication: first the set-up, then the page.
    page = lezer.get(f"/p/{world.slug}/admin/organisations")
    assert page.status_code == 302 and page.location.endswith("/account/two-factor/setup")
    enrol_two_factor(lezer)
    assert lezer.get(f"/p/{world.slug}/admin/organisations").status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"organisation_id": "{org}", "role": "koning"}, "role"),
        ({"organisation_id": "999999", "role": "lezer"}, "organisation_id"),
        ({"organisation_id": "abc", "role": "lezer"}, "organisation_id"),
    ],
)
def test_edit_member_bad_input_is_refused(app, beheerder, world, data, field):
    data = {k: v.format(org=world.provider.id) for k, v in data.items()}
    before = snapshot(app)
    response = edit_member(beheerder, world, "lezer", data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field)
    assert fetch(app, Membership, world.memberships["lezer"].id).role == "lezer"
    assert snapshot(app) == before


def test_edit_member_to_an_archived_organisation_is_refused(app, beheerder, world):
    organisation_id = add_organisation(app, world)
    with app.app_context():
        participation = db.session.execute(
            db.select(Participation).filter_by(organisation_id=organisation_id)
        ).scalar_one()
        services.set_participation_active(participation, False)
    response = edit_member(
        beheerder, world, "lezer", {"organisation_id": str(organisation_id), "role": "lezer"}
    )
    assert response.status_code == 422
    assert fetch(app, Membership, world.memberships["lezer"].id).organisation_id == (
        world.municipality.id
    )


def test_the_last_beheerder_keeps_the_role(app, beheerder, world):
    before = snapshot(app)
    response = edit_member(
        beheerder,
        world,
        "beheerder",
        {"organisation_id": str(world.municipality.id), "role": "lezer"},
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "role") == message(
        app, "A partnership needs at least one beheerder."
    )
    assert fetch(app, Membership, world.memberships["beheerder"].id).role == "beheerder"
    assert snapshot(app) == before


def test_a_beheerder_may_step_down_when_there_is_another(app, beheerder, world):
    edit_member(
        beheerder,
        world,
        "lezer",
        {"organisation_id": str(world.municipality.id), "role": "beheerder"},
    )
    response = edit_member(
        beheerder,
        world,
        "beheerder",
        {"organisation_id": str(world.municipality.id), "role": "lezer"},
    )
    assert response.status_code == 302
    assert fetch(app, Membership, world.memberships["beheerder"].id).role == "lezer"
    assert beheerder.get(f"/p/{world.slug}/admin/members").status_code == 403


def test_a_beheerder_cannot_deactivate_themself(app, beheerder, world):
    before = snapshot(app)
    response = post(
        beheerder,
        f"/p/{world.slug}/admin/members/{world.memberships['beheerder'].id}/deactivate",
        follow_redirects=True,
    )
    assert message(app, "You cannot deactivate yourself.") in alert_text(
        response.get_data(as_text=True)
    )
    assert fetch(app, Membership, world.memberships["beheerder"].id).active
    assert snapshot(app) == before


def test_deactivate_and_restore_a_member(app, beheerder, world):
    lezer = app.test_client()
    login(lezer, world.users["lezer"].email)
    base = f"/p/{world.slug}/admin/members/{world.memberships['lezer'].id}"

    assert post(beheerder, f"{base}/deactivate").status_code == 302

    assert not fetch(app, Membership, world.memberships["lezer"].id).active
    # Deactivation ends the member's sessions: the next request is sent to log in.
    response = lezer.get(f"/p/{world.slug}/")
    assert response.status_code == 302 and "/login" in response.location
    login(lezer, world.users["lezer"].email)
    assert lezer.get(f"/p/{world.slug}/").status_code == 404
    inactive = beheerder.get(f"/p/{world.slug}/admin/members?state=inactive").get_data(as_text=True)
    assert world.users["lezer"].email in inactive

    assert post(beheerder, f"{base}/restore").status_code == 302

    assert fetch(app, Membership, world.memberships["lezer"].id).active
    assert lezer.get(f"/p/{world.slug}/").status_code == 200


def test_admin_members_filters(beheerder, world):
    page = beheerder.get(f"/p/{world.slug}/admin/members?role=teamlid").get_data(as_text=True)
    assert world.users["teamlid"].email in page
    assert world.users["lezer"].email not in page
    partial = beheerder.get(
        f"/p/{world.slug}/admin/members?q=lezer", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in partial
    assert world.users["lezer"].email in partial


# --- stale edits ---------------------------------------------------------------------------


def test_stale_organisation_edit_gets_a_conflict_page(app, beheerder, world):
    url = f"/p/{world.slug}/admin/organisations/{world.provider.id}"
    old_version = input_value(beheerder.get(url).get_data(as_text=True), "version")
    # Meanwhile someone else saves a change.
    with app.test_request_context():
        partnership = db.session.get(Partnership, world.partnership.id)
        organisation = db.session.get(Organisation, world.provider.id)
        services.update_organisation(partnership, organisation, "Naam Van Een Ander", "aanbieder")
    events_before = count_rows(app, AuditEvent)

    response = post(
        beheerder, url, {"name": "Mijn Naam", "kind": "consortium", "version": old_version}
    )

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Mijn Naam" in page and "Naam Van Een Ander" in page
    organisation = fetch(app, Organisation, world.provider.id)
    assert (organisation.name, organisation.kind) == ("Naam Van Een Ander", "aanbieder")
    assert count_rows(app, AuditEvent) == events_before


def test_stale_member_edit_gets_a_conflict_page(app, beheerder, world):
    url = f"/p/{world.slug}/admin/members/{world.memberships['lezer'].id}"
    old_version = input_value(beheerder.get(url).get_data(as_text=True), "version")
    with app.test_request_context():
        membership = db.session.get(Membership, world.memberships["lezer"].id)
        services.update_membership(membership, world.municipality.id, "teamlid")
    events_before = count_rows(app, AuditEvent)

    response = post(
        beheerder,
        url,
        {"organisation_id": str(world.provider.id), "role": "partner", "version": old_version},
    )

    assert response.status_code == 409
    membership = fetch(app, Membership, world.memberships["lezer"].id)
    assert (membership.organisation_id, membership.role) == (world.municipality.id, "teamlid")
    assert count_rows(app, AuditEvent) == events_before


# --- invitations ---------------------------------------------------------------------------


def invite(client, world, email, role="teamlid", organisation_id=None):
    return post(
        client,
        f"/p/{world.slug}/admin/invitations",
        {
            "email": email,
            "name": "",
            "organisation_id": str(organisation_id or world.provider.id),
            "role": role,
        },
    )


def test_invitation_is_listed_after_sending(app, beheerder, world, smtp):
    response = invite(beheerder, world, "nieuw@example.org")
    assert response.status_code == 302
    page = beheerder.get(response.location).get_data(as_text=True)
    assert "nieuw@example.org" in page
    assert len(smtp) == 1


def test_inviting_a_member_is_refused_without_mail(app, beheerder, world, smtp):
    before = snapshot(app)
    response = invite(beheerder, world, world.users["lezer"].email.upper())
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "email") == message(
        app, "This person is already a member of this partnership."
    )
    assert smtp == []
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [
        ("geen-adres", "lezer", "email"),
        ("", "lezer", "email"),
        ("goed@example.org", "koning", "role"),
    ],
)
def test_invitation_bad_input_is_refused(app, beheerder, world, smtp, email, role, field):
    before = snapshot(app)
    response = invite(beheerder, world, email, role=role)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field)
    assert smtp == []
    assert snapshot(app) == before


def test_invitation_to_an_organisation_outside_the_partnership_is_refused(
    app, beheerder, make_partnership, world, smtp
):
    other = make_partnership("ander")
    before = snapshot(app)
    response = invite(beheerder, world, "nieuw@example.org", organisation_id=other.provider.id)
    assert response.status_code == 422
    assert smtp == []
    assert snapshot(app) == before


def test_invitation_when_the_mail_server_is_down_saves_nothing(app, beheerder, world, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)
    before = snapshot(app)

    response = invite(beheerder, world, "nieuw@example.org")

    assert response.status_code == 503
    assert message(
        app,
        "The invitation could not be sent: the mail server did not answer. "
        "Nothing was saved; try again later.",
    ) in alert_text(response.get_data(as_text=True))
    assert find(app, Invitation, email="nieuw@example.org") is None
    assert snapshot(app) == before


REVOKE_EXPLAINED = (
    "The link in the invitation to %(email)s stops working; it cannot be used again. To invite "
    "this person after all, send a new invitation."
)


def test_withdrawing_an_invitation_asks_for_confirmation_first(app, beheerder, world):
    invitation_id = make_invitation(app, world)
    path = f"/p/{world.slug}/admin/invitations/{invitation_id}/revoke"
    explained = message(app, REVOKE_EXPLAINED, email="open@example.org")
    # The list offers the step: a link to the confirmation page and a dialog.
    page = beheerder.get(f"/p/{world.slug}/admin/invitations").get_data(as_text=True)
    assert f'href="{path}" data-confirm="confirm-revoke-{invitation_id}"' in page
    assert f'<dialog class="ss-confirm-dialog" id="confirm-revoke-{invitation_id}"' in page
    assert explained in page
    before = snapshot(app)
    response = beheerder.get(path)
    assert response.status_code == 200
    assert explained in response.get_data(as_text=True)
    # A POST without the confirmation shows the same page and withdraws nothing.
    response = post(beheerder, path)
    assert response.status_code == 200 and explained in response.get_data(as_text=True)
    assert snapshot(app) == before
    assert fetch(app, Invitation, invitation_id).state == "open"
    response = post(beheerder, path, {"confirmed": "1"})
    assert response.status_code == 302
    assert fetch(app, Invitation, invitation_id).state == "revoked"
    # A withdrawn invitation has no confirmation page any more.
    again = beheerder.get(path, follow_redirects=True)
    assert message(app, "Only an open invitation can be withdrawn.") in alert_text(
        again.get_data(as_text=True)
    )


def test_revoke_an_invitation(app, beheerder, world):
    invitation_id = make_invitation(app, world)
    response = post(
        beheerder, f"/p/{world.slug}/admin/invitations/{invitation_id}/revoke", {"confirmed": "1"}
    )
    assert response.status_code == 302
    assert fetch(app, Invitation, invitation_id).state == "revoked"

    # Withdrawing twice is refused with a message and changes nothing.
    events = count_rows(app, AuditEvent)
    again = post(
        beheerder,
        f"/p/{world.slug}/admin/invitations/{invitation_id}/revoke",
        {"confirmed": "1"},
        follow_redirects=True,
    )
    assert message(app, "Only an open invitation can be withdrawn.") in alert_text(
        again.get_data(as_text=True)
    )
    assert count_rows(app, AuditEvent) == events


def test_only_a_beheerder_can_invite(app, client, login_as, world, smtp):
    login_as(world, "programmamanager")
    response = invite(client, world, "nieuw@example.org")
    assert response.status_code == 403
    assert smtp == []
    assert count_rows(app, Invitation) == 0
