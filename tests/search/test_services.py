"""Search through the service: Dutch stemming, grouping, highlighted and escaped snippets,
the kind filter and paging, and an index that the area services keep current (and that
`flask search reindex` rebuilds to the same documents)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.agreements import services as agreements
from app.extensions import db
from app.manifest import services as manifest
from app.partnerships.models import Partnership
from app.reviews import services as reviews
from app.search import services
from app.search.models import SearchDocument
from app.tables import services as tables
from app.timeutil import utcnow
from tests.agreements.helpers import fields as agreement_fields
from tests.conftest import message
from tests.cycles.helpers import advance, interpret, make_cycle
from tests.reviews.helpers import add_lesson, adopt_manifest, finalise, make_review
from tests.risks.helpers import make as make_risk
from tests.search.helpers import (
    a_bit_of_everything,
    document,
    documents,
    found,
    make_agreement,
    member,
    titles,
)
from tests.tables.helpers import access, close, local_now, make_table, plan, say, start, uid
from tests.test_kept import reads

# --- Dutch stemming ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "stem"),
    [("afspraken", "afsprak"), ("afspraak", "afsprak"), ("wachttijden", "wachttijd"),
     ("wachttijd", "wachttijd"), ("Gezinnen", "gezinn"), ("gezin", "gezin")],
)  # fmt: skip
def test_words_are_stemmed_the_way_postgresql_stems_dutch(word, stem):
    assert services.stem_words(word) == [stem]


@pytest.mark.parametrize("query", ["afspraak", "afspraken", "AFSPRAAK", "wachttijd",
                                   "wachttijden", "Afspraak wachttijd"])  # fmt: skip
def test_inflected_forms_find_the_agreement(ctx, world, query):
    agreement = make_agreement(world, title="Afspraken over wachttijden")

    results = found(world, "lezer", query)

    assert results.counts == {"agreement": 1}
    [hit] = results.groups["agreement"]
    assert hit.url == f"/p/{world.slug}/agreements/{agreement.number}"
    assert "<mark>Afspraken</mark>" in hit.title or "<mark>wachttijden</mark>" in hit.title


def test_a_word_that_is_not_there_finds_nothing(ctx, world):
    make_agreement(world, title="Afspraken over wachttijden")
    results = found(world, "lezer", "thuiszitters")
    assert (results.counts, results.groups, results.total) == ({}, {}, 0)


def test_every_word_of_the_query_must_occur(ctx, world):
    make_agreement(world, title="Afspraken over wachttijden")
    make_agreement(world, title="Afspraken over thuiszitters")
    assert titles(found(world, "lezer", "afspraak thuiszitter")) == [
        "WA-2 Afspraken over thuiszitters"
    ]


def test_stop_words_in_the_query_are_left_out_on_both_databases(ctx, world):
    make_agreement(world, title="Regie bij wachttijden", summary="Eén plan.")

    results = found(world, "lezer", "regie in de wachttijd")

    assert results.counts == {"agreement": 1}
    title = "WA-1 <mark>Regie</mark> bij <mark>wachttijden</mark>"
    assert results.groups["agreement"][0].title == title
    # A query of only stop words finds nothing (PostgreSQL ignores them).
    assert found(world, "lezer", "de het").counts == {}


# --- groups, highlighting and escaping ---------------------------------------------------


def test_results_are_grouped_by_kind_in_a_fixed_order(ctx, world):
    ids = a_bit_of_everything(world)

    # The teamlid recorded the (concept) review, so sees every kind.
    results = found(world, "teamlid", "wachttijd")

    order = ["document", "principle", "agreement", "risk", "conversation", "comment", "meeting", "review",
             "case", "lesson", "cycle", "decision"]  # fmt: skip
    assert list(services.kinds()) == order
    assert list(results.counts) == order
    assert list(results.groups) == order
    assert results.counts == dict.fromkeys(order, 1)
    assert results.total == len(order)
    for kind, [hit] in results.groups.items():
        assert hit.kind == kind
        assert "<mark>" in hit.title + hit.snippet, kind
    assert results.groups["agreement"][0].url.endswith("/agreements/1")
    assert results.groups["comment"][0].url.endswith(f"/comments/{ids['comment']}")
    assert results.groups["lesson"][0].url.endswith(f"#lesson-{ids['lesson']}")
    assert results.groups["principle"][0].url.endswith(f"/principles/{ids['principle']}")


def test_snippets_highlight_the_words_and_escape_the_rest(ctx, world):
    table = make_table(world)
    conversation = start(world, table, title="Wachttijden & <i>regie</i>")
    say(world, conversation, "teamlid",
        'Zie <script>alert("wachttijd")</script> en de <b>wachttijden</b> van "Kompas".')  # fmt: skip

    results = found(world, "teamlid", "wachttijd", kind="comment")

    [hit] = results.groups["comment"]
    assert hit.title == "<mark>Wachttijden</mark> &amp; &lt;i&gt;regie&lt;/i&gt;"
    assert "<script>" not in hit.snippet and "<b>" not in hit.snippet
    assert "&lt;script&gt;alert(&#34;<mark>wachttijd</mark>&#34;)&lt;/script&gt;" in hit.snippet
    assert "&lt;b&gt;<mark>wachttijden</mark>&lt;/b&gt;" in hit.snippet
    assert hit.snippet.count("<mark>") == 2


def test_a_long_body_gives_a_snippet_around_the_first_match(ctx, world):
    words = [f"woord{n}" for n in range(200)]
    words[120] = "wachttijden"
    make_agreement(world, title="Lange afspraak", explanation=" ".join(words))

    [hit] = found(world, "lezer", "wachttijd").groups["agreement"]

    assert hit.snippet.startswith("… ") and hit.snippet.endswith(" …")
    assert "<mark>wachttijden</mark>" in hit.snippet
    assert "woord119" in hit.snippet and "woord0 " not in hit.snippet
    assert len(hit.snippet.split()) <= 35


def test_highlight_and_snippet_escape_markup_in_the_stored_text():
    stems = {"wachttijd"}
    assert str(services.highlight("<wachttijd>", stems)) == "&lt;<mark>wachttijd</mark>&gt;"
    assert str(services.snippet("", stems)) == ""
    assert str(services.snippet("a & b", stems)) == "a &amp; b"


@pytest.mark.parametrize(
    ("match_at", "shown", "prefix", "suffix"),
    [
        (120, range(110, 140), True, True),  # a third before the match, the rest after
        (5, range(0, 30), False, True),  # near the start: from the start
        (195, range(185, 200), True, False),  # near the end: to the end, fewer words
        (None, range(0, 30), False, True),  # no match: the beginning
    ],
)
def test_a_snippet_is_thirty_words_around_the_first_match(match_at, shown, prefix, suffix):
    words = [f"woord{n}" for n in range(200)]
    if match_at is not None:
        words[match_at] = "wachttijden"
    body = "\n  ".join(words) + "  "  # whitespace runs become one space

    snippet = str(services.snippet(body, {"wachttijd"}))

    expected = " ".join(words[n] for n in shown).replace("wachttijden", "<mark>wachttijden</mark>")
    assert snippet == ("… " if prefix else "") + expected + (" …" if suffix else "")


# --- the kind filter and paging -------------------------------------------------------------


def many_agreements(world, count: int) -> None:
    for n in range(count):
        make_agreement(world, title=f"Wachttijden deel {n + 1}", summary="Samenvatting.")


def test_without_a_kind_each_group_shows_its_best_few_and_the_full_count(ctx, world):
    many_agreements(world, 25)
    make_risk(world, title="Oplopende wachttijden")

    results = found(world, "lezer", "wachttijd")

    assert results.counts == {"agreement": 25, "risk": 1}
    assert len(results.groups["agreement"]) == services.PER_KIND
    assert len(results.groups["risk"]) == 1
    assert (results.kind, results.pages) == (None, 1)


def test_a_kind_shows_only_that_kind_in_pages(ctx, world):
    many_agreements(world, 25)
    make_risk(world, title="Oplopende wachttijden")

    first = found(world, "lezer", "wachttijd", kind="agreement")
    second = found(world, "lezer", "wachttijd", kind="agreement", page=2)
    beyond = found(world, "lezer", "wachttijd", kind="agreement", page=99)

    # The counts of the other kinds stay, for the links to them.
    assert first.counts == {"agreement": 25, "risk": 1}
    assert list(first.groups) == ["agreement"]
    assert (first.kind, first.page, first.pages) == ("agreement", 1, 2)
    assert len(first.groups["agreement"]) == services.PAGE_SIZE
    assert (second.page, len(second.groups["agreement"])) == (2, 5)
    on_pages = titles(first) + titles(second)
    assert sorted(on_pages) == sorted(f"WA-{n} Wachttijden deel {n}" for n in range(1, 26))
    # A page beyond the last shows the last.
    assert (beyond.page, titles(beyond)) == (2, titles(second))


def test_an_unknown_kind_is_ignored(ctx, world):
    many_agreements(world, 2)
    make_risk(world, title="Oplopende wachttijden")
    results = found(world, "lezer", "wachttijd", kind="geheim")
    assert results.kind is None
    assert results.counts == {"agreement": 2, "risk": 1}
    assert list(results.groups) == ["agreement", "risk"]


def test_a_kind_without_results_shows_nothing_but_keeps_the_counts(ctx, world):
    many_agreements(world, 2)
    results = found(world, "lezer", "wachttijd", kind="risk")
    assert (results.counts, results.groups, results.pages) == ({"agreement": 2}, {}, 1)


# --- the query ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "?!", "...", "“ ”", "-- **", "_", "_-_"])
def test_a_query_without_words_is_refused(ctx, query):
    with pytest.raises(services.ServiceError) as refused:
        services.check_query(query)
    assert refused.value.field == "q"


def test_a_query_is_at_most_200_characters(ctx):
    assert services.check_query("a" * 200) == "a" * 200
    with pytest.raises(services.ServiceError):
        services.check_query("a" * 201)
    with pytest.raises(services.ServiceError):
        services.check_query("afspraak " * 200)


def test_whitespace_in_the_query_is_collapsed(ctx):
    assert services.check_query("  afspraken \n over\twachttijden ") == "afspraken over wachttijden"


REFUSALS = [
    ("", "Type what you are looking for.", {}),
    ("   ", "Type what you are looking for.", {}),
    ("a" * 1000, "Search with at most %(limit)s characters.", {"limit": 200}),
    ("?! …", "Search with at least one word or number.", {}),
]


@pytest.mark.parametrize(("query", "msgid", "variables"), REFUSALS)
def test_the_refusals_say_what_to_do_in_english(app, query, msgid, variables):
    assert refusal(app, query, "en") == msgid % variables


@pytest.mark.parametrize(("query", "msgid", "variables"), REFUSALS)
def test_the_refusals_are_in_dutch_by_default(app, query, msgid, variables):
    # Whatever the Dutch catalog says for the message (it is being written).
    assert refusal(app, query) == message(app, msgid, "nl", **variables)


def refusal(app, query: str, locale: str | None = None) -> str:
    from contextlib import nullcontext

    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale) if locale else nullcontext():
        with pytest.raises(services.ServiceError) as refused:
            services.check_query(query)
        return str(refused.value.message)


@pytest.mark.parametrize(
    ("query", "finds"),
    [('"afspraak', True), ("afspraak*", True), ("afspraak:", True), ("-afspraak", True),
     ("(afspraak", True), ("^afspraak", True), ("NEAR(afspraak)", False),
     ("afspraak OR risico", False), ("title:x", False), ("afspraak AND", False),
     ("afspraak_wachttijd", True)],
)  # fmt: skip
def test_search_syntax_characters_are_plain_text(ctx, world, query, finds):
    make_agreement(world, title="Afspraken over wachttijden")
    results = found(world, "lezer", query)  # no database error
    assert results.counts == ({"agreement": 1} if finds else {})


def test_a_hit_is_highlighted_once_until_its_document_or_the_words_change(ctx, world, monkeypatch):
    monkeypatch.setattr(services, "_hits", {})
    made = reads(monkeypatch, services, "snippet")
    agreement = make_agreement(world, title="Afspraken over wachttijden")

    first = found(world, "lezer", "wachttijd")
    again = found(world, "teamlid", "wachttijden")  # another reader, the same stem
    assert len(made) == 1 and again.groups == first.groups
    assert first.groups["agreement"][0].title == "WA-1 Afspraken over <mark>wachttijden</mark>"

    other = found(world, "lezer", "afspraak")  # other words: highlighted anew
    assert len(made) == 2
    assert other.groups["agreement"][0].title == "WA-1 <mark>Afspraken</mark> over wachttijden"

    agreements.update_agreement(
        agreement, agreement_fields(world, title="Wachttijden bij de toegang", origin=""),
        "Scherper.", uid(world, "programmamanager"),
    )  # fmt: skip
    changed = found(world, "lezer", "wachttijd")
    assert len(made) == 3
    assert changed.groups["agreement"][0].title == "WA-1 <mark>Wachttijden</mark> bij de toegang"

    monkeypatch.setattr(services, "KEPT_BODY", 10)  # a long body: highlighted each time
    found(world, "lezer", "wachttijd")
    found(world, "lezer", "wachttijd")
    assert len(made) == 5 and len(services._hits) == 3


# --- the index follows the services -------------------------------------------------------


def test_creating_and_changing_an_agreement_updates_its_document(ctx, world):
    agreement = make_agreement(world, title="Afspraken over wachttijden")
    assert document("agreement", agreement.id).title == "WA-1 Afspraken over wachttijden"

    agreements.update_agreement(
        agreement, agreement_fields(world, title="Afspraken over thuiszitters", origin=""),
        "Ander onderwerp.", uid(world, "programmamanager"),
    )  # fmt: skip

    assert found(world, "lezer", "wachttijd").counts == {}
    assert titles(found(world, "lezer", "thuiszitter")) == ["WA-1 Afspraken over thuiszitters"]
    assert count_documents() == 1


def test_a_risk_is_found_by_its_cause(ctx, world):
    make_risk(world, title="Tekort", cause="Personeelstekorten bij aanbieders.")
    assert titles(found(world, "lezer", "personeelstekort")) == ["R-1 Tekort"]


def test_an_edited_comment_is_found_by_its_new_text_only(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    comment = say(world, conversation, "teamlid", "De wachttijden lopen op.")

    tables.edit_comment(comment, uid(world, "teamlid"), "De doorlooptijden lopen op.")

    assert found(world, "lezer", "wachttijd").counts == {}
    assert found(world, "lezer", "doorlooptijd").counts == {"comment": 1}


def test_a_hidden_comment_is_gone_from_search(ctx, world):
    table = make_table(world)
    conversation = start(world, table)
    hidden = say(world, conversation, "teamlid", "Kompas is onbetrouwbaar met wachttijden.")
    say(world, conversation, "partner", "De wachttijden lopen op.")
    assert found(world, "lezer", "wachttijd").counts == {"comment": 2}

    tables.hide_comment(hidden, access(world, "programmamanager", table),
                        uid(world, "programmamanager"), "Geen verwijten.")  # fmt: skip

    for role in ("lezer", "programmamanager", "teamlid"):
        assert found(world, role, "onbetrouwbaar").counts == {}
        assert found(world, role, "wachttijd").counts == {"comment": 1}
    assert document("comment", hidden.id) is None


def test_a_closed_conversation_is_found_by_its_conclusion(ctx, world):
    table = make_table(world)
    conversation = start(world, table, title="Wie houdt de regie?")
    assert found(world, "lezer", "regisseur").counts == {}

    close(world, conversation, conclusion="Eén regisseur per gezin.")

    results = found(world, "lezer", "regisseur")
    assert results.counts == {"conversation": 1}
    assert "<mark>regisseur</mark>" in results.groups["conversation"][0].snippet


def test_meeting_minutes_are_found_once_written(ctx, world):
    table = make_table(world)
    meeting = plan(world, table, local_now() - timedelta(days=1))
    assert found(world, "lezer", "notulen").counts == {}

    tables.update_meeting(
        meeting, access(world, "programmamanager", table),
        {"title": meeting.title, "starts_at": local_now() - timedelta(days=1),
         "ends_at": local_now() - timedelta(hours=22), "place": meeting.place,
         "agenda": meeting.agenda, "minutes": "De notulen: iedereen was er."},
        set(), uid(world, "programmamanager"),
    )  # fmt: skip

    assert found(world, "lezer", "notulen").counts == {"meeting": 1}


def test_a_new_manifest_version_replaces_the_principles_of_the_old_one(ctx, world):
    ids = adopt_manifest(world, titles=("Samen", "Wachttijden kort", "Open"))
    assert found(world, "lezer", "wachttijd").counts == {"principle": 1}
    partnership = db.session.get(Partnership, world.partnership.id)
    user_id = uid(world, "programmamanager")
    draft = manifest.open_draft(partnership, user_id)
    texts = {t.principle_id: t for t in draft.texts}
    manifest.update_principle(
        texts[ids["Samen"]], {"title": "Samen", "core_sentence": "Wij werken als één gezinsteam."}
    )
    manifest.retire_principle(texts[ids["Wachttijden kort"]])
    # A draft is not what members read: nothing changes until it is adopted.
    assert found(world, "lezer", "gezinsteam").counts == {}
    assert found(world, "lezer", "wachttijd").counts == {"principle": 1}

    manifest.adopt(draft, "Versie 2.", user_id)

    assert found(world, "lezer", "wachttijd").counts == {}
    [hit] = found(world, "lezer", "gezinsteam").groups["principle"]
    assert hit.url == f"/p/{world.slug}/manifest/principles/{ids['Samen']}"
    assert found(world, "lezer", "samen").counts == {"principle": 1}  # the title, not twice
    assert {d[1] for d in documents() if d[0] == "principle"} == {ids["Samen"], ids["Open"]}


def test_finalising_a_review_shares_it_and_its_lessons_but_not_the_case(ctx, world):
    adopt_manifest(world)
    review = make_review(world, title="Gezin met twee aanbieders")
    add_lesson(world, review, text="Eén regisseur vanaf de aanmelding.")
    # The programmamanager is of the other organisation (the municipality).
    assert found(world, "programmamanager", "regisseur").counts == {}
    assert found(world, "programmamanager", "aanbieder").counts == {}

    finalise(world, review)

    assert found(world, "programmamanager", "regisseur").counts == {"lesson": 1}
    assert found(world, "programmamanager", "aanbieder").counts == {"review": 1, "lesson": 1}
    assert found(world, "programmamanager", "ZEBRAGEHEIM").counts == {}
    assert found(world, "teamlid", "ZEBRAGEHEIM").counts == {"case": 1}


def test_a_removed_lesson_is_gone_from_search(ctx, world):
    review = make_review(world)
    lesson = add_lesson(world, review, text="Eén regisseur vanaf de aanmelding.")
    assert found(world, "teamlid", "regisseur").counts == {"lesson": 1}

    reviews.remove_lesson(review, member(world, "teamlid"), lesson)

    assert found(world, "teamlid", "regisseur").counts == {}
    finalise(world, make_review(world, title="Tweede"))
    finalise(world, review)
    assert found(world, "programmamanager", "regisseur").counts == {}


def test_purging_an_expired_review_removes_its_case_details(ctx, world):
    review = make_review(world)
    add_lesson(world, review, text="Eén regisseur vanaf de aanmelding.")
    finalise(world, review)
    review.finalised_at = utcnow() - timedelta(days=800)
    db.session.commit()
    assert found(world, "teamlid", "ZEBRAGEHEIM").counts == {"case": 1}

    assert reviews.purge_expired() == 1

    assert found(world, "teamlid", "ZEBRAGEHEIM").counts == {}
    assert found(world, "teamlid", "Noord").counts == {}  # the team was in the case details
    assert document("case", review.id) is None
    # The title and lessons stay shared.
    assert found(world, "lezer", "aanbieder").counts == {"review": 1, "lesson": 1}
    assert found(world, "lezer", "regisseur").counts == {"lesson": 1}


def test_a_cycle_is_found_by_its_interpretation_and_proposals(ctx, world):
    cycle = make_cycle(world, title="Eerste halfjaar")
    advance(world, cycle)
    interpret(world, cycle, interpretation="De thuiszitters nemen af.",
              proposals=("Wachtlijstbeheer samen doen.",))  # fmt: skip
    assert found(world, "lezer", "thuiszitter").counts == {"cycle": 1}
    assert found(world, "lezer", "wachtlijstbeheer").counts == {"cycle": 1}

    interpret(world, cycle, interpretation="De thuiszitters nemen af.", proposals=())

    assert found(world, "lezer", "wachtlijstbeheer").counts == {}


def test_a_rolled_back_change_leaves_no_document(ctx, world):
    user_id = uid(world, "programmamanager")
    agreement = agreements.create_agreement(
        world.partnership.id, agreement_fields(world, title="Afspraken over wachttijden"), user_id
    )
    before = documents()
    agreement.title = "Afspraken over thuiszitters"
    db.session.flush()
    db.session.rollback()
    # Nothing of the rolled back change is indexed, not even with the next commit.
    make_risk(world, title="Tekort")
    assert found(world, "lezer", "thuiszitter").counts == {}
    assert found(world, "lezer", "wachttijd").counts == {"agreement": 1}
    assert {d for d in documents() if d[0] == "agreement"} == before


def test_a_failed_service_call_leaves_no_document(ctx, world):
    with pytest.raises(services.ServiceError):
        agreements.create_agreement(
            world.partnership.id,
            agreement_fields(world, title="Afspraken over wachttijden", parties=[]),
            uid(world, "programmamanager"),
        )
    db.session.rollback()
    assert count_documents() == 0


def count_documents() -> int:
    return db.session.execute(select(func.count()).select_from(SearchDocument)).scalar_one()


# --- rebuilding the index ------------------------------------------------------------------


def test_reindex_rebuilds_the_same_documents(app, ctx, world, make_partnership):
    other = make_partnership("ander")
    ids = a_bit_of_everything(world)
    a_bit_of_everything(other, word="thuiszitters")
    table = make_table(world, name="Tweede tafel")
    conversation = start(world, table, title="Tweede gesprek")
    hidden = say(world, conversation, "teamlid", "Verborgen tekst.")
    tables.hide_comment(hidden, access(world, "programmamanager", table),
                        uid(world, "programmamanager"), "Reden.")  # fmt: skip
    say(world, conversation, "teamlid", "Zichtbare tekst.")
    close(world, conversation)
    review = db.session.get(reviews.Review, ids["review"])
    finalise(world, review)
    kept = documents()
    assert {d[0] for d in kept} == set(services.kinds())
    db.session.execute(SearchDocument.__table__.delete())
    db.session.commit()
    assert found(world, "lezer", "wachttijd").counts == {}

    result = app.test_cli_runner().invoke(args=["search", "reindex"])

    assert result.exit_code == 0, result.output
    assert f"{len(kept)} documenten geïndexeerd" in result.output
    assert documents() == kept
    assert found(world, "teamlid", "wachttijd").counts == dict.fromkeys(services.kinds(), 1)
    # Running it again changes nothing.
    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    assert documents() == kept


def test_reindex_of_one_partnership_leaves_the_others(ctx, world, make_partnership):
    other = make_partnership("ander")
    make_agreement(world)
    make_agreement(other)
    mine, theirs = documents(world.partnership.id), documents(other.partnership.id)

    assert services.reindex_all(world.partnership.id) == 1

    assert (documents(world.partnership.id), documents(other.partnership.id)) == (mine, theirs)
