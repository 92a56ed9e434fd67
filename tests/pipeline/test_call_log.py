"""The provider calls a service keeps (kyc.providers.registry.CallLog) are stored once: in the
transaction of what they did, or again after that transaction rolled back."""

from __future__ import annotations

import pytest
from django.db import transaction

from kyc.models import ProviderCall
from kyc.providers.base import CallRecord
from kyc.providers.registry import CallLog
from tests.admin.conftest import verification_row


def call(endpoint: str) -> CallRecord:
    return CallRecord(
        provider="dollarpe",
        method="POST",
        endpoint=endpoint,
        status_code=200,
        duration_ms=1.0,
        error=None,
        request_body=None,
        attempt=1,
    )


class Boom(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_calls_written_in_a_transaction_that_commits_are_stored_once():
    verification = verification_row()
    log = CallLog(verification.pk)
    log(call("kyc/add-kyc-data"))
    with transaction.atomic():
        log.write()
    log.write()  # the service's finally
    assert ProviderCall.objects.filter(verification=verification).count() == 1


@pytest.mark.django_db(transaction=True)
def test_calls_written_in_a_transaction_that_rolls_back_are_written_again_once():
    verification = verification_row()
    log = CallLog(verification.pk)
    log(call("kyc/add-kyc-data"))

    def outcome_that_fails() -> None:
        with transaction.atomic():
            log.write()
            raise Boom

    with pytest.raises(Boom):
        outcome_that_fails()
    assert not ProviderCall.objects.filter(verification=verification).exists()
    log.write()
    log.write()
    assert ProviderCall.objects.filter(verification=verification).count() == 1


@pytest.mark.django_db
def test_inside_a_callers_transaction_they_are_written_once():
    verification = verification_row()  # this test runs in a transaction
    log = CallLog(verification.pk)
    log(call("kyc/add-kyc-data"))
    with transaction.atomic():
        log.write()
    log.write()
    log(call("kyc/configuration"))
    log.write()
    endpoints = ProviderCall.objects.filter(verification=verification).values_list(
        "endpoint", flat=True
    )
    assert sorted(endpoints) == ["kyc/add-kyc-data", "kyc/configuration"]
