"""Names for the audit trail's object types, actions and fields, in the reader's language.

The object types are named by the areas that own them (app.registry.audit_types)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.registry import audit_types

ACTIONS = {
    "create": _l("created"), "update": _l("changed"), "delete": _l("removed"),
    "archive": _l("archived"), "restore": _l("restored"), "activate": _l("made active"),
    "revisit": _l("revisit decision"), "reassess": _l("reassessed"), "adopt": _l("adopted"),
    "accept": _l("accepted"), "decline": _l("declined"), "revoke": _l("withdrawn"),
    "reinstate": _l("brought back"), "retire": _l("left out"), "move": _l("moved"),
    "close": _l("closed"), "reopen": _l("reopened"), "hide": _l("hidden by a moderator"),
    "make_agreement": _l("made into an agreement"), "finalise": _l("finalised"),
    "score": _l("scores given"), "purge": _l("case details removed (retention)"),
    "confirm_privacy_hit": _l("privacy check confirmed"), "approve": _l("approved"),
    "phase": _l("next phase"), "measurements": _l("measurements saved"),
    "interpret": _l("interpretation saved"), "submit": _l("submitted to the boards"),
    "decide": _l("decided"), "follow_up": _l("proposal followed up"), "login": _l("logged in"),
    "password_changed": _l("password changed"), "logout": _l("logged out"),
    "password_reset": _l("password reset by mail"), "sessions_ended": _l("sessions ended"),
    "two_factor_enabled": _l("two-factor authentication on"),
    "two_factor_renewed": _l("two-factor authentication set up again"),
    "two_factor_disabled": _l("two-factor authentication off"),
    "two_factor_reset": _l("two-factor authentication reset"),
    "recovery_code_used": _l("recovery code used"),
    "recovery_codes_renewed": _l("new recovery codes"),
    "answer": _l("answered"), "amend": _l("amended"), "outcome": _l("outcome stated"),
    "new_version": _l("new version uploaded"),
}  # fmt: skip

FIELDS = {
    "title": _l("title"), "summary": _l("agreement"), "explanation": _l("explanation"),
    "kind": _l("kind"), "status": _l("status"), "owner_id": _l("owner"), "owner": _l("owner"),
    "start_on": _l("start date"), "revisit_on": _l("revisit date"), "end_on": _l("end date"),
    "origin": _l("origin"), "archived_at": _l("archived"), "description": _l("description"),
    "cause": _l("cause"), "consequence": _l("consequence"), "category_id": _l("category"),
    "strategy": _l("strategy"), "review_on": _l("review date"), "due_on": _l("due date"),
    "inherent_likelihood": _l("likelihood (bruto)"), "inherent_impact": _l("impact (bruto)"),
    "residual_likelihood": _l("likelihood (netto)"), "residual_impact": _l("impact (netto)"),
    "residual_reason": _l("reason for netto"), "body": _l("text"), "name": _l("name"),
    "theme": _l("theme"), "goal": _l("goal"), "chair_id": _l("chair"),
    "introduction": _l("introduction"), "conclusion": _l("conclusion"),
    "starts_at": _l("start"), "ends_at": _l("end"), "place": _l("place"), "agenda": _l("agenda"),
    "minutes": _l("minutes"), "case_description": _l("case description"), "team": _l("team"),
    "went_well": _l("what went well"), "could_be_better": _l("what could be better"),
    "participants": _l("participants"), "held_on": _l("date"), "role": _l("role"),
    "active": _l("active"), "phase": _l("phase"), "interpretation": _l("interpretation"),
    "dilemmas": _l("dilemmas"), "decision": _l("decision"), "text": _l("text"),
    "core_sentence": _l("core sentence"), "practice": _l("in practice"),
    "position": _l("position"), "preamble": _l("preamble"), "note": _l("note"),
    "reason": _l("reason"), "require_two_factor": _l("two-factor authentication required"),
    "sessions_ended": _l("sessions ended"),
    "closes_at": _l("closing time"), "outcome": _l("outcome"),
    "outcome_text": _l("outcome text"), "rationale": _l("why"),
    "agreement_id": _l("agreement"), "risk_id": _l("risk"), "table_id": _l("table"),
    "principle_id": _l("principle"), "cycle_id": _l("cycle"), "review_id": _l("review"),
    "meeting_id": _l("meeting"), "indicator_id": _l("indicator"),
    "organisation_id": _l("organisation"), "owner_organisation_id": _l("organisation"),
    "user_id": _l("person"), "author_id": _l("author"), "created_by_id": _l("created by"),
    "decided_by_id": _l("decided by"), "submitted_by_id": _l("submitted by"),
    "answered_by_id": _l("answered by"), "hidden_by_id": _l("hidden by"),
    "invited_by_id": _l("invited by"), "proposer_id": _l("proposed by"),
    "proposed_by_id": _l("proposed by"), "email": _l("e-mail address"),
    "number": _l("number"), "accepted_at": _l("accepted on"),
    "accepted_into_id": _l("taken into manifest version"), "action_due_on": _l("action due date"),
    "action_id": _l("action"), "action_owner_id": _l("action owner"), "added_at": _l("added on"),
    "adopted_at": _l("adopted on"), "adopted_by_id": _l("adopted by"),
    "adoption_note": _l("note on the adoption"), "agreement_comment_id": _l("comment on the agreement"),
    "aims": _l("aims"), "answered_at": _l("answered on"), "arena": _l("arena"), "at": _l("moment"),
    "auto_create": _l("accounts created on first login"), "change_proposal_id": _l("change proposal"),
    "client_id": _l("client ID"), "closed_at": _l("closed on"), "closed_by_id": _l("closed by"),
    "comment": _l("comment"), "confirmed_at": _l("confirmed on"),
    "confirmed_by_id": _l("confirmed by"), "conversation_id": _l("conversation"),
    "critical_from": _l("critical from score"), "decided_at": _l("decided on"),
    "decision_reason": _l("reason for the decision"), "definition": _l("definition"),
    "designated_by_id": _l("designated by"), "direction": _l("direction"),
    "domains": _l("e-mail domains"), "edited_at": _l("edited on"), "expires_at": _l("expires on"),
    "finalised_at": _l("finalised on"), "finalised_by_id": _l("finalised by"),
    "follow_up": _l("follow-up"), "hidden_at": _l("hidden on"),
    "hidden_reason": _l("reason for hiding"), "high_from": _l("high from score"),
    "instance_admin": _l("instance administrator"), "is_proposal": _l("proposal for a change"),
    "issuer": _l("issuer"), "joined_at": _l("joined on"), "language": _l("language"),
    "last_login_at": _l("last logged in"), "level": _l("level"),
    "manifest_version_id": _l("manifest version"), "medium_from": _l("medium from score"),
    "method": _l("decision method"), "mfa_acr_values": _l("required login strength (acr)"),
    "origin_label": _l("origin"), "outcome_at": _l("outcome stated on"),
    "passwords_allowed": _l("passwords allowed"), "period_from": _l("period from"),
    "period_to": _l("period to"), "proposal_id": _l("proposal"),
    "proposal_text": _l("proposal text"), "proposal_title": _l("proposal title"),
    "purged_at": _l("case details removed on"), "quorum": _l("quorum"), "result": _l("result"),
    "retention_months": _l("retention (months)"), "revoked_at": _l("withdrawn on"),
    "shared": _l("shared"), "shared_on": _l("shared on"), "slug": _l("web address"),
    "source": _l("source"), "source_label": _l("source"), "submitted_at": _l("submitted on"),
    "target": _l("target"), "target_agreement_id": _l("agreement concerned"),
    "target_principle_id": _l("principle concerned"), "target_table_id": _l("table concerned"),
    "target_text": _l("target (text)"), "totp_enabled_at": _l("two-factor authentication since"),
    "unit": _l("unit"), "votes": _l("votes"), "archived": _l("archived"),
    "shareable": _l("shareable beyond the organisation"), "document_version": _l("version"),
    "object_kind": _l("attached to"),
}  # fmt: skip


def type_label(name: str) -> str:
    registered = audit_types.get(name)
    return str(registered.label) if registered else name


def filterable_types() -> list[str]:
    """The object types offered in the activity page's filter, by name in the reader's
    language."""
    names = [name for name, kind in audit_types.items() if kind.filterable]
    return sorted(names, key=lambda name: type_label(name).casefold())


def history_kinds() -> dict[str, str]:
    """Audit object types whose history page exists -> the kind it is addressed by."""
    return {name: kind.history_kind for name, kind in audit_types.items() if kind.history_kind}


def action_label(name: str) -> str:
    return str(ACTIONS.get(name, name))


def field_label(name: str) -> str:
    """A field's label as a form would show it: "Herzieningsdatum" for revisit_on."""
    label = str(FIELDS.get(name, name.removesuffix("_id").replace("_", " ")))
    return label[:1].upper() + label[1:]
