"""Manifest of leading principles: versions, endorsements, change proposals, links."""
