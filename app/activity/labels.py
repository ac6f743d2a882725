"""Names for the audit trail's object types, actions and fields, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TYPES = {
    "Agreement": _l("Agreement"), "AgreementComment": _l("Comment on an agreement"),
    "Risk": _l("Risk"), "Measure": _l("Measure"), "RiskComment": _l("Comment on a risk"),
    "RiskSettings": _l("Risk settings"), "RiskCategory": _l("Risk category"),
    "ManifestVersion": _l("Manifest version"), "PrincipleText": _l("Principle text"),
    "Principle": _l("Principle"), "Endorsement": _l("Endorsement"),
    "ChangeProposal": _l("Change proposal"), "ProposalComment": _l("Comment on a proposal"),
    "ThematicTable": _l("Thematic table"), "TableMember": _l("Table member"),
    "Conversation": _l("Conversation"), "Comment": _l("Comment"), "Meeting": _l("Meeting"),
    "MeetingDecision": _l("Meeting decision"), "Review": _l("Review"), "Lesson": _l("Lesson"),
    "Action": _l("Action"), "PrivacyConfirmation": _l("Privacy check"),
    "ReviewSettings": _l("Review settings"), "Indicator": _l("Indicator"), "Cycle": _l("Cycle"),
    "BoardDecision": _l("Board decision"), "Membership": _l("Membership"),
    "Invitation": _l("Invitation"), "Organisation": _l("Organisation"),
    "Participation": _l("Participation"), "Partnership": _l("Partnership"), "User": _l("Person"),
}  # fmt: skip

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
}  # fmt: skip


def type_label(name: str) -> str:
    return str(TYPES.get(name, name))


def action_label(name: str) -> str:
    return str(ACTIONS.get(name, name))


def field_label(name: str) -> str:
    return str(FIELDS.get(name, name.replace("_", " ")))
