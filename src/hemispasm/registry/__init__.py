"""hemispasm.registry: the record that follows each patient through years of treatment.

SQLAlchemy 2 models (:mod:`~hemispasm.registry.models`), Alembic migrations shipped in the
package (``migrations/``), a hash-chained append-only audit trail
(:mod:`~hemispasm.registry.audit`). SQLite by default, PostgreSQL (psycopg 3) in production.
See docs/registry.md.
"""

from __future__ import annotations
