"""Derived data kept until what it reads changes (app/kept.py): the counter, the HTML
fragments kept in the process, and the dashboard's "at a glance" visuals kept with it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app import kept, registry
from app.activity.models import AuditEvent
from app.activity.services import record
from app.extensions import db
from app.partnerships import dashboard
from app.reviews.models import Action
from app.risks.models import RiskCategory
from app.timeutil import today
from tests.conftest import post, sign_in
from tests.cycles.builders import make_agreement, make_risk


@pytest.fixture
def fresh_fragments():
    kept._fragments.clear()
    yield
    kept._fragments.clear()


def test_the_lists_name_real_tables_and_columns(app):
    tables = db.metadata.tables
    assert set(tables) >= kept.UNREAD
    for name, columns in kept.COLUMNS.items():
        assert columns <= set(tables[name].columns.keys())
        assert name not in kept.UNREAD


def test_a_fragment_is_rendered_again_only_when_what_it_reads_changed(
    ctx, world, fresh_fragments, monkeypatch
):
    made = []

    def render():
        made.append(1)
        return f"<b>{len(made)}</b>"

    first = kept.kept_fragment("k", render)
    assert kept.kept_fragment("k", render) == first == "<b>1</b>"
    # A write to a table kept data reads raises the counter: made again.
    make_agreement(world, 1, "Nieuw")
    db.session.commit()
    assert kept.kept_fragment("k", render) == "<b>2</b>"
    # Another key is made on its own; a new day makes it again.
    assert kept.kept_fragment("other", render) == "<b>3</b>"
    monkeypatch.setattr(kept, "today", lambda: today() + timedelta(days=1))
    assert kept.kept_fragment("k", render) == "<b>4</b>"


def test_at_most_so_many_fragments_are_kept(ctx, fresh_fragments, monkeypatch):
    monkeypatch.setattr(kept, "FRAGMENTS_KEPT", 3)
    for key in range(5):
        kept.kept_fragment(key, lambda key=key: str(key))
    assert list(kept._fragments) == [2, 3, 4]


def test_a_write_to_an_unread_table_leaves_the_counter(ctx, world):
    before = kept.basis()
    record("view", world.partnership, partnership_id=world.partnership.id)
    db.session.commit()
    assert kept.basis() == before
    assert db.session.query(AuditEvent).count() == 1


def test_the_dashboard_visuals_are_rendered_once_per_role_until_a_change(
    app, world, fresh_fragments, monkeypatch
):
    made = []
    real = dashboard.render_template
    monkeypatch.setattr(
        dashboard,
        "render_template",
        lambda *a, **k: (
            (a[0] == "partnerships/_glance_visuals.html" and made.append(a[0])) or real(*a, **k)
        ),
    )
    path = f"/p/{world.slug}/"
    first, second = (sign_in(app.test_client(), world.users[r].email) for r in ("lezer", "teamlid"))
    third = sign_in(app.test_client(), world.users["lezer"].email)
    before = first.get(path).get_data(as_text=True)
    assert '<span class="ss-glance__sum">(0)</span>' in before
    assert third.get(path).status_code == 200
    assert len(made) == 1  # two readers of one role: one rendering
    assert second.get(path).status_code == 200
    assert len(made) == 2  # another role: its own
    with app.app_context():
        make_agreement(world, 1, "Nieuw")
        db.session.commit()
    page = first.get(path).get_data(as_text=True)
    assert len(made) == 3
    assert '<span class="ss-glance__sum">(1)</span>' in page  # the new agreement counted


def counting(monkeypatch, name: str) -> list:
    """Count how often the registered panel `name` is composed."""
    made = []
    panel = registry.panels[name]

    def compose(partnership, membership):
        made.append(membership.user_id)
        return panel.compose(partnership, membership)

    monkeypatch.setitem(registry.panels._entries, name, replace(panel, compose=compose))
    return made


def reads(monkeypatch, module, name: str) -> list:
    """Count the calls of module.name (what a kept page reads only when not kept)."""
    calls = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_a_kept_panel_is_composed_once_per_member_until_what_it_reads_changes(
    app, world, fresh_fragments, monkeypatch
):
    assert registry.panels["agreements"].kept and not registry.panels["tables"].kept
    agreements, tables = counting(monkeypatch, "agreements"), counting(monkeypatch, "tables")
    with app.app_context():
        make_agreement(world, 1, "Wachttijden")
        db.session.commit()
    path = f"/p/{world.slug}/"
    owner = sign_in(app.test_client(), world.users["programmamanager"].email)
    other = sign_in(app.test_client(), world.users["teamlid"].email)
    page = owner.get(path).get_data(as_text=True)
    assert "Werkafspraken waarvan je eigenaar bent: 1." in page
    assert owner.get(path).get_data(as_text=True).count("Werkafspraken waarvan je eigenaar") == 1
    assert len(agreements) == 1  # kept for the second view
    assert len(tables) == 2  # the tables panel reads comments: composed on every view
    assert "Werkafspraken waarvan je eigenaar" not in other.get(path).get_data(as_text=True)
    assert len(agreements) == 2  # another member: composed for them
    with app.app_context():  # a write to a table no kept data reads
        record("view", world.partnership, partnership_id=world.partnership.id)
        db.session.commit()
    owner.get(path)
    assert len(agreements) == 2
    with app.app_context():  # a second agreement of the owner: composed again
        make_agreement(world, 2, "Jeugdhulp dichtbij")
        db.session.commit()
    assert "Werkafspraken waarvan je eigenaar bent: 2." in owner.get(path).get_data(as_text=True)
    assert len(agreements) == 3
    with owner.session_transaction() as session:
        session["lang"] = "en"
    assert "Agreements you own: 2." in owner.get(path).get_data(as_text=True)
    assert len(agreements) == 4  # each language its own


def test_a_request_reads_the_counter_once_and_again_after_its_own_write(app, world):
    with app.test_request_context("/"):
        first = kept.request_basis()
        assert kept.request_basis() == first
        make_agreement(world, 1, "Nieuw")
        db.session.commit()
        assert kept.request_basis() == kept.basis() > first


def test_a_value_is_made_afresh_while_the_session_has_changes_that_count(
    ctx, world, fresh_fragments
):
    made = []

    def make():
        made.append(1)
        return len(made)

    assert kept.kept_value("v", make) == kept.kept_value("v", make) == 1
    agreement = make_agreement(world, 1, "Nieuw")  # flushed, not committed
    assert kept.kept_value("v", make) == 2  # made from what this transaction changed
    assert kept._fragments["v"][2] == 1  # and not kept: other requests do not see it
    db.session.commit()
    assert kept.kept_value("v", make) == 3
    agreement.title = "Anders"  # changed, not even flushed
    assert kept.kept_value("v", make) == 4
    db.session.rollback()
    record("view", world.partnership, partnership_id=world.partnership.id)  # does not count
    assert kept.kept_value("v", make) == 3


def test_the_risk_thresholds_and_principle_choices_follow_a_change(ctx, world, fresh_fragments):
    from app.risks.models import RiskSettings
    from app.risks.services import DEFAULT_THRESHOLDS, thresholds

    assert thresholds(world.partnership.id) == DEFAULT_THRESHOLDS
    db.session.add(
        RiskSettings(
            partnership_id=world.partnership.id, medium_from=3, high_from=9, critical_from=16
        )  # fmt: skip
    )
    assert thresholds(world.partnership.id) == (3, 9, 16)  # before the commit: made afresh
    db.session.commit()
    assert thresholds(world.partnership.id) == (3, 9, 16)


def test_a_kept_count_is_per_statement_and_its_values_and_follows_a_change(
    ctx, world, fresh_fragments, count_queries
):
    from sqlalchemy import select

    from app.agreements.models import Agreement

    for number in (1, 2, 3):
        make_agreement(world, number, f"Afspraak {number}")
    db.session.commit()

    def numbered(*numbers):
        return select(Agreement).where(Agreement.number.in_(numbers))

    assert kept.kept_count(numbered(1, 2)) == 2
    assert kept.kept_count(numbered(1, 2, 3)) == 3  # other values: counted on its own
    with count_queries() as statements:
        assert kept.kept_count(numbered(1, 2)) == 2
    assert not any("count(" in s for s in statements)  # kept
    make_agreement(world, 4, "Afspraak 4")
    assert kept.kept_count(numbered(1, 2, 4)) == 3  # unsaved, counted afresh
    db.session.commit()
    assert kept.kept_count(select(Agreement)) == 4


def test_a_statement_without_a_cache_key_is_counted_each_time(
    ctx, world, fresh_fragments, monkeypatch
):
    from sqlalchemy import select

    from app.agreements.models import Agreement

    make_agreement(world, 1, "Eerste")
    db.session.commit()
    statement = select(Agreement)
    monkeypatch.setattr(type(statement), "_generate_cache_key", lambda self: None)
    assert kept.kept_count(statement) == 1
    assert not [k for k in kept._fragments if k[0] == "count"]


def test_a_list_page_shows_its_total_after_a_change(app, world, fresh_fragments):
    with app.app_context():
        make_agreement(world, 1, "Eerste")
        db.session.commit()
    client = sign_in(app.test_client(), world.users["lezer"].email)
    path = f"/p/{world.slug}/agreements/"
    assert "1 in totaal, pagina 1 van 1" in client.get(path).get_data(as_text=True)
    with app.app_context():
        for number in range(2, 28):  # two pages of 25
            make_agreement(world, number, f"Afspraak {number}")
        db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "27 in totaal, pagina 1 van 2" in page


def test_the_dashboard_organisations_are_rendered_once_until_a_member_joins(
    app, world, fresh_fragments, monkeypatch
):
    from app.partnerships import services
    from tests.agreements.test_queries import add_members

    made = []
    real = services.organisations_with_counts
    monkeypatch.setattr(
        services, "organisations_with_counts", lambda *a: made.append(1) or real(*a)
    )
    path = f"/p/{world.slug}/"
    lezer, teamlid = (
        sign_in(app.test_client(), world.users[r].email) for r in ("lezer", "teamlid")
    )
    first = lezer.get(path).get_data(as_text=True)
    assert teamlid.get(path).get_data(as_text=True).count("organisations-heading") == 2
    assert len(made) == 1  # one rendering for every member
    with app.app_context():
        add_members(world, 3)  # bulk inserts of memberships count too
        db.session.commit()
    after = lezer.get(path).get_data(as_text=True)
    assert len(made) == 2
    total = len(world.users)
    assert f"met {total} leden" in first and f"met {total + 3} leden" in after


def test_a_kept_block_is_rendered_once_per_key_and_language(app, fresh_fragments):
    made = []

    def caller():
        made.append(1)
        return f"<i>{len(made)}</i>"

    with app.test_request_context():
        first = kept.kept_block("bar", 1, {"b": "2", "a": ["x"]}, caller=caller)
        # The same mapping in another order is the same key; a list may be part of it.
        assert kept.kept_block("bar", 1, {"a": ["x"], "b": "2"}, caller=caller) == first
        assert kept.kept_block("bar", 1, {"a": ["y"], "b": "2"}, caller=caller) == "<i>2</i>"
    with app.test_request_context(), force_locale("en"):
        assert kept.kept_block("bar", 1, {"b": "2", "a": ["x"]}, caller=caller) == "<i>3</i>"
    assert first == "<i>1</i>" and len(made) == 3


def test_a_new_form_is_kept_and_one_with_errors_or_values_rendered_each_time(app, fresh_fragments):
    from wtforms import StringField
    from wtforms.validators import DataRequired

    from app.forms import Form

    class NoteForm(Form):
        body = StringField("Notitie", validators=[DataRequired("Schrijf iets.")])

    made = []

    def caller(form):
        made.append(form)
        return f"<i>{len(made)}</i>"

    with app.test_request_context():
        first = kept.kept_form(NoteForm(formdata=None), "note", caller=caller)
        # The class stands for a fresh form: the same block, and no form made for it.
        assert kept.kept_form(NoteForm, "note", caller=caller) == first and len(made) == 1
        assert kept.kept_form(NoteForm(formdata=None), "note", caller=caller) == first
        # Another key or prefix is another block.
        assert kept.kept_form(NoteForm(formdata=None), "other", caller=caller) == "<i>2</i>"
        assert (
            kept.kept_form(NoteForm(formdata=None, prefix="b"), "note", caller=caller) == "<i>3</i>"
        )
        # What someone typed, or an error, is never kept nor taken from what was kept.
        typed = NoteForm(formdata=None, data={"body": "mijn tekst"})
        assert kept.kept_form(typed, "note", caller=caller) == "<i>4</i>"
        assert kept.kept_form(typed, "note", caller=caller) == "<i>5</i>"
        refused = NoteForm(formdata=None)
        assert not refused.validate()
        assert kept.kept_form(refused, "note", caller=caller) == "<i>6</i>"
        assert kept.kept_form(NoteForm(formdata=None), "note", caller=caller) == first
        # Not kept yet for this key: the class's form is made, as new, and given to the block.
        assert kept.kept_form(NoteForm, "fresh", caller=caller) == "<i>7</i>"
        assert kept.kept_form(NoteForm, "fresh", caller=caller) == "<i>7</i>"
    assert first == "<i>1</i>" and len(made) == 7
    fresh = made[-1]
    assert isinstance(fresh, NoteForm) and fresh.body.data is None and not fresh.errors
    assert made[3].body.data == "mijn tekst"  # the block gets the very form it was given


def test_the_list_filter_bars_show_the_chosen_filters_and_follow_a_change(
    app, world, fresh_fragments
):
    """The agreement and risk lists keep their filter bar per partnership, filters and
    language: each request shows its own choices, and new options at once."""
    from app.risks import services as risk_services
    from tests.cycles.builders import make_risk

    with app.app_context():
        category = risk_services.categories_of(world.partnership.id)[0]
        risk = make_risk(world, category.id, 1, "Wachttijd", today(), (2, 2))
        risk.owner_id = world.users["teamlid"].id
        make_agreement(world, 1, "Eerste")
        db.session.commit()
    client = sign_in(app.test_client(), world.users["lezer"].email)
    risks, agreements = f"/p/{world.slug}/risks/", f"/p/{world.slug}/agreements/"

    def selected(page: str, name: str) -> str:
        select = page.split(f'id="filter-{name}"')[1].split("</select>")[0]
        return select.split(" selected>")[0].rsplit('value="', 1)[1].split('"')[0]

    assert selected(client.get(f"{risks}?status=beheerst").get_data(as_text=True), "status") == (
        "beheerst"
    )
    page = client.get(f"{risks}?status=gesloten&q=wacht").get_data(as_text=True)
    assert selected(page, "status") == "gesloten" and 'name="q" value="wacht"' in page
    assert selected(client.get(f"{agreements}?status=actief").get_data(as_text=True), "status") == (
        "actief"
    )
    assert selected(
        client.get(f"{agreements}?status=concept").get_data(as_text=True), "status"
    ) == ("concept")
    # A new category and a renamed owner show on the next visit with the same filters.
    with app.app_context():
        risk_services.add_category(world.partnership.id, "Nieuwe categorie")
        db.session.get(type(world.users["teamlid"]), world.users["teamlid"].id).name = "Tessa Nieuw"
        db.session.commit()
    page = client.get(f"{risks}?status=beheerst").get_data(as_text=True)
    assert "Nieuwe categorie</option>" in page and "Tessa Nieuw</option>" in page
    # The page's language is part of the key.
    assert 'aria-label="Risico\'s filteren"' in page
    assert post(client, "/language", {"language": "en", "next": risks}).status_code == 302
    english = client.get(f"{risks}?status=beheerst").get_data(as_text=True)
    assert 'aria-label="Filter risks"' in english


def test_a_list_is_read_and_rendered_once_per_query_rights_and_language(
    app, world, fresh_fragments, monkeypatch
):
    from app.agreements import services as agreement_services

    read = reads(monkeypatch, agreement_services, "agreements_query")
    monkeypatch.setitem(app.config, "SAMENSPEL_PAGE_SIZE", 2)
    with app.app_context():
        for number in (1, 2, 3):
            make_agreement(world, number, f"Afspraak {number}")
        db.session.commit()
    path = f"/p/{world.slug}/agreements/"
    manager = sign_in(app.test_client(), world.users["programmamanager"].email)
    reader = sign_in(app.test_client(), world.users["lezer"].email)
    other_reader = sign_in(app.test_client(), world.users["teamlid"].email)
    first = manager.get(path).get_data(as_text=True)
    assert "Afspraak 1" in first and "Afspraak 3" not in first  # two a page
    assert "Inlezen uit Excel of CSV" in first  # the manager may import
    assert manager.get(path).get_data(as_text=True) == first
    assert len(read) == 1  # kept for the second view
    # Rights that differ: rendered for the reader, without the import link.
    seen = reader.get(path).get_data(as_text=True)
    assert "Afspraak 1" in seen and "Inlezen uit Excel of CSV" not in seen
    assert len(read) == 2
    assert other_reader.get(path).status_code == 200
    assert len(read) == 2  # the same rights: the reader's rendering
    # Another page, or the same filters asked otherwise, is its own; the pagination
    # repeats the query string as asked.
    second = reader.get(path + "?page=2&status=").get_data(as_text=True)
    assert "Afspraak 3" in second and "Afspraak 1" not in second
    assert "status=&amp;page=1" in second
    assert len(read) == 3
    # An htmx request gets the results alone, from what is kept.
    results = reader.get(path, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in results and "Afspraak 1" in results
    assert results.strip() in seen
    assert len(read) == 3
    with reader.session_transaction() as session:
        session["lang"] = "en"
    assert "Agreements of" in reader.get(path).get_data(as_text=True)
    assert len(read) == 4  # each language its own
    with app.app_context():  # a write the list reads: read again, the new title shown
        agreement_services.get_agreement(world.partnership.id, 1).title = "Herzien"
        db.session.commit()
    assert "Herzien" in manager.get(path).get_data(as_text=True)
    assert len(read) == 5


def test_a_kept_risk_list_shows_a_new_risk_and_the_rights_of_its_reader(
    app, world, fresh_fragments
):
    path = f"/p/{world.slug}/risks/"
    manager = sign_in(app.test_client(), world.users["programmamanager"].email)
    reader = sign_in(app.test_client(), world.users["lezer"].email)
    assert "Geen risico's gevonden met dit filter." in manager.get(path).get_data(as_text=True)
    with app.app_context():
        category = db.session.scalars(
            select(RiskCategory.id).where(RiskCategory.partnership_id == world.partnership.id)
        ).first()
        make_risk(world, category, 1, "Wachtlijst loopt op", today(), (2, 2))
        db.session.commit()
    page = manager.get(path).get_data(as_text=True)
    assert "Wachtlijst loopt op" in page and "Inlezen uit Excel of CSV" in page
    seen = reader.get(path).get_data(as_text=True)
    assert "Wachtlijst loopt op" in seen and "Inlezen uit Excel of CSV" not in seen


def test_the_reviews_overview_keeps_its_lessons_and_actions_for_every_member(
    app, world, fresh_fragments, monkeypatch
):
    from app.reviews import services as review_services
    from tests.cycles.builders import make_action

    read = reads(monkeypatch, review_services, "shared_lessons")
    with app.app_context():
        make_action(world, "Wachtlijst uitzoeken")
        db.session.commit()
    path = f"/p/{world.slug}/reviews/overview"
    manager = sign_in(app.test_client(), world.users["programmamanager"].email)
    reader = sign_in(app.test_client(), world.users["lezer"].email)
    first = manager.get(path).get_data(as_text=True)
    assert "Wachtlijst uitzoeken" in first
    assert "Wachtlijst uitzoeken" in reader.get(path).get_data(as_text=True)
    assert len(read) == 1  # one rendering for every member
    assert reader.get(path + "?level=2").status_code == 200
    assert len(read) == 2  # another filter: its own
    with app.app_context():  # an action done: read again, no longer listed
        action = db.session.scalars(select(Action)).one()
        action.status = "gereed"
        db.session.commit()
    assert "Wachtlijst uitzoeken" not in reader.get(path).get_data(as_text=True)
    assert len(read) == 3


def test_a_risk_page_keeps_what_it_reads_of_the_risk_and_reads_its_comments_each_time(
    app, world, fresh_fragments, monkeypatch
):
    from app.risks import services as risk_services
    from app.risks.models import Measure, RiskComment

    read = reads(monkeypatch, risk_services, "measures_of")
    with app.app_context():
        category = RiskCategory(partnership_id=world.partnership.id, name="Capaciteit")
        db.session.add(category)
        db.session.flush()
        risk = make_risk(world, category.id, 1, "Wachtlijst loopt op", today(), (2, 2))
        db.session.add(Measure(partnership_id=world.partnership.id, risk_id=risk.id,
                               description="Extra inzet wijkteam"))  # fmt: skip
        db.session.commit()
        risk_id = risk.id
    path = f"/p/{world.slug}/risks/1"
    manager = sign_in(app.test_client(), world.users["programmamanager"].email)
    other_manager = sign_in(app.test_client(), world.users["beheerder"].email)
    reader = sign_in(app.test_client(), world.users["lezer"].email)
    page = manager.get(path).get_data(as_text=True)
    assert "Extra inzet wijkteam" in page and "Beheersmaatregel toevoegen" in page
    assert other_manager.get(path).status_code == 200
    assert len(read) == 1  # the same rights: kept
    seen = reader.get(path).get_data(as_text=True)
    assert "Extra inzet wijkteam" in seen and "Beheersmaatregel toevoegen" not in seen
    assert len(read) == 2  # without the edit right: its own
    with app.app_context():  # a comment (not counted) shows at once
        db.session.add(RiskComment(risk_id=risk_id, author_id=world.users["lezer"].id,
                                   body="Wie pakt dit op?"))  # fmt: skip
        db.session.commit()
    assert "Wie pakt dit op?" in reader.get(path).get_data(as_text=True)
    assert len(read) == 2
    with app.app_context():  # a new measure: read again
        db.session.add(Measure(partnership_id=world.partnership.id, risk_id=risk_id,
                               description="Wachtlijstbemiddeling"))  # fmt: skip
        db.session.commit()
    assert "Wachtlijstbemiddeling" in reader.get(path).get_data(as_text=True)
    assert len(read) == 3


def test_an_agreement_page_keeps_what_it_reads_of_the_agreement_and_shows_new_comments(
    app, world, fresh_fragments, monkeypatch
):
    from app.agreements import services as agreement_services
    from app.agreements.models import AgreementComment

    read = reads(monkeypatch, agreement_services, "related_sections")
    with app.app_context():
        agreement = make_agreement(world, 1, "Voorrang voor thuiszitters")
        agreement.parties.append(db.session.get(type(world.municipality), world.municipality.id))
        db.session.commit()
        agreement_id = agreement.id
    path = f"/p/{world.slug}/agreements/1"
    reader = sign_in(app.test_client(), world.users["lezer"].email)
    manager = sign_in(app.test_client(), world.users["programmamanager"].email)
    page = reader.get(path).get_data(as_text=True)
    assert world.municipality.name in page
    assert "Archiveren" not in page  # the reader may not
    assert "Archiveren" in manager.get(path).get_data(as_text=True)
    assert len(read) == 1  # the kept part is the same for both
    with app.app_context():  # a comment (not counted) shows at once in the timeline
        db.session.add(AgreementComment(agreement_id=agreement_id,
                                        author_id=world.users["lezer"].id, body="Goed plan."))  # fmt: skip
        db.session.commit()
    assert "Goed plan." in reader.get(path).get_data(as_text=True)
    assert len(read) == 1
    with app.app_context():  # another party: read again
        found = db.session.get(type(agreement), agreement_id)
        found.parties.append(db.session.get(type(world.provider), world.provider.id))
        db.session.commit()
    assert world.provider.name in reader.get(path).get_data(as_text=True)
    assert len(read) == 2
