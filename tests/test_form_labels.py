"""Labels tell the truth about every field of every form: "(verplicht)" when the form
refuses it empty, "(optioneel)" when nothing refuses it empty, and neither for a field
required only in some cases (app.forms.Conditional), whose hint then says when.

The fields below are the ones a service refuses when they are empty although the form's
own validators let them through (found field by field in the services); each must be
marked required or conditional. The tests of each area send these forms without the
field and check that the error and the label agree."""

from __future__ import annotations

import importlib
import pkgutil
import re

from wtforms.validators import DataRequired, InputRequired

import app as app_package
from app.forms import Form

# (form, field) -> "required" or "conditional": what the service refuses empty.
SERVICE_RULES = {
    # every change of an agreement is a new version with a note (update_agreement)
    ("app.agreements.forms.EditAgreementForm", "change_note"): "required",
    # amend: the new text must be there and differ (decide_revisit)
    ("app.agreements.forms.RevisitForm", "title"): "conditional",
    ("app.agreements.forms.RevisitForm", "summary"): "conditional",
    ("app.agreements.forms.RevisitForm", "new_revisit_on"): "conditional",
    ("app.agreements.forms.AgreementForm", "revisit_on"): "conditional",
    # an objection needs its reason (answer)
    ("app.decisions.forms.AnswerForm", "reason"): "conditional",
    # bearing organisations unless borne jointly; a reason when netto exceeds bruto
    ("app.risks.forms.RiskForm", "bearers"): "conditional",
    ("app.risks.forms.NewRiskForm", "bearers"): "conditional",
    ("app.risks.forms.NewRiskForm", "residual_reason"): "conditional",
    ("app.risks.forms.ReassessForm", "residual_reason"): "conditional",
    # a lesson's follow-up needs what it is about (add_lesson)
    ("app.reviews.forms.LessonForm", "action_owner_id"): "conditional",
    ("app.reviews.forms.LessonForm", "target_agreement_id"): "conditional",
    ("app.reviews.forms.LessonForm", "target_table_id"): "conditional",
    ("app.reviews.forms.LessonForm", "proposal_title"): "conditional",
    ("app.reviews.forms.LessonForm", "proposal_text"): "conditional",
    # not adopting a cycle needs a reason (decide)
    ("app.cycles.forms.DecisionForm", "reason"): "conditional",
}

SKIPPED_TYPES = ("CSRFTokenField", "HiddenField", "SubmitField", "BooleanField")
RENDER = '{% from "_macros/forms.html" import field %}{{ field(f) }}'


def every_form() -> list[type[Form]]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        importlib.import_module(module.name)
    found, todo = set(), [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


def label_of(html: str, field) -> str:
    """The text of a field's label (the legend of a group of radios or checkboxes)."""
    match = re.search(r"<legend[^>]*>(.*?)</legend>", html, re.S) or re.search(
        rf'<label[^>]*for="{re.escape(field.id)}"[^>]*>(.*?)</label>', html, re.S
    )
    assert match, html
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def rendered_fields(app):
    """(form name, field, label text, rendered HTML) of every field of every form."""
    template = app.jinja_env.from_string(RENDER)
    with app.test_request_context():
        for cls in every_form():
            form = cls(meta={"csrf": False})
            for field in form:
                if field.type in SKIPPED_TYPES:
                    continue
                if getattr(field, "choices", ()) is None:
                    field.choices = []
                html = template.render(f=field)
                yield f"{cls.__module__}.{cls.__name__}", field, label_of(html, field), html


def test_every_label_says_required_optional_or_explains_the_condition(app):
    problems, forms = [], set()
    for name, field, label, html in rendered_fields(app):
        forms.add(name)
        where = f"{name}.{field.name} ({label!r})"
        markers = [m for m in ("(verplicht)", "(optioneel)") if label.endswith(m)]
        if field.flags.conditional:
            if markers:
                problems.append(f"{where}: a conditional field says {markers[0]}")
            if (
                not str(field.description or "").strip()
                or f'id="{field.id}-description"' not in html
            ):
                problems.append(f"{where}: a conditional field needs a hint saying when")
            if any(isinstance(v, DataRequired | InputRequired) for v in field.validators):
                problems.append(f"{where}: conditional and always required")
        elif field.flags.required and markers != ["(verplicht)"]:
            problems.append(f"{where}: required but not labelled (verplicht)")
        elif not field.flags.required and markers != ["(optioneel)"]:
            problems.append(f"{where}: optional but not labelled (optioneel)")
    assert problems == []
    assert len(forms) >= 40, sorted(forms)  # the walk reaches the forms of every area


def test_fields_a_service_refuses_empty_are_not_labelled_optional(app):
    seen = {}
    for name, field, label, _html in rendered_fields(app):
        if (name, field.name) in SERVICE_RULES:
            seen[(name, field.name)] = (
                "conditional" if field.flags.conditional
                else "required" if field.flags.required
                else f"optional: {label}"
            )  # fmt: skip
    assert seen == SERVICE_RULES
