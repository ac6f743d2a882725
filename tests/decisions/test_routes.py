"""Decision pages: an allowed and a refused role for every route, bad input (a Dutch
message, nothing stored), htmx answers, conflicts, two partnerships, and the query count
of the list page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.agreements.models import Agreement
from app.decisions import services
from app.decisions.models import Proposal, ProposalAnswer
from app.extensions import db
from app.timeutil import today, utcnow
from tests.conftest import field_error, input_value, post
from tests.decisions.conftest import add_council, answer, closes_in, propose
from tests.tables.helpers import logged_in, make_table


def html(response) -> str:
    return response.get_data(as_text=True)


def client_for(app, council, role: str):
    email = (
        f"bestuurder3@{council.slug}.test"
        if role == "bestuurder3"
        else council.world.users[role].email
    )
    return logged_in(app, email)


def in_ctx(app, func, *args, **kwargs):
    with app.test_request_context():
        try:
            return func(*args, **kwargs)
        finally:
            db.session.remove()


def make(app, council, **over) -> int:
    """A proposal by the programmamanager; returns its number."""

    def run():
        return propose(council, **over).number

    return in_ctx(app, run)


def answered(app, council, number: int, *roles_positions) -> None:
    def run():
        proposal = db.session.execute(select(Proposal).filter_by(number=number)).scalar_one()
        for role, position, reason in roles_positions:
            answer(council, proposal, role, position, reason)

    in_ctx(app, run)


def stored(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def form_data(council, **over) -> dict:
    when = closes_in(48).strftime("%Y-%m-%dT%H:%M")
    return {
        "title": "Gezamenlijke toegang 18+",
        "text": "We regelen de overgang naar 18+ **samen**.",
        "rationale": "Jongeren vallen tussen wal en schip.",
        "organisations": [str(i) for i in council.organisation_ids],
        "method": "consent",
        "quorum": "",
        "closes_at": when,
        **over,
    }


# --- list and new ---------------------------------------------------------------------------


def test_the_list_is_for_every_member_and_hides_other_partnerships(app, council, make_partnership):
    number = make(app, council)
    page = client_for(app, council, "lezer").get(council.url("/"))
    assert page.status_code == 200 and "VS-1 Eén regisseur per gezin" in html(page)
    assert "0 van 3 organisaties hebben gereageerd" in html(page)
    other = make_partnership("anderverband")
    outsider = logged_in(app, other.users["beheerder"].email)
    assert outsider.get(council.url("/")).status_code == 404
    assert outsider.get(council.url(f"/{number}")).status_code == 404


def test_a_proposal_of_another_partnership_is_404_by_number(
    app, council, make_partnership, password_hash
):
    other = make_partnership("anderverband")
    other_council = in_ctx(app, add_council, other, password_hash)
    make(app, other_council, title="Alleen bij de ander")
    viewer = client_for(app, council, "beheerder")
    assert viewer.get(council.url("/1")).status_code == 404  # numbers are per partnership
    make(app, council)
    page = viewer.get(council.url("/1"))
    assert page.status_code == 200 and "Alleen bij de ander" not in html(page)


def test_new_proposal_allowed_for_the_programmamanager_refused_for_others(app, council):
    assert client_for(app, council, "programmamanager").get(council.url("/new")).status_code == 200
    assert client_for(app, council, "lezer").get(council.url("/new")).status_code == 403
    assert client_for(app, council, "teamlid").get(council.url("/new")).status_code == 403


def test_starting_a_proposal_through_the_form(app, council):
    client = client_for(app, council, "programmamanager")
    client.get(council.url("/new"))
    response = post(client, council.url("/new"), form_data(council))
    assert response.status_code == 302 and response.headers["Location"].endswith("/decisions/1")
    page = client.get(council.url("/1"))
    assert "Gezamenlijke toegang 18+" in html(page) and "<strong>samen</strong>" in html(page)


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"closes_at": "2020-01-01T10:00"}, "De sluitingstijd ligt in het verleden"),
        ({"organisations": []}, "Kies de organisaties die beslissen."),
        ({"title": ""}, "Vul een titel in."),
        ({"method": "meerderheid", "quorum": "9"}, "Vul een quorum in tussen 1 en 3 organisaties."),
        ({"closes_at": "morgen"}, ""),
    ],
)
def test_bad_input_is_shown_in_dutch_and_stores_nothing(app, council, over, message):
    client = client_for(app, council, "programmamanager")
    response = post(client, council.url("/new"), form_data(council, **over))
    assert response.status_code == 422
    assert message in html(response)
    assert stored(app, Proposal) == 0


def test_in_a_table_its_members_propose(app, council):
    table_id = in_ctx(app, lambda: make_table(council.world).id)
    teamlid = client_for(app, council, "teamlid")
    page = teamlid.get(council.url(f"/new?table={table_id}"))
    assert page.status_code == 200 and "Gezinsgericht werken" in html(page)
    response = post(teamlid, council.url("/new"),
                    form_data(council, table_id=str(table_id),
                              organisations=[str(council.world.municipality.id),
                                             str(council.world.provider.id)]))  # fmt: skip
    assert response.status_code == 302
    assert (
        client_for(app, council, "lezer").get(council.url(f"/new?table={table_id}")).status_code
        == 403
    )
    assert teamlid.get(council.url("/new?table=999999")).status_code == 404


def test_a_partner_outside_the_table_does_not_see_its_proposals(app, council):
    def run():
        table = make_table(council.world, members=("teamlid",))
        return propose(council, role="teamlid", table=table,
                       organisations=[council.world.municipality.id]).number  # fmt: skip

    number = in_ctx(app, run)
    partner = client_for(app, council, "partner")
    assert partner.get(council.url(f"/{number}")).status_code == 404
    assert "VS-1" not in html(partner.get(council.url("/")))
    assert client_for(app, council, "lezer").get(council.url(f"/{number}")).status_code == 200


# --- answering ------------------------------------------------------------------------------


def test_answer_allowed_for_the_bestuurder_refused_for_lezer_and_non_decider(app, council):
    number = make(app, council)
    for role, code in (("lezer", 403), ("programmamanager", 403), ("partner", 403)):
        client = client_for(app, council, role)
        response = post(client, council.url(f"/{number}/answer"),
                        {"position": "instemmen", "answer_version": "0"})  # fmt: skip
        assert response.status_code == code, role
    assert stored(app, ProposalAnswer) == 0
    bestuurder = client_for(app, council, "bestuurder")
    page = bestuurder.get(council.url(f"/{number}"))
    assert "Reageren namens Gemeente testverband" in html(page)
    response = post(bestuurder, council.url(f"/{number}/answer"),
                    {"position": "instemmen", "answer_version": input_value(html(page), "answer_version")})  # fmt: skip
    assert response.status_code == 302
    assert stored(app, ProposalAnswer) == 1


def test_an_objection_without_a_reason_is_refused(app, council):
    number = make(app, council)
    client = client_for(app, council, "teamlid")
    response = post(client, council.url(f"/{number}/answer"),
                    {"position": "bezwaar", "reason": " ", "answer_version": "0"})  # fmt: skip
    assert response.status_code == 422 and "Geef de reden van het bezwaar." in html(response)
    assert stored(app, ProposalAnswer) == 0


def test_htmx_answer_returns_the_tally(app, council):
    number = make(app, council)
    client = client_for(app, council, "teamlid")
    response = post(client, council.url(f"/{number}/answer"),
                    {"position": "bezwaar", "reason": "Eerst privacy.", "answer_version": "0"},
                    headers={"HX-Request": "true"})  # fmt: skip
    body = html(response)
    assert response.status_code == 200 and body.lstrip().startswith("<section")
    assert "Eerst privacy." in body and "<html" not in body


def test_a_stale_answer_form_shows_the_conflict(app, council):
    number = make(app, council)
    in_ctx(app, lambda: services.designate(council.member("bestuurder"), council.world.municipality.id,
                                           council.world.users["programmamanager"].id))  # fmt: skip
    bestuurder = client_for(app, council, "bestuurder")
    manager = client_for(app, council, "programmamanager")
    form = {"position": "instemmen", "answer_version": "0"}
    assert post(bestuurder, council.url(f"/{number}/answer"), form).status_code == 302
    response = post(manager, council.url(f"/{number}/answer"),
                    {"position": "bezwaar", "reason": "Nee", "answer_version": "0"})  # fmt: skip
    assert response.status_code == 409
    assert "Iemand anders heeft intussen gereageerd" in html(response)
    with app.app_context():
        row = db.session.execute(select(ProposalAnswer)).scalar_one()
        assert row.position == "instemmen"


def test_answering_after_closing_is_refused_with_the_time(app, council):
    number = make(app, council)
    with app.app_context():
        db.session.execute(update(Proposal).values(closes_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
    client = client_for(app, council, "bestuurder")
    response = post(client, council.url(f"/{number}/answer"),
                    {"position": "instemmen", "answer_version": "0"})  # fmt: skip
    assert response.status_code == 422
    assert "Dit voorstel is gesloten op" in html(response)
    page = client.get(council.url(f"/{number}"))
    assert "Gesloten" in html(page) and "Reageren namens" not in html(page)
    assert stored(app, ProposalAnswer) == 0


# --- amend, outcome, agreement, manifest, archive ----------------------------------------------


def test_amend_by_the_proposer_only_and_stale_forms_conflict(app, council):
    number = make(app, council)
    proposer = client_for(app, council, "programmamanager")
    assert (
        client_for(app, council, "beheerder").get(council.url(f"/{number}/amend")).status_code
        == 403
    )
    assert client_for(app, council, "lezer").get(council.url(f"/{number}/amend")).status_code == 403
    page = html(proposer.get(council.url(f"/{number}/amend")))
    version = input_value(page, "version")
    data = {"title": "Eén regisseur per gezin", "text": "Nieuwe tekst.", "rationale": "",
            "reason": "", "version": version}  # fmt: skip
    response = post(proposer, council.url(f"/{number}/amend"), data)
    assert response.status_code == 422 and "Leg uit waarom je het voorstel aanpast." in html(
        response
    )
    response = post(
        proposer, council.url(f"/{number}/amend"), {**data, "reason": "Bezwaar verwerkt."}
    )
    assert response.status_code == 302
    response = post(proposer, council.url(f"/{number}/amend"),
                    {**data, "text": "Nog anders.", "reason": "Opnieuw."})  # fmt: skip
    assert response.status_code == 409


def test_outcome_adopt_and_agreement(app, council):
    number = make(app, council)
    answered(app, council, number, ("bestuurder", "instemmen", ""), ("teamlid", "instemmen", ""),
             ("bestuurder3", "onthouden", ""))  # fmt: skip
    proposer = client_for(app, council, "programmamanager")
    assert (
        client_for(app, council, "bestuurder").get(council.url(f"/{number}/outcome")).status_code
        == 403
    )
    bad = post(proposer, council.url(f"/{number}/outcome"),
               {"outcome": "aangenomen", "outcome_text": "Ja", "review_on": today().isoformat()})  # fmt: skip
    assert bad.status_code == 422 and "De herzieningsdatum moet na vandaag liggen." in html(bad)
    review = (today() + timedelta(days=90)).isoformat()
    response = post(proposer, council.url(f"/{number}/outcome"),
                    {"outcome": "aangenomen", "outcome_text": "Door allen aangenomen.", "review_on": review})  # fmt: skip
    assert response.status_code == 302
    assert (
        post(
            client_for(app, council, "bestuurder"), council.url(f"/{number}/agreement")
        ).status_code
        == 403
    )
    assert (
        post(client_for(app, council, "lezer"), council.url(f"/{number}/manifest")).status_code
        == 403
    )
    response = post(proposer, council.url(f"/{number}/agreement"))
    assert response.status_code == 302 and "/agreements/" in response.headers["Location"]
    agreement = html(proposer.get(response.headers["Location"]))
    assert "Eén regisseur per gezin" in agreement
    with app.app_context():
        a = db.session.execute(select(Agreement)).scalar_one()
        assert a.revisit_on.isoformat() == review and a.origin_type == "decision"
    page = html(proposer.get(council.url(f"/{number}")))
    assert "Werd de werkafspraak" in page
    # Already made: refused with a message, nothing more stored.
    post(proposer, council.url(f"/{number}/manifest"))
    assert stored(app, Agreement) == 1


def test_manifest_change_from_an_adopted_proposal(app, council):
    number = make(app, council)
    answered(app, council, number, ("bestuurder", "instemmen", ""), ("teamlid", "instemmen", ""),
             ("bestuurder3", "instemmen", ""))  # fmt: skip
    proposer = client_for(app, council, "programmamanager")
    post(
        proposer,
        council.url(f"/{number}/outcome"),
        {"outcome": "aangenomen", "outcome_text": "Ja."},
    )
    assert post(proposer, council.url(f"/{number}/manifest")).status_code == 302
    assert "Werd een wijzigingsvoorstel voor het manifest" in html(
        proposer.get(council.url(f"/{number}"))
    )


def test_archive_allowed_for_the_proposer_refused_for_a_lezer(app, council):
    number = make(app, council)
    proposer = client_for(app, council, "programmamanager")
    post(
        proposer,
        council.url(f"/{number}/outcome"),
        {"outcome": "ingetrokken", "outcome_text": "Weg."},
    )
    assert (
        post(client_for(app, council, "lezer"), council.url(f"/{number}/archive")).status_code
        == 403
    )
    assert post(proposer, council.url(f"/{number}/archive"), {"archived": "1"}).status_code == 302
    with app.app_context():
        assert db.session.execute(select(Proposal)).scalar_one().archived_at is not None
    assert "VS-1" in html(proposer.get(council.url("/?status=all&archived=1")))
    assert "VS-1" not in html(proposer.get(council.url("/?status=all")))


def test_ics_of_the_closing_time(app, council):
    number = make(app, council)
    response = client_for(app, council, "lezer").get(council.url(f"/{number}.ics"))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "Voorstel sluit: VS-1" in html(response)


# --- designations -------------------------------------------------------------------------------


def test_mandates_page_for_bestuurder_and_beheerder_refused_for_others(app, council):
    for role in ("teamlid", "lezer", "programmamanager"):
        assert client_for(app, council, role).get(council.url("/mandates")).status_code == 403
    bestuurder = client_for(app, council, "bestuurder")
    page = bestuurder.get(council.url("/mandates"))
    assert page.status_code == 200 and "Gemeente testverband" in html(page)
    assert "Aanbieder testverband" not in html(page)  # only their own organisation
    bad = post(bestuurder, council.url("/mandates"),
               {"organisation_id": str(council.world.municipality.id),
                "user_id": str(council.world.users["lezer"].id)})  # fmt: skip
    assert bad.status_code == 422
    good = post(bestuurder, council.url("/mandates"),
                {"organisation_id": str(council.world.municipality.id),
                 "user_id": str(council.world.users["programmamanager"].id)})  # fmt: skip
    assert good.status_code == 302
    page = html(bestuurder.get(council.url("/mandates")))
    assert "Programmamanager testverband" in page


def test_withdrawing_a_designation(app, council):
    from app.decisions.models import DecisionMandate

    with app.app_context():
        mandate_id = db.session.execute(select(DecisionMandate.id)).scalar_one()  # the provider's
    bestuurder = client_for(app, council, "bestuurder")  # of the municipality: not theirs
    assert post(bestuurder, council.url(f"/mandates/{mandate_id}/withdraw")).status_code == 403
    beheerder = client_for(app, council, "beheerder")
    assert post(beheerder, council.url("/mandates/999999/withdraw")).status_code == 404
    assert post(beheerder, council.url(f"/mandates/{mandate_id}/withdraw")).status_code == 302
    with app.app_context():
        assert db.session.get(DecisionMandate, mandate_id).active is False


def test_dashboard_panel_and_table_outcomes(app, council):
    number = make(app, council)
    dashboard = html(client_for(app, council, "bestuurder3").get(f"/p/{council.slug}/"))
    assert (
        "Besluiten waarop jouw organisatie nog moet reageren" in dashboard and "VS-1" in dashboard
    )
    assert "Besluiten waarop" not in html(
        client_for(app, council, "lezer").get(f"/p/{council.slug}/")
    )
    assert number == 1


# --- query count ---------------------------------------------------------------------------------


def test_the_list_page_query_count_does_not_grow(app, council, count_queries):
    client = client_for(app, council, "lezer")

    def statements() -> int:
        client.get(council.url("/?status=all"))  # warm up (session, slugs)
        with count_queries() as run:
            response = client.get(council.url("/?status=all"))
        assert response.status_code == 200
        return len(run)

    for _ in range(2):
        make(app, council)
    few = statements()
    for n in range(18):
        make(app, council, title=f"Voorstel {n}")
    many = statements()
    assert many == few, (few, many)


def test_a_stale_htmx_answer_updates_the_tally_in_place(app, council):
    number = make(app, council)
    in_ctx(app, lambda: services.designate(council.member("bestuurder"), council.world.municipality.id,
                                           council.world.users["programmamanager"].id))  # fmt: skip
    assert post(client_for(app, council, "bestuurder"), council.url(f"/{number}/answer"),
                {"position": "onthouden", "answer_version": "0"}).status_code == 302  # fmt: skip
    response = post(client_for(app, council, "programmamanager"), council.url(f"/{number}/answer"),
                    {"position": "instemmen", "answer_version": "0"},
                    headers={"HX-Request": "true"})  # fmt: skip
    body = html(response)
    assert response.status_code == 422 and "<html" not in body
    assert "Een ander lid van je organisatie heeft intussen gereageerd" in body
    assert input_value(body, "answer_version") == "1"  # made from the answer that won
    with app.app_context():
        assert db.session.execute(select(ProposalAnswer.position)).scalar_one() == "onthouden"


def test_history_activity_and_notifications_include_proposals_and_answers(app, council):
    number = make(app, council)
    answered(app, council, number, ("teamlid", "bezwaar", "Eerst de privacy."))
    with app.app_context():
        proposal_id = db.session.execute(select(Proposal.id)).scalar_one()
    lezer = client_for(app, council, "lezer")
    history = lezer.get(f"/p/{council.slug}/history/decision/{proposal_id}")
    assert history.status_code == 200
    assert "Reactie op een voorstel" in html(history) and "gereageerd" in html(history)
    manager = client_for(app, council, "programmamanager")
    activity = manager.get(f"/p/{council.slug}/activity?kind=ProposalAnswer")
    assert activity.status_code == 200 and "Reactie op een voorstel" in html(activity)
    assert manager.get(f"/p/{council.slug}/activity?kind=Proposal").status_code == 200
    notifications = html(manager.get("/notifications"))
    assert "maakt bezwaar tegen VS-1 “Eén regisseur per gezin”: Eerst de privacy." in notifications
    assert lezer.get(f"/p/{council.slug}/activity").status_code == 403


def test_flask_notify_send_closes_a_proposal_whose_time_passed(app, council):
    number = make(app, council)
    answered(app, council, number, ("bestuurder", "instemmen", ""))
    with app.app_context():
        closes_at = db.session.execute(select(Proposal.closes_at)).scalar_one()
    later = (closes_at + timedelta(minutes=1)).isoformat()
    result = app.test_cli_runner().invoke(args=["notify", "send", "--now", later])
    assert result.exit_code == 0, result.output
    with app.app_context():
        proposal = db.session.execute(select(Proposal)).scalar_one()
        assert (proposal.status, proposal.result, proposal.closed_at) == (
            "gesloten",
            "aangenomen",
            closes_at,
        )


def test_the_beheerder_designates_for_any_organisation(app, council):
    beheerder = client_for(app, council, "beheerder")
    page = html(beheerder.get(council.url("/mandates")))
    for name in ("Gemeente testverband", "Aanbieder testverband", "Derde aanbieder testverband"):
        assert name in page
    assert "Teamlid testverband" in page  # the fixture's designation for the provider
    response = post(beheerder, council.url("/mandates"),
                    {"organisation_id": str(council.world.provider.id),
                     "user_id": str(council.world.users["partner"].id)})  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        partner = db.session.get(type(council.world.memberships["partner"]),
                                 council.world.memberships["partner"].id)  # fmt: skip
        assert services.may_decide(partner, council.world.provider.id)


def test_the_reason_is_labelled_as_required_with_an_objection(app, council):
    number = make(app, council)
    client = client_for(app, council, "teamlid")
    page = html(client.get(council.url(f"/{number}")))
    reason = re.search(r'<label[^>]*for="reason"[^>]*>(.*?)</label>', page, re.S).group(1)
    assert "(optioneel)" not in reason and "(verplicht)" not in reason
    assert "Verplicht bij een bezwaar." in page and 'id="reason-description"' in page

    response = post(client, council.url(f"/{number}/answer"),
                    {"position": "bezwaar", "reason": "", "answer_version": "0"})  # fmt: skip

    assert response.status_code == 422
    assert field_error(html(response), "reason") == "Geef de reden van het bezwaar."
    assert stored(app, ProposalAnswer) == 0
