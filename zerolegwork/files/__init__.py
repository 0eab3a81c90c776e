"""Attachments (evidence): validated uploads, content-addressed storage, permission-checked downloads."""
