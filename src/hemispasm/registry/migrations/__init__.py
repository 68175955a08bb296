"""Alembic migrations of the registry, shipped in the package (see ``env.py``)."""
