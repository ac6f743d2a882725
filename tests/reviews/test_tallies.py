"""The review tallies: finalising a review adds its scores and lessons to the overview's
tallies and shares its lessons (shared_on); the tallies always equal what aggregating the
finalised reviews live gives, rebuild_tallies and migration 0012 compute the same, and the
overview page and the dashboard panel read them."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from app.extensions import db
from app.reviews import services
from app.reviews.models import FINAL, Lesson, LessonTally, Review, ReviewScore, ScoreTally
from app.timeutil import utcnow
from tests.conftest import message, set_language
from tests.reviews.helpers import (
    add_lesson,
    adopt_manifest,
    days,
    finalise,
    html,
    in_context,
    logged_in,
    make_review,
    member,
    text_of,
    url,
)

# --- the oracle: the overview aggregated live, the way it was before the tallies -----------


def live_trend(partnership_id: int) -> tuple[list[str], list[tuple[int, str, list]]]:
    """Average score per principle and half-year of held_on over the finalised reviews."""
    rows = db.session.execute(
        select(ReviewScore.principle_id, Review.held_on, ReviewScore.score)
        .join(Review, Review.id == ReviewScore.review_id)
        .where(Review.partnership_id == partnership_id, Review.status == FINAL,
               ReviewScore.score.is_not(None))
    ).all()  # fmt: skip
    buckets: dict[tuple[int, str], list[int]] = defaultdict(list)
    for principle_id, held_on, score in rows:
        half = 1 if held_on.month <= 6 else 2
        buckets[(principle_id, f"{held_on.year}-{half}")].append(score)
    periods = sorted({period for _, period in buckets})
    trend = []
    for text in services.principle_texts(partnership_id):
        series = []
        for period in periods:
            scores = buckets.get((text.principle_id, period), [])
            series.append(
                (round(sum(scores) / len(scores), 1), len(scores)) if scores else (None, 0)
            )
        trend.append((text.principle_id, text.title, series))
    return periods, trend


def live_matrix(partnership_id: int) -> dict[tuple[int, str], int]:
    """Lessons of finalised reviews counted per (level, arena)."""
    rows = db.session.execute(
        select(Lesson.level, Lesson.arena, func.count(Lesson.id))
        .join(Review, Review.id == Lesson.review_id)
        .where(Lesson.partnership_id == partnership_id, Review.status == FINAL)
        .group_by(Lesson.level, Lesson.arena)
    )
    return {(level, arena): n for level, arena, n in rows}


def live_shared(partnership_id: int, level: int | None = None, arena: str = "") -> list[int]:
    """Lesson ids of finalised reviews, newest review (held_on) first, then newest lesson."""
    query = (
        select(Lesson.id)
        .join(Review, Review.id == Lesson.review_id)
        .where(Lesson.partnership_id == partnership_id, Review.status == FINAL)
        .order_by(Review.held_on.desc(), Lesson.id.desc())
    )
    if level is not None:
        query = query.where(Lesson.level == level)
    if arena:
        query = query.where(Lesson.arena == arena)
    return list(db.session.execute(query).scalars())


def shared_ids(partnership_id: int, level: int | None = None, arena: str = "") -> list[int]:
    query = services.shared_lessons(partnership_id, level, arena)
    return [lesson.id for lesson in db.session.execute(query).scalars()]


def assert_overview_is_live(partnership_id: int) -> None:
    db.session.expire_all()
    assert services.score_trend(partnership_id) == live_trend(partnership_id)
    assert services.lessons_matrix(partnership_id) == live_matrix(partnership_id)
    assert shared_ids(partnership_id) == live_shared(partnership_id)


# --- what is stored ------------------------------------------------------------------------


def columns(model) -> list[str]:
    return [c.key for c in model.__table__.columns]


def stored_tallies() -> dict:
    """Every tally row (all columns, every partnership) and every lesson's shared_on."""
    db.session.expire_all()

    def rows(model):
        names = columns(model)
        return sorted(
            tuple(getattr(row, name) for name in names)
            for row in db.session.execute(select(model)).scalars()
        )

    return {
        "scores": rows(ScoreTally),
        "lessons": rows(LessonTally),
        "shared_on": dict(db.session.execute(select(Lesson.id, Lesson.shared_on)).all()),
    }


def of_partnership(tallies: dict, partnership_id: int) -> dict:
    """The part of stored_tallies() that belongs to one partnership."""
    lesson_ids = set(
        db.session.execute(
            select(Lesson.id).where(Lesson.partnership_id == partnership_id)
        ).scalars()
    )
    return {
        "scores": [row for row in tallies["scores"] if row[0] == partnership_id],
        "lessons": [row for row in tallies["lessons"] if row[0] == partnership_id],
        "shared_on": {k: v for k, v in tallies["shared_on"].items() if k in lesson_ids},
    }


# --- making reviews through the services -----------------------------------------------------


def reviewed_with(world, held_on: date, scores=(), lessons=(), final: bool = True, **over):
    """A review held on held_on with scores in principle order (None: not scored) and
    lessons [(level, arena)], made and (unless final=False) finalised through the services."""
    review = make_review(world, held_on=held_on, **over)
    texts = services.principle_texts(world.partnership.id)
    if scores:
        services.set_scores(
            review, member(world, "teamlid"),
            {t.principle_id: (s, "") for t, s in zip(texts, scores, strict=False)},
        )  # fmt: skip
    for n, (level, arena) in enumerate(lessons):
        add_lesson(world, review, level=level, arena=arena,
                   text=f"Les {n + 1} uit ({over.get('title', '')}).")  # fmt: skip
    if final:
        finalise(world, review)
    return review


def history(world) -> Review:
    """Finalised reviews in three half-years (2023-1, 2023-2, 2024-1) with empty scores and
    repeated (level, arena) lessons, and one concept; returns the concept."""
    reviewed_with(world, date(2023, 3, 10), (4, 2, None),
                  [(1, "casus"), (1, "casus"), (3, "systeem")], title="Maart")  # fmt: skip
    reviewed_with(world, date(2023, 9, 5), (5, None, 3),
                  [(1, "casus"), (2, "organisatie")], title="September")  # fmt: skip
    reviewed_with(world, date(2024, 1, 20), (2, 3, None),
                  [(3, "systeem"), (3, "systeem")], title="Januari")  # fmt: skip
    reviewed_with(world, date(2023, 6, 30), (5, 4, 4), [(1, "casus")], title="Juni")
    reviewed_with(world, date(2023, 1, 2), (4, None, 2), [], title="Januari 2023")
    return reviewed_with(world, date(2023, 9, 20), (1, 1, 1),
                         [(2, "organisatie"), (3, "casus")], final=False, title="Concept")  # fmt: skip


# --- 1. the trend and the matrix equal the live aggregate ---------------------------------------


def test_trend_and_matrix_equal_the_live_aggregate_of_finalised_reviews(ctx, world, principles):
    concept = history(world)
    pid = world.partnership.id
    assert_overview_is_live(pid)
    periods, trend = services.score_trend(pid)
    # The figures themselves, so that the oracle is not trusted blindly.
    assert periods == ["2023-1", "2023-2", "2024-1"]
    assert trend == [
        (principles["Samen"], "Samen", [(4.3, 3), (5.0, 1), (2.0, 1)]),
        (principles["Open"], "Open", [(3.0, 2), (None, 0), (3.0, 1)]),
        (principles["Lerend"], "Lerend", [(3.0, 2), (3.0, 1), (None, 0)]),
    ]
    assert services.lessons_matrix(pid) == {
        (1, "casus"): 4, (2, "organisatie"): 1, (3, "systeem"): 3,
    }  # fmt: skip

    # The concept's scores and lessons count from the moment it is finalised.
    finalise(world, concept)
    assert_overview_is_live(pid)
    periods, trend = services.score_trend(pid)
    assert periods == ["2023-1", "2023-2", "2024-1"]
    assert [series[1] for _, _, series in trend] == [(3.0, 2), (1.0, 1), (2.0, 2)]
    assert services.lessons_matrix(pid) == {
        (1, "casus"): 4, (2, "organisatie"): 2, (3, "systeem"): 3, (3, "casus"): 1,
    }  # fmt: skip


def test_a_concept_alone_gives_an_empty_trend_and_matrix(ctx, world, principles):
    concept = reviewed_with(world, days(-3), (3, 4, 5), [(1, "casus")], final=False)
    pid = world.partnership.id
    assert services.score_trend(pid) == ([], live_trend(pid)[1]) == ([], [
        (principles["Samen"], "Samen", []),
        (principles["Open"], "Open", []),
        (principles["Lerend"], "Lerend", []),
    ])  # fmt: skip
    assert services.lessons_matrix(pid) == {}
    assert stored_tallies()["scores"] == [] and stored_tallies()["lessons"] == []
    finalise(world, concept)
    assert_overview_is_live(pid)
    assert services.lessons_matrix(pid) == {(1, "casus"): 1}


# --- 2. shared lessons ------------------------------------------------------------------------


def test_shared_lessons_are_those_of_finalised_reviews_newest_review_first(ctx, world):
    pid = world.partnership.id
    march = reviewed_with(world, date(2023, 3, 10), (), [(1, "casus"), (3, "systeem")], title="A")
    # Recorded and finalised after "A" and "C" but held in between: sorted by held_on.
    january = reviewed_with(world, date(2024, 1, 20), (), [(3, "organisatie")], final=False,
                            title="B")  # fmt: skip
    september = reviewed_with(world, date(2023, 9, 5), (),
                              [(3, "systeem"), (1, "casus"), (2, "systeem")], title="C")  # fmt: skip
    same_day = reviewed_with(world, date(2023, 3, 10), (), [(1, "organisatie")], title="D")
    finalise(world, january)
    concept = reviewed_with(world, days(-1), (), [(3, "systeem"), (1, "casus")], final=False,
                            title="Concept")  # fmt: skip

    def ids(review):
        return [lesson.id for lesson in services.lessons_of(review)]

    a1, a3 = sorted(ids(march))
    [b3] = ids(january)
    c3, c1, c2 = sorted(ids(september))
    [d1] = ids(same_day)
    # Newest review first; within a review (and a day), the newest lesson first.
    assert shared_ids(pid) == [b3, c2, c1, c3, d1, a3, a1] == live_shared(pid)
    assert shared_ids(pid, level=3) == [b3, c3, a3] == live_shared(pid, level=3)
    assert shared_ids(pid, arena="systeem") == [c2, c3, a3] == live_shared(pid, arena="systeem")
    assert shared_ids(pid, 3, "systeem") == [c3, a3] == live_shared(pid, 3, "systeem")
    assert shared_ids(pid, 1, "organisatie") == [d1]
    assert shared_ids(pid, 2, "casus") == []
    # Unknown filters are ignored, as the overview's query string may hold anything.
    assert shared_ids(pid, 7, "elders") == shared_ids(pid)
    # The concept's lessons are not shared, and have no shared_on yet.
    concept_ids = ids(concept)
    assert not set(concept_ids) & set(shared_ids(pid))
    db.session.expire_all()
    assert [db.session.get(Lesson, i).shared_on for i in concept_ids] == [None, None]
    for review in (march, january, september, same_day):
        for lesson in services.lessons_of(review):
            assert lesson.shared_on == review.held_on

    finalise(world, concept)
    db.session.expire_all()
    e3, e1 = sorted(concept_ids)
    assert shared_ids(pid) == [e1, e3, b3, c2, c1, c3, d1, a3, a1] == live_shared(pid)
    assert shared_ids(pid, level=3) == [e3, b3, c3, a3]
    assert [db.session.get(Lesson, i).shared_on for i in concept_ids] == [days(-1), days(-1)]
    # The lessons of the review are listed with it (the overview shows its reference).
    listed = db.session.execute(services.shared_lessons(pid, level=3)).scalars().all()
    assert [lesson.review.title for lesson in listed] == ["Concept", "B", "C", "A"]


def test_shared_lessons_stay_within_their_partnership(ctx, world, make_partnership):
    other = make_partnership("ander")
    mine = reviewed_with(world, days(-5), (), [(3, "systeem")])
    theirs = reviewed_with(other, days(-2), (), [(3, "systeem")])
    assert shared_ids(world.partnership.id) == [services.lessons_of(mine)[0].id]
    assert shared_ids(other.partnership.id, level=3) == [services.lessons_of(theirs)[0].id]


# --- 3. rebuild_tallies ------------------------------------------------------------------------


def test_rebuild_gives_the_tallies_of_finalising_one_by_one(ctx, world, principles,
                                                            make_partnership):  # fmt: skip
    other = make_partnership("ander")
    history(world)
    adopt_manifest(other, ("Eerlijk", "Samen"))
    reviewed_with(other, date(2023, 4, 1), (5, 1), [(2, "systeem"), (1, "casus")])
    reviewed_with(other, date(2023, 5, 1), (3, None), [(2, "systeem")])
    pid, other_pid = world.partnership.id, other.partnership.id
    finalised = stored_tallies()
    assert of_partnership(finalised, pid)["scores"] and of_partnership(finalised, pid)["lessons"]
    assert of_partnership(finalised, other_pid)["lessons"] == [
        (other_pid, 1, "casus", 1), (other_pid, 2, "systeem", 2),
    ]  # fmt: skip

    # Stale and wrong rows of this partnership, and of the other one.
    some_principle = principles["Samen"]
    db.session.add_all([
        ScoreTally(partnership_id=pid, principle_id=some_principle, period="1999-1", total=99,
                   count=9),
        LessonTally(partnership_id=pid, level=2, arena="casus", count=5),
        ScoreTally(partnership_id=other_pid, principle_id=some_principle, period="1999-2",
                   total=8, count=2),
        LessonTally(partnership_id=other_pid, level=3, arena="casus", count=4),
    ])  # fmt: skip
    db.session.get(LessonTally, (pid, 1, "casus")).count = 40
    db.session.get(ScoreTally, (pid, principles["Open"], "2023-1")).total = 1
    shared = [i for i, on in finalised["shared_on"].items() if on is not None]
    mine_shared = [i for i in shared if i in of_partnership(finalised, pid)["shared_on"]]
    theirs_shared = [i for i in shared if i in of_partnership(finalised, other_pid)["shared_on"]]
    db.session.get(Lesson, mine_shared[0]).shared_on = None
    db.session.get(Lesson, mine_shared[1]).shared_on = date(2000, 1, 1)
    db.session.get(Lesson, theirs_shared[0]).shared_on = date(2001, 1, 1)
    db.session.commit()
    tampered = of_partnership(stored_tallies(), other_pid)

    services.rebuild_tallies(pid)
    db.session.commit()
    rebuilt = stored_tallies()
    assert of_partnership(rebuilt, pid) == of_partnership(finalised, pid)
    # The other partnership's rows, right or wrong, are left as they were.
    assert of_partnership(rebuilt, other_pid) == tampered != of_partnership(finalised, other_pid)
    assert_overview_is_live(pid)

    services.rebuild_tallies(other_pid)
    db.session.commit()
    assert stored_tallies() == finalised
    # A second rebuild adds nothing up twice.
    services.rebuild_tallies(pid)
    db.session.commit()
    assert stored_tallies() == finalised


def test_rebuild_of_a_partnership_without_finalised_reviews_empties_its_tallies(ctx, world,
                                                                                principles):  # fmt: skip
    pid = world.partnership.id
    reviewed_with(world, days(-3), (3, 3, 3), [(1, "casus")], final=False)
    db.session.add_all([
        ScoreTally(partnership_id=pid, principle_id=principles["Open"], period="2023-1",
                   total=5, count=1),
        LessonTally(partnership_id=pid, level=1, arena="casus", count=3),
    ])  # fmt: skip
    # A concept's lesson marked shared by mistake (a bulk load) is not shared afterwards.
    db.session.execute(db.update(Lesson).values(shared_on=date(2023, 1, 1)))
    db.session.commit()
    assert set(stored_tallies()["shared_on"].values()) == {date(2023, 1, 1)}
    services.rebuild_tallies(pid)
    db.session.commit()
    tallies = stored_tallies()
    assert (tallies["scores"], tallies["lessons"]) == ([], [])
    assert set(tallies["shared_on"].values()) == {None}
    assert services.lessons_matrix(pid) == {} and services.score_trend(pid)[0] == []


# --- 4. finalising adds up ---------------------------------------------------------------------


def test_finalising_adds_to_an_existing_tally_row(ctx, world, principles):
    pid, samen = world.partnership.id, principles["Samen"]
    reviewed_with(world, date(2023, 8, 1), (2,), [(2, "organisatie")])
    assert stored_tallies()["scores"] == [(pid, samen, "2023-2", 2, 1)]
    assert stored_tallies()["lessons"] == [(pid, 2, "organisatie", 1)]
    reviewed_with(world, date(2023, 12, 31), (5,), [(2, "organisatie"), (2, "organisatie")])
    tallies = stored_tallies()
    assert tallies["scores"] == [(pid, samen, "2023-2", 7, 2)]
    assert tallies["lessons"] == [(pid, 2, "organisatie", 3)]
    assert services.score_trend(pid) == (
        ["2023-2"],
        [(samen, "Samen", [(3.5, 2)]), (principles["Open"], "Open", [(None, 0)]),
         (principles["Lerend"], "Lerend", [(None, 0)])],
    )  # fmt: skip
    assert services.lessons_matrix(pid) == {(2, "organisatie"): 3}


def test_half_years_split_at_the_end_of_june(ctx, world, principles):
    pid, samen = world.partnership.id, principles["Samen"]
    for held_on, score in ((date(2024, 1, 1), 1), (date(2024, 6, 30), 2), (date(2024, 7, 1), 4),
                           (date(2024, 12, 31), 5), (date(2023, 12, 31), 3)):  # fmt: skip
        reviewed_with(world, held_on, (score,))
    assert stored_tallies()["scores"] == [
        (pid, samen, "2023-2", 3, 1), (pid, samen, "2024-1", 3, 2), (pid, samen, "2024-2", 9, 2),
    ]  # fmt: skip
    assert [services.period_of(d) for d in (date(2024, 6, 30), date(2024, 7, 1))] == [
        "2024-1", "2024-2",
    ]  # fmt: skip
    assert_overview_is_live(pid)


# --- 5. migration 0012 down and up ---------------------------------------------------------------


def test_migration_0012_goes_down_and_fills_the_tallies_on_the_way_up(app, world,
                                                                       make_partnership):  # fmt: skip
    """On the shared test database; whatever happens, it is upgraded again at the end."""
    other = make_partnership("ander")

    def build():
        adopt_manifest(world)
        history(world)
        adopt_manifest(other, ("Eerlijk", "Samen"))
        reviewed_with(other, date(2023, 4, 1), (5, 1), [(2, "systeem"), (1, "casus")])
        reviewed_with(other, date(2023, 10, 1), (3, None), [(2, "systeem")])
        reviewed_with(other, days(-1), (4, 4), [(3, "systeem")], final=False)
        return stored_tallies()

    finalised = in_context(app, build)
    assert finalised["scores"] and finalised["lessons"]
    assert None in finalised["shared_on"].values()  # the concepts' lessons

    def index_names(table: str) -> set[str]:
        return {i["name"] for i in inspect(db.engine).get_indexes(table)}

    def check_down() -> None:
        names = set(inspect(db.engine).get_table_names())
        assert {"review", "lesson"} <= names
        assert not {"review_score_tally", "lesson_tally"} & names
        assert "shared_on" not in {c["name"] for c in inspect(db.engine).get_columns("lesson")}
        assert "ix_lesson_partnership_shared" not in index_names("lesson")
        assert "ix_review_partnership_finalised" not in index_names("review")

    def check_up() -> None:
        lesson_columns = {c["name"] for c in inspect(db.engine).get_columns("lesson")}
        assert "shared_on" in lesson_columns
        indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("lesson")}
        assert indexes["ix_lesson_partnership_shared"] == ["partnership_id", "shared_on", "id"]
        assert "ix_review_partnership_finalised" in index_names("review")
        assert stored_tallies() == finalised
        for partnership_id in (world.partnership.id, other.partnership.id):
            assert_overview_is_live(partnership_id)

    try:
        with app.app_context():
            db.session.remove()
            downgrade(revision="0011_comments_apart")
        in_context(app, check_down)
        with app.app_context():
            db.session.remove()
            upgrade()
        in_context(app, check_up)
    finally:
        with app.app_context():
            db.session.remove()
            upgrade()  # to head, if a check above failed while down


# --- 6. the overview page and the dashboard panel ---------------------------------------------------


def test_the_overview_page_shows_the_figures_of_finalised_reviews_only(app, reviewed):
    world, pid = reviewed.world, reviewed.world.partnership.id
    in_context(app, reviewed_with, world, date(2023, 3, 1), (4,), [(1, "casus")], title="Een")
    in_context(app, reviewed_with, world, date(2023, 4, 1), (1, 3), [(1, "casus")], title="Twee")
    concept = in_context(
        app, lambda: reviewed_with(world, date(2023, 5, 1), (5, None, 2),
                                   [(3, "systeem")], final=False, title="Drie").number
    )  # fmt: skip
    level_labels = [
        message(app, "1st order – rules and actions"),
        message(app, "2nd order – insights and system"),
        message(app, "3rd order – principles and roles"),
    ]

    def figures(client) -> tuple[dict[str, str], list[str], str]:
        page = html(client.get(url(world, "/overview")))
        tables = re.findall(r"<table.*?</table>", page, re.S)
        assert len(tables) == 2, page[:2000]
        trend = {}
        for row in re.findall(r"<tr[^>]*>\s*<th[^>]*scope=\"row\">.*?</tr>", tables[0], re.S):
            title, _, rest = text_of(row).partition(" ")
            trend[title] = rest
        matrix = [text_of(r) for r in re.findall(r"<tr[^>]*>.*?</tr>", tables[1], re.S)[1:]]
        return trend, matrix, page

    # The recording team sees the concept itself, but not in the overview's figures.
    client = logged_in(app, world.users["teamlid"].email)
    trend, matrix, page = figures(client)
    assert trend == {"Samen": "2.5 (2)", "Open": "3.0 (1)", "Lerend": "–"}
    assert matrix == [f"{level_labels[0]} 2 0 0", f"{level_labels[1]} 0 0 0",
                      f"{level_labels[2]} 0 0 0"]  # fmt: skip
    assert "Les 1 uit (Een)." in page and "Les 1 uit (Twee)." in page
    assert "(Drie)" not in page
    assert in_context(app, lambda: services.score_trend(pid) == live_trend(pid))

    def finalise_concept():
        finalise(world, services.get_review(pid, concept))

    in_context(app, finalise_concept)
    trend, matrix, page = figures(client)
    assert trend == {"Samen": "3.3 (3)", "Open": "3.0 (1)", "Lerend": "2.0 (1)"}
    assert matrix == [f"{level_labels[0]} 2 0 0", f"{level_labels[1]} 0 0 0",
                      f"{level_labels[2]} 0 0 1"]  # fmt: skip
    # Newest review first in the list of shared lessons.
    assert page.index("(Drie).") < page.index("(Twee).") < page.index("(Een).")
    # Another organisation's member sees the same figures.
    assert figures(logged_in(app, world.users["lezer"].email))[:2] == (trend, matrix)
    # Their HTML is kept per partnership and language (app/kept.py): English has its own.
    set_language(client, "en")
    assert figures(client)[:2] == (trend, [
        "1st order – rules and actions 2 0 0", "2nd order – insights and system 0 0 0",
        "3rd order – principles and roles 0 0 1",
    ])  # fmt: skip


def test_the_dashboard_lists_level3_lessons_finalised_in_the_last_30_days(ctx, world):
    pid = world.partnership.id
    # Held long ago but finalised today: new for the panel (finalised_at counts, not held_on).
    reviewed_with(world, date(2023, 2, 1), (), [(3, "systeem"), (1, "casus")],
                             title="Lang geleden gehouden")  # fmt: skip
    recent = reviewed_with(world, days(-2), (), [(3, "organisatie")], title="Recent gehouden")
    # Finalised 40 days ago: no longer new, although held more recently than "long_ago".
    stale = reviewed_with(world, days(-3), (), [(3, "systeem")], title="Oud vastgesteld")
    stale.finalised_at = utcnow() - timedelta(days=40)
    reviewed_with(world, days(-1), (), [(3, "systeem")], final=False, title="Concept")
    db.session.commit()

    panel = services.attention(member(world, "lezer"))
    assert panel["level3_total"] == 2
    # Newest review first, as the shared lessons are ordered.
    assert [lesson.review.title for lesson in panel["level3"]] == [
        "Recent gehouden", "Lang geleden gehouden",
    ]  # fmt: skip
    assert [lesson.shared_on for lesson in panel["level3"]] == [days(-2), date(2023, 2, 1)]
    assert all(lesson.level == 3 for lesson in panel["level3"])
    # The stale lesson is still shared (on the overview), just not new.
    assert services.lessons_of(stale)[0].id in shared_ids(pid, level=3)
    assert services.lessons_of(recent)[0].id in shared_ids(pid, level=3)
    assert services.attention(member(world, "teamlid"), limit=1)["level3_total"] == 2
    assert len(services.attention(member(world, "teamlid"), limit=1)["level3"]) == 1


@pytest.mark.parametrize("role", ["teamlid", "lezer", "programmamanager"])
def test_the_dashboard_figures_are_the_attention_counts_in_fewer_statements(ctx, world, role):
    reviewed_with(world, days(-2), (), [(3, "organisatie"), (1, "casus")], title="Vastgesteld")
    reviewed_with(world, days(-1), (), [(3, "systeem")], final=False, title="Concept")
    db.session.commit()

    figures = services.dashboard_figures(member(world, role))
    expected = services.attention(member(world, role))
    for key in ("actions_total", "concepts_total", "level3_total"):
        assert figures[key] == expected[key], key
    assert figures["concepts"] == expected["concepts"]
    assert figures["level3_total"] == 1
