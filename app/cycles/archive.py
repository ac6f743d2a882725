"""What cycles put in a partnership's archive (app.exports.archive): each cycle with its
measurements, phase changes and board decisions, and the board pack PDF of each
submitted cycle (the same PDF as the cycle's page offers)."""

from __future__ import annotations

from flask import render_template

from app.cycles import services
from app.exports.pdf import render_pdf, static_uri
from app.registry import ArchivePart


def documents(partnership_id: int, with_case_details: bool) -> list[dict]:
    result = []
    for c in sorted(services.cycles_of(partnership_id), key=lambda c: c.number):
        measurements = services.measurements_of(c)
        result.append({
            "kind": "cycle", "id": c.id, "reference": c.reference, "title": c.title,
            "audit_type": "Cycle",
            "fields": {
                "period_from": c.period_from, "period_to": c.period_to, "phase": c.phase,
                "interpretation": c.interpretation, "dilemmas": c.dilemmas,
                "submitted_at": c.submitted_at, "closed_at": c.closed_at,
                "measurements": [{"indicator_id": i, "value_number": m.value_number,
                                  "value_text": m.value_text, "explanation": m.explanation}
                                 for i, m in sorted(measurements.items())],
            },
            "versions": [{"number": n, "at": p.at, "note": f"{p.from_phase} -> {p.to_phase}",
                          "by": p.user.name if p.user else None, "content": {"phase": p.to_phase}}
                         for n, p in enumerate(services.phase_changes(c), start=1)],
            "decisions": [{"decision": d.decision, "at": d.at, "reason": d.reason or d.comment,
                           "by": d.organisation.name}
                          for d in services.decisions_of(c)],
            "comments": [],
        })  # fmt: skip
    return result


def files(partnership_id: int, with_case_details: bool) -> list[tuple[str, bytes]]:
    result = []
    for c in services.cycles_of(partnership_id, snapshots=True):
        if c.snapshot is None:
            continue
        html = render_template(
            "cycles/pdf.html", cycle=c, summary=c.snapshot, decisions=services.decisions_of(c),
            results=services.proposal_results(c), static_uri=static_uri(),
        )  # fmt: skip
        result.append((f"pdf/bestuurlijke-rapportage-{c.reference}.pdf", render_pdf(html)))
    return result


PART = ArchivePart(documents, files)
