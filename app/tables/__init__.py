"""Thematic tables: members, conversations with comments and conclusions, meetings."""
