"""Following: automatically what one creates, owns or comments on; explicitly on request
(also with htmx); an unfollow sticks; only what one may read can be followed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.activity.models import Follow
from app.activity.notifications import followers
from app.agreements import services as agreements
from app.agreements.models import Agreement
from app.cycles import services as cycles
from app.extensions import db
from app.risks import services as risks
from tests.activity.notification_helpers import (
    follow_rows,
    following,
    html,
    in_context,
    member,
    uid,
)
from tests.agreements.helpers import fields as agreement_fields
from tests.agreements.helpers import make as make_agreement
from tests.conftest import count_rows, message, post
from tests.reviews.helpers import finalise, make_review
from tests.risks.helpers import fields as risk_fields
from tests.risks.helpers import make as make_risk
from tests.tables.helpers import make_table, say, start

HTMX = {"HX-Request": "true"}


def follow_url(world, kind: str, object_id: int) -> str:
    return f"/p/{world.slug}/follow/{kind}/{object_id}"


def agreement_id(app, world, **over) -> int:
    return in_context(app, lambda: make_agreement(world, **over).id)


def agreements_followers(agreement_id: int) -> set[int]:
    return set(followers("agreement", agreement_id))


def count_rows_in_session(model, **by) -> int:
    return db.session.execute(select(func.count()).select_from(model).filter_by(**by)).scalar_one()


# --- automatically ------------------------------------------------------------------------


def test_the_maker_and_the_owner_follow_a_new_agreement(ctx, world):
    agreement = make_agreement(world, owner_id=uid(world, "teamlid"))

    assert agreements_followers(agreement.id) == {
        uid(world, "programmamanager"), uid(world, "teamlid")
    }  # fmt: skip


def test_a_new_owner_follows_the_agreement_after_an_update(ctx, world):
    agreement = make_agreement(world)
    data = agreement_fields(world, owner_id=uid(world, "bestuurder"))

    agreements.update_agreement(agreement, data, "Nieuwe eigenaar.", uid(world, "beheerder"))

    # The new owner follows; the one who only edited does not.
    assert agreements_followers(agreement.id) == {
        uid(world, "programmamanager"), uid(world, "bestuurder")
    }  # fmt: skip


def test_commenting_on_an_agreement_follows_it(ctx, world):
    agreement = make_agreement(world)

    agreements.add_comment(agreement, uid(world, "partner"), "Goed idee.")

    assert uid(world, "partner") in agreements_followers(agreement.id)


def test_risks_are_followed_by_maker_owner_and_commenters(ctx, world):
    risk = make_risk(world, owner_id=uid(world, "teamlid"))
    assert set(followers("risk", risk.id)) == {
        uid(world, "programmamanager"),
        uid(world, "teamlid"),
    }

    risks.update_risk(risk, risk_fields(world, owner_id=uid(world, "bestuurder")),
                      uid(world, "programmamanager"))  # fmt: skip
    risks.add_comment(risk, uid(world, "lezer"), "Ik lees mee.")

    assert set(followers("risk", risk.id)) == {
        uid(world, k) for k in ("programmamanager", "teamlid", "bestuurder", "lezer")
    }


def test_starting_or_joining_a_conversation_follows_it(ctx, world):
    table = make_table(world)
    conversation = start(world, table, "teamlid")
    assert followers("conversation", conversation.id) == [uid(world, "teamlid")]

    say(world, conversation, "partner", "Ik doe mee.")

    assert set(followers("conversation", conversation.id)) == {
        uid(world, "teamlid"), uid(world, "partner")
    }  # fmt: skip


def test_a_review_and_a_cycle_are_followed_by_their_maker(ctx, world):
    review = make_review(world, "teamlid")
    cycle = cycles.create_cycle(member(world, "programmamanager"), "Eerste halfjaar",
                                agreements.today().replace(month=1, day=1),
                                agreements.today().replace(month=6, day=30))  # fmt: skip

    assert followers("review", review.id) == [uid(world, "teamlid")]
    assert followers("cycle", cycle.id) == [uid(world, "programmamanager")]


def test_following_automatically_twice_keeps_one_row(ctx, world):
    agreement = make_agreement(world)
    for body in ("Eén.", "Twee.", "Drie."):
        agreements.add_comment(agreement, uid(world, "programmamanager"), body)

    assert count_rows_in_session(Follow, user_id=uid(world, "programmamanager")) == 1


# --- explicitly, through the route ------------------------------------------------------------


def test_unfollow_and_follow_again_through_the_route(app, world, login_as):
    agreement = agreement_id(app, world)
    page = f"/p/{world.slug}/agreements/1"
    client = login_as(world, "programmamanager")
    assert message(app, "Unfollow") in html(client.get(page))

    response = post(client, follow_url(world, "agreement", agreement), {"follow": "0"})

    assert response.status_code == 302
    assert response.headers["Location"] == page
    assert not following(app, uid(world, "programmamanager"), "agreement", agreement)
    shown = html(client.get(page))
    assert message(app, "You no longer follow this.") in shown
    assert message(app, "Unfollow") not in shown

    response = post(client, follow_url(world, "agreement", agreement),
                    {"follow": "1", "next": f"{page}?tab=x"})  # fmt: skip

    assert response.headers["Location"] == f"{page}?tab=x"
    assert following(app, uid(world, "programmamanager"), "agreement", agreement)
    assert count_rows(app, Follow, user_id=uid(world, "programmamanager")) == 1


def test_a_next_to_another_site_is_not_followed(app, world, login_as):
    agreement = agreement_id(app, world)
    client = login_as(world, "teamlid")

    response = post(client, follow_url(world, "agreement", agreement),
                    {"follow": "1", "next": "https://evil.example/"})  # fmt: skip

    assert response.headers["Location"] == f"/p/{world.slug}/agreements/1"


def test_with_htmx_the_button_comes_back_in_its_new_state(app, world, login_as):
    agreement = agreement_id(app, world)
    client = login_as(world, "teamlid")

    response = post(client, follow_url(world, "agreement", agreement), {"follow": "1"},
                    headers=HTMX)  # fmt: skip

    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith(
        f'<form class="ss-inline-form" id="follow-agreement-{agreement}"'
    )
    assert "<html" not in fragment
    assert message(app, "You follow this.") in fragment
    assert 'name="follow" value="0"' in fragment
    assert following(app, uid(world, "teamlid"), "agreement", agreement)

    response = post(client, follow_url(world, "agreement", agreement), {"follow": "0"},
                    headers=HTMX)  # fmt: skip

    assert 'name="follow" value="1"' in html(response)
    assert not following(app, uid(world, "teamlid"), "agreement", agreement)


def test_an_unfollow_is_not_undone_by_commenting_again(app, world, login_as):
    agreement = agreement_id(app, world)
    client = login_as(world, "programmamanager")
    post(client, follow_url(world, "agreement", agreement), {"follow": "0"})

    response = post(client, f"/p/{world.slug}/agreements/1/comments", {"body": "Nog één ding."})

    assert response.status_code == 302, html(response)[:500]
    assert count_rows(app, Agreement) == 1
    assert not following(app, uid(world, "programmamanager"), "agreement", agreement)
    # Nor by becoming the owner again, nor by a comment made through the service.
    in_context(app, lambda: agreements.add_comment(
        db.session.get(Agreement, agreement), uid(world, "programmamanager"), "En nog één."))  # fmt: skip
    assert not following(app, uid(world, "programmamanager"), "agreement", agreement)
    assert (uid(world, "programmamanager"), "agreement", agreement, False) in follow_rows(app)


def test_a_lezer_may_follow(app, world, login_as):
    agreement = agreement_id(app, world)
    client = login_as(world, "lezer")

    response = post(client, follow_url(world, "agreement", agreement), {"follow": "1"})

    assert response.status_code == 302
    assert following(app, uid(world, "lezer"), "agreement", agreement)


def test_a_cycle_can_be_followed_by_any_member(app, world, login_as):
    from datetime import date

    cycle_id = in_context(app, lambda: cycles.create_cycle(
        member(world, "programmamanager"), "Eerste halfjaar", date(2024, 1, 1), date(2024, 6, 30)).id)  # fmt: skip
    client = login_as(world, "partner")

    response = post(client, follow_url(world, "cycle", cycle_id), {"follow": "1"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/p/{world.slug}/cycles/1"
    assert following(app, uid(world, "partner"), "cycle", cycle_id)


# --- what cannot be followed ------------------------------------------------------------------


def test_an_object_of_another_partnership_is_not_found(app, world, make_partnership, login_as):
    other = make_partnership("ander-verband")
    theirs = agreement_id(app, other)
    client = login_as(world, "programmamanager")
    before = follow_rows(app)

    # Through one's own partnership: the object is not in it.
    response = post(client, follow_url(world, "agreement", theirs), {"follow": "1"})
    assert response.status_code == 404
    # Through the other partnership: one is not a member of it.
    response = post(client, follow_url(other, "agreement", theirs), {"follow": "1"})
    assert response.status_code == 404

    assert follow_rows(app) == before


@pytest.mark.parametrize("kind", ["principle", "table", "meeting", "proposal", "manifest", "x"])
def test_an_unknown_kind_is_not_found(app, world, login_as, kind):
    agreement = agreement_id(app, world)
    client = login_as(world, "programmamanager")
    before = follow_rows(app)

    response = post(client, follow_url(world, kind, agreement), {"follow": "1"})

    assert response.status_code == 404
    assert follow_rows(app) == before


def test_a_missing_object_is_not_found(app, world, login_as):
    client = login_as(world, "programmamanager")

    assert post(client, follow_url(world, "agreement", 999), {"follow": "1"}).status_code == 404
    assert post(client, follow_url(world, "risk", 999), {"follow": "1"}).status_code == 404
    assert follow_rows(app) == []


def test_a_review_of_another_organisation_cannot_be_followed(app, world, login_as):
    # The teamlid records for the provider; the programmamanager is of the municipality.
    review_id = in_context(app, lambda: make_review(world, "teamlid").id)
    client = login_as(world, "programmamanager")
    before = follow_rows(app)

    # A concept of another organisation does not exist for them.
    response = post(client, follow_url(world, "review", review_id), {"follow": "1"})
    assert response.status_code == 404

    def final():
        from app.reviews.models import Review

        finalise(world, db.session.get(Review, review_id))

    in_context(app, final)
    before = follow_rows(app)
    # A finalised one they may read, but one follows the reviews of one's own organisation.
    response = post(client, follow_url(world, "review", review_id), {"follow": "1"})
    assert response.status_code == 403
    assert follow_rows(app) == before
    # Their page of the review offers no button to follow it.
    assert f'id="follow-review-{review_id}"' not in html(client.get(f"/p/{world.slug}/reviews/1"))


def test_a_review_of_ones_own_organisation_can_be_followed(app, world, login_as):
    # The partner belongs to the provider, like the teamlid who records.
    review_id = in_context(app, lambda: make_review(world, "teamlid").id)
    client = login_as(world, "partner")

    response = post(client, follow_url(world, "review", review_id), {"follow": "1"})

    assert response.status_code == 302
    assert following(app, uid(world, "partner"), "review", review_id)


def test_a_partner_cannot_follow_a_conversation_of_a_table_they_are_not_in(app, world, login_as):
    def setup():
        table = make_table(world, members=("teamlid",))
        return start(world, table, "teamlid").id

    conversation_id = in_context(app, setup)
    client = login_as(world, "partner")

    response = post(client, follow_url(world, "conversation", conversation_id), {"follow": "1"})

    assert response.status_code == 404
    assert not following(app, uid(world, "partner"), "conversation", conversation_id)


def test_following_needs_a_login_and_a_csrf_token(app, world, client, login_as):
    agreement = agreement_id(app, world)

    response = post(client, follow_url(world, "agreement", agreement), {"follow": "1"})
    assert response.status_code in (302, 401)
    assert "/login" in response.headers.get("Location", "/login")

    login_as(world, "teamlid")
    response = client.post(follow_url(world, "agreement", agreement), data={"follow": "1"})
    assert response.status_code == 400
    assert not following(app, uid(world, "teamlid"), "agreement", agreement)


def test_a_member_of_the_table_follows_through_the_conversation_page(app, world, login_as):
    def setup():
        table = make_table(world)
        conversation = start(world, table, "teamlid")
        return table.id, conversation.id

    table_id, conversation_id = in_context(app, setup)
    client = login_as(world, "partner")
    page = f"/p/{world.slug}/tables/{table_id}/conversations/{conversation_id}"
    assert f'id="follow-conversation-{conversation_id}"' in html(client.get(page))

    response = post(client, follow_url(world, "conversation", conversation_id),
                    {"follow": "1", "next": page})  # fmt: skip

    assert response.headers["Location"] == page
    assert following(app, uid(world, "partner"), "conversation", conversation_id)
