"""Audit trail and mail."""
