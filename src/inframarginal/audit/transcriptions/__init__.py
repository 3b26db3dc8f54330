"""Transcriptions of printed results the audit checks (data files only)."""
