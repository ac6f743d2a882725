"""Decisions by consent of the partner organisations: proposals, answers per organisation,
outcomes with a review date, and what they became (an agreement or a manifest change)."""
