"""Partnerships, organisations, memberships, roles and the dashboard."""
