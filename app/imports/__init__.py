"""Importing lists from XLSX and CSV files: reading, checking, preview and applying."""
