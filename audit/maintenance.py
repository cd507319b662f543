"""Going around the audit table's append-only triggers, deliberately and visibly.

The triggers (migration 0003) refuse every UPDATE, and refuse DELETE and TRUNCATE unless the
unmanaged table ``audit_erasure_allowed`` holds a row. Two things need that door:

- a future retention job (events older than the retention period), which should insert its
  marker, delete and remove the marker inside one transaction, so that no other session ever
  sees the door open;
- the test suite: pytest-django empties the database with ``flush`` after each transactional
  test (DELETE on SQLite, TRUNCATE on PostgreSQL); ``tests/conftest.py`` wraps that flush here.

The table is not a Django model on purpose: Django's ``flush`` never empties it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

MARKER_TABLE = "audit_erasure_allowed"


@contextmanager
def erasure_allowed(*, reason: str, using: str = "default") -> Iterator[None]:
    """Let DELETE (and TRUNCATE) through on the audit table for the duration of the block."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (reason) VALUES (%s)", [reason])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {MARKER_TABLE} WHERE reason = %s", [reason])
