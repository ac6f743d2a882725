"""Every field the audit trail records for a registered object type reads as the object's
page would show it: a label in Dutch and English, the label of each stored choice, and the
title of the object an id points to (registered by the area that owns the object)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import String

from app import registry
from app.activity.labels import FIELDS
from app.activity.services import (
    HIDDEN_FIELDS,
    ORGANISATION_FIELDS,
    PERSON_FIELDS,
    is_technical,
)
from app.extensions import db

CATALOGS = Path(__file__).resolve().parents[2] / "translations"
# A short text column holds a code from a fixed list (a status, a kind, a phase).
CHOICE_LENGTH = 30


def catalog(language: str) -> dict[tuple[str | None, str], str]:
    """(context, message) -> its translation."""
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        return {(m.context, m.id): m.string for m in read_po(file) if isinstance(m.id, str)}


def msgid(label) -> tuple[str | None, str]:
    """The context and English message of a lazily translated label."""
    args = label._args
    return (args[0], args[1]) if len(args) == 2 else (None, args[0])


def audited_columns():
    """(audit type, column) for every column the trail records and shows."""
    models = {mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers}
    for name in registry.audit_types.keys():  # noqa: SIM118 (a Registry iterates its values)
        model = models[name]
        for column in model.__table__.columns:
            if not is_technical(column.key) and column.key not in HIDDEN_FIELDS:
                yield name, column


@pytest.fixture(scope="module")
def catalogs():
    return {language: catalog(language) for language in ("nl", "en")}


def test_every_recorded_field_has_a_label_in_dutch_and_english(app, catalogs):
    unlabelled = []
    for name, column in audited_columns():
        label = FIELDS.get(column.key)
        if label is None:
            unlabelled.append(f"{name}.{column.key}")
            continue
        for language, messages in catalogs.items():
            if not messages.get(msgid(label)):
                unlabelled.append(f"{name}.{column.key} ({language})")
    assert unlabelled == []


def test_every_stored_choice_has_value_labels(app, catalogs):
    missing = []
    for name, column in audited_columns():
        if not isinstance(column.type, String) or (column.type.length or 999) > CHOICE_LENGTH:
            continue
        values = registry.audit_types[name].values.get(column.key)
        if not values:
            missing.append(f"{name}.{column.key}")
            continue
        for code, label in values.items():
            if hasattr(label, "_args"):  # a language name is shown as it is
                for language, messages in catalogs.items():
                    if not messages.get(msgid(label)):
                        missing.append(f"{name}.{column.key}={code} ({language})")
    assert missing == []


def test_every_reference_to_another_object_is_shown_by_its_title(app):
    untitled = []
    for name, column in audited_columns():
        if not column.foreign_keys or column.key in PERSON_FIELDS | ORGANISATION_FIELDS:
            continue
        kind = registry.audit_types[name].references.get(column.key)
        if kind is None or registry.titles.get(kind) is None:
            untitled.append(f"{name}.{column.key}")
    assert untitled == []


def test_people_and_organisations_are_the_only_other_ids_shown_as_names(app):
    """An id to a person or organisation is named through the shared lists; one the
    shared lists do not know would show as a number."""
    unknown = []
    for name, column in audited_columns():
        if column.foreign_keys and column.key not in registry.audit_types[name].references:
            target = next(iter(column.foreign_keys)).column.table.name
            lists = {"user": PERSON_FIELDS, "organisation": ORGANISATION_FIELDS}
            if column.key not in lists.get(target, frozenset()):
                unknown.append(f"{name}.{column.key} -> {target}")
    assert unknown == []
