"""Transcriptions of printed results the report audits (data files only)."""
