"""Members in bulk: a list becomes invitations (mailed) after a preview; the rules of a
single invitation apply, and only the beheerder invites."""

from __future__ import annotations

import pytest

from app.auth.models import Invitation
from tests.conftest import count_rows
from tests.imports.helpers import apply, csv_bytes, import_file, token_of, upload

HEADER = ["E-mailadres", "Naam", "Organisatie", "Rol"]


def rows(world, *extra):
    return [
        HEADER,
        ["nieuw@example.test", "Nieuw Lid", world.municipality.name, "teamlid"],
        ["Ander@Example.test", "", world.provider.name, "lezer"],
        *extra,
    ]


def test_bulk_invitations_after_a_preview(app, client, world, login_as, smtp):
    login_as(world, "beheerder")
    bad = [
        ["geen-adres", "", world.municipality.name, "teamlid"],
        ["x@example.test", "", "Gemeente Nergens", "teamlid"],
        ["y@example.test", "", world.municipality.name, "koning"],
        [world.users["lezer"].email, "", world.municipality.name, "lezer"],
        ["nieuw@example.test", "", world.municipality.name, "teamlid"],
    ]
    preview = upload(client, world.slug, "members", csv_bytes(rows(world, *bad)), "leden.csv")
    page = preview.get_data(as_text=True)
    for message in ("“geen-adres” is geen geldig e-mailadres.", "Onbekende organisatie",
                    "Rol “koning” is onbekend", "is al lid van dit samenwerkingsverband",
                    "komt meer dan eens voor"):  # fmt: skip
        assert message in page, message
    assert count_rows(app, Invitation) == 0 and smtp == []
    token = token_of(preview)
    assert apply(client, world.slug, "members", token, all_or_nothing=True).status_code == 422
    assert count_rows(app, Invitation) == 0
    assert apply(client, world.slug, "members", token).status_code == 302
    assert sorted(str(m["To"]) for m in smtp) == ["ander@example.test", "nieuw@example.test"]
    # the same list again invites nobody twice
    import_file(client, world.slug, "members", csv_bytes(rows(world)), "leden.csv")
    assert count_rows(app, Invitation) == 2 and len(smtp) == 2


@pytest.mark.parametrize("role", ["programmamanager", "teamlid", "bestuurder"])
def test_only_the_beheerder_invites_in_bulk(app, client, world, login_as, role):
    login_as(world, role)
    assert upload(client, world.slug, "members", csv_bytes(rows(world)), "l.csv").status_code == 403
    assert count_rows(app, Invitation) == 0
