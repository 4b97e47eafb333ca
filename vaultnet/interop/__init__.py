"""Formats in and out: vCard, CSV, JSON, iCalendar, graph files."""
