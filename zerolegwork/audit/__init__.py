"""Audit: append-only events, the hash chain over them, and the auditors' page."""
