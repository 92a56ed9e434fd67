"""Faults at the database, the boundary we own: triggers that refuse one row's updates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection

from kyc.models import Verification

REFUSED = "P0001"  # raise_exception: a permanent error (Django's InternalError)
CANCELED = "57014"  # query_canceled: a transient one (Django's OperationalError)


@contextmanager
def verification_updates_refused(
    verification: Verification, sqlstate: str = REFUSED
) -> Iterator[None]:
    """The database refuses to update this one verification, with the SQLSTATE given."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL triggers")
    name = f"kyc_test_refuse_{verification.pk}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'the database refused this update (test)' "
            f"USING ERRCODE = '{sqlstate}'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE ON kyc_verification FOR EACH ROW "
            f"WHEN (OLD.id = {int(verification.pk)}) EXECUTE FUNCTION {name}()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER {name} ON kyc_verification")
            cursor.execute(f"DROP FUNCTION {name}()")
