"""Workable agreements: versions, revisit dates and decisions, links to principles."""
