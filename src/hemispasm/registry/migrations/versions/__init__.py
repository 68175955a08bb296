"""Schema revisions, oldest first: 0001 tables, 0002 append-only audit triggers."""
