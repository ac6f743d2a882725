"""app/registry.py: what the areas register from init_app(), once however many apps are
made, and the Registry itself."""

from __future__ import annotations

from app import AREAS, LAYERS, create_app, registry
from app.activity import labels
from app.activity import notifications as notes
from app.registry import Registry

KINDS = (
    "objects", "audit_types", "audit_redactions", "notification_kinds", "reminders",
    "calendar_sources", "indexers", "search_kinds", "search_filters", "panels", "glances", "glance_counts", "describers", "origins",
    "titles", "agreement_sections", "importers", "archive_parts", "attachables",
)  # fmt: skip


def contents() -> dict[str, list]:
    return {kind: getattr(registry, kind).items() for kind in KINDS}


def test_every_area_contributes_what_the_shared_layers_show(app):
    assert registry.objects.keys() == [
        "principle", "proposal", "agreement", "risk", "table", "conversation", "meeting",
        "review", "cycle", "indicator", "decision",
    ]  # fmt: skip
    assert registry.panels.keys() == [
        "manifest", "agreements", "risks", "tables", "reviews", "cycles", "decisions"
    ]  # fmt: skip
    assert registry.glances.keys() == ["agreements", "risks", "cycles"]
    assert registry.glance_counts.keys() == ["reviews", "decisions"]
    assert registry.reminders.keys() == [
        "agreement revisits",
        "risk reviews",
        "measures",
        "actions",
        "proposal closing",
    ]
    assert registry.jobs.keys() == ["close proposals"]
    assert registry.table_outcomes.keys() == ["decisions"]
    assert registry.period_parts.keys() == ["decisions"]
    assert set(registry.describers.keys()) == {"agreement", "risk", "review", "lesson"}
    assert set(registry.titles.keys()) == {
        "agreement", "agreement_comment", "risk", "risk_category", "principle", "manifest_version",
        "change_proposal", "table", "conversation", "meeting", "review", "action", "cycle",
        "decision",
    }  # fmt: skip
    assert set(registry.origins.keys()) == {"conversation", "meeting_decision", "cycle", "decision"}
    assert {model.__name__ for model in registry.indexers.keys()} == {  # noqa: SIM118
        "ManifestVersion", "PrincipleText", "Agreement", "Risk", "Conversation", "Comment",
        "Meeting", "Review", "Lesson", "Cycle", "CycleProposal", "Proposal", "ProposalAnswer",
        "Document", "DocumentVersion",
    }  # fmt: skip
    assert notes.followable() == {"agreement", "risk", "conversation", "review", "cycle"}
    assert registry.search_kinds.keys() == [
        "document", "principle", "agreement", "risk", "conversation", "comment", "meeting", "review",
        "case", "lesson", "cycle", "decision",
    ]  # fmt: skip
    assert registry.importers.keys() == ["members", "agreements", "risks", "measurements"]
    assert registry.archive_parts.keys() == [
        "documents",
        "manifest",
        "agreements",
        "risks",
        "reviews",
        "cycles",
    ]
    # Every kind of object with a history page has its audit type named.
    history = {t.history_kind for t in registry.audit_types if t.history_kind}
    assert history == set(registry.objects.keys())
    assert [package.__name__ for package in (*LAYERS, *AREAS)] == [
        f"app.{name}.contributions"
        for name in ("auth", "partnerships", "activity", "search", "imports", "documents", "manifest", "agreements",
                     "risks", "tables", "reviews", "cycles", "decisions")
    ]  # fmt: skip


def test_a_second_app_registers_nothing_twice(app):
    before = contents()

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    assert contents() == before
    assert set(other.blueprints) == set(app.blueprints)
    # The second app serves the same pages with the same contributions.
    assert {r.rule for r in other.url_map.iter_rules()} == {
        r.rule for r in app.url_map.iter_rules()
    }


def test_a_registry_keeps_the_first_order_and_replaces_by_key():
    numbers: Registry[int] = Registry("numbers")
    numbers.register("one", 1)
    numbers.register("two", 2)
    numbers.register("one", 10)

    assert list(numbers) == [10, 2]
    assert numbers.keys() == ["one", "two"]
    assert numbers.get("one") == 10 and numbers["two"] == 2
    assert numbers.get("three") is None and "three" not in numbers
    assert len(numbers) == 2


def test_the_activity_filter_offers_every_registered_type_by_its_name(app):
    with app.test_request_context():
        offered = labels.filterable_types()
        names = [labels.type_label(name) for name in offered]
    assert set(offered) == {
        "Agreement", "AgreementComment", "Risk", "Measure", "RiskComment", "ManifestVersion",
        "PrincipleText", "Endorsement", "ChangeProposal", "ProposalComment", "ThematicTable",
        "TableMember", "Conversation", "Comment", "Meeting", "MeetingDecision", "Review",
        "Lesson", "Action", "Indicator", "Cycle", "BoardDecision", "Membership", "Invitation",
        "Organisation", "Participation", "Proposal", "ProposalAnswer", "DecisionMandate",
        "Document",
    }  # fmt: skip
    assert names == sorted(names, key=str.casefold)
    assert labels.history_kinds() == {
        "Agreement": "agreement", "Risk": "risk", "Principle": "principle",
        "ChangeProposal": "proposal", "ThematicTable": "table", "Conversation": "conversation",
        "Meeting": "meeting", "Review": "review", "Cycle": "cycle", "Indicator": "indicator",
        "Proposal": "decision",
    }  # fmt: skip
