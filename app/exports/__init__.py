"""Exports: PDF (and later CSV, XLSX, ICS)."""
